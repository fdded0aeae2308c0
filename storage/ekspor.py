"""Queries behind the admins' exports, streamed from the database in batches (server-side iteration).

Exports are the one place where rows are not turned into domain objects: a national export is 800.000+ rows, and
building a dataclass per row would halve the speed for nothing. Each query's columns are listed beside it, and
reports/ekspor.py names them for people. Secrets never appear here: no invite codes, no login or session tokens.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t

UKURAN_BATCH = 5000


def _tps() -> sa.Select[Any]:
    kab, prov = t.units.alias("kab"), t.units.alias("prov")
    kec, desa = t.wilayah.alias("kec"), t.wilayah.alias("desa")
    return (sa.select(t.tps.c.kode, t.tps.c.nama, prov.c.name, kab.c.code, kab.c.name, kec.c.kode, kec.c.nama,
                      desa.c.kode, desa.c.nama, t.tps.c.dpt, t.tps.c.sulit, t.tps.c.generated)
            .select_from(t.tps.join(kab, kab.c.id == t.tps.c.kabkota_unit_id)
                         .outerjoin(prov, prov.c.id == kab.c.parent_id)
                         .join(kec, kec.c.id == t.tps.c.kecamatan_id).join(desa, desa.c.id == t.tps.c.desa_id))
            .order_by(t.tps.c.kode))


def _pengguna() -> sa.Select[Any]:
    n_tps = (sa.select(t.user_tps.c.user_id, sa.func.count().label("n")).group_by(t.user_tps.c.user_id)
             .subquery())
    u = t.users
    return (sa.select(u.c.id, u.c.name, u.c.username, u.c.telegram_id, u.c.role, u.c.status, t.units.c.code,
                      t.units.c.name, u.c.is_head, sa.func.coalesce(n_tps.c.n, 0), u.c.created_at)
            .select_from(u.outerjoin(t.units, t.units.c.id == u.c.unit_id)
                         .outerjoin(n_tps, n_tps.c.user_id == u.c.id))
            .order_by(u.c.id))


def _realisasi() -> sa.Select[Any]:
    r, i = t.realisations, t.indicators
    pelapor, verifikator = t.users.alias("pelapor"), t.users.alias("verifikator")
    terbaru = (sa.select(r.c.indicator_id, r.c.periode, sa.func.max(r.c.versi).label("v"))
               .group_by(r.c.indicator_id, r.c.periode).subquery())
    return (sa.select(i.c.kode, i.c.nama, t.units.c.code, r.c.tahun, r.c.periode, r.c.versi,
                      (r.c.versi == terbaru.c.v).label("terbaru"), i.c.jenis, r.c.nilai, r.c.status, r.c.sumber,
                      pelapor.c.name, r.c.created_at, verifikator.c.name, r.c.verified_at, r.c.verify_note,
                      r.c.alasan_koreksi, r.c.catatan, r.c.hambatan, r.c.upaya)
            .select_from(r.join(i, i.c.id == r.c.indicator_id).join(t.units, t.units.c.id == i.c.unit_id)
                         .join(terbaru, sa.and_(terbaru.c.indicator_id == r.c.indicator_id,
                                                terbaru.c.periode == r.c.periode))
                         .outerjoin(pelapor, pelapor.c.id == r.c.author_id)
                         .outerjoin(verifikator, verifikator.c.id == r.c.verified_by))
            .order_by(i.c.kode, r.c.tahun, r.c.periode, r.c.versi))


def _anggaran() -> sa.Select[Any]:
    b, induk, br = t.budget_lines, t.budget_lines.alias("induk"), t.budget_realisations
    return (sa.select(b.c.tahun, b.c.tingkat, b.c.kode, induk.c.kode, b.c.nama, t.units.c.code, b.c.pagu,
                      br.c.periode, br.c.versi, br.c.jumlah, br.c.sumber, br.c.catatan, br.c.created_at)
            .select_from(b.outerjoin(induk, induk.c.id == b.c.parent_id)
                         .outerjoin(t.units, t.units.c.id == b.c.unit_id)
                         .outerjoin(br, br.c.budget_line_id == b.c.id))
            .order_by(b.c.tahun, b.c.id, br.c.periode, br.c.versi))


def _rencana_aksi() -> sa.Select[Any]:
    ra, p = t.rencana_aksi, t.rencana_progress
    terbaru = sa.select(p.c.rencana_id, sa.func.max(p.c.versi).label("v")).group_by(p.c.rencana_id).subquery()
    return (sa.select(ra.c.tahun, ra.c.kode, ra.c.uraian, t.units.c.code, ra.c.pagu, ra.c.volume, ra.c.satuan,
                      ra.c.bulan_mulai, ra.c.bulan_selesai, ra.c.jadwal_demo, p.c.status, p.c.progres, p.c.versi,
                      p.c.catatan, p.c.created_at)
            .select_from(ra.join(t.units, t.units.c.id == ra.c.unit_id)
                         .outerjoin(terbaru, terbaru.c.rencana_id == ra.c.id)
                         .outerjoin(p, sa.and_(p.c.rencana_id == terbaru.c.rencana_id, p.c.versi == terbaru.c.v)))
            .order_by(ra.c.tahun, ra.c.kode))


def _tahapan() -> sa.Select[Any]:
    sc, vs = t.stage_completions, t.voter_stages
    return (sa.select(vs.c.tahun, vs.c.no, vs.c.nama, vs.c.mulai, vs.c.selesai, vs.c.pelaksana, t.units.c.code,
                      t.units.c.name, sc.c.versi, sc.c.selesai_pada, sc.c.sumber, sc.c.catatan, t.users.c.name,
                      sc.c.created_at)
            .select_from(sc.join(vs, vs.c.id == sc.c.stage_id).join(t.units, t.units.c.id == sc.c.unit_id)
                         .outerjoin(t.users, t.users.c.id == sc.c.author_id))
            .order_by(vs.c.tahun, vs.c.no, t.units.c.code, sc.c.versi))


def _kedatangan() -> sa.Select[Any]:
    ar, al, it, tm = t.arrival_reports, t.arrival_lines, t.logistics_items, t.transport_modes
    kab = t.units.alias("kab")
    # The mode's name as people know it ("Mobil Pick Up"), the stored code only for a mode no longer listed.
    return (sa.select(ar.c.nomor, t.tps.c.kode, kab.c.code, kab.c.name, ar.c.versi, ar.c.jenis, ar.c.tiba_pada,
                      sa.func.coalesce(tm.c.nama, ar.c.moda), ar.c.lengkap, ar.c.tepat, ar.c.terlambat,
                      ar.c.foto_file_id.is_not(None),
                      ar.c.alasan_tanpa_foto, ar.c.lat, ar.c.lon, ar.c.alasan, t.users.c.name, ar.c.created_at,
                      it.c.kode, it.c.nama, al.c.diharapkan, al.c.diterima, al.c.rusak, al.c.salah_jenis,
                      al.c.catatan)
            .select_from(ar.join(t.tps, t.tps.c.id == ar.c.tps_id)
                         .join(kab, kab.c.id == t.tps.c.kabkota_unit_id)
                         .outerjoin(t.users, t.users.c.id == ar.c.reporter_id)
                         .outerjoin(tm, tm.c.kode == ar.c.moda)
                         .outerjoin(al, al.c.report_id == ar.c.id)
                         .outerjoin(it, it.c.id == al.c.item_id))
            .order_by(t.tps.c.kode, ar.c.versi, it.c.urutan))


def _audit() -> sa.Select[Any]:
    a = t.audit_log
    return (sa.select(a.c.id, a.c.at, a.c.actor, a.c.actor_id, a.c.action, a.c.entity, a.c.entity_id, a.c.old,
                      a.c.new).order_by(a.c.id))


KUERI: dict[str, Callable[[], sa.Select[Any]]] = {
    "tps": _tps,
    "pengguna": _pengguna,
    "realisasi": _realisasi,
    "anggaran": _anggaran,
    "rencana_aksi": _rencana_aksi,
    "tahapan": _tahapan,
    "kedatangan": _kedatangan,
    "audit": _audit,
}


async def hitung(conn: AsyncConnection, nama: str) -> int:
    """How many rows an export will have."""
    q = KUERI[nama]().order_by(None).subquery()
    return int((await conn.execute(sa.select(sa.func.count()).select_from(q))).scalar_one())


def _buka(conn: sa.Connection, q: sa.Select[Any]) -> tuple[sa.CursorResult[Any], list[tuple[int, Any]]]:
    """Run the query on a server-side cursor; with it, the converters of the columns the driver leaves raw."""
    hasil = conn.execute(q, execution_options={"stream_results": True})
    d = conn.dialect
    jenis = [c.type.dialect_impl(d) for c in q.selected_columns]
    ubah = [(i, f) for i, (j, desc) in enumerate(zip(jenis, hasil.cursor.description, strict=True))
            if (f := j.result_processor(d, desc[1])) is not None]
    return hasil, ubah


async def alirkan_kolom(conn: AsyncConnection, nama: str, *, batas: int | None = None,
                        ukuran: int = UKURAN_BATCH) -> AsyncGenerator[list[Sequence[Any]], None]:
    """The rows of an export in batches, column by column (one sequence of values per column of the query).

    The driver's own rows are fetched `ukuran` at a time from a server-side cursor, so memory stays flat, and each
    batch is turned into columns in one step: no SQLAlchemy Row per row. Only the columns whose type the driver
    does not give back as Python values (SQLite's booleans, dates and JSON; timestamps made aware) go through
    SQLAlchemy's converter for that column, so the values are the ones `conn.execute` would give.
    """
    q = KUERI[nama]()
    if batas is not None:
        q = q.limit(batas)
    hasil, ubah = await conn.run_sync(_buka, q)
    try:
        # SQLAlchemy has already read ahead the first row of a server-side cursor: the first batch goes through it.
        awal = await conn.run_sync(lambda _c: hasil.fetchmany(ukuran))
        if awal:
            yield list(zip(*awal, strict=True))
        if len(awal) < ukuran:
            return
        cursor = hasil.cursor
        while baris := await conn.run_sync(lambda _c: cursor.fetchmany(ukuran)):
            kolom: list[Sequence[Any]] = list(zip(*baris, strict=True))
            del baris  # the rows' tuples go now: only the columns stay while the caller writes them
            for i, f in ubah:
                kolom[i] = list(map(f, kolom[i]))
            yield kolom
    finally:
        await conn.run_sync(lambda _c: hasil.close())


async def alirkan(conn: AsyncConnection, nama: str, *, batas: int | None = None,
                  ukuran: int = UKURAN_BATCH) -> AsyncGenerator[list[tuple[Any, ...]], None]:
    """The rows of an export in batches of tuples (`alirkan_kolom` turned back into rows)."""
    sumber = alirkan_kolom(conn, nama, batas=batas, ukuran=ukuran)
    try:
        async for kolom in sumber:
            yield list(zip(*kolom, strict=True))
    finally:
        await sumber.aclose()
