"""Earlier clients, generated in this run from the same openapi.yaml, to measure side by side.

- `generate_upstream_client`: openapi-python-client's own templates (the "before" of the decode work).
- `generate_release_client`: the pinned templates of the last release (`RELEASE`, a git revision),
  before response models detected drift.
- `unchecked_client`: today's generated client with every JSON-type check of its decoders replaced
  by a presence test (an ablation, for a payload with every field present and well typed): what
  is left is what drift detection costs.

Each is generated once per run into a temporary directory under another package name. They need
the generator (a dev dependency), and the release one git and the repository's history; without
them those rows are left out and the report says why.
"""

from __future__ import annotations

import importlib
import re
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
RELEASE_PACKAGE = "impilo_release_client"
# The last landed release before response models typed without Unset and detected drift.
RELEASE = "a5ac4eb"


@dataclass
class UpstreamClient:
    models: Any  # the upstream-templates package's `models` module, or None
    note: str  # what happened, for the report


@cache
def generate_upstream_client() -> UpstreamClient:
    """Generate and import the upstream-templates client (about two seconds)."""
    result = _generate(PACKAGE, None)
    return UpstreamClient(models=result[0], note=result[1])


@cache
def generate_release_client() -> UpstreamClient:
    """Generate and import the client as the templates of RELEASE made it (about two seconds)."""
    templates = Path(tempfile.mkdtemp(prefix="impilo-bench-release-templates-"))
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{RELEASE}:codegen/templates"], capture_output=True, text=True, cwd=ROOT
    )
    if listing.returncode != 0 or not listing.stdout.strip():
        return UpstreamClient(None, f"the templates of release {RELEASE} are not in this checkout's history")
    for name in listing.stdout.split():
        shown = subprocess.run(["git", "show", f"{RELEASE}:codegen/templates/{name}"], capture_output=True, cwd=ROOT)
        (templates / name).write_bytes(shown.stdout)
    models, note = _generate(RELEASE_PACKAGE, templates)
    return UpstreamClient(models, note if models is None else f"the pinned templates of release {RELEASE}, in this run")


UNCHECKED_PACKAGE = "impilo_unchecked_client"
_FIELD_CHECK = re.compile(r"if \(?type\(v\) is [^:]+:")
_ENTRY_CHECK = re.compile(r"if type\(x\) is (dict|str)\b")
_LIST_CHECK = re.compile(r"_types\.checked_list\(\s*self,\s*\"[^\"]+\",\s*v,\s*\([^)]*\),\s*\"[^\"]+\",?\s*\)")


@cache
def unchecked_client() -> UpstreamClient:
    """Today's generated package, copied under another name with its type checks turned into presence tests."""
    source = ROOT / "generated" / "impilo_orders_api"
    tmp = Path(tempfile.mkdtemp(prefix="impilo-bench-unchecked-"))
    target = tmp / UNCHECKED_PACKAGE
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    rewritten = 0
    for path in (target / "models").glob("*.py"):
        text = path.read_text()
        new = _LIST_CHECK.sub("v", _ENTRY_CHECK.sub("if True", _FIELD_CHECK.sub("if v is not _ABSENT:", text)))
        rewritten += new != text
        path.write_text(new)
    sys.path.insert(0, str(tmp))
    try:
        models = importlib.import_module(f"{UNCHECKED_PACKAGE}.models")
    finally:
        sys.path.remove(str(tmp))
    return UpstreamClient(models, f"today's decoders with the type checks of {rewritten} models taken out, in this run")


def _generate(package: str, templates: Path | None) -> tuple[ModuleType | None, str]:
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent)) or shutil.which(
        "openapi-python-client"
    )
    if generator is None:
        return None, "openapi-python-client is not installed (dev extra): no 'before' numbers"
    tmp = Path(tempfile.mkdtemp(prefix="impilo-bench-upstream-"))
    config = tmp / "config.yaml"
    config.write_text(f"project_name_override: {package}\npackage_name_override: {package}\npost_hooks: []\n")
    out = tmp / package
    cmd = [generator, "generate", "--path", str(ROOT / "openapi.yaml"), "--config", str(config)]
    cmd += ["--meta", "none", "--output-path", str(out)]
    if templates is not None:
        cmd += ["--custom-template-path", str(templates)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, timeout=120)
    if proc.returncode != 0 or not out.is_dir():
        return None, f"generating the upstream-templates client failed: {(proc.stdout + proc.stderr)[-300:]}"
    sys.path.insert(0, str(tmp))
    try:
        models = importlib.import_module(f"{package}.models")
    finally:
        sys.path.remove(str(tmp))
    return models, "generated with openapi-python-client's own templates, in this run"
