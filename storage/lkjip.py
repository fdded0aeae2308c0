"""What the LKjIP draft reads beyond the report builders: decrees, published figures, transport modes, deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t


@dataclass(frozen=True)
class Keputusan:
    """One decree of the year (Tabel 3.9)."""

    nomor: str
    tentang: str
    status: str


@dataclass(frozen=True)
class AngkaTerbit:
    """A figure as the published report prints it, and why it differs from the data."""

    tabel: str
    baris: str
    kolom: str
    nilai: str
    lokasi: str | None
    catatan: str


@dataclass(frozen=True)
class Moda:
    """A transport mode and how many were used to reach PPK, PPS and TPS (Tabel 3.16)."""

    nama: str
    ke_ppk: int | None
    ke_pps: int | None
    ke_tps: int | None


@dataclass(frozen=True)
class KirimanPenyedia:
    """A supplier's delivery to the kab/kota warehouses (Tabel 3.13)."""

    jenis: str
    kemasan: int
    tanggal_kirim: date | None
    tiba_mulai: date | None
    tiba_selesai: date | None
    moda: str | None
    catatan: str | None


@dataclass(frozen=True)
class JadwalKabkota:
    """A kab/kota's dispatch dates to its TPS (Tabel 3.15)."""

    kabkota_unit_id: int
    kirim_mulai: date | None
    kirim_selesai: date | None
    catatan: str | None


async def keputusan(conn: AsyncConnection, tahun: int) -> list[Keputusan]:
    """The year's decrees, newest number first, as the report lists them."""
    rows = (await conn.execute(sa.select(t.keputusan).where(t.keputusan.c.tahun == tahun))).all()
    urut = sorted(rows, key=lambda r: (-int(r.nomor) if r.nomor.isdigit() else 0, r.nomor))
    return [Keputusan(r.nomor, r.tentang, r.status) for r in urut]


async def angka_terbit(conn: AsyncConnection, tahun: int) -> dict[tuple[str, str, str], AngkaTerbit]:
    """The published figures of a year that differ from the data, by (tabel, baris, kolom)."""
    q = sa.select(t.angka_terbit).where(t.angka_terbit.c.tahun == tahun)
    return {(r.tabel, r.baris, r.kolom): AngkaTerbit(r.tabel, r.baris, r.kolom, r.nilai, r.lokasi, r.catatan)
            for r in (await conn.execute(q)).all()}


async def moda(conn: AsyncConnection) -> list[Moda]:
    """Transport modes in their recorded order."""
    q = sa.select(t.transport_modes).order_by(t.transport_modes.c.id)
    return [Moda(r.nama, r.ke_ppk, r.ke_pps, r.ke_tps) for r in (await conn.execute(q)).all()]


async def kiriman_penyedia(conn: AsyncConnection, tahun: int | None = None) -> list[KirimanPenyedia]:
    """Supplier deliveries sent in the year (None: every year), in recorded order."""
    c = t.supplier_deliveries.c
    q = sa.select(t.supplier_deliveries).order_by(c.id)
    if tahun is not None:
        q = q.where(sa.or_(c.tanggal_kirim.is_(None),
                           c.tanggal_kirim.between(date(tahun, 1, 1), date(tahun, 12, 31))))
    return [KirimanPenyedia(r.jenis, r.kemasan, r.tanggal_kirim, r.tiba_mulai, r.tiba_selesai, r.moda, r.catatan)
            for r in (await conn.execute(q)).all()]


async def jadwal_kabkota(conn: AsyncConnection) -> dict[int, JadwalKabkota]:
    """Each kab/kota's dispatch window, by unit id."""
    rows = (await conn.execute(sa.select(t.logistics_schedule))).all()
    return {r.kabkota_unit_id: JadwalKabkota(r.kabkota_unit_id, r.kirim_mulai, r.kirim_selesai, r.catatan)
            for r in rows}


async def norma_per_tps(conn: AsyncConnection) -> dict[str, int]:
    """The fixed per-TPS norm of each logistics item with one (e.g. KOTAK 2, KANTONG 1)."""
    q = sa.select(t.logistics_items.c.kode, t.logistics_items.c.per_tps).where(t.logistics_items.c.per_tps.isnot(None))
    return {k: int(n) for k, n in (await conn.execute(q)).all()}
