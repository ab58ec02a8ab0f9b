"""What a run found: per operation x check tallies, failures with a curl to reproduce them, drift."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ._drift import Drift

# Exit codes of impilo-contract.
EXIT_CONFORMANT = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2


@dataclass(frozen=True, slots=True)
class Failure:
    operation: str
    check: str
    title: str
    message: str
    # A reproducible curl command (key redacted) or a description of the requests made.
    reproduce: str
    phase: str = ""


@dataclass(slots=True)
class CheckTally:
    passed: int = 0
    failed: int = 0
    errored: int = 0


@dataclass(slots=True)
class SuiteResult:
    base_url: str
    seed: int
    run_id: str
    profile: str
    read_only: bool
    embedded: bool = False
    tallies: dict[tuple[str, str], CheckTally] = field(default_factory=lambda: defaultdict(CheckTally))
    cases: Counter[str] = field(default_factory=Counter)
    successes: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[Failure] = field(default_factory=list)
    drift: dict[Drift, int] = field(default_factory=dict)
    # Operations that were meant to run (read-only runs skip writes).
    operations_tested: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    orders_created: list[int] = field(default_factory=list)
    elapsed: float = 0.0
    fail_on_drift: bool = False

    def tally(self, operation: str, check: str) -> CheckTally:
        return self.tallies[(operation, check)]

    def add_failure(self, failure: Failure) -> None:
        """Count a failure; only the first of each (operation, check, title) is kept with its curl."""
        self.tally(failure.operation, failure.check).failed += 1
        key = (failure.operation, failure.check, failure.title)
        if all((f.operation, f.check, f.title) != key for f in self.failures):
            self.failures.append(failure)

    def add_drift(self, drift: Drift) -> None:
        self.drift[drift] = self.drift.get(drift, 0) + 1

    @property
    def unreached(self) -> list[str]:
        """Operations that ran but never got a 2xx: the suite tested nothing real there."""
        return [op for op in self.operations_tested if self.successes[op] == 0]

    @property
    def exit_code(self) -> int:
        if self.failures or self.errors or self.unreached or (self.fail_on_drift and self.drift):
            return EXIT_VIOLATIONS
        return EXIT_CONFORMANT

    def verdict(self) -> str:
        parts = []
        if self.failures:
            parts.append(f"{len(self.failures)} distinct failure(s)")
        if self.unreached:
            parts.append(f"no 2xx reached for {', '.join(self.unreached)}")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s) while testing")
        if self.drift:
            parts.append(f"{len(self.drift)} kind(s) of spec drift" + ("" if self.fail_on_drift else " (not failing)"))
        if self.exit_code == EXIT_CONFORMANT:
            return "conformant" + (f"; {parts[-1]}" if parts else "")
        return "violations: " + "; ".join(parts)
