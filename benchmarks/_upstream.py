"""The client as openapi-python-client's own templates generate it: the "before" of the decode work.

Generated once per run into a temporary directory under another package name, from the same
openapi.yaml, so "before" and "after" are measured side by side. Needs the generator (a dev
dependency); without it the "before" rows are left out and the report says so.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "impilo_upstream_client"


@dataclass
class UpstreamClient:
    models: Any  # the upstream-templates package's `models` module, or None
    note: str  # what happened, for the report


@cache
def generate_upstream_client() -> UpstreamClient:
    """Generate and import the upstream-templates client (about two seconds)."""
    result = _generate()
    return UpstreamClient(models=result[0], note=result[1])


def _generate() -> tuple[ModuleType | None, str]:
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent)) or shutil.which(
        "openapi-python-client"
    )
    if generator is None:
        return None, "openapi-python-client is not installed (dev extra): no 'before' numbers"
    tmp = Path(tempfile.mkdtemp(prefix="impilo-bench-upstream-"))
    config = tmp / "config.yaml"
    config.write_text(f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\npost_hooks: []\n")
    out = tmp / PACKAGE
    cmd = [generator, "generate", "--path", str(ROOT / "openapi.yaml"), "--config", str(config)]
    cmd += ["--meta", "none", "--output-path", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, timeout=120)
    if proc.returncode != 0 or not out.is_dir():
        return None, f"generating the upstream-templates client failed: {(proc.stdout + proc.stderr)[-300:]}"
    sys.path.insert(0, str(tmp))
    try:
        models = importlib.import_module(f"{PACKAGE}.models")
    finally:
        sys.path.remove(str(tmp))
    return models, "generated with openapi-python-client's own templates, in this run"
