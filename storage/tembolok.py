"""Short-lived caches, per engine, of rows that rarely change: the user behind a Telegram account, master data,
the election events and their schedules.

A cache names the tables its values are read from. Every statement of this process that writes one of them
(INSERT, UPDATE, DELETE, …, whoever issues it: storage functions, the web admin, imports, raw SQL; the engine sees
them all) empties that cache when it runs, and again when its connection goes back to the pool, i.e. after its
commit or rollback; until then nothing read from those tables is kept, nor is a value whose read a write
overtook. A connection that wrote one of the tables reads past the cache (it sees its own uncommitted rows).
Writes by other processes (another webhook worker, the ``pantau`` CLI) are seen once an entry is ``TTL_S``
seconds old. The watching starts with :func:`pasang` (handlers.konteks.Layanan calls it for the bot's engine,
before the bot or its web admin runs anything), so no write can be under way unseen when a first value is kept.
"""
from __future__ import annotations

import functools
import re
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

TTL_S = 5.0
MAKS_ISI = 4096
# The tables a cache may be made of (tps: deleting one cascades to user_tps). They are watched from the moment
# the engine is (``pasang``: the bot does it when it builds its services), whether a cache exists yet or not.
DIAWASI = frozenset({"users", "user_tps", "units", "tps", "logistics_items", "transport_modes", "app_settings",
                     "pemilihan", "pemilihan_jadwal"})
_POLA = re.compile(r"\b(" + "|".join(sorted(DIAWASI)) + r")\b", re.IGNORECASE)
_DITULIS = "pantau.tabel_ditulis"  # Connection.info: the watched tables this connection wrote

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Tembolok(Generic[K, V]):
    """Values by key, each kept at most ``ttl`` seconds and dropped whenever one of ``tabel`` is written."""

    def __init__(self, tabel: Iterable[str], *, ttl: float = TTL_S, jam: Callable[[], float] = time.monotonic,
                 pengawas: _Pengawas | None = None) -> None:
        self.tabel = frozenset(tabel)
        self.ttl = ttl
        self.jam = jam
        self._pengawas = pengawas
        self._generasi = 0
        self._isi: dict[K, tuple[float, V]] = {}

    def kosongkan(self) -> None:
        """Forget every value (one of its tables was written, or is being written)."""
        self._generasi += 1
        self._isi.clear()

    async def ambil(self, kunci: K, muat: Callable[[], Awaitable[V]], *, conn: AsyncConnection | None = None,
                    simpan_none: bool = True) -> V:
        """The kept value of ``kunci`` while younger than ``ttl``, else ``await muat()`` (kept unless overtaken).

        ``conn``: the connection ``muat`` reads with, when it is the caller's (its own writes bypass the cache).
        """
        sync = conn.sync_connection if conn is not None else None
        if sync is not None and self.tabel & sync.info.get(_DITULIS, frozenset()):
            return await muat()
        sekarang = self.jam()
        ada = self._isi.get(kunci)
        if ada is not None and sekarang - ada[0] < self.ttl:
            return ada[1]
        generasi = self._generasi
        nilai = await muat()
        # Kept only when no write began while we read and none is still open (its commit may be yet to come).
        ditulis = self._pengawas is not None and self._pengawas.sedang_ditulis(self.tabel)
        if generasi == self._generasi and not ditulis and (simpan_none or nilai is not None):
            if len(self._isi) >= MAKS_ISI:
                self._isi = {k: v for k, v in self._isi.items() if sekarang - v[0] < self.ttl}
                if len(self._isi) >= MAKS_ISI:
                    self._isi.clear()
            self._isi[kunci] = (sekarang, nilai)
        return nilai


@functools.lru_cache(maxsize=4096)
def _tabel_ditulis(statement: str) -> frozenset[str]:
    """The watched tables a statement names (a statement's text repeats: the parameters are bound, not in it)."""
    return frozenset(m.lower() for m in _POLA.findall(statement))


class _Pengawas:
    """The caches of one engine and the listeners that empty them."""

    def __init__(self) -> None:
        self.tembolok: dict[str, Tembolok[Any, Any]] = {}
        self._menulis: dict[str, int] = {}  # table -> connections that wrote it and are not back in the pool

    def sedang_ditulis(self, tabel: frozenset[str]) -> bool:
        """Whether a connection that wrote one of these tables is still out (its change may not be committed)."""
        return any(self._menulis.get(t) for t in tabel)

    def kosongkan(self, tabel: Iterable[str]) -> None:
        for t in self.tembolok.values():
            if not t.tabel.isdisjoint(tabel):
                t.kosongkan()

    def sebelum(self, conn: sa.Connection, _cur: Any, statement: str, *_: Any) -> None:
        if statement[:24].lstrip()[:6].upper() == "SELECT":
            return
        tabel = _tabel_ditulis(statement)
        if tabel:
            sudah = conn.info.get(_DITULIS, frozenset())
            for t in tabel - sudah:
                self._menulis[t] = self._menulis.get(t, 0) + 1
            conn.info[_DITULIS] = sudah | tabel
            self.kosongkan(tabel)

    def kembali(self, _dbapi: Any, record: Any) -> None:
        tabel = record.info.pop(_DITULIS, None) if record is not None else None
        if tabel:
            for t in tabel:
                self._menulis[t] -= 1
            self.kosongkan(tabel)


_PENGAWAS: weakref.WeakKeyDictionary[sa.Engine, _Pengawas] = weakref.WeakKeyDictionary()


def pasang(engine: AsyncEngine) -> _Pengawas:
    """Watch the engine's writes to the DIAWASI tables (once per engine; before anything is cached)."""
    sync = engine.sync_engine
    pengawas = _PENGAWAS.get(sync)
    if pengawas is None:
        pengawas = _PENGAWAS[sync] = _Pengawas()
        event.listen(sync, "before_cursor_execute", pengawas.sebelum)
        event.listen(sync, "checkin", pengawas.kembali)
    return pengawas


def untuk(engine: AsyncEngine, nama: str, tabel: Iterable[str]) -> Tembolok[Any, Any]:
    """The engine's cache called ``nama`` (made of ``tabel``, all in DIAWASI), created on first use."""
    pengawas = pasang(engine)
    cache = pengawas.tembolok.get(nama)
    if cache is None:
        cache = Tembolok(tabel, pengawas=pengawas)
        if not cache.tabel <= DIAWASI:
            raise ValueError(f"tabel tidak diawasi: {sorted(cache.tabel - DIAWASI)}")
        pengawas.tembolok[nama] = cache
    return cache
