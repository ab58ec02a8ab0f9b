"""Every route needs a valid key in the spec's security header; anything else is 401 with the Error body."""

from __future__ import annotations

import httpx
import pytest
from mock_helpers import ORDERS, site_order

from impilo_mock import DEFAULT_API_KEY, MockServer, run_in_thread
from impilo_spec import api_key_header, contract_view

ROUTES = [
    *[("POST", ORDERS), ("GET", ORDERS), ("GET", f"{ORDERS}/1"), ("DELETE", f"{ORDERS}/1"), ("GET", "/unknown")],
    *[("GET", "/api/v3/item"), ("GET", "/api/v3/item/1000"), ("GET", "/api/v3/kit"), ("GET", "/api/v3/kit/1000")],
    *[("GET", "/api/v3/site"), ("GET", "/api/v3/site/1234"), ("GET", "/api/v3/patient")],
    *[("GET", "/api/v3/patient/1234"), ("GET", "/api/v3/patient/identifier/1234abcd")],
]


def test_header_name_comes_from_the_spec() -> None:
    schemes = contract_view()["components"]["securitySchemes"]
    assert api_key_header() == schemes["ImpiloApiKey"]["name"] == "Impilo-API-Key"


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Impilo-API-Key": ""},
        {"Impilo-API-Key": "wrong"},
        {"Impilo-API-Key": DEFAULT_API_KEY.upper()},
        {"Impilo-API-Key": DEFAULT_API_KEY[:-1]},
        {"Authorization": f"Bearer {DEFAULT_API_KEY}"},
        {"X-Api-Key": DEFAULT_API_KEY},
    ],
    ids=["none", "empty", "wrong", "upper-case", "prefix", "bearer", "other-header"],
)
def test_request_without_a_valid_key_is_401(
    anonymous: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    response = anonymous.request(method, path, json=site_order(), headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_refused_create_stores_nothing(anonymous: httpx.Client, client: httpx.Client) -> None:
    anonymous.post(ORDERS, json=site_order(), headers={"Impilo-API-Key": "wrong"})
    assert client.get(ORDERS).json()["total"] == 0


def test_header_name_is_case_insensitive(server: MockServer) -> None:
    response = httpx.get(server.base_url + ORDERS, headers={"impilo-api-key": server.api_key})
    assert response.status_code == 200


def test_several_keys_each_work_and_the_default_is_then_off() -> None:
    with run_in_thread(api_keys=["key-one", "key-two"]) as running:
        assert running.api_key == "key-one"
        for key, status in [("key-one", 200), ("key-two", 200), (DEFAULT_API_KEY, 401)]:
            response = httpx.get(running.base_url + ORDERS, headers={"Impilo-API-Key": key})
            assert response.status_code == status, key


def test_no_key_at_all_is_a_configuration_error() -> None:
    from impilo_mock import create_app

    with pytest.raises(ValueError, match="API key"):
        create_app(api_keys=[])


def test_key_stays_out_of_repr_and_error_bodies() -> None:
    secret = "s3cret-key-value"
    with run_in_thread(api_keys=[secret]) as running:
        assert secret not in repr(running) and secret not in str(running)
        wrong = httpx.get(running.base_url + ORDERS, headers={"Impilo-API-Key": secret + "x"})
        assert secret not in wrong.text
