"""Loads what the scope rule (``domain.cakupan``) needs: the unit tree, the kab/kota of a petugas's TPS, the IKU."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cakupan import KOSONG, SEMUA, Cakupan, hitung
from domain.entitas import Pengguna
from storage import org
from storage import tables as t


async def cakupan(conn: AsyncConnection, p: Pengguna | None) -> Cakupan:
    """The scope of a user: what they may see and act on (``domain.cakupan.hitung``)."""
    if p is None or not p.aktif:
        return KOSONG
    if p.role == "admin":
        return SEMUA
    tps: dict[int, int] = {}
    if p.tps_ids:
        q = sa.select(t.tps.c.id, t.tps.c.kabkota_unit_id).where(t.tps.c.id.in_(sorted(p.tps_ids)))
        tps = {i: k for i, k in (await conn.execute(q)).all()}
    iku = (await conn.execute(sa.select(t.indicators.c.unit_id).where(t.indicators.c.tingkat == "renstra")
                              .distinct())).scalars().all()
    return hitung(p, await org.units(conn), tps, iku)
