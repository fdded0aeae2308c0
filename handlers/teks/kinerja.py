"""Texts of the unit reporting flows: /realisasi, verification, /anggaran_lapor, /rencana, /tahapan."""

from __future__ import annotations

from typing import Any

# --- shared ---------------------------------------------------------------------------------------------------
TANPA_UNIT = "Akun Anda belum terhubung ke unit kerja. Minta admin menetapkan unit Anda."
COBA_LAGI = "Silakan coba lagi, atau ketik /batal."
MULAI_LAGI = "Tidak ada yang tersimpan. Mulai lagi dengan {perintah}."
TEKAN_TOMBOL = "Tekan salah satu tombol di atas, atau ketik /batal."
LEWATI = "Lewati"
LANJUT = "Lanjut"
KIRIM = "✅ Kirim"
BATAL = "Batal"
SETUJUI = "✅ Setujui"
KEMBALIKAN = "↩️ Kembalikan"
BERJALAN = " (berjalan)"
BELUM_ADA = "belum ada"
OTOMATIS = "\n   (dihitung otomatis oleh Pantau)"
STATUS = {"diajukan": "menunggu verifikasi", "disetujui": "disetujui", "dikembalikan": "dikembalikan"}
RIWAYAT_JUDUL = "Riwayat laporan:"
RIWAYAT_KOSONG = "Belum ada laporan sebelumnya."
RIWAYAT_BARIS = "• {periode} · versi {versi} · {nilai} · {status}"
RIWAYAT_KOREKSI = " — koreksi: {alasan}"
RIWAYAT_DIKEMBALIKAN = " — catatan: {catatan}"

# --- /realisasi -------------------------------------------------------------------------------------------------
RL_TANPA_PK = ("Unit {unit} belum memiliki Perjanjian Kinerja tahun {tahun}, jadi belum ada indikator untuk "
               "dilaporkan. Hubungi Sub Bagian Perencanaan.")
RL_JUDUL = "Realisasi indikator kinerja {unit} — PK {tahun} yang berlaku:"
RL_BARIS = "{kode}  {nama}\n   target {target} · terakhir: {terakhir}{otomatis}"
RL_TOMBOL = "{kode} · target {target} · terakhir {terakhir}"
RL_JUDUL_UNIT = "Juga Anda laporkan: indikator kinerja {unit} ({nama}) — PK {tahun} yang berlaku:"
RL_TOMBOL_UNIT = "{unit} · {kode} · target {target} · terakhir {terakhir}"
RL_PK_UNIT = "\nPerjanjian Kinerja {nama} ({unit})"
RL_PILIH = "Pilih indikator yang akan dilaporkan (atau ketik kodenya)."
RL_KODE_TIDAK_DIKENAL = "Kode indikator itu tidak dikenal. Tekan salah satu tombol di atas, atau ketik /batal."
RL_BUKAN_UNIT = ("Indikator ini bukan milik Perjanjian Kinerja unit Anda yang berlaku. Anda hanya dapat "
                 "melaporkan indikator unit Anda sendiri (Sub Bagian: juga indikator Bagian di atasnya).")
RL_OTOMATIS = "Indikator {kode} dihitung otomatis oleh Pantau, jadi tidak perlu dilaporkan."
RL_INDIKATOR = "{kode}  {nama}\nTarget tahunan: {target}"
RL_PILIH_PERIODE = ("Pilih periode laporan. Periode yang sudah lewat tetap terbuka untuk laporan terlambat sampai "
                    "ditutup admin. Anda juga dapat mengetik periodenya, misalnya Triwulan III 2024.")
RL_TANPA_PERIODE = "Semua periode tahun ini sudah ditutup admin. Ketik /batal, lalu hubungi admin."
RL_SUDAH_ADA = ("{periode} sudah dilaporkan: versi {versi}, {nilai} ({status}).\n"
                "Laporan baru akan disimpan sebagai versi {baru} (koreksi); riwayatnya tetap tersimpan.\n\n"
                "Tulis alasan koreksinya:")
CONTOH_NILAI = {
    "persen": "95 atau 95,5 %",
    "angka": "12 atau 7,5",
    "indeks": "79 atau 79,5",
    "predikat": "salah satu dari D, C, CC, B, BB, A, AA",
    "opini": "WTP, WDP, TW atau TMP",
}
RL_MINTA_NILAI = ("Ketik nilai realisasi {kode} untuk {periode} (target {target}).\n"
                  "Contoh: {contoh}. Ketik Proses bila hasilnya belum keluar.")
RL_MINTA_BUKTI = ("Kirim bukti dukung: dokumen, foto, atau tautan (diawali http:// atau https://).\n"
                  "Tidak ada bukti? Tekan Lewati.")
RL_BUKTI_ATAU_LEWATI = "Kirim dokumen, foto, atau tautan; atau tekan Lewati / Lanjut."
RL_BUKTI_DITERIMA = "Bukti diterima ({n}). Kirim bukti lain, atau tekan Lanjut."
RL_BUKTI_PENUH = "Bukti diterima ({n}, batas maksimum)."
RL_MINTA_HAMBATAN = "Ada hambatan dalam periode ini? Tulis singkat, atau tekan Lewati."
RL_MINTA_UPAYA = "Upaya yang dilakukan untuk mengatasinya? Tulis singkat, atau tekan Lewati."
RL_RINGKASAN = ("Periksa laporan Anda:\n"
                "Indikator: {kode}\nPeriode: {periode}\nRealisasi: {nilai} (target {target})\n"
                "Bukti: {bukti}\nHambatan: {hambatan}\nUpaya: {upaya}{koreksi}\n\n"
                "Tekan Kirim untuk mengirim ke kepala unit untuk diverifikasi.")
RL_RINGKASAN_KOREKSI = "\nKoreksi, alasan: {alasan}"
RL_TERKIRIM = "Laporan {kode} {periode} tersimpan sebagai versi {versi}."
RL_KE_KEPALA = " Sudah dikirim ke {kepala} untuk diverifikasi; Anda akan diberi tahu hasilnya."
RL_TANPA_KEPALA = (" Belum ada kepala unit terdaftar yang dapat memverifikasinya; laporan menunggu verifikasi. "
                   "Hubungi admin.")


def jumlah_bukti(bukti: list[dict[str, Any]]) -> str:
    """How much evidence a report carries: "2 (1 dokumen, 1 tautan)" or "tidak ada"."""
    if not bukti:
        return "tidak ada"
    per: dict[str, int] = {}
    for b in bukti:
        per[str(b.get("jenis"))] = per.get(str(b.get("jenis")), 0) + 1
    return f"{len(bukti)} (" + ", ".join(f"{n} {j}" for j, n in per.items()) + ")"


def daftar_bukti(bukti: list[dict[str, Any]]) -> str:
    """The evidence for the verifier: links in full (up to 200 characters), files by name."""
    if not bukti:
        return "tidak ada"
    out = []
    for b in bukti:
        if b.get("jenis") == "tautan":
            out.append(ringkas(str(b.get("url", "")), 200))
        elif b.get("jenis") == "dokumen":
            out.append(f"dokumen {b.get('nama', '')} (dikirim lewat bot)")
        else:
            out.append("foto (dikirim lewat bot)")
    return "\n  • " + "\n  • ".join(out)


def ringkas(teks: str, batas: int) -> str:
    """Shorten a text for a notification (the full text stays in Pantau)."""
    return teks if len(teks) <= batas else teks[: batas - 1] + "…"


# --- verification -----------------------------------------------------------------------------------------------
VF_PESAN = ("Laporan realisasi menunggu verifikasi Anda\n"
            "Unit: {unit}\nIndikator: {kode}\nPeriode: {periode}\nRealisasi: {nilai} (target {target})\n"
            "Versi: {versi}{koreksi}\nBukti: {bukti}\nHambatan: {hambatan}\nUpaya: {upaya}\nPelapor: {pelapor}")
VF_PUTUSAN = "{teks}\n\n→ {putusan} oleh {nama}."
VF_DISETUJUI = "Disetujui."
VF_MINTA_ALASAN = ("Mengembalikan laporan {kode} {periode} ({nilai}).\n"
                   "Tulis alasan pengembalian (akan dikirim ke pelapor), atau ketik /batal:")
VF_DIKEMBALIKAN = "Laporan dikembalikan ke pelapor dengan alasan Anda."
# --- /anggaran_lapor --------------------------------------------------------------------------------------------
AL_TANPA_MATA = "Belum ada mata anggaran (output) tahun {tahun} untuk unit {unit}."
AL_JUDUL = "Realisasi anggaran {unit} tahun {tahun} (kumulatif):"
AL_BARIS = "{kode}  {nama}\n   pagu {pagu} · realisasi {realisasi} · penyerapan {serapan}"
AL_TOMBOL = "{kode} · {serapan}"
AL_PILIH = "Pilih output yang akan dilaporkan."
AL_BUKAN_UNIT = "Mata anggaran ini bukan milik unit Anda. Laporkan hanya output unit Anda."
AL_MATA = "{kode}  {nama}\nPagu: {pagu}"
AL_RIWAYAT_BARIS = "• s.d. {periode} · versi {versi} · {jumlah}{catatan}"
AL_PILIH_PERIODE = ("Pilih bulan laporan (bawaan: {bawaan}); bulan yang sudah lewat tetap terbuka sampai ditutup "
                    "admin. Anda juga dapat mengetik bulannya, misalnya Oktober 2024.")
AL_MINTA_JUMLAH = ("Ketik realisasi KUMULATIF {kode} sampai akhir {periode}, dalam Rupiah "
                   "(misalnya Rp 1.500.000 atau 1,5 juta). Pagu {pagu}.")
AL_SEBELUMNYA = "Kumulatif s.d. {periode}: {jumlah}."
AL_SUDAH_ADA = "Bulan ini sudah dilaporkan: {jumlah} (versi {versi}); laporan baru menjadi koreksi dan perlu alasan."
AL_KETIK_LAGI = "Ketik jumlah yang benar, atau /batal."
AL_KOREKSI_ATAU_LAGI = "Ketik jumlah lain, atau tekan \"Ini koreksi\" bila memang ada koreksi, lalu tulis alasannya."
AL_INI_KOREKSI = "Ini koreksi"
AL_MINTA_ALASAN = "Tulis alasan koreksinya (misalnya pengembalian belanja ke kas negara):"
AL_RINGKASAN = ("Ringkasan laporan Anda:\n"
                "Output: {kode}  {nama}\nBulan: s.d. {periode}\nRealisasi kumulatif: {jumlah} dari pagu {pagu}\n"
                "Penyerapan: {serapan}; sisa pagu {sisa}{koreksi}\n\n"
                "Tekan Kirim untuk menyimpan, Ubah untuk mengetik jumlah lain, atau Batal.")
AL_RINGKASAN_KOREKSI = "\nKoreksi, alasan: {alasan}"
AL_UBAH = "✏️ Ubah"
AL_TERSIMPAN = ("Tersimpan (versi {versi}): realisasi {kode} s.d. {periode} {jumlah} dari pagu {pagu}.\n"
                "Penyerapan {serapan}; sisa pagu {sisa}.")

# --- /rencana ---------------------------------------------------------------------------------------------------
RA_JUDUL = "Rencana aksi {unit} — {bulan} (kegiatan bulan ini dan yang terlambat):"
RA_TANPA = "Tidak ada kegiatan rencana aksi {unit} yang berjalan pada {bulan} dan tidak ada yang terlambat."
RA_BARIS = "{kode}  {uraian} [{unit}]\n   jadwal {jadwal} · {status} {progres} %{terlambat}"
RA_JADWAL_DEMO = " (jadwal demo)"
RA_TERLAMBAT = " · ⚠ TERLAMBAT (lewat jadwal, belum selesai)"
RA_TOMBOL = "{kode} · {status} {progres} %{terlambat}"
RA_PILIH = "Pilih kegiatan yang akan diperbarui."
RA_BUKAN_UNIT = "Kegiatan ini bukan milik unit Anda."
RA_PILIH_STATUS = "Status kegiatan ini sekarang?"
RA_MINTA_PROGRES = "Berapa persen kemajuan {kode}? Ketik angka 0 sampai 99 (misalnya 40 atau 75 %)."
RA_TERSIMPAN = "Tersimpan:\n{baris}"

# --- /tahapan ---------------------------------------------------------------------------------------------------
TH_TANPA_CAKUPAN = ("Unit Anda tidak memiliki KPU kabupaten/kota untuk dilaporkan tahapannya. "
                    "Perintah ini untuk operator KPU kabupaten/kota dan KPU Provinsi.")
TH_PILIH_KAB = "Tahapan pemutakhiran data pemilih: pilih KPU kabupaten/kota."
TH_PILIH_UNIT = ("Tahapan pemutakhiran data pemilih: pilih provinsi (tahapan yang dilaksanakan KPU/KPU Provinsi) "
                 "atau KPU kabupaten/kota.")
TH_TOMBOL_PROVINSI = "{nama} (tahapan provinsi)"
TH_HANYA_PROVINSI = ("Hanya tahapan yang dilaksanakan KPU/KPU Provinsi; tahapan lain ditandai untuk KPU "
                     "kabupaten/kota masing-masing.")
TH_BUKAN_TAHAPAN_UNIT = ("Tahapan {no} dilaksanakan oleh {pelaksana}, bukan KPU Provinsi: tandai untuk KPU "
                         "kabupaten/kota.")
TH_BUKAN_CAKUPAN = "Unit itu di luar cakupan Anda."
TH_JUDUL = "Tahapan pemutakhiran data pemilih {tahun} — {unit}"
TH_KETERANGAN = "✓ tepat waktu · T terlambat · … berjalan · · belum mulai · ! lewat batas, belum selesai"
TH_SIMBOL = {"tepat_waktu": "✓", "terlambat": "T", "berjalan": "…", "belum_mulai": "·", "lewat_batas": "!"}
TH_BARIS = "{simbol} {no}. {nama} ({mulai} – {selesai}){tanda}"
TH_SELESAI_PADA = " · selesai {tanggal}"
TH_TANPA_TAHAPAN = "Belum ada jadwal tahapan pemutakhiran tahun {tahun}."
TH_PILIH = "\nPilih nomor tahapan yang akan ditandai selesai."
TH_BELUM_ADA_MULAI = "\nBelum ada tahapan yang dimulai."
TH_BELUM_MULAI = "Tahapan {no} baru dimulai {mulai}; belum bisa ditandai selesai."
TH_TAHAP = "Tahapan {no}"
TH_SUDAH = ("Ditolak: tahapan {no} ({nama}) untuk {unit} sudah ditandai selesai pada {tanggal} (versi {versi}).\n"
            "Bila tanggalnya keliru, tekan Koreksi dan tulis alasannya.")
TH_KOREKSI = "Koreksi"
TH_MINTA_ALASAN = "Tulis alasan koreksinya:"
TH_MINTA_TANGGAL = ("Tahapan {no}: {nama} (batas {batas}).\n"
                    "Ketik tanggal selesainya (misalnya 20-11-2024 atau 20 November 2024), atau tekan Hari ini.")
TH_HARI_INI = "Hari ini"
TH_MINTA_CATATAN = "Catatan (misalnya nomor berita acara)? Tulis singkat, atau tekan Lewati."
TH_TEPAT = "tepat waktu"
TH_TERLAMBAT = "TERLAMBAT (batas {batas})"
TH_TERSIMPAN = "Tersimpan: tahapan {no} ({nama}) untuk {unit} selesai {tanggal} — {hasil}."
TH_IK4 = "Indikator 4 (ketepatan waktu pemutakhiran, otomatis) kini {nilai}: {rincian}."
TH_IK4_PROVINSI = ("Tahapan provinsi tidak dihitung dalam indikator 4 (tahapan × KPU kabupaten/kota); "
                   "pengingatnya berhenti.")
