"""The bot core end to end: restarts, outbox faults, errors, long replies, local mode and `pantau chat`."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat import chat
from bot.fakebotapi import FakeBotApi
from bot.fakebotapi_http import create_http_app
from bot.persistence import encode_key
from bot.run import serve
from bot.settings import Settings
from handlers import kirim, teks
from handlers.teks import logistik as tl
from reports import capaian
from storage import outbox, users
from storage import persistence as store
from storage.db import create_engine
from tests.bot.harness import Jam, bot_uji, demo_tg

BARU = 5550002


async def test_restart_in_the_middle_of_a_conversation_loses_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    api = FakeBotApi()
    api.add_user(BARU, "Wati")
    async with bot_uji(engine, api=api) as b:
        await b.kirim(BARU, "/start")
        await b.tekan(BARU, "minta:pimpinan")
    await engine.dispose()
    # a new engine, a new Application and a new persistence on the same database
    engine2 = create_engine(database_url)
    async with bot_uji(engine2, api=api) as b2:
        out = await b2.kirim(BARU, "KUL")
        assert "sudah dikirim ke admin" in out[-1].text
        async with engine2.connect() as conn:
            p = await users.by_telegram_id(conn, BARU)
        assert p is not None and (p.role, p.status, p.unit_code) == ("pimpinan", "menunggu", "KUL")
        # the conversation is over: a restart does not resurrect it
    async with bot_uji(engine2, api=api) as b3:
        out = await b3.kirim(BARU, "KUL")
        assert "menunggu persetujuan" in out[-1].text
    await engine2.dispose()


async def test_a_conversation_past_its_timeout_across_a_restart_ends_at_the_next_update(database_url: str) -> None:
    """PTB's timeout jobs die with the process: the next update after a restart ends a stale conversation first."""
    jam = Jam()
    engine = create_engine(database_url)
    api = FakeBotApi()
    api.add_user(BARU, "Wati")
    api.add_user(BARU + 1, "Wito")
    async with bot_uji(engine, api=api, jam=jam) as b:
        await b.kirim(BARU, "/start")
        await b.tekan(BARU, "minta:pimpinan")  # now asked for the unit's code (a 15-minute conversation)
        await b.kirim(BARU + 1, "/start")
        await b.tekan(BARU + 1, "minta:operator")
        jam.now += dtm.timedelta(minutes=10)
        # wrong answers keep the same state; its row's time is refreshed, so the 10 minutes count from here
        out = await b.kirim(BARU + 1, "BUKAN-UNIT")
        assert "tidak dikenal" in out[-1].text.lower() or "tidak ditemukan" in out[-1].text.lower()
    await engine.dispose()
    jam.now += dtm.timedelta(minutes=8)  # Wati: 18 minutes since her last step; Wito: 8
    engine2 = create_engine(database_url)
    async with bot_uji(engine2, api=api, jam=jam) as b2:
        out = await b2.kirim(BARU, "KUL")
        assert out[0].text == teks.WAKTU_HABIS
        assert "belum paham" in out[-1].text  # "KUL" was not taken as the answer to the stale question
        async with engine2.connect() as conn:
            assert await users.by_telegram_id(conn, BARU) is None
            assert (await store.load_all(conn, "conv:minta")).keys() == {encode_key((BARU + 1, BARU + 1))}
        out = await b2.kirim(BARU + 1, "KUL")  # still inside its timeout: the answer counts
        assert "sudah dikirim ke admin" in out[-1].text
    await engine2.dispose()


async def test_a_conversation_kept_busy_on_one_step_is_not_taken_as_stale(database_url: str) -> None:
    """A step that keeps its state (a search with no match) writes no new state, yet it is activity: PTB restarts
    its timeout, and the row's time is refreshed, so neither now nor after a restart is the conversation ended."""
    jam = Jam()
    engine = create_engine(database_url)
    tg = await demo_tg(engine, "petugas")
    async with bot_uji(engine, jam=jam) as b:
        assert "Pilih TPS Anda" in (await b.kirim(tg, "/tiba"))[-1].text  # a 30-minute conversation
        for _ in range(5):  # 50 minutes on the same step
            jam.now += dtm.timedelta(minutes=10)
            out = await b.kirim(tg, "tidak-ada-tps-ini")
            assert [m.text for m in out] == [tl.TIDAK_KETEMU.format(teks="tidak-ada-tps-ini")]
    await engine.dispose()
    jam.now += dtm.timedelta(minutes=5)
    engine2 = create_engine(database_url)
    async with bot_uji(engine2, jam=jam) as b2:
        out = await b2.kirim(tg, "tidak-ada-tps-ini")
        assert [m.text for m in out] == [tl.TIDAK_KETEMU.format(teks="tidak-ada-tps-ini")]  # not "Sesi ini berakhir"
    await engine2.dispose()


async def test_batal_ends_a_conversation_and_outside_one_says_so(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.api.add_user(BARU, "Wati")
        await b.kirim(BARU, "/start")
        await b.tekan(BARU, "minta:operator")
        out = await b.kirim(BARU, "/batal")
        assert "Dibatalkan" in out[-1].text
        out = await b.kirim(BARU, "KUL")
        assert "belum terdaftar" in out[-1].text
        out = await b.kirim(await demo_tg(engine, "operator"), "/batal")
        assert "Tidak ada proses" in out[-1].text


async def test_outbox_429_and_500_during_sending_no_duplicate_no_loss(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        admin = await demo_tg(engine, "admin")
        for i in range(3):
            async with engine.begin() as conn:
                await outbox.enqueue(conn, key=f"uji:{i}", chat_id=admin, text=f"pesan {i}", kind="info",
                                     now=b.jam.now)
        b.api.fail_next("sendMessage", 429, retry_after=2)
        await b.kirim_outbox()
        b.jam.now += __import__("datetime").timedelta(seconds=3)
        b.api.fail_next("sendMessage", 500)
        for _ in range(6):
            await b.kirim_outbox()
            b.jam.now += __import__("datetime").timedelta(seconds=5)
        texts = [m.text for m in b.api.messages(admin)]
        assert sorted(texts) == ["pesan 0", "pesan 1", "pesan 2"]
        async with engine.connect() as conn:
            assert (await outbox.counts(conn)).get("terkirim") == 3


async def test_error_handler_tells_user_logs_and_alerts_admins_once_per_hour(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def boom(*a: object, **k: object) -> None:
        raise RuntimeError("uji galat")

    monkeypatch.setattr(capaian, "build", boom)
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        admin = await demo_tg(engine, "admin")
        with caplog.at_level(logging.ERROR, logger="pantau.galat"):
            out1 = await b.kirim(tg, "/capaian")
            out2 = await b.kirim(tg, "/capaian")
        assert "Kode rujukan" in out1[-1].text and "Kode rujukan" in out2[-1].text
        kode = out1[-1].text.rsplit(" ", 1)[1]
        assert any(kode in r.getMessage() and "uji galat" in r.getMessage() for r in caplog.records)
        assert await b.kirim_outbox() == 1  # two errors of one kind in one hour: one alert
        assert "RuntimeError" in b.api.last(admin).text


def test_long_replies_are_split_never_truncated() -> None:
    text = "\n".join(f"baris {i} " + "x" * 50 for i in range(300))
    parts = kirim.potong(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    joined = "\n".join(p.rsplit("\n", 1)[0] for p in parts)
    assert joined == text
    assert parts[-1].endswith(f"(bersambung {len(parts)}/{len(parts)})")
    one = "y" * 10000  # one line longer than a message
    assert "".join(p.rsplit("\n", 1)[0] for p in kirim.potong(one)) == one
    assert kirim.potong("pendek") == ["pendek"]


async def test_capaian_reply_fits_telegram(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        out = await b.kirim(await demo_tg(engine, "pimpinan"), "/capaian 2024")
        assert all(len(m.content) <= 4096 for m in out)
        assert "IK3b" in "".join(m.content for m in out) and "Proses" in "".join(m.content for m in out)
        out = await b.kirim(await demo_tg(engine, "pimpinan"), "/capaian 2024 V")
        assert "Triwulan" in out[-1].content or "tidak" in out[-1].content.lower()


async def test_pantau_chat_in_the_terminal(database_url: str, tmp_path: Path) -> None:
    script = iter(["/start\n", "/logistik\n", "#99\n", "/keluar\n"])
    out = io.StringIO()
    settings = Settings(DATABASE_URL=database_url)
    rc = await chat(settings, "pimpinan", lines=lambda: next(script, ""), out=out, files=tmp_path)
    text = out.getvalue()
    assert rc == 0
    assert "Mode lokal: Anda adalah Sekretaris Demo" in text
    assert "bot> Selamat datang, Sekretaris Demo" in text
    # The real clock is long past the demo's 2024 election: /logistik says none runs.
    assert "tidak ada pemilihan yang sedang berjalan" in text
    assert "tidak ada tombol dengan nomor itu" in text
    rc = await chat(settings, "siapa", lines=lambda: "", out=out)
    assert rc == 2


async def test_pantau_chat_as_a_new_account_walks_registration(database_url: str, tmp_path: Path) -> None:
    script = iter(["/start\n", "#2\n", "KUL-UML\n", "/keluar\n"])
    out = io.StringIO()
    rc = await chat(Settings(DATABASE_URL=database_url), None, lines=lambda: next(script, ""), out=out,
                    files=tmp_path)
    text = out.getvalue()
    assert rc == 0 and "Anda adalah Pengguna Baru (belum terdaftar)" in text
    assert "[#1 Pimpinan]  [#2 Operator]  [#3 Petugas TPS]" in text
    assert "Permintaan akses sebagai Operator sudah dikirim ke admin" in text
    eng = create_engine(database_url)
    async with eng.connect() as conn:
        baru = [u for u in await users.list_users(conn, status="menunggu") if u.name == "Pengguna Baru"]
    await eng.dispose()
    assert len(baru) == 1 and baru[0].role == "operator" and baru[0].unit_code == "KUL-UML"


async def test_each_chat_session_keeps_its_files_apart(database_url: str, tmp_path: Path) -> None:
    settings = Settings(DATABASE_URL=database_url)
    berkas = tmp_path / "chat-files"
    for detik in (1, 2):
        script = iter(["/anggaran 2024\n", "/keluar\n"])
        await chat(settings, "pimpinan", lines=lambda s=script: next(s, ""), out=io.StringIO(), files=berkas,
                   now=dtm.datetime(2026, 12, 7, 10, 0, detik, tzinfo=dtm.UTC))
    sesi = sorted(p.name for p in berkas.iterdir())
    assert sesi == ["20261207-100001-pimpinan", "20261207-100002-pimpinan"]
    assert all(any(p.suffix == ".png" for p in (berkas / s).iterdir()) for s in sesi)  # neither overwrote


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    for var in ("TELEGRAM_BOT_TOKEN", "PANTAU_WEBHOOK_URL", "TELEGRAM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    yield


async def _wait_health(port: int) -> dict[str, str]:
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(100):
            try:
                r = await client.get(f"http://127.0.0.1:{port}/health")
                return dict(r.json())
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise AssertionError("web server did not start")


@pytest.mark.usefixtures("clean_env")
async def test_run_in_local_mode_serves_health_and_stops_cleanly(database_url: str) -> None:
    port = _free_port()
    settings = Settings(DATABASE_URL=database_url, PANTAU_WEB_PORT=port)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop))
    health = await _wait_health(port)
    assert health == {"status": "ok", "basis_data": "ok", "mode": "lokal"}
    stop.set()
    await asyncio.wait_for(task, 15)


@pytest.mark.usefixtures("clean_env")
async def test_run_with_a_token_talks_to_the_configured_bot_api_and_never_logs_the_token(
        database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    token = "123456789:RAHASIA-token-yang-tidak-boleh-bocor"
    api = FakeBotApi(token=token)
    tg = 910002
    api.add_user(tg, "Sekretaris")
    api_port, web_port = _free_port(), _free_port()
    server = uvicorn.Server(uvicorn.Config(create_http_app(api), host="127.0.0.1", port=api_port, log_config=None,
                                           lifespan="off"))
    api_task = asyncio.create_task(server.serve())
    settings = Settings(DATABASE_URL=database_url, PANTAU_WEB_PORT=web_port, TELEGRAM_BOT_TOKEN=token,
                        TELEGRAM_BASE_URL=f"http://127.0.0.1:{api_port}/bot")
    stop = asyncio.Event()
    from bot import logs

    logs.setup([token], level=logging.DEBUG)
    try:
        task = asyncio.create_task(serve(settings, stop=stop))
        assert (await _wait_health(web_port))["mode"] == "polling"
        await api.send_text(tg, "/start")
        await api.wait_for_messages(tg, 1, timeout=10)
        assert "Selamat datang" in api.last(tg).text
        logging.getLogger("pantau.uji").info("url https://api.telegram.org/bot%s/getMe", token)
        stop.set()
        await asyncio.wait_for(task, 15)
    finally:
        logging.getLogger().handlers.clear()
        api.release_pollers()
        server.should_exit = True
        await api_task
    err = capsys.readouterr().err
    assert "bot siap: @pantau_demo_bot" in err and "Pantau berjalan (mode polling)" in err
    assert "bot[RAHASIA]/getMe" in err and token not in err


async def test_flooding_user_gets_one_polite_message_and_others_are_unaffected(engine: AsyncEngine) -> None:
    async with bot_uji(engine, laju=(20, 10.0)) as b:
        tg = await demo_tg(engine, "pimpinan")
        other = await demo_tg(engine, "admin")
        replies = []
        for _ in range(25):  # all within the same instant of the test clock
            replies += await b.kirim(tg, "/profil")
        texts = [m.content for m in replies]
        assert texts.count("Terlalu banyak pesan dalam waktu singkat. Tunggu beberapa detik, lalu coba lagi.") == 1
        assert sum("Nama: Sekretaris Demo" in t for t in texts) == 20
        assert "Nama: Admin Demo" in (await b.kirim(other, "/profil"))[-1].content
        b.jam.now += __import__("datetime").timedelta(seconds=11)
        assert "Nama: Sekretaris Demo" in (await b.kirim(tg, "/profil"))[-1].content
