"""The sdist and the wheel hold what they should: the wheel the packages, typed, with the spec's
views and nothing else; the sdist the whole source tree, enough to regenerate and test."""

from __future__ import annotations

import re
import sys
from email.parser import Parser
from pathlib import Path

from packaging_helpers import ROOT, Artifacts, copy_source_tree, pyproject, run, unpack_sdist

import impilo_spec

# What the base install may pull in, and what must wait for an extra.
CLIENT_REQUIREMENTS = {"httpx", "attrs", "orjson", "jsonschema", "referencing"}
SERVER_AND_SUITE = {"starlette", "uvicorn", "httptools", "uvloop", "schemathesis", "hypothesis", "pyyaml"}


def top_level_packages() -> set[str]:
    """The packages setuptools finds, read from the source tree the way pyproject.toml tells it to."""
    find = pyproject()["tool"]["setuptools"]["packages"]["find"]
    return {
        init.parent.name
        for where in find["where"]
        for init in (ROOT / where).glob("*/__init__.py")
        if any(init.parent.match(pattern) for pattern in find["include"])
    }


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def test_the_wheel_holds_every_package_each_with_py_typed(artifacts: Artifacts) -> None:
    names = artifacts.wheel_names()
    in_wheel = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    packages = top_level_packages()
    assert packages >= {
        "impilo",
        "impilo_orders_api",
        "impilo_spec",
        "impilo_spec_data",
        "impilo_mock",
        "impilo_contract",
    }
    assert in_wheel == packages
    assert not [package for package in sorted(packages) if f"{package}/py.typed" not in names]


def test_the_wheel_ships_every_view_of_the_spec(artifacts: Artifacts) -> None:
    names = set(artifacts.wheel_names())
    assert {f"impilo_spec_data/{view}.json" for view in impilo_spec.VIEWS} <= names
    assert "impilo_spec_data/contract.json" in names


def test_the_wheel_holds_no_tests_benchmarks_or_build_files(artifacts: Artifacts) -> None:
    names = artifacts.wheel_names()
    stray = [
        name
        for name in names
        if re.search(r"(^|/)(test_[^/]*\.py|conftest\.py)$", name)
        or name.split("/")[0] in {"tests", "contract_tests", "benchmarks", "scripts", "codegen", "docs"}
        or name.endswith((".yaml", ".pyc", ".sh"))
    ]
    assert stray == []


def test_the_wheel_metadata_declares_licence_urls_classifiers_and_a_client_only_base(artifacts: Artifacts) -> None:
    metadata = Parser().parsestr(artifacts.wheel_metadata())
    project = pyproject()["project"]
    assert metadata["Name"] == project["name"]
    assert metadata["Version"] == project["version"]
    assert metadata["Requires-Python"] == project["requires-python"]
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in artifacts.wheel_names())
    assert len(metadata.get_all("Project-URL") or []) >= 1
    classifiers = set(metadata.get_all("Classifier") or [])
    assert {
        "Typing :: Typed",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.13",
    } <= classifiers
    requires = metadata.get_all("Requires-Dist") or []
    base = {requirement_name(r) for r in requires if "extra ==" not in r}
    assert base == CLIENT_REQUIREMENTS
    assert base.isdisjoint(SERVER_AND_SUITE)
    extras = set(metadata.get_all("Provides-Extra") or [])
    assert {"mock", "contract", "dev"} <= extras


def test_the_licence_file_is_the_mit_licence_the_metadata_declares() -> None:
    assert pyproject()["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_the_sdist_holds_the_whole_source_tree(artifacts: Artifacts, tmp_path: Path) -> None:
    source = copy_source_tree(tmp_path / "source")
    expected = {str(path.relative_to(source)) for path in source.rglob("*") if path.is_file()}
    in_sdist = set(artifacts.sdist_names())
    assert sorted(expected - in_sdist) == []
    # The files a newcomer needs to rebuild and test, named so a MANIFEST.in slip is obvious.
    for needed in (
        "openapi.yaml",
        "overlays/rules.overlay.yaml",
        "codegen/config.yaml",
        "scripts/regen.py",
        "Makefile",
        "constraints.txt",
        "LICENSE",
        "tests/packaging/conftest.py",
        ".ci/run",
    ):
        assert needed in in_sdist


def test_the_sdist_regenerates_its_own_generated_code(artifacts: Artifacts, tmp_path: Path) -> None:
    unpacked = unpack_sdist(artifacts.sdist, tmp_path)
    done = run([sys.executable, str(unpacked / "scripts" / "regen.py"), "--check"], cwd=unpacked)
    assert "up to date" in done.stdout + done.stderr
