"""Reports as flat tables (header + rows) for CSV, and the CSV writer with formula neutralising."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
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


def _tgl(d: date | None) -> str:
    return d.isoformat() if d else ""


_KOLOM_LOGISTIK = ["bagian", "kode", "nama", "tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah",
                   "terlambat", "kotak", "kantong", "kirim_mulai", "kirim_selesai", "jumlah_kemasan", "tiba_mulai",
                   "tiba_selesai", "moda", "ke_ppk", "ke_pps", "ke_tps"]


def _logistik(lap: LaporanLogistik) -> tuple[list[str], list[list[Any]]]:
    """Arrival per kab/kota, and with the distribution its boxes, bags and dates, the supplier deliveries and the
    transport modes, as one long table: `bagian` says which rows are which (kabkota, kiriman_penyedia, moda)."""
    def baris(**nilai: Any) -> list[Any]:
        return ["" if nilai.get(k) is None else nilai[k] for k in _KOLOM_LOGISTIK]

    ds = lap.distribusi
    per = {k.kode: k for k in ds.kabkota} if ds else {}
    rows: list[list[Any]] = []
    for k in lap.kabkota:
        d = per.get(k.kode)
        rows.append(baris(bagian="kabkota", kode=k.kode, nama=k.nama, tps=k.tps, sulit=k.sulit, tiba=k.tiba,
                          tiba_sulit=k.tiba_sulit, tepat=k.tepat, bermasalah=k.bermasalah, terlambat=k.terlambat,
                          **({} if d is None else {"kotak": d.kotak, "kantong": d.kantong,
                                                   "kirim_mulai": _tgl(d.kirim_mulai),
                                                   "kirim_selesai": _tgl(d.kirim_selesai)})))
    for x in ds.kiriman if ds else []:
        rows.append(baris(bagian="kiriman_penyedia", nama=x.jenis, kirim_mulai=_tgl(x.tanggal_kirim),
                          jumlah_kemasan=x.kemasan, tiba_mulai=_tgl(x.tiba_mulai), tiba_selesai=_tgl(x.tiba_selesai),
                          moda=x.moda))
    for m in ds.moda if ds else []:
        rows.append(baris(bagian="moda", nama=m.nama, ke_ppk=m.ke_ppk, ke_pps=m.ke_pps, ke_tps=m.ke_tps))
    return list(_KOLOM_LOGISTIK), rows


def table(lap: Any) -> tuple[list[str], list[list[Any]]]:
    """A report as header and rows."""
    if isinstance(lap, LaporanCapaian):
        rows: list[list[Any]] = []
        for r in lap.indikator:
            rows += [[lap.tahun, c.kode, c.sasaran_no, c.indikator, c.target, c.realisasi, _p(c.capaian_persen),
                      c.status, c.kategori or "", "" if c is r else r.kode, c.target_demo, c.realisasi_demo,
                      c.catatan or ""] for c in (r, *r.anak)]
        return (["tahun", "kode", "sasaran", "indikator", "target", "realisasi", "capaian_persen", "status",
                 "kategori", "induk", "target_demo", "realisasi_demo", "catatan"], rows)
    if isinstance(lap, LaporanAnggaran):
        return (["tahun", "tingkat", "kode", "induk", "nama", "pagu", "realisasi", "penyerapan_persen", "catatan"],
                [[lap.tahun, b.tingkat, b.kode, b.induk or "", b.nama, b.pagu,
                  "" if b.realisasi is None else b.realisasi, _p(b.penyerapan_persen), b.catatan or ""]
                 for b in lap.program + lap.kegiatan])
    if isinstance(lap, LaporanLogistik):
        return _logistik(lap)
    if isinstance(lap, LaporanPemutakhiran):
        return (["no", "tahapan", "mulai", "selesai", "pelaksana", *lap.kabkota, "selesai_demo"],
                [[t.no, t.tahapan, t.mulai.isoformat(), t.selesai.isoformat(), t.pelaksana,
                  *(t.status[k] for k in lap.kabkota), " ".join(t.demo)] for t in lap.tahapan])
    if isinstance(lap, LaporanRencanaAksi):
        return (["kode", "uraian", "unit", "pagu", "volume", "satuan", "bulan_mulai", "bulan_selesai",
                 "jadwal_demo", "status", "progres", "terlambat"],
                [[r.kode, r.uraian, r.unit, r.pagu, r.volume, r.satuan, r.bulan_mulai, r.bulan_selesai,
                  r.jadwal_demo, r.status, r.progres, r.terlambat] for r in lap.kegiatan])
    raise TypeError(f"laporan tidak dikenal: {type(lap).__name__}")
