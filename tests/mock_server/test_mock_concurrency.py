"""Concurrent requests are safe: 200 creates at once give 200 distinct ids and a list of 200."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from mock_helpers import ORDERS, site_order

from impilo_mock import MockServer, run_in_thread


def test_200_concurrent_creates_over_asyncio(server: MockServer) -> None:
    _create_200_at_once(server)


def test_200_concurrent_creates_into_a_db_file(tmp_path: Path) -> None:
    with run_in_thread(db_path=str(tmp_path / "orders.sqlite")) as running:
        _create_200_at_once(running)


def _create_200_at_once(server: MockServer) -> None:
    async def create_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200)
        headers = {"Impilo-API-Key": server.api_key}
        async with httpx.AsyncClient(base_url=server.base_url, headers=headers, limits=limits, timeout=60) as http:
            return await asyncio.gather(
                *(http.post(ORDERS, json=site_order(externalOrderIds=[f"c-{i}"])) for i in range(200))
            )

    responses = asyncio.run(create_all())
    assert [r.status_code for r in responses] == [201] * 200
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == 200
    # Each answer belongs to its own request.
    assert all(r.json()["externalOrderIds"] == [f"c-{i}"] for i, r in enumerate(responses))

    page = httpx.get(server.base_url + ORDERS, params={"size": 250}, headers={"Impilo-API-Key": server.api_key}).json()
    assert page["total"] == 200
    assert sorted(ids) == [order["id"] for order in page["content"]]


def test_concurrent_creates_voids_and_reads_from_threads(server: MockServer, client: httpx.Client) -> None:
    headers = {"Impilo-API-Key": server.api_key}

    def create(i: int) -> int:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
            response = http.post(ORDERS, json=site_order(externalOrderIds=[f"t-{i}"]))
            assert response.status_code == 201
            order_id: int = response.json()["id"]
            assert http.get(f"{ORDERS}/{order_id}").status_code == 200
            if i % 2:
                assert http.delete(f"{ORDERS}/{order_id}").status_code == 204
            return order_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(create, range(100)))
    assert len(set(ids)) == 100
    page = client.get(ORDERS, params={"size": 250}).json()
    assert page["total"] == 100
    voided = [o for o in page["content"] if o["currentStatus"] == "voided"]
    assert len(voided) == 50
