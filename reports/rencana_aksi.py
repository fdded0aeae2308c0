"""Rencana aksi: activities with schedule, progress and lateness."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.rencana import terlambat
from storage import org, rencana


class BarisRencana(BaseModel):
    """One activity."""

    kode: str
    uraian: str
    unit: str
    pagu: int
    volume: int
    satuan: str
    bulan_mulai: int
    bulan_selesai: int
    jadwal_demo: bool
    status: str
    progres: int
    terlambat: bool


class LaporanRencanaAksi(BaseModel):
    """The action plan of a year."""

    tahun: int
    pagu: int
    kegiatan: list[BarisRencana]
    terlambat: int


async def build(conn: AsyncConnection, tahun: int | None = None, unit: str | None = None,
                today: date | None = None) -> LaporanRencanaAksi:
    """Build the action-plan report (optionally for one unit and the units under it)."""
    tahun = tahun or await rencana.latest_year(conn) or 0
    today = today or date.today()
    unit_ids = None
    if unit:
        u = await org.unit_by_code(conn, unit)
        if u is None:
            raise LookupError(f"Unit {unit!r} tidak dikenal.")
        unit_ids = await org.descendants(conn, u.id)
    rows = [BarisRencana(kode=a.kode, uraian=a.uraian, unit=a.unit_code, pagu=a.pagu, volume=a.volume,
                         satuan=a.satuan, bulan_mulai=a.bulan_mulai, bulan_selesai=a.bulan_selesai,
                         jadwal_demo=a.jadwal_demo, status=a.status, progres=a.progres,
                         terlambat=terlambat(a.tahun, a.bulan_selesai, a.status, today))
            for a in await rencana.activities(conn, tahun, unit_ids)]
    return LaporanRencanaAksi(tahun=tahun, pagu=sum(r.pagu for r in rows), kegiatan=rows,
                              terlambat=sum(r.terlambat for r in rows))
