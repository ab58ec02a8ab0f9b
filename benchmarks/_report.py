"""Results of one run and their Markdown, written between markers in BENCHMARKS.md.

The part of BENCHMARKS.md outside the markers is prose kept by hand (profile findings, what each
change bought); a run replaces only the measured part.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

START = "<!-- results:start (written by `make bench`; edit outside these markers) -->"
END = "<!-- results:end -->"


@dataclass
class Goal:
    what: str
    measured: str
    met: bool | None  # None: could not be measured in this run

    def status(self) -> str:
        return {True: "met", False: "NOT met", None: "not measured"}[self.met]


@dataclass
class Section:
    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.rows:
            lines.append("| " + " | ".join(self.columns) + " |")
            lines.append("|" + "|".join(" --- " for _ in self.columns) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in self.rows]
            lines.append("")
        for goal in self.goals:
            lines.append(f"- Goal: {goal.what} — measured {goal.measured}: **{goal.status()}**")
        if self.goals:
            lines.append("")
        lines += [f"{note}" if note.startswith("-") else f"- {note}" for note in self.notes]
        if self.notes:
            lines.append("")
        return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def times(value: float) -> str:
    return f"{value:.2f}x"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def machine_section(extra_tools: dict[str, list[str]]) -> str:
    dists = ["httpx", "attrs", "orjson", "pydantic", "pydantic-core", "msgspec", "starlette", "uvicorn", "schemathesis"]
    lines = [
        f"- Run: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {_cpu_model()}, {os.cpu_count()} CPUs (shared), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        "- " + ", ".join(f"{d} {_version(d)}" for d in dists),
    ]
    lines += [f"- {name}: {_tool_version(cmd)}" for name, cmd in extra_tools.items()]
    return "\n".join(lines)


def render(sections: list[Section], machine: str, *, smoke: bool) -> str:
    head = "## Results" + (" (SMOKE RUN: tiny sizes, numbers mean nothing)" if smoke else "")
    parts = [head, "", machine, ""]
    parts += [section.markdown() for section in sections]
    return "\n".join(parts).rstrip() + "\n"


def write_into(path: Path, results: str) -> None:
    """Replace the measured part of `path` (between the markers), keeping the prose around it."""
    block = f"{START}\n{results}{END}\n"
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{block}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + block + after.lstrip("\n")
    elif START not in text:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
