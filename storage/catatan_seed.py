"""The notes of the seed files as readers see them: the source's own contradictions in Indonesian; notes about the
transcription (OCR) or about how Pantau computes a value are for maintainers and are left out."""

from __future__ import annotations

# (file, row key) -> the note shown with the value, or None: left out. Every non-empty `catatan` of these files
# has an entry, so a new note in a seed file is decided here before it can be loaded.
CATATAN_SEED: dict[tuple[str, str], str | None] = {
    ("indikator_sekretariat.csv", "IK3a"): (
        "Laporan tidak konsisten untuk 2024: Tabel 3.2, 3.3 dan 3.4 mencetak target A dan realisasi A, Tabel 3.3 "
        "mencetak target B/B/BB/A untuk 2021–2024; Tabel 3.6, Perjanjian Kinerja dan kesimpulan menyebut target B "
        "dan realisasi B."),
    ("indikator_sekretariat.csv", "IK3b"): (
        "2024: audit BPK masih berlangsung saat laporan ditulis (\"Proses\"); realisasi menunggu, bukan kegagalan."),
    ("indikator_sekretariat.csv", "IK3c"): (
        "Target Renstra 2024 adalah 80, target Perjanjian Kinerja 2024 adalah 79; Tabel 3.3 mencetak target "
        "76/78/79/79 untuk 2021–2024."),
    ("indikator_sekretariat.csv", "IK4"): None,  # how Pantau computes it: the report shows the computed rule
    ("indikator_sekretariat.csv", "IK6"): None,
    ("anggaran_program.csv", "2023 CQ"): None,  # an OCR typo, corrected in the figure
    ("anggaran_program.csv", "2024 WA"): "Tabel 3.17 mencetak realisasi Rp9.199.703.967 (99,96 %).",
    ("anggaran_program.csv", "2024 CQ"): "Tabel 3.17 mencetak realisasi Rp119.173.477.742 (89,54 %).",
}


def catatan_seed(berkas: str, kunci: str, teks: str) -> str | None:
    """The note to store for a seed row's `catatan` (None: none or left out); KeyError for an undecided note."""
    if not teks.strip():
        return None
    return CATATAN_SEED[(berkas, kunci)]
