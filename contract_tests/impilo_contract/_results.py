"""What a run found: per operation x check tallies, failures with a curl to reproduce them, errors,
drift, the dialect the server speaks and the response assumptions it keeps."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ._assumptions import Assumption
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
    # Whole: bodies are never cut; a mismatch names the JSON path that differs.
    message: str
    # A curl command that pastes into a shell as is (the key read from the user's variable).
    reproduce: str
    phase: str = ""


@dataclass(frozen=True, slots=True)
class RunError:
    """Something that kept a check from judging (a timeout, a reset connection, a broken link)."""

    where: str
    title: str
    message: str
    reproduce: str = ""


@dataclass(frozen=True, slots=True)
class DialectChoice:
    """One choice the docs leave open, and which way this server went."""

    key: str
    question: str
    answer: str
    # What was sent and answered, case by case.
    evidence: tuple[str, ...] = ()


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
    fail_on_drift: bool = False
    # The command that runs this again: every flag given, and the seed used.
    rerun: str = ""
    tallies: dict[tuple[str, str], CheckTally] = field(default_factory=lambda: defaultdict(CheckTally))
    check_seconds: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    cases: Counter[str] = field(default_factory=Counter)
    successes: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[Failure] = field(default_factory=list)
    drift: dict[Drift, int] = field(default_factory=dict)
    dialect: dict[str, DialectChoice] = field(default_factory=dict)
    assumptions: dict[str, Assumption] = field(default_factory=dict)
    # Operations that were meant to run (read-only runs skip writes).
    operations_tested: list[str] = field(default_factory=list)
    # Where each kind of id came from ("--ids", "discovered from GET /api/v3/item", "the docs' examples").
    id_sources: dict[str, str] = field(default_factory=dict)
    known_ids: dict[str, list[object]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    orders_created: list[int] = field(default_factory=list)
    webhooks_created: list[int] = field(default_factory=list)
    elapsed: float = 0.0
    # Whether the fuzzing phase ran, which draws known ids for every operation: only then must
    # every operation reach a 2xx (examples and coverage alone do not name existing records).
    every_operation_sent: bool = True
    # Replaces every secret the run knows (the key, webhook secrets): reports pass all text through it.
    redact: Callable[[str], str] = field(default=lambda text: text, repr=False, compare=False)

    def tally(self, operation: str, check: str) -> CheckTally:
        return self.tallies[(operation, check)]

    def add_failure(self, failure: Failure) -> None:
        """Count a failure; only the first of each (operation, check, title) is kept with its curl."""
        self.tally(failure.operation, failure.check).failed += 1
        key = (failure.operation, failure.check, failure.title)
        if all((f.operation, f.check, f.title) != key for f in self.failures):
            self.failures.append(failure)

    def add_error(self, error: RunError) -> None:
        if all((e.where, e.title, e.message) != (error.where, error.title, error.message) for e in self.errors):
            self.errors.append(error)

    def add_drift(self, drift: Drift) -> None:
        self.drift[drift] = self.drift.get(drift, 0) + 1

    def choose(self, choice: DialectChoice) -> None:
        self.dialect[choice.key] = choice

    @property
    def unreached(self) -> list[str]:
        """Operations that ran but never got a 2xx: the suite tested nothing real there."""
        if not self.every_operation_sent:
            return []
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
