"""How a contract run is configured: a frozen `Settings`, and the command line that gives it back.

`Settings` holds only what the user asked for; what follows from it (the seed, the run id, the
write policy, the target) is resolved once, in `_plan`, and never written back here.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from impilo_spec import API_KEY_ENV

__all__ = [
    "DEFAULT_REPORT_DIR",
    "ID_KINDS",
    "INVARIANT_NAMES",
    "PHASES",
    "PROFILES",
    "WRITE_TAG_PREFIX",
    "Profile",
    "Settings",
    "is_loopback",
    "run_id_for",
]

# Tag put in externalOrderIds of every order the suite creates, so a person can find them.
WRITE_TAG_PREFIX = "impilo-contract-"
DEFAULT_REPORT_DIR = Path("reports/contract")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# The checks run after Schemathesis (see _invariants.INVARIANTS), in the order they run.
INVARIANT_NAMES = ("rule_table", "echo", "void", "dialect", "pagination", "fetch_matches_list", "webhooks")
# Kinds of ids a user may name with --ids, and that the suite discovers.
ID_KINDS = ("patients", "sites", "items", "kits", "orders", "webhooks", "identifiers")
PROGRAM = "impilo-contract"


@dataclass(frozen=True, slots=True)
class Profile:
    """Hypothesis budget. `small` is what CI and `make contract` use; `large` is for nightly or sandbox runs."""

    name: str
    max_examples: int
    stateful_max_steps: int
    # Writes allowed against a non-loopback server with --allow-writes.
    remote_write_cap: int


PROFILES: dict[str, Profile] = {
    "small": Profile("small", max_examples=100, stateful_max_steps=6, remote_write_cap=60),
    "large": Profile("large", max_examples=1000, stateful_max_steps=20, remote_write_cap=400),
}


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_id_for(seed: int) -> str:
    """The run id follows from the seed: the tag lands in request bodies, and Schemathesis feeds values
    it saw in responses back into generation, so a random id would keep a seed from reproducing a run."""
    return f"{seed & 0xFFFFFFFF:08x}"


def _frozen_ids(ids: Mapping[str, Sequence[Any]]) -> Mapping[str, tuple[Any, ...]]:
    return MappingProxyType({kind: tuple(values) for kind, values in ids.items()})


@dataclass(frozen=True, slots=True)
class Settings:
    """One run, as asked for. `base_url=None` means: start the embedded mock in-process.

    The target comes only from `base_url` (`--base-url`), never from the client's IMPILO_BASE_URL:
    a contract run must not hit a server because an unrelated variable happens to be set.
    """

    base_url: str | None = None
    # Programmatic only (tests, the embedded mock): the CLI reads the key from `api_key_env`.
    api_key: str | None = field(default=None, repr=False)
    api_key_env: str = API_KEY_ENV
    allow_writes: bool = False
    # No writes even on loopback (a non-loopback target is read-only unless allow_writes).
    read_only: bool = False
    max_examples: int | None = None
    seed: int | None = None
    profile: str = "small"
    report_dir: Path | None = None
    fail_on_drift: bool = False
    max_writes: int | None = None
    # Ids known to exist on the target, by kind (ID_KINDS); they override discovery kind by kind.
    known_ids: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    phases: tuple[str, ...] = PHASES
    # Invariants run after Schemathesis; None = all.
    invariants: tuple[str, ...] | None = None
    quiet: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "known_ids", _frozen_ids(self.known_ids))
        object.__setattr__(self, "phases", tuple(self.phases))
        if self.invariants is not None:
            object.__setattr__(self, "invariants", tuple(self.invariants))

    def __repr__(self) -> str:
        # The key is never shown, only whether there is one.
        shown = ", ".join(
            f"{f.name}={'<set>' if getattr(self, f.name) else None}"
            if f.name == "api_key"
            else f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.name != "known_ids"
        )
        return f"Settings({shown}, known_ids={dict(self.known_ids)!r})"

    @property
    def hypothesis_profile(self) -> Profile:
        return PROFILES[self.profile]

    @property
    def examples(self) -> int:
        return self.max_examples if self.max_examples is not None else self.hypothesis_profile.max_examples

    def argv(self) -> list[str]:
        """The command-line arguments that give these settings back (`cli.parse(settings.argv()) == settings`).

        Everything but the key itself, which stays in its environment variable.
        """
        args: list[str] = []
        if self.base_url is not None:
            args += ["--base-url", self.base_url]
        if self.api_key_env != API_KEY_ENV:
            args += ["--api-key-env", self.api_key_env]
        for flag, on in (
            ("--allow-writes", self.allow_writes),
            ("--read-only", self.read_only),
            ("--fail-on-drift", self.fail_on_drift),
        ):
            if on:
                args.append(flag)
        if self.max_writes is not None:
            args += ["--max-writes", str(self.max_writes)]
        if self.max_examples is not None:
            args += ["--max-examples", str(self.max_examples)]
        if self.seed is not None:
            args += ["--seed", str(self.seed)]
        if self.profile != "small":
            args += ["--profile", self.profile]
        for kind, ids in self.known_ids.items():
            args += ["--ids", f"{kind}={','.join(str(i) for i in ids)}"]
        if tuple(self.phases) != PHASES:
            args += ["--phases", ",".join(self.phases) or "none"]
        if self.invariants is not None:
            args += ["--invariants", ",".join(self.invariants) or "none"]
        if self.report_dir is not None and self.report_dir != DEFAULT_REPORT_DIR:
            args += ["--report", str(self.report_dir)]
        if self.quiet:
            args.append("--quiet")
        return args

    def command(self) -> str:
        """`argv()` as one shell command line."""
        return shlex.join([PROGRAM, *self.argv()])
