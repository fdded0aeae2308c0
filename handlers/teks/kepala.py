"""Texts of the unit head's inbox (/verifikasi), the logistics officer's (/eskalasi) and the realisation check."""

from __future__ import annotations

# --- /verifikasi -------------------------------------------------------------------------------------------------
VF_BUKAN_KEPALA = ("Anda tidak tercatat sebagai kepala unit, jadi tidak ada laporan yang menunggu verifikasi "
                   "Anda. Laporan unit Anda diverifikasi oleh kepala unitnya.")
VF_KOSONG = "Tidak ada laporan yang menunggu verifikasi Anda. 👍"
VF_JUDUL = "{n} laporan menunggu verifikasi Anda (yang terlama dulu):"
VF_SISA = ("…dan {n} laporan lagi. Putuskan yang di atas, lalu ketik /verifikasi lagi "
           "(atau lihat semuanya di web: Realisasi → menunggu verifikasi Anda).")
VF_BUTIR = ("{kode} · {periode} · {usia}\n{nama}\nUnit: {unit} · Realisasi: {nilai} · versi {versi}{koreksi}\n"
            "Pelapor: {pelapor} · diajukan {waktu}")
VF_KOREKSI = " (koreksi: {alasan})"
VF_RINGKASAN = "📝 {n} laporan menunggu verifikasi Anda — /verifikasi"

# --- /eskalasi ---------------------------------------------------------------------------------------------------
ES_KOSONG = "Tidak ada masalah logistik terbuka di wilayah Anda. 👍"
ES_JUDUL = "{n} masalah logistik terbuka di wilayah Anda (yang terlama dulu):"
ES_SISA = "…dan {n} lagi. Tangani yang di atas, lalu ketik /eskalasi lagi."
ES_BUTIR = "⚠️ TPS {kode} — {jenis} · {usia}\n{uraian}\nPelapor: {pelapor} · {waktu}"
ES_TANDAI = "✅ Tandai ditangani"
ES_MINTA_CATATAN = ("Masalah di TPS {kode}: tulis catatan penanganannya (mis. \"20 surat suara dikirim "
                    "pukul 14.00\"), atau ketuk Tanpa catatan. Catatan dikirim ke pelapor.")
ES_TANPA_CATATAN = "Tanpa catatan"
ES_CATATAN_SALAH = "{galat} Tulis lagi catatannya, ketuk Tanpa catatan, atau ketik /batal."
# One sentence, the same for the officer and the reporter.
ES_DITANGANI = "Masalah di TPS {kode} ({jenis}) sudah ditangani oleh {nama}{catatan}."
ES_SUDAH = "Masalah di TPS {kode} sudah ditangani oleh {nama} pada {waktu}{catatan}."
ES_TIDAK_BERLAKU = "Masalah ini sudah tidak berlaku: {catatan}."

# --- /realisasi: a value above the target ---------------------------------------------------------------------
RL_MELEBIHI = "Realisasi {nilai} melebihi target {target}. Benar?"
RL_YA = "Ya, benar"
RL_UBAH = "Ubah"
RL_KETIK_ULANG = "Ketik lagi nilai realisasinya."
