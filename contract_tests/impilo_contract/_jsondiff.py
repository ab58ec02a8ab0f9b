"""Where two JSON documents differ, as a JSON path: a mismatch names the field, not two whole bodies."""

from __future__ import annotations

import json
from typing import Any


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def differences(left: Any, right: Any, path: str = "$") -> list[str]:
    """Every place where `left` and `right` differ: `$.orderItems[0].count: 2 != 5`."""
    if isinstance(left, dict) and isinstance(right, dict):
        found: list[str] = []
        for key in sorted(set(left) | set(right), key=str):
            where = f"{path}.{key}"
            if key not in right:
                found.append(f"{where}: {_show(left[key])} != (absent)")
            elif key not in left:
                found.append(f"{where}: (absent) != {_show(right[key])}")
            else:
                found.extend(differences(left[key], right[key], where))
        return found
    if isinstance(left, list) and isinstance(right, list):
        found = []
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            found.extend(differences(a, b, f"{path}[{index}]"))
        if len(left) != len(right):
            found.append(f"{path}: {len(left)} entries != {len(right)} entries")
        return found
    if type(left) is not type(right) or left != right:
        return [f"{path}: {_show(left)} != {_show(right)}"]
    return []


def not_contained(part: Any, whole: Any, path: str = "$") -> list[str]:
    """Where `part` says something `whole` does not: a list entry may leave fields out, never contradict."""
    if isinstance(part, dict) and isinstance(whole, dict):
        found: list[str] = []
        for key in sorted(part, key=str):
            where = f"{path}.{key}"
            if key not in whole:
                if part[key] is not None:
                    found.append(f"{where}: {_show(part[key])} != (absent)")
            else:
                found.extend(not_contained(part[key], whole[key], where))
        return found
    if isinstance(part, list) and isinstance(whole, list):
        if len(part) != len(whole):
            return [f"{path}: {len(part)} entries != {len(whole)} entries"]
        found = []
        for index, (a, b) in enumerate(zip(part, whole, strict=True)):
            found.extend(not_contained(a, b, f"{path}[{index}]"))
        return found
    if type(part) is not type(whole) or part != whole:
        return [f"{path}: {_show(part)} != {_show(whole)}"]
    return []
