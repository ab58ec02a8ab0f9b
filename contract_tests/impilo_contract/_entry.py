"""The `impilo-contract` console script: checks the `contract` extra is installed, then runs the CLI.

Kept apart from `cli` so that a client-only install (`pip install impilo-client`) gets one line
naming the install to run (exit 2, as for any usage error), not a traceback from importing
Schemathesis.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from impilo_spec.distribution import missing_extra_line

# Needs only the base install (the client's spec reader), never Schemathesis: the packaging tests
# run this script in a client-only environment.
from ._results import EXIT_USAGE

PROG = "impilo-contract"
EXTRA = "contract"


def main(argv: Sequence[str] | None = None) -> int:
    problem = missing_extra_line(PROG, EXTRA)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    from .cli import main as cli_main

    return cli_main(argv)
