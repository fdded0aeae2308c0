"""Voter-list update stages: status per kab/kota (done on time, late, open, not yet due)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.pemutakhiran import status_tahapan
from storage import org, pemutakhiran


class BarisTahapan(BaseModel):
    """One stage with its status per kab/kota."""

    no: int
    tahapan: str
    mulai: date
    selesai: date
    pelaksana: str
    status: dict[str, str]  # kab/kota code -> tepat_waktu, terlambat, berjalan, belum_mulai, lewat_batas


class LaporanPemutakhiran(BaseModel):
    """The stages of a year and how each kab/kota stands."""

    tahun: int
    hari_ini: date
    kabkota: list[str]
    tahapan: list[BarisTahapan]
    tepat_waktu: int
    selesai: int
    jumlah: int


async def build(conn: AsyncConnection, tahun: int | None = None, today: date | None = None) -> LaporanPemutakhiran:
    """Build the stage report for a year (default: the latest with stages)."""
    tahun = tahun or await pemutakhiran.latest_year(conn) or 0
    today = today or date.today()
    kab = await org.units(conn, "kabkota")
    done = await pemutakhiran.completions(conn, tahun)
    rows = []
    for s in await pemutakhiran.stages(conn, tahun):
        rows.append(BarisTahapan(no=s.no, tahapan=s.nama, mulai=s.mulai, selesai=s.selesai, pelaksana=s.pelaksana,
                                 status={k.code: status_tahapan(s.mulai, s.selesai, done.get((s.id, k.id)), today)
                                         for k in kab}))
    cells = [v for r in rows for v in r.status.values()]
    return LaporanPemutakhiran(
        tahun=tahun, hari_ini=today, kabkota=[k.code for k in kab], tahapan=rows,
        tepat_waktu=cells.count("tepat_waktu"), selesai=cells.count("tepat_waktu") + cells.count("terlambat"),
        jumlah=len(cells))
