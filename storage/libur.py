"""Holidays (*hari libur*): filled from the ``holidays`` package, corrected by admins, applied at once.

The package knows Indonesia's national holidays (the lunar ones too) and, in the ``government`` category, the
*cuti bersama* of the joint ministerial decree; its Indonesian names are kept. A voting day the data knows (the
day after the logistics H-1 cut-off) is a national holiday too. Filling is idempotent and never overwrites a row:
an admin's name, kind or lifted day (``aktif`` false) survives every later fill.

Every change by an admin (web page or import) is audited and, in the same transaction, recomputes the deadlines
(``storage.tenggat.sinkronkan``: a moved deadline's waiting reminders are taken back) and takes back the
reminders waiting for a day that just became a holiday.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ParseError
from domain.harikerja import JENIS_LIBUR, HariLibur
from domain.tanggal import TAHUN_MAKSIMUM, TAHUN_MINIMUM, format_date, parse_date
from storage import audit, tenggat
from storage import tables as t
from storage.giliran import bergiliran
from storage.sql import insert_ignore

__all__ = [
    "Libur",
    "LiburError",
    "cek_impor",
    "daftar",
    "hapus",
    "isi_dan_sinkronkan",
    "isi_libur_data",
    "isi_libur_tahun",
    "libur_paket",
    "periksa",
    "tahun_data",
    "tambah",
    "tulis_impor",
]

NAMA_PEMUNGUTAN = "Hari Pemungutan Suara"
MAKS_NAMA = 120
_H = t.holidays


class LiburError(Exception):
    """A holiday change that cannot go ahead; the message is for the admin (Indonesian)."""


@dataclass(frozen=True)
class Libur:
    """A row of the holidays table."""

    tanggal: date
    nama: str
    jenis: str
    sumber: str  # paket, data, admin
    aktif: bool

    @property
    def label_jenis(self) -> str:
        """The kind in words."""
        return JENIS_LIBUR.get(self.jenis, self.jenis)


def libur_paket(tahun: int) -> list[HariLibur]:
    """Indonesia's national holidays and cuti bersama of a year, from the ``holidays`` package (Indonesian names)."""
    import holidays  # imported here: loading every country's calendar costs time nobody else needs to pay

    semua = holidays.country_holidays("ID", years=tahun, language="id", categories=("public", "government"))
    cuti = holidays.country_holidays("ID", years=tahun, language="id", categories=("government",))
    # A date can carry two names ("Hari Raya Idul Fitri; ..."): keep the first, it is the one people use.
    return [HariLibur(d, str(nama).split(";")[0].strip()[:MAKS_NAMA], "cuti_bersama" if d in cuti else "nasional")
            for d, nama in sorted(semua.items())]


async def _hari_pemungutan(conn: AsyncConnection, zona: str) -> list[date]:
    """Voting days the data knows: the day after each kab/kota's logistics H-1 cut-off."""
    rows = (await conn.execute(sa.select(t.logistics_schedule.c.batas_tiba).distinct())).scalars().all()
    tz = ZoneInfo(zona)
    return sorted({b.replace(tzinfo=b.tzinfo or ZoneInfo("UTC")).astimezone(tz).date() + timedelta(days=1)
                   for b in rows})


async def _rentang_tahun(conn: AsyncConnection, kolom: sa.Column[Any]) -> set[int]:
    lo, hi = (await conn.execute(sa.select(sa.func.min(kolom), sa.func.max(kolom)))).one()
    return set() if lo is None or hi is None else set(range(lo.year, hi.year + 1))


async def tahun_data(conn: AsyncConnection) -> set[int]:
    """The years Pantau has data for (PK, action plans, voter-list stages, logistics) and each next year (a December
    or fourth-quarter deadline falls in January), plus the years of the deadlines themselves (manual ones too)."""
    sumber: set[int] = await _rentang_tahun(conn, t.logistics_schedule.c.batas_tiba)
    for kolom in (t.pk_documents.c.tahun, t.rencana_aksi.c.tahun, t.voter_stages.c.tahun):
        sumber |= {int(y) for y in (await conn.execute(sa.select(kolom).distinct())).scalars().all() if y}
    # the deadlines' years are not carried on: generated ones already reach into January
    tahun = sumber | {y + 1 for y in sumber} | await _rentang_tahun(conn, t.deadlines.c.batas)
    return {y for y in tahun if TAHUN_MINIMUM <= y <= TAHUN_MAKSIMUM}


async def isi_libur_tahun(conn: AsyncConnection, tahun: int, *, zona: str = "Asia/Jakarta") -> int:
    """Fill a year's holidays: the package's national days and cuti bersama, and the voting days the data knows.

    Idempotent: rows already there (an admin's edit or lifted day included) are left as they are. Returns how
    many days were added. Call it when a year is opened; the caller syncs the deadlines afterwards.
    """
    if not TAHUN_MINIMUM <= tahun <= TAHUN_MAKSIMUM:
        raise LiburError(f"Tahun {tahun} di luar jangkauan ({TAHUN_MINIMUM}–{TAHUN_MAKSIMUM}).")
    baris = [{"tanggal": h.tanggal, "nama": h.nama, "jenis": h.jenis, "sumber": "paket", "aktif": True}
             for h in libur_paket(tahun)]
    ada = {b["tanggal"] for b in baris}
    baris += [{"tanggal": d, "nama": NAMA_PEMUNGUTAN, "jenis": "nasional", "sumber": "data", "aktif": True}
              for d in await _hari_pemungutan(conn, zona) if d.year == tahun and d not in ada]
    ditambah = 0
    for b in baris:
        ditambah += await insert_ignore(conn, _H, b, conflict=["tanggal"])
    return ditambah


async def saat_tahun_dibuka(conn: AsyncConnection, tahun: int, now: datetime) -> None:
    """A budget year was opened: its holidays and the next January's (its last reports fall due then), before its
    deadlines are counted."""
    for y in (tahun, tahun + 1):
        if TAHUN_MINIMUM <= y <= TAHUN_MAKSIMUM:
            await isi_libur_tahun(conn, y)


async def isi_libur_data(conn: AsyncConnection, *, zona: str = "Asia/Jakarta") -> int:
    """Fill the holidays of every year Pantau has data for (idempotent); returns how many days were added."""
    return sum([await isi_libur_tahun(conn, y, zona=zona) for y in sorted(await tahun_data(conn))])


async def isi_dan_sinkronkan(conn: AsyncConnection, *, zona: str, now: datetime) -> int:
    """Fill every year with data and, when a day was added, recompute the deadlines (start-up, db upgrade)."""
    n = await isi_libur_data(conn, zona=zona)
    if n:
        await tenggat.sinkronkan(conn, zona=zona, now=now)
    return n


async def daftar(conn: AsyncConnection, tahun: int | None = None) -> list[Libur]:
    """The holidays (lifted ones too), by date; one year when given."""
    q = sa.select(_H).order_by(_H.c.tanggal)
    if tahun is not None:
        q = q.where(_H.c.tanggal >= date(tahun, 1, 1), _H.c.tanggal <= date(tahun, 12, 31))
    return [Libur(r.tanggal, r.nama, r.jenis, r.sumber, bool(r.aktif)) for r in (await conn.execute(q)).all()]


async def _satu(conn: AsyncConnection, tanggal: date) -> Libur | None:
    r = (await conn.execute(sa.select(_H).where(_H.c.tanggal == tanggal))).first()
    return None if r is None else Libur(r.tanggal, r.nama, r.jenis, r.sumber, bool(r.aktif))


def _nilai(l_: Libur | None) -> dict[str, Any] | None:
    return None if l_ is None else {"nama": l_.nama, "jenis": l_.jenis, "sumber": l_.sumber, "aktif": l_.aktif}


def periksa(nama: str, jenis: str) -> tuple[str, str]:
    """A holiday's name and kind as typed, checked (ParseError in Indonesian)."""
    nama = " ".join(nama.split())
    jenis = jenis.strip().lower().replace(" ", "_") or "daerah"
    if not nama:
        raise ParseError("Nama hari libur belum diisi.")
    if len(nama) > MAKS_NAMA:
        raise ParseError(f"Nama hari libur terlalu panjang (maksimal {MAKS_NAMA} karakter).")
    if jenis not in JENIS_LIBUR:
        raise ParseError(f"Jenis hari libur '{jenis}' tidak dikenal; pilih {', '.join(JENIS_LIBUR)}.")
    return nama, jenis


async def _terapkan(conn: AsyncConnection, *, zona: str, now: datetime) -> tenggat.HasilSinkron:
    hasil = await tenggat.sinkronkan(conn, zona=zona, now=now)
    await tenggat.tarik_hari_tanpa_kirim(conn, now=now, zona=zona)
    return hasil


async def tambah(conn: AsyncConnection, tanggal: date, nama: str, jenis: str, *, actor: str, actor_id: int | None,
                 now: datetime, zona: str) -> tenggat.HasilSinkron:
    """Make a day a holiday (or correct its name and kind), audited; the deadlines follow at once."""
    nama, jenis = periksa(nama, jenis)
    lama = await _satu(conn, tanggal)
    if lama is not None and lama.aktif and (lama.nama, lama.jenis) == (nama, jenis):
        raise LiburError(f"{format_date(tanggal)} sudah tercatat sebagai {lama.nama}.")
    await _tulis(conn, tanggal, nama, jenis, lama)
    await audit.record(conn, actor=actor, actor_id=actor_id, action="tambah" if lama is None else "ubah",
                       entity="hari_libur", entity_id=tanggal.isoformat(), old=_nilai(lama),
                       new={"nama": nama, "jenis": jenis, "aktif": True}, now=now)
    return await _terapkan(conn, zona=zona, now=now)


async def _tulis(conn: AsyncConnection, tanggal: date, nama: str, jenis: str, lama: Libur | None) -> None:
    if lama is None:
        await conn.execute(_H.insert().values(tanggal=tanggal, nama=nama, jenis=jenis, sumber="admin", aktif=True))
    else:
        # A corrected package day becomes the admin's: later fills leave it alone anyway (they never overwrite).
        await conn.execute(_H.update().where(_H.c.tanggal == tanggal).values(nama=nama, jenis=jenis, aktif=True))


async def _lepas(conn: AsyncConnection, lama: Libur) -> None:
    if lama.sumber == "admin":
        await conn.execute(_H.delete().where(_H.c.tanggal == lama.tanggal))
    else:  # kept, lifted: the next fill from the package must not bring it back
        await conn.execute(_H.update().where(_H.c.tanggal == lama.tanggal).values(aktif=False))


async def hapus(conn: AsyncConnection, tanggal: date, *, actor: str, actor_id: int | None, now: datetime,
                zona: str) -> tenggat.HasilSinkron:
    """Make a holiday a working day again (a later decree), audited; the deadlines follow at once."""
    lama = await _satu(conn, tanggal)
    if lama is None or not lama.aktif:
        raise LiburError(f"{format_date(tanggal)} bukan hari libur yang tercatat.")
    await _lepas(conn, lama)
    await audit.record(conn, actor=actor, actor_id=actor_id, action="hapus", entity="hari_libur",
                       entity_id=tanggal.isoformat(), old=_nilai(lama), new={"aktif": False}, now=now)
    return await _terapkan(conn, zona=zona, now=now)


# --- import (CSV/XLSX through storage.impor) ------------------------------------------------------------


class Baris(Protocol):
    """An import row as storage.impor gives it."""

    no: int
    data: dict[str, str]
    aksi: str
    galat: list[str]
    nilai: dict[str, Any]


AKSI_IMPOR = ("tambah", "hapus")


async def cek_impor(conn: AsyncConnection, rows: Sequence[Baris], tz: ZoneInfo) -> None:
    """Check import rows: tanggal, nama, jenis (nasional, cuti_bersama, daerah; default daerah), aksi."""
    ada = {x.tanggal: x for x in await daftar(conn)}
    seen: dict[date, int] = {}
    async for b in bergiliran(rows):
        teks_tanggal = b.data.get("tanggal", "").strip()
        aksi = b.data.get("aksi", "").strip().lower() or "tambah"
        if aksi not in AKSI_IMPOR:
            b.galat.append(f"aksi '{aksi[:20]}' tidak dikenal; pilih tambah atau hapus")
            continue
        if not teks_tanggal:
            b.galat.append("tanggal belum diisi")
            continue
        try:
            tanggal = parse_date(teks_tanggal)
        except ParseError as exc:
            b.galat.append(f"tanggal: {exc}")
            continue
        if tanggal in seen:
            b.galat.append(f"tanggal {format_date(tanggal)} sudah ada di baris {seen[tanggal]}")
            continue
        seen[tanggal] = b.no
        lama = ada.get(tanggal)
        if aksi == "hapus":
            if lama is None or not lama.aktif:
                b.galat.append(f"{format_date(tanggal)} bukan hari libur yang tercatat, tidak dapat dihapus")
                continue
            b.aksi, b.nilai = "ubah", {"tanggal": tanggal, "aksi": "hapus"}
            continue
        try:
            nama, jenis = periksa(b.data.get("nama", ""), b.data.get("jenis", ""))
        except ParseError as exc:
            b.galat.append(str(exc))
            continue
        b.aksi = "baru" if lama is None else "ubah"
        b.nilai = {"tanggal": tanggal, "aksi": "tambah", "nama": nama, "jenis": jenis}


async def tulis_impor(conn: AsyncConnection, rows: Iterable[Baris], *, now: datetime, zona: str) -> list[str]:
    """Write checked import rows (the caller audits the import), then recompute the deadlines once."""
    keys: list[str] = []
    for b in rows:
        v = b.nilai
        lama = await _satu(conn, v["tanggal"])
        if v["aksi"] == "hapus":
            if lama is not None:
                await _lepas(conn, lama)
            keys.append(f"hapus {v['tanggal'].isoformat()}")
        else:
            await _tulis(conn, v["tanggal"], v["nama"], v["jenis"], lama)
            keys.append(f"{v['tanggal'].isoformat()} {v['nama']}")
    await _terapkan(conn, zona=zona, now=now)
    return keys

