"""Working days: the one place that knows which days are worked (Monday to Friday, minus holidays).

A ``Kalender`` holds the holidays in force (national days, *cuti bersama*, regional days an admin added);
reporting deadlines, the reminder policy and the digest ask it, so they never disagree on what a working day is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

__all__ = [
    "HARI_KIRIM",
    "JENIS_LIBUR",
    "HariKirim",
    "HariLibur",
    "JenisLibur",
    "Kalender",
    "nama_pendek",
]

JenisLibur = Literal["nasional", "cuti_bersama", "daerah"]
# On which days reminders may go out: every day, every day but holidays, or working days only.
HariKirim = Literal["semua", "bukan_libur", "hari_kerja"]
HARI_KIRIM: tuple[HariKirim, ...] = ("semua", "bukan_libur", "hari_kerja")
JENIS_LIBUR: dict[str, str] = {"nasional": "libur nasional", "cuti_bersama": "cuti bersama",
                               "daerah": "libur daerah"}
# A generous bound: no run of days off in Indonesia comes near it; a loop never runs away on a broken calendar.
_MAKS_LANGKAH = 400

# "Cuti Bersama Hari Raya Idul Fitri", "Hari kedua dari Hari Raya Idul Fitri" -> "Idul Fitri": what people say.
_AWALAN = re.compile(r"^(?:cuti bersama\s+|hari (?:pertama|kedua) dari\s+|hari raya\s+|hari suci\s+)+", re.IGNORECASE)


def nama_pendek(nama: str) -> str:
    """The short name of a holiday as people say it: "Cuti Bersama Hari Raya Idul Fitri" -> "Idul Fitri"."""
    pendek = _AWALAN.sub("", nama.strip()).strip()
    return pendek or nama.strip()


@dataclass(frozen=True)
class HariLibur:
    """A day off: its date, its name (Indonesian) and its kind."""

    tanggal: date
    nama: str
    jenis: str = "nasional"


class Kalender:
    """Which days are worked: Monday to Friday, except the holidays given."""

    def __init__(self, libur: Iterable[HariLibur] | Mapping[date, str] | Iterable[date] = ()) -> None:
        hari: dict[date, HariLibur] = {}
        if isinstance(libur, Mapping):
            hari = {d: HariLibur(d, str(n)) for d, n in libur.items()}
        else:
            for item in libur:
                if isinstance(item, HariLibur):
                    hari[item.tanggal] = item
                else:
                    hari[item] = HariLibur(item, "hari libur")
        self._libur = hari

    def __len__(self) -> int:
        return len(self._libur)

    def libur(self, d: date) -> HariLibur | None:
        """The holiday on that date, if any (weekends are not holidays, only days off)."""
        return self._libur.get(d)

    def hari_kerja(self, d: date) -> bool:
        """Whether the date is a working day."""
        return d.weekday() < 5 and d not in self._libur

    def tambah_hari_kerja(self, mulai: date, n: int) -> date:
        """The date n working days after ``mulai`` (before it when n < 0)."""
        langkah = timedelta(days=1 if n >= 0 else -1)
        hasil, sisa = mulai, abs(n)
        while sisa:
            hasil += langkah
            if self.hari_kerja(hasil):
                sisa -= 1
        return hasil

    def hari_kerja_sebelum(self, d: date) -> date:
        """The last working day before ``d``."""
        return self.tambah_hari_kerja(d, -1)

    def boleh(self, d: date, hari: HariKirim) -> bool:
        """Whether something limited to ``hari`` days may happen on the date."""
        if hari == "hari_kerja":
            return self.hari_kerja(d)
        if hari == "bukan_libur":
            return d not in self._libur
        return True

    def berikutnya(self, d: date, hari: HariKirim, n: int = 1) -> date:
        """The n-th day after ``d`` allowed by ``hari`` (n >= 1)."""
        hasil, sisa = d, max(n, 1)
        for _ in range(_MAKS_LANGKAH * sisa):
            hasil += timedelta(days=1)
            if self.boleh(hasil, hari):
                sisa -= 1
                if not sisa:
                    break
        return hasil

    def sebelumnya(self, d: date, hari: HariKirim) -> date:
        """The last day before ``d`` allowed by ``hari``."""
        hasil = d
        for _ in range(_MAKS_LANGKAH):
            hasil -= timedelta(days=1)
            if self.boleh(hasil, hari):
                break
        return hasil

    def libur_antara(self, mulai: date, sampai: date) -> list[HariLibur]:
        """The holidays on weekdays in (mulai, sampai]: each one pushed a working-day count a day further."""
        return [h for d, h in sorted(self._libur.items()) if mulai < d <= sampai and d.weekday() < 5]

    def digeser_karena(self, mulai: date, sampai: date) -> list[str]:
        """The short names of the holidays that pushed a count from ``mulai`` to ``sampai``, once each, in order."""
        nama: list[str] = []
        for h in self.libur_antara(mulai, sampai):
            pendek = nama_pendek(h.nama)
            if pendek not in nama:
                nama.append(pendek)
        return nama
