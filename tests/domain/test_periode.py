from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.periode import (
    JenisPeriode,
    Periode,
    batas_lapor,
    parse_periode,
    periode_berjalan,
    periode_tahun,
    tambah_hari_kerja,
)
from tests.domain.bantuan import CEPAT, pesan_galat

MARET = Periode(tahun=2024, jenis="bulan", ke=3)
FEBRUARI = Periode(tahun=2024, jenis="bulan", ke=2)
TW1 = Periode(tahun=2024, jenis="triwulan", ke=1)
TW4 = Periode(tahun=2024, jenis="triwulan", ke=4)
TAHUN = Periode(tahun=2024, jenis="tahun", ke=1)

# Idul Fitri 2024: holidays 10-11 April and cuti bersama 8, 9, 12 and 15 April.
LEBARAN_2024 = [date(2024, 4, d) for d in (8, 9, 10, 11, 12, 15)]


@pytest.mark.parametrize(
    ("periode", "kode", "label", "mulai", "selesai"),
    [
        (MARET, "2024-M03", "Maret 2024", date(2024, 3, 1), date(2024, 3, 31)),
        (FEBRUARI, "2024-M02", "Februari 2024", date(2024, 2, 1), date(2024, 2, 29)),
        (
            Periode(tahun=2023, jenis="bulan", ke=2),
            "2023-M02",
            "Februari 2023",
            date(2023, 2, 1),
            date(2023, 2, 28),
        ),
        (
            Periode(tahun=2024, jenis="bulan", ke=12),
            "2024-M12",
            "Desember 2024",
            date(2024, 12, 1),
            date(2024, 12, 31),
        ),
        (TW1, "2024-Q1", "Triwulan I 2024", date(2024, 1, 1), date(2024, 3, 31)),
        (
            Periode(tahun=2024, jenis="triwulan", ke=2),
            "2024-Q2",
            "Triwulan II 2024",
            date(2024, 4, 1),
            date(2024, 6, 30),
        ),
        (
            Periode(tahun=2024, jenis="triwulan", ke=3),
            "2024-Q3",
            "Triwulan III 2024",
            date(2024, 7, 1),
            date(2024, 9, 30),
        ),
        (TW4, "2024-Q4", "Triwulan IV 2024", date(2024, 10, 1), date(2024, 12, 31)),
        (TAHUN, "2024", "Tahun 2024", date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_periode_kode_label_and_bounds(periode: Periode, kode: str, label: str, mulai: date, selesai: date) -> None:
    assert periode.kode == kode
    assert periode.label == label
    assert periode.mulai == mulai
    assert periode.selesai == selesai


def test_contains_includes_both_ends() -> None:
    assert MARET.contains(date(2024, 3, 1))
    assert MARET.contains(date(2024, 3, 31))
    assert not MARET.contains(date(2024, 2, 29))
    assert not MARET.contains(date(2024, 4, 1))
    assert TW4.contains(date(2024, 11, 27))
    assert not TW4.contains(date(2025, 1, 1))
    assert TAHUN.contains(date(2024, 12, 31))
    assert not TAHUN.contains(date(2023, 12, 31))


@pytest.mark.parametrize(
    ("data", "potongan"),
    [
        ({"tahun": 2024, "jenis": "bulan", "ke": 13}, "Periode bulan ke-13 tidak ada; harus 1 sampai 12."),
        ({"tahun": 2024, "jenis": "bulan", "ke": 0}, "Periode bulan ke-0 tidak ada; harus 1 sampai 12."),
        ({"tahun": 2024, "jenis": "triwulan", "ke": 5}, "Periode triwulan ke-5 tidak ada; harus 1 sampai 4."),
        ({"tahun": 2024, "jenis": "tahun", "ke": 2}, "Periode tahun ke-2 tidak ada; harus 1 sampai 1."),
        ({"tahun": 1899, "jenis": "tahun", "ke": 1}, "Tahun 1899 di luar jangkauan (1900–2100)."),
        ({"tahun": 2024, "jenis": "minggu", "ke": 1}, "literal_error"),
        ({"tahun": "dua ribu", "jenis": "tahun", "ke": 1}, "int_parsing"),
        ({"tahun": 2024, "jenis": "triwulan", "ke": 1.5}, "int_from_float"),
        ({"tahun": 2024, "jenis": "bulan"}, "missing"),
    ],
)
def test_periode_validation(data: dict[str, object], potongan: str) -> None:
    with pytest.raises(ValidationError) as info:
        Periode.model_validate(data)
    assert potongan in str(info.value)


def test_periode_accepts_form_strings() -> None:
    assert Periode.model_validate({"tahun": "2024", "jenis": "bulan", "ke": "3"}) == MARET


def test_periode_is_frozen_and_hashable() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        MARET.ke = 4  # type: ignore[misc]
    assert {MARET, Periode(tahun=2024, jenis="bulan", ke=3), TW1} == {MARET, TW1}
    assert Periode(tahun=2024, jenis="bulan", ke=3) == MARET
    assert MARET != TW1


def test_periode_orders_by_start_then_end() -> None:
    januari = Periode(tahun=2024, jenis="bulan", ke=1)
    acak = [TAHUN, TW4, MARET, TW1, januari, FEBRUARI, Periode(tahun=2023, jenis="tahun", ke=1)]
    assert [p.kode for p in sorted(acak)] == [
        "2023",
        "2024-M01",
        "2024-Q1",
        "2024",
        "2024-M02",
        "2024-M03",
        "2024-Q4",
    ]
    assert januari < TW1 < TAHUN
    assert TAHUN > TW1
    assert MARET <= MARET
    assert MARET >= MARET
    assert not MARET < MARET
    assert FEBRUARI < MARET


def test_periode_ordering_against_other_types_is_refused() -> None:
    with pytest.raises(TypeError):
        _ = MARET < "2024-M03"  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = date(2024, 3, 1) <= MARET  # type: ignore[operator]


# --- parse_periode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [
        ("2024-M03", MARET),
        ("2024-m03", MARET),
        ("2024-M3", MARET),
        ("2024-03", MARET),
        ("Maret 2024", MARET),
        ("maret 2024", MARET),
        ("MAR 2024", MARET),
        ("Mar. 2024", MARET),
        ("  Maret   2024 ", MARET),
        ("Pebruari 2024", FEBRUARI),
        ("2024-Q1", TW1),
        ("2024-q1", TW1),
        ("TW I 2024", TW1),
        ("tw i 2024", TW1),
        ("TW-I 2024", TW1),
        ("TW 1 2024", TW1),
        ("Triwulan I 2024", TW1),
        ("Q1 2024", TW1),
        ("Q1-2024", TW1),
        ("Triwulan IV 2024", TW4),
        ("Q4 2024", TW4),
        ("TW IV 2024", TW4),
        ("Triwulan II 2024", Periode(tahun=2024, jenis="triwulan", ke=2)),
        ("Q3 2024", Periode(tahun=2024, jenis="triwulan", ke=3)),
        ("2024", TAHUN),
        ("Tahun 2024", TAHUN),
        ("tahun 2024", TAHUN),
    ],
)
def test_parse_periode_accepts(teks: str, harapan: Periode) -> None:
    assert parse_periode(teks) == harapan


CONTOH = "Tulis misalnya 2024-M03, Maret 2024, TW I 2024, 2024-Q1 atau 2024."


@pytest.mark.parametrize(
    ("teks", "pesan"),
    [
        ("", f"Periode belum diisi. {CONTOH}"),
        ("   ", f"Periode belum diisi. {CONTOH}"),
        ("2024-M13", f"Bulan 13 tidak ada; bulan harus 1 sampai 12. {CONTOH}"),
        ("2024-M00", f"Bulan 0 tidak ada; bulan harus 1 sampai 12. {CONTOH}"),
        ("2024-Q5", "Triwulan 5 tidak ada; triwulan hanya I sampai IV (1 sampai 4)."),
        ("Q0 2024", "Triwulan 0 tidak ada; triwulan hanya I sampai IV (1 sampai 4)."),
        ("24", "Tahun harus ditulis lengkap empat angka, misalnya 2024 (bukan 24)."),
        ("Maret 24", "Tahun harus ditulis lengkap empat angka, misalnya 2024 (bukan 24)."),
        ("Q1 1899", "Tahun 1899 di luar jangkauan (1900–2100)."),
        ("20245", "Tahun '20245' tidak valid; tulis empat angka, misalnya 2024."),
        ("TW V 2024", f"Periode 'TW V 2024' tidak dikenali. {CONTOH}"),
        ("Q32024", f"Periode 'Q32024' tidak dikenali. {CONTOH}"),
        ("Maret", f"Periode 'Maret' tidak dikenali. {CONTOH}"),
        ("Semester 1 2024", f"Periode 'Semester 1 2024' tidak dikenali. {CONTOH}"),
        ("Maretz 2024", f"Periode 'Maretz 2024' tidak dikenali. {CONTOH}"),
        ("2024-M٣", f"Periode '2024-M٣' tidak dikenali. {CONTOH}"),
        ("２０２４", f"Periode '２０２４' tidak dikenali. {CONTOH}"),
        ("📅 2024", f"Periode '📅 2024' tidak dikenali. {CONTOH}"),
        ("2024-M03 " * 5, "Periode terlalu panjang (lebih dari 40 karakter)."),
    ],
)
def test_parse_periode_rejects(teks: str, pesan: str) -> None:
    assert pesan_galat(parse_periode, teks) == pesan


_JENIS: list[JenisPeriode] = ["bulan", "triwulan", "tahun"]


@st.composite
def periode_acak(draw: st.DrawFn) -> Periode:
    jenis = draw(st.sampled_from(_JENIS))
    batas = {"bulan": 12, "triwulan": 4, "tahun": 1}[jenis]
    return Periode(tahun=draw(st.integers(1900, 2100)), jenis=jenis, ke=draw(st.integers(1, batas)))


@CEPAT
@given(periode_acak())
def test_kode_and_label_round_trip(p: Periode) -> None:
    assert parse_periode(p.kode) == p
    assert parse_periode(p.label) == p
    assert p.contains(p.mulai)
    assert p.contains(p.selesai)
    assert not p.contains(p.mulai - timedelta(days=1))
    assert not p.contains(p.selesai + timedelta(days=1))


@CEPAT
@given(periode_acak())
def test_json_round_trip(p: Periode) -> None:
    assert Periode.model_validate_json(p.model_dump_json()) == p


# --- periode_berjalan and periode_tahun -----------------------------------------------------------


@pytest.mark.parametrize(
    ("jenis", "hari", "kode"),
    [
        ("bulan", date(2024, 11, 27), "2024-M11"),
        ("bulan", date(2024, 1, 1), "2024-M01"),
        ("triwulan", date(2024, 11, 27), "2024-Q4"),
        ("triwulan", date(2024, 3, 31), "2024-Q1"),
        ("triwulan", date(2024, 4, 1), "2024-Q2"),
        ("triwulan", date(2024, 9, 30), "2024-Q3"),
        ("tahun", date(2024, 12, 31), "2024"),
    ],
)
def test_periode_berjalan(jenis: JenisPeriode, hari: date, kode: str) -> None:
    assert periode_berjalan(jenis, hari).kode == kode


@CEPAT
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(_JENIS))
def test_periode_berjalan_contains_today(hari: date, jenis: JenisPeriode) -> None:
    p = periode_berjalan(jenis, hari)
    assert p.jenis == jenis
    assert p.contains(hari)


def test_periode_tahun() -> None:
    assert [p.kode for p in periode_tahun(2024, "triwulan")] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    bulan = periode_tahun(2024, "bulan")
    assert [p.label for p in bulan][:3] == ["Januari 2024", "Februari 2024", "Maret 2024"]
    assert len(bulan) == 12
    assert bulan == sorted(bulan)
    assert periode_tahun(2024, "tahun") == [TAHUN]
    for awal, akhir in pairwise(bulan):
        assert akhir.mulai - awal.selesai == timedelta(days=1)


# --- working days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mulai", "n", "harapan"),
    [
        (date(2024, 11, 25), 0, date(2024, 11, 25)),
        (date(2024, 11, 30), 0, date(2024, 11, 30)),
        (date(2024, 11, 25), 1, date(2024, 11, 26)),
        (date(2024, 11, 29), 1, date(2024, 12, 2)),
        (date(2024, 11, 30), 1, date(2024, 12, 2)),
        (date(2024, 12, 1), 1, date(2024, 12, 2)),
        (date(2024, 11, 25), 5, date(2024, 12, 2)),
        (date(2024, 11, 25), 10, date(2024, 12, 9)),
        (date(2024, 11, 25), -1, date(2024, 11, 22)),
        (date(2024, 12, 2), -1, date(2024, 11, 29)),
        (date(2024, 12, 1), -5, date(2024, 11, 25)),
    ],
)
def test_tambah_hari_kerja(mulai: date, n: int, harapan: date) -> None:
    assert tambah_hari_kerja(mulai, n) == harapan


def test_tambah_hari_kerja_skips_holidays() -> None:
    assert tambah_hari_kerja(date(2024, 4, 5), 1, LEBARAN_2024) == date(2024, 4, 16)
    assert tambah_hari_kerja(date(2024, 4, 5), 2, iter(LEBARAN_2024)) == date(2024, 4, 17)
    assert tambah_hari_kerja(date(2024, 4, 16), -1, LEBARAN_2024) == date(2024, 4, 5)
    # A holiday on a weekend changes nothing.
    assert tambah_hari_kerja(date(2024, 11, 29), 1, [date(2024, 11, 30)]) == date(2024, 12, 2)


@CEPAT
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(0, 60),
    st.sets(st.dates(min_value=date(2000, 1, 1), max_value=date(2091, 12, 31)), max_size=30),
)
def test_tambah_hari_kerja_counts_exactly_n_working_days(mulai: date, n: int, libur: set[date]) -> None:
    hasil = tambah_hari_kerja(mulai, n, libur)
    hari_kerja = [
        mulai + timedelta(days=i)
        for i in range(1, (hasil - mulai).days + 1)
        if (mulai + timedelta(days=i)).weekday() < 5 and mulai + timedelta(days=i) not in libur
    ]
    assert len(hari_kerja) == n
    if n:
        assert hari_kerja[-1] == hasil
        assert tambah_hari_kerja(hasil, -n, libur) <= mulai


def test_batas_lapor() -> None:
    # 31 March 2024 is a Sunday: five working days are 1-5 April.
    assert batas_lapor(MARET) == date(2024, 4, 5)
    assert batas_lapor(TW1) == date(2024, 4, 5)
    assert batas_lapor(MARET, 6) == date(2024, 4, 8)
    assert batas_lapor(MARET, 6, LEBARAN_2024) == date(2024, 4, 16)
    assert batas_lapor(TW4, 5, [date(2025, 1, 1)]) == date(2025, 1, 8)
    assert batas_lapor(TAHUN, 0) == date(2024, 12, 31)
