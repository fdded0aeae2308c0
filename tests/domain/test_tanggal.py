from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.tanggal import (
    BULAN,
    HARI,
    format_date,
    format_date_long,
    format_datetime,
    format_month,
    format_time,
    parse_bulan,
    parse_date,
    parse_tahun,
    parse_time,
    tz_abbrev,
)
from tests.domain.bantuan import CEPAT, pesan_galat

HARI_PEMUNGUTAN = date(2024, 11, 27)


def test_month_and_day_names() -> None:
    assert list(BULAN) == [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    assert list(HARI) == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    assert HARI[HARI_PEMUNGUTAN.weekday()] == "Rabu"


# --- parse_date -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [
        ("27 November 2024", HARI_PEMUNGUTAN),
        ("27 november 2024", HARI_PEMUNGUTAN),
        ("27 NOVEMBER 2024", HARI_PEMUNGUTAN),
        ("27 Nov 2024", HARI_PEMUNGUTAN),
        ("27 Nov. 2024", HARI_PEMUNGUTAN),
        ("27 nopember 2024", HARI_PEMUNGUTAN),
        ("27 Nop 2024", HARI_PEMUNGUTAN),
        ("27-Nov-2024", HARI_PEMUNGUTAN),
        ("27/11/2024", HARI_PEMUNGUTAN),
        ("27-11-2024", HARI_PEMUNGUTAN),
        ("27.11.2024", HARI_PEMUNGUTAN),
        ("27 11 2024", HARI_PEMUNGUTAN),
        ("2024-11-27", HARI_PEMUNGUTAN),
        ("2024/11/27", HARI_PEMUNGUTAN),
        ("  27   November   2024  ", HARI_PEMUNGUTAN),
        ("Rabu, 27 November 2024", HARI_PEMUNGUTAN),
        ("rabu 27/11/2024", HARI_PEMUNGUTAN),
        ("Rab, 27 Nov 2024", HARI_PEMUNGUTAN),
        ("Jum'at, 29 November 2024", date(2024, 11, 29)),
        ("Jum’at, 29 November 2024", date(2024, 11, 29)),
        ("Jumat, 29 November 2024", date(2024, 11, 29)),
        ("Ahad, 1 Desember 2024", date(2024, 12, 1)),
        ("Minggu, 1 Desember 2024", date(2024, 12, 1)),
        ("1/1/2024", date(2024, 1, 1)),
        ("01/01/2024", date(2024, 1, 1)),
        ("29/02/2024", date(2024, 2, 29)),
        ("17 Agt 2024", date(2024, 8, 17)),
        ("17 Agu 2024", date(2024, 8, 17)),
        ("17 Agustus 2024", date(2024, 8, 17)),
        ("1 Okt 2024", date(2024, 10, 1)),
        ("25 Des 2024", date(2024, 12, 25)),
        ("1 Mei 2024", date(2024, 5, 1)),
        ("14 Pebruari 2024", date(2024, 2, 14)),
        ("14 Feb 2024", date(2024, 2, 14)),
        ("1 Januari 1900", date(1900, 1, 1)),
        ("31 Desember 2100", date(2100, 12, 31)),
    ],
)
def test_parse_date_accepts(teks: str, harapan: date) -> None:
    assert parse_date(teks) == harapan


@pytest.mark.parametrize(
    ("teks", "pesan"),
    [
        ("", "Tanggal belum diisi. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        ("   ", "Tanggal belum diisi. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        ("31/02/2024", "Tanggal 31 Februari 2024 tidak ada: Februari 2024 hanya sampai tanggal 29."),
        ("29/02/2023", "Tanggal 29 Februari 2023 tidak ada: Februari 2023 hanya sampai tanggal 28."),
        ("31 April 2024", "Tanggal 31 April 2024 tidak ada: April 2024 hanya sampai tanggal 30."),
        (
            "2024-13-01",
            "Bulan 13 tidak ada; bulan harus 1 sampai 12. Gunakan urutan tanggal/bulan/tahun, misalnya 27/11/2024.",
        ),
        (
            "11/27/2024",
            "Bulan 27 tidak ada; bulan harus 1 sampai 12. Gunakan urutan tanggal/bulan/tahun, misalnya 27/11/2024.",
        ),
        ("27/11/24", "Tahun harus ditulis lengkap empat angka, misalnya 2024 (bukan 24)."),
        ("27 Nov 24", "Tahun harus ditulis lengkap empat angka, misalnya 2024 (bukan 24)."),
        ("27/11/02024", "Tahun '02024' tidak valid; tulis empat angka, misalnya 2024."),
        ("1/1/1899", "Tahun 1899 di luar jangkauan (1900–2100)."),
        ("1/1/2101", "Tahun 2101 di luar jangkauan (1900–2100)."),
        ("Kamis, 27 November 2024", "27 November 2024 jatuh pada hari Rabu, bukan Kamis."),
        ("Jum'at, 27 November 2024", "27 November 2024 jatuh pada hari Rabu, bukan Jumat."),
        (
            "27 Novem 2024",
            "Nama bulan 'novem' tidak dikenal. Gunakan Januari sampai Desember "
            "atau singkatannya, misalnya Jan, Agt, Okt, Des.",
        ),
        ("27 November", "Tahun belum ditulis pada '27 November'. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        ("27/11", "Tahun belum ditulis pada '27/11'. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        (
            "November 27, 2024",
            "Tanggal 'November 27, 2024' tidak dikenali. Tulis misalnya 27 November 2024 atau 27/11/2024.",
        ),
        (
            "Rabo, 27 November 2024",
            "Tanggal 'Rabo, 27 November 2024' tidak dikenali. " + "Tulis misalnya 27 November 2024 atau 27/11/2024.",
        ),
        ("0/1/2024", "Tanggal 0 tidak ada; tanggal dimulai dari 1. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        ("besok", "Tanggal 'besok' tidak dikenali. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        ("27/11-2024", "Tanggal '27/11-2024' tidak dikenali. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        (
            "２７/１１/２０２４",
            "Gunakan angka biasa 0–9; '２' tidak dapat dibaca.",
        ),
        ("📅 27/11/2024", "Tanggal '📅 27/11/2024' tidak dikenali. Tulis misalnya 27 November 2024 atau 27/11/2024."),
        ("27" * 31, "Tanggal terlalu panjang (lebih dari 60 karakter)."),
    ],
)
def test_parse_date_rejects_with_reason(teks: str, pesan: str) -> None:
    assert pesan_galat(parse_date, teks) == pesan


@CEPAT
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_format_then_parse_date_round_trip(d: date) -> None:
    assert parse_date(format_date(d)) == d
    assert parse_date(format_date_long(d)) == d
    assert parse_date(d.strftime("%d/%m/%Y")) == d
    assert parse_date(d.isoformat()) == d


@CEPAT
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(1, 6))
def test_wrong_weekday_is_always_refused(d: date, geser: int) -> None:
    salah = HARI[(d.weekday() + geser) % 7]
    pesan = pesan_galat(parse_date, f"{salah}, {format_date(d)}")
    assert pesan == f"{format_date(d)} jatuh pada hari {HARI[d.weekday()]}, bukan {salah}."


def test_parse_bulan_and_parse_tahun() -> None:
    assert [parse_bulan(b) for b in BULAN] == list(range(1, 13))
    assert parse_bulan(" agt. ") == 8
    assert parse_bulan("Okt") == 10
    assert "tidak dikenal" in pesan_galat(parse_bulan, "Bulan")
    assert parse_tahun(" 2024 ") == 2024
    assert pesan_galat(parse_tahun, "dua ribu") == "Tahun 'dua ribu' tidak valid; tulis empat angka, misalnya 2024."
    assert "tidak valid" in pesan_galat(parse_tahun, "２０２４")


# --- parse_time -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [
        ("08.00", time(8, 0)),
        ("8.00", time(8, 0)),
        ("8:00", time(8, 0)),
        ("08.00 WIB", time(8, 0)),
        ("08.00 wita", time(8, 0)),
        ("08.00 WIT", time(8, 0)),
        ("pukul 14.30", time(14, 30)),
        ("Pukul 14.30 WIB", time(14, 30)),
        ("pkl. 07.15", time(7, 15)),
        ("jam 7", time(7, 0)),
        ("00.00", time(0, 0)),
        ("23.59", time(23, 59)),
        ("14.30.15", time(14, 30, 15)),
        ("  13:05  ", time(13, 5)),
        ("jam 2 siang", time(14, 0)),
        ("12 siang", time(12, 0)),
        ("10.30 siang", time(10, 30)),
        ("pukul 7 pagi WIB", time(7, 0)),
        ("4 sore", time(16, 0)),
        ("8 malam", time(20, 0)),
        ("20.15 malam", time(20, 15)),
        ("12 malam", time(0, 0)),
        ("1 malam", time(1, 0)),
    ],
)
def test_parse_time_accepts(teks: str, harapan: time) -> None:
    assert parse_time(teks) == harapan


@pytest.mark.parametrize(
    ("teks", "pesan"),
    [
        ("", "Jam belum diisi. Tulis misalnya 08.00 atau 14.30."),
        ("  ", "Jam belum diisi. Tulis misalnya 08.00 atau 14.30."),
        ("24.00", "Untuk tengah malam tulis 00.00 (hari berikutnya), bukan 24.00."),
        ("25.00", "Jam 25 tidak ada; jam harus 00 sampai 23. Tulis misalnya 08.00 atau 14.30."),
        ("24.30", "Jam 24 tidak ada; jam harus 00 sampai 23. Tulis misalnya 08.00 atau 14.30."),
        ("8.60", "Menit 60 tidak ada; menit harus 00 sampai 59. Tulis misalnya 08.00 atau 14.30."),
        ("8.30.61", "Detik 61 tidak ada; detik harus 00 sampai 59. Tulis misalnya 08.00 atau 14.30."),
        ("0800", "Jam '0800' tidak dikenali. Tulis misalnya 08.00 atau 14.30."),
        ("8.5", "Jam '8.5' tidak dikenali. Tulis misalnya 08.00 atau 14.30."),
        ("pukul", "Jam 'pukul' tidak dikenali. Tulis misalnya 08.00 atau 14.30."),
        ("delapan", "Jam 'delapan' tidak dikenali. Tulis misalnya 08.00 atau 14.30."),
        ("０８.００", "Gunakan angka biasa 0–9; '０' tidak dapat dibaca."),
        ("8.00 PM", "Jam '8.00 PM' tidak dikenali. Tulis misalnya 08.00 atau 14.30."),
        ("1" * 61, "Jam terlalu panjang (lebih dari 60 karakter)."),
        ("13 pagi", "'13 pagi' tidak ada: jam 13 bukan pagi hari. Tulis misalnya 14.00 atau jam 2 siang."),
        ("7 siang", "'7 siang' tidak ada: jam 7 bukan siang hari. Tulis misalnya 14.00 atau jam 2 siang."),
        ("10 malam pagi", "Jam '10 malam pagi' tidak dikenali. Tulis misalnya 08.00 atau 14.30."),
        ("siang", "Jam 'siang' tidak dikenali. Tulis misalnya 08.00 atau 14.30."),
    ],
)
def test_parse_time_rejects_with_reason(teks: str, pesan: str) -> None:
    assert pesan_galat(parse_time, teks) == pesan


# --- formatting -----------------------------------------------------------------------------------


def test_format_date_variants() -> None:
    assert format_date(HARI_PEMUNGUTAN) == "27 November 2024"
    assert format_date(date(2024, 1, 5)) == "5 Januari 2024"
    assert format_date_long(HARI_PEMUNGUTAN) == "Rabu, 27 November 2024"
    assert format_date_long(date(2024, 11, 29)) == "Jumat, 29 November 2024"
    assert format_date_long(date(2024, 12, 1)) == "Minggu, 1 Desember 2024"
    assert format_month(2024, 11) == "November 2024"
    assert format_month(2025, 1) == "Januari 2025"


@pytest.mark.parametrize("bulan", [0, 13, -1])
def test_format_month_rejects_impossible_month(bulan: int) -> None:
    with pytest.raises(ValueError, match="Bulan harus 1 sampai 12"):
        format_month(2024, bulan)


@pytest.mark.parametrize(
    ("zona", "harapan"),
    [
        ("Asia/Jakarta", "WIB"),
        ("Asia/Pontianak", "WIB"),
        ("Asia/Makassar", "WITA"),
        ("Asia/Jayapura", "WIT"),
        ("Asia/Bangkok", "UTC+7"),
        ("Asia/Tokyo", "UTC+9"),
        ("Asia/Kolkata", "UTC+5:30"),
        ("UTC", "UTC+0"),
        ("America/Sao_Paulo", "UTC-3"),
    ],
)
def test_tz_abbrev(zona: str, harapan: str) -> None:
    assert tz_abbrev(zona, datetime(2024, 11, 27, tzinfo=UTC)) == harapan


def test_tz_abbrev_follows_daylight_saving_at_the_given_moment() -> None:
    assert tz_abbrev("Europe/Berlin", datetime(2024, 1, 15, tzinfo=UTC)) == "UTC+1"
    assert tz_abbrev("Europe/Berlin", datetime(2024, 7, 15, tzinfo=UTC)) == "UTC+2"
    assert tz_abbrev("America/St_Johns", datetime(2024, 1, 15)) == "UTC-3:30"


def test_tz_abbrev_without_moment_uses_now() -> None:
    assert tz_abbrev("Asia/Tokyo") == "UTC+9"


@pytest.mark.parametrize("zona", ["Asia/Bengkulu", "", "../etc/passwd", "WIB"])
def test_unknown_time_zone_is_refused(zona: str) -> None:
    with pytest.raises(ValueError, match="Zona waktu tidak dikenal"):
        tz_abbrev(zona)
    with pytest.raises(ValueError, match="Zona waktu tidak dikenal"):
        format_time(datetime(2024, 11, 27, tzinfo=UTC), zona)


def test_format_time_converts_to_the_zone() -> None:
    utc = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)
    assert format_time(utc) == "pukul 08.00 WIB"
    assert format_time(utc, "Asia/Jakarta") == "pukul 08.00 WIB"
    assert format_time(utc, "Asia/Makassar") == "pukul 09.00 WITA"
    assert format_time(utc, "Asia/Jayapura") == "pukul 10.00 WIT"
    assert format_time(utc, "Asia/Kolkata") == "pukul 06.30 UTC+5:30"


def test_format_time_takes_naive_datetimes_as_utc() -> None:
    assert format_time(datetime(2024, 11, 27, 1, 0)) == "pukul 08.00 WIB"


def test_format_time_from_another_zone() -> None:
    wita = datetime(2024, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    assert format_time(wita) == "pukul 08.00 WIB"
    plus_tiga = datetime(2024, 11, 27, 4, 5, tzinfo=timezone(timedelta(hours=3)))
    assert format_time(plus_tiga) == "pukul 08.05 WIB"


def test_format_datetime() -> None:
    utc = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)
    assert format_datetime(utc) == "Rabu, 27 November 2024 pukul 08.00 WIB"
    assert format_datetime(datetime(2024, 11, 27, 1, 0)) == "Rabu, 27 November 2024 pukul 08.00 WIB"


def test_format_datetime_uses_the_local_date() -> None:
    malam_utc = datetime(2024, 11, 26, 20, 0, tzinfo=UTC)
    assert format_datetime(malam_utc, "Asia/Jayapura") == "Rabu, 27 November 2024 pukul 05.00 WIT"
    assert format_datetime(malam_utc, "Asia/Jakarta") == "Rabu, 27 November 2024 pukul 03.00 WIB"
    assert format_datetime(malam_utc, "UTC") == "Selasa, 26 November 2024 pukul 20.00 UTC+0"


@pytest.mark.parametrize("teks", ["٢٧/١١/٢٠٢٤", "27/11/٢٠٢٤", "२७ November 2024"])
def test_parse_date_refuses_non_ascii_digits(teks: str) -> None:
    assert pesan_galat(parse_date, teks).startswith("Gunakan angka biasa 0–9;")
