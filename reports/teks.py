"""Plain-text renderings of the reports, in Indonesian, for the command line and the bot."""

from __future__ import annotations

from datetime import date

from domain.angka import format_number, format_percent, format_rupiah
from domain.capaian import JenisIndikator, format_nilai, nilai_from_canonical
from domain.pemutakhiran import LABEL_STATUS
from domain.rencana import STATUS_RENCANA
from domain.tanda import keterangan_demo, tandai
from domain.tanggal import format_date
from reports.anggaran import LaporanAnggaran
from reports.capaian import BarisCapaian, LaporanCapaian
from reports.logistik import Distribusi, LaporanLogistik
from reports.pemutakhiran import LaporanPemutakhiran
from reports.rencana_aksi import LaporanRencanaAksi

STATUS_CAPAIAN = {"tercapai": "tercapai", "tidak_tercapai": "tidak tercapai", "menunggu": "menunggu"}
BULAN_PENDEK = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def nilai_teks(jenis: str, kanonik: str | None) -> str:
    """A stored value in its Indonesian display form ("100 %", "B", "Proses"), or "–" when absent."""
    if kanonik is None:
        return "–"
    return format_nilai(JenisIndikator(jenis), nilai_from_canonical(JenisIndikator(jenis), kanonik))


def _baris_capaian(r: BarisCapaian, indent: str = "", lanjut: str = "") -> list[str]:
    status = STATUS_CAPAIAN[r.status]
    if r.realisasi is None and r.status == "menunggu":
        status = "belum dilaporkan" if not r.menunggu_verifikasi else "menunggu verifikasi"
    elif r.menunggu_verifikasi:
        status += "; ada laporan baru menunggu verifikasi"
    extra = " [otomatis]" if r.otomatis else ""
    lines = [
        f"{indent}{r.kode}  {r.indikator}{extra}",
        f"{lanjut or indent}    target {tandai(nilai_teks(r.jenis, r.target), r.target_demo)} · realisasi "
        f"{tandai(nilai_teks(r.jenis, r.realisasi), r.realisasi_demo)}"
        f" · capaian {format_percent(r.capaian_persen)} · {status}"
        + (f" · {r.kategori}" if r.kategori else ""),
    ]
    if r.catatan:
        lines.append(f"{lanjut or indent}    catatan: {r.catatan}")
    for c in r.anak:
        lines += _baris_capaian(c, indent + "    ↳ ", indent + "      ")
    return lines


def capaian(lap: LaporanCapaian) -> str:
    """The capaian report as text."""
    judul = f"Capaian kinerja {lap.unit_nama} ({lap.unit})" if lap.unit else "Capaian kinerja Sekretariat"
    out = [f"{judul} — tahun {lap.tahun}", ""]
    if not lap.indikator:
        out.append("Belum ada indikator untuk tahun ini.")
        return "\n".join(out)
    current: int | None = -1
    for r in lap.indikator:
        if r.sasaran_no != current:
            current = r.sasaran_no
            out.append(f"Sasaran {r.sasaran_no}: {r.sasaran}")
        out += _baris_capaian(r, "  ")
    out.append("")
    out.append("Ringkasan per sasaran:")
    for s in lap.sasaran:
        out.append(f"  Sasaran {s.no}: {format_percent(s.capaian_persen)}" + (f" ({s.kategori})" if s.kategori else
                                                                             " (menunggu)"))
    menunggu = sum(1 for r in lap.indikator if r.status == "menunggu")
    out.append(f"Rata-rata capaian: {format_percent(lap.capaian_persen)}"
               + (f" — kategori {lap.kategori}" if lap.kategori else ""))
    if menunggu:
        out.append(f"{menunggu} indikator menunggu (tidak dihitung dalam rata-rata, bukan nol).")
    out += keterangan_demo(lap.ada_demo())
    return "\n".join(out)


def anggaran(lap: LaporanAnggaran) -> str:
    """The budget report as text."""
    out = [f"Anggaran tahun {lap.tahun}" + (f" ({lap.revisi})" if lap.revisi else ""),
           f"Pagu {format_rupiah(lap.pagu)} · realisasi {format_rupiah(lap.realisasi)} · penyerapan "
           f"{format_percent(lap.penyerapan_persen)}", "", "Per program:"]
    for p in lap.program:
        out.append(f"  {p.kode}  {p.nama}")
        out.append(f"      pagu {format_rupiah(p.pagu)} · realisasi "
                   f"{format_rupiah(p.realisasi) if p.realisasi is not None else '–'} · "
                   f"{format_percent(p.penyerapan_persen)}")
        if p.catatan:
            out.append(f"      catatan: {p.catatan}")
    if lap.kegiatan:
        out += ["", "Per kegiatan:"]
        for k in lap.kegiatan:
            real = f" · realisasi {format_rupiah(k.realisasi)} ({format_percent(k.penyerapan_persen)})" \
                if k.realisasi is not None else ""
            out.append(f"  {k.induk}.{k.kode}  {k.nama}: pagu {format_rupiah(k.pagu)}{real}")
    return "\n".join(out)


def logistik(lap: LaporanLogistik) -> str:
    """The logistics report as text."""
    out = [
        "Ketibaan logistik di TPS",
        f"TPS: {format_number(lap.total_tps)} · sudah tiba: {format_number(lap.tiba)} · belum: "
        f"{format_number(lap.total_tps - lap.tiba)}",
        f"TPS sulit: {format_number(lap.tps_sulit)} (sudah tiba {format_number(lap.tiba_sulit)})",
        f"Tepat: {format_number(lap.tepat)} · bermasalah: {format_number(lap.bermasalah)} · terlambat: "
        f"{format_number(lap.terlambat)}",
        "",
        f"{'Kab/Kota':<34}{'TPS':>7}{'Sulit':>7}{'Tiba':>7}{'Tepat':>7}",
    ]
    for r in lap.kabkota:
        out.append(f"{r.nama[:33]:<34}{format_number(r.tps):>7}{format_number(r.sulit):>7}"
                   f"{format_number(r.tiba):>7}{format_number(r.tepat):>7}")
    if lap.distribusi is not None:
        out += _distribusi(lap.distribusi)
    return "\n".join(out)


def _rentang(mulai: date | None, selesai: date | None) -> str:
    if mulai is None:
        return "–"
    return format_date(mulai) if selesai is None or selesai == mulai else \
        f"{format_date(mulai)} – {format_date(selesai)}"


def _distribusi(ds: Distribusi) -> list[str]:
    out = ["", f"Distribusi ke TPS (kotak = TPS × {ds.norma_kotak}, kantong = TPS × {ds.norma_kantong})",
           f"{'Kab/Kota':<34}{'TPS':>7}{'Kotak':>8}{'Kantong':>9}  Pengiriman"]
    for k in ds.kabkota:
        out.append(f"{k.nama[:33]:<34}{format_number(k.tps):>7}{format_number(k.kotak):>8}"
                   f"{format_number(k.kantong):>9}  {_rentang(k.kirim_mulai, k.kirim_selesai)}")
    out.append(f"{'Jumlah':<34}{format_number(sum(k.tps for k in ds.kabkota)):>7}{format_number(ds.kotak):>8}"
               f"{format_number(ds.kantong):>9}")
    if ds.kiriman:
        out += ["", "Pengiriman dari penyedia ke KPU kabupaten/kota:"]
        for i, x in enumerate(ds.kiriman, 1):
            kemasan = f"{format_number(x.kemasan)} kemasan" if x.kemasan else "jumlah kemasan –"
            out.append(f"{i:>2}. {x.jenis}: {kemasan} · kirim {_rentang(x.tanggal_kirim, None)} · tiba "
                       f"{_rentang(x.tiba_mulai, x.tiba_selesai)}" + (f" · {x.moda}" if x.moda else ""))
    if ds.moda:
        out += ["", f"Moda transportasi sampai ke TPS{'':<7}{'PPK':>7}{'PPS':>7}{'TPS':>7}"]
        for m in ds.moda:
            out.append(f"{m.nama[:36]:<37}" + "".join(f"{format_number(v) if v else '–':>7}"
                                                       for v in (m.ke_ppk, m.ke_pps, m.ke_tps)))
    return out


_SINGKAT = {"tepat_waktu": "✓", "terlambat": "T", "berjalan": "…", "belum_mulai": "·", "lewat_batas": "!"}


def pemutakhiran(lap: LaporanPemutakhiran) -> str:
    """The voter-list stage report as text (one symbol per kab/kota)."""
    out = [f"Tahapan pemutakhiran data pemilih {lap.tahun} (per {format_date(lap.hari_ini)})",
           "Keterangan: " + ", ".join(f"{v} {LABEL_STATUS[k]}" for k, v in _SINGKAT.items()), ""]
    for r in lap.tahapan:
        cells = "".join(_SINGKAT[r.status[k]] for k in lap.kabkota)
        out.append(f"{r.no:>2}. {cells}  {tandai(r.tahapan, bool(r.demo))} ({format_date(r.mulai)} – "
                   f"{format_date(r.selesai)})")
    out.append("")
    out.append(f"Selesai tepat waktu: {lap.tepat_waktu} dari {lap.jumlah} (tahapan × kab/kota); "
               f"selesai: {lap.selesai}")
    out += keterangan_demo(lap.ada_demo())
    return "\n".join(out)


def rencana_aksi(lap: LaporanRencanaAksi) -> str:
    """The action plan as text."""
    out = [f"Rencana aksi {lap.tahun} — pagu {format_rupiah(lap.pagu)}, {len(lap.kegiatan)} kegiatan, "
           f"{lap.terlambat} terlambat", ""]
    for r in lap.kegiatan:
        jadwal = f"{BULAN_PENDEK[r.bulan_mulai - 1]}–{BULAN_PENDEK[r.bulan_selesai - 1]}"
        demo = " (jadwal demo)" if r.jadwal_demo else ""
        late = " · TERLAMBAT" if r.terlambat else ""
        out.append(f"{r.kode}  {r.uraian} [{r.unit}]")
        status = STATUS_RENCANA.get(r.status, r.status)
        out.append(f"    {format_rupiah(r.pagu)} · {jadwal}{demo} · {status} {r.progres} %{late}")
    return "\n".join(out)
