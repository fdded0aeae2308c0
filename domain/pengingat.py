"""The reminder policy: which reminder each recipient of a deadline gets, and when. Pure: no I/O, no clock.

A deadline (*tenggat*) has a moment (``batas``) and a time zone (its unit's). Per kind (*jenis*) an ``Aturan``
says the steps:

* before the deadline: H-7, H-3, H-1 and on the day (``sebelum`` = days before), each at ``jam_pagi``
  (07.00 local) on that day; a step that would fall on or after the deadline itself is left out;
* after it: one reminder a day while overdue (``t1`` … ``tN``, ``lewat_hari`` = N), at ``jam_pagi``;
* escalation: on overdue day ``eskalasi_kepala`` the unit head is told (step ``e1``), on overdue day
  ``eskalasi_pimpinan`` the pimpinan (step ``e2``).

Every step owns a *window*: from its time until the next step of the same recipient tier (the last one until
the end of the reminder period). At any moment at most one step of a tier is current, so after downtime a
sweep finds only the latest due step ("catch up once"); the older ones are skipped, never sent in a burst.

Holidays (``hari_kirim``, from the working-day calendar ``domain.harikerja.Kalender``): with ``bukan_libur``
(the default) no reminder goes out on a holiday, with ``hari_kerja`` none on a weekend either. A step before
the deadline that would fall on such a day goes out on the last day before it that the rule allows (the previous
working day under ``hari_kerja``) at ``jam_pagi``, unless an earlier step already stands there; overdue and
escalation days count only the days reminders may go out on (a holiday is no day late).

Quiet hours (default 21.00–06.00 local), a day without reminders and a snooze defer a step to the first allowed
moment of its window, never drop it while the window is open. ``saat_kirim`` gives that moment (the preview lists
it) and ``langkah_jatuh_tempo`` says what a sweep at ``now`` sends, so the preview and the sweep cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.angka import parse_count
from domain.errors import ParseError
from domain.harikerja import HARI_KIRIM, HariKirim, Kalender
from domain.tanggal import parse_time

__all__ = [
    "ISIAN_ATURAN",
    "JENIS",
    "TINGKAT",
    "Aturan",
    "Kebijakan",
    "Langkah",
    "akhir_hari",
    "akhir_sunyi",
    "aturan_dari_isian",
    "jadwal",
    "langkah_jatuh_tempo",
    "pagi_berikutnya",
    "pengingat_ulang",
    "rentang",
    "saat_kirim",
    "sunyi",
]

JENIS: tuple[str, ...] = ("rencana_aksi", "pelaporan", "pemutakhiran", "logistik", "manual")
Tingkat = Literal["penanggung", "kepala", "pimpinan"]
TINGKAT: tuple[Tingkat, ...] = ("penanggung", "kepala", "pimpinan")
MAKS_HARI = 60


def _dalam_sunyi(jam: time, mulai: time, selesai: time) -> bool:
    if mulai == selesai:
        return False
    if mulai < selesai:
        return mulai <= jam < selesai
    return jam >= mulai or jam < selesai


class Aturan(BaseModel):
    """The reminder steps of one deadline kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sebelum: tuple[int, ...] = (7, 3, 1, 0)
    jam_pagi: time = time(7, 0)
    lewat_hari: int = Field(default=7, ge=0, le=MAKS_HARI)
    eskalasi_kepala: int | None = Field(default=2, ge=1, le=MAKS_HARI)
    eskalasi_pimpinan: int | None = Field(default=4, ge=1, le=MAKS_HARI)
    sunyi_mulai: time = time(21, 0)
    sunyi_selesai: time = time(6, 0)
    hari_kirim: HariKirim = "bukan_libur"

    @field_validator("sebelum")
    @classmethod
    def _sebelum(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(h < 0 or h > MAKS_HARI for h in v):
            raise ValueError(f"hari sebelum tenggat harus 0 sampai {MAKS_HARI}")
        return tuple(sorted(set(v), reverse=True))

    @model_validator(mode="after")
    def _pagi_tidak_sunyi(self) -> Aturan:
        if _dalam_sunyi(self.jam_pagi, self.sunyi_mulai, self.sunyi_selesai):
            raise ValueError("jam pengingat pagi jatuh di jam tenang")
        return self

    @property
    def hari_terakhir(self) -> int:
        """The last overdue day that has a step of any tier."""
        return max(self.lewat_hari, self.eskalasi_kepala or 0, self.eskalasi_pimpinan or 0)


_MAKS_ISIAN = 200
# The form fields of a rule, as aturan_dari_isian reads them.
ISIAN_ATURAN = ("sebelum", "jam_pagi", "lewat_hari", "eskalasi_kepala", "eskalasi_pimpinan", "sunyi_mulai",
                "sunyi_selesai", "hari_kirim")
_RE_HARI = re.compile(r"(?:H-?)?([0-9]{1,3})|H")


def aturan_dari_isian(isian: Mapping[str, str]) -> Aturan:
    """A rule from a form's text fields, with a message in Indonesian for every wrong input.

    ``sebelum``: the days before the deadline, "H-7, H-3, H-1, H" or "7, 3, 1, 0" (empty: none); ``jam_pagi``,
    ``sunyi_mulai``, ``sunyi_selesai``: times of day ("07.00"); ``lewat_hari``: 0–60 daily reminders once overdue;
    ``eskalasi_kepala``, ``eskalasi_pimpinan``: the overdue day (1–60) the unit head / the pimpinan is told, empty
    or "tidak" for never; ``hari_kirim``: semua / bukan_libur / hari_kerja (empty: bukan_libur).
    """
    def teks(nama: str) -> str:
        nilai = str(isian.get(nama) or "").strip()
        if len(nilai) > _MAKS_ISIAN:
            raise ParseError(f"Isian {nama.replace('_', ' ')} terlalu panjang.")
        return nilai

    def hari(nama: str, label: str, *, boleh_kosong: bool) -> int | None:
        nilai = teks(nama)
        if boleh_kosong and nilai.lower() in ("", "-", "tidak", "tidak ada"):
            return None
        if not nilai:
            raise ParseError(f"{label} belum diisi.")
        try:
            n = parse_count(nilai, maximum=MAKS_HARI)
        except ParseError as exc:
            raise ParseError(f"{label}: {exc}") from None
        if boleh_kosong and n == 0:
            raise ParseError(f"{label}: hari ke-1 sampai {MAKS_HARI}, atau kosongkan bila tidak ada eskalasi.")
        return n

    def jam(nama: str, label: str) -> time:
        try:
            return parse_time(teks(nama))
        except ParseError as exc:
            raise ParseError(f"{label}: {exc}") from None

    sebelum: list[int] = []
    for bagian in re.split(r"[,;\s]+", re.sub(r"\s*-\s*", "-", teks("sebelum"))):
        if not bagian:
            continue
        cocok = _RE_HARI.fullmatch(bagian.upper())
        if cocok is None:
            raise ParseError(f"Hari pengingat '{bagian}' tidak dikenali. Tulis misalnya H-7, H-3, H-1, H.")
        n = int(cocok.group(1) or 0)
        if n > MAKS_HARI:
            raise ParseError(f"Hari pengingat H-{n} terlalu jauh: paling awal H-{MAKS_HARI}.")
        sebelum.append(n)
    nilai: dict[str, Any] = {
        "sebelum": tuple(sebelum), "jam_pagi": jam("jam_pagi", "Jam pengingat"),
        "lewat_hari": hari("lewat_hari", "Pengingat harian setelah lewat batas", boleh_kosong=False),
        "eskalasi_kepala": hari("eskalasi_kepala", "Eskalasi ke kepala unit", boleh_kosong=True),
        "eskalasi_pimpinan": hari("eskalasi_pimpinan", "Eskalasi ke pimpinan", boleh_kosong=True),
        "sunyi_mulai": jam("sunyi_mulai", "Jam tenang mulai"),
        "sunyi_selesai": jam("sunyi_selesai", "Jam tenang selesai"),
    }
    hari_kirim = teks("hari_kirim") or "bukan_libur"
    if hari_kirim not in HARI_KIRIM:
        raise ParseError("Hari pengiriman harus semua hari, bukan hari libur, atau hari kerja saja.")
    nilai["hari_kirim"] = hari_kirim
    if _dalam_sunyi(nilai["jam_pagi"], nilai["sunyi_mulai"], nilai["sunyi_selesai"]):
        raise ParseError(f"Jam pengingat {nilai['jam_pagi']:%H.%M} jatuh di jam tenang "
                         f"({nilai['sunyi_mulai']:%H.%M}–{nilai['sunyi_selesai']:%H.%M}); ubah salah satunya.")
    return Aturan(**nilai)


_BAWAAN: dict[str, Aturan] = {
    "rencana_aksi": Aturan(),
    "pelaporan": Aturan(),
    "pemutakhiran": Aturan(),
    # Logistics is about hours, not days: distribution starts days before, and the day after the cut-off is
    # voting day, so one overdue reminder and an immediate escalation to both levels, on any day (voting day
    # itself is a national holiday).
    "logistik": Aturan(sebelum=(3, 1, 0), lewat_hari=1, eskalasi_kepala=1, eskalasi_pimpinan=1, hari_kirim="semua"),
    "manual": Aturan(),
}


class Kebijakan(BaseModel):
    """The policy for every kind; built from defaults plus an admin's overrides (app_settings JSON)."""

    model_config = ConfigDict(frozen=True)

    aturan: dict[str, Aturan] = Field(default_factory=lambda: dict(_BAWAAN))

    def untuk(self, jenis: str) -> Aturan:
        """The rule of a kind (the manual rule for kinds it does not know)."""
        return self.aturan.get(jenis) or self.aturan.get("manual") or Aturan()

    @classmethod
    def dari_setelan(cls, nilai: Mapping[str, Any] | None) -> Kebijakan:
        """Defaults overridden per kind, e.g. {"pelaporan": {"lewat_hari": 5}, "semua": {"sunyi_mulai": "22:00"}}."""
        if not nilai:
            return cls()
        if not isinstance(nilai, Mapping):
            raise ParseError("Setelan pengingat harus berupa objek per jenis tenggat.")
        semua = nilai.get("semua") or {}
        tak_dikenal = sorted(set(nilai) - set(JENIS) - {"semua"})
        if tak_dikenal:
            raise ParseError(f"Jenis tenggat tidak dikenal di setelan pengingat: {', '.join(tak_dikenal)}.")
        hasil: dict[str, Aturan] = {}
        for jenis in JENIS:
            dasar = _BAWAAN[jenis].model_dump()
            try:
                hasil[jenis] = Aturan.model_validate({**dasar, **dict(semua), **dict(nilai.get(jenis) or {})})
            except ValidationError as exc:
                err = exc.errors()[0]
                tempat = ".".join(str(x) for x in err["loc"]) or "?"
                raise ParseError(f"Setelan pengingat {jenis}.{tempat} salah: {err['msg']}.") from None
        return cls(aturan=hasil)


@dataclass(frozen=True)
class Langkah:
    """One reminder step of one recipient tier: sent once, at ``waktu`` or later while its window is open."""

    kode: str  # h7, h3, h1, h0, t1 … tN, e1 (unit head), e2 (pimpinan), z<yyyymmdd> (again after a snooze)
    tingkat: Tingkat
    hari: int  # days relative to the deadline's date: -7 … 0 before, 1 … N overdue
    waktu: datetime  # aware UTC
    akhir: datetime  # aware UTC, exclusive: the window closes here
    digeser: str | None = None  # the holiday that moved this step to an earlier working day

    @property
    def eskalasi(self) -> bool:
        """Whether this step tells a head or the pimpinan rather than the people responsible."""
        return self.tingkat != "penanggung"


def _pada(tanggal: date, jam: time, zona: ZoneInfo) -> datetime:
    return datetime.combine(tanggal, jam, tzinfo=zona).astimezone(UTC)


def _hari_sebelum(hari_batas: date, h: int, aturan: Aturan, kalender: Kalender | None) -> tuple[date, str | None]:
    """The day of the H-h step: h days before, or, when that day has no reminders, the last day before it that has
    (the previous working day under a working-days rule)."""
    hari = hari_batas - timedelta(days=h)
    if kalender is None or kalender.boleh(hari, aturan.hari_kirim):
        return hari, None
    libur = kalender.libur(hari)
    return kalender.sebelumnya(hari, aturan.hari_kirim), (libur.nama if libur else "akhir pekan")


def _hari_lewat(hari_batas: date, k: int, aturan: Aturan, kalender: Kalender | None) -> date:
    """Overdue day k: the k-th day after the deadline that reminders may go out on."""
    if kalender is None:
        return hari_batas + timedelta(days=k)
    return kalender.berikutnya(hari_batas, aturan.hari_kirim, k)


def jadwal(aturan: Aturan, batas: datetime, zona: str,
           kalender: Kalender | None = None) -> dict[Tingkat, list[Langkah]]:
    """Every step of a deadline per recipient tier, in time order, each with its window."""
    if batas.tzinfo is None:
        raise ValueError("batas harus berzona waktu")
    tz = ZoneInfo(zona)
    hari_batas = batas.astimezone(tz).date()
    akhir_periode = _pada(_hari_lewat(hari_batas, aturan.hari_terakhir + 1, aturan, kalender), aturan.jam_pagi, tz)

    titik: list[tuple[str, int, datetime, str | None]] = []
    for h in aturan.sebelum:
        hari, digeser = _hari_sebelum(hari_batas, h, aturan, kalender)
        waktu = _pada(hari, aturan.jam_pagi, tz)
        if titik and titik[-1][2] >= waktu:
            continue  # moved back onto (or before) an earlier step by a long holiday: that reminder is enough
        if waktu < batas:  # a deadline before 07.00 has no "on the day" morning reminder
            titik.append((f"h{h}", -(hari_batas - hari).days, waktu, digeser))
    for k in range(1, aturan.lewat_hari + 1):
        titik.append((f"t{k}", k, _pada(_hari_lewat(hari_batas, k, aturan, kalender), aturan.jam_pagi, tz), None))
    penanggung = [
        Langkah(kode, "penanggung", hari, waktu, titik[i + 1][2] if i + 1 < len(titik) else akhir_periode, digeser)
        for i, (kode, hari, waktu, digeser) in enumerate(titik)
    ]
    hasil: dict[Tingkat, list[Langkah]] = {"penanggung": penanggung, "kepala": [], "pimpinan": []}
    for tingkat, kode, ke in (("kepala", "e1", aturan.eskalasi_kepala), ("pimpinan", "e2", aturan.eskalasi_pimpinan)):
        if ke is not None:
            waktu = _pada(_hari_lewat(hari_batas, ke, aturan, kalender), aturan.jam_pagi, tz)
            hasil[tingkat].append(Langkah(kode, tingkat, ke, waktu, akhir_periode))  # type: ignore[index, arg-type]
    return hasil


def rentang(aturan: Aturan) -> tuple[timedelta, timedelta]:
    """How long before and after the deadline its steps can fall (for choosing which deadlines to look at)."""
    sebelum = max(aturan.sebelum, default=0)
    if aturan.hari_kirim == "semua":
        return timedelta(days=sebelum + 1), timedelta(days=aturan.hari_terakhir + 2)
    # Days without reminders stretch the schedule: a step moves back before a long holiday, overdue days skip them.
    return timedelta(days=sebelum + 12), timedelta(days=2 * aturan.hari_terakhir + 16)


def _pagi_setelah_libur(lokal: datetime, aturan: Aturan, kalender: Kalender | None) -> bool:
    """Before ``jam_pagi`` on the morning after a day without reminders: what waited for that day waits until the
    morning's own steps, not for the end of the quiet hours an hour earlier."""
    return (kalender is not None and lokal.time().replace(tzinfo=None) < aturan.jam_pagi
            and not kalender.boleh(lokal.date() - timedelta(days=1), aturan.hari_kirim))


def sunyi(saat: datetime, aturan: Aturan, zona: str, kalender: Kalender | None = None) -> bool:
    """Whether ``saat`` falls in the quiet hours of the zone, or on a day without reminders (or its next morning
    before ``jam_pagi``)."""
    lokal = saat.astimezone(ZoneInfo(zona))
    if kalender is not None and not kalender.boleh(lokal.date(), aturan.hari_kirim):
        return True
    if _pagi_setelah_libur(lokal, aturan, kalender):
        return True
    return _dalam_sunyi(lokal.time().replace(tzinfo=None), aturan.sunyi_mulai, aturan.sunyi_selesai)


def akhir_sunyi(saat: datetime, aturan: Aturan, zona: str, kalender: Kalender | None = None) -> datetime:
    """``saat`` itself when it is not quiet, else the moment the quiet hours end (after days without reminders: the
    morning, ``jam_pagi``, of the next day with reminders)."""
    tz = ZoneInfo(zona)
    for _ in range(400):
        if not sunyi(saat, aturan, zona, kalender):
            return saat
        lokal = saat.astimezone(tz)
        if kalender is not None and not kalender.boleh(lokal.date(), aturan.hari_kirim):
            # the morning of the next day with reminders: that day's own step starts then, and a deferred one
            # whose window closes at that moment is not worth a second message an hour earlier
            saat = _pada(kalender.berikutnya(lokal.date(), aturan.hari_kirim), aturan.jam_pagi, tz)
            continue
        if _pagi_setelah_libur(lokal, aturan, kalender):
            saat = _pada(lokal.date(), aturan.jam_pagi, tz)
            continue
        jam = lokal.time().replace(tzinfo=None)
        hari = lokal.date() if jam < aturan.sunyi_selesai else lokal.date() + timedelta(1)
        saat = _pada(hari, aturan.sunyi_selesai, tz)
    return saat


def saat_kirim(langkah: Langkah, aturan: Aturan, zona: str, tunda_sampai: datetime | None = None,
               kalender: Kalender | None = None) -> datetime | None:
    """The first moment the step may go out (after quiet hours, days without reminders and a snooze), or None if
    its window closes first."""
    saat = langkah.waktu if tunda_sampai is None else max(langkah.waktu, tunda_sampai)
    saat = akhir_sunyi(saat, aturan, zona, kalender)
    return saat if saat < langkah.akhir else None


def langkah_jatuh_tempo(
    langkah: Iterable[Langkah], now: datetime, aturan: Aturan, zona: str, tunda_sampai: datetime | None = None,
    kalender: Kalender | None = None,
) -> Langkah | None:
    """The step a sweep at ``now`` sends for one recipient tier: the one whose window holds ``now``, if allowed now."""
    for item in langkah:
        if item.waktu <= now < item.akhir:
            if sunyi(now, aturan, zona, kalender) or (tunda_sampai is not None and now < tunda_sampai):
                return None
            return item
    return None


def pengingat_ulang(langkah: Iterable[Langkah], tunda_sampai: datetime, batas: datetime,
                    zona: str) -> Langkah | None:
    """The "ingatkan besok" step: a reminder again when a snooze ends, unless a regular step starts right then.

    It lives in the window of the regular step that holds the snooze's end, for at most a day; the caller
    sends it only if that regular step already went out before the snooze ended (otherwise the regular step
    itself, deferred by the snooze, is the reminder).
    """
    tz = ZoneInfo(zona)
    for item in langkah:
        if item.waktu <= tunda_sampai < item.akhir:
            if item.waktu == tunda_sampai:
                return None
            lokal = tunda_sampai.astimezone(tz)
            hari = (lokal.date() - batas.astimezone(tz).date()).days
            return Langkah(f"z{lokal:%Y%m%d}", item.tingkat, hari, tunda_sampai,
                           min(item.akhir, tunda_sampai + timedelta(days=1)))
    return None


def pagi_berikutnya(now: datetime, aturan: Aturan, zona: str) -> datetime:
    """Tomorrow morning (``jam_pagi`` local on the next day): how long "ingatkan besok" snoozes."""
    tz = ZoneInfo(zona)
    return _pada(now.astimezone(tz).date() + timedelta(days=1), aturan.jam_pagi, tz)


def akhir_hari(tanggal: date, zona: str) -> datetime:
    """23.59 local on the date: the moment of a deadline given as a date."""
    return _pada(tanggal, time(23, 59), ZoneInfo(zona))
