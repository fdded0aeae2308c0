"""Logistics arrival at polling stations: province → kab/kota → kecamatan → TPS that have not reported.

The bot's /logistik (with its drill-down buttons) and `pantau report logistik` call these same builders.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from reports.tipe import Persen
from storage import logistik


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


class LaporanLogistik(BaseModel):
    """Arrival of logistics at TPS, in total and per kab/kota."""

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


async def build(conn: AsyncConnection, unit_ids: Sequence[int] | None = None) -> LaporanLogistik:
    """Build the logistics report (optionally limited to some kab/kota units)."""
    rows = [BarisKabkota(kode=c.kode, nama=c.nama, tps=c.tps, sulit=c.sulit, tiba=c.tiba, tiba_sulit=c.tiba_sulit,
                         tepat=c.tepat, bermasalah=c.bermasalah, terlambat=c.terlambat, belum=c.tps - c.tiba,
                         tepat_sulit=c.tepat_sulit, bermasalah_sulit=c.bermasalah_sulit,
                         terlambat_sulit=c.terlambat_sulit, eskalasi_terbuka=c.eskalasi_terbuka, unit_id=c.unit_id)
            for c in await logistik.counts_by_kabkota(conn, unit_ids)]

    def s(name: str) -> int:
        return sum(getattr(r, name) for r in rows)

    return LaporanLogistik(
        total_tps=s("tps"), tps_sulit=s("sulit"), tiba=s("tiba"), tiba_sulit=s("tiba_sulit"), tepat=s("tepat"),
        bermasalah=s("bermasalah"), terlambat=s("terlambat"), belum=s("belum"), tepat_sulit=s("tepat_sulit"),
        bermasalah_sulit=s("bermasalah_sulit"), terlambat_sulit=s("terlambat_sulit"),
        eskalasi_terbuka=s("eskalasi_terbuka"), persen_tepat=persen(s("tepat"), s("tps")) if s("tiba") else None,
        kabkota=rows)


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


async def build_kabkota(conn: AsyncConnection, unit_id: int) -> LaporanKabkota | None:
    """One kab/kota and its kecamatan, or None when the unit is not a kab/kota with TPS."""
    top = await build(conn, [unit_id])
    if not top.kabkota:
        return None
    kec = [BarisKecamatan(id=k.id, kode=k.kode, nama=k.nama, tps=k.tps, sulit=k.sulit, tiba=k.tiba, tepat=k.tepat,
                          bermasalah=k.bermasalah, terlambat=k.terlambat, belum=k.tps - k.tiba)
           for k in await logistik.counts_by_kecamatan(conn, unit_id)]
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


async def build_belum_lapor(conn: AsyncConnection, kecamatan_id: int, halaman: int = 0,
                            per_halaman: int = 10) -> DaftarBelumLapor | None:
    """The TPS of a kecamatan without an arrival report, one page (0-based; clamped to the last page)."""
    kec = await logistik.kecamatan(conn, kecamatan_id)
    if kec is None:
        return None
    _, total = await logistik.tps_belum_lapor(conn, kecamatan_id, limit=1)
    pages = max(1, -(-total // per_halaman))
    halaman = min(max(0, halaman), pages - 1)
    rows, total = await logistik.tps_belum_lapor(conn, kecamatan_id, limit=per_halaman, offset=halaman * per_halaman)
    return DaftarBelumLapor(
        kabkota_unit_id=kec[3], kecamatan_id=kec[0], kecamatan=kec[2], total=total, halaman=halaman,
        jumlah_halaman=max(1, -(-total // per_halaman)),
        tps=[TpsBelumLapor(kode=r.kode, nama=r.nama, desa=r.desa, sulit=r.sulit, petugas=list(r.petugas))
             for r in rows],
        petugas_logistik=await logistik.operator_kabkota(conn, kec[3]))
