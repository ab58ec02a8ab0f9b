"""The Impilo contract suite: Schemathesis with all checks and phases plus the invariants it lacks,
run against any Impilo Orders API server (the embedded mock by default).

    from impilo_contract import Settings, run_suite

    result = run_suite(Settings(base_url="http://127.0.0.1:8080", api_key="impilo-dev-key"))
    assert result.exit_code == 0, result.verdict()

Command line: `impilo-contract --help`; `make contract`.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("schemathesis") is None:  # the runner is the distribution's optional extra
    raise ModuleNotFoundError(
        "impilo-contract needs Schemathesis: pip install 'impilo-client[contract]'", name="schemathesis"
    )

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
