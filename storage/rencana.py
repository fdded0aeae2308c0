"""Rencana aksi activities and their versioned progress."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Pengguna, RencanaAksi
from domain.kinerja import DitolakError
from domain.rencana import STATUS_RENCANA
from storage import audit
from storage import tables as t
from storage import tahun as tahun_anggaran


async def activities(conn: AsyncConnection, tahun: int | None, unit_ids: list[int] | None = None,
                     ids: list[int] | None = None) -> list[RencanaAksi]:
    """Activities of a year (optionally of some units, or by id) with their latest progress."""
    p = t.rencana_progress
    latest = (sa.select(p.c.rencana_id, sa.func.max(p.c.versi).label("v")).group_by(p.c.rencana_id)
              .subquery())
    q = (sa.select(t.rencana_aksi, t.units.c.code.label("unit_code"), p.c.status, p.c.progres)
         .join(t.units, t.units.c.id == t.rencana_aksi.c.unit_id)
         .outerjoin(latest, latest.c.rencana_id == t.rencana_aksi.c.id)
         .outerjoin(p, sa.and_(p.c.rencana_id == latest.c.rencana_id, p.c.versi == latest.c.v))
         .order_by(t.rencana_aksi.c.kode))
    if tahun is not None:
        q = q.where(t.rencana_aksi.c.tahun == tahun)
    if ids is not None:
        q = q.where(t.rencana_aksi.c.id.in_(ids))
    if unit_ids is not None:
        q = q.where(t.rencana_aksi.c.unit_id.in_(unit_ids))
    return [RencanaAksi(r.id, r.tahun, r.kode, r.uraian, r.pagu, r.volume, r.satuan, r.unit_code, r.bulan_mulai,
                        r.bulan_selesai, r.jadwal_demo, r.status or "belum", r.progres or 0)
            for r in (await conn.execute(q)).all()]


async def latest_year(conn: AsyncConnection) -> int | None:
    """The latest year with an action plan."""
    return (await conn.execute(sa.select(sa.func.max(t.rencana_aksi.c.tahun)))).scalar_one_or_none()


# --- progress reports by unit operators (performance reporting feature) -------------------------------------

async def activity(conn: AsyncConnection, rencana_id: int) -> RencanaAksi | None:
    """One activity with its latest progress."""
    found = await activities(conn, None, ids=[rencana_id])
    return found[0] if found else None


async def unit_of(conn: AsyncConnection, rencana_id: int) -> int | None:
    """The unit an activity is assigned to."""
    q = sa.select(t.rencana_aksi.c.unit_id).where(t.rencana_aksi.c.id == rencana_id)
    return (await conn.execute(q)).scalar_one_or_none()


async def record_progress(conn: AsyncConnection, *, rencana_id: int, status: str, progres: int, catatan: str | None,
                          author: Pengguna, allowed_unit_ids: list[int], now: datetime,
                          draf: str | None = None) -> RencanaAksi:
    """Record an activity's status and progress as a new version (checked, audited).

    A draft (`draf`) already stored by this author writes nothing again (the activity as it is is returned).
    """
    unit_id = await unit_of(conn, rencana_id)
    if unit_id is None or unit_id not in set(allowed_unit_ids):
        raise DitolakError("Kegiatan ini bukan milik unit Anda; perbarui hanya rencana aksi unit Anda.")
    p = t.rencana_progress
    if draf is not None and (await conn.execute(sa.select(p.c.id).where(
            p.c.draf == draf, p.c.author_id == author.id, p.c.rencana_id == rencana_id))).first() is not None:
        sudah = await activity(conn, rencana_id)
        assert sudah is not None
        return sudah
    tahun = (await conn.execute(sa.select(t.rencana_aksi.c.tahun)
                                .where(t.rencana_aksi.c.id == rencana_id))).scalar_one()
    await tahun_anggaran.periksa_terbuka(conn, tahun)
    if status not in STATUS_RENCANA:
        raise DitolakError(f"Status {status!r} tidak dikenal.")
    wajib = {"belum": 0, "selesai": 100}.get(status)
    if (wajib is not None and progres != wajib) or (status == "berjalan" and not 0 <= progres <= 99):
        raise DitolakError(f"Kemajuan {progres} % tidak cocok dengan status {STATUS_RENCANA[status]}.")
    last = (await conn.execute(sa.select(p.c.versi, p.c.status, p.c.progres).where(p.c.rencana_id == rencana_id)
                               .order_by(p.c.versi.desc()).limit(1))).first()
    versi = (last.versi if last else 0) + 1
    await conn.execute(p.insert().values(rencana_id=rencana_id, versi=versi, status=status, progres=progres,
                                         catatan=catatan, author_id=author.id, draf=draf, created_at=now))
    await audit.record(conn, actor=author.name, actor_id=author.id, action="lapor", entity="rencana_aksi",
                       entity_id=rencana_id,
                       old={"status": last.status, "progres": last.progres} if last else None,
                       new={"versi": versi, "status": status, "progres": progres}, now=now)
    out = await activity(conn, rencana_id)
    assert out is not None
    return out
