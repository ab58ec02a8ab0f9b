"""impilo_spec.distribution: the version and the extras, read from the installed metadata."""

from __future__ import annotations

import importlib.metadata
import sys

import pytest
from packaging_helpers import pyproject

import impilo
from impilo_spec import distribution

# Requires-Dist as setuptools writes it for this project's extras.
REQUIRES = [
    "httpx<0.29,>=0.27",
    'starlette<2,>=0.40; extra == "mock"',
    'uvicorn<1,>=0.30; extra == "mock"',
    'uvloop<1,>=0.19; sys_platform != "win32" and extra == "mock"',
    'impilo-client[mock]; extra == "contract"',
    'schemathesis<5,>=4.32; extra == "contract"',
    'PyYAML<7,>=6; extra == "contract"',
    'odd-marker; python_full_version >= "3.11" and extra == "contract"',
]


@pytest.fixture
def installed_only(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Pretend the distribution has REQUIRES and only the names in the returned set are installed."""
    present: set[str] = {"httpx"}

    def requires(name: str) -> list[str]:
        assert name == distribution.DISTRIBUTION
        return list(REQUIRES)

    def find(name: str) -> object:
        if name.lower() not in present:
            raise importlib.metadata.PackageNotFoundError(name)
        return object()

    monkeypatch.setattr(importlib.metadata, "requires", requires)
    monkeypatch.setattr(importlib.metadata, "distribution", find)
    return present


def test_the_version_is_the_installed_metadata_and_the_one_in_pyproject() -> None:
    assert impilo.__version__ == importlib.metadata.version("impilo-client") == pyproject()["project"]["version"]
    assert distribution.DISTRIBUTION == pyproject()["project"]["name"]


def test_a_source_tree_without_metadata_has_the_unknown_version(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert distribution.version() == distribution.UNKNOWN_VERSION == "0+unknown"


def test_missing_requirements_names_what_the_extra_lacks(installed_only: set[str]) -> None:
    expected_uvloop = ["uvloop"] if sys.platform != "win32" else []
    assert distribution.missing_requirements("mock") == ["starlette", "uvicorn", *expected_uvloop]
    installed_only.update({"starlette", "uvicorn", "uvloop"})
    assert distribution.missing_requirements("mock") == []


def test_an_extra_that_includes_another_checks_both(installed_only: set[str]) -> None:
    installed_only.add("schemathesis")
    # PyYAML is missing for contract itself, starlette and uvicorn through impilo-client[mock];
    # odd-marker has a marker this reader does not evaluate, so it is left to its import.
    assert sorted(distribution.missing_requirements("contract")) == sorted(
        ["PyYAML", "starlette", "uvicorn", *(["uvloop"] if sys.platform != "win32" else [])]
    )


def test_the_one_line_names_the_extra_what_is_missing_and_the_command(installed_only: set[str]) -> None:
    line = distribution.missing_extra_line("impilo-mock", "mock")
    assert line is not None and "\n" not in line
    assert line.startswith("impilo-mock: needs the 'mock' extra (missing: starlette, uvicorn")
    assert line.endswith("run: pip install 'impilo-client[mock]'")
    installed_only.update({"starlette", "uvicorn", "uvloop"})
    assert distribution.missing_extra_line("impilo-mock", "mock") is None


def test_without_metadata_nothing_is_reported_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def requires(name: str) -> list[str]:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "requires", requires)
    assert distribution.missing_requirements("mock") == []


def test_this_dev_environment_has_every_extra() -> None:
    assert [distribution.missing_requirements(extra) for extra in ("mock", "contract", "dev")] == [[], [], []]
