"""Texts of the leaders' reports and the admins' exports (/capaian, /anggaran, /pemutakhiran, /ekspor)."""

from __future__ import annotations

import html
from datetime import datetime
from decimal import Decimal

from domain.angka import format_number, format_percent, format_rupiah
from domain.capaian import SKALA_SAKIP
from domain.label import ringkas_unik
from domain.pemutakhiran import LABEL_STATUS, persen_tepat_waktu
from domain.periode import parse_periode
from domain.tanda import keterangan_demo, tandai
from domain.tanggal import format_date, format_datetime
from reports.anggaran import LaporanAnggaran
from reports.capaian import BarisCapaian, LaporanCapaian
from reports.lkj import Efisiensi
from reports.pemutakhiran import LaporanPemutakhiran
from reports.perbandingan import LaporanBanding, LaporanRenstra
from reports.teks import nilai_teks

BATAS_PESAN = 4096
BATAS_KETERANGAN = 1024
KATEGORI = {k.kode: k.interpretasi for k in SKALA_SAKIP}
IKON = {"tercapai": "✅", "tidak_tercapai": "❌", "menunggu": "⏳", "tanpa_target": "▫️"}
STATUS = {"tercapai": "tercapai", "tidak_tercapai": "tidak tercapai", "menunggu": "menunggu",
          "tanpa_target": "tanpa target Renstra"}

PAKAI_CAPAIAN = ("Pemakaian: /capaian [tahun] [triwulan] [kode unit], misalnya /capaian 2024, /capaian 2024 III "
                 "atau /capaian 2024 KUL.")
PAKAI_ANGGARAN = "Pemakaian: /anggaran [tahun], misalnya /anggaran 2024."
PAKAI_PEMUTAKHIRAN = "Pemakaian: /pemutakhiran [tahun], misalnya /pemutakhiran 2024."
TRIWULAN_SALAH = "Triwulan harus I, II, III atau IV (atau 1–4), misalnya /capaian 2024 III."
TAHUN_DI_LUAR = "Tahun {tahun} di luar jangkauan; tulis tahun empat angka antara 2000 dan 2100."
UNIT_TIDAK_DIKENAL = "Unit {kode!r} tidak dikenal. Contoh kode unit: PROV, KUL, KUL-UML, KAB-1771."
UNIT_DI_LUAR = "Unit {kode} di luar cakupan Anda; Anda dapat melihat {cakupan}."
UNIT_LAIN = "…dan {n} unit lain: ketik /capaian {tahun} <kode unit>."
TANPA_CAKUPAN = "Akun Anda belum terhubung ke unit, jadi belum ada capaian yang dapat ditampilkan. Hubungi admin."

# Buttons
T_NAIK = "⬆ {label}"
T_IKU = "IKU Sekretariat"
T_SEBELUM = "◀ {label}"
T_SESUDAH = "{label} ▶"
T_TAHUN_LALU = "Banding tahun lalu (3.3)"
T_RENSTRA = "Target Renstra (3.4)"
T_XLSX = "⬇ Unduh XLSX"
T_LKJ = "⬇ Tabel LKj (XLSX)"
T_LKJIP = "📄 Draf LKjIP"
T_KEMBALI = "« Kembali"

MENYIAPKAN = "Menyiapkan berkas…"
BERKAS_CAPAIAN = "Capaian kinerja {judul} (Tabel 3.2–3.4)."
BERKAS_ANGGARAN = "Anggaran {tahun}: Tabel 2.3 dan 2.4."
BERKAS_PEMUTAKHIRAN = "Status tahapan pemutakhiran {tahun} per kab/kota."
BERKAS_LKJ = "Tabel LKj {tahun}: 2.3, 2.4, 3.2, 3.3, 3.4 dan 3.17."
BERKAS_LKJIP = ("Draf LKjIP {tahun} (Word). Paragraf bertanda [Draf — lengkapi: …] diisi penyusun; angka yang "
                "berbeda dengan laporan terbit diberi catatan kaki. Perbarui daftar isi di Word (F9).")
BELUM_ADA_ANGGARAN = "Belum ada data anggaran untuk tahun {tahun}."
BELUM_ADA_TAHAPAN = "Belum ada tahapan pemutakhiran untuk tahun {tahun}."

# /ekspor
EKSPOR_PILIH = "Ekspor data. Pilih data yang diunduh:"
EKSPOR_FORMAT = "{judul}: {keterangan}.\nSekitar {n} baris. Pilih format:"
T_XLSX_FORMAT = "Excel (XLSX)"
T_CSV = "CSV"
T_CSV_BOM = "CSV untuk Excel (BOM)"
EKSPOR_MULAI = "Menyiapkan ekspor {judul} ({n} baris, {fmt}). Berkas dikirim di sini setelah selesai."
EKSPOR_SELESAI = "{judul}: {n} baris, dibuat {waktu}."
EKSPOR_ZIP = " Dikompresi (zip) agar muat di Telegram."
EKSPOR_TERLALU_BESAR = (
    "Berkas {judul} ({ukuran} MB) melebihi batas unggah Telegram 50 MB, bahkan setelah dikompresi.\n"
    "Unduh lewat web admin: menu Ekspor → {judul} ({fmt}). Ketik /web untuk tautan masuk."
)
EKSPOR_BERJALAN = "Ekspor Anda yang sebelumnya masih berjalan; mohon tunggu berkasnya."
EKSPOR_GAGAL = "Maaf, ekspor {judul} gagal. Coba lagi sebentar lagi; bila berulang, hubungi pengelola. Kode: {kode}"
EKSPOR_PROSES_MATI = ("Maaf, ekspor {judul} terhenti di tengah jalan. Silakan ulangi dari /ekspor; bila berulang, "
                      "hubungi pengelola. Kode: {kode}")
EKSPOR_WAKTU_HABIS = ("Maaf, ekspor {judul} terlalu lama dan dihentikan. Coba lagi nanti atau unduh lewat web admin "
                      "(ketik /web); bila berulang, hubungi pengelola. Kode: {kode}")


def _rapikan(teks: str, maks: int | None) -> str:
    teks = " ".join(teks.split())
    return teks if maks is None or len(teks) <= maks else teks[: maks - 1].rstrip() + "…"


def _nama_status(r: BarisCapaian) -> str:
    if r.status == "menunggu":
        if r.realisasi is None:
            return "menunggu verifikasi" if r.menunggu_verifikasi else "belum ada realisasi"
        return "menunggu (tidak dihitung, bukan nol)"
    return STATUS[r.status] + (" · ada laporan baru menunggu verifikasi" if r.menunggu_verifikasi else "")


def _baris(r: BarisCapaian, maks_nama: int | None, indent: str = "") -> list[str]:
    otomatis = " [otomatis]" if r.otomatis else ""
    capaian = f" · capaian {format_percent(r.capaian_persen)}" if r.capaian_persen is not None else ""
    out = [f"{indent}{IKON[r.status]} {r.kode} {_rapikan(r.indikator, maks_nama)}{otomatis}",
           f"{indent}    target {tandai(nilai_teks(r.jenis, r.target), r.target_demo)} · realisasi "
           f"{tandai(nilai_teks(r.jenis, r.realisasi), r.realisasi_demo)}"
           f"{capaian} · {_nama_status(r)}" + (f" ({r.kategori})" if r.kategori else "")]
    if r.catatan:
        out.append(f"{indent}    catatan: {_rapikan(r.catatan, 100 if maks_nama else None)}")
    if r.dihitung and r.rincian_otomatis and maks_nama is None:
        out.append(f"{indent}    dihitung otomatis: {r.rincian_otomatis}")
    diajukan = r.realisasi_diajukan
    if diajukan is not None and maks_nama is None:
        out.append(f"{indent}    laporan baru {nilai_teks(r.jenis, diajukan)} menunggu verifikasi")
    return out


def judul_capaian(lap: LaporanCapaian) -> str:
    """Who and when a capaian report is about."""
    siapa = f"{lap.unit_nama} ({lap.unit})" if lap.unit else "Sekretariat (IKU)"
    return f"{siapa} — {'s.d. ' + periode_label(lap.sampai) if lap.sampai else f'tahun {lap.tahun}'}"


def periode_label(kode: str) -> str:
    """A period's label: "2024-Q3" → "Triwulan III 2024"."""
    return parse_periode(kode).label


def _hitung(rows: list[BarisCapaian]) -> str:
    n = {s: sum(1 for r in rows if r.status == s) for s in ("tercapai", "tidak_tercapai", "menunggu")}
    return f"{n['tercapai']} tercapai · {n['tidak_tercapai']} tidak tercapai · {n['menunggu']} menunggu"


def _rerata(persen: Decimal | None, kategori: str | None) -> str:
    if persen is None:
        return "belum dapat dihitung (semua menunggu)"
    return f"{format_percent(persen)}" + (f" · kategori {kategori} ({KATEGORI[kategori]})" if kategori else "")


def capaian(lap: LaporanCapaian, *, ringkas: bool = False) -> str:
    """The Tabel 3.2 summary for Telegram; `ringkas` shortens names and folds cascaded indicators into counts."""
    out = [f"📊 Capaian kinerja {judul_capaian(lap)}"]
    if not lap.indikator:
        out.append("Belum ada indikator (PK) untuk periode ini.")
        return "\n".join(out)
    out += [f"Rata-rata capaian: {_rerata(lap.capaian_persen, lap.kategori)}", _hitung(lap.indikator)]
    ringkas_sasaran = {s.no: s for s in lap.sasaran}
    sekarang: int | None = -1
    maks = 70 if ringkas else None
    for r in lap.indikator:
        if r.sasaran_no != sekarang:
            sekarang = r.sasaran_no
            s = ringkas_sasaran.get(r.sasaran_no)
            rerata = (f" — {format_percent(s.capaian_persen)}" + (f" ({s.kategori})" if s.kategori else "")
                      if s and s.capaian_persen is not None else " — menunggu")
            out += ["", f"Sasaran {r.sasaran_no}. {_rapikan(r.sasaran or '', 90 if ringkas else None)}{rerata}"]
        out += _baris(r, maks)
        if r.anak and ringkas:
            out.append(f"    ↳ {len(r.anak)} indikator turunan: {_hitung(r.anak)}")
        elif r.anak:
            for c in r.anak:
                out += _baris(c, None, "    ↳ ")
    menunggu = sum(1 for r in lap.indikator if r.status == "menunggu")
    if menunggu:
        out += ["", f"⏳ {menunggu} indikator menunggu: tidak dihitung dalam rata-rata (bukan nol, bukan gagal)."]
    if ringkas:
        out.append("Nama indikator dipersingkat (juga catatan); rincian lengkap ada di ⬇ Unduh XLSX.")
    tampil = lap.indikator if ringkas else lap.semua_baris()
    out += keterangan_demo(any(r.target_demo or r.realisasi_demo for r in tampil))
    return "\n".join(out)


def capaian_pas(lap: LaporanCapaian) -> str:
    """The capaian summary, shortened when the full text would not fit one message (never cut silently)."""
    teks = capaian(lap)
    return teks if len(teks) <= BATAS_PESAN else capaian(lap, ringkas=True)


def keterangan_capaian(lap: LaporanCapaian) -> str:
    """The chart's caption."""
    teks = (f"Capaian kinerja {judul_capaian(lap)}: rata-rata {_rerata(lap.capaian_persen, lap.kategori)}. "
            f"{_hitung(lap.indikator)}.")
    return _rapikan(teks, BATAS_KETERANGAN)


def banding(lap: LaporanBanding) -> str:
    """Tabel 3.3 for Telegram: each indicator's target, realisation and capaian per year."""
    siapa = f"{lap.unit_nama} ({lap.unit})" if lap.unit else "Sekretariat (IKU)"
    out = [f"📈 Perbandingan capaian {siapa}, {lap.daftar_tahun[0]}–{lap.tahun} (Tabel 3.3)"]
    out.append("Rata-rata per tahun: " + " · ".join(
        f"{s.tahun} {format_percent(s.capaian_persen)}" for s in lap.ringkasan))
    if not lap.indikator:
        out.append("Belum ada indikator untuk periode ini.")
    tanda = {"naik": "↑ naik", "turun": "↓ turun", "tetap": "= tetap"}
    for r in lap.indikator:
        out += ["", f"{r.kode} {_rapikan(r.indikator, 90)}"]
        for n in r.tahun:
            cap = format_percent(n.capaian_persen) if n.capaian_persen is not None else STATUS.get(n.status, n.status)
            out.append(f"    {n.tahun}: target {nilai_teks(r.jenis, n.target)} · realisasi "
                       f"{nilai_teks(r.jenis, n.realisasi)} · {cap}")
        if r.tren:
            out.append(f"    Tren realisasi: {tanda[r.tren]} dari tahun lalu")
    return "\n".join(out)


def renstra(lap: LaporanRenstra) -> str:
    """Tabel 3.4 for Telegram: the year's realisation against the Renstra's final target."""
    siapa = f"{lap.unit_nama} ({lap.unit})" if lap.unit else "Sekretariat (IKU)"
    akhir = lap.tahun_akhir_renstra
    out = [f"🎯 Realisasi {lap.tahun} terhadap target akhir Renstra{f' ({akhir})' if akhir else ''} — {siapa} "
           "(Tabel 3.4)", f"Rata-rata terhadap target Renstra: {_rerata(lap.capaian_persen, lap.kategori)}"]
    if not lap.indikator:
        out.append("Belum ada indikator untuk periode ini.")
    for r in lap.indikator:
        cap = f" · {format_percent(r.capaian_persen)}" if r.capaian_persen is not None else ""
        out += ["", f"{IKON[r.status]} {r.kode} {_rapikan(r.indikator, 90)}",
                f"    realisasi {nilai_teks(r.jenis, r.realisasi)} · target {lap.tahun} "
                f"{nilai_teks(r.jenis, r.target_tahun)} · target Renstra {nilai_teks(r.jenis, r.target_renstra)}"
                f"{cap} · {STATUS[r.status]}"]
    return "\n".join(out)


def _rp(v: int | None) -> str:
    return format_rupiah(v) if v is not None else "–"


def anggaran(lap: LaporanAnggaran, ef: Efisiensi) -> str:
    """Pagu against realisasi per program and activity, absorption and the efficiency ratio."""
    if not lap.program:
        return BELUM_ADA_ANGGARAN.format(tahun=lap.tahun)
    out = [f"💰 Anggaran tahun {lap.tahun}",
           f"Pagu {format_rupiah(lap.pagu)} · realisasi {format_rupiah(lap.realisasi)} · penyerapan "
           f"{format_percent(lap.penyerapan_persen)}"]
    if ef.rasio:
        out.append(f"Efisiensi: capaian kinerja {format_percent(ef.capaian_persen)} dengan penyerapan "
                   f"{format_percent(ef.penyerapan_persen)} → {ef.rasio}")
    else:
        out.append("Efisiensi: belum dapat dihitung (capaian atau penyerapan belum ada).")
    out += ["", "Per program:"]
    for p in lap.program:
        out += [f"• {p.kode} {p.nama}",
                f"    pagu {format_rupiah(p.pagu)} · realisasi {_rp(p.realisasi)} · "
                f"{format_percent(p.penyerapan_persen)}"]
    if lap.kegiatan:
        out += ["", "Per kegiatan:"]
        for k in lap.kegiatan:
            real = (f" · realisasi {format_rupiah(k.realisasi)} ({format_percent(k.penyerapan_persen)})"
                    if k.realisasi is not None else "")
            out.append(f"• {k.induk}.{k.kode} {_rapikan(k.nama, 60)}: pagu {format_rupiah(k.pagu)}{real}")
        # What is known (the programme's realisation) and why the rest is missing, once per programme.
        for p in lap.program:
            if any(k.induk == p.kode and k.realisasi is None for k in lap.kegiatan):
                out.append(f"Realisasi kegiatan program {p.kode} belum dirinci per kegiatan; realisasi programnya "
                           f"{_rp(p.realisasi)} ({format_percent(p.penyerapan_persen)}).")
    return "\n".join(out)


def keterangan_anggaran(lap: LaporanAnggaran, ef: Efisiensi) -> str:
    """The budget chart's caption."""
    teks = (f"Anggaran {lap.tahun}: penyerapan {format_percent(lap.penyerapan_persen)} "
            f"({format_rupiah(lap.realisasi)} dari {format_rupiah(lap.pagu)})")
    return teks + (f"; rasio efisiensi {ef.rasio}." if ef.rasio else ".")


SIMBOL = {"tepat_waktu": "✓", "terlambat": "T", "berjalan": "…", "belum_mulai": "·", "lewat_batas": "!"}
MAKS_KOLOM = 12
MAKS_DAFTAR = 15


def _singkat_kab(nama: str) -> str:
    for awalan in ("KPU Kabupaten ", "KPU Kota "):
        if nama.startswith(awalan):
            return ("Kota " if awalan == "KPU Kota " else "") + nama.removeprefix(awalan)
    return nama


def pemutakhiran(lap: LaporanPemutakhiran, nama: dict[str, str]) -> tuple[str, str | None]:
    """Stage status per kab/kota as a compact table (a symbol per kab/kota, monospaced in HTML), or counts per
    stage when there are too many kab/kota for a phone screen; returns the text and its parse mode."""
    if not lap.tahapan:
        return BELUM_ADA_TAHAPAN.format(tahun=lap.tahun), None
    statuses = [v for t in lap.tahapan for v in t.status.values()]
    persen = persen_tepat_waktu(statuses)
    atas = [f"🗂 Tahapan pemutakhiran data pemilih {lap.tahun} — per {format_date(lap.hari_ini)}",
            f"Selesai tepat waktu {format_number(lap.tepat_waktu)} dari {format_number(lap.jumlah)} (tahapan × "
            f"kab/kota); ketepatan waktu tahapan yang sudah jatuh tempo: "
            f"{format_percent(Decimal(str(persen))) if persen is not None else '–'}",
            "Keterangan: " + " · ".join(f"{v} {LABEL_STATUS[k]}" for k, v in SIMBOL.items()), ""]
    tabel: list[str] = []
    bawah: list[str] = []
    # Stage names cut for a phone screen, but never two that read the same ("Pleno … oleh PPS" / "… oleh PPK").
    nama30 = dict(zip((t.no for t in lap.tahapan), ringkas_unik([t.tahapan for t in lap.tahapan], 30), strict=True))
    nama40 = dict(zip((t.no for t in lap.tahapan), ringkas_unik([t.tahapan for t in lap.tahapan], 40), strict=True))
    if len(lap.kabkota) <= MAKS_KOLOM:
        tabel.append("No " + "".join(f"{i + 1:>3}" for i in range(len(lap.kabkota))))
        for t in lap.tahapan:
            # the stage, not each cell, carries the mark: a cell is one symbol wide on a phone screen
            tabel.append(f"{t.no:>2} " + "".join(f"{SIMBOL[t.status[k]]:>3}" for k in lap.kabkota)
                         + f"  {tandai(nama30[t.no], bool(t.demo))}")
        bawah += ["", "Kolom: " + ", ".join(f"{i + 1} {_singkat_kab(nama.get(k, k))}"
                                            for i, k in enumerate(lap.kabkota))]
    else:
        for t in lap.tahapan:
            n = {s: sum(1 for v in t.status.values() if v == s) for s in SIMBOL}
            isi = " ".join(f"{SIMBOL[s]}{format_number(c)}" for s, c in n.items() if c)
            atas.append(f"{t.no:>2}. {tandai(nama40[t.no], bool(t.demo))}: {isi}")
    telat = [(t, k) for t in lap.tahapan for k in lap.kabkota if t.status[k] == "lewat_batas"]
    if telat:
        bawah += ["", f"❗ Lewat batas, belum selesai ({format_number(len(telat))}):"]
        bawah += [f"• {t.no}. {nama40[t.no]} — {_singkat_kab(nama.get(k, k))}"
                  for t, k in telat[:MAKS_DAFTAR]]
        if len(telat) > MAKS_DAFTAR:
            bawah.append(f"…dan {format_number(len(telat) - MAKS_DAFTAR)} lainnya (lihat ⬇ Unduh XLSX).")
    bawah += keterangan_demo(lap.ada_demo())
    polos = "\n".join(atas + tabel + bawah)
    if not tabel or len(polos) + 20 > BATAS_PESAN:
        return polos, None  # a table that needs splitting goes out plain: an HTML tag must not be cut in two
    return ("\n".join(html.escape(x) for x in atas) + "<pre>" + html.escape("\n".join(tabel)) + "</pre>"
            + "\n".join(html.escape(x) for x in bawah)), "HTML"


def keterangan_pemutakhiran(lap: LaporanPemutakhiran) -> str:
    """The heat map's caption."""
    return (f"Tahapan pemutakhiran {lap.tahun}: {format_number(lap.tepat_waktu)} dari {format_number(lap.jumlah)} "
            f"selesai tepat waktu (per {format_date(lap.hari_ini)}).")


def ekspor_selesai(judul: str, n: int, waktu_dibuat: datetime, tz: str, zip_: bool) -> str:
    """The caption of an exported file."""
    return EKSPOR_SELESAI.format(judul=judul, n=format_number(n), waktu=format_datetime(waktu_dibuat, tz)) + (
        EKSPOR_ZIP if zip_ else "")
