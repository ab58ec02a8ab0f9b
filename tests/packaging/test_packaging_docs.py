"""The reference site is made from the code: the CLI pages from the parsers themselves, and a
broken reference fails the strict build that CI runs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging_helpers import ROOT


def load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("impilo_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = load_hooks()


@pytest.mark.parametrize("target", ["impilo_contract.cli:build_parser", "impilo_mock.cli:_parser"])
def test_a_cli_page_shows_every_flag_of_its_parser(target: str) -> None:
    parser = hooks.build_parser(target)
    page = hooks.render(f"cli {target}")
    options = [option for action in hooks.flags(parser) for option in action.option_strings]
    assert options
    assert [option for option in options if f"`{option}`" not in page] == []
    assert parser.format_usage().split()[1] in page  # the --help text, with the program name


def test_every_page_marker_names_something_the_hook_can_fill() -> None:
    markers = [
        match.group("what").strip()
        for page in (ROOT / "docs").rglob("*.md")
        for match in hooks.MARKER.finditer(page.read_text())
    ]
    assert "readme" in markers
    with pytest.raises(hooks.MarkerError, match="unknown marker"):
        hooks.render("no such marker")


def test_the_exceptions_page_lists_every_exception_impilo_exports() -> None:
    import impilo

    page = hooks.render("public impilo exceptions")
    exported = [
        name
        for name in impilo.__all__
        if isinstance(getattr(impilo, name), type) and issubclass(getattr(impilo, name), BaseException)
    ]
    assert exported and [name for name in exported if f"::: impilo.{name}\n" not in page] == []


def test_a_broken_reference_fails_the_strict_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Broken\n\nSee [the client][impilo.NoSuchClient].\n")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: broken\n"
        f"docs_dir: {docs}\n"
        "plugins:\n"
        "  - mkdocstrings:\n"
        "      handlers:\n"
        "        python:\n"
        f"          paths: [{ROOT / 'overlays'}]\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(tmp_path / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "impilo.NoSuchClient" in done.stderr
