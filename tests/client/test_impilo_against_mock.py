"""The facade end to end against the project's mock server on loopback, as a user would run it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from impilo_fakes import as_body

from impilo import AsyncImpilo, AuthenticationError, Impilo, NotFoundError, OrderRuleError
from impilo_orders_api.api.orders import create_order
from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_create_request import OrderCreateRequest
from impilo_orders_api.models.order_status import OrderStatus
from impilo_orders_api.models.patient import Patient
from impilo_spec.rule_cases import REFUSED_CASES as INVALID_CASES
from impilo_spec.rule_cases import SENT_CASES as VALID_CASES

ROOT = Path(__file__).resolve().parents[2]
SECTION_HEADING = "## The client (`impilo`)"


@pytest.fixture
def client(impilo_mock_server: Any) -> Impilo:
    return Impilo(impilo_mock_server.api_key, base_url=impilo_mock_server.base_url)


@pytest.mark.parametrize("rule_case", VALID_CASES, ids=str)
def test_every_valid_case_is_created(client: Impilo, rule_case: Any) -> None:
    order = client.orders.create(as_body(rule_case.body))
    assert order.current_status == OrderStatus.ORDER_PLACED
    assert isinstance(order.id, int)
    assert client.orders.get(order.id).to_dict() == order.to_dict()


def test_an_invalid_case_sends_nothing_so_the_server_has_no_order(client: Impilo) -> None:
    for rule_case in INVALID_CASES:
        with pytest.raises(OrderRuleError):
            client.orders.create(as_body(rule_case.body))
    assert client.orders.list().total == 0


def test_create_fetch_list_iterate_void(client: Impilo) -> None:
    created = [client.orders.create(as_body(VALID_CASES[i % len(VALID_CASES)].body)) for i in range(7)]
    assert [o.id for o in client.orders.iter(size=3)] == [o.id for o in created]
    page = client.orders.list(2, 3)
    assert (page.page, page.size, page.total, page.first, page.last) == (2, 3, 7, False, False)
    assert {o.id for o in client.orders.iter(patient_id=1234)} == {
        o.id for o in created if isinstance(o.patient, Patient) and o.patient.id == 1234
    }
    first_id = created[0].id
    assert isinstance(first_id, int)
    client.orders.void(first_id)
    assert client.orders.get(first_id).current_status == OrderStatus.VOIDED
    with pytest.raises(NotFoundError):
        client.orders.get(999_999)


def test_generated_functions_through_client_generated(client: Impilo) -> None:
    made = create_order.sync(client=client.generated, body=OrderCreateRequest.from_dict(VALID_CASES[0].body))
    assert isinstance(made, Order) and isinstance(made.id, int)
    assert client.orders.get(made.id).id == made.id


def test_a_wrong_key_is_an_authentication_error(impilo_mock_server: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        Impilo("not-the-key", base_url=impilo_mock_server.base_url).orders.list()
    assert caught.value.status_code == 401 and "not-the-key" not in str(caught.value)


async def test_async_client_end_to_end(impilo_mock_server: Any) -> None:
    async with AsyncImpilo(impilo_mock_server.api_key, base_url=impilo_mock_server.base_url) as client:
        ids = [(await client.orders.create(as_body(VALID_CASES[1].body))).id for _ in range(5)]
        assert [o.id async for o in client.orders.iter(size=2)] == ids


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(SECTION_HEADING) :]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the README's client section has no python example"
    return found.group(1)


def test_the_readme_example_runs(impilo_mock_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("IMPILO_API_KEY", impilo_mock_server.api_key)
    monkeypatch.setenv("IMPILO_BASE_URL", impilo_mock_server.base_url)
    exec(compile(_readme_example(), "README example", "exec"), {})
    printed = capsys.readouterr().out
    assert "one-recipient $" in printed and "404" in printed
