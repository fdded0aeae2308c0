from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.angka import (
    format_number,
    format_percent,
    format_rupiah,
    parse_count,
    parse_number,
    parse_percent,
    parse_rupiah,
)
from domain.errors import ParseError
from tests.domain.bantuan import CEPAT, pesan_galat

# --- parse_number ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [
        ("0", "0"),
        ("7", "7"),
        ("007", "7"),
        ("1234567", "1234567"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("1.000", "1000"),
        ("12.345", "12345"),
        ("999.999", "999999"),
        ("95.5", "95.5"),
        ("95.50", "95.50"),
        ("12.3456", "12.3456"),
        ("0.5", "0.5"),
        ("95,5", "95.5"),
        ("1,234", "1.234"),
        ("0,001", "0.001"),
        ("1234,5", "1234.5"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1.000.000,00", "1000000.00"),
        ("  42  ", "42"),
        ("\t12,5\n", "12.5"),
        ("\u00a012\u00a0", "12"),
    ],
)
def test_parse_number_accepts(teks: str, harapan: str) -> None:
    hasil = parse_number(teks)
    assert hasil == Decimal(harapan)
    assert str(hasil) == harapan


@pytest.mark.parametrize(
    ("teks", "potongan"),
    [
        ("", "belum diisi"),
        ("   ", "belum diisi"),
        ("\n\t", "belum diisi"),
        ("abc", "'abc' bukan angka"),
        ("dua", "Tulis dengan angka, misalnya 2"),
        ("1e5", "'1e5' bukan angka"),
        ("1E5", "bukan angka"),
        ("NaN", "'NaN' bukan angka"),
        ("nan", "bukan angka"),
        ("inf", "'inf' bukan angka"),
        ("Infinity", "bukan angka"),
        ("+5", "'+5' bukan angka"),
        ("5-3", "bukan angka"),
        ("--5", "bukan angka"),
        ("-", "bukan angka"),
        ("12a", "bukan angka"),
        ("1/2", "bukan angka"),
        ("😀", "bukan angka"),
        ("5😀", "bukan angka"),
        ("Rp 5", "bukan angka"),
        ("50%", "bukan angka"),
        ("１２", "Gunakan angka biasa 0–9"),
        ("٣", "Gunakan angka biasa 0–9"),
        ("१२", "Gunakan angka biasa 0–9"),
        ("½", "Gunakan angka biasa 0–9"),
        ("1 000", "spasi di tengah"),
        ("1\u00a0000", "spasi di tengah"),
        ("1..2", "dua tanda pemisah berturut-turut"),
        ("1,,2", "dua tanda pemisah berturut-turut"),
        ("1.,2", "dua tanda pemisah berturut-turut"),
        (",5", "diawali dan diakhiri angka"),
        (".5", "diawali dan diakhiri angka"),
        ("5,", "diawali dan diakhiri angka"),
        ("5.", "diawali dan diakhiri angka"),
        (".", "diawali dan diakhiri angka"),
        ("1,234.5.6", "tanda desimal hanya boleh satu"),
        ("1.234,5,6", "tanda desimal hanya boleh satu"),
        ("12.34.56", "pemisah ribuan harus membagi angka per 3 digit"),
        ("1.2345.678", "per 3 digit"),
        ("1234.567", "per 3 digit"),
        ("0.500", "per 3 digit"),
        ("1,23,456", "per 3 digit"),
        ("12,34.5", "per 3 digit"),
        ("1.2,5", "per 3 digit"),
        ("1234.567,8", "per 3 digit"),
        ("1" * 31, "terlalu panjang (lebih dari 30 karakter)"),
        ("x" * 1000, "terlalu panjang"),
    ],
)
def test_parse_number_rejects_with_reason(teks: str, potongan: str) -> None:
    assert potongan in pesan_galat(parse_number, teks)


def test_parse_number_thirty_characters_is_still_accepted() -> None:
    assert parse_number("1" * 30) == Decimal("1" * 30)


def test_parse_number_negative_needs_permission() -> None:
    assert pesan_galat(parse_number, "-5") == "Angka tidak boleh negatif: '-5'."
    assert parse_number("-5", allow_negative=True) == Decimal(-5)
    assert parse_number("-1.234,5", allow_negative=True) == Decimal("-1234.5")
    assert parse_number(" -0,25 ", allow_negative=True) == Decimal("-0.25")


def test_parse_number_keeps_every_digit() -> None:
    assert str(parse_number("-" + "9" * 29, allow_negative=True)) == "-" + "9" * 29
    assert str(parse_number("1" * 30)) == "1" * 30
    assert str(parse_number("1234567890123456789012345,6789")) == "1234567890123456789012345.6789"


def test_parse_number_negative_zero_is_plain_zero() -> None:
    hasil = parse_number("-0", allow_negative=True)
    assert hasil == 0
    assert not hasil.is_signed()


def test_parse_number_rejects_words_even_with_negative_allowed() -> None:
    assert "bukan angka" in pesan_galat(parse_number, "-dua", allow_negative=True)


def test_parse_error_is_value_error_with_pesan() -> None:
    with pytest.raises(ValueError, match="belum diisi") as info:
        parse_number("")
    assert isinstance(info.value, ParseError)
    assert info.value.pesan == str(info.value)


@CEPAT
@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_format_then_parse_number_round_trip(nilai: Decimal) -> None:
    assert parse_number(format_number(nilai), allow_negative=True) == nilai
    assert parse_number(format_number(nilai, 2), allow_negative=True) == nilai


@CEPAT
@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_format_then_parse_integer_round_trip(nilai: int) -> None:
    assert parse_number(format_number(nilai), allow_negative=True) == nilai


@CEPAT
@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_international_format_with_two_decimals_parses_the_same(nilai: Decimal) -> None:
    assert parse_number(f"{nilai:,.2f}") == nilai


@CEPAT
@given(st.text(max_size=40))
def test_parse_number_only_ever_raises_parse_error(teks: str) -> None:
    try:
        hasil = parse_number(teks, allow_negative=True)
    except ParseError as e:
        assert e.pesan
    else:
        assert hasil.is_finite()


# --- parse_count ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [("0", 0), ("7", 7), ("1.000", 1000), ("3.452", 3452), ("1.234.567", 1234567), ("1,234,567", 1234567)],
)
def test_parse_count_accepts(teks: str, harapan: int) -> None:
    hasil = parse_count(teks)
    assert hasil == harapan
    assert type(hasil) is int


@pytest.mark.parametrize(
    ("teks", "potongan"),
    [
        ("2,5", "bilangan bulat tanpa desimal"),
        ("2.5", "bilangan bulat tanpa desimal"),
        ("2,0", "bilangan bulat tanpa desimal"),
        ("1,000", "bilangan bulat tanpa desimal"),
        ("-1", "Jumlah tidak boleh negatif"),
        ("-0", "Jumlah tidak boleh negatif"),
        ("dua", "Tulis dengan angka, misalnya 2"),
        ("", "belum diisi"),
        ("٣", "Gunakan angka biasa 0–9"),
    ],
)
def test_parse_count_rejects(teks: str, potongan: str) -> None:
    assert potongan in pesan_galat(parse_count, teks)


def test_parse_count_maximum() -> None:
    assert parse_count("3.452", maximum=3452) == 3452
    assert pesan_galat(parse_count, "3.453", maximum=3452) == "Jumlah 3.453 melebihi batas maksimum 3.452."
    assert pesan_galat(parse_count, "1", maximum=0) == "Jumlah 1 melebihi batas maksimum 0."


# --- parse_rupiah ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000", 1_500_000),
        ("rp. 1.500.000", 1_500_000),
        ("RP.1.500.000", 1_500_000),
        ("1500000", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("Rp 1.500.000,-", 1_500_000),
        ("1.500.000 rupiah", 1_500_000),
        ("1,5 juta", 1_500_000),
        ("1.5 juta", 1_500_000),
        ("1,5juta", 1_500_000),
        ("Rp 1,5 juta", 1_500_000),
        ("2 miliar", 2_000_000_000),
        ("2 milyar", 2_000_000_000),
        ("2 Miliar", 2_000_000_000),
        ("750 ribu", 750_000),
        ("750rb", 750_000),
        ("3 jt", 3_000_000),
        ("1,25 triliun", 1_250_000_000_000),
        ("142.297.821.000", 142_297_821_000),
        ("Rp142.297.821.000", 142_297_821_000),
        ("0", 0),
        ("Rp0", 0),
        ("1.000.000.000.000.000", 10**15),
    ],
)
def test_parse_rupiah_accepts(teks: str, harapan: int) -> None:
    hasil = parse_rupiah(teks)
    assert hasil == harapan
    assert type(hasil) is int


@pytest.mark.parametrize(
    ("teks", "potongan"),
    [
        ("", "Nominal belum diisi"),
        ("   ", "Nominal belum diisi"),
        ("Rp", "Nominal belum diisi"),
        ("Rp.", "Nominal belum diisi"),
        ("juta", "Nominal belum diisi"),
        ("1.500,50", "harus bulat, tanpa sen"),
        ("Rp 0,5", "harus bulat, tanpa sen"),
        ("1,0000005 juta", "harus bulat, tanpa sen"),
        ("-Rp1.000", "tidak boleh negatif"),
        ("Rp -1.000", "tidak boleh negatif"),
        ("-1000", "tidak boleh negatif"),
        ("satu juta", "bukan angka"),
        ("Rp 1 juta 500 ribu", "bukan angka"),
        ("$100", "bukan angka"),
        ("Rp １２", "Gunakan angka biasa 0–9"),
        ("1.000.000.000.000.001", "tidak masuk akal"),
        ("2000 triliun", "tidak masuk akal"),
        ("1" * 41, "terlalu panjang"),
        ("Rp 1..000", "dua tanda pemisah"),
    ],
)
def test_parse_rupiah_rejects(teks: str, potongan: str) -> None:
    pesan = pesan_galat(parse_rupiah, teks)
    assert potongan in pesan


def test_parse_rupiah_error_suggests_a_format() -> None:
    assert pesan_galat(parse_rupiah, "abc") == (
        "'abc' bukan angka. Tulis dengan angka, misalnya 2 atau 1.500,5. "
        "Tulis misalnya Rp1.500.000, 1500000 atau 1,5 juta."
    )


@CEPAT
@given(st.integers(min_value=0, max_value=10**15))
def test_format_then_parse_rupiah_round_trip(nilai: int) -> None:
    assert parse_rupiah(format_rupiah(nilai)) == nilai


# --- parse_percent --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [
        ("95", "95"),
        ("95%", "95"),
        ("95 %", "95"),
        ("95,5 %", "95.5"),
        ("95.5%", "95.5"),
        ("100 persen", "100"),
        ("100 Persen", "100"),
        ("0", "0"),
        ("0,01 %", "0.01"),
        ("1000", "1000"),
        ("1.000 %", "1000"),
        ("90,24 %", "90.24"),
    ],
)
def test_parse_percent_accepts(teks: str, harapan: str) -> None:
    assert parse_percent(teks) == Decimal(harapan)


@pytest.mark.parametrize(
    ("teks", "potongan"),
    [
        ("", "Persentase belum diisi"),
        ("%", "Persentase belum diisi"),
        ("persen", "Persentase belum diisi"),
        ("-5", "Persentase tidak boleh negatif"),
        ("-5 %", "Persentase tidak boleh negatif"),
        ("1000,01", "tidak masuk akal (lebih dari 1.000 %)"),
        ("1001 %", "Persentase 1.001 % tidak masuk akal"),
        ("seratus", "bukan angka"),
        ("95 %%", "bukan angka"),
        ("% 95", "bukan angka"),
    ],
)
def test_parse_percent_rejects(teks: str, potongan: str) -> None:
    assert potongan in pesan_galat(parse_percent, teks)


@CEPAT
@given(st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False))
def test_format_then_parse_percent_round_trip(nilai: Decimal) -> None:
    assert parse_percent(format_percent(nilai)) == nilai


# --- formatting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nilai", "desimal", "harapan"),
    [
        (0, None, "0"),
        (7, None, "7"),
        (999, None, "999"),
        (1000, None, "1.000"),
        (1234567, None, "1.234.567"),
        (-1234567, None, "-1.234.567"),
        (1234567, 2, "1.234.567,00"),
        (Decimal("1234567.89"), None, "1.234.567,89"),
        (Decimal("1234567.890"), None, "1.234.567,89"),
        (Decimal("100.00"), None, "100"),
        (Decimal("95.50"), None, "95,5"),
        (Decimal("0.001"), None, "0,001"),
        (Decimal("1E+3"), None, "1.000"),
        (Decimal("-0.5"), None, "-0,5"),
        (Decimal("-0"), None, "0"),
        (Decimal("90.245"), 2, "90,25"),
        (Decimal("90.244"), 2, "90,24"),
        (Decimal("-90.245"), 2, "-90,25"),
        (Decimal("0.5"), 0, "1"),
        (Decimal("2.5"), 0, "3"),
        (Decimal("-0.001"), 2, "0,00"),
        (Decimal("1.1085"), 1, "1,1"),
        (90.245, 2, "90,25"),
        (0.1, None, "0,1"),
        (1e20, None, "100.000.000.000.000.000.000"),
        (-2.5, None, "-2,5"),
        (12.0, None, "12"),
    ],
)
def test_format_number(nilai: int | Decimal | float, desimal: int | None, harapan: str) -> None:
    assert format_number(nilai, desimal) == harapan


@pytest.mark.parametrize("nilai", [Decimal("NaN"), Decimal("Infinity"), float("nan"), float("-inf")])
def test_format_number_rejects_non_finite(nilai: Decimal | float) -> None:
    with pytest.raises(ValueError, match="tidak terhingga atau bukan angka"):
        format_number(nilai)


def test_format_number_rejects_negative_decimals_and_non_numbers() -> None:
    with pytest.raises(ValueError, match="desimal tidak boleh negatif"):
        format_number(5, -1)
    with pytest.raises(TypeError, match="Bukan bilangan"):
        format_number("5")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("nilai", "harapan"),
    [
        (142_297_821_000, "Rp142.297.821.000"),
        (0, "Rp0"),
        (999, "Rp999"),
        (1000, "Rp1.000"),
        (-1000, "-Rp1.000"),
        (-1, "-Rp1"),
    ],
)
def test_format_rupiah(nilai: int, harapan: str) -> None:
    assert format_rupiah(nilai) == harapan


def test_format_rupiah_rejects_fractions() -> None:
    with pytest.raises(ValueError, match="harus bilangan bulat"):
        format_rupiah(Decimal("1.5"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("nilai", "desimal", "harapan"),
    [
        (Decimal("90.2436"), 2, "90,24 %"),
        (Decimal("90.245"), 2, "90,25 %"),
        (Decimal("100"), 2, "100,00 %"),
        (Decimal("100"), 0, "100 %"),
        (Decimal("1234.5"), 1, "1.234,5 %"),
        (99.905, 2, "99,91 %"),
        (None, 2, "–"),
        (None, 0, "–"),
    ],
)
def test_format_percent(nilai: Decimal | float | None, desimal: int, harapan: str) -> None:
    assert format_percent(nilai, desimal) == harapan


def test_format_percent_defaults_to_two_decimals() -> None:
    assert format_percent(Decimal("5")) == "5,00 %"
