"""What the installed distribution says about itself: its name, its version, and which of an
extra's requirements are not installed.

The console scripts ask this before importing their extra's code, so a user who installed the
client alone gets one line naming the `pip install` to run instead of a traceback. Everything is
read from the installed metadata, so the extras are written once, in pyproject.toml. Standard
library only, like the rest of impilo_spec: it has to work when the extras are missing.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import sys

__all__ = [
    "DISTRIBUTION",
    "UNKNOWN_VERSION",
    "install_command",
    "missing_extra_line",
    "missing_requirements",
    "version",
]

DISTRIBUTION = "impilo-client"
# The version of a source tree that was never installed (no metadata to read): a valid PEP 440
# version that sorts below every release.
UNKNOWN_VERSION = "0+unknown"

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_CLAUSE = re.compile(r"""^\s*(\w+)\s*(==|!=)\s*["']([^"']*)["']\s*$""")


def version() -> str:
    """The installed version of the distribution, or `UNKNOWN_VERSION` in a bare source tree."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def install_command(extra: str) -> str:
    """The command that installs `extra`, e.g. `pip install 'impilo-client[mock]'`."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def missing_requirements(extra: str) -> list[str]:
    """The distributions `extra` needs (following extras it includes) that are not installed.

    Empty when all are installed, and in a source tree with no installed metadata, where there is
    nothing to compare with (the import then fails on its own).
    """
    try:
        requires = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    missing: list[str] = []
    _collect_missing(requires, extra, set(), missing)
    return missing


def missing_extra_line(prog: str, extra: str) -> str | None:
    """The one line a console script prints when its extra is missing, or None when it is installed."""
    missing = missing_requirements(extra)
    if not missing:
        return None
    return f"{prog}: needs the '{extra}' extra (missing: {', '.join(missing)}); run: {install_command(extra)}"


def _collect_missing(requires: list[str], extra: str, seen: set[str], missing: list[str]) -> None:
    if extra in seen:
        return
    seen.add(extra)
    for requirement in requires:
        spec, _, marker = requirement.partition(";")
        if not _applies(marker, extra):
            continue
        match = _NAME.match(spec)
        if match is None:
            continue
        name, included = match.group(1), match.group(2)
        if _normalized(name) == _normalized(DISTRIBUTION):
            # An extra that includes another (`impilo-client[mock]`): that one's requirements too.
            for other in (included or "").split(","):
                if other.strip():
                    _collect_missing(requires, other.strip(), seen, missing)
        elif not _installed(name) and name not in missing:
            missing.append(name)


def _applies(marker: str, extra: str) -> bool:
    """Whether a requirement with this marker belongs to `extra` on this machine.

    Markers here are `and`-joined `==`/`!=` clauses (`sys_platform != "win32" and extra == "mock"`).
    A requirement whose marker says anything else is not checked: better to let its import speak
    than to refuse an install that may well work.
    """
    if not marker.strip():
        return False  # a base requirement, installed with the distribution itself
    environment = {
        "sys_platform": sys.platform,
        "platform_system": platform.system(),
        "os_name": os.name,
        "platform_machine": platform.machine(),
    }
    in_extra = False
    for clause in marker.split(" and "):
        match = _CLAUSE.match(clause)
        if match is None:
            return False
        variable, operator, value = match.groups()
        if variable == "extra":
            if operator != "==" or _normalized(value) != _normalized(extra):
                return False
            in_extra = True
        elif variable in environment:
            if (environment[variable] == value) != (operator == "=="):
                return False
        else:
            return False
    return in_extra


def _installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
