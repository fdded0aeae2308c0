"""The LKjIP (Laporan Kinerja Instansi Pemerintah) as a structured outline: sections, paragraphs, tables, figures,
footnotes, in the order of the published report (Permenpan RB 53/2014).

`build` reads the year through the same report builders as /capaian, /anggaran, /logistik, /pemutakhiran and the
LKj workbook (async, on the event loop); `susun` turns that into the outline and draws the charts with the same
renderers (sync: run it in a thread). Where the published report prints a figure that contradicts the data
(`storage.lkjip.angka_terbit`), the outline prints the published figure and footnotes the data's. Text only a
person can write is a paragraph marked as a draft, prefilled with what the data says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.angka import format_number, format_percent, format_rupiah
from domain.capaian import SKALA_SAKIP
from domain.pemutakhiran import LABEL_STATUS
from domain.rencana import STATUS_RENCANA
from domain.tanggal import format_date
from reports import capaian as rp_capaian
from reports import grafik, grafik_logistik, lkj, logistik, pemutakhiran, rencana_aksi
from reports.capaian import BarisCapaian, LaporanCapaian
from reports.lkj import LaporanLkj
from reports.logistik import Distribusi, LaporanLogistik
from reports.pemutakhiran import LaporanPemutakhiran
from reports.rencana_aksi import LaporanRencanaAksi
from reports.teks import STATUS_CAPAIAN, nilai_teks
from storage import kinerja, org, pemilihan
from storage import laporan as data
from storage import lkjip as sumber

DRAF = "[Draf — lengkapi: {apa}]"
TANPA_DATA = "Belum ada data kinerja untuk menyusun draf LKjIP; muat data tahun itu lebih dulu."


class TanpaData(LookupError):
    """The database holds no performance data to draft from."""


# --- the outline ------------------------------------------------------------------------------------------------

class Sel(BaseModel):
    """A table cell; `catatan` are footnote numbers shown after the text."""

    teks: str
    catatan: list[int] = []


class Judul(BaseModel):
    """A heading (level 1: Bab, level 2: A/B/C, level 3: a sasaran)."""

    jenis: Literal["judul"] = "judul"
    teks: str
    tingkat: int


class Paragraf(BaseModel):
    """A paragraph; `draf` marks text a person must write or check."""

    jenis: Literal["paragraf"] = "paragraf"
    teks: str
    draf: bool = False
    catatan: list[int] = []


class Tabel(BaseModel):
    """A numbered table: header rows (repeated on every page), body rows, bold rows, relative column widths."""

    jenis: Literal["tabel"] = "tabel"
    nomor: str
    judul: str
    kepala: list[list[str]]
    baris: list[list[Sel]]
    tebal: list[int] = []
    lebar: list[float] = []
    kecil: bool = False  # many columns: a smaller font
    keterangan: str | None = None


class Gambar(BaseModel):
    """A numbered figure (PNG)."""

    jenis: Literal["gambar"] = "gambar"
    nomor: str
    judul: str
    png: bytes


class Khusus(BaseModel):
    """A cover, the table of contents or a page break."""

    jenis: Literal["sampul", "daftar_isi", "halaman_baru"]


Blok = Judul | Paragraf | Tabel | Gambar | Khusus


class Dokumen(BaseModel):
    """The whole draft."""

    tahun: int
    instansi: str
    disusun: date
    blok: list[Blok]
    catatan_kaki: dict[int, str]

    def tabel(self, nomor: str) -> Tabel:
        """The table with that number."""
        return next(b for b in self.blok if isinstance(b, Tabel) and b.nomor == nomor)


# --- the data ---------------------------------------------------------------------------------------------------

class Upaya(BaseModel):
    """Hambatan and upaya reported for an indicator (newest verified first)."""

    hambatan: list[str]
    upaya: list[str]


class PkUnit(BaseModel):
    """A unit's latest PK of the year (Lampiran)."""

    kode: str
    nama: str
    capaian: LaporanCapaian


class DataLkjip(BaseModel):
    """Everything the draft is made of, read from the report builders."""

    tahun: int
    hari_ini: date
    instansi: str
    lkj: LaporanLkj
    renstra: dict[str, dict[int, str]]  # indicator code -> year -> Renstra target
    upaya: dict[str, Upaya]
    pemutakhiran: LaporanPemutakhiran
    nama_kabkota: dict[str, str]
    logistik: LaporanLogistik
    rencana: LaporanRencanaAksi
    pk_unit: list[PkUnit]
    keputusan: list[sumber.Keputusan]
    terbit: dict[str, sumber.AngkaTerbit]  # "tabel|baris|kolom" -> published figure


def baris_audit(data: DataLkjip) -> int:
    """What an export's audit record counts for a draft: the performance indicators it reports on."""
    return len(data.lkj.capaian.indikator)


async def _pemilihan_tahun(conn: AsyncConnection, tahun: int) -> int | None:
    """The event whose arrivals the year's report shows: its last one that has a schedule (None: no event)."""
    acara = [e for e in await pemilihan.di_tahun(conn, tahun) if e.mulai is not None and e.status != "dibatalkan"]
    return acara[-1].id if acara else None


async def build(conn: AsyncConnection, tahun: int | None = None, today: date | None = None) -> DataLkjip:
    """Read the year's figures (default: the latest year with realisations) through the report builders."""
    today = today or date.today()
    laporan_lkj = await lkj.build(conn, tahun, today=today)
    tahun = laporan_lkj.tahun
    if not tahun:
        raise TanpaData(TANPA_DATA)
    kode = [r.kode for r in laporan_lkj.capaian.indikator]
    info = await data.indicators_by_kode(conn, kode)
    per_id = {i.id: k for k, i in info.items()}
    renstra = {per_id[i]: v for i, v in (await data.renstra_targets(conn, list(per_id))).items()}
    riwayat = await kinerja.history(conn, list(per_id), tahun)
    upaya: dict[str, Upaya] = {}
    for ind_id, versi in riwayat.items():
        sah = [v for v in reversed(versi) if v.status == "disetujui"]
        upaya[per_id[ind_id]] = Upaya(hambatan=list(dict.fromkeys(v.hambatan for v in sah if v.hambatan)),
                                      upaya=list(dict.fromkeys(v.upaya for v in sah if v.upaya)))
    lengkap = await kinerja.indicators_by_id(conn, list(per_id))
    kab = await org.units(conn, "kabkota")
    # The organisation is the one whose strategic indicators the report lists (the demo holds a second one).
    semua = await org.units(conn)
    satker_id = next(iter(lengkap.values())).unit_id if lengkap else None
    satker = next((u for u in semua if u.id == satker_id), None)
    dalam = set(await org.descendants(conn, satker.id)) if satker else set()
    dengan_pk = await data.units_with_pk(conn, tahun)
    pk_unit = [PkUnit(kode=u.code, nama=u.name, capaian=await rp_capaian.build(conn, tahun, u.code, today=today))
               for u in semua if u.id in dalam and u.code in dengan_pk and u.kind in ("satker", "bagian", "subbagian")]
    terbit = await sumber.angka_terbit(conn, tahun)
    return DataLkjip(
        tahun=tahun, hari_ini=today, instansi=satker.name if satker else "Sekretariat KPU", lkj=laporan_lkj,
        renstra=renstra, upaya=upaya,
        pemutakhiran=await pemutakhiran.build(conn, tahun, today=today),
        nama_kabkota={u.code: u.name for u in kab},
        logistik=await logistik.build(conn, None, pemilihan_id=await _pemilihan_tahun(conn, tahun), distribusi=True,
                                      tahun=tahun),
        rencana=await rencana_aksi.build(conn, tahun, today=today), pk_unit=pk_unit,
        keputusan=await sumber.keputusan(conn, tahun), terbit={"|".join(k): v for k, v in terbit.items()})


# --- composing the outline --------------------------------------------------------------------------------------

def _rupiah(v: int | None) -> str:
    return format_rupiah(v) if v is not None else "–"


def _persen_terbit(teks: str) -> str:
    return format_percent(Decimal(teks))


def _rupiah_terbit(teks: str) -> str:
    return format_rupiah(int(teks))


def _apa_adanya(teks: str) -> str:
    return teks


def _nilai(jenis: str) -> Callable[[str], str]:
    """A published value written like the data's values of that kind ("90" → "90 %" for a percentage)."""
    return lambda teks: nilai_teks(jenis, teks)


def _capaian(r: BarisCapaian) -> str:
    return format_percent(r.capaian_persen) if r.capaian_persen is not None else nilai_teks(r.jenis, r.realisasi)


def _tanggal(mulai: date | None, selesai: date | None) -> str:
    if mulai is None:
        return "–"
    if selesai is None or selesai == mulai:
        return format_date(mulai)
    return f"{format_date(mulai)} s.d. {format_date(selesai)}"


class _Penyusun:
    """Collects blocks and numbered footnotes."""

    def __init__(self, d: DataLkjip) -> None:
        self.d = d
        self.blok: list[Blok] = []
        self.catatan: dict[int, str] = {}
        self.gambar = 0

    def catat(self, teks: str) -> int:
        no = len(self.catatan) + 1
        self.catatan[no] = teks
        return no

    def judul(self, teks: str, tingkat: int = 1) -> None:
        if tingkat == 1:
            self.blok.append(Khusus(jenis="halaman_baru"))
        self.blok.append(Judul(teks=teks, tingkat=tingkat))

    def p(self, teks: str, catatan: list[int] | None = None) -> None:
        self.blok.append(Paragraf(teks=teks, catatan=catatan or []))

    def draf(self, apa: str, isi: str = "") -> None:
        self.blok.append(Paragraf(teks=DRAF.format(apa=apa) + (f" {isi}" if isi else ""), draf=True))

    def tabel(self, t: Tabel) -> None:
        self.blok.append(t)

    def gbr(self, bab: int, judul: str, png: bytes) -> None:
        self.gambar += 1
        self.blok.append(Gambar(nomor=f"{bab}.{self.gambar}", judul=judul, png=png))

    def sel(self, tabel: str, baris: str, kolom: str, nilai_data: str,
            fmt: Callable[[str], str] = _apa_adanya) -> Sel:
        """The published figure where it differs from the data (footnoting the data's), else the data's."""
        t = self.d.terbit.get(f"{tabel}|{baris}|{kolom}")
        if t is None or fmt(t.nilai) == nilai_data:
            return Sel(teks=nilai_data)
        no = self.catat(f"Dicetak sebagaimana laporan terbit ({t.lokasi or 'Tabel ' + tabel}); data Pantau: "
                        f"{nilai_data}. {t.catatan}.")
        return Sel(teks=fmt(t.nilai), catatan=[no])


def _s(*teks: str) -> list[Sel]:
    return [Sel(teks=t) for t in teks]


def susun(d: DataLkjip) -> Dokumen:
    """The outline of the draft, charts included (matplotlib: call from a thread, not the event loop)."""
    ps = _Penyusun(d)
    cp = d.lkj.capaian
    ag = d.lkj.anggaran
    ps.blok.append(Khusus(jenis="sampul"))
    _pengantar(ps)
    ps.blok.append(Khusus(jenis="halaman_baru"))
    ps.blok.append(Khusus(jenis="daftar_isi"))
    _bab1(ps)
    _bab2(ps)
    _bab3_capaian(ps)
    _bab3_sasaran(ps)
    _bab3_anggaran(ps)
    ps.judul("BAB IV PENUTUP")
    ps.judul("A. Kesimpulan", 2)
    tercapai = sum(1 for r in cp.indikator if r.status == "tercapai")
    menunggu = [r.kode for r in cp.indikator if r.status == "menunggu"]
    ps.p(f"Dari {len(cp.indikator)} indikator kinerja tahun {d.tahun}, {tercapai} tercapai"
         + (f", {len(menunggu)} menunggu ({', '.join(menunggu)})" if menunggu else "")
         + f"; rata-rata capaian {format_percent(cp.capaian_persen)}"
         + (f" (kategori {cp.kategori})" if cp.kategori else "")
         + f". Penyerapan anggaran {format_percent(ag.penyerapan_persen)} dari pagu {_rupiah(ag.pagu)}.")
    ps.draf("kesimpulan pimpinan atas capaian dan kendala tahun ini")
    ps.judul("B. Rencana Tindak Lanjut", 2)
    upaya = [u for k in d.upaya.values() for u in k.upaya]
    ps.draf("rencana tindak lanjut tahun berikutnya",
            "Upaya yang dilaporkan: " + "; ".join(upaya) + "." if upaya else "Belum ada upaya yang dilaporkan.")
    _lampiran(ps)
    return Dokumen(tahun=d.tahun, instansi=d.instansi, disusun=d.hari_ini, blok=ps.blok, catatan_kaki=ps.catatan)


def _pengantar(ps: _Penyusun) -> None:
    d, cp, ag = ps.d, ps.d.lkj.capaian, ps.d.lkj.anggaran
    ps.blok.append(Judul(teks="KATA PENGANTAR", tingkat=1))
    ps.draf("kata pengantar dan tanda tangan Sekretaris",
            f"Laporan Kinerja Instansi Pemerintah {d.instansi} tahun {d.tahun} menyajikan capaian "
            f"{len(cp.indikator)} indikator kinerja dari {len(cp.sasaran)} sasaran strategis.")
    ps.judul("IKHTISAR EKSEKUTIF")
    tercapai = sum(1 for r in cp.indikator if r.status == "tercapai")
    ps.p(f"Pada tahun {d.tahun} {d.instansi} menetapkan {len(cp.sasaran)} sasaran strategis dengan "
         f"{len(cp.indikator)} indikator kinerja dalam Perjanjian Kinerja. {tercapai} indikator tercapai; "
         f"rata-rata capaian {format_percent(cp.capaian_persen)}"
         + (f", kategori {cp.kategori} ({lkj.KATEGORI[cp.kategori]})" if cp.kategori else "") + ".")
    for r in cp.indikator:
        if r.status == "menunggu":
            ps.p(f"{r.kode} {r.indikator}: realisasi {nilai_teks(r.jenis, r.realisasi)}, belum dapat dinilai "
                 "(menunggu; tidak dihitung dalam rata-rata).")
    ps.p(f"Pagu anggaran {_rupiah(ag.pagu)}, realisasi {_rupiah(ag.realisasi)} "
         f"({format_percent(ag.penyerapan_persen)}).")
    ps.draf("ringkasan keberhasilan dan permasalahan utama")


def _bab1(ps: _Penyusun) -> None:
    ps.judul("BAB I PENDAHULUAN")
    ps.judul("A. Latar Belakang", 2)
    ps.draf("latar belakang (dasar hukum SAKIP: Perpres 29/2014, Permenpan RB 53/2014)")
    ps.judul("B. Kedudukan, Tugas dan Fungsi", 2)
    ps.draf("kedudukan, tugas dan fungsi sesuai peraturan organisasi dan tata kerja")
    ps.judul("C. Struktur Organisasi", 2)
    ps.p(f"{ps.d.instansi} terdiri atas unit kerja berikut (data unit Pantau):")
    baris = [_s(str(i), p.nama, p.kode) for i, p in enumerate(ps.d.pk_unit, 1)]
    ps.tabel(Tabel(nomor="1.1", judul="Unit Kerja yang Menandatangani Perjanjian Kinerja",
                   kepala=[["No", "Unit kerja", "Kode"]], baris=baris, lebar=[0.6, 6, 1.6]))
    ps.judul("D. Sistematika", 2)
    ps.p("Bab I Pendahuluan; Bab II Perencanaan dan Perjanjian Kinerja; Bab III Akuntabilitas Kinerja "
         "(capaian kinerja, analisis capaian per sasaran, efisiensi anggaran); Bab IV Penutup; Lampiran.")


def _bab2(ps: _Penyusun) -> None:
    d, cp, ag = ps.d, ps.d.lkj.capaian, ps.d.lkj.anggaran
    ps.judul("BAB II PERENCANAAN DAN PERJANJIAN KINERJA")
    ps.judul("A. Rencana Strategis", 2)
    tahun = sorted({y for v in d.renstra.values() for y in v})
    ps.p(f"Target tahunan sasaran strategis dalam Rencana Strategis periode {tahun[0] if tahun else ''}–"
         f"{tahun[-1] if tahun else ''}:")
    baris = []
    for r in cp.indikator:
        baris.append([Sel(teks=f"Sasaran Strategis {r.sasaran_no} {r.sasaran or ''}"), Sel(teks=r.indikator),
                      *(Sel(teks=nilai_teks(r.jenis, d.renstra.get(r.kode, {}).get(y))) for y in tahun)])
    ps.tabel(Tabel(nomor="2.1", judul=f"Matrik Perencanaan Kinerja Periode {tahun[0]} – {tahun[-1]}"
                   if tahun else "Matrik Perencanaan Kinerja", kepala=[["Sasaran Strategis", "Indikator",
                                                                         *map(str, tahun)]],
                   baris=baris, lebar=[3.2, 4.2, *([1.0] * len(tahun))], kecil=True))
    ps.judul("B. Perjanjian Kinerja", 2)
    ps.p(f"Target kinerja tahun {d.tahun} dalam Perjanjian Kinerja Sekretariat:")
    baris, tebal = [], []
    for s in cp.sasaran:
        tebal.append(len(baris))
        baris.append(_s(f"Sasaran {s.no} : {s.sasaran or ''}", ""))
        for r in cp.indikator:
            if r.sasaran_no == s.no:
                baris.append(_s(r.indikator, nilai_teks(r.jenis, r.target)))
    ps.tabel(Tabel(nomor="2.2", judul=f"Perjanjian Kinerja {d.instansi} Tahun {d.tahun}",
                   kepala=[["Sasaran / Indikator Kinerja", "Target"]], baris=baris, tebal=tebal, lebar=[7, 1.6]))
    ps.judul(f"C. Program, Rencana Kerja dan Anggaran Tahun {d.tahun}", 2)
    ps.p(f"Pagu anggaran {_rupiah(ag.pagu)} dalam {len(ag.program)} program; realisasi {_rupiah(ag.realisasi)} "
         f"atau {format_percent(ag.penyerapan_persen)} dari pagu.")
    baris = [_s(f"{i}.", f"{p.kode}. {p.nama}", _rupiah(p.pagu), _rupiah(p.realisasi),
                format_percent(p.penyerapan_persen)) for i, p in enumerate(ag.program, 1)]
    baris.append(_s("", "Jumlah", _rupiah(ag.pagu), _rupiah(ag.realisasi), format_percent(ag.penyerapan_persen)))
    ps.tabel(Tabel(nomor="2.3", judul=f"Program, Pagu dan Realisasi Anggaran Tahun {d.tahun}",
                   kepala=[["No", "Program", "Anggaran", "Realisasi", "Persen"]], baris=baris,
                   tebal=[len(baris) - 1], lebar=[0.6, 4, 2.2, 2.2, 1.2]))
    baris, tebal = [], []
    for p in ag.program:
        tebal.append(len(baris))
        baris.append(_s(p.nama, format_number(p.pagu)))
        baris += [_s(f"{k.kode} {k.nama}", format_number(k.pagu)) for k in ag.kegiatan if k.induk == p.kode]
    ps.tabel(Tabel(nomor="2.4", judul=f"Kegiatan dan Anggaran Tahun {d.tahun}",
                   kepala=[["Program – Kegiatan", "Anggaran (Rp)"]], baris=baris, tebal=tebal, lebar=[6.6, 2]))


def _bab3_capaian(ps: _Penyusun) -> None:
    d, cp = ps.d, ps.d.lkj.capaian
    ps.judul("BAB III AKUNTABILITAS KINERJA")
    ps.judul("A. Capaian Kinerja", 2)
    ps.p("Capaian kinerja diukur dengan membandingkan realisasi terhadap target; skor dikategorikan menurut skala "
         "berikut:")
    ps.tabel(Tabel(nomor="3.1", judul="Skala Pengukuran Kinerja", kepala=[["Nilai", "Kategori", "Interpretasi"]],
                   baris=[_s(f"{format_number(k.lebih_dari)} – {format_number(k.sampai_dengan)}"
                             if k.kode == "D" else f"> {format_number(k.lebih_dari)} – "
                             f"{format_number(k.sampai_dengan)}", k.kode, k.interpretasi) for k in SKALA_SAKIP],
                   lebar=[2.5, 1.5, 3.5]))
    baris = []
    for i, r in enumerate(cp.indikator, 1):
        baris.append([Sel(teks=str(r.sasaran_no or i)), Sel(teks=r.sasaran or ""), Sel(teks=r.indikator),
                      ps.sel("3.2", r.kode, "target", nilai_teks(r.jenis, r.target), _nilai(r.jenis)),
                      ps.sel("3.2", r.kode, "realisasi", nilai_teks(r.jenis, r.realisasi), _nilai(r.jenis)),
                      ps.sel("3.2", r.kode, "capaian", _capaian(r), _nilai(r.jenis))])
    ps.tabel(Tabel(nomor="3.2", judul=f"Capaian Kinerja {d.instansi} Tahun {d.tahun}",
                   kepala=[["No.", "Sasaran Strategis", "Indikator Kinerja", "Target", "Realisasi", "Capaian"]],
                   baris=baris, lebar=[0.5, 2.4, 3.6, 1, 1, 1],
                   keterangan="Capaian yang menunggu (mis. opini BPK \"Proses\") tidak dihitung dalam rata-rata; "
                   f"rata-rata capaian {format_percent(cp.capaian_persen)}"
                   + (f", kategori {cp.kategori}." if cp.kategori else ".")))
    ps.gbr(3, f"Capaian kinerja per indikator tahun {d.tahun}", grafik.capaian(cp, pakai_cache=False))
    bd = d.lkj.banding
    kepala2 = ["No.", "Indikator Kinerja"]
    for y in bd.daftar_tahun:
        kepala2 += [f"Target {y}", "Realisasi", "Capaian"]
    baris = []
    for i, b in enumerate(bd.indikator, 1):
        row = [Sel(teks=str(b.sasaran_no or i)), Sel(teks=f"{b.kode} {b.indikator}")]
        for n in b.tahun:
            cap = format_percent(n.capaian_persen) if n.capaian_persen is not None else \
                nilai_teks(b.jenis, n.realisasi)
            fmt = _nilai(b.jenis)
            row += [ps.sel("3.3", b.kode, f"target_{n.tahun}", nilai_teks(b.jenis, n.target), fmt),
                    ps.sel("3.3", b.kode, f"realisasi_{n.tahun}", nilai_teks(b.jenis, n.realisasi), fmt),
                    ps.sel("3.3", b.kode, f"capaian_{n.tahun}", cap, fmt)]
        baris.append(row)
    ps.p(f"Perbandingan realisasi dan capaian tahun {d.tahun} dengan tahun-tahun sebelumnya:")
    ps.tabel(Tabel(nomor="3.3", judul="Perbandingan Realisasi Capaian Kinerja", kepala=[kepala2], baris=baris,
                   lebar=[0.4, 2.6, *([0.75] * (3 * len(bd.daftar_tahun)))], kecil=True))
    rn = d.lkj.renstra
    baris = []
    for x in rn.indikator:
        cap_r = format_percent(x.capaian_persen) if x.capaian_persen is not None else \
            lkj.STATUS_RENSTRA.get(x.status, x.status)
        baris.append([Sel(teks=str(x.sasaran_no or "")), Sel(teks=f"{x.kode} {x.indikator}"),
                      ps.sel("3.4", x.kode, "target", nilai_teks(x.jenis, x.target_tahun), _nilai(x.jenis)),
                      ps.sel("3.4", x.kode, "realisasi", nilai_teks(x.jenis, x.realisasi), _nilai(x.jenis)),
                      ps.sel("3.4", x.kode, "capaian", format_percent(x.capaian_tahun_persen)
                             if x.capaian_tahun_persen is not None else nilai_teks(x.jenis, x.realisasi),
                             _nilai(x.jenis)),
                      Sel(teks=nilai_teks(x.jenis, x.target_renstra)),
                      ps.sel("3.4", x.kode, "capaian_renstra", cap_r, _nilai(x.jenis))])
    ps.p(f"Perbandingan realisasi kinerja tahun {d.tahun} dengan target jangka menengah (Renstra "
         f"{rn.tahun_akhir_renstra or '–'}):")
    ps.tabel(Tabel(nomor="3.4", judul=f"Perbandingan Realisasi Kinerja Tahun {d.tahun} dengan Target Jangka "
                   "Menengah", kepala=[["No.", "Indikator Kinerja", "Target", "Realisasi", "Capaian",
                                        "Target Renstra", "Capaian terhadap Target Jangka Menengah"]],
                   baris=baris, lebar=[0.4, 3.6, 0.9, 0.9, 0.9, 0.9, 1.2]))


def _bab3_sasaran(ps: _Penyusun) -> None:
    d, cp = ps.d, ps.d.lkj.capaian
    ps.judul("B. Analisis Capaian Kinerja", 2)
    banding = {r.kode: r for r in d.lkj.banding.indikator}
    for s in cp.sasaran:
        ps.judul(f"{s.no}. {s.sasaran or ''}", 3)
        rows = [r for r in cp.indikator if r.sasaran_no == s.no]
        ps.tabel(Tabel(nomor=f"3.5.{s.no}", judul=f"Capaian Kinerja {s.sasaran or ''}",
                       kepala=[["Indikator Kinerja", "Target", "Realisasi", "Capaian", "Status"]],
                       baris=[_s(f"{r.kode} {r.indikator}", nilai_teks(r.jenis, r.target),
                                 nilai_teks(r.jenis, r.realisasi), _capaian(r), STATUS_CAPAIAN[r.status])
                              for r in rows], lebar=[4.6, 1, 1, 1, 1.2]))
        for r in rows:
            b = banding.get(r.kode)
            lalu = [f"{n.tahun}: {nilai_teks(r.jenis, n.realisasi)}" for n in (b.tahun if b else [])]
            teks = (f"{r.kode}: target {nilai_teks(r.jenis, r.target)}, realisasi "
                    f"{nilai_teks(r.jenis, r.realisasi)}, capaian {_capaian(r)} ({STATUS_CAPAIAN[r.status]}). "
                    f"Realisasi per tahun — {'; '.join(lalu)}" + (f" (tren {b.tren})." if b and b.tren else "."))
            if r.rincian_otomatis:
                teks += f" Dihitung otomatis: {r.rincian_otomatis}."
            ps.p(teks)
            u = d.upaya.get(r.kode, Upaya(hambatan=[], upaya=[]))
            ps.draf(f"analisis penyebab keberhasilan/kegagalan {r.kode}",
                    "Hambatan yang dilaporkan: " + ("; ".join(u.hambatan) if u.hambatan else "tidak ada") + ". "
                    "Upaya yang dilaporkan: " + ("; ".join(u.upaya) if u.upaya else "tidak ada") + ".")
        otomatis = {r.otomatis for r in rows}
        if "pemutakhiran" in otomatis:
            _tabel_pemutakhiran(ps)
        if any("keputusan" in r.indikator.lower() for r in rows):
            _tabel_keputusan(ps)
        if "logistik" in otomatis:
            _tabel_logistik(ps)


def _tabel_pemutakhiran(ps: _Penyusun) -> None:
    lap = ps.d.pemutakhiran
    baris = []
    for t in lap.tahapan:
        hitung: dict[str, int] = {}
        for v in t.status.values():
            hitung[v] = hitung.get(v, 0) + 1
        status = ", ".join(f"{LABEL_STATUS[k]} {n}" for k, n in hitung.items())
        baris.append(_s(str(t.no), t.tahapan, _tanggal(t.mulai, t.selesai), t.pelaksana, status))
    ps.tabel(Tabel(nomor="3.7", judul=f"Tahapan Pemutakhiran Data Pemilih Tahun {lap.tahun}",
                   kepala=[["No", "Tahapan", "Jadwal", "Pelaksana", "Status (jumlah KPU kab/kota)"]],
                   baris=baris, lebar=[0.4, 3.6, 2.2, 1.2, 2], kecil=True,
                   keterangan=f"Per {format_date(lap.hari_ini)}: {lap.tepat_waktu} dari {lap.jumlah} tahapan × "
                   "KPU kab/kota selesai tepat waktu. Tanggal penyelesaian pada data demo adalah data demo "
                   "(dibuat), bukan angka laporan."))
    ps.gbr(3, f"Status tahapan pemutakhiran data pemilih {lap.tahun}",
           grafik.pemutakhiran(lap, ps.d.nama_kabkota, pakai_cache=False))


def _tabel_keputusan(ps: _Penyusun) -> None:
    if not ps.d.keputusan:
        ps.draf("daftar keputusan tahun ini (belum ada di data)")
        return
    ps.tabel(Tabel(nomor="3.9", judul=f"Keputusan {ps.d.instansi.replace('Sekretariat ', '')} Tahun {ps.d.tahun}",
                   kepala=[["Nomor", "Tentang", "Status"]],
                   baris=[_s(k.nomor, k.tentang, k.status) for k in ps.d.keputusan], lebar=[0.9, 6.2, 1.2],
                   kecil=True))


def _tabel_logistik(ps: _Penyusun) -> None:
    lg = ps.d.logistik
    baris = [_s(str(i), k.nama, format_number(k.tps), format_number(k.sulit))
             for i, k in enumerate(lg.kabkota, 1)]
    baris.append(_s("", "Jumlah", format_number(lg.total_tps), format_number(lg.tps_sulit)))
    ps.tabel(Tabel(nomor="3.10", judul="Rekapitulasi Daftar Tempat Pemungutan Suara (TPS) Sulit",
                   kepala=[["No", "Kabupaten/Kota", "Jumlah TPS", "Jumlah TPS Sulit"]], baris=baris,
                   tebal=[len(baris) - 1], lebar=[0.5, 4, 1.5, 1.5]))
    kab_sulit = sum(1 for k in lg.kabkota if k.sulit)
    jumlah = ps.sel("3.10", "kabupaten_sulit", "jumlah", str(kab_sulit))
    ps.p(f"Jumlah TPS sulit sebanyak {format_number(lg.tps_sulit)} TPS menjadi perhatian khusus bagi "
         f"{jumlah.teks} kabupaten yang menjadi wilayahnya.", jumlah.catatan)
    if lg.distribusi is not None:  # build() asks for it
        _tabel_distribusi(ps, lg.distribusi)
    if lg.tiba:
        ps.p(f"Laporan ketibaan di Pantau: {format_number(lg.tiba)} dari {format_number(lg.total_tps)} TPS, "
             f"{format_number(lg.tepat)} tepat ({format_percent(lg.persen_tepat)}).")
        ps.gbr(3, "Ketibaan logistik di TPS per kabupaten/kota", grafik_logistik.render_png(
            "Ketibaan logistik di TPS", [(k.nama, k.tps, k.tiba, k.tepat) for k in lg.wilayah],
            format_date(ps.d.hari_ini)))  # the day the draft read its counts


def _tabel_distribusi(ps: _Penyusun, ds: Distribusi) -> None:
    lg = ps.d.logistik
    if ds.kiriman:
        ps.tabel(Tabel(nomor="3.13", judul="Produksi dan Pendistribusian Logistik dari Penyedia ke KPU "
                       "Kabupaten/Kota", kepala=[["No", "Jenis Logistik", "Jumlah Kemasan", "Tanggal Kirim",
                                                  "Tanggal Tiba", "Moda"]],
                       baris=[_s(str(i), k.jenis, format_number(k.kemasan) if k.kemasan else "–",
                                 _tanggal(k.tanggal_kirim, None), _tanggal(k.tiba_mulai, k.tiba_selesai),
                                 k.moda or "–") for i, k in enumerate(ds.kiriman, 1)],
                       lebar=[0.4, 2.8, 1.1, 1.5, 2.4, 0.8], kecil=True))
    baris = []
    for i, k in enumerate(ds.kabkota, 1):
        baris.append([Sel(teks=str(i)), Sel(teks=k.nama), ps.sel("3.15", k.kode, "tps", format_number(k.tps)),
                      Sel(teks=format_number(k.kotak)), Sel(teks=format_number(k.kantong)),
                      Sel(teks=_tanggal(k.kirim_mulai, k.kirim_selesai))])
    baris.append(_s("", "Jumlah", format_number(lg.total_tps), format_number(ds.kotak), format_number(ds.kantong),
                    ""))
    ps.tabel(Tabel(nomor="3.15", judul="Pendistribusian Logistik dari KPU Kabupaten/Kota ke TPS",
                   kepala=[["No", "KPU Kabupaten/Kota", "Jumlah TPS", "Kotak Suara Berisi Logistik (Buah)",
                            "Kantong Plastik Berisi Logistik (Bungkus)", "Tanggal Pengiriman"]],
                   baris=baris, tebal=[len(baris) - 1], lebar=[0.4, 2.6, 1, 1.4, 1.4, 2.2], kecil=True,
                   keterangan=f"Kotak dan kantong = TPS × norma per TPS ({ds.norma_kotak} kotak, "
                   f"{ds.norma_kantong} kantong)."))
    if ds.moda:
        ps.tabel(Tabel(nomor="3.16", judul="Moda Transportasi Logistik Pemilihan sampai ke TPS",
                       kepala=[["No", "Jenis Transportasi", "PPK", "PPS", "TPS"]],
                       baris=[_s(str(i), m.nama, *(format_number(v) if v else "" for v in
                                                   (m.ke_ppk, m.ke_pps, m.ke_tps)))
                              for i, m in enumerate(ds.moda, 1)], lebar=[0.4, 4, 1, 1, 1]))


def _bab3_anggaran(ps: _Penyusun) -> None:
    d = ps.d
    ps.judul("C. Analisis Efisiensi atas Penggunaan Anggaran", 2)
    baris = []
    for lap in d.lkj.anggaran_tahunan:
        for p in lap.program:
            baris.append([Sel(teks=str(lap.tahun)), Sel(teks=f"{p.kode}. {p.nama}"), Sel(teks=_rupiah(p.pagu)),
                          ps.sel("3.17", p.kode, f"realisasi_{lap.tahun}", _rupiah(p.realisasi), _rupiah_terbit),
                          ps.sel("3.17", p.kode, f"persen_{lap.tahun}", format_percent(p.penyerapan_persen),
                                 _persen_terbit)])
    ps.tabel(Tabel(nomor="3.17", judul="Analisis Efisiensi atas Penggunaan Anggaran",
                   kepala=[["Tahun", "Program", "Pagu Anggaran", "Realisasi", "% Realisasi"]], baris=baris,
                   lebar=[0.7, 3.6, 2, 2, 1.1]))
    ef = d.lkj.efisiensi
    ps.gbr(3, f"Pagu dan realisasi anggaran tahun {d.tahun}",
           grafik.anggaran(d.lkj.anggaran, ef.capaian_persen, ef.rasio, pakai_cache=False))
    ps.judul("D. Analisis Efisiensi Sumber Daya Mencapai Kinerja", 2)
    serap = ps.sel("3.17", "efisiensi", "penyerapan", format_percent(ef.penyerapan_persen), _persen_terbit)
    rasio = ef.rasio
    if serap.catatan and ef.capaian_persen is not None:
        rasio = lkj.efisiensi(ef.capaian_persen, Decimal(serap.teks.rstrip(" %").replace(",", "."))).rasio
    ps.p(f"Capaian kinerja {format_percent(ef.capaian_persen)} dengan tingkat penyerapan anggaran {serap.teks}, "
         f"maka tingkat efisiensi penggunaan sumber daya adalah {rasio or '–'}.", serap.catatan)
    per_kode = {r.kode: r for r in d.lkj.capaian.indikator}
    baris = []
    for o in d.lkj.output:
        rows = [r for k, r in per_kode.items() if k == o.indikator_kode or k.rstrip("abc") == o.indikator_kode]
        baris.append(_s(o.indikator_kode, rows[0].sasaran or "" if rows else "", o.output,
                        format_percent(o.realisasi_persen)))
    ps.tabel(Tabel(nomor="3.18", judul="Analisis Capaian Realisasi tiap Sasaran Strategis",
                   kepala=[["Indikator", "Sasaran Strategis", "Output", "Realisasi (%)"]], baris=baris,
                   lebar=[0.8, 2.6, 4, 1.1], kecil=True,
                   keterangan="Laporan terbit mencetak tabel ini sebagai Tabel 3.17 kedua."))


def _lampiran(ps: _Penyusun) -> None:
    d = ps.d
    ps.judul("LAMPIRAN")
    ps.judul("Lampiran 1. Perjanjian Kinerja", 2)
    for i, u in enumerate(d.pk_unit, 1):
        ps.tabel(Tabel(nomor=f"L.1.{i}", judul=f"Perjanjian Kinerja {u.nama} Tahun {d.tahun}",
                       kepala=[["Sasaran", "Indikator Kinerja", "Target"]],
                       baris=[_s(str(r.sasaran_no or ""), r.indikator, nilai_teks(r.jenis, r.target))
                              for r in u.capaian.indikator], lebar=[0.7, 6.4, 1.2], kecil=True))
    ps.judul("Lampiran 2. Rencana Aksi", 2)
    ra = d.rencana
    baris = [_s(r.kode, r.uraian, r.unit, format_number(r.pagu), f"{format_number(r.volume)} {r.satuan}",
                f"{r.bulan_mulai}–{r.bulan_selesai}" + (" (demo)" if r.jadwal_demo else ""),
                STATUS_RENCANA.get(r.status, r.status)) for r in ra.kegiatan]
    baris.append(_s("", "Jumlah", "", format_number(ra.pagu), "", "", ""))
    ps.tabel(Tabel(nomor="L.2", judul=f"Rencana Aksi Tahun {d.tahun}",
                   kepala=[["Kode", "Uraian", "Unit", "Pagu (Rp)", "Volume", "Bulan", "Status"]], baris=baris,
                   tebal=[len(baris) - 1], lebar=[1.4, 3.2, 0.8, 1.5, 1, 0.8, 1], kecil=True,
                   keterangan="Bulan bertanda (demo) adalah jadwal demo, bukan angka laporan."))
