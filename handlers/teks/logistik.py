"""Texts of the logistics features: /tiba (arrival report at a TPS), escalations, /gudang, /logistik."""

from __future__ import annotations

# --- /tiba -------------------------------------------------------------------------------------------

TIDAK_ADA_TPS = "Belum ada TPS yang ditugaskan ke akun Anda. Hubungi admin atau operator KPU Kab/Kota."
PILIH_TPS = "Laporan logistik tiba. Pilih TPS Anda:"
CARI_TPS = (
    "Laporan logistik tiba. Anda bertugas di {n} TPS.\n"
    "Ketik kode atau nama TPS/desa untuk mencari (mis. 2001-003), atau pilih salah satu yang belum lapor:"
)
HASIL_CARI = "Ditemukan {n} TPS. Pilih salah satu:"
TIDAK_KETEMU = "TPS '{teks}' tidak ditemukan di antara TPS Anda. Ketik kode atau nama lain, atau /batal."
BUKAN_TPS_ANDA = "TPS {kode} bukan TPS tugas Anda. Anda hanya dapat melapor untuk TPS Anda sendiri."
BUKAN_TPS_ANDA_SINGKAT = "TPS itu bukan TPS tugas Anda."
SUDAH_LAPOR_TANDA = "✓"

SUDAH_ADA = (
    "TPS {kode} sudah punya laporan {nomor} (versi {versi}) dari {pelapor}, {waktu}: {status}.\n\n"
    "Laporan ini untuk apa?"
)
TOMBOL_KOREKSI = "✏️ Koreksi laporan sebelumnya"
TOMBOL_TAMBAHAN = "📦 Kiriman tambahan"
STATUS_TEPAT = "lengkap, baik dan tepat waktu"
STATUS_MASALAH = "ada masalah ({masalah})"
TANYA_ALASAN_KOREKSI = "Tulis singkat alasan koreksinya (mis. salah hitung surat suara):"
ALASAN_TERLALU_PENDEK = "Alasannya terlalu pendek. Tulis minimal 3 huruf, atau /batal."
TAMBAHAN_TIDAK_PERLU = (
    "Menurut laporan terakhir semua barang sudah lengkap dan baik, jadi tidak ada kiriman tambahan yang ditunggu. "
    "Pilih Koreksi bila laporan sebelumnya keliru."
)

PERIKSA_JUDUL = {
    "baru": "TPS {kode} ({nama}, {desa}).\nYang seharusnya tiba:",
    "koreksi": "Koreksi laporan TPS {kode} ({nama}).\nYang seharusnya tiba:",
    "tambahan": "Kiriman tambahan untuk TPS {kode} ({nama}).\nYang masih ditunggu:",
}
BARIS_HARAP = "• {nama}: {jumlah} {satuan}"
PERIKSA_TANYA = "Periksa barang yang tiba, lalu pilih:"
TOMBOL_LENGKAP = "✅ Semua lengkap dan baik"
TOMBOL_BEDA = "⚠️ Ada yang kurang/rusak/salah"
TOMBOL_BATAL = "✖️ Batal"

BARANG_JUDUL = (
    "Ketuk barang yang kurang, rusak atau salah jenis. Barang yang tidak diketuk dianggap lengkap dan baik."
)
BARANG_DICATAT = "Sudah dicatat:"
BARANG_BELUM = "Belum ada penyimpangan yang dicatat."
TOMBOL_SELESAI = "✔️ Selesai, lanjut"
TOMBOL_KEMBALI = "⬅️ Kembali"

MASALAH_TANYA = "{nama} (seharusnya {jumlah} {satuan}). Apa masalahnya?"
TOMBOL_KURANG = "Kurang"
TOMBOL_RUSAK = "Rusak"
TOMBOL_SALAH = "Salah jenis"
TOMBOL_HAPUS = "Tidak ada masalah"
TANYA_KURANG = (
    "{nama}: berapa yang KURANG (tidak tiba)? Ketik angka 0–{maks}.\n"
    "Boleh ditambah catatan setelah angkanya, mis. \"1 tertinggal di PPS\"."
)
TANYA_RUSAK = (
    "{nama}: berapa yang tiba dalam keadaan RUSAK? Ketik angka 0–{maks}.\n"
    "Boleh ditambah catatan setelah angkanya, mis. \"2 basah kena hujan\"."
)
TANYA_CATATAN_SALAH = "{nama}: tulis catatan singkat tentang salah jenisnya (mis. \"surat suara dapil lain\"), " \
    "atau ketuk Lewati."
TOMBOL_LEWATI = "Lewati"
ANGKA_SALAH = "{galat}\nKetik lagi angkanya (0–{maks}), atau ketuk Kembali."
PENYIMPANGAN = {"kurang": "kurang {n}", "rusak": "rusak {n}", "salah": "salah jenis"}

TANYA_MODA = "Dengan apa logistik diantar ke TPS?"
TOMBOL_MODA_SARAN = "🚚 {nama} ({asal})"
ASAL_MODA = {"gudang": "seperti kiriman gudang", "terakhir": "seperti laporan Anda sebelumnya"}
TOMBOL_MODA_LAIN = "Moda lain…"
TANYA_WAKTU = (
    "Kapan logistik tiba?\nKetuk \"Baru saja\", atau ketik jamnya (mis. 08.30) bila tiba hari ini, "
    "atau hari dan jam (mis. kemarin 14.00)."
)
TANYA_WAKTU_KOREKSI = (
    "Kapan logistik tiba? Laporan sebelumnya: {waktu}.\nKetuk \"Tetap\" bila waktu itu benar, \"Baru saja\", "
    "atau ketik jamnya (mis. 08.30) bila tiba hari ini, atau hari dan jam (mis. kemarin 14.00)."
)
TOMBOL_KINI = "🕒 Baru saja ({jam})"
TOMBOL_TETAP = "✔️ Tetap {tanggal} {jam}"
WAKTU_SALAH = "{galat}\nKetik lagi waktu tibanya, atau ketuk \"Baru saja\"."

TANYA_FOTO = "Kirim satu foto logistik yang tiba (📎 → Kamera atau Galeri)."
TANYA_FOTO_BOLEH_LEWAT = TANYA_FOTO + "\nTidak bisa memotret? Ketuk alasannya, atau ketik alasan lain."
TANYA_FOTO_WAJIB = TANYA_FOTO + "\nFoto wajib untuk laporan ini."
# The reasons offered as buttons at the photo step (key in the button, label, what the report keeps).
ALASAN_TANPA_FOTO = {"kamera": "📵 Kamera/HP rusak", "sinyal": "📶 Sinyal lemah", "lupa": "🙈 Lupa memotret"}
ALASAN_TANPA_FOTO_TEKS = {"kamera": "kamera/HP rusak", "sinyal": "sinyal lemah", "lupa": "lupa memotret"}
FOTO_WAJIB = "Foto wajib untuk laporan ini. Kirim fotonya (📎 → Kamera atau Galeri)."
BUKAN_FOTO = "Yang ditunggu adalah foto. Kirim foto, atau ketuk alasan tanpa foto (atau ketik alasannya)."
TANYA_ALASAN_FOTO = "Mengapa tanpa foto? Tulis alasannya singkat (mis. kamera rusak):"
ALASAN_FOTO_TERLALU_PENDEK = (
    "Alasannya terlalu pendek. Kirim foto, ketuk salah satu alasan, atau tulis alasan minimal 3 huruf (atau /batal)."
)

TANYA_LOKASI = "Bagikan lokasi Anda: 📎 → Lokasi → Kirim lokasi saat ini. Lokasi tidak wajib."
TOMBOL_KE_RINGKASAN = "⬅️ Kembali ke ringkasan"
BUKAN_LOKASI = "Yang ditunggu adalah lokasi. Kirim lokasi, atau ketuk \"Kembali ke ringkasan\"."
TOMBOL_TAMBAH_LOKASI = "📍 Tambah lokasi"
TOMBOL_GANTI_LOKASI = "📍 Ganti lokasi"

RINGKASAN = (
    "Periksa laporan Anda:\n"
    "TPS: {kode} ({nama}, {desa})\n"
    "Jenis: {jenis}\n"
    "Barang: {barang}\n"
    "Diantar dengan: {moda}\n"
    "Tiba: {tiba}{telat}\n"
    "Foto: {foto}\n"
    "Lokasi: {lokasi}"
)
JENIS_LABEL = {"baru": "laporan pertama", "koreksi": "koreksi ({alasan})", "tambahan": "kiriman tambahan"}
BARANG_SEMUA = "semua lengkap dan baik"
TELAT = "\n⚠️ Melewati batas tiba TPS ini ({batas})."
FOTO_ADA = "ada"
FOTO_TIDAK = "tidak ada ({alasan})"
LOKASI_ADA = "dibagikan"
LOKASI_TIDAK = "tidak dibagikan"
TOMBOL_KIRIM = "✅ Kirim laporan"

TERKIRIM = "✅ Laporan diterima.\nNomor tanda terima: {nomor}\nTPS {kode}: {status}"
TERKIRIM_TEPAT = "lengkap, baik dan tepat waktu. Terima kasih!"
TERKIRIM_MASALAH = "tercatat ada masalah:\n{uraian}\n\nMasalah ini sudah diteruskan kepada {penerima}."
TERKIRIM_TANPA_PENERIMA = "petugas logistik KPU Kab/Kota belum terdaftar; diteruskan ke admin"
PENERIMA = "petugas logistik {unit} ({n} orang)"
GAGAL_SIMPAN = "Laporan belum tersimpan: {galat}"
SIBUK_LANJUT = ("Maaf, jaringan Telegram sedang sibuk. Ketuk Lanjutkan untuk meneruskan laporan TPS {kode}. "
                "Isian Anda tersimpan.")
SIBUK_MULAI = "Maaf, jaringan Telegram sedang sibuk. Ketuk Lanjutkan untuk memulai laporan logistik tiba."
BERSAMAAN = "Laporan lain untuk TPS ini sedang disimpan pada saat yang sama. Ketuk Kirim sekali lagi."
TOMBOL_SAJA = "Silakan ketuk salah satu tombol pada pesan terakhir, atau ketik /batal."

# --- escalations ---------------------------------------------------------------------------------------

ESKALASI = (
    "⚠️ Masalah logistik di TPS {kode}\n"
    "{nama}, {desa}, {kecamatan} ({kabkota})\n\n"
    "{uraian}\n\n"
    "Pelapor: {pelapor} · {waktu}\n"
    "Nomor laporan: {nomor}"
)
ESKALASI_KONFLIK = (
    "⚠️ Laporan berbeda untuk TPS {kode}\n"
    "{nama}, {desa}, {kecamatan} ({kabkota})\n\n"
    "{uraian}\nMohon periksa langsung ke TPS.\n\n"
    "Laporan terbaru: {nomor} · {waktu}"
)
TOMBOL_TANGANI = "✅ Tandai sudah ditangani"
DITANGANI = "\n\n✅ Ditangani oleh {nama}, {waktu}."
BUKAN_CAKUPAN = "Eskalasi ini di luar cakupan wilayah Anda."

# --- /gudang ------------------------------------------------------------------------------------------

GUDANG_BUKAN_KABKOTA = "Perintah /gudang untuk operator KPU Kabupaten/Kota. Unit Anda: {unit}."
GUDANG_STATUS = (
    "Gudang {unit}\n"
    "TPS: {tps} · sudah dikirim: {dikirim} · sudah tiba di TPS: {tiba}\n\n"
    "Penerimaan dari penyedia (terbaru):\n{terima}\n\n"
    "Pengiriman dari gudang (terbaru):\n{kirim}"
)
GUDANG_KOSONG = "  belum ada"
GUDANG_BARIS_TERIMA = "  • {tanggal}: {jenis}, {kemasan} kemasan, {kondisi}"
GUDANG_BARIS_KIRIM = "  • {tanggal}: ke {tujuan} {wilayah}, {moda}"
TOMBOL_TERIMA = "📥 Terima dari penyedia"
TOMBOL_KIRIM_GUDANG = "🚚 Kirim ke PPK/PPS/TPS"
TOMBOL_TUTUP = "Selesai"
GUDANG_SELESAI = "Selesai. Ketik /gudang untuk membuka lagi."
TANYA_JENIS = "Jenis logistik apa yang diterima dari penyedia?"
TANYA_KEMASAN = "{jenis}: berapa kemasan (dus/koli/bal) yang diterima? Ketik angkanya (1–{maks})."
KEMASAN_SALAH = "{galat}\nKetik lagi jumlah kemasannya (1–{maks})."
TANYA_TANGGAL_TERIMA = "Tanggal diterima di gudang? Ketuk atau ketik tanggalnya (mis. 14/10/2024)."
TANYA_TANGGAL_KIRIM = "Tanggal dikirim dari gudang? Ketuk atau ketik tanggalnya (mis. 25/11/2024)."
TOMBOL_HARI_INI = "Hari ini"
TOMBOL_KEMARIN = "Kemarin"
TANGGAL_SALAH = "{galat}\nKetik lagi tanggalnya, atau ketuk Hari ini/Kemarin."
TANGGAL_DEPAN = "Tanggal {tanggal} belum lewat; tanggal tidak boleh di masa depan."
TANYA_KONDISI = "Bagaimana kondisinya?"
KONDISI = {"baik": "baik", "sebagian": "sebagian rusak", "rusak": "rusak"}
ISI_TERIMA = "{jenis}: {kemasan} kemasan, diterima {tanggal}, kondisi {kondisi}."
RINGKAS_TERIMA = "Simpan penerimaan ini?\n" + ISI_TERIMA
TANYA_TUJUAN = "Dikirim ke mana?"
TUJUAN = {"ppk": "PPK", "pps": "PPS", "tps": "TPS"}
TANYA_KECAMATAN = "Ke {tujuan} di kecamatan mana?"
TOMBOL_SEMUA_KEC = "Semua kecamatan"
SEMUA_KEC = "semua kecamatan"
TANYA_MODA_GUDANG = "Dengan moda apa?"
ISI_KIRIM = "Ke {tujuan} {wilayah}, tanggal {tanggal}, dengan {moda}."
RINGKAS_KIRIM = "Simpan pengiriman ini?\n" + ISI_KIRIM
TOMBOL_SIMPAN = "💾 Simpan"
TERSIMPAN = "✅ Tersimpan."
GUDANG_TERSIMPAN = "✅ Tersimpan di gudang: {isi}\nKetik /gudang untuk melihat status gudang."

# --- /logistik ------------------------------------------------------------------------------------------

TIDAK_ADA_CAKUPAN = "Tidak ada kab/kota dalam cakupan Anda."
# the level a view lists its rows at (reports.logistik: kab/kota, or province for a national scope)
TINGKAT = {"kabkota": "kab/kota", "provinsi": "provinsi", "wilayah": "wilayah"}
JUDUL_GRAFIK_WILAYAH = "Ketibaan logistik di TPS per {tingkat}"
JUDUL_GRAFIK_KABKOTA = "Ketibaan logistik di TPS — {nama}, per kecamatan"
RINGKASAN_LOGISTIK = (
    "{judul} (per {waktu})\n"
    "TPS: {tps} · sudah tiba: {tiba} · belum lapor: {belum}\n"
    "Tepat: {tepat} · bermasalah: {bermasalah} · terlambat: {terlambat}\n"
    "TPS sulit: {sulit} · tiba: {tiba_sulit} · tepat: {tepat_sulit} · bermasalah: {bermasalah_sulit} · "
    "terlambat: {terlambat_sulit}\n"
    "Eskalasi terbuka: {eskalasi}\n"
    "Persentase TPS tepat (IK6, otomatis): {persen}"
)
JUDUL_PROVINSI = "Ketibaan logistik di TPS"
KOLOM = "(tiba/TPS · tepat · bermasalah · terlambat)"
PER_TINGKAT = "Per {tingkat} " + KOLOM + ":"
PER_KECAMATAN = "Per kecamatan " + KOLOM + ":"
BARIS_WILAYAH = "{nama}: {tiba}/{tps} · {tepat} · {bermasalah} · {terlambat}"
PETUGAS_LOGISTIK = "Petugas logistik: {nama}"
BELUM_ADA_PETUGAS = "belum terdaftar"
TOMBOL_ESKALASI = "⚠️ Eskalasi terbuka ({n})"
TOMBOL_PERBARUI = "🔄 Perbarui"
TOMBOL_KE_SEMUA = "⬅️ Semua {tingkat}"
# A drill-down button: the place and how many of its TPS have not reported yet (the number is labelled).
TOMBOL_WILAYAH = "{nama} · {belum} belum"
BELUM_LAPOR = "TPS yang belum lapor di {kec}: {total} TPS (halaman {hal}/{dari})"
BELUM_LAPOR_KOSONG = "Semua TPS di {kec} sudah melapor."
BARIS_BELUM = "• {kode} {nama}{sulit} · {desa} · petugas: {petugas}"
TANDA_SULIT = " (sulit)"
TANPA_PETUGAS = "belum ada"
PENANGGUNG_JAWAB = "Penanggung jawab kab/kota: {nama}"
TOMBOL_SEBELUM = "◀️ Sebelumnya"
TOMBOL_BERIKUT = "Berikutnya ▶️"
TOMBOL_KE_KABKOTA = "⬅️ {nama}"
ESKALASI_JUDUL = "Eskalasi terbuka: {n}"
ESKALASI_KOSONG = "Tidak ada eskalasi terbuka."
BARIS_ESKALASI = "• TPS {kode} — {jenis}: {uraian} ({pelapor}, {waktu})"
DITANGANI_JUDUL = "Terakhir ditangani:"
BARIS_DITANGANI = "• TPS {kode} — {jenis}: ditangani oleh {nama}, {waktu}"
TIDAK_BERUBAH = "Tidak ada perubahan."
