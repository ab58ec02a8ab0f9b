"""The Impilo contract suite: Schemathesis with all checks and phases plus the invariants it lacks,
run against any Impilo Orders API server (the embedded mock by default).

    from impilo_contract import Settings, run_suite

    result = run_suite(Settings(base_url="http://127.0.0.1:8080", api_key="impilo-dev-key"))
    assert result.exit_code == 0, result.verdict()

Command line: `impilo-contract --help`; `make contract`.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._drift import Drift
    from ._results import EXIT_CONFORMANT, EXIT_USAGE, EXIT_VIOLATIONS, CheckTally, Failure, SuiteResult
    from ._runner import Target, UsageError, open_target, run_suite
    from ._settings import PROFILES, WRITE_TAG_PREFIX, Profile, Settings, is_loopback
    from ._spec import load_contract, open_response_enums

__all__ = [
    "EXIT_CONFORMANT",
    "EXIT_USAGE",
    "EXIT_VIOLATIONS",
    "PROFILES",
    "WRITE_TAG_PREFIX",
    "CheckTally",
    "Drift",
    "Failure",
    "Profile",
    "Settings",
    "SuiteResult",
    "Target",
    "UsageError",
    "is_loopback",
    "load_contract",
    "open_response_enums",
    "open_target",
    "run_suite",
]

# Names are imported on first use, so the `impilo-contract` script (`_entry`) can import this
# package and say which extra is missing before anything imports Schemathesis.
_LAZY = {
    "Drift": "._drift",
    "EXIT_CONFORMANT": "._results",
    "EXIT_USAGE": "._results",
    "EXIT_VIOLATIONS": "._results",
    "CheckTally": "._results",
    "Failure": "._results",
    "SuiteResult": "._results",
    "Target": "._runner",
    "UsageError": "._runner",
    "open_target": "._runner",
    "run_suite": "._runner",
    "PROFILES": "._settings",
    "WRITE_TAG_PREFIX": "._settings",
    "Profile": "._settings",
    "Settings": "._settings",
    "is_loopback": "._settings",
    "load_contract": "._spec",
    "open_response_enums": "._spec",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if importlib.util.find_spec("schemathesis") is None:  # the runner is the distribution's optional extra
        raise ModuleNotFoundError(
            "impilo-contract needs Schemathesis: pip install 'impilo-client[contract]'", name="schemathesis"
        )
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
