"""Every text the bot shows, in Bahasa Indonesia: this package is the one place to review and translate them.

This module holds the account, menu and general texts; each feature has its own module beside it.
"""

from __future__ import annotations

KEDALUWARSA = "Menu ini sudah kedaluwarsa. Silakan mulai lagi dari perintahnya."
BELUM_TERDAFTAR = (
    "Maaf, akun Telegram Anda belum terdaftar di Pantau.\n\n"
    "Cara mendaftar:\n"
    "• buka tautan undangan dari admin KPU, atau\n"
    "• kirim /start, pilih Pimpinan, Operator atau Petugas TPS, tunggu persetujuan admin."
)
MENUNGGU = "Permintaan akses Anda sedang menunggu persetujuan admin. Anda akan diberi tahu di sini."
DICABUT = "Akses akun Anda ke Pantau telah dicabut. Hubungi admin KPU bila ini keliru."
DITOLAK = "Permintaan akses Anda ditolak. Anda dapat mengirim /start untuk meminta lagi."
TIDAK_BERWENANG = "Maaf, perintah ini tidak tersedia untuk peran Anda ({peran}). Ketik /help untuk daftar perintah."
TOMBOL_TIDAK_BERWENANG = "Maaf, tombol ini bukan untuk peran Anda."
TERLALU_CEPAT = "Terlalu banyak pesan dalam waktu singkat. Tunggu beberapa detik, lalu coba lagi."
HANYA_PRIBADI = "Pantau hanya melayani chat pribadi — buka @{bot}"
BUKA_PRIBADI = "Buka chat pribadi"
BOT_DITAMBAHKAN = (
    "ℹ️ Bot Pantau ditambahkan ke {jenis} «{judul}» (id {id}) oleh {oleh}, id Telegram {tg}.\n"
    "Pantau tidak melayani grup: di sana bot hanya menunjuk ke chat pribadi. "
    "Bila ini tidak disengaja, keluarkan bot dari grup tersebut."
)
TIDAK_DIKENAL = "Perintah tidak dikenal. Ketik /help untuk daftar perintah."
BUKAN_PERINTAH = "Saya belum paham pesan ini. Ketik /help untuk daftar perintah atau /batal untuk membatalkan."
TIDAK_ADA_PROSES = "Tidak ada proses yang sedang berjalan."
DIBATALKAN = "Dibatalkan. Tidak ada data yang disimpan dari proses tadi."
WAKTU_HABIS = "Sesi ini berakhir karena lama tidak ada jawaban. Tidak ada yang disimpan; silakan mulai lagi."
GALAT = "Maaf, terjadi kesalahan di sisi kami. Coba lagi sebentar lagi. Kode rujukan: {kode}"
SIBUK_UMUM = ("Maaf, jaringan Telegram sedang sibuk sehingga jawaban tadi tidak sampai. Silakan ulangi perintah "
              "terakhir Anda; yang sudah tersimpan tetap aman.")
SIBUK_SINGKAT = "Jaringan Telegram sedang sibuk. Kami kirim kelanjutannya sebentar lagi."
TOMBOL_LANJUTKAN = "▶️ Lanjutkan"
SIBUK_LANJUT = ("Maaf, jaringan Telegram sedang sibuk. Ketuk Lanjutkan untuk meneruskan {laporan} {kode}. "
                "Yang sudah Anda isi tidak hilang.")
SIBUK_MULAI = "Maaf, jaringan Telegram sedang sibuk. Ketuk Lanjutkan untuk memulai {laporan}."
ALARM_ADMIN = "⚠️ Galat di bot ({jenis}), kode rujukan {kode}. Rinciannya ada di log. Peringatan sejenis ditahan 1 jam."

SALAM = {
    "admin": "Halo {nama}. Anda admin Pantau.",
    "pimpinan": "Selamat datang, {nama}. Anda terdaftar sebagai pimpinan ({unit}).",
    "operator": "Halo {nama}. Anda operator {unit}.",
    "petugas": "Halo {nama}. Anda petugas TPS ({tps}).",
}
SALAM_BARU = "Halo {nama}! Pantau adalah bot pemantauan KPU: logistik TPS, kinerja, anggaran dan tahapan."
MINTA_AKSES_PILIH = "Anda belum terdaftar. Minta akses sebagai:"
MINTA_UNIT = (
    "Ketik kode unit Anda, misalnya KUL-UML (Sub Bagian Umum dan Logistik) atau KAB-1771 (KPU Kota Bengkulu).\n"
    "Ketik /batal untuk membatalkan."
)
MINTA_TPS = (
    "Ketik kode TPS Anda, misalnya 17.71.01.2001-001. Beberapa TPS dipisah koma.\nKetik /batal untuk membatalkan."
)
MINTA_TERKIRIM = "Permintaan akses sebagai {peran} sudah dikirim ke admin. Anda akan diberi tahu di sini."
MINTA_SUDAH = "Permintaan Anda sudah terkirim sebelumnya; mohon tunggu persetujuan admin."
MINTA_KE_ADMIN = (
    "Permintaan akses baru\nNama: {nama}{username}\nID Telegram: {tg}\nPeran diminta: {peran}\nCakupan: {cakupan}"
)
DISETUJUI_KE_PENGGUNA = "Permintaan akses Anda disetujui: Anda terdaftar sebagai {peran}. Ketik /help untuk mulai."
DITOLAK_KE_PENGGUNA = "Maaf, permintaan akses Anda ditolak admin."
PUTUSAN_ADMIN = "{teks}\n\n→ {putusan} oleh {admin}."
TERDAFTAR = "Pendaftaran berhasil. Anda terdaftar sebagai {peran}{cakupan}. Ketik /help untuk daftar perintah."
SUDAH_TERDAFTAR = "Akun ini sudah terdaftar sebagai {peran}. Ketik /help untuk daftar perintah."
BANTUAN_JUDUL = "Perintah yang bisa Anda pakai ({peran}):"
MENU_VERIFIKASI = "✅ Verifikasi ({n} menunggu)"
MENU_TOMBOL = {  # the /start and /help buttons of the main actions (domain.akses.UTAMA)
    "tiba": "📦 Lapor logistik tiba",
    "jadwal": "📅 Jadwal tenggat",
    "realisasi": "📈 Lapor realisasi kinerja",
    "anggaran_lapor": "💰 Lapor realisasi anggaran",
    "rencana": "🗓️ Rencana aksi",
    "tahapan": "🗂️ Tahapan pemutakhiran",
    "gudang": "🏬 Gudang logistik",
    "eskalasi": "🚨 Eskalasi terbuka",
    "logistik": "🚚 Logistik di TPS",
    "capaian": "📊 Capaian kinerja",
    "anggaran": "💰 Anggaran",
    "ekspor": "📥 Unduh data",
    "siaran": "📣 Siaran",
}
BANTUAN_TOMBOL = "Pada pilihan bertombol, cukup ketuk tombolnya. Ketik /batal kapan saja untuk membatalkan."
PROFIL = "Nama: {nama}\nPeran: {peran}\nStatus: {status}\nUnit: {unit}\nTPS: {tps}"
UNDANG_PAKAI = (
    "Pemakaian: /undang <peran> <kode unit> [kode TPS …]\n"
    "Contoh: /undang operator KUL-UML\n/undang petugas KAB-1771 17.71.01.2001-001"
)
UNDANGAN_DIBUAT = (
    "Kode undangan untuk {peran} ({cakupan}), berlaku sampai {sampai}, {pakai}× pakai:\n{kode}\n\n"
    "Tautan: {tautan}"
)
TERPOTONG = "(bersambung {i}/{n})"
