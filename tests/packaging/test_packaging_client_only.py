"""`pip install impilo-client` with no extras: the client works, the server stack is not there, and
the console scripts say in one line which extra to install (exit 2) instead of a traceback."""

from __future__ import annotations

import json
import subprocess

import pytest
from packaging_helpers import Environment, pyproject

# Run inside the client-only environment: one call through the real client and the generated
# models, answered by an in-process transport (no socket), and which server modules exist.
CLIENT_CALL = """
import importlib.util, json
import httpx, impilo, impilo_spec

order = impilo_spec.example_value("FetchOrderResponse")
method, path = impilo_spec.operation("fetchOrder")
seen = []

def answer(request):
    seen.append([request.method, request.url.path])
    return httpx.Response(200, json=order)

transport = httpx.MockTransport(answer)
client = impilo.Impilo(api_key="client-only-test", base_url="https://impilo.invalid", transport=transport)
fetched = client.orders.get(order["id"])
client.close()
modules = ["starlette", "uvicorn", "httptools", "uvloop", "schemathesis", "hypothesis", "yaml", "pytest"]
print(json.dumps({
    "version": impilo.__version__,
    "fetched_id": fetched.id,
    "fetched_type": type(fetched).__name__,
    "expected": [method, path.replace("{orderId}", str(order["id"]))],
    "seen": seen,
    "absent": [name for name in modules if importlib.util.find_spec(name) is None],
    "all_modules": modules,
}))
"""


def test_the_client_works_without_any_extra_and_the_server_stack_is_absent(client_only: Environment) -> None:
    done = subprocess.run(
        [str(client_only.python), "-c", CLIENT_CALL], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["version"] == pyproject()["project"]["version"]
    assert result["seen"] == [result["expected"]]
    assert result["fetched_type"] == "Order"
    assert isinstance(result["fetched_id"], int)
    assert result["absent"] == result["all_modules"]


@pytest.mark.parametrize(("script", "extra"), [("impilo-mock", "mock"), ("impilo-contract", "contract")])
def test_a_console_script_without_its_extra_says_what_to_install_in_one_line(
    client_only: Environment, script: str, extra: str
) -> None:
    done = subprocess.run([str(client_only.script(script))], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{script}: ")
    assert f"pip install 'impilo-client[{extra}]'" in lines[0]
    assert "Traceback" not in done.stderr
