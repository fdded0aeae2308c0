from datetime import date

import pytest

from domain.pemutakhiran import persen_tepat_waktu, status_tahapan
from domain.rencana import akhir_bulan, terlambat

M, S = date(2024, 6, 1), date(2024, 6, 14)


@pytest.mark.parametrize(
    ("done", "today", "expected"),
    [
        (date(2024, 6, 14), date(2024, 7, 1), "tepat_waktu"),  # on the end date is on time
        (date(2024, 6, 15), date(2024, 7, 1), "terlambat"),
        (None, date(2024, 6, 15), "lewat_batas"),
        (None, date(2024, 6, 14), "berjalan"),
        (None, date(2024, 6, 1), "berjalan"),
        (None, date(2024, 5, 31), "belum_mulai"),
    ],
)
def test_status_tahapan(done: date | None, today: date, expected: str) -> None:
    assert status_tahapan(M, S, done, today) == expected


def test_persen_tepat_waktu_ignores_stages_not_due() -> None:
    assert persen_tepat_waktu(["tepat_waktu", "terlambat", "berjalan", "belum_mulai"]) == 50.0
    assert persen_tepat_waktu(["tepat_waktu", "lewat_batas", "tepat_waktu"]) == 66.67
    assert persen_tepat_waktu(["berjalan"]) is None


def test_rencana_terlambat() -> None:
    assert akhir_bulan(2024, 2) == date(2024, 2, 29)
    assert not terlambat(2024, 3, "berjalan", date(2024, 3, 31))
    assert terlambat(2024, 3, "berjalan", date(2024, 4, 1))
    assert terlambat(2024, 3, "belum", date(2024, 4, 1))
    assert not terlambat(2024, 3, "selesai", date(2024, 12, 1))
