"""What the admin web's list pages read, and the small edits they offer (each with its audit record)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import PERAN, Pengguna, Tps
from storage import audit, org, outbox
from storage import tables as t
from storage.users import AksesError, by_id, cakupan_petugas

# --- TPS: filters and keyset pages at national size ------------------------------------------------


@dataclass(frozen=True)
class SaringTps:
    """Filters of the TPS list."""

    q: str = ""
    kabkota: str = ""
    kecamatan: int | None = None
    sulit: bool | None = None
    kabkota_ids: Sequence[int] | None = None  # the viewer's scope (None: all)


@dataclass(frozen=True)
class HalamanTps:
    """One page of TPS with the keys to the neighbouring pages."""

    rows: list[Tps]
    total: int
    sebelum: str | None  # code to pass as `sebelum` for the previous page (None: first page)
    setelah: str | None  # code to pass as `setelah` for the next page (None: last page)


_KAB = t.units.alias("kab")
_KEC = t.wilayah.alias("kec")
_DESA = t.wilayah.alias("desa")
_TPS_COLS = (t.tps.c.id, t.tps.c.kode, t.tps.c.nama, t.tps.c.dpt, t.tps.c.sulit, t.tps.c.generated,
             _KAB.c.code.label("kab_code"), _KAB.c.name.label("kab_name"), _KEC.c.nama.label("kec_nama"),
             _DESA.c.nama.label("desa_nama"))
_TPS_FROM = (t.tps.join(_KAB, _KAB.c.id == t.tps.c.kabkota_unit_id)
             .join(_KEC, _KEC.c.id == t.tps.c.kecamatan_id).join(_DESA, _DESA.c.id == t.tps.c.desa_id))


def _tps(r: Any) -> Tps:
    return Tps(r.id, r.kode, r.nama, r.kab_code, r.kab_name, r.kec_nama, r.desa_nama, r.dpt, r.sulit, r.generated)


def _where_tps(f: SaringTps) -> list[sa.ColumnElement[bool]]:
    w: list[sa.ColumnElement[bool]] = []
    if f.q:
        like = f.q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        w.append(sa.or_(t.tps.c.kode.like(like, escape="\\"), sa.func.lower(t.tps.c.nama).like(like, escape="\\")))
    if f.kabkota:
        w.append(t.tps.c.kabkota_unit_id == sa.select(t.units.c.id).where(
            sa.func.upper(t.units.c.code) == f.kabkota.upper()).scalar_subquery())
    if f.kecamatan is not None:
        w.append(t.tps.c.kecamatan_id == f.kecamatan)
    if f.sulit is not None:
        w.append(t.tps.c.sulit == f.sulit)
    if f.kabkota_ids is not None:
        w.append(t.tps.c.kabkota_unit_id.in_(list(f.kabkota_ids)))
    return w


async def tps_page(conn: AsyncConnection, f: SaringTps, *, setelah: str | None = None, sebelum: str | None = None,
                   size: int = 50) -> HalamanTps:
    """A page of TPS in code order, by keyset (`setelah`/`sebelum` a code), so page 16.000 costs what page 1 does."""
    where = _where_tps(f)
    total = (await conn.execute(sa.select(sa.func.count()).select_from(t.tps).where(*where))).scalar_one()
    q = sa.select(*_TPS_COLS).select_from(_TPS_FROM).where(*where).limit(size + 1)
    if sebelum is not None:
        rows = [_tps(r) for r in (await conn.execute(
            q.where(t.tps.c.kode < sebelum).order_by(t.tps.c.kode.desc()))).all()]
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return HalamanTps(rows, total, rows[0].kode if rows and more_before else None,
                          rows[-1].kode if rows else None)
    if setelah is not None:
        q = q.where(t.tps.c.kode > setelah)
    rows = [_tps(r) for r in (await conn.execute(q.order_by(t.tps.c.kode))).all()]
    more = len(rows) > size
    rows = rows[:size]
    return HalamanTps(rows, total, rows[0].kode if rows and setelah is not None else None,
                      rows[-1].kode if rows and more else None)


async def iter_tps(conn: AsyncConnection, f: SaringTps) -> AsyncIterator[Tps]:
    """Every TPS matching the filters, streamed from a cursor (for exports at national size)."""
    q = sa.select(*_TPS_COLS).select_from(_TPS_FROM).where(*_where_tps(f)).order_by(t.tps.c.kode)
    result = await conn.stream(q.execution_options(yield_per=2000))
    async for r in result:
        yield _tps(r)


async def kecamatan(conn: AsyncConnection, kabkota: str) -> list[tuple[int, str, str]]:
    """The kecamatan (id, kode, nama) of a kab/kota."""
    q = (sa.select(t.wilayah.c.id, t.wilayah.c.kode, t.wilayah.c.nama)
         .join(t.units, t.units.c.id == t.wilayah.c.kabkota_unit_id)
         .where(sa.func.upper(t.units.c.code) == kabkota.upper(), t.wilayah.c.tingkat == "kecamatan")
         .order_by(t.wilayah.c.kode))
    return [(r.id, r.kode, r.nama) for r in (await conn.execute(q)).all()]


# --- users and invites -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BarisUndangan:
    """An invite as the admin list shows it: its number, never its code (only its hash is stored)."""

    id: int
    role: str
    unit_code: str | None
    tps_codes: list[str]
    max_uses: int
    uses: int
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime


async def invites(conn: AsyncConnection, limit: int = 100) -> list[BarisUndangan]:
    """The newest invite codes first."""
    q = (sa.select(t.invites, t.units.c.code.label("unit_code")).outerjoin(t.units, t.units.c.id == t.invites.c.unit_id)
         .order_by(t.invites.c.id.desc()).limit(limit))
    return [BarisUndangan(r.id, r.role, r.unit_code, list(r.tps_codes or []), r.max_uses, r.uses,
                          r.expires_at, r.revoked_at, r.created_at) for r in (await conn.execute(q)).all()]


async def change_user(conn: AsyncConnection, user_id: int, *, role: str, unit_code: str | None, tps_codes: list[str],
                      admin: Pengguna, now: datetime) -> Pengguna:
    """Change a user's role and scope (unit, TPS), audited old → new."""
    user = await by_id(conn, user_id)
    if user is None:
        raise AksesError(f"Pengguna {user_id} tidak ditemukan.")
    if role not in PERAN:
        raise AksesError(f"Peran {role!r} tidak dikenal. Pilih salah satu: {', '.join(PERAN)}.")
    if user.id == admin.id and role != "admin":
        raise AksesError("Anda tidak dapat menurunkan peran akun Anda sendiri.")
    unit_id = None
    if role == "petugas":
        kab, _ = await cakupan_petugas(conn, unit_code or None, tps_codes)
        unit_id, unit_code = kab.id, kab.code
    elif unit_code:
        unit = await org.unit_by_code(conn, unit_code)
        if unit is None:
            raise AksesError(f"Unit {unit_code!r} tidak dikenal.")
        unit_id, unit_code = unit.id, unit.code
    elif role in ("operator", "pimpinan"):
        raise AksesError(f"Peran {role} harus menyebut unitnya.")
    tps_ids: list[int] = []
    for kode in dict.fromkeys(tps_codes):
        tps = await org.tps_by_code(conn, kode)
        if tps is None:
            raise AksesError(f"Kode TPS {kode} tidak dikenal.")
        tps_ids.append(tps.id)
    if role == "petugas" and not tps_ids:
        raise AksesError("Petugas harus diberi minimal satu kode TPS.")
    old_tps = [x.kode for x in await org.list_tps(conn, ids=sorted(user.tps_ids))] if user.tps_ids else []
    # Heading a unit belongs to the role and the unit: a head moved to another role or unit is no longer one.
    kepala = user.is_head and role == user.role and unit_id == user.unit_id
    kepala_lama, kepala_baru = ({"kepala": user.is_head}, {"kepala": kepala}) if kepala != user.is_head else ({}, {})
    await conn.execute(t.users.update().where(t.users.c.id == user_id).values(role=role, unit_id=unit_id,
                                                                              is_head=kepala))
    await conn.execute(t.user_tps.delete().where(t.user_tps.c.user_id == user_id))
    if tps_ids:
        await conn.execute(t.user_tps.insert(), [{"user_id": user_id, "tps_id": i} for i in tps_ids])
    await audit.record(conn, actor=admin.name, actor_id=admin.id, action="ubah", entity="pengguna", entity_id=user_id,
                       old={"role": user.role, "unit": user.unit_code, "tps": old_tps, **kepala_lama},
                       new={"role": role, "unit": unit_code, "tps": list(dict.fromkeys(tps_codes)), **kepala_baru},
                       now=now)
    changed = await by_id(conn, user_id)
    assert changed is not None
    return changed


# --- performance: indicators, targets, PK, realisations ------------------------------------------------


@dataclass(frozen=True)
class BarisIndikator:
    """An indicator with its unit, parent and targets (periode/sumber → value)."""

    id: int
    kode: str
    nama: str
    jenis: str
    polaritas: str
    unit: str
    induk: str | None
    tingkat: str
    sasaran_no: int | None
    target: dict[str, str] = field(default_factory=dict)


async def indicators(conn: AsyncConnection, unit_ids: Sequence[int] | None = None) -> list[BarisIndikator]:
    """Indicators (within the units given) with every target, in id order."""
    ind, parent = t.indicators, t.indicators.alias("induk")
    q = (sa.select(ind.c.id, ind.c.kode, ind.c.nama, ind.c.jenis, ind.c.polaritas, ind.c.tingkat, ind.c.sasaran_no,
                   t.units.c.code.label("unit"), parent.c.kode.label("induk"))
         .join(t.units, t.units.c.id == ind.c.unit_id).outerjoin(parent, parent.c.id == ind.c.parent_id)
         .order_by(ind.c.id))
    if unit_ids is not None:
        q = q.where(ind.c.unit_id.in_(list(unit_ids)))
    rows = (await conn.execute(q)).all()
    tg: dict[int, dict[str, str]] = {}
    tq = sa.select(t.indicator_targets).where(t.indicator_targets.c.indicator_id.in_([r.id for r in rows]))
    for r in (await conn.execute(tq.order_by(t.indicator_targets.c.periode))).all():
        tg.setdefault(r.indicator_id, {})[f"{r.periode} ({r.sumber})"] = r.nilai
    return [BarisIndikator(r.id, r.kode, r.nama, r.jenis, r.polaritas, r.unit, r.induk, r.tingkat, r.sasaran_no,
                           tg.get(r.id, {})) for r in rows]


@dataclass(frozen=True)
class DokumenPk:
    """A PK document version with its items (indicator code, name, kind, target)."""

    id: int
    unit: str
    tahun: int
    versi: int
    jenis: str
    tanggal: Any
    items: list[tuple[str, str, str, str]]


async def pk_documents(conn: AsyncConnection, unit_ids: Sequence[int] | None = None) -> list[DokumenPk]:
    """Every PK version (newest year first, then unit, then version) with its items."""
    d = t.pk_documents
    q = (sa.select(d, t.units.c.code.label("unit")).join(t.units, t.units.c.id == d.c.unit_id)
         .order_by(d.c.tahun.desc(), t.units.c.code, d.c.versi))
    if unit_ids is not None:
        q = q.where(d.c.unit_id.in_(list(unit_ids)))
    docs = (await conn.execute(q)).all()
    items: dict[int, list[tuple[str, str, str, str]]] = {}
    iq = (sa.select(t.pk_items.c.pk_id, t.indicators.c.kode, t.indicators.c.nama, t.indicators.c.jenis,
                    t.pk_items.c.target).join(t.indicators, t.indicators.c.id == t.pk_items.c.indicator_id)
          .where(t.pk_items.c.pk_id.in_([r.id for r in docs])).order_by(t.pk_items.c.urutan))
    for r in (await conn.execute(iq)).all():
        items.setdefault(r.pk_id, []).append((r.kode, r.nama, r.jenis, r.target))
    return [DokumenPk(r.id, r.unit, r.tahun, r.versi, r.jenis, r.tanggal, items.get(r.id, [])) for r in docs]


@dataclass(frozen=True)
class BarisRealisasi:
    """One version of a realisation, with who reported and who verified."""

    id: int
    indikator: str
    indikator_nama: str
    jenis: str
    unit: str
    periode: str
    versi: int
    nilai: str
    status: str
    sumber: str
    pelapor: str | None
    verifikator: str | None
    verified_at: datetime | None
    verify_note: str | None
    alasan_koreksi: str | None
    catatan: str | None
    created_at: datetime


async def realisations(conn: AsyncConnection, *, unit_ids: Sequence[int] | None = None, status: str | None = None,
                       indikator: str | None = None, limit: int = 500) -> list[BarisRealisasi]:
    """Realisation versions, newest first (every version: the history stays visible)."""
    r, ind = t.realisations, t.indicators
    author, verifier = t.users.alias("author"), t.users.alias("verifier")
    q = (sa.select(r, ind.c.kode.label("ind_kode"), ind.c.nama.label("ind_nama"), ind.c.jenis,
                   t.units.c.code.label("unit"), author.c.name.label("pelapor"), verifier.c.name.label("verifikator"))
         .join(ind, ind.c.id == r.c.indicator_id).join(t.units, t.units.c.id == ind.c.unit_id)
         .outerjoin(author, author.c.id == r.c.author_id).outerjoin(verifier, verifier.c.id == r.c.verified_by)
         .order_by(r.c.created_at.desc(), r.c.id.desc()).limit(limit))
    if unit_ids is not None:
        q = q.where(ind.c.unit_id.in_(list(unit_ids)))
    if status:
        q = q.where(r.c.status == status)
    if indikator:
        q = q.where(ind.c.kode == indikator)
    return [BarisRealisasi(x.id, x.ind_kode, x.ind_nama, x.jenis, x.unit, x.periode, x.versi, x.nilai, x.status,
                           x.sumber, x.pelapor, x.verifikator, x.verified_at, x.verify_note, x.alasan_koreksi,
                           x.catatan, x.created_at) for x in (await conn.execute(q)).all()]


# --- deadlines, logistics norms, arrivals, escalations ---------------------------------------------


@dataclass(frozen=True)
class BarisTenggat:
    """A deadline."""

    id: int
    jenis: str
    ref: str
    judul: str
    batas: datetime
    unit: str | None
    peran: str
    dijeda: bool


async def deadlines(conn: AsyncConnection, unit_ids: Sequence[int] | None = None) -> list[BarisTenggat]:
    """Deadlines in date order."""
    d = t.deadlines
    q = (sa.select(d, t.units.c.code.label("unit")).outerjoin(t.units, t.units.c.id == d.c.unit_id)
         .order_by(d.c.batas, d.c.id))
    if unit_ids is not None:
        q = q.where(sa.or_(d.c.unit_id.in_(list(unit_ids)), d.c.unit_id.is_(None)))
    return [BarisTenggat(r.id, r.jenis, r.ref, r.judul, r.batas, r.unit, r.peran, r.dijeda)
            for r in (await conn.execute(q)).all()]


async def pause_deadline(conn: AsyncConnection, deadline_id: int, *, paused: bool, admin: Pengguna,
                         now: datetime) -> bool:
    """Pause or resume the reminders of a deadline (audited); False when nothing changed."""
    res = await conn.execute(t.deadlines.update().where(t.deadlines.c.id == deadline_id,
                                                        t.deadlines.c.dijeda.is_(not paused)).values(dijeda=paused))
    if res.rowcount:
        await audit.record(conn, actor=admin.name, actor_id=admin.id, action="ubah", entity="tenggat",
                           entity_id=deadline_id, old={"dijeda": not paused}, new={"dijeda": paused}, now=now)
    return bool(res.rowcount)


async def reminder_policy(conn: AsyncConnection) -> Any:
    """The reminder policy in force (domain.pengingat.Kebijakan from storage.tenggat), or None when unavailable."""
    try:
        from storage import tenggat
    except ImportError:  # the reminders feature is not installed in this tree
        return None
    return await tenggat.kebijakan(conn)


async def set_reminder_policy(conn: AsyncConnection, jenis: str, aturan: Any, *, admin: Pengguna,
                              now: datetime) -> None:
    """Set one deadline kind's reminder rule (a domain.pengingat.Aturan; None: back to the default), audited."""
    from storage import tenggat

    try:
        await tenggat.atur_kebijakan(conn, jenis, aturan, actor=admin.name, actor_id=admin.id, now=now)
    except tenggat.TenggatError as exc:
        raise AksesError(str(exc)) from None


@dataclass(frozen=True)
class NormaLogistik:
    """A logistics item and its norm per TPS."""

    id: int
    kode: str
    nama: str
    satuan: str
    per_tps: int | None
    cadangan_persen: Decimal | None
    aturan: str | None
    urutan: int


async def logistics_items(conn: AsyncConnection) -> list[NormaLogistik]:
    """The logistics items in their order."""
    q = sa.select(t.logistics_items).order_by(t.logistics_items.c.urutan, t.logistics_items.c.id)
    return [NormaLogistik(r.id, r.kode, r.nama, r.satuan, r.per_tps,
                          Decimal(r.cadangan_persen) if r.cadangan_persen is not None else None, r.aturan, r.urutan)
            for r in (await conn.execute(q)).all()]


async def set_norm(conn: AsyncConnection, kode: str, *, per_tps: int | None, cadangan_persen: Decimal | None,
                   admin: Pengguna, now: datetime) -> None:
    """Change one item's norm (a fixed count per TPS, or DPT plus a reserve), audited old → new."""
    row = (await conn.execute(sa.select(t.logistics_items).where(t.logistics_items.c.kode == kode))).first()
    if row is None:
        raise AksesError(f"Jenis logistik {kode} tidak dikenal.")
    if (per_tps is None) == (cadangan_persen is None):
        raise AksesError("Isi salah satu: jumlah per TPS, atau cadangan persen (untuk surat suara: DPT + cadangan).")
    old = {"per_tps": row.per_tps, "cadangan_persen": None if row.cadangan_persen is None
           else str(row.cadangan_persen)}
    new = {"per_tps": per_tps, "cadangan_persen": None if cadangan_persen is None else str(cadangan_persen)}
    await conn.execute(t.logistics_items.update().where(t.logistics_items.c.id == row.id)
                       .values(per_tps=per_tps, cadangan_persen=cadangan_persen))
    await audit.record(conn, actor=admin.name, actor_id=admin.id, action="ubah", entity="norma_logistik",
                       entity_id=kode, old=old, new=new, now=now)


@dataclass(frozen=True)
class BarisTiba:
    """One arrival report version."""

    id: int
    tps_kode: str
    tps_nama: str
    kabkota: str
    versi: int
    jenis: str
    nomor: str
    tiba_pada: datetime
    lengkap: bool
    terlambat: bool
    tepat: bool
    ada_foto: bool
    alasan_tanpa_foto: str | None
    alasan: str | None
    pelapor: str | None
    created_at: datetime
    lat: float | None = None
    lon: float | None = None
    baris: list[tuple[str, int, int, int, bool, str | None]] = field(default_factory=list)


def _tiba_q() -> sa.Select[Any]:
    a = t.arrival_reports
    return (sa.select(a, t.tps.c.kode.label("tps_kode"), t.tps.c.nama.label("tps_nama"),
                      t.tps.c.kabkota_unit_id, t.units.c.code.label("kab"), t.users.c.name.label("pelapor"))
            .join(t.tps, t.tps.c.id == a.c.tps_id).join(t.units, t.units.c.id == t.tps.c.kabkota_unit_id)
            .outerjoin(t.users, t.users.c.id == a.c.reporter_id))


def _tiba(r: Any) -> BarisTiba:
    return BarisTiba(r.id, r.tps_kode, r.tps_nama, r.kab, r.versi, r.jenis, r.nomor, r.tiba_pada, r.lengkap,
                     r.terlambat, r.tepat, r.foto_file_id is not None, r.alasan_tanpa_foto, r.alasan, r.pelapor,
                     r.created_at, r.lat, r.lon)


async def arrivals(conn: AsyncConnection, *, kabkota_ids: Sequence[int] | None = None, kabkota: str = "",
                   masalah: bool = False, limit: int = 500) -> list[BarisTiba]:
    """The latest arrival report of each TPS, newest first (optionally only incomplete ones)."""
    a = t.arrival_reports
    latest = sa.select(a.c.tps_id, sa.func.max(a.c.versi).label("v")).group_by(a.c.tps_id).subquery()
    q = (_tiba_q().join(latest, sa.and_(latest.c.tps_id == a.c.tps_id, latest.c.v == a.c.versi))
         .order_by(a.c.tiba_pada.desc(), a.c.id.desc()).limit(limit))
    if kabkota_ids is not None:
        q = q.where(t.tps.c.kabkota_unit_id.in_(list(kabkota_ids)))
    if kabkota:
        q = q.where(sa.func.upper(t.units.c.code) == kabkota.upper())
    if masalah:
        q = q.where(sa.or_(a.c.lengkap.is_(False), a.c.terlambat.is_(True)))
    return [_tiba(r) for r in (await conn.execute(q)).all()]


async def arrival_history(conn: AsyncConnection, tps_kode: str,
                          kabkota_ids: Sequence[int] | None = None) -> list[BarisTiba] | None:
    """Every version of a TPS's arrival report, oldest first, with its lines; None when the TPS is not visible."""
    tps = await org.tps_by_code(conn, tps_kode)
    if tps is None:
        return None
    if kabkota_ids is not None:
        kab = await org.unit_by_code(conn, tps.kabkota_code)
        if kab is None or kab.id not in kabkota_ids:
            return None
    a = t.arrival_reports
    rows = [_tiba(r) for r in (await conn.execute(_tiba_q().where(a.c.tps_id == tps.id).order_by(a.c.versi))).all()]
    lines: dict[int, list[tuple[str, int, int, int, bool, str | None]]] = {}
    lq = (sa.select(t.arrival_lines, t.logistics_items.c.nama)
          .join(t.logistics_items, t.logistics_items.c.id == t.arrival_lines.c.item_id)
          .where(t.arrival_lines.c.report_id.in_([r.id for r in rows])).order_by(t.logistics_items.c.urutan))
    for x in (await conn.execute(lq)).all():
        lines.setdefault(x.report_id, []).append((x.nama, x.diharapkan, x.diterima, x.rusak, x.salah_jenis,
                                                  x.catatan))
    return [BarisTiba(**{**r.__dict__, "baris": lines.get(r.id, [])}) for r in rows]


async def arrival_photo(conn: AsyncConnection, report_id: int,
                        kabkota_ids: Sequence[int] | None = None) -> str | None:
    """The Telegram file id of a report's photo, when there is one and the viewer may see it."""
    a = t.arrival_reports
    q = (sa.select(a.c.foto_file_id).join(t.tps, t.tps.c.id == a.c.tps_id).where(a.c.id == report_id))
    if kabkota_ids is not None:
        q = q.where(t.tps.c.kabkota_unit_id.in_(list(kabkota_ids)))
    return (await conn.execute(q)).scalar_one_or_none()


@dataclass(frozen=True)
class BarisEskalasi:
    """An escalation."""

    id: int
    jenis: str
    kabkota: str
    tps: str | None
    uraian: str
    status: str
    penangan: str | None
    handled_at: datetime | None
    handled_note: str | None
    created_at: datetime


async def escalations(conn: AsyncConnection, *, kabkota_ids: Sequence[int] | None = None, status: str = "",
                      limit: int = 500) -> list[BarisEskalasi]:
    """Escalations, open ones first, newest first."""
    e = t.escalations
    q = (sa.select(e, t.units.c.code.label("kab"), t.tps.c.kode.label("tps_kode"), t.users.c.name.label("penangan"))
         .join(t.units, t.units.c.id == e.c.kabkota_unit_id).outerjoin(t.tps, t.tps.c.id == e.c.tps_id)
         .outerjoin(t.users, t.users.c.id == e.c.handled_by)
         .order_by(sa.case((e.c.status == "terbuka", 0), else_=1), e.c.created_at.desc(), e.c.id.desc())
         .limit(limit))
    if kabkota_ids is not None:
        q = q.where(e.c.kabkota_unit_id.in_(list(kabkota_ids)))
    if status:
        q = q.where(e.c.status == status)
    return [BarisEskalasi(r.id, r.jenis, r.kab, r.tps_kode, r.uraian, r.status, r.penangan, r.handled_at,
                          r.handled_note, r.created_at) for r in (await conn.execute(q)).all()]


async def handle_escalation(conn: AsyncConnection, esc_id: int, *, note: str | None, admin: Pengguna,
                            now: datetime) -> None:
    """Mark an open escalation handled (audited); AksesError when it is not open."""
    res = await conn.execute(t.escalations.update().where(t.escalations.c.id == esc_id,
                                                          t.escalations.c.status == "terbuka")
                             .values(status="ditangani", handled_by=admin.id, handled_at=now, handled_note=note))
    if res.rowcount != 1:
        raise AksesError("Eskalasi ini sudah ditangani atau tidak ada.")
    await audit.record(conn, actor=admin.name, actor_id=admin.id, action="tangani", entity="eskalasi",
                       entity_id=esc_id, old={"status": "terbuka"}, new={"status": "ditangani", "catatan": note},
                       now=now)


async def retry_outbox(conn: AsyncConnection, outbox_id: int, *, admin: Pengguna, now: datetime) -> bool:
    """Queue a failed message again (audited); False when it was not failed or blocked."""
    if not await outbox.requeue(conn, outbox_id, now):
        return False
    await audit.record(conn, actor=admin.name, actor_id=admin.id, action="kirim_ulang", entity="outbox",
                       entity_id=outbox_id, old={"status": "gagal"}, new={"status": "antri"}, now=now)
    return True


# --- the audit log, page by page ------------------------------------------------------------------------


@dataclass(frozen=True)
class BarisAudit:
    """One audit record."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    old: Any
    new: Any


async def audit_page(conn: AsyncConnection, *, entity: str = "", actor: str = "", sebelum: int | None = None,
                     size: int = 50) -> tuple[list[BarisAudit], int | None]:
    """Newest records first; returns a page and the id to continue from (None: no more)."""
    a = t.audit_log
    q = sa.select(a).order_by(a.c.id.desc()).limit(size + 1)
    if entity:
        q = q.where(a.c.entity == entity)
    if actor:
        q = q.where(sa.func.lower(a.c.actor).contains(actor.lower(), autoescape=True))
    if sebelum is not None:
        q = q.where(a.c.id < sebelum)
    rows = [BarisAudit(r.id, r.at, r.actor, r.action, r.entity, r.entity_id, r.old, r.new)
            for r in (await conn.execute(q)).all()]
    return rows[:size], rows[size - 1].id if len(rows) > size else None


async def audit_entities(conn: AsyncConnection) -> list[str]:
    """The entity names present in the audit log (for the filter)."""
    return [e for (e,) in (await conn.execute(sa.select(t.audit_log.c.entity).distinct()
                                              .order_by(t.audit_log.c.entity))).all()]
