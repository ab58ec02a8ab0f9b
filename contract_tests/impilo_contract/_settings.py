"""How a contract run is configured: target, write policy, Hypothesis profile, reports."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# Tag put in externalOrderIds of every order the suite creates, so a person can find and void them.
WRITE_TAG_PREFIX = "impilo-contract-"
DEFAULT_API_KEY_ENV = "IMPILO_API_KEY"
BASE_URL_ENV = "IMPILO_BASE_URL"


@dataclass(frozen=True, slots=True)
class Profile:
    """Hypothesis budget. `small` is what CI and `make contract` use; `large` is for nightly or sandbox runs."""

    name: str
    max_examples: int
    stateful_max_steps: int
    # Creates allowed against a non-loopback server with --allow-writes.
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


@dataclass(slots=True)
class Settings:
    """One run. `base_url=None` means: start the embedded mock in-process."""

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_key_env: str = DEFAULT_API_KEY_ENV
    allow_writes: bool = False
    # No creates or voids even on loopback (a non-loopback target is read-only unless allow_writes).
    read_only: bool = False
    max_examples: int | None = None
    seed: int | None = None
    profile: str = "small"
    report_dir: Path | None = None
    fail_on_drift: bool = False
    max_writes: int | None = None
    # Ids known to exist on the target, by kind ("patients", "sites", "items", "kits", "orders").
    known_ids: dict[str, list[int]] = field(default_factory=dict)
    # Phases run by Schemathesis; the self-test narrows them per fault to stay quick.
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
    # Invariants run after Schemathesis (see _invariants.INVARIANTS); None = all.
    invariants: tuple[str, ...] | None = None
    quiet: bool = False
    # Set from the seed by run_suite unless given.
    run_id: str | None = None

    def __repr__(self) -> str:
        # The key is never shown, only whether there is one.
        return (
            f"Settings(base_url={self.base_url!r}, api_key={'<set>' if self.api_key else None}, "
            f"allow_writes={self.allow_writes}, profile={self.profile!r}, seed={self.seed!r})"
        )

    @property
    def hypothesis_profile(self) -> Profile:
        return PROFILES[self.profile]

    @property
    def examples(self) -> int:
        return self.max_examples if self.max_examples is not None else self.hypothesis_profile.max_examples

    @property
    def write_tag(self) -> str:
        return f"{WRITE_TAG_PREFIX}{self.run_id or 'unseeded'}"
