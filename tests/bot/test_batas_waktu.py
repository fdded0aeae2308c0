"""Conversation timeouts kept by one sweep per Application (handlers/batas_waktu.py), not a job per step."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import ConversationHandler, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.app import build_application
from bot.fakebotapi import FakeBotApi
from bot.persistence import percakapan_persisten
from bot.settings import Settings
from handlers import batas_waktu, teks
from handlers.batas_waktu import NAMA_SAPU, BatasWaktu, sapu
from storage import persistence as store
from tests.bot.harness import BotUji, bot_uji

BARU = 5560001
NANTI = 3600.0  # seconds: past every conversation's timeout (15–30 minutes)


def minta(b: BotUji) -> ConversationHandler[Any]:
    return next(h for h in percakapan_persisten(b.app) if h.name == "minta")


async def mulai(b: BotUji, tg: int) -> None:
    """Start the role request (a 15-minute conversation): the bot now asks for the unit's code."""
    b.api.add_user(tg, f"Pengguna {tg}")
    await b.kirim(tg, "/start")
    await b.tekan(tg, "minta:pimpinan")


async def test_the_sweep_ends_an_expired_conversation_once_and_tells_the_user(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await mulai(b, BARU)
        await mulai(b, BARU + 1)
        h = minta(b)
        entri = h.timeout_jobs[(BARU, BARU)]
        assert isinstance(entri, BatasWaktu)
        assert await sapu(b.app, time.monotonic()) == 0  # nobody is due yet
        sebelum = len(b.api.messages(BARU))
        assert await sapu(b.app, time.monotonic() + NANTI) == 2
        assert [m.text for m in b.api.messages(BARU)[sebelum:]] == [teks.WAKTU_HABIS]
        assert b.api.last(BARU + 1).text == teks.WAKTU_HABIS
        assert (BARU, BARU) not in h._conversations and h.timeout_jobs == {}
        assert await sapu(b.app, time.monotonic() + NANTI) == 0  # fired once
        await entri.run(b.app)  # even fired by hand again: it is no longer the conversation's entry
        assert [m.text for m in b.api.messages(BARU)[sebelum:]] == [teks.WAKTU_HABIS]
        await b.app.update_persistence()
        async with engine.connect() as conn:
            assert await store.load_all(conn, "conv:minta") == {}
        out = await b.kirim(BARU, "KUL")  # the answer to the ended question is not taken
        assert "belum terdaftar" in out[-1].text


async def test_a_step_taken_after_the_sweep_took_the_timeout_keeps_the_conversation(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await mulai(b, BARU)
        h = minta(b)
        lama = h.timeout_jobs[(BARU, BARU)]
        # The sweep takes the entry as due, and the user's next step arrives before it fires.
        diambil = h.jatuh_tempo(time.monotonic() + NANTI)  # type: ignore[attr-defined]
        assert diambil == [lama]
        out = await b.kirim(BARU, "BUKAN-UNIT")  # a wrong answer: the same step again, a new timeout
        assert teks.WAKTU_HABIS not in [m.text for m in out]
        baru_saja = h.timeout_jobs[(BARU, BARU)]
        assert baru_saja is not lama and lama.removed
        sebelum = len(b.api.messages(BARU))
        await diambil[0].run(b.app)
        assert len(b.api.messages(BARU)) == sebelum  # the stale entry did not fire
        assert h.timeout_jobs[(BARU, BARU)] is baru_saja
        # the new timeout counts from the step: not due when the old one was
        assert await sapu(b.app, baru_saja.tenggat - 1) == 0  # type: ignore[attr-defined]
        out = await b.kirim(BARU, "KUL")
        assert "sudah dikirim ke admin" in out[-1].text


async def test_one_timeout_failing_does_not_stop_the_others(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        galat: list[BaseException | None] = []

        async def catat(update: object, context: Any) -> None:
            galat.append(context.error)

        b.app.add_error_handler(catat)
        for i in range(3):
            await mulai(b, BARU + i)
        habis = next(x for x in minta(b).states[ConversationHandler.TIMEOUT] if isinstance(x, TypeHandler))
        asli = habis.callback

        async def rusak_untuk_satu(update: Any, context: Any) -> None:
            if update.effective_user.id == BARU + 1:
                raise RuntimeError("rusak")
            await asli(update, context)

        habis.callback = rusak_untuk_satu
        assert await sapu(b.app, time.monotonic() + NANTI) == 3
        assert b.api.last(BARU).text == teks.WAKTU_HABIS
        assert b.api.last(BARU + 2).text == teks.WAKTU_HABIS
        assert b.api.last(BARU + 1).text != teks.WAKTU_HABIS
        assert [type(e) for e in galat] == [RuntimeError]  # handed to the error handlers
        assert minta(b).timeout_jobs == {}


async def test_conversation_steps_add_no_scheduler_job(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        jq = b.app.job_queue
        assert jq is not None
        sebelum = {j.name for j in jq.jobs()}
        n = len(jq.jobs())
        for i in range(4):
            await mulai(b, BARU + i)
            await b.kirim(BARU + i, "BUKAN-UNIT")
        assert len(minta(b).timeout_jobs) == 4
        setelah = jq.jobs()
        assert {j.name for j in setelah} - sebelum <= {NAMA_SAPU}
        assert len(setelah) <= n + 1  # the one sweep, whatever the number of conversations and steps
        # and every conversation with a timeout is kept by the sweep
        bertimeout = [h for g in b.app.handlers.values() for h in g
                      if isinstance(h, ConversationHandler) and h.conversation_timeout]
        assert bertimeout and all(type(h).__name__ == "Percakapan" for h in bertimeout)


async def test_without_a_running_job_queue_the_timeout_is_ignored_with_a_warning(engine: AsyncEngine) -> None:
    api = FakeBotApi()
    api.add_user(BARU, "Wati")
    app = build_application(Settings(DATABASE_URL="sqlite:///unused.db"), engine, api=api, send_outbox=False,
                            kendali={"per_chat": None})
    await app.initialize()  # not started: the JobQueue does not run
    try:
        await app.process_update((await api.send_text(BARU, "/start")).to_update(app.bot))
        msg = next(m for m in reversed(api.messages(BARU)) if m.buttons)
        with pytest.warns(PTBUserWarning, match="JobQueue is not running"):
            await app.process_update((await api.press(BARU, msg.message_id, "minta:pimpinan")).to_update(app.bot))
        h = next(h for h in percakapan_persisten(app) if h.name == "minta")
        assert h._conversations.get((BARU, BARU)) is not None
        assert h.timeout_jobs == {}
        assert app.job_queue is not None and app.job_queue.jobs() == ()
    finally:
        await app.shutdown()


async def test_the_sweep_job_fires_due_timeouts_on_its_own(engine: AsyncEngine,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batas_waktu, "SAPU_DETIK", 0.05)  # read when the first conversation adds the job
    async with bot_uji(engine) as b:
        await mulai(b, BARU)
        await mulai(b, BARU + 1)
        h = minta(b)
        h.timeout_jobs[(BARU, BARU)].tenggat = time.monotonic()  # type: ignore[attr-defined]  # due now
        batas = time.monotonic() + 5
        while (BARU, BARU) in h.timeout_jobs:
            assert time.monotonic() < batas, "sapu tidak berjalan"
            await asyncio.sleep(0.02)
        await b.api.wait_idle(quiet=0.05)
        assert b.api.last(BARU).text == teks.WAKTU_HABIS
        assert (BARU, BARU) not in h._conversations
        assert (BARU + 1, BARU + 1) in h.timeout_jobs  # not due: still waiting
        assert b.api.last(BARU + 1).text != teks.WAKTU_HABIS


async def test_a_timeout_that_failed_before_firing_is_tried_again(engine: AsyncEngine,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async with bot_uji(engine) as b:
        galat: list[BaseException | None] = []

        async def catat(update: object, context: Any) -> None:
            galat.append(context.error)

        b.app.add_error_handler(catat)
        await mulai(b, BARU)
        asli = BatasWaktu.picu
        gagal = [True]

        async def picu(self: BatasWaktu) -> None:
            if gagal:
                gagal.pop()
                raise ConnectionError("basis data tidak menjawab")  # e.g. the worker guard's query
            await asli(self)

        monkeypatch.setattr(BatasWaktu, "picu", picu)
        assert await sapu(b.app, time.monotonic() + NANTI) == 1
        assert [type(e) for e in galat] == [ConnectionError]
        assert b.api.last(BARU).text != teks.WAKTU_HABIS and (BARU, BARU) in minta(b).timeout_jobs
        assert await sapu(b.app, time.monotonic() + NANTI) == 1  # the next sweep fires it
        assert b.api.last(BARU).text == teks.WAKTU_HABIS and minta(b).timeout_jobs == {}
