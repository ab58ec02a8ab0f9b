"""Runs Schemathesis (every built-in check, every phase, stateful through the links) in two passes,
and collects what it found.

    accept pass   positive data from the accept view: a request valid there must be accepted
                  by every server (positive_data_acceptance, the stateful links, known ids)
    docs pass     negative data from the docs view: a request invalid there must be refused by
                  every server (negative_data_rejection); coverage and fuzzing only

Both judge responses against their view's relaxed response schemas, with every response enum
opened (unknown values are drift, not failures).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from ._checks import ACCOUNT_WIDE_WRITES, CUSTOM_CHECKS, REPLACED_CHECKS, ActiveRun, WriteRefused, activate
from ._known_ids import KnownIds
from ._observe import STATUS_CHECK, Observer, parse_json
from ._plan import Plan
from ._redact import Redactor
from ._results import Failure, RunError, SuiteResult
from ._spec import (
    JSON,
    has_request_body,
    iter_operations,
    load_view,
    open_response_enums,
    operation_label,
    path_parameters,
)

# Every built-in check the issue asks for. `use_after_free` is replaced by `use_after_void` (see _checks).
BUILTIN_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "ignored_auth",
    "ensure_resource_availability",
    "unsupported_method",
    "allow_header_conformance",
    "object_level_authorization",
)
DISABLED_CHECKS = ("use_after_free",)
# A request valid in the accept view may still name a patient, site, item, kit or order the server
# does not have; the spec documents 404 and 422 for that refusal (the vendor documents neither).
# Schemathesis's defaults already take 404 (and 401, 403, 409, 429); 422 is added for the
# operations whose body names such ids. Valid orders naming ids that exist must still succeed:
# the rule table checks that.
NAMES_IDS_IN_BODY = ("createOrder", "triggerOrderStatusWebhook", "triggerOrderStatusFullWebhook")
UNKNOWN_ID_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
SECURITY_SCHEME = "ImpiloApiKey"
# Share of generated ids drawn from ids known to exist; the rest stay random so "unknown id" paths get tested too.
KNOWN_ID_PROBABILITY = 0.9
KNOWN_FILTER_PROBABILITY = 0.5
# Negative data comes from coverage and fuzzing: examples are valid by construction, and the
# stateful phase follows links of successful responses.
DOCS_PASS_PHASES = ("coverage", "fuzzing")

Progress = Callable[[str], None]
OFF_IN_PASS = {"positive": "negative_data_rejection", "negative": "positive_data_acceptance"}
# Schemathesis's description of a "negative" case it could not mutate: valid data, nothing to judge.
UNMUTATED = "Invalid component: positive test case"

# (dictionary, parameter keys, probability): where known ids go in generated requests.
ID_BINDINGS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("patients", ("body.patient.id", "path.patientId", "body.patientId"), KNOWN_ID_PROBABILITY),
    ("sites", ("body.site.id", "path.siteId"), KNOWN_ID_PROBABILITY),
    ("items", ("body.orderItems[*].item.id", "path.itemId"), KNOWN_ID_PROBABILITY),
    ("kits", ("body.orderKits[*].kit.id", "path.kitId"), KNOWN_ID_PROBABILITY),
    ("orders", ("path.orderId", "body.orderId"), KNOWN_FILTER_PROBABILITY),
    ("webhooks", ("path.webhookId",), KNOWN_FILTER_PROBABILITY),
    ("identifiers", ("path.identifier",), KNOWN_ID_PROBABILITY),
)
# Query filters that name ids: half the time a known one, so filtered lists are not always empty.
FILTER_BINDINGS: tuple[tuple[str, str, str], ...] = (
    ("listOrders", "query.patientId", "patients"),
    ("listKits", "query.itemId", "items"),
)


@dataclass(frozen=True, slots=True)
class Pass:
    name: str
    view: str
    mode: str
    phases: tuple[str, ...]


def passes(plan: Plan) -> list[Pass]:
    wanted = plan.settings.phases
    found = [Pass("accept", "accept", "positive", tuple(wanted))]
    negative = tuple(phase for phase in DOCS_PASS_PHASES if phase in wanted)
    if negative:
        found.append(Pass("docs", "docs", "negative", negative))
    return found


def build_config(
    plan: Plan, run_pass: Pass, base_url: str, api_key: str, known: KnownIds, spec: JSON
) -> SchemathesisConfig:
    settings = plan.settings
    profile = settings.hypothesis_profile
    dictionaries: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    operations: list[dict[str, Any]] = []
    if run_pass.mode == "positive":
        for name, keys, probability in ID_BINDINGS:
            values = known.pools.get(name) or []
            if values:
                dictionaries[name] = {"values": list(values)}
                for key in keys:
                    parameters[key] = {"dictionary": name, "probability": probability}
        for operation_id, key, name in FILTER_BINDINGS:
            if known.pools.get(name):
                operations.append(
                    {
                        "include-operation-id": operation_id,
                        "parameters": {key: {"dictionary": name, "probability": KNOWN_FILTER_PROBABILITY}},
                    }
                )
        operations.append(
            {
                "include-operation-id": list(NAMES_IDS_IN_BODY),
                "checks": {"positive_data_acceptance": {"expected-statuses": UNKNOWN_ID_STATUSES}},
            }
        )
    checks: dict[str, Any] = {name: {"enabled": True} for name in BUILTIN_CHECKS}
    checks.update({name: {"enabled": False} for name in DISABLED_CHECKS})
    # Each pass judges the data it makes: the accept pass what must be accepted, the docs pass what
    # must be refused. (Schemathesis labels a few accept-pass cases "negative" without mutating them.)
    checks[OFF_IN_PASS[run_pass.mode]] = {"enabled": False}
    checks.update({name: {"enabled": True} for name in CUSTOM_CHECKS})
    phases: dict[str, Any] = {
        name: {"enabled": name in run_pass.phases} for name in ("examples", "coverage", "fuzzing", "stateful")
    }
    phases["stateful"]["max-steps"] = profile.stateful_max_steps
    if run_pass.mode == "negative":
        # The accept pass already sent every unexpected method; once is enough.
        phases["coverage"]["unexpected-methods"] = []
        # Nothing to negate where the docs leave every value open (query strings without types).
        plain = [
            operation_label(m, p)
            for m, p, _ in iter_operations(spec)
            if not has_request_body(spec, operation_label(m, p)) and not path_parameters(spec, operation_label(m, p))
        ]
        if plain:
            operations.append({"include-name": plain, "enabled": False})
    if not plan.writes:
        operations.append({"include-method": ["POST", "PUT", "PATCH", "DELETE"], "enabled": False})
    else:
        if plan.live:
            operations.append({"include-name": list(ACCOUNT_WIDE_WRITES), "enabled": False})
        if plan.write_cap is not None:
            # Coverage sends a write for every boundary of the body schema: too many for a capped server.
            operations.append(
                {"include-method": ["POST", "PUT", "PATCH", "DELETE"], "phases": {"coverage": {"enabled": False}}}
            )
    data: dict[str, Any] = {
        "base-url": base_url,
        "continue-on-failure": True,
        "request-timeout": 30,
        "auth": {"openapi": {SECURITY_SCHEME: {"api_key": api_key}}},
        # No example database: a seed alone must reproduce a run, not what earlier runs left behind.
        "generation": {"max-examples": settings.examples, "database": "none", "mode": run_pass.mode},
        "checks": checks,
        "phases": phases,
        "warnings": False,
        # Whole bodies and the real headers: our redactor removes the secrets (Schemathesis's
        # "[Filtered]" would leave a curl that does not reproduce what was sent).
        "output": {"sanitization": {"enabled": False}, "truncation": {"enabled": False}},
        # No cross-run cache: a seed must reproduce a run on its own.
        "cache": {"enabled": False},
        "seed": plan.seed,
    }
    if dictionaries:
        data["dictionaries"] = dictionaries
        data["parameters"] = parameters
    if operations:
        data["operations"] = operations
    return SchemathesisConfig.from_dict(data)


def tested_operations(plan: Plan, spec: JSON) -> list[str]:
    """The operations this run sends requests to: reads always, writes when allowed."""
    labels = []
    for method, path, _ in iter_operations(spec):
        label = operation_label(method, path)
        if method in ("POST", "PUT", "PATCH", "DELETE") and (
            not plan.writes or (plan.live and label in ACCOUNT_WIDE_WRITES)
        ):
            continue
        labels.append(label)
    return labels


def _curl_of(request: Any, key_header: str) -> str:
    """A curl for a request Schemathesis recorded (its method, URI, the key and content headers, body)."""
    parts = ["curl", "-X", request.method, shlex.quote(request.uri)]
    for name, values in request.headers.items():
        if name.lower() in (key_header.lower(), "content-type"):
            parts += ["-H", shlex.quote(f"{name}: {values[0] if isinstance(values, list) else values}")]
    if request.body:
        parts += ["-d", shlex.quote(request.body.decode("utf-8", "replace"))]
    return " ".join(parts)


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@dataclass(slots=True)
class PhaseCount:
    scenarios: int = 0
    requests: int = 0
    failing: int = 0


class Collector:
    """Turns Schemathesis's events into the result: cases, statuses, tallies, failures, errors."""

    def __init__(self, result: SuiteResult, observer: Observer, redactor: Redactor, run: ActiveRun) -> None:
        self.result = result
        self.observer = observer
        self.redactor = redactor
        self.run = run
        self.seen_failures: set[tuple[str, str, str]] = set()

    def scenario(self, event: events.ScenarioFinished, run_pass: Pass, count: PhaseCount) -> None:
        recorder = event.recorder
        phase = f"{run_pass.name}/{event.phase.value}"
        seconds: dict[str, float] = {}
        count.scenarios += 1
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if node is None or interaction.response is None:
                continue
            label = node.value.operation.label
            response = interaction.response
            seconds[case_id] = response.elapsed
            if interaction.request.method.upper() != node.value.operation.method.upper():
                continue  # coverage's unexpected-method probe: unsupported_method judges the answer
            count.requests += 1
            self.result.cases[label] += 1
            self.result.statuses[label][response.status_code] += 1
            if 200 <= response.status_code < 300:
                self.result.successes[label] += 1
            request_body = interaction.request.body
            if request_body:
                self.observer.learn_secrets(parse_json(request_body)[1])
            judge = not self.observer.documented_status(label, response.status_code) and not any(
                check.name == STATUS_CHECK and check.failure_info is not None
                for check in recorder.checks.get(case_id, [])
            )
            # An undocumented status fails the run even where Schemathesis let another check speak for it.
            self.observer.response(
                label,
                response.status_code,
                response.content,
                judge_status=judge,
                reproduce=self.redactor.curl(_curl_of(interaction.request, self.redactor.header)) if judge else "",
                phase=phase,
            )
        for case_id, nodes in recorder.checks.items():
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node is not None else recorder.label
            for check in nodes:
                if check.name in CUSTOM_CHECKS and (check.name, case_id) not in self.run.judged:
                    continue  # the custom check had nothing to judge in this case
                if check.failure_info is not None and UNMUTATED in check.failure_info.failure.message:
                    continue  # not invalid data at all: the docs decide nothing about it
                self.result.check_seconds[(label, check.name)] += seconds.get(case_id, 0.0)
                tally = self.result.tally(label, check.name)
                if check.status == Status.SUCCESS:
                    tally.passed += 1
                elif check.status == Status.ERROR:
                    tally.errored += 1
                elif check.failure_info is not None:
                    tally.failed += 1
                    count.failing += 1
                    self._failure(label, check, phase, recorder.interactions.get(case_id))

    def _failure(self, label: str, check: Any, phase: str, interaction: Any) -> None:
        info = check.failure_info
        failure = info.failure
        key = (failure.operation or label, check.name, failure.title)
        if key in self.seen_failures:
            return
        self.seen_failures.add(key)
        reproduce = "\n".join(step.curl for step in info.steps) or info.code_sample or ""
        message = failure.message
        response = getattr(interaction, "response", None)
        if response is not None:
            # The whole answer: what the server said is the evidence.
            body = response.content.decode("utf-8", "replace") if response.content else "(empty body)"
            message += f"\nAnswered {response.status_code}: {body}"
        self.result.failures.append(
            Failure(
                operation=label,
                check=check.name,
                title=self.redactor.text(failure.title),
                message=self.redactor.text(message),
                reproduce=self.redactor.curl(reproduce),
                phase=phase,
            )
        )

    def error(self, event: events.NonFatalError, run_pass: Pass) -> bool:
        """Record a non-fatal error; False for the suite's own write refusals, which are not errors."""
        if _caused_by(event.value, WriteRefused):
            return False
        self.result.add_error(
            RunError(
                where=f"{event.label} ({run_pass.name} pass)",
                title=self.redactor.text(event.info.title),
                message=self.redactor.text(event.info.message),
                reproduce=self.redactor.curl(event.info.code_sample or ""),
            )
        )
        return True


def run_schemathesis(
    plan: Plan,
    run: ActiveRun,
    *,
    base_url: str,
    api_key: str,
    known: KnownIds,
    result: SuiteResult,
    observer: Observer,
    redactor: Redactor,
    progress: Progress,
) -> None:
    collector = Collector(result, observer, redactor, run)
    for replaced, why in REPLACED_CHECKS.items():
        result.notes.append(f"{replaced} is replaced by {why}")
    with activate(run):
        for run_pass in passes(plan):
            spec = load_view(run_pass.view)
            config = build_config(plan, run_pass, base_url, api_key, known, spec)
            schema = schemathesis.openapi.from_dict(open_response_enums(spec), config=config)
            run.positive = run_pass.mode == "positive"
            counts: dict[str, PhaseCount] = {}
            for event in from_schema(schema).execute():
                if isinstance(event, events.PhaseStarted) and event.phase.name.value in run_pass.phases:
                    counts[event.phase.name.value] = PhaseCount()
                elif isinstance(event, events.PhaseFinished) and event.phase.name.value in run_pass.phases:
                    name = event.phase.name.value
                    count = counts.get(name, PhaseCount())
                    reason = f" ({event.phase.skip_reason.value})" if event.phase.skip_reason else ""
                    progress(
                        f"{run_pass.name} pass ({run_pass.mode} data from the {run_pass.view} view), {name}: "
                        f"{event.status.value}{reason}; {count.scenarios} scenarios, {count.requests} requests, "
                        f"{count.failing} failing checks"
                    )
                elif isinstance(event, events.ScenarioFinished):
                    collector.scenario(event, run_pass, counts.setdefault(event.phase.value, PhaseCount()))
                elif isinstance(event, events.NonFatalError):
                    if collector.error(event, run_pass):
                        progress(f"  error in {event.label}: {redactor.text(event.info.title)}")
                elif isinstance(event, events.EngineFinished):
                    for failure in event.failures:  # checks that judge the whole run (class-based after_run)
                        result.add_failure(
                            Failure(
                                failure.operation or f"({run_pass.name} pass)",
                                "after_run",
                                redactor.text(failure.title),
                                redactor.text(failure.message),
                                "",
                                run_pass.name,
                            )
                        )
                elif isinstance(event, events.FatalError):
                    result.add_error(
                        RunError(f"{run_pass.name} pass", "Schemathesis stopped", redactor.text(repr(event.exception)))
                    )


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
