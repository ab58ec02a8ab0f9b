"""Every response the run sees passes through here once: drift, the response assumptions, the
error-body shape, secrets to redact, and (for the suite's own requests) the documented statuses."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ._assumptions import check_nodes, new_table
from ._drift import Drift, drift_of, generalised
from ._redact import Redactor
from ._results import Failure, SuiteResult
from ._spec import JSON, documented_statuses, is_documented, response_schema, secret_fields
from ._walk import walk

STATUS_CHECK = "status_code_conformance"
NOT_JSON = "(not JSON)"


def parse_json(content: bytes | str | None) -> tuple[bool, Any]:
    """(whether it is JSON, the value)."""
    if not content:
        return False, None
    try:
        return True, json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return False, None


class Observer:
    def __init__(self, result: SuiteResult, *, contract: JSON, redactor: Redactor) -> None:
        self.result = result
        self.contract = contract
        self.redactor = redactor
        self.documented = documented_statuses(contract)
        self.secret_fields = secret_fields(contract)
        result.assumptions = new_table(contract)
        # Top-level keys of every JSON error body (4xx/5xx), and how often each shape came back.
        self.error_shapes: Counter[tuple[str, ...]] = Counter()
        self.error_statuses: Counter[int] = Counter()
        self._schemas: dict[tuple[str, int], JSON | None] = {}
        # 2xx statuses by operation, from every source (the create status is an open choice).
        self.successes: dict[str, Counter[int]] = {}

    def learn_secrets(self, body: Any) -> None:
        """Values of secret fields (`x-impilo-secret`), wherever they sit in a body sent or received."""
        stack = [body]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in self.secret_fields:
                        self.redactor.learn(value)
                    stack.append(value)
            elif isinstance(node, list):
                stack.extend(node)

    def documented_status(self, operation: str, status: int) -> bool:
        return is_documented(status, self.documented.get(operation, set()))

    def response(
        self,
        operation: str,
        status: int,
        content: bytes | str | None,
        *,
        judge_status: bool = False,
        reproduce: str = "",
        phase: str = "invariants",
    ) -> None:
        """Note one response. `judge_status`: the suite's own request, which no Schemathesis check judged."""
        if judge_status and not self.documented_status(operation, status):
            self.result.add_failure(
                Failure(
                    operation,
                    STATUS_CHECK,
                    f"Undocumented status {status}",
                    f"{operation} answered {status}; the spec documents "
                    f"{', '.join(sorted(self.documented.get(operation, set())))}",
                    reproduce,
                    phase,
                )
            )
        if 200 <= status < 300:
            self.successes.setdefault(operation, Counter())[status] += 1
        is_json, body = parse_json(content)
        if is_json:
            self.learn_secrets(body)
        if status >= 400:
            self.error_statuses[status] += 1
            if is_json and isinstance(body, dict):
                self.error_shapes[tuple(sorted(body))] += 1
            else:
                self.error_shapes[(NOT_JSON,)] += 1
        if not is_json or not self.documented_status(operation, status):
            return
        key = (operation, status)
        if key not in self._schemas:
            self._schemas[key] = response_schema(self.contract, operation, status)
        schema = self._schemas[key]
        if schema is None:
            return
        nodes = list(walk(self.contract, schema, body))  # walked once, read twice
        for kind, detail in drift_of(nodes):
            self.result.add_drift(Drift(kind, operation, generalised(detail)))
        check_nodes(self.result.assumptions, nodes, operation=operation, status=status)
