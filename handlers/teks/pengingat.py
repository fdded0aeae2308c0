"""Texts of reminders, the morning digest, /pengingat, /jadwal and /siaran."""

from __future__ import annotations

# --- reminder messages -------------------------------------------------------------------------------

JUDUL_LANGKAH = {
    "h0": "⏰ Pengingat: tenggat HARI INI",
    "h1": "⏰ Pengingat: tenggat BESOK (H-1)",
}
JUDUL_SEBELUM = "⏰ Pengingat H-{hari}"
JUDUL_ULANG = "⏰ Pengingat lagi, seperti yang Anda minta kemarin"
JUDUL_TERLAMBAT = "⚠️ Terlambat {hari} hari"
JUDUL_ESKALASI = "🔺 Eskalasi: belum selesai, terlambat {hari} hari"
BARIS_BATAS = "Batas: {batas}"
BARIS_UNTUK = "Untuk: {untuk}"
BARIS_UNIT = "Unit: {unit}"
BARIS_PENANGGUNG = "Penanggung jawab: {nama}"
TANPA_PENANGGUNG = "belum ada pengguna terdaftar"
BARIS_BELUM_INDIKATOR = "Indikator yang belum dilaporkan: {daftar}"
BARIS_PROGRES_TPS = "TPS yang sudah melapor: {sudah} dari {total}"
BARIS_TPS_ANDA = "TPS Anda yang belum melapor: {daftar}"
PETUNJUK = {
    "pelaporan": "Ketuk tombol indikator untuk melapor, atau /realisasi.",
    "rencana_aksi": "Ketuk tombol di bawah untuk memperbarui kemajuan, atau /rencana.",
    "pemutakhiran": "Ketuk tombol di bawah bila tahapan sudah selesai, atau /tahapan.",
    "logistik_petugas": "Ketuk tombol TPS untuk melaporkan logistik yang tiba, atau /tiba.",
    "logistik": "Lihat rinciannya dengan /logistik.",
}
PETUNJUK_TANPA_TOMBOL = {
    "pelaporan": "Laporkan dengan /realisasi.",
    "rencana_aksi": "Perbarui kemajuannya dengan /rencana.",
    "pemutakhiran": "Tandai selesainya dengan /tahapan.",
    "logistik_petugas": "Laporkan logistik yang tiba dengan /tiba.",
}
PETUNJUK_ESKALASI = "Mohon ditindaklanjuti dengan penanggung jawabnya. Rincian: /jadwal."
TOMBOL_TUNDA = "🔕 Ingatkan besok"
TOMBOL_LAPOR = "📝 Lapor {kode}"
TOMBOL_RENCANA = "📝 Perbarui kemajuan"
TOMBOL_TAHAPAN = "✅ Tandai tahapan selesai"
TOMBOL_TIBA = "📦 {kode}"
SUDAH_DIMULAI = "Proses ini sudah dimulai: lanjutkan dari pesan terakhir di bawah, atau ketik /batal."
PERAN_UNTUK = {"operator": "Operator", "petugas": "Petugas TPS", "pimpinan": "Pimpinan", "admin": "Admin"}

# --- snooze and pause ---------------------------------------------------------------------------------

DITUNDA = "Baik, pengingat \"{judul}\" ditunda sampai {sampai}."
BUKAN_PENERIMA = "Pengingat ini bukan untuk Anda."
JENIS_DIJEDA = "Pengingat {jenis} dijeda. Tidak ada pengingat jenis ini yang dikirim sampai dilanjutkan."
JENIS_DILANJUTKAN = "Pengingat {jenis} dilanjutkan. Yang jatuh tempo dikirim sekali pada sapuan berikutnya."
HANYA_ADMIN = "Hanya admin yang dapat menjeda jenis pengingat."

# --- /pengingat ---------------------------------------------------------------------------------------

PENGINGAT_JUDUL = "Pengingat Anda {hari} hari ke depan:"
PENGINGAT_KOSONG = "Tidak ada pengingat untuk Anda dalam {hari} hari ke depan."
PENGINGAT_BARIS = "• {waktu} — {langkah}: {judul}{unit}"
PENGINGAT_DITUNDA = " (ditunda sampai {sampai})"
PENGINGAT_TERSEMBUNYI = "… dan {n} pengingat lain."
PENGINGAT_CATATAN = "Setiap pesan pengingat punya tombol \"Ingatkan besok\" untuk menundanya sehari."
JEDA_JUDUL = "Jenis pengingat (admin):"
JEDA_BARIS = "• {jenis}: {status}"
JEDA_STATUS = {True: "dijeda", False: "aktif"}
TOMBOL_JEDA = "⏸ Jeda {jenis}"
TOMBOL_LANJUT = "▶️ Lanjutkan {jenis}"
LABEL_LANGKAH_SEBELUM = "H-{hari}"
LABEL_LANGKAH_HARI_INI = "hari H"
LABEL_LANGKAH_TERLAMBAT = "terlambat {hari} hari"
LABEL_LANGKAH_ESKALASI = "eskalasi (terlambat {hari} hari)"
LABEL_LANGKAH_ULANG = "pengingat ulang (ingatkan besok)"

# --- /jadwal ---------------------------------------------------------------------------------------------

JADWAL_TERLAMBAT = "⚠️ Terlambat dan belum selesai:"
JADWAL_AKAN_DATANG = "📅 Tenggat {hari} hari ke depan:"
JADWAL_KOSONG_DATANG = "Tidak ada tenggat dalam {hari} hari ke depan."
JADWAL_KOSONG_TERLAMBAT = "Tidak ada tenggat yang terlambat. 👍"
JADWAL_BARIS = "• {batas} — {judul}{unit}{status}"
JADWAL_SELESAI = " ✅"
JADWAL_BELUM = " — belum: {belum}"
JADWAL_BELUM_SEBAGIAN = " — {n} dari {total} unit belum"
JADWAL_DIJEDA = " (pengingat dijeda)"
JADWAL_DIGESER = " ({alasan})"

# --- the morning digest ------------------------------------------------------------------------------------

RINGKASAN_JUDUL = "☀️ Ringkasan pagi, {tanggal}"
RINGKASAN_HARI_INI = "Tenggat hari ini:"
RINGKASAN_TERLAMBAT = "Terlambat per unit:"
RINGKASAN_LOGISTIK = "Logistik tiba di TPS (masa distribusi): {tiba} dari {tps} TPS ({persen})"
RINGKASAN_LOGISTIK_BARIS = "• {nama}: {tiba}/{tps}"
RINGKASAN_PENUTUP = "Rincian: /jadwal dan /logistik."

# --- /siaran ---------------------------------------------------------------------------------------------------

SIARAN_PILIH_PERAN = "Siaran: kepada peran apa?"
SIARAN_SEMUA_PERAN = "Semua peran"
SIARAN_PILIH_CAKUPAN = (
    "Kepada unit mana? Ketik kode unit (misalnya KAB-1771 atau KUL; sub-unitnya ikut), "
    "atau ketuk \"Semua unit\"."
)
SIARAN_SEMUA_UNIT = "Semua unit"
SIARAN_TULIS = "Tulis isi siaran ({n} penerima). Paling banyak {maks} karakter. Ketik /batal untuk membatalkan."
SIARAN_TIDAK_ADA = "Tidak ada pengguna aktif pada peran dan cakupan itu. Ketik kode unit lain, atau /batal."
SIARAN_PRATINJAU = "Pratinjau siaran kepada {n} penerima ({peran}, {cakupan}):\n\n{isi}\n\nKirim sekarang?"
SIARAN_KIRIM = "📢 Kirim"
SIARAN_BATAL = "Batal"
SIARAN_DIANTREKAN = (
    "Siaran #{id} diantrekan untuk {n} penerima. Pesan dikirim bertahap (maksimal 30 per detik). "
    "Ketuk tombol di bawah untuk laporan pengiriman."
)
SIARAN_TOMBOL_LAPORAN = "📊 Laporan pengiriman"
SIARAN_LAPORAN = (
    "Laporan siaran #{id} ({waktu})\nPenerima: {total}\nTerkirim: {terkirim}\nGagal: {gagal}\n"
    "Diblokir: {diblokir}\nMasih antre: {antri}"
)
SIARAN_HEADER = "📢 Pengumuman\n\n"
SIARAN_TERLALU_PANJANG = "Isi siaran terlalu panjang ({n} karakter; paling banyak {maks}). Persingkat lalu kirim lagi."
SIARAN_KOSONG = "Isi siaran masih kosong. Tulis isinya, atau /batal."
SIARAN_SUDAH = "Siaran ini sudah dikirim."
SIARAN_TIDAK_DITEMUKAN = "Siaran itu tidak ditemukan."
SIARAN_DIBATALKAN = "Siaran dibatalkan. Tidak ada pesan yang dikirim."
SIARAN_BUKAN_TEKS = "Siaran hanya berupa teks. Tulis isinya, atau /batal."
