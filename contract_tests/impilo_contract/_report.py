"""Reports of a run: the terminal summary, JUnit XML and a self-contained Markdown file.

Everything here has already been through `_redact`; `write_reports` scans its own output for the
key once more before it returns, as a last line of defence.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ._results import SuiteResult

JUNIT_NAME = "contract-junit.xml"
MARKDOWN_NAME = "contract-report.md"


def rerun_command(result: SuiteResult) -> str:
    target = "" if result.embedded else f" --base-url {result.base_url}"
    return f"impilo-contract{target} --seed {result.seed} --profile {result.profile}"


def check_table(result: SuiteResult) -> list[tuple[str, str, int, int, int]]:
    return sorted((op, check, t.passed, t.failed, t.errored) for (op, check), t in result.tallies.items())


def summary_text(result: SuiteResult) -> str:
    lines = [
        f"Target {result.base_url}  seed {result.seed}  profile {result.profile}  run {result.run_id}"
        + ("  (read-only)" if result.read_only else ""),
        "",
        f"{'operation':<34} {'cases':>6} {'2xx':>6}  statuses",
    ]
    for op in sorted(set(result.operations_tested) | set(result.cases)):
        statuses = " ".join(f"{code}x{n}" for code, n in sorted(result.statuses[op].items()))
        lines.append(f"{op:<34} {result.cases[op]:>6} {result.successes[op]:>6}  {statuses}")
    lines += ["", f"{'operation':<34} {'check':<32} {'pass':>6} {'fail':>5} {'error':>5}"]
    for op, check, passed, failed, errored in check_table(result):
        lines.append(f"{op:<34} {check:<32} {passed:>6} {failed:>5} {errored:>5}")
    if result.failures:
        lines += ["", f"FAILURES ({len(result.failures)} distinct; reproduce with the curl below, seed {result.seed})"]
        for number, failure in enumerate(result.failures, 1):
            lines += [
                f"{number}. [{failure.check}] {failure.operation}: {failure.title}",
                "   " + failure.message.replace("\n", "\n   "),
                "   " + failure.reproduce.replace("\n", "\n   "),
            ]
    if result.drift:
        lines += ["", "SPEC DRIFT (listed apart from failures)" + ("; fails this run" if result.fail_on_drift else "")]
        for drift, count in sorted(
            result.drift.items(), key=lambda item: (item[0].kind, item[0].operation, item[0].detail)
        ):
            lines.append(f"- {drift.kind}: {drift.operation}: {drift.detail} (seen {count}x)")
    for note in result.notes:
        lines.append(f"note: {note}")
    for error in result.errors:
        lines.append(f"error: {error}")
    lines += ["", f"{result.verdict()} in {result.elapsed:.1f} s; rerun: {rerun_command(result)}"]
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: SuiteResult) -> str:
    out = [
        "# Impilo contract report",
        "",
        f"- Target: `{result.base_url}`",
        f"- Verdict: **{result.verdict()}**",
        f"- Seed: `{result.seed}` (rerun: `{rerun_command(result)}`)",
        f"- Profile: `{result.profile}`, run id `{result.run_id}`" + (", read-only" if result.read_only else ""),
        f"- Time: {result.elapsed:.1f} s",
        "",
        "## Cases per operation",
        "",
        "| operation | cases | 2xx | statuses |",
        "| --- | ---: | ---: | --- |",
    ]
    for op in sorted(set(result.operations_tested) | set(result.cases)):
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses[op].items()))
        out.append(f"| `{op}` | {result.cases[op]} | {result.successes[op]} | {statuses} |")
    out += [
        "",
        "## Checks",
        "",
        "| operation | check | passed | failed | errors |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for op, check, passed, failed, errored in check_table(result):
        out.append(f"| `{op}` | {check} | {passed} | {failed} | {errored} |")
    out += ["", "## Failures", ""]
    if not result.failures:
        out.append("None.")
    for number, failure in enumerate(result.failures, 1):
        out += [
            f"### {number}. `{failure.check}` on `{failure.operation}`: {_md_escape(failure.title)}",
            "",
            f"Phase: {failure.phase or '-'}; seed `{result.seed}`.",
            "",
            "```text",
            failure.message,
            "```",
            "",
            "Reproduce (the key is read from `$IMPILO_API_KEY` or redacted):",
            "",
            "```sh",
            failure.reproduce or "# no request to show",
            "```",
            "",
        ]
    out += [
        "",
        "## Spec drift",
        "",
        "Seen on the server but not described by the spec; listed apart from failures.",
        "",
    ]
    if not result.drift:
        out.append("None.")
    else:
        out += ["| kind | operation | detail | seen |", "| --- | --- | --- | ---: |"]
        for drift, count in sorted(
            result.drift.items(), key=lambda item: (item[0].kind, item[0].operation, item[0].detail)
        ):
            out.append(f"| {drift.kind} | `{drift.operation}` | `{_md_escape(drift.detail)}` | {count} |")
    if result.notes or result.errors:
        out += ["", "## Notes and errors", ""]
        out += [f"- note: {_md_escape(note)}" for note in result.notes]
        out += [f"- error: {_md_escape(error)}" for error in result.errors]
    return "\n".join(out) + "\n"


def junit(result: SuiteResult) -> str:
    suites = ET.Element("testsuites", name="impilo-contract", time=f"{result.elapsed:.3f}")
    by_op: dict[str, list[tuple[str, int, int, int]]] = {}
    for op, check, passed, failed, errored in check_table(result):
        by_op.setdefault(op, []).append((check, passed, failed, errored))
    for op in sorted(set(result.operations_tested)):
        by_op.setdefault(op, [])
    for op, checks in by_op.items():
        failures = [f for f in result.failures if f.operation == op]
        suite = ET.SubElement(suites, "testsuite", name=op, tests=str(len(checks) + 1))
        reached = ET.SubElement(suite, "testcase", classname=op, name="reaches_2xx")
        if op in result.unreached:
            ET.SubElement(
                reached, "failure", message="no case reached a 2xx"
            ).text = f"{result.cases[op]} cases, none 2xx"
        n_failed = int(op in result.unreached)
        for check, passed, failed, errored in checks:
            case = ET.SubElement(suite, "testcase", classname=op, name=check)
            ET.SubElement(
                case, "system-out"
            ).text = f"passed {passed}, failed {failed}, errors {errored}, seed {result.seed}"
            mine = [f for f in failures if f.check == check]
            if mine:
                n_failed += 1
                text = "\n\n".join(f"{f.title}\n{f.message}\n{f.reproduce}" for f in mine)
                ET.SubElement(case, "failure", message=mine[0].title).text = text
        suite.set("failures", str(n_failed))
    drift_failures = len(result.drift) if result.fail_on_drift else 0
    drift_suite = ET.SubElement(
        suites, "testsuite", name="spec drift", tests=str(len(result.drift)), failures=str(drift_failures)
    )
    for drift, count in result.drift.items():
        case = ET.SubElement(
            drift_suite, "testcase", classname=f"drift.{drift.operation}", name=f"{drift.kind}: {drift.detail}"
        )
        if result.fail_on_drift:
            ET.SubElement(case, "failure", message=drift.kind).text = f"seen {count}x"
        else:
            ET.SubElement(case, "system-out").text = f"seen {count}x (not failing)"
    if result.errors:
        error_suite = ET.SubElement(suites, "testsuite", name="errors", tests=str(len(result.errors)))
        for index, error in enumerate(result.errors):
            ET.SubElement(
                ET.SubElement(error_suite, "testcase", name=f"error {index + 1}"), "error", message=error[:200]
            ).text = error
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


class SecretLeak(RuntimeError):
    """A report would carry the API key; the suite refuses to leave it on disk."""


def write_reports(result: SuiteResult, directory: Path, *, secret: str | None) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((JUNIT_NAME, junit(result)), (MARKDOWN_NAME, markdown(result))):
        if secret and secret in text:
            raise SecretLeak(f"refusing to write {name}: it would contain the API key")
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
