"""Step 1 of a run: what the settings mean, resolved once, before any request.

Every mistake found here is a `UsageError`: exit code 2 with one line, and nothing sent.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ._settings import ID_KINDS, INVARIANT_NAMES, PHASES, PROFILES, WRITE_TAG_PREFIX, Settings, is_loopback, run_id_for

__all__ = ["Plan", "UsageError", "plan"]


class UsageError(Exception):
    """Bad settings, or a target the run cannot start against: exit code 2, with this one-line reason."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A run, decided: the settings as given, plus everything that follows from them."""

    settings: Settings
    seed: int
    run_id: str
    # None: the embedded mock, whose URL is known once it listens.
    base_url: str | None
    # The key for a live target (None for the embedded mock, which brings its own).
    api_key: str | None = field(repr=False)
    writes: bool
    write_cap: int | None

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @property
    def live(self) -> bool:
        """A server off this machine: writes are opt-in and capped, and touch only what the run made."""
        return self.base_url is not None and not is_loopback(self.base_url)

    @property
    def key_env(self) -> str:
        return self.settings.api_key_env

    @property
    def write_tag(self) -> str:
        return f"{WRITE_TAG_PREFIX}{self.run_id}"

    def rerun(self) -> str:
        """The command that runs this again: every flag given, and the seed this run used."""
        return replace(self.settings, seed=self.seed).command()


def _check(settings: Settings) -> None:
    if settings.allow_writes and settings.read_only:
        raise UsageError("--allow-writes and --read-only contradict each other")
    if settings.max_writes is not None and settings.max_writes < 1:
        raise UsageError("--max-writes must be at least 1")
    if settings.max_examples is not None and settings.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    if settings.profile not in PROFILES:
        raise UsageError(f"--profile must be one of {', '.join(sorted(PROFILES))}, got {settings.profile!r}")
    unknown_phases = sorted(set(settings.phases) - set(PHASES))
    if unknown_phases:
        raise UsageError(f"--phases: unknown phase(s) {', '.join(unknown_phases)}; the phases are {', '.join(PHASES)}")
    unknown_invariants = sorted(set(settings.invariants or ()) - set(INVARIANT_NAMES))
    if unknown_invariants:
        raise UsageError(
            f"--invariants: unknown invariant(s) {', '.join(unknown_invariants)}; they are {', '.join(INVARIANT_NAMES)}"
        )
    unknown_kinds = sorted(set(settings.known_ids) - set(ID_KINDS))
    if unknown_kinds:
        raise UsageError(f"--ids: unknown kind(s) {', '.join(unknown_kinds)}; the kinds are {', '.join(ID_KINDS)}")
    if settings.base_url is not None and not settings.base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https://, got {settings.base_url!r}")


def plan(settings: Settings, environ: Mapping[str, str] | None = None) -> Plan:
    """Resolve `settings` (and the key from the environment) into a Plan, or raise UsageError."""
    environ = os.environ if environ is None else environ
    _check(settings)
    seed = settings.seed if settings.seed is not None else random.randrange(2**31)
    base_url = settings.base_url.rstrip("/") if settings.base_url is not None else None
    api_key = settings.api_key
    if base_url is not None and not api_key:
        api_key = environ.get(settings.api_key_env) or None
        if not api_key:
            raise UsageError(f"no API key: set ${settings.api_key_env} (or name another variable with --api-key-env)")
    loopback = base_url is None or is_loopback(base_url)
    writes = settings.allow_writes or (loopback and not settings.read_only)
    if settings.max_writes is not None:
        cap: int | None = settings.max_writes
    else:
        cap = None if loopback else settings.hypothesis_profile.remote_write_cap
    return Plan(
        settings=settings,
        seed=seed,
        run_id=run_id_for(seed),
        base_url=base_url,
        api_key=api_key,
        writes=writes,
        write_cap=cap,
    )
