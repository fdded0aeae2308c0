"""A bot token Telegram rejects at start-up is never printed: one Indonesian line, whatever the failure."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from pathlib import Path

import pytest
import uvicorn

from bot import logs
from bot.fakebotapi import FakeBotApi
from bot.fakebotapi_http import create_http_app

TOKEN = "123456789:RAHASIA-token-ditolak-jangan-dicetak"
RAHASIA = TOKEN.split(":", 1)[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("status", [401, 404])
async def test_rejected_token_gives_one_line_without_the_token(database_url: str, tmp_path: Path,
                                                               status: int) -> None:
    api = FakeBotApi(token=TOKEN if status == 404 else "123456789:token-lain-yang-benar")
    if status == 404:
        api.fail_next("getMe", 404, times=10)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(create_http_app(api), host="127.0.0.1", port=port, log_config=None,
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANTAU_", "TELEGRAM_"))}
    env.update(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot",
               PANTAU_WEB_PORT=str(_port()), PYTHONUNBUFFERED="1")
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['run', '--no-demo']))",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        server.should_exit = True
        await task
    semua = out.decode() + err.decode()
    assert [c.method for c in api.calls if c.method == "getMe"], "the bot never asked Telegram"
    assert RAHASIA not in semua and TOKEN not in semua
    assert proc.returncode == 2
    assert "Traceback" not in semua
    assert "Telegram menolak token bot 123456789" in err.decode()


def test_log_handler_redacts_tracebacks_too(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup([TOKEN])
    try:
        try:
            raise RuntimeError(f"url https://api.telegram.org/bot{TOKEN}/getMe")
        except RuntimeError:
            logging.getLogger("pantau.uji").exception("gagal %s", TOKEN)
    finally:
        logging.getLogger().handlers.clear()
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "[RAHASIA]" in err and RAHASIA not in err
