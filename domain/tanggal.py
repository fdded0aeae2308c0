"""Indonesian dates and times: parsing user input and formatting output.

Accepted dates: "27 November 2024", "27 Nov 2024", "27 nopember 2024", "27-Nov-2024", "27/11/2024",
"27-11-2024", "27.11.2024", "2024-11-27", each optionally preceded by the weekday ("Rabu, 27 November
2024", "Jum'at, 29 November 2024"). Day-month order is always Indonesian (day first) except in the ISO
form that starts with the four-digit year. Years must have four digits and lie in 1900-2100.

Accepted times: "08.00", "8:00", "08.00 WIB", "pukul 14.30", "14.30.15", and the hour with the part of the day
as people say it ("jam 2 siang" = 14.00, "8 malam" = 20.00, "12 malam" = 00.00). The zone suffix (WIB, WITA,
WIT) is accepted but not converted: the caller knows the reporting unit's zone.
"""

import calendar
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import ParseError, kutip

__all__ = [
    "BULAN",
    "HARI",
    "TAHUN_MAKSIMUM",
    "TAHUN_MINIMUM",
    "format_date",
    "format_date_long",
    "format_datetime",
    "format_month",
    "format_time",
    "parse_bulan",
    "parse_date",
    "parse_tahun",
    "parse_time",
    "tz_abbrev",
]

BULAN: tuple[str, ...] = (
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
)
HARI: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

TAHUN_MINIMUM = 1900
TAHUN_MAKSIMUM = 2100
_MAKS_PANJANG = 60

_NAMA_BULAN: dict[str, int] = {nama.lower(): i for i, nama in enumerate(BULAN, start=1)}
_NAMA_BULAN.update(
    {
        # Older spellings still common in official letters.
        "pebruari": 2,
        "nopember": 11,
        "jan": 1,
        "feb": 2,
        "peb": 2,
        "mar": 3,
        "apr": 4,
        "jun": 6,
        "jul": 7,
        "agt": 8,
        "agu": 8,
        "ags": 8,
        "agus": 8,
        "sep": 9,
        "sept": 9,
        "okt": 10,
        "nov": 11,
        "nop": 11,
        "des": 12,
        # English, because phones and spreadsheets often produce it.
        "january": 1,
        "february": 2,
        "march": 3,
        "may": 5,
        "june": 6,
        "july": 7,
        "august": 8,
        "aug": 8,
        "october": 10,
        "oct": 10,
        "december": 12,
        "dec": 12,
    }
)

_NAMA_HARI: dict[str, int] = {
    "senin": 0,
    "sen": 0,
    "selasa": 1,
    "sel": 1,
    "rabu": 2,
    "rab": 2,
    "kamis": 3,
    "kam": 3,
    "jumat": 4,
    "jum'at": 4,
    "jum": 4,
    "sabtu": 5,
    "sab": 5,
    "minggu": 6,
    "min": 6,
    "ahad": 6,
}

_SINGKATAN_ZONA = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}

_CONTOH_TANGGAL = "Tulis misalnya 27 November 2024 atau 27/11/2024."
_CONTOH_JAM = "Tulis misalnya 08.00 atau 14.30."

_RE_HARI = re.compile(r"^([a-z']+)\s*,?\s*(?=\d)", re.ASCII)
_RE_YMD = re.compile(r"^(\d{4})([/.-])(\d{1,2})\2(\d{1,2})$", re.ASCII)
_RE_DMY = re.compile(r"^(\d{1,2})([/. -])(\d{1,2})\2(\d+)$", re.ASCII)
_RE_NAMA = re.compile(r"^(\d{1,2})[\s/-]*([a-z]+)\.?[\s/-]*(\d+)$", re.ASCII)
_RE_TANPA_TAHUN = re.compile(r"^\d{1,2}[\s/-]*[a-z]+\.?$|^\d{1,2}[/.-]\d{1,2}$", re.ASCII)
_RE_JAM = re.compile(r"^(\d{1,2})(?:[.:](\d{2})(?:[.:](\d{2}))?)?$", re.ASCII)
_RE_AWALAN_JAM = re.compile(r"^(pukul|pkl\.?|jam)\s*", re.ASCII)
_RE_AKHIRAN_ZONA = re.compile(r"\s*(wib|wita|wit)$", re.ASCII)
_RE_BAGIAN_HARI = re.compile(r"\s*(pagi|siang|sore|petang|malam)$", re.ASCII)
# The hours each part of the day may name, on the 24-hour clock: "2 siang" is 14, "12 malam" is midnight.
_BAGIAN_HARI = {"pagi": range(0, 12), "siang": range(10, 16), "sore": range(15, 19), "petang": range(15, 19),
                "malam": range(18, 25)}


def _normalisasi(teks: str) -> str:
    for tanda in "’‘`´":
        teks = teks.replace(tanda, "'")
    return " ".join(teks.lower().split())


def _tolak_digit_asing(teks: str) -> None:
    asing = [c for c in teks if c.isnumeric() and not ("0" <= c <= "9")]
    if asing:
        raise ParseError(f"Gunakan angka biasa 0–9; '{asing[0]}' tidak dapat dibaca.")


def parse_bulan(text: str) -> int:
    """Month number 1-12 from an Indonesian (or English) month name or abbreviation."""
    nama = _normalisasi(text).rstrip(".")
    if nama not in _NAMA_BULAN:
        raise ParseError(
            f"Nama bulan '{kutip(text)}' tidak dikenal. Gunakan Januari sampai Desember "
            "atau singkatannya, misalnya Jan, Agt, Okt, Des."
        )
    return _NAMA_BULAN[nama]


def parse_tahun(text: str) -> int:
    """Read a four-digit year between TAHUN_MINIMUM and TAHUN_MAKSIMUM."""
    teks = text.strip()
    if not teks.isascii() or not teks.isdigit():
        raise ParseError(f"Tahun '{kutip(teks)}' tidak valid; tulis empat angka, misalnya 2024.")
    if len(teks) == 2:
        raise ParseError(f"Tahun harus ditulis lengkap empat angka, misalnya 2024 (bukan {teks}).")
    if len(teks) != 4:
        raise ParseError(f"Tahun '{kutip(teks)}' tidak valid; tulis empat angka, misalnya 2024.")
    tahun = int(teks)
    if not TAHUN_MINIMUM <= tahun <= TAHUN_MAKSIMUM:
        raise ParseError(f"Tahun {tahun} di luar jangkauan ({TAHUN_MINIMUM}–{TAHUN_MAKSIMUM}).")
    return tahun


def _buat_tanggal(tahun: int, bulan: int, hari: int) -> date:
    if not 1 <= bulan <= 12:
        raise ParseError(
            f"Bulan {bulan} tidak ada; bulan harus 1 sampai 12. "
            "Gunakan urutan tanggal/bulan/tahun, misalnya 27/11/2024."
        )
    akhir = calendar.monthrange(tahun, bulan)[1]
    if hari < 1:
        raise ParseError(f"Tanggal {hari} tidak ada; tanggal dimulai dari 1. {_CONTOH_TANGGAL}")
    if hari > akhir:
        raise ParseError(
            f"Tanggal {hari} {BULAN[bulan - 1]} {tahun} tidak ada: "
            f"{BULAN[bulan - 1]} {tahun} hanya sampai tanggal {akhir}."
        )
    return date(tahun, bulan, hari)


def _baca_tanggal(teks: str, asli: str) -> date:
    if cocok := _RE_YMD.match(teks):
        return _buat_tanggal(parse_tahun(cocok.group(1)), int(cocok.group(3)), int(cocok.group(4)))
    if cocok := _RE_DMY.match(teks):
        return _buat_tanggal(parse_tahun(cocok.group(4)), int(cocok.group(3)), int(cocok.group(1)))
    if cocok := _RE_NAMA.match(teks):
        bulan = parse_bulan(cocok.group(2))
        return _buat_tanggal(parse_tahun(cocok.group(3)), bulan, int(cocok.group(1)))
    if _RE_TANPA_TAHUN.match(teks):
        raise ParseError(f"Tahun belum ditulis pada '{asli}'. {_CONTOH_TANGGAL}")
    raise ParseError(f"Tanggal '{asli}' tidak dikenali. {_CONTOH_TANGGAL}")


def parse_date(text: str) -> date:
    """Read a date written the Indonesian way, optionally with a weekday that must match."""
    asli = text.strip()
    if not asli:
        raise ParseError(f"Tanggal belum diisi. {_CONTOH_TANGGAL}")
    if len(asli) > _MAKS_PANJANG:
        raise ParseError(f"Tanggal terlalu panjang (lebih dari {_MAKS_PANJANG} karakter).")
    _tolak_digit_asing(asli)
    teks = _normalisasi(asli)
    hari: int | None = None
    if cocok := _RE_HARI.match(teks):
        nama_hari = cocok.group(1)
        if nama_hari not in _NAMA_HARI:
            raise ParseError(f"Tanggal '{asli}' tidak dikenali. {_CONTOH_TANGGAL}")
        hari = _NAMA_HARI[nama_hari]
        teks = teks[cocok.end() :]
    hasil = _baca_tanggal(teks, asli)
    if hari is not None and hari != hasil.weekday():
        raise ParseError(f"{format_date(hasil)} jatuh pada hari {HARI[hasil.weekday()]}, bukan {HARI[hari]}.")
    return hasil


def _jam_bagian_hari(jam: int, bagian: str, asli: str) -> int:
    """The 24-hour hour of "<jam> <bagian>": "2 siang" → 14, "14 siang" → 14, "12 malam" → 0."""
    rentang = _BAGIAN_HARI[bagian]
    for calon in (jam, jam + 12):
        if calon in rentang:
            return calon % 24
    if bagian == "malam" and jam in range(0, 5):
        return jam  # "jam 1 malam": past midnight
    raise ParseError(f"'{kutip(asli)}' tidak ada: jam {jam} bukan {bagian} hari. "
                     "Tulis misalnya 14.00 atau jam 2 siang.")


def parse_time(text: str) -> time:
    """Read a time of day ("08.00", "8:00", "08.00 WIB", "pukul 14.30"); the zone suffix is ignored."""
    asli = text.strip()
    if not asli:
        raise ParseError(f"Jam belum diisi. {_CONTOH_JAM}")
    if len(asli) > _MAKS_PANJANG:
        raise ParseError(f"Jam terlalu panjang (lebih dari {_MAKS_PANJANG} karakter).")
    _tolak_digit_asing(asli)
    teks = _RE_AKHIRAN_ZONA.sub("", _RE_AWALAN_JAM.sub("", _normalisasi(asli)))
    bagian = None
    if cocok_bagian := _RE_BAGIAN_HARI.search(teks):
        bagian, teks = cocok_bagian.group(1), teks[: cocok_bagian.start()]
    cocok = _RE_JAM.match(teks)
    if not cocok:
        raise ParseError(f"Jam '{asli}' tidak dikenali. {_CONTOH_JAM}")
    jam = int(cocok.group(1))
    if bagian is not None:
        jam = _jam_bagian_hari(jam, bagian, asli)
    menit = int(cocok.group(2) or 0)
    detik = int(cocok.group(3) or 0)
    if jam == 24 and menit == 0 and detik == 0:
        raise ParseError("Untuk tengah malam tulis 00.00 (hari berikutnya), bukan 24.00.")
    if jam > 23:
        raise ParseError(f"Jam {jam} tidak ada; jam harus 00 sampai 23. {_CONTOH_JAM}")
    if menit > 59:
        raise ParseError(f"Menit {menit} tidak ada; menit harus 00 sampai 59. {_CONTOH_JAM}")
    if detik > 59:
        raise ParseError(f"Detik {detik} tidak ada; detik harus 00 sampai 59. {_CONTOH_JAM}")
    return time(jam, menit, detik)


def format_date(d: date) -> str:
    """Format a date as "27 November 2024"."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def format_date_long(d: date) -> str:
    """Format a date with its weekday: "Rabu, 27 November 2024"."""
    return f"{HARI[d.weekday()]}, {format_date(d)}"


def format_month(year: int, month: int) -> str:
    """Format a month as "November 2024"."""
    if not 1 <= month <= 12:
        raise ValueError(f"Bulan harus 1 sampai 12, bukan {month}.")
    return f"{BULAN[month - 1]} {year}"


def _zona(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Zona waktu tidak dikenal: {tz_name!r}") from None


def _sebagai_utc(dt: datetime) -> datetime:
    # Naive datetimes come from storage, which keeps UTC.
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt


def tz_abbrev(tz_name: str, at: datetime | None = None) -> str:
    """Indonesian zone abbreviation (WIB, WITA, WIT) or the UTC offset ("UTC+7") at ``at`` (default now)."""
    zona = _zona(tz_name)
    if tz_name in _SINGKATAN_ZONA:
        return _SINGKATAN_ZONA[tz_name]
    saat = _sebagai_utc(at) if at is not None else datetime.now(UTC)
    offset = saat.astimezone(zona).utcoffset()
    menit = int(offset.total_seconds() // 60) if offset is not None else 0
    tanda = "-" if menit < 0 else "+"
    jam, sisa = divmod(abs(menit), 60)
    return f"UTC{tanda}{jam}" + (f":{sisa:02d}" if sisa else "")


def format_time(dt: datetime, tz_name: str = "Asia/Jakarta") -> str:
    """Format the time in the given zone: "pukul 08.00 WIB" (naive datetimes are taken as UTC)."""
    lokal = _sebagai_utc(dt).astimezone(_zona(tz_name))
    return f"pukul {lokal:%H.%M} {tz_abbrev(tz_name, lokal)}"


def format_datetime(dt: datetime, tz_name: str = "Asia/Jakarta") -> str:
    """Format date and time in the given zone: "Rabu, 27 November 2024 pukul 08.00 WIB"."""
    lokal = _sebagai_utc(dt).astimezone(_zona(tz_name))
    return f"{format_date_long(lokal.date())} {format_time(lokal, tz_name)}"


def lama_menunggu(sejak: datetime, kini: datetime) -> str:
    """How long something has waited, in words ("menunggu 3 hari", "menunggu 5 jam")."""
    detik = max(0, int((_sebagai_utc(kini) - _sebagai_utc(sejak)).total_seconds()))
    hari, jam = detik // 86400, detik // 3600
    if hari:
        return f"menunggu {hari} hari"
    return f"menunggu {jam} jam" if jam else "menunggu kurang dari 1 jam"
