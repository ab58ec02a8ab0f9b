"""`make` on an unusual machine: too old a Python is named in one line before anything is created,
a failed bootstrap leaves no half-made .venv, and the install stamp follows the list of package
files (a new module is linked by the next make), not every edit."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from packaging_helpers import ROOT

BOOTSTRAP_FILES = ("pyproject.toml", "constraints.txt", "scripts/bootstrap.sh", "Makefile")


def project_copy(tmp_path: Path) -> Path:
    """The files the bootstrap reads, in a scratch project."""
    project = tmp_path / "project"
    for name in BOOTSTRAP_FILES:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, project / name)
    return project


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def pretend_python(tmp_path: Path, version: tuple[int, int, int]) -> Path:
    """The real interpreter, reporting another version in sys.version_info (a sitecustomize)."""
    site = tmp_path / "pretend-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(f"import sys\nsys.version_info = {(*version, 'final', 0)!r}\n")
    return executable(tmp_path / "python-pretend", f'#!/bin/sh\nPYTHONPATH={site} exec {sys.executable} "$@"\n')


def bootstrap(project: Path, python: Path | str, installer: str = "uv") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "scripts/bootstrap.sh", str(python), ".venv", installer],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_too_old_a_python_is_refused_in_one_line_before_anything_is_made(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    done = bootstrap(project, pretend_python(tmp_path, (3, 10, 12)))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Python 3.10.12 at " in lines[0]
    assert "needs Python 3.11 or newer" in lines[0]
    assert "PYTHON=" in lines[0]
    assert not (project / ".venv").exists()


def test_an_interpreter_that_does_not_run_is_named(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    done = bootstrap(project, tmp_path / "no-such-python")
    assert done.returncode == 1
    assert "cannot run" in done.stderr and "PYTHON=" in done.stderr
    assert not (project / ".venv").exists()


def test_a_venv_step_that_fails_midway_leaves_no_venv(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    # Passes the version check, then makes part of a venv and fails, as a broken ensurepip does.
    broken = executable(
        tmp_path / "python-broken-venv",
        "#!/bin/sh\n"
        'if [ "$1" = -m ] && [ "$2" = venv ]; then mkdir -p "$3/bin"; echo half > "$3/bin/python"; exit 1; fi\n'
        f'exec {sys.executable} "$@"\n',
    )
    done = bootstrap(project, broken)
    assert done.returncode == 1
    assert "removed the half-made .venv" in done.stderr
    assert not (project / ".venv").exists()


def test_an_install_that_fails_leaves_no_venv(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    # A pin no index has: the resolver fails, as it does on an unsupported Python.
    with (project / "constraints.txt").open("a") as constraints:
        constraints.write("httpx==0.0.1\n")
    done = bootstrap(project, sys.executable)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "creating .venv with Python" in done.stdout
    assert "installing the project" in done.stdout
    assert "removed the half-made .venv" in done.stderr
    assert not (project / ".venv").exists()


def make_is_up_to_date(project: Path) -> bool:
    done = subprocess.run(["make", "-q", ".venv"], cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0


def test_the_install_stamp_follows_the_list_of_package_files_not_their_contents(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    package = project / "overlays" / "impilo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    make_is_up_to_date(project)  # writes build/package-files.txt
    listing = project / "build" / "package-files.txt"
    assert listing.read_text() == "overlays/impilo/__init__.py\n"
    stamp = project / ".venv" / ".installed"
    stamp.parent.mkdir()
    stamp.touch()
    now = time.time()
    for path in [*(project / name for name in BOOTSTRAP_FILES), listing]:
        os.utime(path, (now - 100, now - 100))
    os.utime(stamp, (now - 50, now - 50))
    assert make_is_up_to_date(project)

    (package / "__init__.py").write_text("VALUE = 1\n")  # an edit: the links still point at it
    assert make_is_up_to_date(project)

    (package / "_new_module.py").write_text("")  # a new file: strict editable mode must link it
    assert not make_is_up_to_date(project)
    assert "overlays/impilo/_new_module.py" in listing.read_text()


def load_root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("impilo_root_conftest", ROOT / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pytest_names_a_package_file_the_link_tree_lacks(tmp_path: Path) -> None:
    guard = load_root_conftest()
    source = tmp_path / "overlays" / "impilo"
    (source / "sub").mkdir(parents=True)
    for name in ("__init__.py", "_old.py", "py.typed", "sub/__init__.py", "_new.py", "sub/data.json"):
        (source / name).write_text("")
    installed = tmp_path / "build" / "__editable__.x" / "impilo"
    (installed / "sub").mkdir(parents=True)
    for name in ("__init__.py", "_old.py", "py.typed", "sub/__init__.py"):
        (installed / name).symlink_to(source / name)
    assert [str(p.relative_to(source)) for p in guard.unlinked_files(installed, source)] == ["_new.py", "sub/data.json"]
