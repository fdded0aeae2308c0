"""Logistics: counts of polling stations and arrivals per kab/kota."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t


@dataclass(frozen=True)
class HitungKabkota:
    """Counts for one kab/kota."""

    unit_id: int
    kode: str
    nama: str
    tps: int
    sulit: int
    tiba: int
    tiba_sulit: int
    tepat: int
    bermasalah: int
    terlambat: int


async def counts_by_kabkota(conn: AsyncConnection, unit_ids: list[int] | None = None) -> list[HitungKabkota]:
    """Per kab/kota: TPS, TPS sulit, TPS with an arrival report and how the latest reports judge them."""
    a = t.arrival_reports
    latest = sa.select(a.c.tps_id, sa.func.max(a.c.versi).label("v")).group_by(a.c.tps_id).subquery()
    last = (sa.select(a.c.tps_id, a.c.lengkap, a.c.tepat, a.c.terlambat)
            .join(latest, sa.and_(latest.c.tps_id == a.c.tps_id, latest.c.v == a.c.versi)).subquery())
    one = sa.literal(1)
    q = (sa.select(
        t.units.c.id, t.units.c.code, t.units.c.name,
        sa.func.count(t.tps.c.id),
        sa.func.sum(sa.case((t.tps.c.sulit, one), else_=0)),
        sa.func.sum(sa.case((last.c.tps_id.is_not(None), one), else_=0)),
        sa.func.sum(sa.case((sa.and_(last.c.tps_id.is_not(None), t.tps.c.sulit), one), else_=0)),
        sa.func.sum(sa.case((last.c.tepat, one), else_=0)),
        sa.func.sum(sa.case((sa.not_(last.c.lengkap), one), else_=0)),
        sa.func.sum(sa.case((last.c.terlambat, one), else_=0)),
    ).select_from(t.units.join(t.tps, t.tps.c.kabkota_unit_id == t.units.c.id)
                  .outerjoin(last, last.c.tps_id == t.tps.c.id))
        .where(t.units.c.kind == "kabkota").group_by(t.units.c.id, t.units.c.code, t.units.c.name)
        .order_by(t.units.c.code))
    if unit_ids is not None:
        q = q.where(t.units.c.id.in_(unit_ids))
    return [HitungKabkota(r[0], r[1], r[2], *(int(x or 0) for x in r[3:])) for r in (await conn.execute(q)).all()]
