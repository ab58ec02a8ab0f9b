"""Session fixtures: the artifacts are built once, and the client-only environment made once."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging_helpers import Artifacts, Environment, base_install, build_artifacts


@pytest.fixture(scope="session")
def packaging_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="session")
def artifacts(packaging_workdir: Path) -> Artifacts:
    return build_artifacts(packaging_workdir)


@pytest.fixture(scope="session")
def client_only(artifacts: Artifacts, packaging_workdir: Path) -> Environment:
    """The wheel installed with no extras, as `pip install impilo-client` does."""
    return base_install(artifacts.wheel, packaging_workdir)
