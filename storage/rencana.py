"""Rencana aksi activities and their versioned progress."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import RencanaAksi
from storage import tables as t


async def activities(conn: AsyncConnection, tahun: int, unit_ids: list[int] | None = None) -> list[RencanaAksi]:
    """Activities of a year (optionally of some units) with their latest progress."""
    p = t.rencana_progress
    latest = (sa.select(p.c.rencana_id, sa.func.max(p.c.versi).label("v")).group_by(p.c.rencana_id)
              .subquery())
    q = (sa.select(t.rencana_aksi, t.units.c.code.label("unit_code"), p.c.status, p.c.progres)
         .join(t.units, t.units.c.id == t.rencana_aksi.c.unit_id)
         .outerjoin(latest, latest.c.rencana_id == t.rencana_aksi.c.id)
         .outerjoin(p, sa.and_(p.c.rencana_id == latest.c.rencana_id, p.c.versi == latest.c.v))
         .where(t.rencana_aksi.c.tahun == tahun).order_by(t.rencana_aksi.c.kode))
    if unit_ids is not None:
        q = q.where(t.rencana_aksi.c.unit_id.in_(unit_ids))
    return [RencanaAksi(r.id, r.tahun, r.kode, r.uraian, r.pagu, r.volume, r.satuan, r.unit_code, r.bulan_mulai,
                        r.bulan_selesai, r.jadwal_demo, r.status or "belum", r.progres or 0)
            for r in (await conn.execute(q)).all()]


async def latest_year(conn: AsyncConnection) -> int | None:
    """The latest year with an action plan."""
    return (await conn.execute(sa.select(sa.func.max(t.rencana_aksi.c.tahun)))).scalar_one_or_none()
