"""Runs Schemathesis (all built-in checks, all phases, stateful through the links) and collects what it found."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from ._checks import CUSTOM_CHECKS, REPLACED_CHECKS, ActiveRun, WriteRefused, activate
from ._drift import Drift, walk
from ._known_ids import KnownIds
from ._redact import api_key_header, redact, reproducible_curl
from ._results import Failure, SuiteResult
from ._settings import Settings, is_loopback
from ._spec import (
    JSON,
    documented_statuses,
    is_documented,
    iter_operations,
    open_response_enums,
    operation_label,
    response_schema,
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
)
DISABLED_CHECKS = ("use_after_free",)
CREATE_VALID_DATA_STATUSES = ["2XX", "401", "403", "404", "422"]
# An undocumented status is drift on a live server; status_code_conformance reports it.
DRIFT_CHECKS = frozenset({"status_code_conformance"})
SECURITY_SCHEME = "ImpiloApiKey"
# Share of generated ids drawn from ids known to exist; the rest stay random so "unknown id" paths get tested too.
KNOWN_ID_PROBABILITY = 0.9
KNOWN_ORDER_PROBABILITY = 0.5
MAX_MESSAGE = 1200
STATEFUL_PROGRESS_EVERY = 25

Progress = Callable[[str], None]


def build_config(
    settings: Settings, base_url: str, api_key: str, known: KnownIds, write_cap: int | None
) -> SchemathesisConfig:
    profile = settings.hypothesis_profile
    dictionaries: dict[str, Any] = {}
    parameters: dict[str, Any] = {}

    def bind(name: str, values: list[int], keys: list[str], probability: float) -> None:
        if values:
            dictionaries[name] = {"values": values}
            for key in keys:
                parameters[key] = {"dictionary": name, "probability": probability}

    bind("patients", known.patients, ["body.patient.id"], KNOWN_ID_PROBABILITY)
    bind("sites", known.sites, ["body.site.id"], KNOWN_ID_PROBABILITY)
    bind("items", known.items, ["body.orderItems[*].item.id"], KNOWN_ID_PROBABILITY)
    bind("kits", known.kits, ["body.orderKits[*].kit.id"], KNOWN_ID_PROBABILITY)
    bind("orders", known.orders, ["path.orderId"], KNOWN_ORDER_PROBABILITY)
    bind("listPatients", known.patients, ["query.patientId"], KNOWN_ORDER_PROBABILITY)

    checks: dict[str, Any] = {name: {"enabled": True} for name in BUILTIN_CHECKS}
    checks.update({name: {"enabled": False} for name in DISABLED_CHECKS})
    checks.update({name: {"enabled": True} for name in CUSTOM_CHECKS})
    phases: dict[str, Any] = {
        name: {"enabled": name in settings.phases} for name in ("examples", "coverage", "fuzzing", "stateful")
    }
    phases["stateful"]["max-steps"] = profile.stateful_max_steps
    operations: list[dict[str, Any]] = [
        # A schema-valid order can still name a patient, site, item or kit the server does not have;
        # the spec documents 404 and 422 for that refusal (the vendor documents neither), so both
        # count as accepting valid data. Valid orders with existing ids must still succeed: the
        # rule table checks that.
        {
            "include-operation-id": "createOrder",
            "checks": {"positive_data_acceptance": {"expected-statuses": CREATE_VALID_DATA_STATUSES}},
        }
    ]
    if not writes_enabled(settings, base_url):
        operations.append({"include-method": ["POST", "DELETE"], "enabled": False})
    elif write_cap is not None:
        # Coverage sends a create for every boundary of the body schema: too many writes for a live server.
        operations.append({"include-method": ["POST", "DELETE"], "phases": {"coverage": {"enabled": False}}})
    data: dict[str, Any] = {
        "base-url": base_url,
        "continue-on-failure": True,
        "request-timeout": 30,
        "auth": {"openapi": {SECURITY_SCHEME: {"api_key": api_key}}},
        # No example database: a seed alone must reproduce a run, not what earlier runs left behind.
        "generation": {"max-examples": settings.examples, "database": "none"},
        "checks": checks,
        "phases": phases,
        "warnings": False,
        # No cross-run cache: a seed must reproduce a run on its own.
        "cache": {"enabled": False},
    }
    if settings.seed is not None:
        data["seed"] = settings.seed
    if dictionaries:
        data["dictionaries"] = dictionaries
        data["parameters"] = parameters
    data["operations"] = operations
    return SchemathesisConfig.from_dict(data)


def writes_enabled(settings: Settings, base_url: str) -> bool:
    """Creates and voids go out only to a loopback server, or with --allow-writes (then capped)."""
    return settings.allow_writes or (is_loopback(base_url) and not settings.read_only)


_INDEX = re.compile(r"\[\d+\]")


def write_cap_for(settings: Settings, base_url: str) -> int | None:
    """--max-writes caps writes anywhere; a non-loopback server is capped by the profile without it."""
    if settings.max_writes is not None:
        return settings.max_writes
    return None if is_loopback(base_url) else settings.hypothesis_profile.remote_write_cap


def new_active_run(settings: Settings, base_url: str) -> ActiveRun:
    return ActiveRun(
        allow_writes=writes_enabled(settings, base_url),
        write_cap=write_cap_for(settings, base_url),
        write_tag=settings.write_tag,
    )


def run_schemathesis(
    settings: Settings,
    run: ActiveRun,
    *,
    spec: JSON,
    base_url: str,
    api_key: str,
    known: KnownIds,
    result: SuiteResult,
    progress: Progress,
) -> None:
    config = build_config(settings, base_url, api_key, known, run.write_cap)
    schema = schemathesis.openapi.from_dict(open_response_enums(spec), config=config)
    documented = documented_statuses(spec)
    header = api_key_header()
    allow = writes_enabled(settings, base_url)
    for method, path, _ in iter_operations(spec):
        if allow or method not in ("POST", "DELETE"):
            result.operations_tested.append(operation_label(method, path))
    seen_failures: set[tuple[str, str, str]] = set()

    def clean(text: str) -> str:
        return redact(text, secrets=(api_key,), header=header)

    def curl(text: str) -> str:
        return reproducible_curl(text, key=api_key, header=header)

    for replaced, why in REPLACED_CHECKS.items():
        result.notes.append(f"{replaced} is replaced by {why}")
    stateful_runs = 0
    with activate(run):
        for event in from_schema(schema).execute():
            if isinstance(event, events.PhaseStarted) and event.phase.name.value in settings.phases:
                progress(f"phase {event.phase.name.value} ...")
            elif isinstance(event, events.PhaseFinished) and event.phase.name.value in settings.phases:
                reason = f" ({event.phase.skip_reason.value})" if event.phase.skip_reason else ""
                progress(f"phase {event.phase.name.value}: {event.status.value}{reason}")
            elif isinstance(event, events.ScenarioFinished):
                _collect(event, spec, documented, result, seen_failures, clean, run.judged, curl)
                answered = sum(1 for i in event.recorder.interactions.values() if i.response is not None)
                if event.phase.value != "stateful":
                    progress(f"  {event.recorder.label}: {event.status.value}, {answered} requests")
                else:
                    stateful_runs += 1
                    if stateful_runs % STATEFUL_PROGRESS_EVERY == 0:
                        progress(f"  stateful: {stateful_runs} scenarios so far")
            elif isinstance(event, events.NonFatalError):
                text = clean(f"{event.label}: {event.info.title}: {event.info.message}")
                if _caused_by(event.value, WriteRefused):
                    continue
                result.errors.append(text[:MAX_MESSAGE])
                progress(f"  error {text[:200]}")
            elif isinstance(event, events.FatalError):
                result.errors.append(clean(f"fatal: {event.exception!r}")[:MAX_MESSAGE])
            elif isinstance(event, events.EngineFinished):
                for failure in event.failures:
                    result.add_failure(
                        Failure(failure.operation or "(run)", "after_run", failure.title, clean(failure.message), "")
                    )


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _collect(
    event: events.ScenarioFinished,
    spec: JSON,
    documented: dict[str, set[str]],
    result: SuiteResult,
    seen_failures: set[tuple[str, str, str]],
    clean: Callable[[str], str],
    judged: set[tuple[str, str]],
    reproduce_curl: Callable[[str], str],
) -> None:
    recorder = event.recorder
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if node is None or interaction.response is None:
            continue
        label = node.value.operation.label
        status = interaction.response.status_code
        if interaction.request.method.upper() != node.value.operation.method.upper():
            continue  # coverage's unexpected-method probe: unsupported_method judges the answer
        result.cases[label] += 1
        result.statuses[label][status] += 1
        if 200 <= status < 300:
            result.successes[label] += 1
        if not is_documented(status, documented.get(label, set())):
            result.add_drift(Drift("undocumented status", label, f"HTTP {status}"))
            continue
        schema = response_schema(spec, label, status)
        if schema is None or not interaction.response.content:
            continue
        try:
            body = interaction.response.json()
        except Exception:  # a non-JSON body is content_type/schema conformance's business
            continue
        for kind, detail in walk(spec, schema, body):
            result.add_drift(Drift(kind, label, _INDEX.sub("[]", detail)))
    for case_id, nodes in recorder.checks.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        for check in nodes:
            if check.name in CUSTOM_CHECKS and (check.name, case_id) not in judged:
                continue  # the custom check had nothing to judge in this case
            tally = result.tally(label, check.name)
            if check.status == Status.SUCCESS:
                tally.passed += 1
            elif check.status == Status.ERROR:
                tally.errored += 1
            elif check.failure_info is not None:
                tally.failed += 1
                if check.name in DRIFT_CHECKS:
                    continue  # listed as drift from the interactions above
                failure = check.failure_info.failure
                key = (failure.operation or label, check.name, failure.title)
                if key in seen_failures:
                    continue
                seen_failures.add(key)
                reproduce = "\n".join(step.curl for step in check.failure_info.steps) or check.failure_info.code_sample
                result.failures.append(
                    Failure(
                        operation=label,
                        check=check.name,
                        title=clean(failure.title),
                        message=clean(failure.message)[:MAX_MESSAGE],
                        reproduce=reproduce_curl(reproduce),
                        phase=event.phase.value,
                    )
                )


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
