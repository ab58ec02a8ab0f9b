"""`python -m impilo_mock`: the same as the `impilo-mock` command."""

from __future__ import annotations

import sys

from ._entry import main

sys.exit(main())
