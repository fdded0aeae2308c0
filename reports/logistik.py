"""Logistics arrival at polling stations: national → province → kab/kota → kecamatan → TPS that have not reported.

The bot's /logistik (with its drill-down buttons), the admin dashboard and `pantau report logistik` call these same
builders. A report lists its rows at the level its scope calls for, read from the organisation tree: kab/kota that
share one parent (a province) are listed one by one; kab/kota under different parents are grouped by the units just
below their closest common ancestor (a national root's provinces), each row the sum of its kab/kota.

Every builder counts the arrival reports of one election event (``pemilihan_id``: the running one in the bot,
``storage.pemilihan.ditampilkan`` elsewhere; None: the reports filed while no event ran).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Unit
from reports.tipe import Persen
from storage import lkjip as sumber
from storage import logistik, org, pemilihan

KABKOTA, PROVINSI, WILAYAH = "kabkota", "provinsi", "wilayah"
_JUMLAH = ("tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat", "belum", "tepat_sulit",
           "bermasalah_sulit", "terlambat_sulit", "eskalasi_terbuka")


def persen(bagian: int, total: int) -> Decimal | None:
    """bagian ÷ total × 100, or None when there is nothing to divide by."""
    return Decimal(bagian) * 100 / Decimal(total) if total else None


class BarisKabkota(BaseModel):
    """One kab/kota's counts (``*_sulit``: among its TPS sulit)."""

    kode: str
    nama: str
    tps: int
    sulit: int
    tiba: int
    tiba_sulit: int
    tepat: int
    bermasalah: int
    terlambat: int
    belum: int
    tepat_sulit: int
    bermasalah_sulit: int
    terlambat_sulit: int
    eskalasi_terbuka: int
    unit_id: int


class BarisWilayah(BarisKabkota):
    """One row at the report's level: a kab/kota, or a unit above kab/kota (a province) summing its kab/kota."""

    tingkat: str  # "kabkota" (drills down to kecamatan), "provinsi" or "wilayah" (drills down to its kab/kota)
    jumlah_kabkota: int


class DistribusiKabkota(BaseModel):
    """One kab/kota's dispatch to its TPS (Tabel 3.15): ballot boxes and bags at the per-TPS norm, dispatch dates."""

    kode: str
    nama: str
    tps: int
    kotak: int
    kantong: int
    kirim_mulai: date | None
    kirim_selesai: date | None


class KirimanPenyedia(BaseModel):
    """A supplier's delivery to the kab/kota warehouses (Tabel 3.13)."""

    jenis: str
    kemasan: int | None
    tanggal_kirim: date | None
    tiba_mulai: date | None
    tiba_selesai: date | None
    moda: str | None


class ModaTransportasi(BaseModel):
    """A transport mode and how many were used to reach PPK, PPS and TPS (Tabel 3.16)."""

    nama: str
    ke_ppk: int | None
    ke_pps: int | None
    ke_tps: int | None


class Distribusi(BaseModel):
    """How the logistics were distributed: per kab/kota (3.15); for a whole report also the supplier deliveries
    (3.13) and the transport modes (3.16), which are recorded for the organisation, not per kab/kota."""

    norma_kotak: int
    norma_kantong: int
    kabkota: list[DistribusiKabkota]
    kotak: int
    kantong: int
    kiriman: list[KirimanPenyedia]
    moda: list[ModaTransportasi]


class LaporanLogistik(BaseModel):
    """Arrival of logistics at TPS, in total, per kab/kota and per row of the scope's level."""

    total_tps: int
    tps_sulit: int
    tiba: int
    tiba_sulit: int
    tepat: int
    bermasalah: int
    terlambat: int
    belum: int
    tepat_sulit: int
    bermasalah_sulit: int
    terlambat_sulit: int
    eskalasi_terbuka: int
    # tepat ÷ all TPS in scope × 100 (indicator 6, as storage.arrivals.persen_tepat); None before any report
    persen_tepat: Persen
    kabkota: list[BarisKabkota]
    # the level the rows below are at ("kabkota", "provinsi"; "wilayah" for anything else or a mix) and the rows
    tingkat: str
    wilayah: list[BarisWilayah]
    # the unit a drilled-down report is limited to (build_wilayah), None for a whole scope
    induk_id: int | None
    induk: str | None
    distribusi: Distribusi | None = None  # build(..., distribusi=True): the command line's report and the LKjIP


class Letak(BaseModel):
    """Where a view sits in its scope's drill-down: the group view above it, or the scope's top view."""

    atas_id: int | None  # None: "back" leads to the scope's top view
    atas: str | None
    tingkat: str  # the level the scope's top view lists


def _tingkat(u: Unit) -> str:
    if u.kind == "kabkota":
        return KABKOTA
    kode = u.kode_wilayah or ""
    return PROVINSI if len(kode) == 2 and kode.isdigit() else WILAYAH  # Kemendagri: a province has two digits


def _satu_tingkat(tingkat: Iterable[str]) -> str:
    """The level of a set of rows: the one they share ("kabkota" when there are none, "wilayah" when mixed)."""
    ada = set(tingkat)
    return ada.pop() if len(ada) == 1 else (KABKOTA if not ada else WILAYAH)


class Pohon:
    """The organisation tree, to find the level a set of kab/kota is listed at."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.unit = {u.id: u for u in units}

    def rantai(self, unit_id: int) -> list[int]:
        """The unit's ancestors from the root down to the unit itself."""
        out: list[int] = []
        u: int | None = unit_id
        while u is not None and u in self.unit and u not in out:  # `not in out`: a broken (cyclic) tree ends here
            out.append(u)
            u = self.unit[u].parent_id
        return out[::-1]

    def kabkota(self, unit_ids: Sequence[int] | None, di: int | None = None) -> list[int]:
        """The kab/kota among ``unit_ids`` (None: all), optionally only those under the unit ``di``."""
        pilih = None if unit_ids is None else set(unit_ids)
        return [u.id for u in self.unit.values() if u.kind == KABKOTA and (pilih is None or u.id in pilih)
                and (di is None or di in self.rantai(u.id))]

    def puncak(self, kab: Sequence[int]) -> int:
        """How many ancestors (from the root) all these kab/kota share: the top view lists the next level."""
        rantai = [self.rantai(k) for k in kab]
        n = 0
        while rantai and all(len(r) > n for r in rantai) and len({r[n] for r in rantai}) == 1:
            n += 1
        return n

    def kelompok(self, kab: Sequence[int]) -> dict[int, int]:
        """Each kab/kota's row: the unit just below their closest common ancestor on its chain (or itself)."""
        n = self.puncak(kab)
        return {k: r[min(n, len(r) - 1)] for k, r in ((k, self.rantai(k)) for k in kab)}

    def kelompok_dari(self, kab: Sequence[int], unit_id: int) -> bool:
        """Whether the unit is a group somewhere in these kab/kota's drill-down (below their common ancestor)."""
        u = self.unit.get(unit_id)
        if u is None or u.kind == KABKOTA:
            return False
        n = self.puncak(kab)
        return any(unit_id in (r := self.rantai(k)) and r.index(unit_id) >= n for k in kab)


def _jumlah(rows: Sequence[BarisKabkota]) -> dict[str, int]:
    return {name: sum(getattr(r, name) for r in rows) for name in _JUMLAH}


async def _susun(conn: AsyncConnection, pohon: Pohon, kab: list[int] | None, induk: Unit | None = None, *,
                 pemilihan_id: int | None) -> LaporanLogistik:
    """The report over these kab/kota (None: every kab/kota, unfiltered)."""
    rows = [BarisKabkota(kode=c.kode, nama=c.nama, tps=c.tps, sulit=c.sulit, tiba=c.tiba, tiba_sulit=c.tiba_sulit,
                         tepat=c.tepat, bermasalah=c.bermasalah, terlambat=c.terlambat, belum=c.tps - c.tiba,
                         tepat_sulit=c.tepat_sulit, bermasalah_sulit=c.bermasalah_sulit,
                         terlambat_sulit=c.terlambat_sulit, eskalasi_terbuka=c.eskalasi_terbuka, unit_id=c.unit_id)
            for c in await logistik.counts_by_kabkota(conn, kab, pemilihan_id=pemilihan_id)]
    kelompok = pohon.kelompok(pohon.kabkota(None) if kab is None else kab)
    per: dict[int, list[BarisKabkota]] = {}
    for r in rows:
        per.setdefault(kelompok.get(r.unit_id, r.unit_id), []).append(r)
    wilayah = []
    for gid, anggota in per.items():
        g = pohon.unit.get(gid)
        if g is None or g.kind == KABKOTA:  # a kab/kota row as it is
            wilayah += [BarisWilayah(**r.model_dump(), tingkat=KABKOTA, jumlah_kabkota=1) for r in anggota]
        else:
            wilayah.append(BarisWilayah(kode=g.code, nama=g.name, unit_id=g.id, tingkat=_tingkat(g),
                                        jumlah_kabkota=len(anggota), **_jumlah(anggota)))
    wilayah.sort(key=lambda w: w.kode)
    total = _jumlah(rows)
    return LaporanLogistik(
        total_tps=total["tps"], tps_sulit=total["sulit"], tiba=total["tiba"], tiba_sulit=total["tiba_sulit"],
        tepat=total["tepat"], bermasalah=total["bermasalah"], terlambat=total["terlambat"], belum=total["belum"],
        tepat_sulit=total["tepat_sulit"], bermasalah_sulit=total["bermasalah_sulit"],
        terlambat_sulit=total["terlambat_sulit"], eskalasi_terbuka=total["eskalasi_terbuka"],
        persen_tepat=persen(total["tepat"], total["tps"]) if total["tiba"] else None, kabkota=rows,
        tingkat=_satu_tingkat(w.tingkat for w in wilayah), wilayah=wilayah,
        induk_id=induk.id if induk else None, induk=induk.name if induk else None)


async def pemilihan_dipilih(conn: AsyncConnection, kode: str | None, hari: date) -> int | None:
    """The event a report outside the bot shows: the one with this code, else the one shown on this day
    (``storage.pemilihan.ditampilkan``); LookupError for an unknown code."""
    if kode:
        e = await pemilihan.by_kode(conn, kode)
        if e is None:
            raise LookupError(f"Pemilihan {kode!r} tidak dikenal.")
        return e.id
    e = await pemilihan.ditampilkan(conn, hari)
    return e.id if e else None


async def build(conn: AsyncConnection, unit_ids: Sequence[int] | None = None, *, pemilihan_id: int | None = None,
                distribusi: bool = False, tahun: int | None = None) -> LaporanLogistik:
    """Build the logistics report of an event (optionally limited to some kab/kota units), rows at its scope's
    level; with `distribusi`, also how the logistics were distributed (supplier deliveries of `tahun`, None: every
    year)."""
    pohon = Pohon(await org.units(conn))
    lap = await _susun(conn, pohon, None if unit_ids is None else pohon.kabkota(unit_ids), pemilihan_id=pemilihan_id)
    if distribusi:
        lap.distribusi = await _distribusi(conn, lap, utuh=unit_ids is None, tahun=tahun)
    return lap


async def _distribusi(conn: AsyncConnection, lap: LaporanLogistik, *, utuh: bool, tahun: int | None) -> Distribusi:
    norma = await sumber.norma_per_tps(conn)
    kotak, kantong = norma.get("KOTAK", 0), norma.get("KANTONG", 0)
    jadwal = await sumber.jadwal_kabkota(conn)
    rows = []
    for k in lap.kabkota:
        j = jadwal.get(k.unit_id)
        rows.append(DistribusiKabkota(kode=k.kode, nama=k.nama, tps=k.tps, kotak=k.tps * kotak,
                                      kantong=k.tps * kantong, kirim_mulai=j.kirim_mulai if j else None,
                                      kirim_selesai=j.kirim_selesai if j else None))
    kiriman = [KirimanPenyedia(jenis=x.jenis, kemasan=x.kemasan or None, tanggal_kirim=x.tanggal_kirim,
                               tiba_mulai=x.tiba_mulai, tiba_selesai=x.tiba_selesai, moda=x.moda)
               for x in await sumber.kiriman_penyedia(conn, tahun)] if utuh else []
    moda = [ModaTransportasi(nama=m.nama, ke_ppk=m.ke_ppk, ke_pps=m.ke_pps, ke_tps=m.ke_tps)
            for m in await sumber.moda(conn)] if utuh else []
    return Distribusi(norma_kotak=kotak, norma_kantong=kantong, kabkota=rows, kotak=sum(r.kotak for r in rows),
                      kantong=sum(r.kantong for r in rows), kiriman=kiriman, moda=moda)


async def build_wilayah(conn: AsyncConnection, unit_ids: Sequence[int] | None,
                        unit_id: int, *, pemilihan_id: int | None = None) -> LaporanLogistik | None:
    """The kab/kota of a scope under one of the groups of its drill-down (a province of the national scope), at
    their own level; None when the unit is no such group of this scope (a forged or stale id)."""
    pohon = Pohon(await org.units(conn))
    kab = pohon.kabkota(unit_ids)
    if not pohon.kelompok_dari(kab, unit_id):
        return None
    lap = await _susun(conn, pohon, pohon.kabkota(kab, di=unit_id), pohon.unit[unit_id], pemilihan_id=pemilihan_id)
    return lap if lap.kabkota else None


async def letak(conn: AsyncConnection, unit_ids: Sequence[int] | None, unit_id: int) -> Letak:
    """Where a kab/kota's or a group's view sits in the scope's drill-down: what "back" leads to."""
    pohon = Pohon(await org.units(conn))
    kab = pohon.kabkota(unit_ids)
    puncak = _satu_tingkat(_tingkat(pohon.unit[g]) for g in pohon.kelompok(kab).values())
    u = pohon.unit.get(unit_id)
    atas = pohon.unit.get(u.parent_id) if u is not None and u.parent_id is not None else None
    if atas is None or not pohon.kelompok_dari(kab, atas.id):
        return Letak(atas_id=None, atas=None, tingkat=puncak)
    return Letak(atas_id=atas.id, atas=atas.name, tingkat=puncak)


class BarisKecamatan(BaseModel):
    """One kecamatan's counts."""

    id: int
    kode: str
    nama: str
    tps: int
    sulit: int
    tiba: int
    tepat: int
    bermasalah: int
    terlambat: int
    belum: int


class LaporanKabkota(BaseModel):
    """One kab/kota with its kecamatan."""

    ringkasan: BarisKabkota
    kecamatan: list[BarisKecamatan]
    petugas_logistik: list[str]


async def build_kabkota(conn: AsyncConnection, unit_id: int, *,
                        pemilihan_id: int | None = None) -> LaporanKabkota | None:
    """One kab/kota and its kecamatan (an event's reports), or None when the unit is not a kab/kota with TPS."""
    top = await build(conn, [unit_id], pemilihan_id=pemilihan_id)
    if not top.kabkota:
        return None
    kec = [BarisKecamatan(id=k.id, kode=k.kode, nama=k.nama, tps=k.tps, sulit=k.sulit, tiba=k.tiba, tepat=k.tepat,
                          bermasalah=k.bermasalah, terlambat=k.terlambat, belum=k.tps - k.tiba)
           for k in await logistik.counts_by_kecamatan(conn, unit_id, pemilihan_id=pemilihan_id)]
    return LaporanKabkota(ringkasan=top.kabkota[0], kecamatan=kec,
                          petugas_logistik=await logistik.operator_kabkota(conn, unit_id))


class TpsBelumLapor(BaseModel):
    """A TPS that has not reported, with who is responsible for it."""

    kode: str
    nama: str
    desa: str
    sulit: bool
    petugas: list[str]


class DaftarBelumLapor(BaseModel):
    """One page of the TPS of a kecamatan that have not reported."""

    kabkota_unit_id: int
    kecamatan_id: int
    kecamatan: str
    total: int
    halaman: int
    jumlah_halaman: int
    tps: list[TpsBelumLapor]
    petugas_logistik: list[str]


async def build_belum_lapor(conn: AsyncConnection, kecamatan_id: int, halaman: int = 0, per_halaman: int = 10, *,
                            pemilihan_id: int | None = None) -> DaftarBelumLapor | None:
    """The TPS of a kecamatan without an arrival report of the event, one page (0-based; clamped to the last
    page)."""
    kec = await logistik.kecamatan(conn, kecamatan_id)
    if kec is None:
        return None
    _, total = await logistik.tps_belum_lapor(conn, kecamatan_id, limit=1, pemilihan_id=pemilihan_id)
    pages = max(1, -(-total // per_halaman))
    halaman = min(max(0, halaman), pages - 1)
    rows, total = await logistik.tps_belum_lapor(conn, kecamatan_id, limit=per_halaman, offset=halaman * per_halaman,
                                                 pemilihan_id=pemilihan_id)
    return DaftarBelumLapor(
        kabkota_unit_id=kec[3], kecamatan_id=kec[0], kecamatan=kec[2], total=total, halaman=halaman,
        jumlah_halaman=max(1, -(-total // per_halaman)),
        tps=[TpsBelumLapor(kode=r.kode, nama=r.nama, desa=r.desa, sulit=r.sulit, petugas=list(r.petugas))
             for r in rows],
        petugas_logistik=await logistik.operator_kabkota(conn, kec[3]))
