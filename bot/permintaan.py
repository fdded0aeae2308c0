"""The Bot API HTTP client: several small httpx pools, so many requests in flight stay cheap.

httpcore's connection pool re-examines every queued request against every connection each time a request
starts or ends (``AsyncConnectionPool._assign_requests_to_connections``), so its CPU cost grows with
requests × connections: with 100 requests in flight on one 48-connection pool a bare PTB echo bot spends five
times as much CPU per update as with 40 (bench/bench_bot.py). Telegram is ~150 ms away, so a bot that wants a
few hundred requests per second needs that many in flight. ``PermintaanTerbagi`` spreads requests over
``shards`` independent ``HTTPXRequest`` clients of ``per_shard`` connections each and queues the excess in an
``asyncio.Semaphore`` per shard (O(1)), so httpcore never holds more requests than connections.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, HTTPXRequest, RequestData

__all__ = ["PermintaanTerbagi", "tanpa_proksi"]


def tanpa_proksi(base_url: str) -> bool:
    """Whether the Bot API is on loopback: then it is never reached through a proxy from the environment."""
    return (urlsplit(base_url).hostname or "") in ("127.0.0.1", "localhost", "::1")


class PermintaanTerbagi(BaseRequest):
    """A BaseRequest over several small HTTPXRequest pools; a request goes to the least busy one."""

    __slots__ = ("_bebas", "_pools", "_sibuk")

    def __init__(self, base_url: str, *, shards: int = 4, per_shard: int = 12, pool_timeout: float = 10.0,
                 read_timeout: float | None = 5.0) -> None:
        if shards < 1 or per_shard < 1:
            raise ValueError("shards and per_shard must be at least 1")
        kwargs = {"trust_env": False} if tanpa_proksi(base_url) else None
        self._pools = [HTTPXRequest(connection_pool_size=per_shard, pool_timeout=pool_timeout,
                                    read_timeout=read_timeout, httpx_kwargs=kwargs) for _ in range(shards)]
        self._bebas = [asyncio.Semaphore(per_shard) for _ in range(shards)]
        self._sibuk = [0] * shards

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds a long poll's timeout to it)."""
        return self._pools[0].read_timeout

    async def initialize(self) -> None:
        """Open every pool."""
        for pool in self._pools:
            await pool.initialize()

    async def shutdown(self) -> None:
        """Close every pool."""
        for pool in self._pools:
            await pool.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request on the least busy pool, waiting (cheaply) when all are full."""
        i = min(range(len(self._pools)), key=self._sibuk.__getitem__)
        self._sibuk[i] += 1
        try:
            async with self._bebas[i]:
                return await self._pools[i].do_request(url, method, request_data, read_timeout, write_timeout,
                                                       connect_timeout, pool_timeout)
        finally:
            self._sibuk[i] -= 1
