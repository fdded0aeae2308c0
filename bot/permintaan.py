"""The Bot API HTTP client: one aiohttp session behind PTB's ``BaseRequest``.

PTB's own client (``HTTPXRequest``) costs 1,6–2,0 ms of CPU per Bot API call on this project's benchmark
machine (httpx, httpcore and anyio: cancel scopes, locks and a scan of every pooled connection per request),
which made the HTTP client the largest single part of the bot's CPU per update. aiohttp does the same call for
~0,3 ms (bench/README.md, "The Bot API client, reads without BEGIN, …"). Only the transport changes: PTB still
builds every request and reads every answer (``BaseRequest.post`` turns 429, 400, 403, 502 … into its errors),
so flood control, retries and the outbox see exactly the exceptions they saw before: ``TimedOut`` for any
timeout, ``NetworkError`` for any other failure to get an answer.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["PermintaanAiohttp", "tanpa_proksi"]

UNGGAH_PER_BATAS = 1024 * 1024  # an upload's write timeout counts once per MB started
_TOKEN_DI_URL = re.compile(r"/(file/)?bot[^/\s'\"]+")
_JSON = {"Content-Type": "application/json"}


def tanpa_proksi(base_url: str) -> bool:
    """Whether the Bot API is on loopback: then it is never reached through a proxy from the environment."""
    return (urlsplit(base_url).hostname or "") in ("127.0.0.1", "localhost", "::1")


class PermintaanAiohttp(BaseRequest):
    """A BaseRequest on one aiohttp session of ``connections`` keep-alive connections.

    Timeouts follow HTTPXRequest's meaning: ``connect`` to open a connection, ``pool`` to wait for a free one
    (aiohttp counts both in its ``connect``; 10 s, as Pantau's httpx pools had, so a burst beyond the connections
    waits its turn), ``read`` between bytes of the answer (so a long download goes on while it moves). aiohttp
    has no write timeout: a request that uploads files is bounded as a whole, its ``write`` timeout (20 s)
    counted per MB of them. None means no limit.
    """

    __slots__ = ("_base_url", "_connections", "_session", "_timeouts")

    def __init__(self, base_url: str, *, connections: int = 96, read_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 10.0,
                 media_write_timeout: float | None = 20.0) -> None:
        if connections < 1:
            raise ValueError("connections must be at least 1")
        self._base_url = base_url
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._timeouts = {"read": read_timeout, "connect": connect_timeout, "pool": pool_timeout,
                          "media": media_write_timeout}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds a long poll's timeout to it)."""
        return self._timeouts["read"]

    async def initialize(self) -> None:
        """Open the session (on the running event loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=self._connections)
            self._session = aiohttp.ClientSession(connector=connector, trust_env=not tanpa_proksi(self._base_url),
                                                  headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _batas(self, read: ODVInput[float], write: ODVInput[float], connect: ODVInput[float],
               pool: ODVInput[float], unggah: int | None) -> aiohttp.ClientTimeout:
        """The timeouts of one request; ``unggah``: the bytes of the files it uploads (None: no files)."""
        def pilih(nilai: ODVInput[float], nama: str) -> float | None:
            return self._timeouts[nama] if isinstance(nilai, DefaultValue) else nilai  # type: ignore[return-value]

        r, c, p = pilih(read, "read"), pilih(connect, "connect"), pilih(pool, "pool")
        tunggu = None if c is None or p is None else c + p
        total = None  # as httpx: the answer may take as long as it keeps coming (a download of an import file)
        w = pilih(write, "media")
        if unggah is not None and w is not None and r is not None and tunggu is not None:
            # httpx bounds each write, aiohttp has no write timeout: an upload is bounded as a whole, by its write
            # timeout per MB started (an export of 10 MB may take 200 s, i.e. it must move at least ~50 KB/s).
            total = tunggu + r + w * max(1, -(-unggah // UNGGAH_PER_BATAS))
        return aiohttp.ClientTimeout(total=total, connect=tunggu, sock_connect=c, sock_read=r)

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
        """Send one request; (HTTP status, body), or TimedOut / NetworkError when no answer came."""
        if self._session is None or self._session.closed:
            raise RuntimeError("PermintaanAiohttp belum diinisialisasi")
        files = request_data.multipart_data if request_data else None
        data: Any = None
        headers = None
        if files:
            assert request_data is not None
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        elif request_data is not None and (parameters := request_data.parameters):
            # A JSON body (the Bot API takes one): one json.dumps in C, where a form body percent-encodes every
            # byte of the texts and keyboards in Python
            # (ASCII with escapes: a lone surrogate in a text cannot make the encoding fail)
            data = json.dumps(parameters, separators=(",", ":")).encode()
            headers = _JSON
        unggah = sum(len(c) for _, c, _ in files.values() if isinstance(c, bytes | bytearray)) if files else None
        timeout = self._batas(read_timeout, write_timeout, connect_timeout, pool_timeout, unggah)
        try:
            async with self._session.request(method, url, data=data, headers=headers, timeout=timeout) as res:
                return res.status, await res.read()
        except TimeoutError as err:  # aiohttp's timeouts are TimeoutErrors
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # Some aiohttp errors spell out the URL, and a Bot API URL carries the token.
            pesan = _TOKEN_DI_URL.sub(lambda m: f"/{m.group(1) or ''}bot<token>", str(err))
            raise NetworkError(f"aiohttp.{type(err).__name__}: {pesan}") from None
