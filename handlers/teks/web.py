"""Texts of /web (the login link to the admin web)."""

from __future__ import annotations

TAUTAN_MASUK = (
    "Tautan masuk web admin Pantau (berlaku 10 menit, hanya sekali pakai):\n{tautan}\n\n"
    "Jangan teruskan tautan ini kepada siapa pun."
)
TAUTAN_PIMPINAN = "Akun pimpinan membuka web admin dalam mode hanya-lihat."
TAUTAN_KEPALA = ("Sebagai kepala unit, Anda juga dapat menyetujui atau mengembalikan realisasi yang menunggu "
                 "verifikasi Anda (halaman Realisasi).")
TAUTAN_KEPALA_SAJA = ("Sebagai kepala unit, di web Anda melihat laporan yang menunggu verifikasi Anda dan dapat "
                      "menyetujui atau mengembalikannya (sama seperti /verifikasi).")
TIDAK_BOLEH = "Maaf, web admin hanya untuk admin, pimpinan dan kepala unit."
