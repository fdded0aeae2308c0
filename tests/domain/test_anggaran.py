from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.anggaran import format_rasio, penyerapan, rasio_efisiensi
from domain.angka import format_percent
from tests.domain.bantuan import CEPAT

# Bengkulu 2024 (anggaran_program.csv): the satker total and the two programs.
SEED = [
    ("total", 128_414_940_749, 142_297_821_000, "90,24 %"),
    ("WA", 9_194_840_880, 9_203_578_000, "99,91 %"),
    ("CQ", 119_220_099_869, 133_094_243_000, "89,58 %"),
]


@pytest.mark.parametrize(("nama", "realisasi", "pagu", "harapan"), SEED)
def test_penyerapan_seed(nama: str, realisasi: int, pagu: int, harapan: str) -> None:
    assert format_percent(penyerapan(realisasi, pagu)) == harapan


def test_program_spending_adds_up_to_the_total() -> None:
    assert SEED[1][1] + SEED[2][1] == SEED[0][1]
    assert SEED[1][2] + SEED[2][2] == SEED[0][2]


def test_penyerapan_keeps_full_precision() -> None:
    hasil = penyerapan(128_414_940_749, 142_297_821_000)
    assert hasil is not None
    assert hasil.quantize(Decimal("0.000001")) == Decimal("90.243786")
    assert str(penyerapan(1, 3)) == "33." + "3" * 48


@pytest.mark.parametrize(
    ("realisasi", "pagu", "harapan"),
    [
        (0, 100, Decimal(0)),
        (50, 100, Decimal(50)),
        (100, 100, Decimal(100)),
        (150, 100, Decimal(150)),
        (0, 0, None),
        (5, 0, None),
    ],
)
def test_penyerapan(realisasi: int, pagu: int, harapan: Decimal | None) -> None:
    assert penyerapan(realisasi, pagu) == harapan


def test_penyerapan_without_pagu_formats_as_dash() -> None:
    assert format_percent(penyerapan(0, 0)) == "–"


@pytest.mark.parametrize(("realisasi", "pagu"), [(-1, 100), (100, -1), (-1, -1)])
def test_penyerapan_refuses_negative_amounts(realisasi: int, pagu: int) -> None:
    with pytest.raises(ValueError, match="tidak boleh negatif"):
        penyerapan(realisasi, pagu)


def test_rasio_efisiensi_seed() -> None:
    rasio = rasio_efisiensi(Decimal(100), Decimal("90.21"))
    assert rasio.quantize(Decimal("0.0001")) == Decimal("1.1085")
    assert format_rasio(rasio) == "1 : 1,1"


def test_rasio_from_seed_absorption() -> None:
    serapan = penyerapan(128_414_940_749, 142_297_821_000)
    assert serapan is not None
    assert format_rasio(rasio_efisiensi(Decimal(100), serapan)) == "1 : 1,1"


@pytest.mark.parametrize(
    ("capaian", "serapan", "harapan"),
    [
        ("100", "100", "1 : 1,0"),
        ("100", "50", "1 : 2,0"),
        ("50", "100", "1 : 0,5"),
        ("0", "80", "1 : 0,0"),
        ("100", "9.76", "1 : 10,2"),
        ("105", "100", "1 : 1,1"),
        ("104.99", "100", "1 : 1,0"),
    ],
)
def test_format_rasio(capaian: str, serapan: str, harapan: str) -> None:
    assert format_rasio(rasio_efisiensi(Decimal(capaian), Decimal(serapan))) == harapan


def test_rasio_efisiensi_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="Penyerapan anggaran 0 %"):
        rasio_efisiensi(Decimal(100), Decimal(0))
    with pytest.raises(ValueError, match="tidak boleh negatif"):
        rasio_efisiensi(Decimal(-1), Decimal(50))
    with pytest.raises(ValueError, match="tidak boleh negatif"):
        rasio_efisiensi(Decimal(100), Decimal(-50))


@pytest.mark.parametrize("rasio", [Decimal(-1), Decimal("NaN"), Decimal("Infinity")])
def test_format_rasio_refuses_bad_ratio(rasio: Decimal) -> None:
    with pytest.raises(ValueError, match="Rasio tidak sah"):
        format_rasio(rasio)


@CEPAT
@given(st.integers(0, 10**15), st.integers(1, 10**15))
def test_penyerapan_is_spending_over_allocation(realisasi: int, pagu: int) -> None:
    hasil = penyerapan(realisasi, pagu)
    assert hasil is not None
    assert hasil * pagu == pytest.approx(Decimal(realisasi) * 100, rel=Decimal("1e-30"))
    assert (hasil <= 100) == (realisasi <= pagu)
