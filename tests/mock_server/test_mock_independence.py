"""The mock is a second implementation: serving real requests, it has imported neither the client
(`impilo`), nor the generated package (`impilo_orders_api`), nor what they are built on (httpx,
jsonschema, the client's validator). It reads the spec through impilo_spec alone; its webhook
deliveries send with asyncio streams.

Run in a fresh interpreter, so nothing this test session imported counts."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = ("impilo", "impilo_orders_api", "httpx", "jsonschema")

SCRIPT = textwrap.dedent(
    """
    import json, sys, urllib.error, urllib.request

    from impilo_mock import run_in_thread
    from impilo_spec import api_key_header, example_value

    def call(server, method, path, body=None):
        request = urllib.request.Request(
            server.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={api_key_header(): server.api_key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with run_in_thread() as server:
        statuses = [
            call(server, "POST", "/api/v3/order", example_value("CreatePatientOrderRequest")),
            call(server, "POST", "/api/v3/order", {"site": {"id": 1234}, "orderItems": [{"item": {"id": 0}}]}),
            call(server, "GET", "/api/v3/order?size=5"),
            call(server, "GET", "/api/v3/order/1"),
            call(server, "DELETE", "/api/v3/order/1"),
            call(server, "GET", "/api/v3/item?sort=itemName"),
            call(server, "GET", "/api/v3/item/1000"),
            call(server, "GET", "/api/v3/kit?archived=false"),
            call(server, "GET", "/api/v3/kit/1000"),
            call(server, "GET", "/api/v3/site"),
            call(server, "GET", "/api/v3/site/1234"),
            call(server, "GET", "/api/v3/patient?name=doe"),
            call(server, "GET", "/api/v3/patient/1234"),
            call(server, "GET", "/api/v3/patient/identifier/1234abcd"),
        ]
    print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))
    """
)


def test_serving_requests_imports_neither_the_client_nor_its_validator() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [201, 422, 200, 200, 204, 200, 200, 200, 200, 200, 200, 200, 200, 200]
    loaded = {name.split(".", 1)[0] for name in report["modules"]}
    assert "impilo_mock" in loaded and "impilo_spec" in loaded, "the test must really have run the mock"
    assert not loaded & set(FORBIDDEN), sorted(loaded & set(FORBIDDEN))
