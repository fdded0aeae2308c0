"""Partitions of users, each owned by one webhook worker, on PostgreSQL.

Users (a chat, when an update has no user) fall into ``JUMLAH_PARTISI`` partitions by id. A worker owns a partition
while it holds that partition's advisory lock (``KUNCI_PARTISI``) on its own database session: only the owner
handles the partition's updates, so it keeps their state in memory, with no lock per update. An update reaching
another worker is recorded there with its JSON and announced on a channel (``storage.pembaruan.teruskan``, one
statement); the owner, listening, takes it from the table (``ambil_antrean``).

Balance: every live worker holds one ``KUNCI_PEKERJA`` lock, so each can count the others in ``pg_locks`` and
owns at most ⌈partitions / workers⌉. A worker over its share releases partitions (after their running updates
finished), one under it takes free ones. Workers say when they come, and which partitions they gave up, on a
second channel, and balance every ``SEIMBANG_DETIK`` seconds anyway. A worker that dies says nothing, but its
session ends and its locks with it. A worker owns its partitions only while its session answers: a heartbeat asks
twice per ``SEIMBANG_DETIK`` (every statement on the session is bounded), and a worker whose session has not
answered for that long owns nothing, whether or not it noticed why. So a partition that went free without a word
is taken only after ``tenggang()``, longer than that lease, and a worker with a new session waits out a lease
before taking partitions nobody announced. Updates forwarded to a partition without an owner wait
in the table until one takes it.

A partition that comes to a worker brings users whose state another worker may have changed: their state is read
from the database before each one's first update (``perlu_dimuat``). Order: an update reaching its owner directly
may have been preceded by updates of its partition forwarded to the table and not taken yet: those forwarded while
the partition was away or without an owner, or one that reached another worker a moment earlier (the webhook's
record of the update says so, ``storage.pembaruan.catat_di_partisi``). Until a take that started after that has
run, the partition's direct updates are held (``tahan``, ``serahkan``) and go in update-id order among the rows
taken; a partition given up takes its backlog first, and one whose session is lost puts its held updates back in
the table for the next owner. SQLite serves one worker, which is then the owner of everything (``aktif`` is False).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import math
import os
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage import pembaruan
from storage.db import KUNCI_PARTISI, KUNCI_PEKERJA, autocommit, is_postgres

log = logging.getLogger("pantau.partisi")

JUMLAH_PARTISI = 64
SALURAN_SEIMBANG = "pantau_partisi"  # a worker came, released partitions or is leaving: balance now
SEIMBANG_DETIK = 2.0  # and balance this often anyway
TUNGGU_SELESAI_S = 30.0  # a released partition waits at most this long for its running updates
BATAS_AMBIL = 500  # forwarded updates taken per statement
# The partition session's TCP settings on the server (over TCP; ignored on a Unix socket): a silent peer is probed
# after 5 s idle, every 2 s, 3 times; data it does not acknowledge for 10 s ends the connection.
SESI_TCP = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2", "tcp_keepalives_count": "3",
            "tcp_user_timeout": "10000"}

_HITUNG_PEKERJA = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
                   "AND classid = $1::int8::oid AND database = (SELECT oid FROM pg_database "
                   "WHERE datname = current_database())")
_PARTISI_DIPEGANG = ("SELECT objid::int8, pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
                     "AND classid = $1::int8::oid AND database = (SELECT oid FROM pg_database "
                     "WHERE datname = current_database())")


@dataclass(order=True, frozen=True)
class _Tertahan:
    """An update received directly, held behind its partition's backlog."""

    update_id: int
    update: Any = field(compare=False)
    isi: bytes | str = field(compare=False, default=b"")


def tenggang() -> float:
    """How long a partition whose owner vanished without a word stays untaken (its owner's time to notice)."""
    return 2 * SEIMBANG_DETIK + 1.0


def partisi_dari(kunci: int) -> int:
    """The partition of a user (or chat) id."""
    return kunci % JUMLAH_PARTISI


class PemilikPartisi:
    """The partitions this worker owns, the listening session that holds them, and the forwarded updates' intake.

    ``terima(update_id, partisi, isi)`` hands one forwarded update (its JSON) to the Application; it is called in
    order of update id and must not wait. ``taruh(update)`` hands over an update received here directly (see
    :meth:`serahkan`) and must not wait either. ``simpan()`` writes what the Application has not written yet.
    """

    def __init__(self, engine: AsyncEngine, terima: Callable[[int, int, str], None],
                 simpan: Callable[[], Awaitable[None]] | None = None,
                 taruh: Callable[[Any], None] | None = None) -> None:
        self.aktif = is_postgres(engine)
        self._engine = engine
        self._terima = terima
        self._simpan = simpan  # writes the state the Application still holds (before a partition is given up)
        self._taruh = taruh or (lambda _update: None)
        self.milik: set[int] = set()
        self._dimuat: dict[int, set[int]] = {}  # partition → keys whose state was read since it came here
        self._jalan: Counter[int] = Counter()  # partition → updates handed to the Application, not finished
        self._id_jalan: dict[int, int] = {}  # update id → its partition, for the count above
        # Partitions whose forwarded backlog is not taken yet → the first take that may end the wait (see tahan)
        self._menyusul: dict[int, int] = {}
        self._tertunda: dict[int, list[_Tertahan]] = {}  # partition → updates received directly, held, by id
        self._angkatan = 0  # takes started so far
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
        self._sah_sampai = 0.0  # the lease: this worker owns its partitions until then (see _sah)
        self._sesi_baru = False  # the session was just opened: its first balance waits (see _amati)
        self._dipegang_lalu: dict[int, int] = {}  # others' partitions at the last balance → the session holding it
        self._hilang_sejak: dict[int, float] = {}  # partitions whose owner vanished → since when (see _amati)
        self.mengambil = False  # a take is running (tests wait for it)

    # --- what the webhook and the update processor ask ---------------------------------------------------------

    def memiliki(self, p: int) -> bool:
        """Whether this worker handles partition p now: it holds p, and its session answered within the lease."""
        return not self.aktif or (p in self.milik and self._sah())

    def _sah(self) -> bool:
        """Whether the session answered within ``SEIMBANG_DETIK`` (a heartbeat asks twice as often): a worker whose
        session ended stops owning anything by then, whether or not it has noticed."""
        return asyncio.get_running_loop().time() < self._sah_sampai

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

    def tahan(self, p: int) -> None:
        """Updates forwarded to partition p wait in the table: hold p's direct updates until a take that starts
        from now on has run (one already running may have looked before they were there)."""
        self._menyusul.setdefault(p, self._angkatan + 1)
        self._perlu_ambil.set()

    def serahkan(self, update_id: int, p: int, update: Any, isi: bytes | str = b"") -> None:
        """Hand on an update of partition p received here directly (reserved with :meth:`pesan`): at once, or, while
        p is held (:meth:`tahan`), in update-id order among the updates taken from the table. ``isi``: its JSON, in
        case it must go back to the table."""
        self.jalan(update_id, p)
        if p in self._menyusul:
            bisect.insort(self._tertunda.setdefault(p, []), _Tertahan(update_id, update, isi))
        else:
            self._taruh(update)

    def _sebelum(self, p: int, update_id: int) -> None:
        """A forwarded update of p is handed over: first the held ones of p received before it."""
        antre = self._tertunda.get(p)
        while antre and antre[0].update_id < update_id:
            self._taruh(antre.pop(0).update)

    def _lepas_tahanan(self, partisi: Collection[int]) -> list[tuple[int, _Tertahan]]:
        """These partitions are held no more: their held updates, in order, for the caller to hand on."""
        tertahan = []
        for p in sorted(partisi):
            self._menyusul.pop(p, None)
            tertahan += [(p, t) for t in self._tertunda.pop(p, [])]
        return tertahan

    def _susul(self, partisi: Collection[int]) -> None:
        """These partitions' backlog was taken: the updates held behind it go on."""
        for _, t in self._lepas_tahanan(partisi):
            self._taruh(t.update)

    def _serahkan_baris(self, rows: list[tuple[int, int, str]]) -> None:
        for update_id, p, isi in rows:
            self._sebelum(p, update_id)
            self._terima(update_id, p, isi)

    def selesai(self, update_id: int) -> None:
        """That update finished."""
        p = self._id_jalan.pop(update_id, None)
        if p is not None:
            self.batal(p)

    def perlu_dimuat(self, kunci: int) -> bool:
        """Whether this user's state must be read from the database first: not read since the partition came here
        (always, for a partition this worker does not own: e.g. an update without a partition key)."""
        if not self.aktif:
            return False
        dimuat = self._dimuat.get(partisi_dari(kunci))
        return dimuat is None or kunci not in dimuat

    def sudah_dimuat(self, kunci: int) -> None:
        """The user's state was read (only then: after a failed read the next update reads again)."""
        dimuat = self._dimuat.get(partisi_dari(kunci))
        if dimuat is not None:
            dimuat.add(kunci)

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
                       asyncio.create_task(self._ulang_ambil(), name="partisi-ambil"),
                       asyncio.create_task(self._ulang_denyut(), name="partisi-denyut")]
        self._perlu_ambil.set()

    async def berhenti(self) -> None:
        """Release every partition once its running updates finished, tell the others, and disconnect."""
        if not self.aktif or self._berhenti:
            return
        self._berhenti = True
        seimbang, ambil, denyut = self._tugas or (None, None, None)
        self._tugas = []
        for tugas in (seimbang, denyut):
            if tugas is not None:
                tugas.cancel()  # no partition is taken any more
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await tugas
        if ambil is not None:
            # Not cancelled: updates a take marked as taken must reach the Application, which still runs. The loop
            # takes what waits once more and ends.
            self._perlu_ambil.set()
            try:
                await asyncio.wait_for(ambil, TUNGGU_SELESAI_S)
            except (TimeoutError, Exception):
                log.warning("pengambilan pembaruan yang diteruskan tidak selesai saat berhenti", exc_info=True)
        try:
            dilepas = sorted(self.milik)
            await self._lepas(dilepas)
            # no longer a live worker before the others hear it, so they count without it
            await self._sql("SELECT pg_advisory_unlock($1, $2)", KUNCI_PEKERJA, self._nomor)
            await self._kabari(dilepas)
        except Exception:
            log.warning("partisi tidak dapat dilepas satu per satu; sesi ditutup", exc_info=True)
        await self._putus()

    # --- the session ---------------------------------------------------------------------------------------------

    async def _sesi(self) -> Any:
        """The session holding this worker's locks and listening (connected on first use)."""
        if self._apg is None:
            if self._conn is not None:  # a session that ended: let it go
                conn, self._conn = self._conn, None
                with contextlib.suppress(Exception):
                    await conn.close()
            # Named after the process, so pg_stat_activity and pg_locks tell which worker holds which partitions;
            # and with the server's TCP keepalive and send timeout short (SESI_TCP, below), so the session of a
            # worker whose machine vanished (no FIN) ends, and frees its partitions, within seconds rather than the
            # system's two hours
            self._eng = self._eng or create_async_engine(
                self._engine.url, poolclass=NullPool,
                connect_args={"server_settings": {"application_name": f"pantau partisi {os.getpid()}"}})
            conn = await self._eng.connect()
            try:
                raw = await conn.get_raw_connection()
                apg: Any = raw.driver_connection
                for nama, nilai in SESI_TCP.items():  # set here, not at connect: a pooler may refuse them there
                    try:
                        await apg.execute("SELECT set_config($1, $2, false)", nama, nilai)
                    except Exception as exc:
                        log.warning("pengaturan %s sesi partisi tidak dapat dipasang: %s", nama, exc)
                # A new number for each session: the lock of a previous session that is not quite gone (a half-open
                # connection the server has not reaped) never makes this one wait
                self._nomor = random.randrange(1, 2**31)
                await apg.fetchval("SELECT pg_advisory_lock($1, $2)", KUNCI_PEKERJA, self._nomor)
                await apg.add_listener(pembaruan.SALURAN, self._dengar_pembaruan)
                await apg.add_listener(SALURAN_SEIMBANG, self._dengar_seimbang)
                await apg.execute(f"NOTIFY {SALURAN_SEIMBANG}")  # a worker came (or came back): balance now
            except BaseException:
                await conn.close()
                raise
            self._conn, self._apg = conn, apg
            self._sesi_baru = True
        return self._apg

    async def _sql(self, sql: str, *args: Any) -> Any:
        async with self._kunci_sql:
            apg = await self._sesi()
            # Bounded: a session that stopped answering must be noticed (and its partitions given up) in time
            mulai = asyncio.get_running_loop().time()
            rows = await asyncio.wait_for(apg.fetch(sql, *args), SEIMBANG_DETIK)
            self._sah_sampai = mulai + SEIMBANG_DETIK  # it answered: the lease runs from when it was asked
            return rows

    async def _putus(self) -> None:
        self.milik.clear()
        await self._kembalikan(self._lepas_tahanan(list(self._menyusul)))
        self._dimuat.clear()
        self._sah_sampai = 0.0
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

    def _dengar_seimbang(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        for p in filter(None, payload.split(",")):  # given up in order: free to take at once
            with contextlib.suppress(ValueError):
                self._dipegang_lalu.pop(int(p), None)
                self._hilang_sejak.pop(int(p), None)
        self._perlu_seimbang.set()

    async def _kabari(self, dilepas: list[int]) -> None:
        await self._sql("SELECT pg_notify($1, $2)", SALURAN_SEIMBANG, ",".join(map(str, dilepas)))

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
        dipegang = {int(r[0]): int(r[1]) for r in await self._sql(_PARTISI_DIPEGANG, KUNCI_PARTISI)}
        self._amati(dipegang)
        bagian = math.ceil(JUMLAH_PARTISI / max(pekerja, 1))
        if len(self.milik) > bagian:
            dilepas = sorted(self.milik, reverse=True)[: len(self.milik) - bagian]
            await self._lepas(dilepas)
            await self._kabari(dilepas)
            return
        if len(self.milik) == bagian:
            return
        bebas = [p for p in range(JUMLAH_PARTISI) if p not in dipegang and p not in self._hilang_sejak]
        random.shuffle(bebas)  # workers balancing at the same moment try different ones first
        for p in bebas:
            if len(self.milik) >= bagian:
                break
            if (await self._sql("SELECT pg_try_advisory_lock($1, $2)", KUNCI_PARTISI, p))[0][0]:
                self._dimuat[p] = set()
                self.tahan(p)  # updates forwarded while it was away wait in the table
                self.milik.add(p)
                self._perlu_ambil.set()

    def _amati(self, dipegang: dict[int, int]) -> None:
        """Note the partitions another worker held at the last balance and that are free now without having been
        given up in order: that worker's session ended, but the worker may not know yet and still be handling its
        users until its lease runs out (``SEIMBANG_DETIK`` after its session last answered). Such a partition is
        taken only after ``tenggang()``."""
        now = asyncio.get_running_loop().time()
        if self._sesi_baru:
            # A new session (start-up, reconnect) knows nothing of who held what: a partition free now may have
            # been freed a moment ago by a session that ended, whose worker still owns it until its lease runs out.
            self._sesi_baru = False
            for p in range(JUMLAH_PARTISI):
                if p not in dipegang and p not in self.milik:
                    self._hilang_sejak.setdefault(p, now - tenggang() + SEIMBANG_DETIK + 0.5)
        for p in self._dipegang_lalu:
            if p not in dipegang:
                self._hilang_sejak.setdefault(p, now)
        for p, sejak in list(self._hilang_sejak.items()):
            if p in dipegang or now - sejak >= tenggang():
                del self._hilang_sejak[p]
        self._dipegang_lalu = {p: pid for p, pid in dipegang.items() if p not in self.milik}

    async def _kembalikan(self, tertahan: list[tuple[int, _Tertahan]]) -> None:
        """Held updates of partitions this worker no longer owns go back to the table, for the next owner in order
        with the backlog they waited for; when the database does not take them, they are handled here rather than
        lost (they were recorded here)."""
        if not tertahan:
            return
        try:
            async with autocommit(self._engine) as conn:
                for p, t in tertahan:
                    isi = t.isi.decode() if isinstance(t.isi, bytes) else t.isi
                    await asyncio.wait_for(pembaruan.kembalikan(conn, t.update_id, partisi=p, isi=isi),
                                           SEIMBANG_DETIK)
        except Exception:
            log.warning("%d pembaruan yang ditahan tidak dapat dikembalikan ke antrean; ditangani di sini",
                        len(tertahan), exc_info=True)
            for _, t in tertahan:
                self._taruh(t.update)
            return
        for _, t in tertahan:
            self.selesai(t.update_id)  # not handled here after all

    async def _lepas(self, dilepas: list[int]) -> None:
        """Give partitions up, all at once: no new update of theirs is handled here from now on, and each is unlocked
        as soon as its running updates finished (and what they left unwritten is written)."""
        async with self._kunci_ambil:  # no take in progress still hands over an update of them
            self.milik.difference_update(dilepas)
            ditahan = [p for p in dilepas if p in self._menyusul]
            if ditahan:  # their backlog first, then what was held behind it: here, before the partitions go
                try:
                    await self._ambil_dari(ditahan)
                except Exception:
                    # The backlog stays in the table: what was held behind it goes back there too, for the next owner
                    log.warning("antrean partisi %s tidak dapat diambil sebelum dilepas", ditahan, exc_info=True)
                    await self._kembalikan(self._lepas_tahanan(ditahan))
                self._susul(ditahan)
        loop = asyncio.get_running_loop()
        batas = loop.time() + TUNGGU_SELESAI_S
        sisa = list(dilepas)
        while sisa:
            selesai = [p for p in sisa if not self._jalan.get(p) or loop.time() >= batas]
            if not selesai:
                await asyncio.sleep(0.005)
                continue
            for p in selesai:
                if self._jalan.get(p):
                    log.warning("partisi %d dilepas sementara %d pembaruan masih berjalan", p, self._jalan[p])
            if self._simpan is not None:  # what an update left unwritten (e.g. one stopped before the last group)
                try:
                    await asyncio.wait_for(self._simpan(), TUNGGU_SELESAI_S)
                except Exception:
                    log.exception("status pengguna partisi %s tidak tersimpan sebelum dilepas", selesai)
            for p in selesai:
                self._dimuat.pop(p, None)
                await self._sql("SELECT pg_advisory_unlock($1, $2)", KUNCI_PARTISI, p)
                sisa.remove(p)

    async def _ulang_denyut(self) -> None:
        """Ask the session twice per lease whether it still answers; when it does not, own nothing until the next
        balance has reconnected."""
        while not self._berhenti:
            await asyncio.sleep(SEIMBANG_DETIK / 2)
            if self._apg is None:
                continue
            try:
                await self._sql("SELECT 1")
            except Exception:
                log.warning("sesi partisi tidak menjawab: %d partisi dilepas", len(self.milik), exc_info=True)
                await self._putus()
                self._perlu_seimbang.set()

    # --- forwarded updates ---------------------------------------------------------------------------------------

    async def _ulang_ambil(self) -> None:
        while True:
            await self._perlu_ambil.wait()
            self._perlu_ambil.clear()
            try:
                await self.ambil()
            except Exception:
                log.exception("pembaruan yang diteruskan tidak dapat diambil; dicoba lagi")
                if self._berhenti:
                    return
                await asyncio.sleep(1.0)
                self._perlu_ambil.set()
            if self._berhenti:
                return

    async def ambil(self) -> int:
        """Take the forwarded updates waiting in this worker's partitions and hand them over; how many."""
        async with self._kunci_ambil:
            self.mengambil = True
            try:
                self._angkatan += 1
                angkatan = self._angkatan
                if not self.milik or not self._sah():
                    return 0
                n = await self._ambil_dari(self.milik)
                # Complete: the partitions held since before this take started have their backlog taken
                self._susul([p for p, sejak in self._menyusul.items() if sejak <= angkatan and p in self.milik])
                return n
            finally:
                self.mengambil = False

    async def _ambil_dari(self, partisi: Collection[int]) -> int:
        """Take every forwarded update waiting in these partitions and hand them over in order (``_kunci_ambil``
        held); how many."""
        n = 0
        while True:
            async with autocommit(self._engine) as conn:
                rows = await pembaruan.ambil_antrean(conn, partisi, batas=BATAS_AMBIL)
            self._serahkan_baris(rows)
            n += len(rows)
            if len(rows) < BATAS_AMBIL:
                return n
