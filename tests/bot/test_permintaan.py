"""The Bot API client (bot/permintaan.py) over real HTTP: the fake Bot API served by uvicorn on loopback.

What PTB's own client did, this one must do too: JSON-form and multipart requests, downloads, every Telegram
error as PTB's exception, a timeout as TimedOut, a dead server as NetworkError, never an environment proxy on
loopback, and no token in an error's text.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.app import permintaan_http, permintaan_poll
from bot.fakebotapi import FakeBotApi
from bot.permintaan import PermintaanAiohttp
from tests.bot.test_fakebotapi import TOKEN, USER, add_handlers, api, converse, polling, serve

__all__ = ["api"]  # the fake Bot API fixture


def _bot(api: FakeBotApi, base: str, **kw: float | None) -> Bot:
    api.add_user(USER, "Petugas Uji")
    return Bot(TOKEN, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
               request=PermintaanAiohttp(f"{base}/bot", connections=4, **kw))


def _port_mati() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_whole_conversation_uploads_and_downloads(api: FakeBotApi) -> None:
    async with asyncio.timeout(30), serve(api) as base:
        app = (Application.builder().token(TOKEN).base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
               .request(permintaan_http(f"{base}/bot")).get_updates_request(permintaan_poll(f"{base}/bot")).build())
        add_handlers(app)
        async with polling(app):
            await converse(api)  # long polling, replies, buttons, edits
            grafik = b"\x89PNG\r\n\x1a\ngrafik-\x00\xff"
            foto = await app.bot.send_photo(USER, photo=grafik, caption="Capaian — 90,24 %")
            assert api.last(USER).photo == grafik
            assert api.last(USER).caption == "Capaian — 90,24 %"
            unduh = await (await app.bot.get_file(foto.photo[-1].file_id)).download_as_bytearray()
            assert bytes(unduh) == grafik
            dok = await app.bot.send_document(USER, document=b"a;b\n1;2\n", filename="ekspor.csv")
            assert dok.document is not None and dok.document.file_name == "ekspor.csv"
            await api.wait_idle()


async def test_texts_and_keyboards_arrive_as_written(api: FakeBotApi) -> None:
    teks = "Realisasi 90,24 % & sisa = Rp1.234.567 + 5 % — “Kota Bengkulu” ✅ 𝟙\n<b>tebal</b> ?a=1&b=2"
    papan = InlineKeyboardMarkup([[InlineKeyboardButton("Setujui ✅", callback_data="vf:ok:7&x=1")],
                                  [InlineKeyboardButton("Kembali ↩", callback_data="kembali")]])
    async with asyncio.timeout(30), serve(api) as base:
        bot = _bot(api, base)
        async with bot:
            pesan = await bot.send_message(USER, teks, reply_markup=papan)
            assert pesan.text == teks and api.last(USER).text == teks
            panggilan = api.calls_to("sendMessage")[-1].params
            assert panggilan["chat_id"] == USER and panggilan["reply_markup"] == papan.to_dict()
            assert pesan.reply_markup == papan
            await bot.edit_message_text("diubah ✏️", chat_id=USER, message_id=pesan.message_id)
            assert api.last(USER).text == "diubah ✏️"


async def test_telegram_errors_arrive_as_ptb_exceptions(api: FakeBotApi) -> None:
    async with asyncio.timeout(30), serve(api) as base:
        bot = _bot(api, base)
        async with bot:
            with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
                await bot.edit_message_text("x", chat_id=USER, message_id=999)
            api.fail_next("sendMessage", 429, retry_after=7)
            with pytest.raises(RetryAfter) as e:
                await bot.send_message(USER, "banjir")
            assert e.value.retry_after.total_seconds() == 7  # type: ignore[union-attr]
            api.fail_next("sendMessage", 502)
            with pytest.raises(NetworkError):
                await bot.send_message(USER, "gerbang")
            api.timeout_next("sendMessage")  # a response lost on its way: the proxy answers 504
            with pytest.raises(NetworkError):
                await bot.send_message(USER, "hilang")
            assert (await bot.send_message(USER, "pulih")).text == "pulih"


async def test_a_slow_answer_is_timed_out(api: FakeBotApi) -> None:
    async with asyncio.timeout(30), serve(api) as base:
        bot = _bot(api, base, read_timeout=0.1)
        async with bot:
            api.latency = 0.6
            with pytest.raises(TimedOut):
                await bot.send_message(USER, "lambat")
            with pytest.raises(TimedOut):  # a per-call timeout wins over the default
                await bot.send_message(USER, "lambat", read_timeout=0.05)
            api.latency = 0.0
            assert (await bot.send_message(USER, "cepat", read_timeout=5)).text == "cepat"


async def test_no_server_is_a_network_error_without_the_token() -> None:
    base = f"http://127.0.0.1:{_port_mati()}"
    req = PermintaanAiohttp(f"{base}/bot", connections=1)
    await req.initialize()
    try:
        with pytest.raises(NetworkError) as e:
            await req.post(f"{base}/bot{TOKEN}/getMe")
        assert not isinstance(e.value, TimedOut)
        with pytest.raises(NetworkError) as e:  # aiohttp spells such a URL out in its error
            await req.post(f"http://127.0.0.1:99999/bot{TOKEN}/getMe")
        assert "bot<token>/getMe" in str(e.value)
        assert TOKEN.split(":")[1] not in str(e.value) and e.value.__suppress_context__
    finally:
        await req.shutdown()


async def test_loopback_ignores_an_environment_proxy(api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{_port_mati()}"
    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(var, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with asyncio.timeout(30), serve(api) as base:
        bot = _bot(api, base)
        async with bot:
            assert (await bot.send_message(USER, "langsung")).text == "langsung"
    assert PermintaanAiohttp(f"{base}/bot")._base_url  # constructed without a loop
    jauh = PermintaanAiohttp("https://api.telegram.org/bot")
    await jauh.initialize()
    try:
        assert jauh._session is not None and jauh._session.trust_env  # a real Bot API may sit behind a proxy
    finally:
        await jauh.shutdown()


async def test_unopened_or_closed_client_says_so() -> None:
    req = PermintaanAiohttp("http://127.0.0.1:1/bot")
    with pytest.raises(RuntimeError):
        await req.do_request("http://127.0.0.1:1/botX/getMe", "POST")
    await req.initialize()
    await req.shutdown()
    with pytest.raises(RuntimeError):
        await req.do_request("http://127.0.0.1:1/botX/getMe", "POST")
    with pytest.raises(ValueError):
        PermintaanAiohttp("http://127.0.0.1:1/bot", connections=0)


def test_a_download_runs_while_it_moves_and_an_upload_gets_its_write_timeout_per_megabyte() -> None:
    req = PermintaanAiohttp("http://127.0.0.1:1/bot")
    teks = req._batas(DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, None)
    assert (teks.total, teks.connect, teks.sock_connect, teks.sock_read) == (None, 15.0, 5.0, 5.0)
    kecil = req._batas(DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, 1000)
    assert kecil.total == 10 + 5 + 5 + 20
    ekspor = req._batas(DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, 10 * 1024 * 1024 + 1)
    assert ekspor.total == 10 + 5 + 5 + 20 * 11  # a 10 MB workbook may take its 3,7 minutes
    assert req._batas(DEFAULT_NONE, None, DEFAULT_NONE, DEFAULT_NONE, 1000).total is None  # no write limit: none
    assert req._batas(2.0, 1.0, 1.0, 0.5, 1000).total == 4.5
