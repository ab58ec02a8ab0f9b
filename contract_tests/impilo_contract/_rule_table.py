"""The shared rule table (`impilo_spec.rule_cases.CASES`) sent to the server, judged only where the
docs decide: a `refuse` case must get a 4xx, an `accept` case a 2xx (and its order must echo it);
an `open` case is recorded for the dialect report and never judged."""

from __future__ import annotations

from impilo_spec.rule_cases import CASES, RuleCase

from ._checks import CREATE_ORDER, ORDER_PATH, tag_body
from ._context import Context, Outcome
from ._echo import echo_mismatches

CHECK = "rule_table"
ECHO_CHECK = "created_order_echoes_request"


def _want(case: RuleCase) -> str:
    if case.server == "accept":
        return f"a 2xx: every server must accept it ({case.source})"
    return f"a 4xx: it breaks {case.rule} at {case.path} ({case.source})"


def check_rule_table(ctx: Context) -> None:
    for case in CASES:
        body = ctx.known.remap(case.body)
        tag_body(body, ctx.plan.write_tag)
        answer = ctx.request("POST", ORDER_PATH, operation=CREATE_ORDER, body=body)
        if case.server == "open":
            ctx.outcomes.append(Outcome(f"rule:{case.question}", case.name, answer.status, answer.body, body))
            continue
        ok = answer.ok if case.server == "accept" else 400 <= answer.status < 500
        if not ok:
            ctx.failed(
                CREATE_ORDER,
                CHECK,
                f"Rule table case `{case.name}` answered {answer.status}",
                f"Expected {_want(case)}; got HTTP {answer.status}: {answer.text}",
                answer.curl,
            )
            continue
        ctx.passed(CREATE_ORDER, CHECK)
        if case.server == "accept":
            problems = echo_mismatches(body, answer.body)
            if problems:
                ctx.failed(
                    CREATE_ORDER,
                    ECHO_CHECK,
                    "The created order does not echo the request",
                    f"rule table case `{case.name}`: " + "; ".join(problems),
                    answer.curl,
                )
            else:
                ctx.passed(CREATE_ORDER, ECHO_CHECK)
