"""The admin web's messages in Bahasa Indonesia (page texts live in admin/templates/)."""

from __future__ import annotations

TAUTAN = {
    "tidak_dikenal": "Tautan masuk ini tidak dikenal. Kirim /web di bot Pantau untuk mendapatkan tautan baru.",
    "dipakai": "Tautan masuk ini sudah dipakai. Setiap tautan hanya berlaku sekali; kirim /web lagi di bot.",
    "kedaluwarsa": "Tautan masuk ini sudah kedaluwarsa (berlaku 10 menit). Kirim /web lagi di bot.",
    "ditolak": "Akun ini tidak (lagi) berhak membuka web admin. Hubungi admin bila ini keliru.",
}
LINTAS_SITUS = ("Permintaan masuk ini datang dari situs lain dan ditolak. Buka tautan dari bot Pantau langsung "
                "di peramban Anda.")
PERLU_MASUK = "Silakan masuk dulu: kirim /web di bot Pantau, lalu buka tautannya."
TIDAK_BERWENANG = "Maaf, halaman atau tindakan ini tidak tersedia untuk peran Anda."
HANYA_VERIFIKASI = ("Sebagai kepala unit, Anda hanya dapat membuka daftar laporan yang menunggu verifikasi Anda "
                    "di web ini. Halaman lain tersedia untuk admin dan pimpinan.")
HANYA_BACA = "Akun pimpinan hanya dapat melihat; perubahan dilakukan oleh admin."
CSRF = "Formulir ini kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."
TIDAK_DITEMUKAN = "Halaman atau data yang Anda cari tidak ditemukan."
TAHUN_SALAH = "Tahun tidak sah; tulis empat angka, mis. ?tahun=2024."
TERLALU_BESAR = "Berkas terlalu besar; batasnya {batas}. Pecah berkas menjadi beberapa bagian."
PILIH_BERKAS = "Pilih berkas .csv atau .xlsx untuk diunggah."
IMPOR_BUKAN_MILIK = "Unggahan ini milik admin lain; unggah berkasnya sendiri."
IMPOR_SUDAH = "Berkas ini sudah disimpan sebelumnya; tidak ada yang disimpan dua kali."
JENIS_BERKAS = "Jenis berkas tidak didukung: unggah berkas .csv atau .xlsx (unduh templatnya di halaman ini)."
IMPOR_TAK_TERBACA = "Berkas ini tidak dapat dibaca; tidak ada yang disimpan. Perbaiki berkasnya lalu unggah lagi."
IMPOR_GAGAL = "Tidak ada yang disimpan: masih ada {n} galat. Perbaiki berkasnya lalu unggah lagi."

# Shown after a redirect (?ok=<key>); unknown keys show nothing.
OK = {
    "undangan": "Kode undangan dibuat.",
    "undangan_dicabut": "Kode undangan dicabut.",
    "disetujui": "Permintaan akses disetujui; pengguna diberi tahu lewat bot.",
    "ditolak": "Permintaan akses ditolak; pengguna diberi tahu lewat bot.",
    "diubah": "Perubahan disimpan.",
    "kebijakan_diubah": "Kebijakan pengingat disimpan; sapuan pengingat berikutnya (tiap menit) memakainya.",
    "dicabut": "Akses pengguna dicabut.",
    "diverifikasi": "Verifikasi disimpan.",
    "periode_ditutup": "Periode ditutup: laporan terlambat untuk periode itu ditolak.",
    "periode_dibuka": "Periode dibuka kembali.",
    "ditangani": "Eskalasi ditandai sudah ditangani.",
    "diantrekan": "Pesan diantrekan untuk dikirim ulang.",
    "tahun_dibuka": "Tahun anggaran dibuka: PK tahun sebelumnya disalin sebagai draf.",
    "tahun_sudah_ada": "Tahun anggaran itu sudah dibuka; tidak ada yang diubah.",
    "tahun_ditutup": "Tahun anggaran ditutup: angka akhirnya disimpan dan laporan bertanggal tahun itu ditolak.",
    "tahun_dibuka_kembali": "Tahun anggaran dibuka kembali; laporan kembali membaca data terkini.",
    "impor": "Impor disimpan.",
    "libur_disimpan": "Hari libur disimpan; tenggat yang terdampak sudah digeser.",
    "libur_dihapus": "Hari itu kini hari kerja; tenggat yang terdampak sudah digeser.",
    "keluar": "Anda sudah keluar.",
}

DISETUJUI_KE_PENGGUNA = "Permintaan akses Anda disetujui: Anda terdaftar sebagai {peran}. Ketik /help untuk mulai."
DITOLAK_KE_PENGGUNA = "Maaf, permintaan akses Anda ditolak admin."
