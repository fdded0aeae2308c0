"""Logistics arrival at polling stations per kab/kota."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import logistik


class BarisKabkota(BaseModel):
    """One kab/kota's counts."""

    kode: str
    nama: str
    tps: int
    sulit: int
    tiba: int
    tiba_sulit: int
    tepat: int
    bermasalah: int
    terlambat: int


class LaporanLogistik(BaseModel):
    """Arrival of logistics at TPS, in total and per kab/kota."""

    total_tps: int
    tps_sulit: int
    tiba: int
    tiba_sulit: int
    tepat: int
    bermasalah: int
    terlambat: int
    kabkota: list[BarisKabkota]


async def build(conn: AsyncConnection, unit_ids: list[int] | None = None) -> LaporanLogistik:
    """Build the logistics report (optionally limited to some kab/kota units)."""
    rows = [BarisKabkota(kode=c.kode, nama=c.nama, tps=c.tps, sulit=c.sulit, tiba=c.tiba, tiba_sulit=c.tiba_sulit,
                         tepat=c.tepat, bermasalah=c.bermasalah, terlambat=c.terlambat)
            for c in await logistik.counts_by_kabkota(conn, unit_ids)]
    return LaporanLogistik(
        total_tps=sum(r.tps for r in rows), tps_sulit=sum(r.sulit for r in rows), tiba=sum(r.tiba for r in rows),
        tiba_sulit=sum(r.tiba_sulit for r in rows), tepat=sum(r.tepat for r in rows),
        bermasalah=sum(r.bermasalah for r in rows), terlambat=sum(r.terlambat for r in rows), kabkota=rows)
