"""Texts about years and election events: which year a flow works on, and when no election runs."""

from __future__ import annotations

TIDAK_ADA_PEMILIHAN = "Saat ini tidak ada pemilihan yang sedang berjalan, jadi /{perintah} belum dapat dipakai."
BERIKUTNYA = "Pemilihan berikutnya: {nama}, pemungutan suara {tanggal} (logistik mulai dipantau {mulai})."
TIDAK_DIJADWALKAN = "Belum ada pemilihan yang dijadwalkan. Admin menambahkannya lewat impor Pemilihan di web."

TAHUN_ADA = "Data yang ada: tahun {tahun}. Pilih tahun dengan menuliskannya, misalnya /{perintah} {contoh}."
LAPORAN_KOSONG = "Belum ada data {judul} tahun {tahun}."
JUDUL_CAPAIAN = "capaian kinerja"
JUDUL_ANGGARAN = "anggaran"
JUDUL_PEMUTAKHIRAN = "tahapan pemutakhiran data pemilih"
TAHUN_TIDAK_ADA = "Belum ada data pada tahun mana pun."
TAHUN_LALU = "Tahun {tahun} belum ditutup: laporan terlambat tahun {tahun} masih dapat dikirim."
