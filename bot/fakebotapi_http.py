"""ASGI app exposing a FakeBotApi over HTTP, so a real PTB bot can talk to it on loopback.

Serve it with uvicorn and point the bot at it::

    Bot(token, base_url=f"http://127.0.0.1:{port}/bot", base_file_url=f"http://127.0.0.1:{port}/file/bot")
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive

from bot.fakebotapi import FakeBotApi, ResponseLost, UploadedFile

__all__ = ["create_http_app"]

# Non-file form fields can be long (4096-char texts, big keyboards); Starlette's default is 1 MiB.
_MAX_PART_SIZE = 8 * 1024 * 1024


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": status, "description": description}, status_code=status)


async def _wait_for_disconnect(receive: Receive) -> None:
    """Return once the client has gone away (the request body has already been read)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _read_request(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Collect parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/json"):
        body = await request.body()
        if body:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("JSON body must be an object")
            params.update(data)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        async with request.form(max_part_size=_MAX_PART_SIZE) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = UploadedFile(
                        value.filename or key,
                        await value.read(),
                        value.content_type or "application/octet-stream",
                    )
                else:
                    params[key] = value
    return params, files


def create_http_app(api: FakeBotApi) -> Starlette:
    """Starlette app serving ``/bot{token}/{method}`` and ``/file/bot{token}/{path}`` from ``api``."""

    async def bot_method(request: Request) -> Response:
        token = request.path_params["token"]
        method = request.path_params["method"]
        try:
            params, files = await _read_request(request)
        except ClientDisconnect:
            return Response(status_code=400)
        except ValueError:
            return _error(400, "Bad Request: can't parse JSON object")
        if method.lower() != "getupdates":
            try:
                status, body = await api.call(method, params, files, token=token)
            except ResponseLost:
                return _error(504, "Gateway Timeout")  # over HTTP a lost response is the proxy's timeout
            return JSONResponse(body, status_code=status)
        # A long poll must end when PTB drops the connection (Updater.stop cancels the request),
        # otherwise it lingers for `timeout` seconds and delays server shutdown.
        call = asyncio.create_task(api.call(method, params, files, token=token))
        gone = asyncio.create_task(_wait_for_disconnect(request.receive))
        try:
            await asyncio.wait({call, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (call, gone):
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if call.cancelled():
            return Response(status_code=499)
        status, body = call.result()
        return JSONResponse(body, status_code=status)

    async def file_download(request: Request) -> Response:
        status, content = await api.fetch_file(request.path_params["path"], token=request.path_params["token"])
        media_type = "application/octet-stream" if status == 200 else "application/json"
        return Response(content, status_code=status, media_type=media_type)

    async def not_found(request: Request) -> Response:
        return _error(404, "Not Found")

    return Starlette(
        routes=[
            Route("/file/bot{token}/{path:path}", file_download, methods=["GET"]),
            Route("/bot{token}/{method}", bot_method, methods=["GET", "POST"]),
            Route("/{rest:path}", not_found, methods=["GET", "POST"]),
        ]
    )
