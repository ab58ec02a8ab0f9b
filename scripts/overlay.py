"""Apply an OpenAPI Overlay 1.0 document to an OpenAPI description.

Only the JSONPath subset overlays here need is supported, and anything else is refused
loudly: `$`, `.name`, `.*`, `[*]`, `['a','b']` (one or more quoted names) and `[0]` or `[6,7]`
(one or more indexes).
An `update` is deep-merged into every node the target selects (objects merge key by key,
anything else is replaced); a `remove: true` deletes the selected nodes. A target that
selects nothing is an error: it almost always means the spec was renamed under the overlay.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_TOKEN = re.compile(
    r"""\.(?P<name>[A-Za-z_$][\w$-]*)     # .name
      | \.\*                               # .*
      | \[\*\]                             # [*]
      | \[(?P<index>-?\d+(?:\s*,\s*-?\d+)*)\]  # [0], [6,7]
      | \[(?P<names>\s*'[^']*'\s*(?:,\s*'[^']*'\s*)*)\]  # ['a', 'b']
    """,
    re.VERBOSE,
)

Step = tuple[str, Any]  # ("names", [..]) | ("index", [n, ..]) | ("wild", None)


class OverlayError(ValueError):
    """The overlay document is malformed or one of its targets selects nothing."""


def parse_path(path: str) -> list[Step]:
    if not path.startswith("$"):
        raise OverlayError(f"target {path!r} must start with '$'")
    steps: list[Step] = []
    pos = 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m:
            raise OverlayError(f"target {path!r}: unsupported JSONPath at {path[pos:]!r}")
        if m.group("name") is not None:
            steps.append(("names", [m.group("name")]))
        elif m.group("index") is not None:
            steps.append(("index", [int(i) for i in m.group("index").split(",")]))
        elif m.group("names") is not None:
            steps.append(("names", re.findall(r"'([^']*)'", m.group("names"))))
        else:
            steps.append(("wild", None))
        pos = m.end()
    return steps


def select(doc: Any, path: str) -> list[tuple[Any, Any]]:
    """Return (parent, key) for every node `path` selects; the root has parent None."""
    nodes: list[tuple[Any, Any]] = [(None, None)]

    def value(parent: Any, key: Any) -> Any:
        return doc if parent is None else parent[key]

    for kind, arg in parse_path(path):
        nxt: list[tuple[Any, Any]] = []
        for parent, key in nodes:
            node = value(parent, key)
            if kind == "names" and isinstance(node, dict):
                nxt.extend((node, n) for n in arg if n in node)
            elif kind == "index" and isinstance(node, list):
                nxt.extend((node, i) for i in arg if -len(node) <= i < len(node))
            elif kind == "wild" and isinstance(node, dict):
                nxt.extend((node, k) for k in node)
            elif kind == "wild" and isinstance(node, list):
                nxt.extend((node, i) for i in range(len(node)))
        nodes = nxt
    return nodes


def _merge(target: Any, update: Any) -> Any:
    if isinstance(target, dict) and isinstance(update, dict):
        for k, v in update.items():
            target[k] = _merge(target[k], v) if k in target else copy.deepcopy(v)
        return target
    return copy.deepcopy(update)


def apply_overlay(spec: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Return a new document: `spec` with every action of `overlay` applied in order."""
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("not an Overlay 1.x document: the 'overlay' version field is missing")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("an overlay needs a non-empty 'actions' list")
    doc = copy.deepcopy(spec)
    for i, action in enumerate(actions):
        target = action.get("target")
        if not isinstance(target, str):
            raise OverlayError(f"actions[{i}] has no target")
        selected = select(doc, target)
        if not selected:
            raise OverlayError(f"actions[{i}] target {target!r} selects nothing in the spec")
        for parent, key in selected:
            if action.get("remove") is True:
                if parent is None:
                    raise OverlayError(f"actions[{i}] cannot remove the root")
                del parent[key]
            elif "update" in action:
                if parent is None:
                    doc = _merge(doc, action["update"])
                else:
                    parent[key] = _merge(parent[key], action["update"])
            else:
                raise OverlayError(f"actions[{i}] has neither 'update' nor 'remove: true'")
    return doc
