"""Election events: a Pemilu, a Pilkada or a re-vote inside a year, with its schedule per kab/kota, its elections
(each with a ballot) and its ballot norms.

An event *runs* from three months before its first voting day (supplier deliveries to the warehouses) or its
first dispatch, whichever is earlier, until a week after its last voting day (late arrival reports and
corrections still come in); /tiba, /logistik and /gudang work on the running event.
While an event runs its schedule is the logistics schedule in force (``logistics_schedule``, which the deadlines
and the arrival checks read): ``terapkan`` copies it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import audit, tembolok
from storage import tables as t
from storage.db import inserted_id

JENIS = {"pemilu": "Pemilu", "pilkada": "Pilkada", "psu": "Pemungutan suara ulang"}
STATUS = ("dijadwalkan", "selesai", "dibatalkan")
# Before the first voting day an event runs this long (supplier deliveries to the warehouses) ...
PERSIAPAN = timedelta(days=90)
# ... and after the last one this long: late reports and corrections of arrivals.
EKOR = timedelta(days=7)


@dataclass(frozen=True)
class Pemilihan:
    """One election event with the span of its schedule."""

    id: int
    kode: str
    nama: str
    jenis: str
    tahun: int
    status: str
    demo: bool
    kirim_mulai: date | None  # first dispatch start of any kab/kota
    pemungutan_awal: date | None  # the earliest voting day of any kab/kota
    pemungutan: date | None  # the latest voting day of any kab/kota

    @property
    def mulai(self) -> date | None:
        """The first day the event runs."""
        if self.kirim_mulai is None or self.pemungutan_awal is None:
            return None
        return min(self.kirim_mulai, self.pemungutan_awal - PERSIAPAN)

    def berjalan_pada(self, hari: date) -> bool:
        """Whether the event runs on this day."""
        return (self.status != "dibatalkan" and self.mulai is not None and self.pemungutan is not None
                and self.mulai <= hari <= self.pemungutan + EKOR)


@dataclass(frozen=True)
class JadwalKabkota:
    """An event's schedule in one kab/kota."""

    kabkota_unit_id: int
    kirim_mulai: date
    batas_tiba: datetime
    batas_tiba_sulit: datetime
    pemungutan: date


@dataclass(frozen=True)
class Surat:
    """One election of an event and its ballot (a logistics item code)."""

    nama: str
    item_kode: str


@dataclass(frozen=True)
class Norma:
    """A ballot or item norm of an event: fixed per TPS, or DPT plus a reserve."""

    item_kode: str
    per_tps: int | None
    cadangan_persen: Decimal | None


def _q() -> sa.Select[tuple[int, str, str, str, int, str, bool, date | None, date | None, date | None]]:
    p, j = t.pemilihan, t.pemilihan_jadwal
    return (sa.select(p.c.id, p.c.kode, p.c.nama, p.c.jenis, p.c.tahun, p.c.status, p.c.demo,
                      sa.func.min(j.c.kirim_mulai), sa.func.min(j.c.pemungutan), sa.func.max(j.c.pemungutan))
            .select_from(p.outerjoin(j, j.c.pemilihan_id == p.c.id))
            .group_by(p.c.id, p.c.kode, p.c.nama, p.c.jenis, p.c.tahun, p.c.status, p.c.demo))


def _pemilihan(r: Any) -> Pemilihan:
    return Pemilihan(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9])


_Q_SEMUA = _q()


async def semua(conn: AsyncConnection) -> list[Pemilihan]:
    """Every event, by its start (events without a schedule last).

    Through the engine's short-lived cache (storage.tembolok): every step of /tiba, /gudang and /logistik asks
    which event runs; an event or schedule written by another process is seen within its few seconds."""
    async def muat() -> tuple[Pemilihan, ...]:
        rows = [_pemilihan(r) for r in (await conn.execute(_Q_SEMUA)).all()]
        return tuple(sorted(rows, key=lambda e: (e.mulai is None, e.mulai or date.max, e.id)))

    cache = tembolok.untuk(conn.engine, "pemilihan", ("pemilihan", "pemilihan_jadwal"))
    return list(await cache.ambil("semua", muat, conn=conn))


async def berjalan(conn: AsyncConnection, hari: date) -> Pemilihan | None:
    """The event running on this day (when two overlap, the one whose voting day is nearest ahead)."""
    aktif = [e for e in await semua(conn) if e.berjalan_pada(hari)]
    return min(aktif, key=lambda e: ((e.pemungutan or date.max) < hari, e.pemungutan or date.max), default=None)


async def berikutnya(conn: AsyncConnection, hari: date) -> Pemilihan | None:
    """The next event that has not started yet (None: none scheduled)."""
    return next((e for e in await semua(conn)
                 if e.status != "dibatalkan" and e.mulai is not None and e.mulai > hari), None)


async def ditampilkan(conn: AsyncConnection, hari: date) -> Pemilihan | None:
    """The event a logistics report shows on this day: the running one, else the last one that has started (its
    final counts), else None (the reports filed while no event ran)."""
    jalan = await berjalan(conn, hari)
    if jalan is not None:
        return jalan
    lewat = [e for e in await semua(conn) if e.status != "dibatalkan" and e.mulai is not None and e.mulai <= hari]
    return lewat[-1] if lewat else None


async def by_kode(conn: AsyncConnection, kode: str) -> Pemilihan | None:
    """An event by its code."""
    r = (await conn.execute(_q().where(t.pemilihan.c.kode == kode))).first()
    return _pemilihan(r) if r else None


async def di_tahun(conn: AsyncConnection, tahun: int) -> list[Pemilihan]:
    """The events of one year."""
    return [e for e in await semua(conn) if e.tahun == tahun]


async def jadwal(conn: AsyncConnection, pemilihan_id: int) -> list[JadwalKabkota]:
    """The event's schedule per kab/kota."""
    j = t.pemilihan_jadwal
    q = (sa.select(j.c.kabkota_unit_id, j.c.kirim_mulai, j.c.batas_tiba, j.c.batas_tiba_sulit, j.c.pemungutan)
         .where(j.c.pemilihan_id == pemilihan_id).order_by(j.c.kabkota_unit_id))
    return [JadwalKabkota(*r) for r in (await conn.execute(q)).all()]


async def surat(conn: AsyncConnection, pemilihan_id: int) -> list[Surat]:
    """The elections the event holds, each with its ballot."""
    s = t.pemilihan_surat
    q = sa.select(s.c.nama, s.c.item_kode).where(s.c.pemilihan_id == pemilihan_id).order_by(s.c.id)
    return [Surat(*r) for r in (await conn.execute(q)).all()]


async def norma(conn: AsyncConnection, pemilihan_id: int) -> list[Norma]:
    """The event's item norms."""
    n = t.pemilihan_norma
    q = (sa.select(n.c.item_kode, n.c.per_tps, n.c.cadangan_persen).where(n.c.pemilihan_id == pemilihan_id)
         .order_by(n.c.id))
    return [Norma(k, p, None if c is None else Decimal(str(c))) for k, p, c in (await conn.execute(q)).all()]


@dataclass(frozen=True)
class MasukanPemilihan:
    """A whole event as an import or the demo gives it."""

    kode: str
    nama: str
    jenis: str
    tahun: int
    jadwal: Sequence[JadwalKabkota]
    surat: Sequence[Surat] = ()
    norma: Sequence[Norma] = ()
    status: str = "dijadwalkan"
    demo: bool = False


async def simpan(conn: AsyncConnection, m: MasukanPemilihan, *, actor: str, now: datetime) -> int:
    """Create an event, or replace the schedule, elections and norms of the one with this code (its arrival
    reports stay); audited. Returns the event's id."""
    p = t.pemilihan
    lama = await by_kode(conn, m.kode)
    nilai = {"nama": m.nama, "jenis": m.jenis, "tahun": m.tahun, "status": m.status, "demo": m.demo}
    if lama is None:
        pid = inserted_id(await conn.execute(p.insert().values(kode=m.kode, created_at=now, **nilai)))
    else:
        pid = lama.id
        await conn.execute(p.update().where(p.c.id == pid).values(**nilai))
        for tabel in (t.pemilihan_jadwal, t.pemilihan_surat, t.pemilihan_norma):
            await conn.execute(tabel.delete().where(tabel.c.pemilihan_id == pid))
    if m.jadwal:
        await conn.execute(t.pemilihan_jadwal.insert(), [
            {"pemilihan_id": pid, "kabkota_unit_id": j.kabkota_unit_id, "kirim_mulai": j.kirim_mulai,
             "batas_tiba": j.batas_tiba, "batas_tiba_sulit": j.batas_tiba_sulit, "pemungutan": j.pemungutan}
            for j in m.jadwal])
    if m.surat:
        await conn.execute(t.pemilihan_surat.insert(), [
            {"pemilihan_id": pid, "nama": s.nama, "item_kode": s.item_kode} for s in m.surat])
    if m.norma:
        await conn.execute(t.pemilihan_norma.insert(), [
            {"pemilihan_id": pid, "item_kode": n.item_kode, "per_tps": n.per_tps,
             "cadangan_persen": n.cadangan_persen} for n in m.norma])
    await audit.record(conn, actor=actor, action="pemilihan.simpan" if lama is None else "pemilihan.ubah",
                       entity=f"pemilihan:{m.kode}", old=None, new={
                           "nama": m.nama, "tahun": m.tahun, "kabkota": len(m.jadwal),
                           "surat": [s.item_kode for s in m.surat]}, now=now)
    return pid


async def terapkan(conn: AsyncConnection, pemilihan_id: int) -> None:
    """Make the event's schedule and norms the ones in force: the logistics schedule the deadlines and the arrival
    checks read, and the norms of the items /tiba expects (items the event has no norm for keep theirs)."""
    ls = t.logistics_schedule
    await conn.execute(ls.delete())
    rows = await jadwal(conn, pemilihan_id)
    if rows:
        await conn.execute(ls.insert(), [
            {"kabkota_unit_id": j.kabkota_unit_id, "kirim_mulai": j.kirim_mulai, "kirim_selesai": None,
             "batas_tiba": j.batas_tiba, "batas_tiba_sulit": j.batas_tiba_sulit} for j in rows])
    li = t.logistics_items
    for n in await norma(conn, pemilihan_id):
        await conn.execute(li.update().where(li.c.kode == n.item_kode)
                           .values(per_tps=n.per_tps, cadangan_persen=n.cadangan_persen))


BERLAKU = "pemilihan.berlaku"  # app_settings: the id of the event whose schedule is in force


async def berlakukan(conn: AsyncConnection, hari: date, *, ulang: bool = False) -> int | None:
    """Put in force the schedule of the event running on this day (else of the next one), once per change of
    event (``ulang``: again, its schedule or norms were just imported); returns the id applied now (None: nothing
    changed). The reminder sweep's sync and the imports call it."""
    e = await berjalan(conn, hari) or await berikutnya(conn, hari)
    if e is None:
        return None
    a = t.app_settings
    lama = (await conn.execute(sa.select(a.c.value).where(a.c.key == BERLAKU))).scalar_one_or_none()
    if lama == {"id": e.id} and not ulang:
        return None
    await terapkan(conn, e.id)
    if lama is None:
        await conn.execute(a.insert().values(key=BERLAKU, value={"id": e.id}))
    else:
        await conn.execute(a.update().where(a.c.key == BERLAKU).values(value={"id": e.id}))
    return e.id


async def untuk_laporan(conn: AsyncConnection, hari: date) -> int | None:
    """The id of the event an arrival report filed on this day belongs to (None: no event runs)."""
    e = await berjalan(conn, hari)
    return e.id if e else None

