"""Root pytest configuration: one guard for the strict editable install.

`make` installs the project in setuptools' strict editable mode (a tree of links under build/),
which links each package file: a module added after the install is not importable until the next
`make` re-links it. Running pytest directly after adding one would fail with a bare
ModuleNotFoundError; this says why, and what to run, before any test is collected.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
LINK_TREES = ROOT / "build"
PACKAGE_SUFFIXES = {".py", ".json", ".typed"}


PACKAGES = ("impilo", "impilo_orders_api", "impilo_spec", "impilo_spec_data", "impilo_mock", "impilo_contract")


def unlinked_files(installed: Path, source: Path) -> list[Path]:
    """Files of the source package that its link tree has no entry for."""
    return [
        path
        for path in sorted(source.rglob("*"))
        if path.suffix in PACKAGE_SUFFIXES
        and "__pycache__" not in path.parts
        and not (installed / path.relative_to(source)).exists()
    ]


def unlinked_package_files() -> list[str]:
    """Package files in the source tree that the editable install in use has no link for."""
    missing: list[str] = []
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        installed = Path(next(iter(spec.submodule_search_locations)))
        if not installed.is_relative_to(LINK_TREES) or not (installed / "__init__.py").is_symlink():
            continue  # a plain or lenient install: nothing is linked file by file
        source = (installed / "__init__.py").resolve().parent
        missing += [str(path.relative_to(ROOT)) for path in unlinked_files(installed, source)]
    return missing


def pytest_configure(config: pytest.Config) -> None:
    missing = unlinked_package_files()
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise pytest.UsageError(
            f"{len(missing)} package file(s) added since the last install are not linked yet ({shown}): "
            "run `make .venv` (any make target does it), then pytest again"
        )
