"""Logistics: counts of TPS and arrivals per kab/kota and kecamatan, TPS that have not reported, the warehouse.

"Tiba" is a TPS with an arrival report; the counts judge each TPS by its latest report: ``tepat``,
``bermasalah`` (not complete and good: short, damaged or wrong type) and ``terlambat`` (late). The per-kab/kota
counts come from ``tiba_kabkota``, which every report updates in its own transaction (``catat_laporan``) and every
bulk write recounts (``hitung_ulang``); the kecamatan counts are read from the reports themselves.

Every count is of one election event (``pemilihan_id``; None: the reports filed while no event ran): a TPS is judged
by its latest report *of that event*, so a 2024 report is no arrival for a later event. The summary keeps one row
per event and kab/kota (``TANPA_ACARA`` is the key of the reports without an event).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Pengguna
from storage import audit
from storage import tables as t
from storage.db import KUNCI_RINGKASAN
from storage.sql import dialect_insert


@dataclass(frozen=True)
class HitungKabkota:
    """Counts for one kab/kota (``*_sulit``: among its TPS sulit)."""

    unit_id: int
    kode: str
    nama: str
    tps: int
    sulit: int
    tiba: int
    tiba_sulit: int
    tepat: int
    bermasalah: int
    terlambat: int
    tepat_sulit: int = 0
    bermasalah_sulit: int = 0
    terlambat_sulit: int = 0
    eskalasi_terbuka: int = 0


@dataclass(frozen=True)
class HitungKecamatan:
    """Counts for one kecamatan."""

    id: int
    kode: str
    nama: str
    tps: int
    sulit: int
    tiba: int
    tepat: int
    bermasalah: int
    terlambat: int


@dataclass(frozen=True)
class TpsBelum:
    """A TPS without an arrival report, with the officers responsible for it."""

    id: int
    kode: str
    nama: str
    desa: str
    sulit: bool
    petugas: tuple[str, ...]


def _n(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.count(sa.case((cond, sa.literal(1))))


TANPA_ACARA = 0  # tiba_kabkota's key for the reports filed while no election event ran


def _acara(kolom: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """A report's event as the summary keys it (``TANPA_ACARA`` for none)."""
    return sa.func.coalesce(kolom, TANPA_ACARA)


def _kunci(pemilihan_id: int | None) -> int:
    return TANPA_ACARA if pemilihan_id is None else pemilihan_id


async def _tiba_per(conn: AsyncConnection, kunci: sa.ColumnElement[int],
                    where: sa.ColumnElement[bool] | None,
                    pemilihan_id: int | None = None) -> dict[int, list[int]]:
    """Per ``kunci`` (a column of tps): tiba, tepat, bermasalah, terlambat, and the same among TPS sulit, among
    the reports of one event.

    Each TPS is judged by its latest report: the one with no newer version. This anti-join on the (tps_id, versi)
    key judges only the reports being counted; finding the latest version by ``max(versi) GROUP BY tps_id`` first
    did so for every TPS in the country, even for one kab/kota (~1 s nationally, now ~10 ms)."""
    a, b = t.arrival_reports, t.arrival_reports.alias("lebih_baru")
    sulit = t.tps.c.sulit == sa.true()
    cek = [sa.true(), a.c.tepat == sa.true(), a.c.lengkap == sa.false(), a.c.terlambat == sa.true()]
    q = (sa.select(kunci, *(_n(c) for c in cek), *(_n(sa.and_(sulit, c)) for c in cek))
         .select_from(a.join(t.tps, t.tps.c.id == a.c.tps_id))
         .where(_acara(a.c.pemilihan_id) == _kunci(pemilihan_id),
                ~sa.exists().where(b.c.tps_id == a.c.tps_id, b.c.versi > a.c.versi,
                                   _acara(b.c.pemilihan_id) == _kunci(pemilihan_id)))
         .group_by(kunci))
    if where is not None:
        q = q.where(where)
    return {r[0]: [int(x) for x in r[1:]] for r in (await conn.execute(q)).all()}


# What one TPS adds to its kab/kota's row of tiba_kabkota, given its latest report's (tepat, lengkap, terlambat) or
# None; the same judgement as ``_tiba_per``'s (a test holds the two together).
_RINGKASAN = ("tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat", "tepat_sulit",
              "bermasalah_sulit", "terlambat_sulit")
_URUTAN_TIBA = ("tiba", "tepat", "bermasalah", "terlambat", "tiba_sulit", "tepat_sulit", "bermasalah_sulit",
                "terlambat_sulit")  # _tiba_per's order
Penilaian = tuple[bool, bool, bool]


def _bagian(sulit: bool, terakhir: Penilaian | None) -> dict[str, int]:
    tiba, (tepat, lengkap, telat) = terakhir is not None, terakhir or (False, True, False)
    nilai = {"tiba": tiba, "tepat": tepat, "bermasalah": tiba and not lengkap, "terlambat": telat}
    out = {"tps": 1, "sulit": int(sulit)} | {k: int(v) for k, v in nilai.items()}
    return out | {f"{k}_sulit": int(sulit and v) for k, v in nilai.items()}


async def catat_laporan(conn: AsyncConnection, kabkota_unit_id: int, sulit: bool, lama: Penilaian | None,
                        baru: Penilaian, *, pemilihan_id: int | None = None) -> None:
    """Move a TPS's share of its kab/kota's summary for the report's event from its previous latest report of that
    event to its new one (the report's transaction: on PostgreSQL the row stays locked until it commits, so
    concurrent reports add up)."""
    sebelum, sesudah = _bagian(sulit, lama), _bagian(sulit, baru)
    beda = {k: sesudah[k] - sebelum[k] for k in _RINGKASAN if sesudah[k] != sebelum[k]}
    if not beda:
        return
    r = t.tiba_kabkota
    ubah = (r.update().where(r.c.pemilihan_id == _kunci(pemilihan_id), r.c.kabkota_unit_id == kabkota_unit_id)
            .values({k: r.c[k] + d for k, d in beda.items()}))
    dikunci = False
    for _ in range(5):
        if (await conn.execute(ubah)).rowcount:
            return
        # No row (a recount just replaced it, the event's first report in this kab/kota, or a kab/kota whose TPS
        # came in without one): count the kab/kota whole, every event. On PostgreSQL another report may be doing the
        # same; whoever inserts second finds the first's row, which does not hold this report yet, and goes round
        # again to add this report's share to it.
        if conn.dialect.name != "postgresql":
            await _hitung_ulang(conn, [kabkota_unit_id], timpa=False)  # SQLite: one writer at a time, no such race
            return
        if not dikunci:
            # Reports finding no row recount one at a time (a lock of this kab/kota's summary until commit): the
            # next one then finds the row the first inserted and only adds to it. Without it, a burst of first
            # reports recounted side by side, each recount deleting the row the one before had just inserted, and
            # some reports ran out of rounds.
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(KUNCI_RINGKASAN, kabkota_unit_id)))
            dikunci = True
            continue
        try:
            async with conn.begin_nested():
                await _hitung_ulang(conn, [kabkota_unit_id], timpa=False)
            return
        except sa.exc.IntegrityError:
            continue
    raise RuntimeError(f"ringkasan ketibaan kab/kota {kabkota_unit_id} terus berubah; laporan diulang")


async def hitung_ulang(conn: AsyncConnection, unit_ids: Sequence[int] | None = None) -> None:
    """Recompute the summary of these kab/kota (None: all) from their TPS and latest reports, one row per kab/kota
    for the reports without an event and one per event that has reports. Every bulk write of TPS or reports (demo,
    generated dataset, import) calls it in its own transaction."""
    await _hitung_ulang(conn, unit_ids, timpa=True)


async def _hitung_ulang(conn: AsyncConnection, unit_ids: Sequence[int] | None, *, timpa: bool) -> None:
    """The recount; ``timpa``: a row a report in flight inserted meanwhile is overwritten (this count, made after
    that report committed, holds it), else the insert fails and the report goes round again."""
    r = t.tiba_kabkota
    hapus = r.delete()
    if unit_ids is not None:
        hapus = hapus.where(r.c.kabkota_unit_id.in_(list(unit_ids)))
    # Delete first, count after: on PostgreSQL the delete waits for reports in flight that updated these rows,
    # so the count below sees them; a report that comes later finds no row and recounts its kab/kota itself.
    await conn.execute(hapus)
    pilih = None if unit_ids is None else t.tps.c.kabkota_unit_id.in_(list(unit_ids))
    q = (sa.select(t.tps.c.kabkota_unit_id, sa.func.count(), _n(t.tps.c.sulit == sa.true()))
         .group_by(t.tps.c.kabkota_unit_id))
    if pilih is not None:
        q = q.where(pilih)
    a = t.arrival_reports
    q_acara = sa.select(a.c.pemilihan_id).where(a.c.pemilihan_id.is_not(None)).distinct()
    if pilih is not None:
        q_acara = q_acara.where(a.c.tps_id.in_(sa.select(t.tps.c.id).where(pilih)))
    acara: list[int | None] = [None, *sorted((await conn.execute(q_acara)).scalars().all())]
    hitung = (await conn.execute(q)).all()
    rows = []
    for pid in acara:
        tiba = await _tiba_per(conn, t.tps.c.kabkota_unit_id, pilih, pid)
        # An event has a row only where it has reports, as when ``catat_laporan`` adds its first one.
        rows += [{"pemilihan_id": _kunci(pid), "kabkota_unit_id": k, "tps": int(n), "sulit": int(s)}
                 | dict(zip(_URUTAN_TIBA, tiba.get(k, [0] * 8), strict=True)) for k, n, s in hitung
                 if pid is None or k in tiba]
    if not rows:
        return
    if not timpa:
        await conn.execute(r.insert(), rows)
        return
    # (PostgreSQL: the delete above waited for a report that recounted its kab/kota, but cannot see the rows that
    # report inserted; the count below, a later statement, sees its report.)
    ins = dialect_insert(conn, r)
    await conn.execute(ins.on_conflict_do_update(index_elements=["pemilihan_id", "kabkota_unit_id"],
                                                 set_={k: ins.excluded[k] for k in _RINGKASAN}), rows)


async def counts_by_kabkota(conn: AsyncConnection, unit_ids: Sequence[int] | None = None, *,
                            pemilihan_id: int | None = None) -> list[HitungKabkota]:
    """Per kab/kota with TPS: TPS, TPS sulit, TPS with an arrival report of the event, how their latest reports of
    it judge them (from the summary kept with every report), open escalations."""
    r, e_ = t.tiba_kabkota, t.tiba_kabkota.alias("acara")
    # The TPS are counted in the row of the reports without an event, which every kab/kota with TPS has; the
    # event's row (none before its first report there) gives the arrivals.
    q = (sa.select(t.units.c.id, t.units.c.code, t.units.c.name, r.c.tps, r.c.sulit,
                   *(sa.func.coalesce(e_.c[k], 0) for k in _RINGKASAN[2:]))
         .select_from(t.units.join(r, sa.and_(r.c.kabkota_unit_id == t.units.c.id, r.c.pemilihan_id == TANPA_ACARA))
                      .outerjoin(e_, sa.and_(e_.c.kabkota_unit_id == t.units.c.id,
                                             e_.c.pemilihan_id == _kunci(pemilihan_id))))
         .where(t.units.c.kind == "kabkota", r.c.tps > 0).order_by(t.units.c.code))
    e, a = t.escalations, t.arrival_reports
    # the event's own open problems: those of another event's (or no event's) reports are not this one's
    q_open = (sa.select(e.c.kabkota_unit_id, sa.func.count()).select_from(e.join(a, a.c.id == e.c.report_id))
              .where(e.c.status == "terbuka", _acara(a.c.pemilihan_id) == _kunci(pemilihan_id))
              .group_by(e.c.kabkota_unit_id))
    if unit_ids is not None:
        q = q.where(t.units.c.id.in_(list(unit_ids)))
        q_open = q_open.where(e.c.kabkota_unit_id.in_(list(unit_ids)))
    open_: dict[int, int] = {k: int(n) for k, n in (await conn.execute(q_open)).all()}
    out = []
    for x in (await conn.execute(q)).all():
        n = dict(zip(_RINGKASAN, (int(v) for v in x[3:]), strict=True))
        out.append(HitungKabkota(x[0], x[1], x[2], n["tps"], n["sulit"], n["tiba"], n["tiba_sulit"], n["tepat"],
                                 n["bermasalah"], n["terlambat"], n["tepat_sulit"], n["bermasalah_sulit"],
                                 n["terlambat_sulit"], open_.get(x[0], 0)))
    return out


async def counts_by_kecamatan(conn: AsyncConnection, kabkota_unit_id: int, *,
                              pemilihan_id: int | None = None) -> list[HitungKecamatan]:
    """Per kecamatan of one kab/kota: TPS, TPS sulit, arrivals of the event and their judgement."""
    w = t.wilayah
    q = (sa.select(w.c.id, w.c.kode, w.c.nama, sa.func.count(t.tps.c.id), _n(t.tps.c.sulit == sa.true()))
         .select_from(w.join(t.tps, t.tps.c.kecamatan_id == w.c.id))
         .where(w.c.kabkota_unit_id == kabkota_unit_id, w.c.tingkat == "kecamatan")
         .group_by(w.c.id, w.c.kode, w.c.nama).order_by(w.c.kode))
    kec = sa.select(w.c.id).where(w.c.kabkota_unit_id == kabkota_unit_id, w.c.tingkat == "kecamatan")
    tiba = await _tiba_per(conn, t.tps.c.kecamatan_id, t.tps.c.kecamatan_id.in_(kec), pemilihan_id)
    return [HitungKecamatan(r[0], r[1], r[2], int(r[3]), int(r[4]), *tiba.get(r[0], [0] * 8)[:4])
            for r in (await conn.execute(q)).all()]


async def kecamatan(conn: AsyncConnection, kecamatan_id: int) -> tuple[int, str, str, int] | None:
    """(id, kode, nama, kab/kota unit id) of a kecamatan, or None."""
    w = t.wilayah
    r = (await conn.execute(sa.select(w.c.id, w.c.kode, w.c.nama, w.c.kabkota_unit_id)
                            .where(w.c.id == kecamatan_id, w.c.tingkat == "kecamatan"))).first()
    return (r[0], r[1], r[2], r[3]) if r else None


async def tps_belum_lapor(conn: AsyncConnection, kecamatan_id: int, *, limit: int, offset: int = 0,
                          pemilihan_id: int | None = None) -> tuple[list[TpsBelum], int]:
    """TPS of a kecamatan without an arrival report of the event (code order, paged) with their officers; and how
    many."""
    a = t.arrival_reports
    desa = t.wilayah.alias("desa")
    belum = sa.and_(t.tps.c.kecamatan_id == kecamatan_id,
                    ~sa.exists().where(a.c.tps_id == t.tps.c.id, _acara(a.c.pemilihan_id) == _kunci(pemilihan_id)))
    total = (await conn.execute(sa.select(sa.func.count()).select_from(t.tps).where(belum))).scalar_one()
    rows = (await conn.execute(sa.select(t.tps.c.id, t.tps.c.kode, t.tps.c.nama, desa.c.nama, t.tps.c.sulit)
                               .join(desa, desa.c.id == t.tps.c.desa_id).where(belum).order_by(t.tps.c.kode)
                               .limit(limit).offset(offset))).all()
    petugas = await petugas_tps(conn, [r[0] for r in rows])
    return [TpsBelum(r[0], r[1], r[2], r[3], bool(r[4]), tuple(petugas.get(r[0], []))) for r in rows], int(total)


async def petugas_tps(conn: AsyncConnection, tps_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of the active field officers of each TPS."""
    if not tps_ids:
        return {}
    u = t.users
    q = (sa.select(t.user_tps.c.tps_id, u.c.name).join(u, u.c.id == t.user_tps.c.user_id)
         .where(t.user_tps.c.tps_id.in_(list(tps_ids)), u.c.status == "aktif").order_by(u.c.name))
    out: dict[int, list[str]] = {}
    for tps_id, name in (await conn.execute(q)).all():
        out.setdefault(tps_id, []).append(name)
    return out


async def operator_kabkota(conn: AsyncConnection, kabkota_unit_id: int) -> list[str]:
    """The names of the active operators (logistics officers) of a KPU kab/kota."""
    u = t.users
    q = (sa.select(u.c.name).where(u.c.role == "operator", u.c.status == "aktif", u.c.unit_id == kabkota_unit_id)
         .order_by(u.c.name))
    return list((await conn.execute(q)).scalars().all())


def _pk(res: sa.CursorResult[Any]) -> int:
    key = res.inserted_primary_key
    assert key is not None
    return int(key[0])


# --- the warehouse pipeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Penerimaan:
    """A supplier delivery received at a kab/kota warehouse."""

    id: int
    jenis: str
    kemasan: int
    tanggal: date | None
    kondisi: str


@dataclass(frozen=True)
class Pengiriman:
    """A dispatch from the warehouse to PPK, PPS or TPS."""

    id: int
    tujuan: str
    kecamatan: str | None
    tanggal: date
    moda: str | None


@dataclass(frozen=True)
class StatusGudang:
    """Where a kab/kota's logistics are: received at the warehouse → dispatched → arrived at the TPS."""

    penerimaan: list[Penerimaan]
    pengiriman: list[Pengiriman]
    tps: int
    dikirim: int  # TPS covered by a dispatch
    tiba: int  # TPS with an arrival report


async def catat_penerimaan(conn: AsyncConnection, *, kabkota_unit_id: int, item_id: int, kemasan: int,
                           tanggal: date, kondisi: str, oleh: Pengguna, now: datetime,
                           catatan: str | None = None, draf: str | None = None) -> int:
    """Record a supplier delivery received at the warehouse (audited); returns its id.

    A draft (`draf`) already stored by this author gives back that delivery's id and writes nothing.
    """
    if draf is not None and (sudah := await _dari_draf(conn, t.supplier_deliveries, draf, oleh.id)) is not None:
        return sudah
    item = (await conn.execute(sa.select(t.logistics_items.c.nama).where(t.logistics_items.c.id == item_id))).scalar()
    if item is None:
        raise LookupError(f"jenis logistik {item_id} tidak dikenal")
    res = await conn.execute(t.supplier_deliveries.insert().values(
        kabkota_unit_id=kabkota_unit_id, item_id=item_id, jenis=item, kemasan=kemasan, tiba_mulai=tanggal,
        tiba_selesai=tanggal, kondisi=kondisi, catatan=catatan, author_id=oleh.id, draf=draf,
        created_at=now))
    rid = _pk(res)
    await audit.record(conn, actor=oleh.name, actor_id=oleh.id, action="terima", entity="gudang_terima", entity_id=rid,
                       new={"jenis": item, "kemasan": kemasan, "tanggal": tanggal.isoformat(), "kondisi": kondisi},
                       now=now)
    return rid


async def catat_pengiriman(conn: AsyncConnection, *, kabkota_unit_id: int, tujuan: str, kecamatan_id: int | None,
                           tanggal: date, moda: str | None, oleh: Pengguna, now: datetime,
                           draf: str | None = None) -> int:
    """Record a dispatch from the warehouse (kecamatan None: the whole kab/kota), audited; returns its id.

    A draft (`draf`) already stored by this author gives back that dispatch's id and writes nothing.
    """
    if draf is not None and (sudah := await _dari_draf(conn, t.dispatches, draf, oleh.id)) is not None:
        return sudah
    if tujuan not in ("ppk", "pps", "tps"):
        raise ValueError(f"tujuan tidak dikenal: {tujuan!r}")
    res = await conn.execute(t.dispatches.insert().values(
        kabkota_unit_id=kabkota_unit_id, tujuan=tujuan, kecamatan_id=kecamatan_id, tanggal=tanggal, moda=moda,
        author_id=oleh.id, draf=draf, created_at=now))
    rid = _pk(res)
    await audit.record(conn, actor=oleh.name, actor_id=oleh.id, action="kirim", entity="gudang_kirim", entity_id=rid,
                       new={"tujuan": tujuan, "kecamatan_id": kecamatan_id, "tanggal": tanggal.isoformat(),
                            "moda": moda}, now=now)
    return rid


async def _dari_draf(conn: AsyncConnection, tabel: sa.Table, draf: str, author_id: int) -> int | None:
    """The id of the row this author stored from this draft, or None."""
    return (await conn.execute(sa.select(tabel.c.id).where(tabel.c.draf == draf,
                                                           tabel.c.author_id == author_id))).scalar()


async def status_gudang(conn: AsyncConnection, kabkota_unit_id: int, *, limit: int = 10,
                        pemilihan_id: int | None = None) -> StatusGudang:
    """The warehouse pipeline of one kab/kota: latest receipts and dispatches, TPS dispatched and arrived (reports
    of the event)."""
    sd, d, w = t.supplier_deliveries, t.dispatches, t.wilayah
    terima = (await conn.execute(sa.select(sd.c.id, sd.c.jenis, sd.c.kemasan, sd.c.tiba_mulai, sd.c.kondisi)
                                 .where(sd.c.kabkota_unit_id == kabkota_unit_id).order_by(sd.c.id.desc())
                                 .limit(limit))).all()
    kirim = (await conn.execute(sa.select(d.c.id, d.c.tujuan, w.c.nama, d.c.tanggal, d.c.moda)
                                .select_from(d.outerjoin(w, w.c.id == d.c.kecamatan_id))
                                .where(d.c.kabkota_unit_id == kabkota_unit_id).order_by(d.c.id.desc())
                                .limit(limit))).all()
    covered = sa.exists().where(d.c.kabkota_unit_id == t.tps.c.kabkota_unit_id,
                                sa.or_(d.c.kecamatan_id.is_(None), d.c.kecamatan_id == t.tps.c.kecamatan_id),
                                sa.or_(d.c.tps_id.is_(None), d.c.tps_id == t.tps.c.id))
    ar = t.arrival_reports
    arrived = sa.exists().where(ar.c.tps_id == t.tps.c.id, _acara(ar.c.pemilihan_id) == _kunci(pemilihan_id))
    one = sa.literal(1)
    n_tps, n_kirim, n_tiba = (await conn.execute(
        sa.select(sa.func.count(), sa.func.sum(sa.case((covered, one), else_=0)),
                  sa.func.sum(sa.case((arrived, one), else_=0)))
        .select_from(t.tps).where(t.tps.c.kabkota_unit_id == kabkota_unit_id))).one()
    return StatusGudang([Penerimaan(*r) for r in terima], [Pengiriman(*r) for r in kirim], int(n_tps),
                        int(n_kirim or 0), int(n_tiba or 0))
