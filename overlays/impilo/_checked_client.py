"""The generated `AuthenticatedClient`, with the pre-send rule check wired into its httpx clients.

The check is an httpx request event hook: httpx runs request hooks after it has built the request
and before the transport sees it, so a create body that breaks a rule raises `OrderRuleError` with
nothing written to any socket. Because it sits in the httpx client, not in the facade, it also
guards the generated `create_order.sync/sync_detailed/asyncio/asyncio_detailed` called with
`Impilo(...).generated`, and it works the same for sync and async.

The subclass also keeps the API key out of `repr()`: attrs' generated repr would print the token.
"""

from __future__ import annotations

import httpx
from attrs import define

from impilo_orders_api.client import AuthenticatedClient

from ._secrets import MASK
from .rules import check_order
from .spec import operation

CREATE_OPERATION = "createOrder"


def _is_create(request: httpx.Request) -> bool:
    method, path = operation(CREATE_OPERATION)
    # endswith: the base URL may carry a path prefix (a gateway, a test server's mount point).
    return request.method == method and request.url.path.rstrip("/").endswith(path)


def check_create_request(request: httpx.Request) -> None:
    """httpx request hook (sync clients): refuse a create whose body breaks a rule."""
    if _is_create(request):
        check_order(request.read())


async def check_create_request_async(request: httpx.Request) -> None:
    """httpx request hook (async clients): refuse a create whose body breaks a rule."""
    if _is_create(request):
        check_order(await request.aread())


def install_rule_check(client: httpx.Client | httpx.AsyncClient) -> None:
    """Add the rule-check hook to an httpx client once (idempotent)."""
    hooks = client.event_hooks["request"]
    hook = check_create_request_async if isinstance(client, httpx.AsyncClient) else check_create_request
    if hook not in hooks:
        hooks.append(hook)


@define(repr=False)
class CheckedClient(AuthenticatedClient):
    """An `AuthenticatedClient` whose every httpx client refuses rule-breaking create bodies.

    Pass it wherever the generated api functions take `client=`. Clients set with
    `set_httpx_client`/`set_async_httpx_client` get the check too.
    """

    def get_httpx_client(self) -> httpx.Client:
        client = super().get_httpx_client()
        install_rule_check(client)
        return client

    def set_httpx_client(self, client: httpx.Client) -> CheckedClient:
        install_rule_check(client)
        super().set_httpx_client(client)
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        client = super().get_async_httpx_client()
        install_rule_check(client)
        return client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> CheckedClient:
        install_rule_check(async_client)
        super().set_async_httpx_client(async_client)
        return self

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._base_url!r}, "
            f"{self.auth_header_name}={MASK!r}, timeout={self._timeout!r})"
        )

    __str__ = __repr__
