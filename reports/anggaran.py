"""Budget: pagu against realisasi per program and activity, absorption (the LKj's Tabel 2.3 and 2.4)."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.anggaran import penyerapan
from domain.entitas import MataAnggaran
from reports.tipe import Persen
from storage import anggaran


class BarisAnggaran(BaseModel):
    """One budget line."""

    kode: str
    nama: str
    tingkat: str
    pagu: int
    realisasi: int | None
    penyerapan_persen: Persen
    induk: str | None = None
    catatan: str | None = None  # the note of the spending figure (its source, a correction's reason)


class LaporanAnggaran(BaseModel):
    """The budget report of a year."""

    tahun: int
    pagu: int
    realisasi: int
    penyerapan_persen: Persen
    program: list[BarisAnggaran]
    kegiatan: list[BarisAnggaran]
    output: list[BarisAnggaran] = []  # outputs (rencana aksi codes) with the spending units report
    revisi: str | None = None  # the DIPA/POK (revision) the pagu come from, when one was imported


async def build(conn: AsyncConnection, tahun: int | None = None,
                unit_ids: Collection[int] | None = None) -> LaporanAnggaran:
    """Build the budget report for a year (default: the latest with data), limited to the lines of some units
    (a scope's ``organisasi_ids``; None: every line)."""
    tahun = tahun or await anggaran.latest_year(conn) or 0
    lines = await anggaran.lines(conn, tahun)
    if unit_ids is not None:
        lines = [m for m in lines if m.unit_id in unit_ids]
    by_id = {m.id: m for m in lines}
    catatan = await anggaran.catatan(conn, tahun)

    def row(m: MataAnggaran) -> BarisAnggaran:
        parent = by_id.get(m.parent_id) if m.parent_id else None
        absorbed = penyerapan(m.realisasi, m.pagu) if m.realisasi is not None else None
        return BarisAnggaran(kode=m.kode, nama=m.nama, tingkat=m.tingkat, pagu=m.pagu, realisasi=m.realisasi,
                             penyerapan_persen=absorbed, induk=parent.kode if parent else None,
                             catatan=catatan.get(m.kode))

    program = [row(m) for m in lines if m.tingkat == "program"]
    kegiatan = [row(m) for m in lines if m.tingkat == "kegiatan"]
    output = [row(m) for m in lines if m.tingkat == "output"]
    pagu = sum(p.pagu for p in program)
    real = sum(p.realisasi or 0 for p in program)
    return LaporanAnggaran(tahun=tahun, pagu=pagu, realisasi=real, penyerapan_persen=penyerapan(real, pagu),
                           program=program, kegiatan=kegiatan, output=output,
                           revisi=await anggaran.revisi_terbaru(conn, tahun))
