"""Voter-list update stages: status per kab/kota (done on time, late, open, not yet due)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.pemutakhiran import status_tahapan
from storage import org, pemutakhiran, tanda_demo


class BarisTahapan(BaseModel):
    """One stage with its status per kab/kota."""

    no: int
    tahapan: str
    mulai: date
    selesai: date
    pelaksana: str
    status: dict[str, str]  # kab/kota code -> tepat_waktu, terlambat, berjalan, belum_mulai, lewat_batas
    demo: list[str] = []  # kab/kota whose completion date is demo data, not reported (domain.tanda marks it)


class LaporanPemutakhiran(BaseModel):
    """The stages of a year and how each kab/kota stands."""

    tahun: int
    hari_ini: date
    kabkota: list[str]
    tahapan: list[BarisTahapan]
    tepat_waktu: int
    selesai: int
    jumlah: int

    def ada_demo(self) -> bool:
        """Whether any completion shown is demo data."""
        return any(t.demo for t in self.tahapan)


async def build(conn: AsyncConnection, tahun: int | None = None, today: date | None = None) -> LaporanPemutakhiran:
    """Build the stage report for a year (default: the latest with stages)."""
    tahun = tahun or await pemutakhiran.latest_year(conn) or 0
    today = today or date.today()
    kab = await org.units(conn, "kabkota")
    done = await pemutakhiran.completions(conn, tahun)
    demo = await tanda_demo.penyelesaian_demo(conn, tahun)
    rows = []
    for s in await pemutakhiran.stages(conn, tahun):
        rows.append(BarisTahapan(no=s.no, tahapan=s.nama, mulai=s.mulai, selesai=s.selesai, pelaksana=s.pelaksana,
                                 status={k.code: status_tahapan(s.mulai, s.selesai, done.get((s.id, k.id)), today)
                                         for k in kab}, demo=[k.code for k in kab if (s.id, k.id) in demo]))
    cells = [v for r in rows for v in r.status.values()]
    return LaporanPemutakhiran(
        tahun=tahun, hari_ini=today, kabkota=[k.code for k in kab], tahapan=rows,
        tepat_waktu=cells.count("tepat_waktu"), selesai=cells.count("tepat_waktu") + cells.count("terlambat"),
        jumlah=len(cells))


def saring_kabkota(lap: LaporanPemutakhiran, kode: set[str]) -> LaporanPemutakhiran:
    """The report limited to some kab/kota, with the counts recomputed."""
    kab = [k for k in lap.kabkota if k in kode]
    tahapan = [t.model_copy(update={"status": {k: t.status[k] for k in kab}, "demo": [k for k in t.demo if k in kode]})
               for t in lap.tahapan]
    sel = [v for t in tahapan for v in t.status.values()]
    return lap.model_copy(update={"kabkota": kab, "tahapan": tahapan, "tepat_waktu": sel.count("tepat_waktu"),
                                  "selesai": sel.count("tepat_waktu") + sel.count("terlambat"), "jumlah": len(sel)})
