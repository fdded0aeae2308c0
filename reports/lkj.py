"""The LKj's tables as one workbook: 2.3 (program budget), 2.4 (activities), 3.2 (capaian), 3.3 (earlier years),
3.4 (Renstra target), 3.17 (spending per program over the years and per output per indicator).

`build` collects the tables from the same builders the bot and the command line use; `tulis_xlsx` writes them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.anggaran import format_rasio, rasio_efisiensi
from domain.angka import format_percent
from domain.capaian import SKALA_SAKIP, JenisIndikator, nilai_from_canonical
from domain.pemutakhiran import LABEL_STATUS
from domain.rencana import STATUS_RENCANA
from domain.tanda import KETERANGAN_DEMO, KETERANGAN_DEMO_KOLOM, tandai
from domain.tanggal import format_date
from reports import anggaran, capaian, perbandingan
from reports.anggaran import LaporanAnggaran
from reports.capaian import BarisCapaian, LaporanCapaian
from reports.ekspor import BukuKerja, Kolom, NilaiSel
from reports.logistik import Distribusi, LaporanLogistik
from reports.pemutakhiran import LaporanPemutakhiran
from reports.perbandingan import LaporanBanding, LaporanRenstra
from reports.rencana_aksi import LaporanRencanaAksi
from reports.teks import STATUS_CAPAIAN, nilai_teks
from reports.tipe import Persen
from storage import kinerja
from storage import laporan as data

STATUS_RENSTRA = {**STATUS_CAPAIAN, "tanpa_target": "tanpa target Renstra"}
KATEGORI = {k.kode: k.interpretasi for k in SKALA_SAKIP}


class BarisOutput(BaseModel):
    """Spending of one output under an indicator (Tabel 3.17, second part)."""

    indikator_kode: str
    output: str
    realisasi_persen: Persen


class Efisiensi(BaseModel):
    """Capaian against absorption (Bab III D): "1 : 1,1"."""

    capaian_persen: Persen
    penyerapan_persen: Persen
    rasio: str | None


class LaporanLkj(BaseModel):
    """Every table of the LKj that Pantau keeps the data for."""

    tahun: int
    anggaran: LaporanAnggaran
    anggaran_tahunan: list[LaporanAnggaran]
    capaian: LaporanCapaian
    banding: LaporanBanding
    renstra: LaporanRenstra
    output: list[BarisOutput]
    efisiensi: Efisiensi


def efisiensi(capaian_persen: Decimal | None, penyerapan_persen: Decimal | None) -> Efisiensi:
    """The efficiency ratio, or None when either side is missing or absorption is zero."""
    rasio = None
    if capaian_persen is not None and penyerapan_persen:
        rasio = format_rasio(rasio_efisiensi(capaian_persen, penyerapan_persen))
    return Efisiensi(capaian_persen=capaian_persen, penyerapan_persen=penyerapan_persen, rasio=rasio)


async def build(conn: AsyncConnection, tahun: int | None = None, today: date | None = None) -> LaporanLkj:
    """Build the LKj tables of a year (default: the latest year with realisations)."""
    tahun = tahun or await kinerja.latest_year(conn) or 0
    ag = await anggaran.build(conn, tahun)
    cp = await capaian.build(conn, tahun, today=today)
    years = [y for y in await data.budget_years(conn) if tahun - 2 <= y <= tahun]
    tahunan = [await anggaran.build(conn, y) for y in years]
    output = [BarisOutput(indikator_kode=o.indikator_kode, output=o.output, realisasi_persen=o.persen)
              for o in await data.output_realisations(conn, tahun)]
    return LaporanLkj(tahun=tahun, anggaran=ag, anggaran_tahunan=tahunan, capaian=cp,
                      banding=await perbandingan.banding_tahun(conn, tahun, today=today),
                      renstra=await perbandingan.banding_renstra(conn, tahun, today=today), output=output,
                      efisiensi=efisiensi(cp.capaian_persen, ag.penyerapan_persen))


# --- sheets -------------------------------------------------------------------------------------------------

TANPA_RINCIAN = "belum dirinci"
CATATAN_TANPA_RINCIAN = ("Realisasi yang \"belum dirinci\" belum dilaporkan per kegiatan; baris jumlah program memuat "
                         "realisasi tingkat program.")


def nilai_sel(jenis: str, kanonik: str | None) -> NilaiSel:
    """A target or realisation as a workbook cell: a number with its format ("100 %", "3.452"), or the word for a
    grade, an opinion or a pending value."""
    teks = nilai_teks(jenis, kanonik)
    if kanonik is None:
        return NilaiSel(None, teks)
    n = nilai_from_canonical(JenisIndikator(jenis), kanonik)
    return NilaiSel(n.angka, teks, jenis == JenisIndikator.persen)


def _capaian_sel(persen: Decimal | None, status: str) -> Decimal | str:
    # Pending stays a word in the capaian column: never an empty cell a reader could take for zero.
    return persen if persen is not None else STATUS_RENSTRA.get(status, status)


def lembar_anggaran(bk: BukuKerja, lap: LaporanAnggaran) -> None:
    """Tabel 2.3: pagu, realisasi and absorption per program, with the total."""
    lb = bk.lembar("Tabel 2.3", [Kolom("No", "nomor", 5), Kolom("Kode", lebar=8), Kolom("Program", lebar=56),
                                 Kolom("Pagu (Rp)", "rupiah"), Kolom("Realisasi (Rp)", "rupiah"),
                                 Kolom("Penyerapan (%)", "persen", 14), Kolom("Catatan", lebar=50)],
                   judul=f"Tabel 2.3 Pagu dan realisasi anggaran per program tahun {lap.tahun}")
    for i, p in enumerate(lap.program, 1):
        lb.tulis([i, p.kode, p.nama, p.pagu, p.realisasi, p.penyerapan_persen, p.catatan])
    lb.tulis([None, None, "Jumlah", lap.pagu, lap.realisasi, lap.penyerapan_persen, None], tebal=True)


def lembar_kegiatan(bk: BukuKerja, lap: LaporanAnggaran) -> None:
    """Tabel 2.4: pagu per activity under each program."""
    lb = bk.lembar("Tabel 2.4", [Kolom("Program", lebar=9), Kolom("Kode kegiatan", lebar=13),
                                 Kolom("Kegiatan", lebar=70), Kolom("Pagu (Rp)", "rupiah"),
                                 Kolom("Realisasi (Rp)", "rupiah"), Kolom("Penyerapan (%)", "persen", 14)],
                   judul=f"Tabel 2.4 Pagu anggaran per kegiatan tahun {lap.tahun}")
    tanpa_rincian = False
    for p in lap.program:
        keg = [k for k in lap.kegiatan if k.induk == p.kode]
        for k in keg:
            # What is not reported per activity says so; an empty cell would read as nothing spent.
            tanpa_rincian |= k.realisasi is None
            lb.tulis([p.kode, k.kode, k.nama, k.pagu, TANPA_RINCIAN if k.realisasi is None else k.realisasi,
                      k.penyerapan_persen])
        if keg:
            lb.tulis([p.kode, None, f"Jumlah program {p.kode}", sum(k.pagu for k in keg), p.realisasi,
                      p.penyerapan_persen], tebal=True)
    if tanpa_rincian:
        lb.catatan(CATATAN_TANPA_RINCIAN)


def lembar_capaian(bk: BukuKerja, lap: LaporanCapaian, judul: str | None = None) -> None:
    """Tabel 3.2: target, realisasi, capaian, status and category per indicator, then per sasaran and overall."""
    lb = bk.lembar("Tabel 3.2", [
        Kolom("Sasaran", "nomor", 8), Kolom("Kode", lebar=10), Kolom("Indikator kinerja", lebar=64),
        Kolom("Target", "nilai", 10), Kolom("Realisasi", "nilai", 10), Kolom("Capaian (%)", "persen", 13),
        Kolom("Status", lebar=15), Kolom("Kategori", lebar=9), Kolom("Induk", lebar=10),
        Kolom("Data demo", lebar=16), Kolom("Catatan", lebar=60)],
        judul=judul or f"Tabel 3.2 Capaian kinerja tahun {lap.tahun}"
        + (f" — {lap.unit_nama} ({lap.unit})" if lap.unit else ""),
        keterangan=["Capaian yang menunggu (mis. opini BPK \"Proses\") tidak dihitung dalam rata-rata; bukan nol."])
    for r in lap.indikator:
        for c in (r, *r.anak):
            lb.tulis([c.sasaran_no, c.kode, c.indikator if c is r else f"   {c.indikator}",
                      nilai_sel(c.jenis, c.target), nilai_sel(c.jenis, c.realisasi),
                      _capaian_sel(c.capaian_persen, c.status), STATUS_CAPAIAN[c.status], c.kategori,
                      None if c is r else r.kode, _demo(c), c.catatan])
    for s in lap.sasaran:
        lb.tulis([s.no, None, f"Rata-rata sasaran {s.no}: {s.sasaran or ''}", None, None,
                  _capaian_sel(s.capaian_persen, "menunggu"), None, s.kategori, None, None, None], tebal=True)
    lb.tulis([None, None, "Rata-rata capaian seluruh indikator", None, None,
              _capaian_sel(lap.capaian_persen, "menunggu"), None, lap.kategori, None, None, None], tebal=True)
    if lap.kategori:
        lb.catatan(f"Kategori {lap.kategori}: {KATEGORI[lap.kategori]} (skala SAKIP AA >90–100 … D 0–30).")
    if lap.ada_demo():
        lb.catatan(KETERANGAN_DEMO_KOLOM)


def _demo(r: BarisCapaian) -> str | None:
    """The figures of a row that are demo data, marked as in the text reports ("target*, realisasi*")."""
    demo = [tandai(nama, True) for nama, ya in (("target", r.target_demo), ("realisasi", r.realisasi_demo)) if ya]
    return ", ".join(demo) or None


def lembar_banding(bk: BukuKerja, lap: LaporanBanding) -> None:
    """Tabel 3.3: target, realisasi and capaian per year, side by side."""
    kolom = [Kolom("Kode", lebar=8), Kolom("Indikator kinerja", lebar=56)]
    for _ in lap.daftar_tahun:
        kolom += [Kolom("Target", "nilai", 9), Kolom("Realisasi", "nilai", 9), Kolom("Capaian (%)", "persen", 12)]
    kolom.append(Kolom("Tren realisasi", lebar=12))
    lb = bk.lembar("Tabel 3.3", kolom, kelompok=[("Indikator", 2), *((str(y), 3) for y in lap.daftar_tahun),
                                                 ("", 1)],
                   judul=f"Tabel 3.3 Perbandingan realisasi dan capaian kinerja {lap.daftar_tahun[0]}–{lap.tahun}")
    for r in lap.indikator:
        row: list[object] = [r.kode, r.indikator]
        for n in r.tahun:
            row += [nilai_sel(r.jenis, n.target), nilai_sel(r.jenis, n.realisasi),
                    _capaian_sel(n.capaian_persen, n.status)]
        row.append(r.tren or "–")
        lb.tulis(row)
    ringkas: list[object] = [None, "Rata-rata capaian"]
    for s in lap.ringkasan:
        ringkas += [None, None, _capaian_sel(s.capaian_persen, "menunggu")]
    lb.tulis([*ringkas, None], tebal=True)


def lembar_renstra(bk: BukuKerja, lap: LaporanRenstra) -> None:
    """Tabel 3.4: the year's realisation against the target at the end of the Renstra."""
    akhir = lap.tahun_akhir_renstra
    lb = bk.lembar("Tabel 3.4", [
        Kolom("Kode", lebar=8), Kolom("Indikator kinerja", lebar=56), Kolom(f"Target {lap.tahun}", "nilai", 11),
        Kolom(f"Realisasi {lap.tahun}", "nilai", 12), Kolom(f"Capaian {lap.tahun} (%)", "persen", 14),
        Kolom(f"Target akhir Renstra ({akhir or '–'})", "nilai", 14),
        Kolom("Capaian terhadap Renstra (%)", "persen", 16), Kolom("Status", lebar=18)],
        judul=f"Tabel 3.4 Realisasi kinerja {lap.tahun} dibandingkan target akhir Renstra")
    for r in lap.indikator:
        lb.tulis([r.kode, r.indikator, nilai_sel(r.jenis, r.target_tahun), nilai_sel(r.jenis, r.realisasi),
                  _capaian_sel(r.capaian_tahun_persen, "menunggu"), nilai_sel(r.jenis, r.target_renstra),
                  _capaian_sel(r.capaian_persen, r.status), STATUS_RENSTRA[r.status]])
    lb.tulis([None, "Rata-rata terhadap target Renstra", None, None, None, None,
              _capaian_sel(lap.capaian_persen, "menunggu"), lap.kategori], tebal=True)


def lembar_program_tahunan(bk: BukuKerja, daftar: list[LaporanAnggaran]) -> None:
    """Tabel 3.17 (first part): budget and spending per program over the years."""
    lb = bk.lembar("Tabel 3.17 Program", [
        Kolom("Tahun", "nomor", 7), Kolom("Kode", lebar=8), Kolom("Program", lebar=56), Kolom("Pagu (Rp)", "rupiah"),
        Kolom("Realisasi (Rp)", "rupiah"), Kolom("Penyerapan (%)", "persen", 14), Kolom("Catatan", lebar=50)],
        judul="Tabel 3.17 Realisasi anggaran per program")
    for lap in daftar:
        for p in lap.program:
            lb.tulis([lap.tahun, p.kode, p.nama, p.pagu, p.realisasi, p.penyerapan_persen, p.catatan])
        lb.tulis([lap.tahun, None, f"Jumlah {lap.tahun}", lap.pagu, lap.realisasi, lap.penyerapan_persen, None],
                 tebal=True)


def lembar_output(bk: BukuKerja, lkj: LaporanLkj) -> None:
    """Tabel 3.17 (second part): spending per output grouped by indicator, with the indicator's capaian."""
    per_kode = {r.kode: r for r in lkj.capaian.indikator}
    lb = bk.lembar("Tabel 3.17 Output", [
        Kolom("Indikator", lebar=10), Kolom("Capaian indikator (%)", "persen", 14), Kolom("Output", lebar=80),
        Kolom("Realisasi anggaran (%)", "persen", 16)],
        judul=f"Tabel 3.17 Realisasi anggaran per output per indikator tahun {lkj.tahun}")
    for o in lkj.output:
        # The report groups IK3a–c as "IK3": their mean capaian stands beside it.
        rows = [r for k, r in per_kode.items() if k == o.indikator_kode or k.rstrip("abc") == o.indikator_kode]
        nilai = [r.capaian_persen for r in rows if r.capaian_persen is not None]
        cap: Decimal | str | None = (sum(nilai, Decimal(0)) / len(nilai)).quantize(Decimal("0.01")) if nilai else (
            "menunggu" if rows else None)
        lb.tulis([o.indikator_kode, cap, o.output, o.realisasi_persen])
    e = lkj.efisiensi
    if e.rasio:
        lb.catatan(f"Efisiensi: capaian {format_percent(e.capaian_persen)} dengan penyerapan "
                   f"{format_percent(e.penyerapan_persen)} = {e.rasio}.")


def tulis_capaian_xlsx(lap: LaporanCapaian, band: LaporanBanding, ren: LaporanRenstra, target: str | Path | IO[bytes],
                       *, tz: str = "Asia/Jakarta", judul: str | None = None) -> int:
    """The /capaian workbook: Tabel 3.2, 3.3 and 3.4 of one unit and year; returns the data rows written."""
    bk = BukuKerja(target, tz=tz, judul=judul)
    lembar_capaian(bk, lap)
    lembar_banding(bk, band)
    lembar_renstra(bk, ren)
    bk.tutup()
    return bk.jumlah_baris


def tulis_xlsx(lkj: LaporanLkj, target: str | Path | IO[bytes], *, tz: str = "Asia/Jakarta") -> int:
    """Write the LKj workbook; returns the data rows written."""
    bk = BukuKerja(target, tz=tz, judul=f"Tabel LKj {lkj.tahun}")
    lembar_anggaran(bk, lkj.anggaran)
    if lkj.anggaran.kegiatan:
        lembar_kegiatan(bk, lkj.anggaran)
    lembar_capaian(bk, lkj.capaian)
    lembar_banding(bk, lkj.banding)
    lembar_renstra(bk, lkj.renstra)
    lembar_program_tahunan(bk, lkj.anggaran_tahunan)
    lembar_output(bk, lkj)
    bk.tutup()
    return bk.jumlah_baris


# --- single reports as workbooks (`pantau report … --format xlsx`, the bot's "Unduh XLSX") --------------------

def lembar_pemutakhiran(bk: BukuKerja, lap: LaporanPemutakhiran, nama_kabkota: dict[str, str] | None = None) -> None:
    """The stage status grid: one row per stage, one column per kab/kota."""
    nama_kabkota = nama_kabkota or {}
    kolom = [Kolom("No", "nomor", 5), Kolom("Tahapan", lebar=48), Kolom("Mulai", "tanggal"),
             Kolom("Selesai", "tanggal"), Kolom("Pelaksana", lebar=12)]
    kolom += [Kolom(nama_kabkota.get(k, k), lebar=14) for k in lap.kabkota]
    lb = bk.lembar("Pemutakhiran", kolom, judul=f"Status tahapan pemutakhiran data pemilih {lap.tahun}",
                   keterangan=[f"Per {format_date(lap.hari_ini)}; selesai tepat waktu {lap.tepat_waktu} dari "
                               f"{lap.jumlah} (tahapan × kab/kota)."])
    for t in lap.tahapan:
        lb.tulis([t.no, t.tahapan, t.mulai, t.selesai, t.pelaksana,
                  *(tandai(LABEL_STATUS[t.status[k]], k in t.demo) for k in lap.kabkota)])
    if lap.ada_demo():
        lb.catatan(KETERANGAN_DEMO)


def lembar_logistik(bk: BukuKerja, lap: LaporanLogistik) -> None:
    """Arrival of logistics per kab/kota."""
    lb = bk.lembar("Logistik", [
        Kolom("Kode", lebar=10), Kolom("KPU Kab/Kota", lebar=34), Kolom("TPS", "bulat"), Kolom("TPS sulit", "bulat"),
        Kolom("Sudah tiba", "bulat"), Kolom("Tiba di TPS sulit", "bulat"), Kolom("Tepat", "bulat"),
        Kolom("Bermasalah", "bulat"), Kolom("Terlambat", "bulat")], judul="Ketibaan logistik di TPS")
    for k in lap.kabkota:
        lb.tulis([k.kode, k.nama, k.tps, k.sulit, k.tiba, k.tiba_sulit, k.tepat, k.bermasalah, k.terlambat])
    lb.tulis([None, "Jumlah", lap.total_tps, lap.tps_sulit, lap.tiba, lap.tiba_sulit, lap.tepat, lap.bermasalah,
              lap.terlambat], tebal=True)
    if lap.distribusi is not None:
        lembar_distribusi(bk, lap.distribusi)


def lembar_distribusi(bk: BukuKerja, ds: Distribusi) -> None:
    """Tabel 3.15 (boxes and bags per kab/kota, dispatch dates), 3.13 (supplier deliveries), 3.16 (transport)."""
    lb = bk.lembar("Tabel 3.15", [
        Kolom("Kode", lebar=10), Kolom("KPU Kab/Kota", lebar=34), Kolom("TPS", "bulat"),
        Kolom("Kotak suara berisi logistik (buah)", "bulat", 16),
        Kolom("Kantong plastik berisi logistik (bungkus)", "bulat", 16), Kolom("Kirim mulai", "tanggal"),
        Kolom("Kirim selesai", "tanggal")], judul="Tabel 3.15 Pendistribusian logistik dari KPU kabupaten/kota ke TPS",
        keterangan=[f"Kotak dan kantong = TPS × norma per TPS ({ds.norma_kotak} kotak, {ds.norma_kantong} kantong)."])
    for k in ds.kabkota:
        lb.tulis([k.kode, k.nama, k.tps, k.kotak, k.kantong, k.kirim_mulai, k.kirim_selesai])
    lb.tulis([None, "Jumlah", sum(k.tps for k in ds.kabkota), ds.kotak, ds.kantong, None, None], tebal=True)
    if ds.kiriman:
        lb = bk.lembar("Tabel 3.13", [
            Kolom("No", "nomor", 5), Kolom("Jenis logistik", lebar=40), Kolom("Jumlah kemasan", "bulat", 12),
            Kolom("Tanggal kirim", "tanggal"), Kolom("Tiba mulai", "tanggal"), Kolom("Tiba selesai", "tanggal"),
            Kolom("Moda", lebar=10)], judul="Tabel 3.13 Pendistribusian logistik dari penyedia ke KPU kabupaten/kota")
        for i, x in enumerate(ds.kiriman, 1):
            lb.tulis([i, x.jenis, x.kemasan, x.tanggal_kirim, x.tiba_mulai, x.tiba_selesai, x.moda])
    if ds.moda:
        lb = bk.lembar("Tabel 3.16", [Kolom("No", "nomor", 5), Kolom("Jenis transportasi", lebar=40),
                                      Kolom("PPK", "bulat"), Kolom("PPS", "bulat"), Kolom("TPS", "bulat")],
                       judul="Tabel 3.16 Moda transportasi logistik sampai ke TPS")
        for i, m in enumerate(ds.moda, 1):
            lb.tulis([i, m.nama, m.ke_ppk, m.ke_pps, m.ke_tps])


def lembar_rencana(bk: BukuKerja, lap: LaporanRencanaAksi) -> None:
    """The action plan."""
    lb = bk.lembar("Rencana aksi", [
        Kolom("Kode", lebar=16), Kolom("Uraian", lebar=56), Kolom("Unit", lebar=10), Kolom("Pagu (Rp)", "rupiah"),
        Kolom("Volume", "bulat", 9), Kolom("Satuan", lebar=12), Kolom("Bulan mulai", "nomor", 8),
        Kolom("Bulan selesai", "nomor", 8), Kolom("Jadwal demo", "ya_tidak", 9), Kolom("Status", lebar=12),
        Kolom("Kemajuan (%)", "bulat", 10), Kolom("Terlambat", "ya_tidak", 9)],
        judul=f"Rencana aksi {lap.tahun}")
    for r in lap.kegiatan:
        lb.tulis([r.kode, r.uraian, r.unit, r.pagu, r.volume, r.satuan, r.bulan_mulai, r.bulan_selesai, r.jadwal_demo,
                  STATUS_RENCANA.get(r.status, r.status), r.progres, r.terlambat])
    lb.tulis([None, "Jumlah", None, lap.pagu], tebal=True)


def laporan_xlsx(lap: BaseModel, target: str | Path | IO[bytes], *, tz: str = "Asia/Jakarta",
                 nama_kabkota: dict[str, str] | None = None) -> int:
    """Write one report (capaian, anggaran, logistik, pemutakhiran, rencana aksi, LKj) as a workbook; returns the
    data rows written."""
    if isinstance(lap, LaporanLkj):
        return tulis_xlsx(lap, target, tz=tz)
    bk = BukuKerja(target, tz=tz)
    if isinstance(lap, LaporanCapaian):
        lembar_capaian(bk, lap)
    elif isinstance(lap, LaporanAnggaran):
        lembar_anggaran(bk, lap)
        if lap.kegiatan:
            lembar_kegiatan(bk, lap)
    elif isinstance(lap, LaporanBanding):
        lembar_banding(bk, lap)
    elif isinstance(lap, LaporanRenstra):
        lembar_renstra(bk, lap)
    elif isinstance(lap, LaporanPemutakhiran):
        lembar_pemutakhiran(bk, lap, nama_kabkota)
    elif isinstance(lap, LaporanLogistik):
        lembar_logistik(bk, lap)
    elif isinstance(lap, LaporanRencanaAksi):
        lembar_rencana(bk, lap)
    else:
        bk.tutup()
        raise TypeError(f"laporan tidak dikenal: {type(lap).__name__}")
    bk.tutup()
    return bk.jumlah_baris
