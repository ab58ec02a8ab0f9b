"""The README where a newcomer reads it: the usage blocks list every flag the parsers have, its
`make help` block is what `make help` prints, every Makefile target is in that list, and every
Python snippet imports what it uses."""

from __future__ import annotations

import argparse
import ast
import builtins
import re
import subprocess

import pytest
from packaging_helpers import ROOT

README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def code_blocks(language: str | None = None) -> list[str]:
    return [body for lang, body in FENCE.findall(README) if language is None or lang == language]


def section(heading_start: str) -> str:
    """The README text under the `## ` heading that starts with heading_start, up to the next one."""
    match = re.search(rf"^## {re.escape(heading_start)}.*?(?=^## |\Z)", README, re.MULTILINE | re.DOTALL)
    assert match is not None, f"README has no section '## {heading_start}...'"
    return match.group(0)


def long_flags(parser: argparse.ArgumentParser) -> set[str]:
    return {
        option
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
        if option.startswith("--")
    }


def flags_in(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))


def test_the_contract_usage_block_lists_every_flag_of_the_runner() -> None:
    from impilo_contract.cli import build_parser

    (usage,) = [block for block in code_blocks("sh") if "impilo-contract --base-url" in block]
    parser_flags = long_flags(build_parser())
    assert sorted(parser_flags - flags_in(usage)) == []
    assert sorted(flags_in(usage) - parser_flags) == []


def test_the_mock_section_names_every_option_of_the_mock() -> None:
    from impilo_mock.cli import _parser

    assert sorted(long_flags(_parser()) - flags_in(section("The mock server"))) == []


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {
        match.group(1)
        for match in re.finditer(r"^([A-Za-z.][\w.-]*):(?!=)", text, re.MULTILINE)
        if not match.group(1).startswith(".PHONY")
    }


def make_help() -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_make_help_lists_every_target_of_the_makefile() -> None:
    listed = {line.split()[1] for line in make_help().splitlines() if line.startswith("make ")}
    assert listed == makefile_targets()


def test_the_readme_shows_make_help_as_it_is() -> None:
    assert make_help() in code_blocks("text"), "README's `make help` block differs from `make help`: paste it again"


def names_used_but_not_bound(source: str) -> set[str]:
    tree = compile(source, "<README>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    bound: set[str] = set(dir(builtins))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return used - bound


@pytest.mark.parametrize("snippet", code_blocks("python"), ids=lambda s: s.strip().splitlines()[0][:40])
def test_every_python_snippet_imports_what_it_uses(snippet: str) -> None:
    assert names_used_but_not_bound(snippet) == set()
