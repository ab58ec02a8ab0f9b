"""The `impilo-mock` console script: checks the `mock` extra is installed, then runs the CLI.

Kept apart from `cli` so that a client-only install (`pip install impilo-client`) gets one line
naming the install to run, not a traceback from importing Starlette or uvicorn.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from impilo_spec.distribution import missing_extra_line

PROG = "impilo-mock"
EXTRA = "mock"
# A missing extra is a usage error, like a bad flag (argparse's code).
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    problem = missing_extra_line(PROG, EXTRA)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    from .cli import main as cli_main

    return cli_main(argv)
