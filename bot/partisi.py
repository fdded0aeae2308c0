"""Partitions of users, each owned by one webhook worker, on PostgreSQL.

Users (a chat, when an update has no user) fall into ``JUMLAH_PARTISI`` partitions by id. A worker owns a partition
while it holds that partition's advisory lock (``KUNCI_PARTISI``) on its own database session: only the owner
handles the partition's updates, so it keeps their state in memory, with no lock per update. An update reaching
another worker is recorded there with its JSON and announced on a channel (``storage.pembaruan.teruskan``, one
statement); the owner, listening, takes it from the table (``ambil_antrean``).

Balance: every live worker holds one ``KUNCI_PEKERJA`` lock, so each can count the others in ``pg_locks`` and
owns at most ⌈partitions / workers⌉. A worker over its share releases partitions (after their running updates
finished), one under it takes free ones. Workers say when they come, release or leave on a second channel, and
balance every ``SEIMBANG_DETIK`` seconds anyway: a worker that dies says nothing, but its session ends and its
locks with it, so its partitions are free for the others at their next balance. Updates forwarded to a partition
without an owner wait in the table until one takes it.

A partition that comes to a worker brings users whose state another worker may have changed: their state is read
from the database before each one's first update (``perlu_dimuat``). SQLite serves one worker, which is then the
owner of everything (``aktif`` is False).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage import pembaruan
from storage.db import KUNCI_PARTISI, KUNCI_PEKERJA

log = logging.getLogger("pantau.partisi")

JUMLAH_PARTISI = 64
SALURAN_SEIMBANG = "pantau_partisi"  # a worker came, released partitions or is leaving: balance now
SEIMBANG_DETIK = 2.0  # and balance this often anyway
TUNGGU_SELESAI_S = 30.0  # a released partition waits at most this long for its running updates
BATAS_AMBIL = 500  # forwarded updates taken per statement

_HITUNG_PEKERJA = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
                   "AND classid = $1::int8::oid AND database = (SELECT oid FROM pg_database "
                   "WHERE datname = current_database())")
_PARTISI_DIPEGANG = ("SELECT objid::int8 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
                     "AND classid = $1::int8::oid AND database = (SELECT oid FROM pg_database "
                     "WHERE datname = current_database())")


def partisi_dari(kunci: int) -> int:
    """The partition of a user (or chat) id."""
    return kunci % JUMLAH_PARTISI


class PemilikPartisi:
    """The partitions this worker owns, the listening session that holds them, and the forwarded updates' intake.

    ``terima(update_id, partisi, isi)`` hands one forwarded update (its JSON) to the Application; it is called in
    order of update id and must not wait.
    """

    def __init__(self, engine: AsyncEngine, terima: Callable[[int, int, str], None]) -> None:
        self.aktif = engine.dialect.name == "postgresql"
        self._engine = engine
        self._terima = terima
        self.milik: set[int] = set()
        self._dimuat: dict[int, set[int]] = {}  # partition → keys whose state was read since it came here
        self._jalan: Counter[int] = Counter()  # partition → updates handed to the Application, not finished
        self._id_jalan: dict[int, int] = {}  # update id → its partition, for the count above
        self._kunci_ambil = asyncio.Lock()  # a release waits for a take in progress
        self._kunci_sql = asyncio.Lock()  # one statement at a time on the session
        self._perlu_ambil = asyncio.Event()
        self._perlu_seimbang = asyncio.Event()
        self._berhenti = False
        self._tugas: list[asyncio.Task[None]] = []
        self._eng: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._apg: Any = None  # the asyncpg connection under _conn
        self._nomor = random.randrange(1, 2**31)  # this worker's KUNCI_PEKERJA id
        self.mengambil = False  # a take is running (tests wait for it)

    # --- what the webhook and the update processor ask ---------------------------------------------------------

    def memiliki(self, p: int) -> bool:
        """Whether this worker handles partition p now."""
        return not self.aktif or p in self.milik

    def pesan(self, p: int) -> None:
        """An update of partition p is on its way to the Application: a release of p waits for it from now on."""
        self._jalan[p] += 1

    def batal(self, p: int) -> None:
        """It is not going after all (a redelivery, or the database did not answer)."""
        self._jalan[p] -= 1
        if self._jalan[p] <= 0:
            del self._jalan[p]

    def jalan(self, update_id: int, p: int) -> None:
        """The update reserved with :meth:`pesan` is handed over under this id."""
        self._id_jalan[update_id] = p

    def selesai(self, update_id: int) -> None:
        """That update finished."""
        p = self._id_jalan.pop(update_id, None)
        if p is not None:
            self.batal(p)

    def perlu_dimuat(self, kunci: int) -> bool:
        """Whether this user's state must be read from the database first: the first update since the partition
        came here (always, for a partition this worker does not own: e.g. an update without a partition key)."""
        if not self.aktif:
            return False
        dimuat = self._dimuat.get(partisi_dari(kunci))
        if dimuat is None:
            return True
        if kunci in dimuat:
            return False
        dimuat.add(kunci)
        return True

    # --- life ----------------------------------------------------------------------------------------------------

    async def mulai(self) -> None:
        """Connect, take this worker's share of the partitions, and keep balancing and taking forwarded updates."""
        if not self.aktif:
            return
        try:
            await self._seimbangkan()
        except Exception:
            log.exception("partisi belum dapat diambil; dicoba lagi")
            await self._putus()
        self._tugas = [asyncio.create_task(self._ulang_seimbang(), name="partisi-seimbang"),
                       asyncio.create_task(self._ulang_ambil(), name="partisi-ambil")]
        self._perlu_ambil.set()

    async def berhenti(self) -> None:
        """Release every partition once its running updates finished, tell the others, and disconnect."""
        if not self.aktif or self._berhenti:
            return
        self._berhenti = True
        for tugas in self._tugas:
            tugas.cancel()
        for tugas in self._tugas:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await tugas
        self._tugas = []
        try:
            for p in sorted(self.milik):
                await self._lepas(p)
            await self._kabari()
        except Exception:
            log.warning("partisi tidak dapat dilepas satu per satu; sesi ditutup", exc_info=True)
        await self._putus()

    # --- the session ---------------------------------------------------------------------------------------------

    async def _sesi(self) -> Any:
        """The session holding this worker's locks and listening (connected on first use)."""
        if self._apg is None:
            if self._conn is not None:  # ended under us (_sesi_putus): let it go
                conn, self._conn = self._conn, None
                with contextlib.suppress(Exception):
                    await conn.close()
            self._eng = self._eng or create_async_engine(self._engine.url, poolclass=NullPool)
            conn = await self._eng.connect()
            try:
                raw = await conn.get_raw_connection()
                apg: Any = raw.driver_connection
                await apg.fetchval("SELECT pg_advisory_lock($1, $2)", KUNCI_PEKERJA, self._nomor)
                await apg.add_listener(pembaruan.SALURAN, self._dengar_pembaruan)
                await apg.add_listener(SALURAN_SEIMBANG, self._dengar_seimbang)
                apg.add_termination_listener(self._sesi_putus)
            except BaseException:
                await conn.close()
                raise
            self._conn, self._apg = conn, apg
        return self._apg

    async def _sql(self, sql: str, *args: Any) -> Any:
        async with self._kunci_sql:
            apg = await self._sesi()
            return await apg.fetch(sql, *args)

    def _sesi_putus(self, _conn: Any) -> None:
        """The session ended (a PostgreSQL restart): its locks are gone, so are this worker's partitions."""
        if self.milik:
            log.warning("sesi partisi terputus: %d partisi dilepas", len(self.milik))
        self.milik.clear()
        self._dimuat.clear()
        self._apg = None
        self._perlu_seimbang.set()

    async def _putus(self) -> None:
        self.milik.clear()
        self._dimuat.clear()
        conn, self._conn, self._apg = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
        if self._eng is not None:
            with contextlib.suppress(Exception):
                await self._eng.dispose()
            self._eng = None

    def _dengar_pembaruan(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            if int(payload) in self.milik:
                self._perlu_ambil.set()

    def _dengar_seimbang(self, _conn: Any, pid: int, _channel: str, _payload: str) -> None:
        self._perlu_seimbang.set()

    async def _kabari(self) -> None:
        await self._sql(f"SELECT pg_notify('{SALURAN_SEIMBANG}', '')")

    # --- balance -------------------------------------------------------------------------------------------------

    async def _ulang_seimbang(self) -> None:
        while not self._berhenti:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._perlu_seimbang.wait(), SEIMBANG_DETIK)
            self._perlu_seimbang.clear()
            try:
                await self._seimbangkan()
            except Exception:
                log.exception("penyeimbangan partisi gagal; sesi disambung ulang")
                await self._putus()
            self._perlu_ambil.set()  # and look at the table anyway: a notification may have been missed

    async def _seimbangkan(self) -> None:
        """Own ⌈partitions / live workers⌉ partitions: release the surplus, take free ones up to the share."""
        pekerja = int((await self._sql(_HITUNG_PEKERJA, KUNCI_PEKERJA))[0][0])
        bagian = math.ceil(JUMLAH_PARTISI / max(pekerja, 1))
        if len(self.milik) > bagian:
            for p in sorted(self.milik, reverse=True)[: len(self.milik) - bagian]:
                await self._lepas(p)
            await self._kabari()
            return
        if len(self.milik) == bagian:
            return
        dipegang = {int(r[0]) for r in await self._sql(_PARTISI_DIPEGANG, KUNCI_PARTISI)}
        bebas = [p for p in range(JUMLAH_PARTISI) if p not in dipegang]
        random.shuffle(bebas)  # workers balancing at the same moment try different ones first
        for p in bebas:
            if len(self.milik) >= bagian:
                break
            if (await self._sql("SELECT pg_try_advisory_lock($1, $2)", KUNCI_PARTISI, p))[0][0]:
                self._dimuat[p] = set()
                self.milik.add(p)
                self._perlu_ambil.set()

    async def _lepas(self, p: int) -> None:
        async with self._kunci_ambil:  # no take in progress still hands over an update of p
            self.milik.discard(p)
        loop = asyncio.get_running_loop()
        batas = loop.time() + TUNGGU_SELESAI_S
        while self._jalan.get(p) and loop.time() < batas:
            await asyncio.sleep(0.005)
        if self._jalan.get(p):
            log.warning("partisi %d dilepas sementara %d pembaruan masih berjalan", p, self._jalan[p])
        self._dimuat.pop(p, None)
        await self._sql("SELECT pg_advisory_unlock($1, $2)", KUNCI_PARTISI, p)

    # --- forwarded updates ---------------------------------------------------------------------------------------

    async def _ulang_ambil(self) -> None:
        while not self._berhenti:
            await self._perlu_ambil.wait()
            self._perlu_ambil.clear()
            try:
                await self.ambil()
            except Exception:
                log.exception("pembaruan yang diteruskan tidak dapat diambil; dicoba lagi")
                await asyncio.sleep(1.0)
                self._perlu_ambil.set()

    async def ambil(self) -> int:
        """Take the forwarded updates waiting in this worker's partitions and hand them over; how many."""
        n = 0
        async with self._kunci_ambil:
            self.mengambil = True
            try:
                while self.milik:
                    async with self._engine.connect() as conn:
                        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                        rows = await pembaruan.ambil_antrean(conn, self.milik, batas=BATAS_AMBIL)
                    for update_id, p, isi in rows:
                        self._terima(update_id, p, isi)
                    n += len(rows)
                    if len(rows) < BATAS_AMBIL:
                        break
            finally:
                self.mengambil = False
        return n
