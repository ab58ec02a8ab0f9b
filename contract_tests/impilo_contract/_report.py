"""Step 4 of a run: the terminal summary, JUnit XML and a self-contained Markdown file.

All text passes through the result's `redact` (every secret the run knew), and `write_reports`
scans its output for each secret once more before anything reaches the disk.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from ._results import CheckTally, SuiteResult

JUNIT_NAME = "contract-junit.xml"
MARKDOWN_NAME = "contract-report.md"


def check_table(result: SuiteResult) -> list[tuple[str, str, CheckTally]]:
    return sorted(((op, check, tally) for (op, check), tally in result.tallies.items()), key=lambda row: row[:2])


def _operations(result: SuiteResult) -> list[str]:
    return sorted(set(result.operations_tested) | set(result.cases))


def _indent(text: str, prefix: str = "   ") -> str:
    return prefix + text.replace("\n", "\n" + prefix)


def _dialect_lines(result: SuiteResult) -> list[str]:
    lines = []
    for choice in result.dialect.values():
        lines.append(f"- {choice.question}: {choice.answer}")
        lines += [f"    {line}" for line in choice.evidence]
    return lines


def _assumption_lines(result: SuiteResult) -> list[str]:
    return [
        f"- {a.schema} ({', '.join(a.fields)}): {a.verdict()}"
        for a in sorted(result.assumptions.values(), key=lambda a: a.schema)
    ]


def _drift_rows(result: SuiteResult) -> list[tuple[str, str, str, int]]:
    return sorted((d.kind, d.operation, d.detail, count) for d, count in result.drift.items())


def summary_text(result: SuiteResult) -> str:
    """What the CLI prints: the failing rows in full, the passing ones as one count."""
    lines = [
        f"Target {result.base_url}  seed {result.seed}  profile {result.profile}  run {result.run_id}"
        + ("  (read-only)" if result.read_only else ""),
        "ids: "
        + "; ".join(f"{kind} {ids[:6]} ({result.id_sources.get(kind, '-')})" for kind, ids in result.known_ids.items()),
        "",
        f"{'operation':<46} {'cases':>6} {'2xx':>6}  statuses",
    ]
    for op in _operations(result):
        statuses = " ".join(f"{code}x{n}" for code, n in sorted(result.statuses[op].items()))
        flag = "  <- no 2xx" if op in result.unreached else ""
        lines.append(f"{op:<46} {result.cases[op]:>6} {result.successes[op]:>6}  {statuses}{flag}")
    lines.append(f"{'total':<46} {sum(result.cases.values()):>6} {sum(result.successes.values()):>6}")
    rows = check_table(result)
    bad = [(op, check, t) for op, check, t in rows if t.failed or t.errored]
    good = [t for _, _, t in rows if not t.failed and not t.errored]
    lines += ["", f"checks: {len(good)} (operation, check) pairs passing, {sum(t.passed for t in good)} results"]
    if bad:
        lines.append(f"{'operation':<46} {'check':<30} {'pass':>6} {'fail':>5} {'error':>5}")
        lines += [f"{op:<46} {check:<30} {t.passed:>6} {t.failed:>5} {t.errored:>5}" for op, check, t in bad]
    if result.failures:
        lines += ["", f"FAILURES ({len(result.failures)} distinct; each with the curl that reproduces it)"]
        for number, failure in enumerate(result.failures, 1):
            lines += [
                f"{number}. [{failure.check}] {failure.operation}: {failure.title} ({failure.phase})",
                _indent(failure.message),
                _indent(failure.reproduce or "(no request to show)"),
            ]
    if result.errors:
        lines += ["", f"ERRORS ({len(result.errors)}; a check could not judge)"]
        for number, error in enumerate(result.errors, 1):
            lines += [f"{number}. {error.where}: {error.title}", _indent(error.message)]
            if error.reproduce:
                lines.append(_indent(error.reproduce))
    if result.dialect:
        lines += ["", "DIALECT (what the docs leave open, and which way this server went)", *_dialect_lines(result)]
    if result.assumptions:
        lines += [
            "",
            "RESPONSE ASSUMPTIONS (this project's, not the docs': reported, never failing)",
            *_assumption_lines(result),
        ]
    if result.drift:
        lines += [
            "",
            "SPEC DRIFT (open in the spec: listed apart from failures)"
            + ("; fails this run" if result.fail_on_drift else ""),
        ]
        lines += [f"- {kind}: {op}: {detail} (seen {count}x)" for kind, op, detail, count in _drift_rows(result)]
    lines += [f"note: {note}" for note in result.notes]
    lines += ["", f"{result.verdict()} in {result.elapsed:.1f} s; rerun: {result.rerun}"]
    return result.redact("\n".join(lines))


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fenced(text: str, lang: str = "text") -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}{lang}", text, fence]


def markdown(result: SuiteResult) -> str:
    out = [
        "# Impilo contract report",
        "",
        f"- Target: `{result.base_url}`",
        f"- Verdict: **{result.verdict()}**",
        f"- Seed: `{result.seed}`; rerun: `{result.rerun}`",
        f"- Profile: `{result.profile}`, run id `{result.run_id}`" + (", read-only" if result.read_only else ""),
        f"- Time: {result.elapsed:.1f} s",
        "",
        "## Ids used",
        "",
        "| kind | ids | from |",
        "| --- | --- | --- |",
    ]
    out += [
        f"| {kind} | `{_md(str(ids))}` | {_md(result.id_sources.get(kind, '-'))} |"
        for kind, ids in result.known_ids.items()
    ]
    out += ["", "## Cases per operation", "", "| operation | cases | 2xx | statuses |", "| --- | ---: | ---: | --- |"]
    for op in _operations(result):
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses[op].items()))
        out.append(f"| `{op}` | {result.cases[op]} | {result.successes[op]} | {statuses} |")
    out += [
        "",
        "## Checks",
        "",
        "| operation | check | passed | failed | errors |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    out += [f"| `{op}` | {check} | {t.passed} | {t.failed} | {t.errored} |" for op, check, t in check_table(result)]
    out += ["", "## Failures", ""]
    if not result.failures:
        out.append("None.")
    for number, failure in enumerate(result.failures, 1):
        out += [
            f"### {number}. `{failure.check}` on `{failure.operation}`: {_md(failure.title)}",
            "",
            f"Phase: {failure.phase or '-'}; seed `{result.seed}`.",
            "",
            *_fenced(failure.message),
            "",
            "Reproduce (pastes into a shell as is; the key comes from its environment variable):",
            "",
            *_fenced(failure.reproduce or "# no request to show", "sh"),
            "",
        ]
    out += ["", "## Errors", ""]
    if not result.errors:
        out.append("None.")
    for number, error in enumerate(result.errors, 1):
        out += [f"### {number}. {_md(error.where)}: {_md(error.title)}", "", *_fenced(error.message)]
        if error.reproduce:
            out += ["", *_fenced(error.reproduce, "sh")]
        out.append("")
    out += ["", "## Dialect", "", "What the docs leave open, and which way this server went.", ""]
    out += ["| question | answer | evidence |", "| --- | --- | --- |"]
    out += [
        f"| {_md(c.question)} | {_md(c.answer)} | {'<br>'.join(_md(e) for e in c.evidence)} |"
        for c in result.dialect.values()
    ]
    out += [
        "",
        "## Response assumptions",
        "",
        "This project's assumptions about responses (`x-impilo-assumed-sent`): reported, never failing.",
        "",
    ]
    out += ["| schema | fields | verdict |", "| --- | --- | --- |"]
    out += [
        f"| `{a.schema}` | {', '.join(a.fields)} | {_md(a.verdict())} |"
        for a in sorted(result.assumptions.values(), key=lambda a: a.schema)
    ]
    out += [
        "",
        "## Spec drift",
        "",
        "Open in the spec (enum values it does not list, fields it does not name): listed apart from failures.",
        "",
    ]
    rows = _drift_rows(result)
    if not rows:
        out.append("None.")
    else:
        out += ["| kind | operation | detail | seen |", "| --- | --- | --- | ---: |"]
        out += [f"| {kind} | `{op}` | `{_md(detail)}` | {count} |" for kind, op, detail, count in rows]
    if result.notes:
        out += ["", "## Notes", ""] + [f"- {_md(note)}" for note in result.notes]
    return result.redact("\n".join(out) + "\n")


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _properties(parent: ET.Element, pairs: Iterable[tuple[str, str]]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in pairs:
        ET.SubElement(properties, "property", name=name, value=value)


def junit(result: SuiteResult) -> str:
    suites = ET.Element("testsuites", name="impilo-contract", time=_seconds(result.elapsed))
    total_tests = total_failures = total_errors = 0
    by_op: dict[str, list[tuple[str, CheckTally]]] = {op: [] for op in set(result.operations_tested)}
    for op, check, tally in check_table(result):
        by_op.setdefault(op, []).append((check, tally))
    for op in sorted(by_op):
        checks = by_op[op]
        suite = ET.SubElement(suites, "testsuite", name=op)
        reached = ET.SubElement(suite, "testcase", classname=op, name="reaches_2xx", time="0.000")
        failures = int(op in result.unreached)
        errors = 0
        if failures:
            ET.SubElement(
                reached, "failure", message="no case reached a 2xx"
            ).text = f"{result.cases[op]} cases, none 2xx"
        op_time = 0.0
        for check, tally in checks:
            seconds = result.check_seconds.get((op, check), 0.0)
            op_time += seconds
            case = ET.SubElement(suite, "testcase", classname=op, name=check, time=_seconds(seconds))
            mine = [f for f in result.failures if f.operation == op and f.check == check]
            if mine:
                failures += 1
                text = "\n\n".join(f"{f.title} ({f.phase})\n{f.message}\n{f.reproduce}" for f in mine)
                ET.SubElement(case, "failure", message=mine[0].title).text = text
            elif tally.failed:
                failures += 1
                ET.SubElement(
                    case, "failure", message=f"{tally.failed} failing result(s)"
                ).text = "see the first failure of this check"
            if tally.errored and not tally.failed:
                errors += 1
                ET.SubElement(case, "error", message=f"{tally.errored} result(s) could not be judged")
            ET.SubElement(
                case, "system-out"
            ).text = f"passed {tally.passed}, failed {tally.failed}, errors {tally.errored}"
        suite.set("tests", str(len(checks) + 1))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("time", _seconds(op_time + result.check_seconds.get((op, "(requests)"), 0.0)))
        total_tests += len(checks) + 1
        total_failures += failures
        total_errors += errors
    if result.errors:
        error_suite = ET.SubElement(
            suites,
            "testsuite",
            name="errors",
            tests=str(len(result.errors)),
            failures="0",
            errors=str(len(result.errors)),
            time="0.000",
        )
        for error in result.errors:
            case = ET.SubElement(error_suite, "testcase", classname="errors", name=error.where, time="0.000")
            ET.SubElement(case, "error", message=error.title).text = "\n".join(
                p for p in (error.message, error.reproduce) if p
            )
        total_tests += len(result.errors)
        total_errors += len(result.errors)
    dialect = ET.SubElement(
        suites, "testsuite", name="dialect", tests=str(len(result.dialect)), failures="0", errors="0", time="0.000"
    )
    _properties(dialect, ((f"dialect.{c.key}", c.answer) for c in result.dialect.values()))
    for choice in result.dialect.values():
        case = ET.SubElement(dialect, "testcase", classname="dialect", name=choice.key, time="0.000")
        ET.SubElement(case, "system-out").text = "\n".join([f"{choice.question}: {choice.answer}", *choice.evidence])
    assumed = ET.SubElement(
        suites,
        "testsuite",
        name="response assumptions",
        tests=str(len(result.assumptions)),
        failures="0",
        errors="0",
        time="0.000",
    )
    _properties(assumed, ((f"assumption.{a.schema}", a.verdict()) for a in result.assumptions.values()))
    for assumption in result.assumptions.values():
        case = ET.SubElement(assumed, "testcase", classname="assumptions", name=assumption.schema, time="0.000")
        ET.SubElement(
            case, "system-out"
        ).text = f"{', '.join(assumption.fields)}: {assumption.verdict()}\n{assumption.why}"
    drift_failures = len(result.drift) if result.fail_on_drift else 0
    drift = ET.SubElement(
        suites,
        "testsuite",
        name="spec drift",
        tests=str(len(result.drift)),
        failures=str(drift_failures),
        errors="0",
        time="0.000",
    )
    for kind, op, detail, count in _drift_rows(result):
        case = ET.SubElement(drift, "testcase", classname=f"drift.{op}", name=f"{kind}: {detail}", time="0.000")
        if result.fail_on_drift:
            ET.SubElement(case, "failure", message=kind).text = f"seen {count}x"
        else:
            ET.SubElement(case, "system-out").text = f"seen {count}x (not failing)"
    total_tests += len(result.dialect) + len(result.assumptions) + len(result.drift)
    total_failures += drift_failures
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    suites.set("errors", str(total_errors))
    return result.redact(ET.tostring(suites, encoding="unicode", xml_declaration=True))


class SecretLeak(RuntimeError):
    """A report would carry a secret; the suite refuses to leave it on disk."""


def write_reports(result: SuiteResult, directory: Path, *, secrets: tuple[str, ...]) -> list[Path]:
    texts = ((JUNIT_NAME, junit(result)), (MARKDOWN_NAME, markdown(result)))
    for name, text in texts:
        if any(secret and secret in text for secret in secrets):
            raise SecretLeak(f"refusing to write {name}: it would contain a secret")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts:
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
