"""Regenerate generated/ from openapi.yaml (`make regen`).

1. Validate openapi.yaml, apply the overlays, validate every view of the spec (scripts/views.py).
2. Run the pinned openapi-python-client into a scratch directory, on the spec annotated with
   which schemas a client receives (`x-impilo-received`), so the templates type those as responses.
3. Stamp every generated .py file; add `params.py`, the request bodies as TypedDicts
   (scripts/typed_params.py); write the views as the data package `impilo_spec_data`.
4. Swap both packages in only when every step worked; print what changed in the client's
   public surface (operations, models, fields).

Any failure exits non-zero with the reason and leaves generated/ exactly as it was.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import views
from overlay import OverlayError
from typed_params import ParamsError, render

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
RULES_OVERLAY = ROOT / "overlays" / "rules.overlay.yaml"
ACCEPT_OVERLAY = ROOT / "overlays" / "accept.overlay.yaml"
CONFIG = ROOT / "codegen" / "config.yaml"
TEMPLATES = ROOT / "codegen" / "templates"
OUTPUT = ROOT / "generated"
GENERATOR = "openapi-python-client"
# The data package holding the views; read through impilo_spec by the client, mock and suite.
VIEWS_PACKAGE = "impilo_spec_data"
RECEIVED_KEY = "x-impilo-received"

Surface = dict[str, dict[str, list[str]]]


class RegenError(Exception):
    pass


def package_name() -> str:
    return str(yaml.safe_load(CONFIG.read_text())["package_name_override"])


def pinned_generator_version() -> str:
    """The exact version pinned in pyproject.toml's dev extra: the one place that decides output."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    dev: list[str] = pyproject["project"]["optional-dependencies"]["dev"]
    for req in dev:
        name, _, version = req.partition("==")
        if name.strip() == GENERATOR:
            return version.strip()
    raise RegenError(f"{GENERATOR} is not pinned with == in pyproject.toml [dev]")


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise RegenError(f"{path.name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RegenError(f"{path.name} is not a YAML mapping")
    return data


def validated(doc: dict[str, Any], what: str) -> None:
    try:
        validate(doc)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(document root)"
        raise RegenError(f"{what} is invalid at {where}: {exc.message}") from exc
    except Exception as exc:  # the validator's $ref resolver raises its own errors
        ref = getattr(exc, "ref", None)
        detail = f"unresolvable $ref {ref!r}" if ref else f"{type(exc).__name__}: {str(exc)[:300]}"
        raise RegenError(f"{what} is invalid: {detail}") from exc


def build_views(spec_path: Path = SPEC) -> dict[str, dict[str, Any]]:
    spec = load_yaml(spec_path)
    validated(spec, "openapi.yaml")
    try:
        built = views.build(spec, load_yaml(RULES_OVERLAY), load_yaml(ACCEPT_OVERLAY))
    except OverlayError as exc:
        raise RegenError(f"overlays/: {exc}") from exc
    for name, doc in built.items():
        if name != "openapi":
            validated(doc, f"the {name} view (openapi.yaml + overlays)")
    return built


def received_schemas(spec: dict[str, Any]) -> set[str]:
    """Schemas a client receives: in any response, or in the body of a webhook Impilo sends.

    A schema both sent and received would be typed two ways at once; the spec keeps them apart.
    """
    schemas = spec["components"]["schemas"]
    refs = views.schema_refs
    received_roots = refs(spec.get("components", {}).get("responses", {})) | refs(spec.get("webhooks", {}))
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict):
                received_roots |= refs(op.get("responses", {}))
    received, sent = views.closure(schemas, received_roots), views.request_schemas(spec)
    both = sorted((received & sent) - {name for name, s in schemas.items() if "enum" in s})
    if both:
        raise RegenError(f"schemas both sent and received (give each side its own schema): {', '.join(both)}")
    return received


def generator_input(spec: dict[str, Any], scratch: Path) -> Path:
    """The spec the generator reads: openapi.yaml with received schemas marked for the templates."""
    annotated = json.loads(json.dumps(spec))
    for name in received_schemas(spec):
        annotated["components"]["schemas"][name][RECEIVED_KEY] = True
    path = scratch / "openapi.json"
    path.write_text(json.dumps(annotated, indent=1, ensure_ascii=False))
    return path


def run_generator(scratch: Path, spec_path: Path) -> Path:
    installed = importlib.metadata.version(GENERATOR)
    pinned = pinned_generator_version()
    if installed != pinned:
        raise RegenError(f"{GENERATOR} {installed} is installed but {pinned} is pinned; run `make .venv`")
    out = scratch / "out"
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = [
        str(bindir / GENERATOR),
        "generate",
        "--path",
        str(spec_path),
        "--config",
        str(CONFIG),
        "--custom-template-path",
        str(TEMPLATES),
        "--meta",
        "none",
        "--output-path",
        str(out),
        "--fail-on-warning",
    ]
    proc = subprocess.run(cmd, cwd=scratch, env=env, capture_output=True, text=True)
    if proc.returncode != 0 or not out.is_dir():
        raise RegenError(f"{GENERATOR} failed:\n{proc.stdout}{proc.stderr}".rstrip())
    shutil.rmtree(out / ".ruff_cache", ignore_errors=True)
    return out


def finish_package(pkg: Path, spec: dict[str, Any]) -> None:
    version = pinned_generator_version()
    stamp = f"# Generated by {GENERATOR} {version} from openapi.yaml by `make regen`. Do not edit.\n"
    for path in sorted(pkg.rglob("*.py")):
        path.write_text(stamp + path.read_text())
    (pkg / "py.typed").write_text("")
    try:
        params = render(spec, stamp.replace(f"{GENERATOR} {version}", "scripts/typed_params.py"))
    except ParamsError as exc:
        raise RegenError(f"request TypedDicts: {exc}") from exc
    (pkg / "params.py").write_text(params)


def views_package(scratch: Path, built: dict[str, dict[str, Any]]) -> Path:
    """The views as package data, so an installed client, mock and suite read them without the source tree."""
    pkg = scratch / VIEWS_PACKAGE
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "# Generated by scripts/views.py from openapi.yaml and overlays/ by `make regen`. Do not edit.\n"
        '"""The views of openapi.yaml (see scripts/views.py), as data; read them through `impilo_spec`."""\n'
    )
    (pkg / "py.typed").write_text("")
    for name, doc in built.items():
        (pkg / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return pkg


def public_surface(pkg: Path) -> Surface:
    """Operations, models and their fields, read from the generated source."""
    surface: Surface = {"operations": {}, "models": {}}
    if not pkg.is_dir():
        return surface
    for path in sorted((pkg / "api").rglob("*.py")):
        if path.name != "__init__.py":
            tree = ast.parse(path.read_text())
            funcs = sorted(n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
            surface["operations"][path.stem] = [f for f in funcs if not f.startswith("_")]
    for path in sorted((pkg / "models").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                fields = [
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign)
                    and isinstance(s.target, ast.Name)
                    and not s.target.id.startswith("_")
                ]
                fields += [
                    t.id
                    for s in node.body
                    if isinstance(s, ast.Assign)
                    for t in s.targets
                    if isinstance(t, ast.Name) and t.id.isupper()
                ]
                surface["models"][node.name] = fields
    return surface


def describe_changes(old: Surface, new: Surface) -> list[str]:
    lines: list[str] = []
    for kind, label in (("operations", "operation"), ("models", "model")):
        before, after = old[kind], new[kind]
        lines += [f"+ {label} {n}" for n in sorted(after.keys() - before.keys())]
        lines += [f"- {label} {n}" for n in sorted(before.keys() - after.keys())]
        if kind == "models":
            for name in sorted(before.keys() & after.keys()):
                lines += [f"+ field {name}.{f}" for f in after[name] if f not in before[name]]
                lines += [f"- field {name}.{f}" for f in before[name] if f not in after[name]]
    return lines


def swap_in(moves: dict[Path, Path], scratch: Path) -> None:
    """Move each built directory onto its target; on any failure put every old one back."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for index, (built, target) in enumerate(moves.items()):
            target.parent.mkdir(parents=True, exist_ok=True)
            old = scratch / f"previous-{index}"
            kept = None
            if target.exists():
                shutil.move(str(target), str(old))
                kept = old
            done.append((target, kept))
            shutil.move(str(built), str(target))
    except BaseException:
        for target, kept in reversed(done):
            shutil.rmtree(target, ignore_errors=True)
            if kept is not None:
                shutil.move(str(kept), str(target))
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if generated/ differs from a fresh regen; change nothing"
    )
    parser.add_argument("--spec", type=Path, default=SPEC, help="the OpenAPI document (default: openapi.yaml)")
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help="where the package directory goes (default: generated/)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    output = args.output.resolve()
    target = output / package_name()
    try:
        built = build_views(args.spec)
        # Outside the repo, so the project's own ruff settings never shape generated code.
        with tempfile.TemporaryDirectory(prefix="impilo-regen-") as tmp:
            scratch = Path(tmp)
            client = run_generator(scratch, generator_input(built["openapi"], scratch))
            finish_package(client, built["openapi"])
            data = views_package(scratch, built)
            if args.check:
                return check_same({client: target, data: output / VIEWS_PACKAGE})
            changes = describe_changes(public_surface(target), public_surface(client))
            swap_in({client: target, data: output / VIEWS_PACKAGE}, scratch)
    except RegenError as exc:
        print(f"regen: FAILED, generated/ left as it was.\n{exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(f"regen: wrote {shown(target)} in {elapsed:.1f} s")
    if changes:
        print("public surface changes since the last regen:")
        print("\n".join(f"  {line}" for line in changes))
    else:
        print("public surface unchanged (no operation, model or field added or removed)")
    return 0


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def check_same(pairs: dict[Path, Path]) -> int:
    def files(root: Path) -> dict[str, bytes]:
        if not root.is_dir():
            return {}
        return {
            str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }

    differing: list[str] = []
    count = 0
    for built, target in pairs.items():
        fresh, current = files(built), files(target)
        count += len(fresh)
        differing += [
            f"{shown(target)}/{k}" for k in sorted(fresh.keys() | current.keys()) if fresh.get(k) != current.get(k)
        ]
    if differing:
        print("regen --check: generated/ is out of date with openapi.yaml; run `make regen`. Differs:", file=sys.stderr)
        print("\n".join(f"  {d}" for d in differing), file=sys.stderr)
        return 1
    print(f"regen --check: {', '.join(shown(t) for t in pairs.values())} up to date ({count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
