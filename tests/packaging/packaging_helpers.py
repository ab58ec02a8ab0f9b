"""Building and installing the distribution the way a user or a release would, for the packaging tests.

Everything is built once per session in a temporary directory: the source tree as git would
commit it, the sdist from it, the wheel from the sdist (so the sdist is proven to build), and a
fresh environment with the wheel installed and no extras.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# What a working tree has that a clean checkout does not (the .gitignore list, for trees without git).
NOT_SOURCE = (
    *(".git", ".venv", "build", "dist", "site", "reports", "*.egg-info", "__pycache__", "*.pyc", ".*_cache"),
    *(".hypothesis", ".benchmarks", ".schemathesis"),
)


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def run(command: list[str], cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise with its output, so the test report says why."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def copy_source_tree(destination: Path) -> Path:
    """The files a commit of this working tree would hold (tracked and new, not ignored)."""
    destination.mkdir(parents=True)
    if (ROOT / ".git").exists():
        listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT).stdout
        for name in filter(None, listed.split("\0")):
            source = ROOT / name
            if source.is_file():  # a file deleted but not yet committed is listed too
                target = destination / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    else:  # an unpacked sdist: everything in it is source
        shutil.copytree(ROOT, destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    return destination


@dataclass(frozen=True)
class Artifacts:
    sdist: Path
    wheel: Path

    def sdist_names(self) -> list[str]:
        """Paths inside the sdist, without its top directory (`impilo_client-0.1.0/`)."""
        with tarfile.open(self.sdist) as archive:
            return [name.partition("/")[2] for name in archive.getnames() if "/" in name]

    def wheel_names(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return archive.namelist()

    def wheel_metadata(self) -> str:
        with zipfile.ZipFile(self.wheel) as archive:
            (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
            return archive.read(name).decode()


def build_artifacts(workdir: Path) -> Artifacts:
    """The sdist of the source tree, and the wheel built from that sdist (`python -m build`)."""
    source = copy_source_tree(workdir / "source")
    out = workdir / "dist"
    # --no-isolation: the dev environment has the pinned setuptools; nothing is downloaded.
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)])
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Artifacts(sdist=sdist, wheel=wheel)


def unpack_sdist(sdist: Path, destination: Path) -> Path:
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # 3.11.4 and later: refuse paths that leave destination
            archive.extractall(destination, filter="data")
        else:  # pragma: no cover - our own sdist, built a moment ago
            archive.extractall(destination)
    (top,) = destination.iterdir()
    return top


@dataclass(frozen=True)
class Environment:
    """A fresh virtual environment with the wheel installed and no extras."""

    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def script(self, name: str) -> Path:
        return self.root / "bin" / name


def base_install(wheel: Path, workdir: Path) -> Environment:
    """`pip install impilo-client`, into a new venv: the wheel, no extras, the pinned versions.

    uv when the dev environment has it (make installs it; a second or so), else venv and pip.
    """
    env = Environment(workdir / "base-venv")
    uv = Path(sys.executable).parent / "uv"
    constraints = str(ROOT / "constraints.txt")
    if uv.exists():
        run([str(uv), "venv", "--quiet", "--python", sys.executable, str(env.root)])
        run([str(uv), "pip", "install", "--quiet", "--python", str(env.python), "-c", constraints, str(wheel)])
    else:
        run([sys.executable, "-m", "venv", str(env.root)])
        run(
            [
                str(env.python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-c",
                constraints,
                str(wheel),
            ]
        )
    return env
