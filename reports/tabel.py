"""Reports as flat tables (header + rows) for CSV, and the CSV writer with formula neutralising."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from domain.rumus import AWAL_NFKC as AWAL_NFKC
from domain.rumus import awal_berbahaya as awal_berbahaya
from domain.rumus import netralkan as netralkan
from reports.anggaran import LaporanAnggaran
from reports.capaian import LaporanCapaian
from reports.logistik import LaporanLogistik
from reports.pemutakhiran import LaporanPemutakhiran
from reports.rencana_aksi import LaporanRencanaAksi


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: io.TextIOBase | Any,
              *, bom: bool = False) -> int:
    """Stream rows as CSV (UTF-8, optional BOM for Excel); returns the number of rows written."""
    if bom:
        out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow([netralkan(v) for v in row])
        n += 1
    return n


def _p(v: Any) -> str:
    return "" if v is None else f"{v:.2f}"


def table(lap: Any) -> tuple[list[str], list[list[Any]]]:
    """A report as header and rows."""
    if isinstance(lap, LaporanCapaian):
        rows: list[list[Any]] = []
        for r in lap.indikator:
            rows.append([lap.tahun, r.kode, r.sasaran_no, r.indikator, r.target, r.realisasi, _p(r.capaian_persen),
                         r.status, r.kategori or "", ""])
            rows += [[lap.tahun, c.kode, c.sasaran_no, c.indikator, c.target, c.realisasi, _p(c.capaian_persen),
                      c.status, c.kategori or "", r.kode] for c in r.anak]
        return (["tahun", "kode", "sasaran", "indikator", "target", "realisasi", "capaian_persen", "status",
                 "kategori", "induk"], rows)
    if isinstance(lap, LaporanAnggaran):
        return (["tahun", "tingkat", "kode", "induk", "nama", "pagu", "realisasi", "penyerapan_persen"],
                [[lap.tahun, b.tingkat, b.kode, b.induk or "", b.nama, b.pagu,
                  "" if b.realisasi is None else b.realisasi, _p(b.penyerapan_persen)]
                 for b in lap.program + lap.kegiatan])
    if isinstance(lap, LaporanLogistik):
        return (["kode", "nama", "tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat"],
                [[k.kode, k.nama, k.tps, k.sulit, k.tiba, k.tiba_sulit, k.tepat, k.bermasalah, k.terlambat]
                 for k in lap.kabkota])
    if isinstance(lap, LaporanPemutakhiran):
        return (["no", "tahapan", "mulai", "selesai", "pelaksana", *lap.kabkota],
                [[t.no, t.tahapan, t.mulai.isoformat(), t.selesai.isoformat(), t.pelaksana,
                  *(t.status[k] for k in lap.kabkota)] for t in lap.tahapan])
    if isinstance(lap, LaporanRencanaAksi):
        return (["kode", "uraian", "unit", "pagu", "volume", "satuan", "bulan_mulai", "bulan_selesai",
                 "jadwal_demo", "status", "progres", "terlambat"],
                [[r.kode, r.uraian, r.unit, r.pagu, r.volume, r.satuan, r.bulan_mulai, r.bulan_selesai,
                  r.jadwal_demo, r.status, r.progres, r.terlambat] for r in lap.kegiatan])
    raise TypeError(f"laporan tidak dikenal: {type(lap).__name__}")
