"""MkDocs hooks (`hooks:` in mkdocs.yml): fill each page's `<!-- impilo-docs: ... -->` markers from
the code at build time, so the site cannot drift from the code or the README.

    readme                          the README, as the guide
    cli MODULE:FUNCTION             an argparse parser (FUNCTION() builds it): its --help and its flags
    public impilo exceptions        a reference entry for every exception in impilo.__all__
    public impilo non-exceptions    the same for every other name in impilo.__all__
    resources                       the classes behind the client's attributes (client.orders, ...)

The entries are mkdocstrings directives (`::: name`), rendered from the signatures and docstrings.
An unknown marker, a module that fails to import or a parser that fails to build stops the build.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"<!-- impilo-docs: (?P<what>[^>]*?) -->")
# --help is wrapped at this width in the docs, whatever the terminal that builds them.
HELP_COLUMNS = 96


class MarkerError(Exception):
    """A marker the hook cannot fill: the build stops with this message."""


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARKER.sub(lambda match: render(match.group("what").strip()), markdown)


def render(what: str) -> str:
    """The Markdown that replaces one marker."""
    if what == "readme":
        return readme()
    if what.startswith("cli "):
        return cli_reference(what.removeprefix("cli ").strip())
    if what == "public impilo exceptions":
        return entries(f"impilo.{name}" for name in public_names("impilo", exceptions=True))
    if what == "public impilo non-exceptions":
        return entries(f"impilo.{name}" for name in public_names("impilo", exceptions=False))
    if what == "resources":
        return resources()
    raise MarkerError(f"docs/hooks.py: unknown marker 'impilo-docs: {what}'")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def build_parser(target: str) -> argparse.ArgumentParser:
    module_name, _, function_name = target.partition(":")
    if not function_name:
        raise MarkerError(f"docs/hooks.py: 'cli {target}': expected MODULE:FUNCTION")
    parser = getattr(importlib.import_module(module_name), function_name)()
    if not isinstance(parser, argparse.ArgumentParser):
        raise MarkerError(f"docs/hooks.py: {target}() returned {type(parser).__name__}, not an ArgumentParser")
    return parser


def cli_reference(target: str) -> str:
    parser = build_parser(target)
    return "\n".join([flag_table(parser), "", "`--help`:", "", "```text", help_text(parser).rstrip(), "```", ""])


def help_text(parser: argparse.ArgumentParser) -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(HELP_COLUMNS)
    try:
        return parser.format_help()
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def flags(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every option the parser takes, --help aside."""
    return [
        action for action in parser._actions if action.option_strings and not isinstance(action, argparse._HelpAction)
    ]


def flag_table(parser: argparse.ArgumentParser) -> str:
    rows = ["| flag | value | default | what it does |", "| --- | --- | --- | --- |"]
    for action in flags(parser):
        rows.append(
            "| "
            + " | ".join(
                cell(text)
                for text in (
                    ", ".join(f"`{option}`" for option in action.option_strings),
                    value_of(action),
                    default_of(action),
                    help_of(action),
                )
            )
            + " |"
        )
    return "\n".join(rows)


def value_of(action: argparse.Action) -> str:
    if action.nargs == 0:
        return ""
    if action.choices is not None:
        return " \\| ".join(f"`{choice}`" for choice in action.choices)
    metavar = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
    return f"`{metavar}`"


def default_of(action: argparse.Action) -> str:
    if action.nargs == 0 or action.default in (None, [], argparse.SUPPRESS):
        return ""
    return f"`{action.default}`"


def help_of(action: argparse.Action) -> str:
    text = action.help or ""
    if "%(" in text:
        text = text % {**vars(action), "prog": ""}
    if action.option_strings and isinstance(action, argparse._AppendAction):
        text += " (repeatable)"
    return text


def cell(text: str) -> str:
    # A bare | would end the table cell; escaped ones (choices) are already `\|`.
    return re.sub(r"(?<!\\)\|", r"\\|", text).replace("\n", " ")


def public_names(module_name: str, *, exceptions: bool) -> list[str]:
    module = importlib.import_module(module_name)
    names: list[str] = []
    for name in module.__all__:
        if name.startswith("__"):
            continue  # __version__ and the like are not reference entries
        value = getattr(module, name)
        is_exception = isinstance(value, type) and issubclass(value, BaseException)
        if is_exception == exceptions:
            names.append(name)
    if not names:
        raise MarkerError(
            f"docs/hooks.py: {module_name}.__all__ has no {'exceptions' if exceptions else 'other names'}"
        )
    return names


def entries(paths: Any) -> str:
    return "\n\n".join(f"::: {path}" for path in paths) + "\n"


def resources() -> str:
    """A section for each public attribute of a client whose value is one of impilo's own classes."""
    import impilo

    base_url = "http://127.0.0.1:9"  # never contacted: the clients are built, inspected and closed
    sync_client = impilo.Impilo(api_key="docs-build", base_url=base_url)
    try:
        sync_attributes = dict(vars(sync_client))
    finally:
        sync_client.close()
    async_client = impilo.AsyncImpilo(api_key="docs-build", base_url=base_url)
    try:
        async_attributes = dict(vars(async_client))
    finally:
        asyncio.run(async_client.close())

    # Classes impilo exports (RetryPolicy for client.retry_policy) have their own entry above.
    exported = {getattr(impilo, name) for name in impilo.__all__}
    sections: list[str] = []
    for name, value in sync_attributes.items():
        cls = type(value)
        if name.startswith("_") or not cls.__module__.startswith("impilo.") or cls in exported:
            continue
        lines = [f"### `client.{name}`", ""]
        async_cls = type(async_attributes.get(name))
        if async_cls is not cls and async_cls.__module__.startswith("impilo."):
            lines += [f"`AsyncImpilo().{name}` is `{async_cls.__name__}`, with the same methods, awaited.", ""]
        lines += [
            f"::: {cls.__module__}.{cls.__qualname__}",
            "    options:",
            "      heading_level: 4",
            "",
        ]
        sections.append("\n".join(lines))
    if not sections:
        raise MarkerError("docs/hooks.py: the client has no resource attributes to document")
    return "\n".join(sections)
