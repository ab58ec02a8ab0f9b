"""Fixtures for the facade's tests (helpers live in impilo_fakes.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests decide the configuration; a developer's own IMPILO_* variables must not leak in.
    monkeypatch.delenv("IMPILO_API_KEY", raising=False)
    monkeypatch.delenv("IMPILO_BASE_URL", raising=False)
