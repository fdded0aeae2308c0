"""Two webhook workers on one database: each update once, one user's steps in order, the conversation shared.

Each worker is a real Application with its own engine, persistence and web app (as two `pantau run` processes
would have), serving the webhook over ASGI; Telegram is the in-process fake Bot API. The two-worker tests need
PostgreSQL (PANTAU_TEST_POSTGRES_URL): SQLite serves one worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, Update
from telegram.ext import ConversationHandler

from bot.app import PantauApp, build_application, running
from bot.fakebotapi import FakeBotApi, FakeRequest, UpdateDict
from bot.outbox import OutboxSender
from bot.partisi import JUMLAH_PARTISI, SESI_TCP, PemilikPartisi, partisi_dari
from bot.pekerja import PekerjaUpdateProcessor, kunci_mentah, kunci_mulai, percakapan_persisten
from bot.run import webhook_secret
from bot.settings import Settings
from bot.updates import kunci
from bot.web import WEBHOOK_PATH, create_web_app
from handlers import teks
from handlers.batas_waktu import sapu
from storage import org, outbox, pembaruan
from storage import tables as t
from storage.db import KUNCI_PARTISI, autocommit, create_engine
from tests.bot.harness import Jam

H_MIN_1 = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)  # Selasa, 26 November 2024 pukul 10.00 WIB
PETUGAS = 910007
SECRET = webhook_secret("123456789:UJI-skala")


@pytest.fixture
def pg_url(database_url: str) -> str:
    """The PostgreSQL one of the test databases: partitions, their table and two workers exist only there (set
    PANTAU_TEST_POSTGRES_URL); on SQLite the test is skipped."""
    if not database_url.startswith("postgresql"):
        pytest.skip("partisi dan dua pekerja butuh PostgreSQL: set PANTAU_TEST_POSTGRES_URL")
    return database_url


class Pekerja:
    """One worker: its Application, engine and webhook client."""

    def __init__(self, nama: str, app: PantauApp, engine: AsyncEngine, client: httpx.AsyncClient) -> None:
        self.nama, self.app, self.engine, self.client = nama, app, engine, client
        self.diterima = 0

    async def kirim(self, upd: UpdateDict) -> None:
        """Deliver an update to this worker's webhook, as Telegram does."""
        r = await self.client.post(WEBHOOK_PATH, json=dict(upd), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert r.status_code == 200
        self.diterima += 1

    @property
    def partisi(self) -> PemilikPartisi:
        proses = self.app.update_processor
        assert isinstance(proses, PekerjaUpdateProcessor)
        return proses.partisi

    def sibuk(self) -> bool:
        """Whether an update is being taken from the table, queued or being processed."""
        return (self.partisi.mengambil or not self.app.update_queue.empty()
                or self.app.update_processor.current_concurrent_updates > 0)


@contextlib.asynccontextmanager
async def pekerja(url: str, api: FakeBotApi, jam: Jam, nama: str) -> AsyncIterator[Pekerja]:
    """A started worker in webhook (worker) mode on the database at url."""
    engine = create_engine(url)
    app = build_application(Settings(DATABASE_URL=url), engine, api=api, clock=jam, send_outbox=False, pekerja=True)
    app.bot_data["layanan"].laju = (100_000, 10.0)
    web = create_web_app(app, mode="webhook", webhook_secret=SECRET)
    try:
        async with contextlib.AsyncExitStack() as stack:
            async with kunci_mulai(engine):  # as in `pantau run`: start-up one worker at a time
                await stack.enter_async_context(running(app))
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://pekerja"))
            yield Pekerja(nama, app, engine, client)
    finally:
        await engine.dispose()


async def tenang(api: FakeBotApi, *workers: Pekerja) -> None:
    """Wait until no forwarded update waits in the table, every worker has handled what it has and the Bot API is
    quiet."""
    deadline = time.monotonic() + 10
    while True:
        async with workers[0].engine.connect() as conn:
            antre = await pembaruan.jumlah_antrean(conn)
        if not antre and not any(w.sibuk() for w in workers):
            break
        assert time.monotonic() < deadline, "pekerja tidak selesai"
        await asyncio.sleep(0.005)
    await api.wait_idle(quiet=0.01)


async def seimbang(*workers: Pekerja) -> None:
    """Wait until the workers own every partition between them, an equal share each."""
    deadline = time.monotonic() + 10
    while True:
        milik = [w.partisi.milik for w in workers]
        if sum(map(len, milik)) == JUMLAH_PARTISI == len(set().union(*milik)) and \
                max(map(len, milik)) - min(map(len, milik)) <= 1:
            return
        assert time.monotonic() < deadline, f"partisi tidak seimbang: {[len(m) for m in milik]}"
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def dua_pekerja(url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeBotApi, Pekerja, Pekerja]]:
    """Two workers balancing every 0,2 s, each having seen who holds what, and the officer: (the fake Telegram, the
    officer's owner, the other worker)."""
    from bot import partisi

    monkeypatch.setattr(partisi, "SEIMBANG_DETIK", 0.2)
    api, jam = FakeBotApi(), Jam(H_MIN_1)
    api.add_user(PETUGAS, "Petugas Demo")
    async with pekerja(url, api, jam, "A") as a, pekerja(url, api, jam, "B") as b:
        await seimbang(a, b)
        await asyncio.sleep(0.5)  # a balance or two more
        yield (api, a, b) if partisi_dari(PETUGAS) in a.partisi.milik else (api, b, a)


def pemilik(p: int, *workers: Pekerja) -> Pekerja:
    return next(w for w in workers if p in w.partisi.milik)


async def mati(w: Pekerja) -> None:
    """The worker's session ends and the worker keeps its hands off from here on, as a killed one would."""
    w.partisi.aktif = False
    for tugas in w.partisi._tugas:
        tugas.cancel()
    await w.partisi._putus()


async def basis_data_diam(*_: Any, **__: Any) -> Any:
    """A stand-in for a storage call while the database does not answer."""
    raise OSError("basis data tidak menjawab")


def keyboard_id(api: FakeBotApi, tg: int) -> int:
    return next(m.message_id for m in reversed(api.messages(tg)) if m.buttons)


async def tps_petugas(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return [x.id for x in await org.list_tps(conn, kabkota="KAB-1771", limit=3)]


async def laporan(engine: AsyncEngine, tps_id: int) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports)
                                       .where(t.arrival_reports.c.tps_id == tps_id))).scalar_one())


def langkah_tiba(api: FakeBotApi, tg: int, tps_id: int) -> list[Any]:
    """The steps of a whole /tiba report, each a coroutine factory creating the user's update."""
    return [
        lambda: api.send_text(tg, "/tiba"),
        lambda: api.press(tg, keyboard_id(api, tg), f"tb:tps:{tps_id}"),
        lambda: api.press(tg, keyboard_id(api, tg), "tb:ok"),
        lambda: api.press(tg, keyboard_id(api, tg), "tb:moda:PICKUP"),
        lambda: api.press(tg, keyboard_id(api, tg), "tb:kini"),
        lambda: api.send_photo(tg, file_id="foto-skala"),
        lambda: api.press(tg, keyboard_id(api, tg), "tb:kirim"),
    ]


# --- two workers -----------------------------------------------------------------------------------------------


async def test_two_workers_share_one_conversation_and_handle_each_update_once(pg_url: str) -> None:
    api, jam = FakeBotApi(), Jam(H_MIN_1)
    api.add_user(PETUGAS, "Petugas Demo")
    async with pekerja(pg_url, api, jam, "A") as a, pekerja(pg_url, api, jam, "B") as b:
        await seimbang(a, b)
        for w in (a, b):  # each says its share
            assert (await w.client.get("/health")).json()["partisi"] == JUMLAH_PARTISI // 2
        tps = (await tps_petugas(a.engine))[0]
        ids = []
        for i, buat in enumerate(langkah_tiba(api, PETUGAS, tps)):
            upd = await buat()
            ids.append(upd.update_id)
            pertama, kedua = (a, b) if i % 2 == 0 else (b, a)
            # Every step goes to one worker, and Telegram's redelivery of it to the other at the same time.
            await asyncio.gather(pertama.kirim(upd), kedua.kirim(upd))
            await tenang(api, a, b)
        akhir = api.last(PETUGAS).text or ""
        assert "Nomor tanda terima" in akhir, akhir
        assert await laporan(a.engine, tps) == 1
        # every press was answered exactly once, though both workers received it
        queries = [c.params["callback_query_id"] for c in api.calls_to("answerCallbackQuery")]
        assert len(queries) == len(set(queries)) == 5  # tps, ok, moda, kini, kirim
        async with a.engine.connect() as conn:
            rows = (await conn.execute(sa.select(t.processed_updates.c.update_id, t.processed_updates.c.user_id)
                                       .order_by(t.processed_updates.c.update_id))).all()
            conv = (await conn.execute(sa.select(sa.func.count()).select_from(t.bot_persistence)
                                       .where(t.bot_persistence.c.kind == "conv:tiba"))).scalar_one()
        assert [r.update_id for r in rows] == ids and {r.user_id for r in rows} == {PETUGAS}
        async with a.engine.connect() as conn:
            diteruskan = (await conn.execute(sa.select(sa.func.count()).select_from(t.processed_updates).where(
                t.processed_updates.c.isi.is_not(None)))).scalar_one()
        assert 0 < diteruskan < len(ids)  # what reached the other worker went to the owner through the table
        assert conv == 0  # the conversation ended, in the database and for both workers
        # a second report starts cleanly on either worker: neither holds a stale state
        await b.kirim(await api.send_text(PETUGAS, "/tiba"))
        await tenang(api, a, b)
        assert "TPS" in (api.last(PETUGAS).text or "")


async def test_a_user_moves_with_the_partition_and_a_stale_timeout_gives_way(pg_url: str) -> None:
    api, jam = FakeBotApi(), Jam(H_MIN_1)
    api.add_user(PETUGAS, "Petugas Demo")

    def job(w: Pekerja) -> Any:
        h = next(h for h in percakapan_persisten(w.app) if h.name == "tiba")
        return h.timeout_jobs.get((PETUGAS, PETUGAS))

    async with pekerja(pg_url, api, jam, "A") as a:
        await seimbang(a)  # alone, A owns every user
        tps = (await tps_petugas(a.engine))[0]
        langkah = langkah_tiba(api, PETUGAS, tps)
        for i in (0, 1):  # /tiba and the TPS on A: A sets the timeout; the report waits to be checked ("periksa")
            await a.kirim(await langkah[i]())
            await tenang(api, a)
        periksa = keyboard_id(api, PETUGAS)
        async with pekerja(pg_url, api, jam, "B") as b:
            await seimbang(a, b)  # B came: A gave up its upper half of the partitions, this user's among them
            assert partisi_dari(PETUGAS) >= JUMLAH_PARTISI // 2 and pemilik(partisi_dari(PETUGAS), a, b) is b
            assert job(a) is not None and job(b) is None
            # A's sweep fires A's timeout before the user does anything more: A no longer owns the user (no newer
            # update tells it so), so it gives way; the conversation stays as it stood, for B
            before = len(api.messages(PETUGAS))
            assert await sapu(a.app, time.monotonic() + 3600) == 1
            assert job(a) is None and len(api.messages(PETUGAS)) == before
            await a.kirim(await langkah[2]())  # "benar", to the worker that lost the user: forwarded to B
            await tenang(api, a, b)
            assert job(b) is not None
            async with a.engine.connect() as conn:
                assert await conn.scalar(sa.select(t.bot_persistence.c.data).where(
                    t.bot_persistence.c.kind == "conv:tiba")) == "moda"  # B went on from where A stood
            assert await sapu(b.app, time.monotonic() + 3600) == 1  # B's is real: told, and the conversation ends
            await tenang(api, a, b)
            assert teks.WAKTU_HABIS in (api.last(PETUGAS).text or "")
        # B left: A takes its partitions back, and with them the user, whose state A reads first: in A's memory the
        # report still waits to be checked, in the database the conversation ended. "Benar" again is stale.
        await seimbang(a)
        await a.kirim(await api.press(PETUGAS, periksa, "tb:ok"))
        await tenang(api, a)
        assert api.callback_answers[-1].text == teks.KEDALUWARSA
        async with a.engine.connect() as conn:
            assert await conn.scalar(sa.select(sa.func.count()).select_from(t.bot_persistence).where(
                t.bot_persistence.c.kind == "conv:tiba")) == 0


async def test_updates_forwarded_to_a_worker_that_died_are_handled_by_the_next_owner(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with dua_pekerja(pg_url, monkeypatch) as (api, pemilik_, lain):
        # The owner's session ends without a word (as when its process is killed): its locks go with it, but it is
        # not listening any more either, so an update forwarded now waits in the table.
        await mati(pemilik_)
        await lain.kirim(await api.send_text(PETUGAS, "/profil"))
        # The other worker counts one live worker at its next balance, takes every partition and the waiting update
        await asyncio.sleep(0.1)
        assert not api.messages(PETUGAS)  # nobody owns the user for now
        await seimbang(lain)
        await tenang(api, lain)
        assert len(api.messages(PETUGAS)) == 1
        async with lain.engine.connect() as conn:
            assert await pembaruan.jumlah_antrean(conn) == 0


PERINTAH = ("/profil", "/batal", "/start")  # three steps with different answers


async def jawaban_sendiri(api: FakeBotApi, w: Pekerja, *workers: Pekerja) -> list[list[str | None]]:
    """What each of PERINTAH answers on its own, in turn (one user, through the worker w)."""
    jawaban = []
    for perintah in PERINTAH:
        sebelum = len(api.messages(PETUGAS))
        await w.kirim(await api.send_text(PETUGAS, perintah))
        await tenang(api, *workers)
        jawaban.append([m.text for m in api.messages(PETUGAS)[sebelum:]])
    assert all(jawaban) and len({tuple(j) for j in jawaban}) == len(PERINTAH)
    return jawaban


@contextlib.asynccontextmanager
async def jawaban_dua_pekerja(url: str, monkeypatch: pytest.MonkeyPatch
                              ) -> AsyncIterator[tuple[FakeBotApi, Pekerja, Pekerja, list[list[str | None]], int]]:
    """dua_pekerja, with what each of PERINTAH answers on its own and how many messages the officer has then."""
    async with dua_pekerja(url, monkeypatch) as (api, pemilik_, lain):
        jawaban = await jawaban_sendiri(api, pemilik_, pemilik_, lain)
        yield api, pemilik_, lain, jawaban, len(api.messages(PETUGAS))


def ambil_tertahan(monkeypatch: pytest.MonkeyPatch, p: int) -> asyncio.Event:
    """From now on a take from the table that includes partition p waits for the returned gate."""
    gerbang = asyncio.Event()
    asli = pembaruan.ambil_antrean

    async def ambil_lambat(conn: Any, partisi: Any, **kw: Any) -> Any:
        if p in partisi:
            await gerbang.wait()
        return await asli(conn, partisi, **kw)

    monkeypatch.setattr(pembaruan, "ambil_antrean", ambil_lambat)
    return gerbang


async def test_an_update_reaching_the_new_owner_directly_waits_for_those_forwarded_before_the_handover(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with jawaban_dua_pekerja(pg_url, monkeypatch) as (api, pemilik_, lain, jawaban, awal):
        p = partisi_dari(PETUGAS)
        # The owner dies: the user's first step reaches the other worker and waits in the table
        await mati(pemilik_)
        gerbang = ambil_tertahan(monkeypatch, p)  # the new owner's first take of the partition is slow
        await lain.kirim(await api.send_text(PETUGAS, PERINTAH[0]))
        deadline = time.monotonic() + 10
        while not (lain.partisi.memiliki(p) and lain.partisi.mengambil):
            assert time.monotonic() < deadline, "partisi tidak diambil alih"
            await asyncio.sleep(0.01)
        # The second step reaches the new owner directly while the first still waits in the table; the third is
        # forwarded by a worker that did not know yet (it waits in the table behind the first)
        await lain.kirim(await api.send_text(PETUGAS, PERINTAH[1]))
        ketiga = await api.send_text(PETUGAS, PERINTAH[2])
        async with autocommit(lain.engine) as conn:
            assert await pembaruan.teruskan(conn, ketiga.update_id, PETUGAS, partisi=p, isi=json.dumps(dict(ketiga)),
                                            now=datetime.now(UTC))
        await asyncio.sleep(0.3)
        assert len(api.messages(PETUGAS)) == awal  # nothing overtook the first step
        gerbang.set()
        await tenang(api, lain)
        # all answered, in the user's order
        assert [m.text for m in api.messages(PETUGAS)][awal:] == [t for j in jawaban for t in j]


async def test_an_update_reaching_its_owner_directly_waits_for_one_forwarded_just_before(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with jawaban_dua_pekerja(pg_url, monkeypatch) as (api, pemilik_, lain, jawaban, awal):
        p = partisi_dari(PETUGAS)
        # No handover: the first step reaches the other worker and is forwarded; the owner is slow to take it (its
        # notification late, a take of many rows) when the second step reaches the owner directly
        gerbang = ambil_tertahan(monkeypatch, p)
        await lain.kirim(await api.send_text(PETUGAS, PERINTAH[0]))
        await pemilik_.kirim(await api.send_text(PETUGAS, PERINTAH[1]))
        await asyncio.sleep(0.3)
        assert len(api.messages(PETUGAS)) == awal  # the second did not overtake the first
        gerbang.set()
        await tenang(api, pemilik_, lain)
        assert [m.text for m in api.messages(PETUGAS)][awal:] == [t for j in jawaban[:2] for t in j]
        # and with nothing waiting, a direct step is handled at once
        await pemilik_.kirim(await api.send_text(PETUGAS, PERINTAH[2]))
        await api.wait_for(lambda: len(api.messages(PETUGAS)) > awal + len(jawaban[0]) + len(jawaban[1]), timeout=2)


async def test_a_forwarded_update_wakes_its_owner_at_once(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import partisi

    async with dua_pekerja(pg_url, monkeypatch) as (api, _pemilik, lain):
        monkeypatch.setattr(partisi, "SEIMBANG_DETIK", 60.0)  # no balance (and no look at the table) for a minute
        await asyncio.sleep(0.5)
        mulai = time.monotonic()
        await lain.kirim(await api.send_text(PETUGAS, "/profil"))  # forwarded: the owner hears it on its channel
        await api.wait_for(lambda: bool(api.messages(PETUGAS)), timeout=5)
        assert time.monotonic() - mulai < 2


async def test_a_worker_whose_session_ends_gives_its_users_up_and_takes_a_share_again(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with dua_pekerja(pg_url, monkeypatch) as (api, pemilik_, lain):
        p = partisi_dari(PETUGAS)
        # PostgreSQL ends the owner's session (a restart, an administrator): its locks are gone at once, but the
        # worker owns its partitions until its lease runs out, so the other must not take them before then
        sesi_lama = pemilik_.partisi._apg
        async with lain.engine.connect() as conn:
            pid = await conn.scalar(sa.text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :k AND objid = :p AND granted"),
                {"k": KUNCI_PARTISI, "p": p})
            assert await conn.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        lain.partisi._perlu_seimbang.set()
        await asyncio.sleep(0.1)
        assert p not in lain.partisi.milik  # within its owner's time to notice
        # The worker finds out, gives everything up, reconnects and takes a share again; at no moment do both own
        # the user.
        deadline = time.monotonic() + 10
        while pemilik_.partisi._apg in (None, sesi_lama) or p not in pemilik_.partisi.milik | lain.partisi.milik:
            assert not (lain.partisi.memiliki(p) and pemilik_.partisi.memiliki(p)), "dua pekerja memegang pengguna"
            assert time.monotonic() < deadline, "pekerja tidak tersambung lagi"
            await asyncio.sleep(0.005)
        await seimbang(pemilik_, lain)
        for w in (pemilik_, lain):
            await w.kirim(await api.send_text(PETUGAS, "/profil"))
        await tenang(api, pemilik_, lain)
        assert len(api.messages(PETUGAS)) == 2
        async with lain.engine.connect() as conn:
            assert await pembaruan.jumlah_antrean(conn) == 0


async def test_a_partition_is_given_up_only_after_its_running_updates_finished(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(pg_url)
    ditulis: list[str] = []

    async def simpan() -> None:
        ditulis.append("simpan")

    diserahkan: list[str] = []

    def terima(update_id: int, p: int, isi: str) -> None:  # a forwarded update, taken from the table
        diserahkan.append(isi)

    def taruh(update: str) -> None:  # one received directly
        diserahkan.append(update)
        pemilik_.selesai(100)

    pemilik_ = PemilikPartisi(engine, terima, simpan, taruh)

    async def dipegang() -> set[int]:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                              "AND classid = :k"), {"k": KUNCI_PARTISI})
            return {int(r[0]) for r in rows}

    try:
        await pemilik_.mulai()
        deadline = time.monotonic() + 10
        while len(pemilik_.milik) < JUMLAH_PARTISI:  # a new session waits out a lease before taking anything
            assert time.monotonic() < deadline, "partisi tidak diambil"
            await asyncio.sleep(0.05)
        assert pemilik_.milik == set(range(JUMLAH_PARTISI)) == await dipegang()
        # the server gives up on the session of a worker whose machine went silent within seconds
        pengaturan = [(await pemilik_._sql(f"SHOW {nama}"))[0][0] for nama in SESI_TCP]
        assert pengaturan == list(SESI_TCP.values())
        pemilik_.pesan(5)  # an update of partition 5 on its way ...
        pemilik_.jalan(99, 5)
        lepas = asyncio.create_task(pemilik_._lepas([5]))
        await asyncio.sleep(0.2)
        assert not pemilik_.memiliki(5)  # new updates of partition 5 are forwarded from now on ...
        assert not lepas.done() and 5 in await dipegang() and ditulis == []  # ... but it is not given up yet
        pemilik_.selesai(99)
        await asyncio.wait_for(lepas, 2)
        assert ditulis == ["simpan"] and 5 not in await dipegang()
        # An update received directly while partition 6's forwarded backlog is not taken yet waits behind it; when
        # the partition is given up first, its backlog is taken and handled here, then the held update, then the
        # partition goes
        async with autocommit(engine) as conn:
            await pembaruan.teruskan(conn, 98, PETUGAS, partisi=6, isi="pembaruan 98", now=datetime.now(UTC))
        pemilik_.tahan(6)
        pemilik_.pesan(6)
        pemilik_.serahkan(100, 6, "pembaruan 100")
        assert diserahkan == []
        await asyncio.wait_for(pemilik_._lepas([6]), 2)
        assert diserahkan == ["pembaruan 98", "pembaruan 100"] and 6 not in await dipegang()
        # When that backlog cannot be taken as the partition goes, what was held behind it goes back to the table
        # behind it, for the next owner
        asli = pembaruan.ambil_antrean

        monkeypatch.setattr(pembaruan, "ambil_antrean", basis_data_diam)  # no take works from here on
        async with autocommit(engine) as conn:
            await pembaruan.teruskan(conn, 102, PETUGAS, partisi=4, isi="pembaruan 102", now=datetime.now(UTC))
            assert await pembaruan.catat_di_partisi(conn, 103, PETUGAS, partisi=4, now=datetime.now(UTC)) == (
                True, True)
        pemilik_.tahan(4)
        pemilik_.pesan(4)
        pemilik_.serahkan(103, 4, "pembaruan 103", b"isi 103")
        await asyncio.wait_for(pemilik_._lepas([4]), 2)
        monkeypatch.setattr(pembaruan, "ambil_antrean", asli)
        assert diserahkan == ["pembaruan 98", "pembaruan 100"] and 4 not in await dipegang()
        async with autocommit(engine) as conn:
            assert await pembaruan.ambil_antrean(conn, [4]) == [(102, 4, "pembaruan 102"), (103, 4, "isi 103")]
        await pemilik_.berhenti()  # stopping gives every partition up
        assert await dipegang() == set() and not pemilik_.milik
    finally:
        await pemilik_.berhenti()
        await engine.dispose()


async def test_updates_held_behind_a_backlog_go_back_to_the_table_when_the_session_is_lost(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(pg_url)
    diserahkan: list[str] = []
    pemilik_ = PemilikPartisi(engine, lambda *_: None, taruh=diserahkan.append)
    now = datetime.now(UTC)

    async def terima_langsung(update_id: int, p: int) -> None:
        async with autocommit(engine) as conn:  # recorded by the webhook, as in terima_webhook
            assert await pembaruan.catat_di_partisi(conn, update_id, PETUGAS, partisi=p, now=now) == (True, False)
        pemilik_.milik.add(p)
        pemilik_.tahan(p)  # p just came here: its forwarded backlog is not taken yet
        pemilik_.pesan(p)
        pemilik_.serahkan(update_id, p, f"pembaruan {update_id}", f'{{"update_id": {update_id}}}'.encode())

    try:
        await terima_langsung(101, 7)
        assert diserahkan == []
        await pemilik_._putus()  # the session is gone before the take: the next owner handles it, in order
        assert diserahkan == [] and not pemilik_.milik and not pemilik_._jalan
        async with autocommit(engine) as conn:
            assert await pembaruan.ambil_antrean(conn, [7]) == [(101, 7, '{"update_id": 101}')]

        monkeypatch.setattr(pembaruan, "kembalikan", basis_data_diam)
        await terima_langsung(102, 8)
        await pemilik_._putus()  # and when the table cannot take it back, it is handled here rather than lost
        assert diserahkan == ["pembaruan 102"]
    finally:
        await engine.dispose()


async def test_the_owners_record_of_an_update_says_whether_forwarded_ones_of_its_partition_wait(
        pg_url: str) -> None:
    engine = create_engine(pg_url)
    now = datetime.now(UTC)
    try:
        async with autocommit(engine) as conn:
            assert await pembaruan.teruskan(conn, 5001, 1, partisi=3, isi="a", now=now)
            assert await pembaruan.catat_di_partisi(conn, 5002, 1, partisi=3, now=now) == (True, True)
            assert await pembaruan.catat_di_partisi(conn, 5002, 1, partisi=3, now=now) == (False, False)  # again
            assert await pembaruan.catat_di_partisi(conn, 5003, 2, partisi=4, now=now) == (True, False)
            assert await pembaruan.catat_di_partisi(conn, 5000, 1, partisi=3, now=now) == (True, False)  # older
            assert await pembaruan.ambil_antrean(conn, [3]) == [(5001, 3, "a")]
            assert await pembaruan.catat_di_partisi(conn, 5004, 1, partisi=3, now=now) == (True, False)  # taken
            assert await pembaruan.kembalikan(conn, 5004, partisi=3, isi="b")
            assert await pembaruan.ambil_antrean(conn, [3]) == [(5004, 3, "b")]
            assert not await pembaruan.kembalikan(conn, 9999, partisi=3, isi="c")  # no such record
    finally:
        await engine.dispose()


async def test_a_worker_stuck_giving_up_a_partition_still_stops_owning_when_its_session_ends(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import partisi

    monkeypatch.setattr(partisi, "SEIMBANG_DETIK", 0.2)
    e1, e2 = create_engine(pg_url), create_engine(pg_url)
    a, b = PemilikPartisi(e1, lambda *_: None), PemilikPartisi(e2, lambda *_: None)
    try:
        await a.mulai()
        deadline = time.monotonic() + 10
        while len(a.milik) < JUMLAH_PARTISI:
            assert time.monotonic() < deadline, "partisi tidak diambil"
            await asyncio.sleep(0.02)
        a.pesan(JUMLAH_PARTISI - 1)  # an update that does not finish, in a partition A will give up
        a.jalan(99, JUMLAH_PARTISI - 1)
        await b.mulai()  # B comes: A gives up half, and waits for that update
        while a.memiliki(JUMLAH_PARTISI - 2) or len(b.milik) < JUMLAH_PARTISI // 2 - 1:
            assert time.monotonic() < deadline + 10, "B tidak mendapat bagian"
            await asyncio.sleep(0.02)
        assert a._jalan  # still waiting: A's balance is busy giving up the last one
        async with e2.connect() as conn:
            pid = await conn.scalar(sa.text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :k AND objid = 0 AND granted"),
                {"k": KUNCI_PARTISI})
            assert await conn.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        await asyncio.sleep(0.5)  # longer than the lease
        assert not a.memiliki(0)  # A no longer owns anything, though its balance has not come round
        a.selesai(99)
    finally:
        await a.berhenti()
        await b.berhenti()
        await e1.dispose()
        await e2.dispose()


async def test_the_user_of_a_webhook_update_is_read_from_its_json_as_from_the_parsed_update() -> None:
    api = FakeBotApi(token="123456789:UJI-skala")
    api.add_user(PETUGAS, "Petugas Demo")
    bot = Bot(api.token, request=FakeRequest(api))
    api.add_group(-100123, "KPU Kota Bengkulu")
    await bot.initialize()
    pesan = await bot.send_message(PETUGAS, "pilih")
    pembaruan_ = [await api.send_text(PETUGAS, "/tiba"), await api.send_photo(PETUGAS, file_id="f"),
                  await api.send_text(PETUGAS, "/capaian", chat_id=-100123),
                  await api.press(PETUGAS, pesan.message_id, "tb:ok")]
    for upd in pembaruan_:
        data = dict(upd)
        mentah = kunci_mentah(data)
        assert mentah is not None and mentah[1] == kunci(Update.de_json(data, bot))
    # a channel post has no user: the chat orders it, as PTB's effective_chat does
    kanal = {"update_id": 5, "channel_post": {"message_id": 1, "date": 0, "chat": {"id": -1009, "type": "channel"},
                                                "text": "x"}}
    assert kunci_mentah(kanal) == (None, -1009) and kunci(Update.de_json(kanal, bot)) == -1009
    # an update whose user the JSON does not say plainly is parsed instead
    assert kunci_mentah({"update_id": 6, "poll": {"id": "p"}}) is None
    assert kunci_mentah({"update_id": 7, "message": {"from": {"id": "12"}, "chat": {"id": 1}}}) is None


async def test_two_outbox_senders_and_two_sweeps_send_each_message_once(pg_url: str) -> None:
    from bot import pengingat

    api = FakeBotApi(token="123456789:UJI-skala")
    chats = list(range(7000, 7040))
    for c in chats:
        api.add_user(c, f"Penerima {c}")
    e1, e2 = create_engine(pg_url), create_engine(pg_url)
    now = datetime.now(UTC)
    async with e1.begin() as conn:
        for i in range(120):
            await outbox.enqueue(conn, key=f"skala:{i}", chat_id=chats[i % len(chats)], text=f"pesan {i}", kind="info",
                                 now=now)
    bots = [Bot("123456789:UJI-skala", request=FakeRequest(api)) for _ in range(2)]
    try:
        for b in bots:
            await b.initialize()
        # the reminder sweep of both workers at the same minute (H-1 of the logistics deadline)
        hasil = await asyncio.gather(pengingat.sapu(e1, now=H_MIN_1, zona="Asia/Jakarta"),
                                     pengingat.sapu(e2, now=H_MIN_1, zona="Asia/Jakarta"))
        async with e1.connect() as conn:
            keys = (await conn.execute(sa.select(t.outbox.c.dedup_key).where(
                t.outbox.c.dedup_key.like("pengingat:%")))).scalars().all()
        assert len(keys) == len(set(keys)) == sum(h.diantrekan for h in hasil)
        async with e1.begin() as conn:  # the reminders' chats are not part of this test
            await conn.execute(sa.delete(t.outbox).where(t.outbox.c.dedup_key.like("pengingat:%")))
        senders = [OutboxSender(e, b, rate_per_s=1000, per_chat_interval_s=0, poll_s=0.05)
                   for e, b in zip((e1, e2), bots, strict=True)]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(s.run(stop)) for s in senders]
        await api.wait_for(lambda: sum(len(api.messages(c)) for c in chats) >= 120, timeout=20)
        await asyncio.sleep(0.2)
        stop.set()
        await asyncio.gather(*tasks)
        texts = [m.content for c in chats for m in api.messages(c)]
        assert sorted(texts) == sorted(f"pesan {i}" for i in range(120))
        async with e1.connect() as conn:
            assert (await outbox.counts(conn))["terkirim"] == 120
    finally:
        for b in bots:
            await b.shutdown()
        await e1.dispose()
        await e2.dispose()


# --- one worker, either backend --------------------------------------------------------------------------------


async def test_webhook_redeliveries_are_dropped_and_old_ids_forgotten(database_url: str) -> None:
    api, jam = FakeBotApi(), Jam(H_MIN_1)
    api.add_user(PETUGAS, "Petugas Demo")
    async with pekerja(database_url, api, jam, "A") as a:
        upd = await api.send_text(PETUGAS, "/profil")
        for _ in range(3):
            await a.kirim(upd)
        await tenang(api, a)
        assert len(api.messages(PETUGAS)) == 1
        r = await a.client.post(WEBHOOK_PATH, content=b"[1, 2]", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert r.status_code == 400
        r = await a.client.post(WEBHOOK_PATH, json=dict(upd), headers={"X-Telegram-Bot-Api-Secret-Token": "salah"})
        assert r.status_code == 403
        async with a.engine.begin() as conn:
            assert not await pembaruan.catat(conn, upd.update_id, PETUGAS, now=jam.now)
            assert await pembaruan.ada_yang_lebih_baru(conn, PETUGAS, upd.update_id - 1)
            assert not await pembaruan.ada_yang_lebih_baru(conn, PETUGAS, upd.update_id)
            assert await pembaruan.bersihkan(conn, sebelum=jam.now + timedelta(hours=1)) == 1
            assert await pembaruan.catat(conn, upd.update_id, PETUGAS, now=jam.now)


async def test_polling_mode_is_not_worker_mode(engine: AsyncEngine) -> None:
    app = build_application(Settings(DATABASE_URL="sqlite:///unused.db"), engine, api=FakeBotApi(), send_outbox=False)
    assert app.bot_data["pekerja"] is False
    assert type(app.update_processor).__name__ == "PerUserUpdateProcessor"
    assert all(isinstance(h, ConversationHandler) for h in percakapan_persisten(app))
