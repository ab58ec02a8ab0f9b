"""Typing where users meet it: the README's snippets and a user's own script, under `mypy --strict`.

mypy runs in a temporary directory outside the repo, with no config and no MYPYPATH, so it sees
the packages exactly as installed: the development install must be visible to type checkers
(setuptools' strict editable mode; the default import-hook finder is invisible to them).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)

USER_SCRIPT = """
from impilo import Impilo, OrderCreateRequestParam

client = Impilo(api_key="k", base_url="http://127.0.0.1:9")
body: OrderCreateRequestParam = {"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 2}]}
created = client.orders.create(body)
fetched = client.orders.get(created.id)
if created.patient is not None:
    patient_id: int = created.patient.id
page = client.orders.list()
total: int = page.total
first_id: int = page.content[0].id
line_count: int | None = fetched.order_items[0].count if fetched.order_items else None
item = client.items.get(1000)
orderable: bool | None = item.orderable
"""

BAD_SCRIPT = """
from impilo import Impilo, OrderCreateRequestParam

client = Impilo(api_key="k", base_url="http://127.0.0.1:9")
client.orders.create({"patinet": {"id": 1234}, "orderItems": [{"item": {"id": 1000}}]})
client.orders.create({"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": "2"}]})
client.orders.create({"site": {"id": "1234"}, "orderKits": [{"kit": {"id": 1001}, "count": 1}]})
order = client.orders.get(1)
missing: int = order.patient.id
typo: OrderCreateRequestParam = {"patinet": {"id": 1234}, "orderItems": [{"item": {"id": 1000}}]}
wrong: OrderCreateRequestParam = {"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": "2"}]}
"""


def readme_snippets() -> list[str]:
    return FENCE.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def _mypy(tmp_path: Path, files: dict[str, str]) -> dict[str, list[str]]:
    """mypy --strict on `files`, from `tmp_path`; the error lines, by file name."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / ".cache"),
            *files,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors: dict[str, list[str]] = {name: [] for name in files}
    for line in result.stdout.splitlines():
        name = line.split(":", 1)[0]
        if name in errors and ": error:" in line:
            errors[name].append(line)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return errors


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    snippets = {f"readme_{index}.py": text for index, text in enumerate(readme_snippets())}
    return _mypy(tmp_path_factory.mktemp("typing"), {**snippets, "user.py": USER_SCRIPT, "bad.py": BAD_SCRIPT})


def test_the_readme_has_python_snippets() -> None:
    assert len(readme_snippets()) >= 3


def test_every_readme_snippet_type_checks_strictly(checked: dict[str, list[str]]) -> None:
    failing = {name: lines for name, lines in checked.items() if name.startswith("readme_") and lines}
    assert failing == {}


def test_a_users_script_outside_the_repo_type_checks(checked: dict[str, list[str]]) -> None:
    """Returned ids used directly, a nested id after a None check, a typed body: no narrowing ceremony."""
    assert checked["user.py"] == []


def test_a_misspelt_key_or_a_wrong_value_type_in_a_literal_body_is_flagged(checked: dict[str, list[str]]) -> None:
    lines = "\n".join(checked["bad.py"])
    for line in (5, 6, 7):  # passed straight to create: the call is refused by the type checker
        assert re.search(rf'bad\.py:{line}: error: Argument 1 to "create" .*OrderCreateRequestParam"', lines), lines
    assert re.search(r'bad\.py:9: error: Item "None" of "Patient \| None" has no attribute "id"', lines), lines
    # Written as an OrderCreateRequestParam, the error names the key and the type.
    assert re.search(r'bad\.py:10: error: .*"patinet"', lines), lines
    assert re.search(r'bad\.py:11: error: .*"str".*"count".*"int"', lines), lines
