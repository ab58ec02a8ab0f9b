from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """openapi.yaml as the maintainer wrote it."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return loaded


@pytest.fixture(scope="session")
def contract_view() -> dict[str, Any]:
    """The spec with the rules overlay applied, as shipped in the generated package."""
    loaded: dict[str, Any] = json.loads((files("impilo_spec_data") / "contract.json").read_text())
    return loaded
