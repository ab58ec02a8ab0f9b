"""The Impilo contract suite: Schemathesis with all checks and phases plus the invariants it lacks,
run against any Impilo v3 API server (the embedded mock by default). It fails a server only where
the docs decide, and reports which way the server went where they are open (the dialect).

    from impilo_contract import Settings, run_suite, summary_text

    result = run_suite(Settings(base_url="http://127.0.0.1:8080", api_key="impilo-dev-key"))
    print(summary_text(result))
    assert result.exit_code == 0, result.verdict()

Command line: `impilo-contract --help`; `make contract`.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._assumptions import Assumption
    from ._drift import Drift
    from ._plan import Plan, UsageError, plan
    from ._report import SecretLeak, markdown, summary_text
    from ._results import (
        EXIT_CONFORMANT,
        EXIT_USAGE,
        EXIT_VIOLATIONS,
        CheckTally,
        DialectChoice,
        Failure,
        RunError,
        SuiteResult,
    )
    from ._runner import run_suite
    from ._settings import PROFILES, WRITE_TAG_PREFIX, Profile, Settings, is_loopback
    from ._spec import load_contract, load_view, open_response_enums
    from ._target import Target, open_target

__all__ = [
    "EXIT_CONFORMANT",
    "EXIT_USAGE",
    "EXIT_VIOLATIONS",
    "PROFILES",
    "WRITE_TAG_PREFIX",
    "Assumption",
    "CheckTally",
    "DialectChoice",
    "Drift",
    "Failure",
    "Plan",
    "Profile",
    "RunError",
    "SecretLeak",
    "Settings",
    "SuiteResult",
    "Target",
    "UsageError",
    "is_loopback",
    "load_contract",
    "load_view",
    "markdown",
    "open_response_enums",
    "open_target",
    "plan",
    "run_suite",
    "summary_text",
]

# Names are imported on first use, so the `impilo-contract` script (`_entry`) can import this
# package and say which extra is missing before anything imports Schemathesis.
_LAZY = {
    "Assumption": "._assumptions",
    "Drift": "._drift",
    "Plan": "._plan",
    "UsageError": "._plan",
    "plan": "._plan",
    "SecretLeak": "._report",
    "markdown": "._report",
    "summary_text": "._report",
    "EXIT_CONFORMANT": "._results",
    "EXIT_USAGE": "._results",
    "EXIT_VIOLATIONS": "._results",
    "CheckTally": "._results",
    "DialectChoice": "._results",
    "Failure": "._results",
    "RunError": "._results",
    "SuiteResult": "._results",
    "run_suite": "._runner",
    "PROFILES": "._settings",
    "WRITE_TAG_PREFIX": "._settings",
    "Profile": "._settings",
    "Settings": "._settings",
    "is_loopback": "._settings",
    "load_contract": "._spec",
    "load_view": "._spec",
    "open_response_enums": "._spec",
    "Target": "._target",
    "open_target": "._target",
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
