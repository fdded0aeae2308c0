"""Budget years: opening one from the year before, closing it with its final values, reopening it; the one check
every write dated in a year goes through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import MataAnggaran, Realisasi
from domain.kinerja import DitolakError
from domain.tanggal import format_datetime
from storage import audit
from storage import tables as t
from storage.db import inserted_id

DIBUKA, DITUTUP = "dibuka", "ditutup"


class TahunDitutup(DitolakError):
    """A write dated in a closed year; the message names the year, when and by whom it was closed, who can reopen."""

    def __init__(self, pesan: str, singkat: str) -> None:
        super().__init__(pesan)
        self.singkat = singkat  # fits a Telegram button alert (200 characters)


@dataclass(frozen=True)
class TahunAnggaran:
    """One budget year and its life: opened, closed, reopened."""

    tahun: int
    status: str
    dari_tahun: int | None
    dibuka_oleh: str
    dibuka_pada: datetime
    ditutup_oleh: str | None
    ditutup_pada: datetime | None
    dibuka_kembali_oleh: str | None
    dibuka_kembali_pada: datetime | None
    alasan_buka_kembali: str | None


@dataclass
class HasilBuka:
    """What opening a year did (nothing when it was open already)."""

    tahun: int
    dari: int
    sudah_ada: bool
    pk: list[str] = field(default_factory=list)  # unit codes that got a draft PK
    target_renstra: int = 0  # targets taken from the Renstra
    target_tahun_lalu: int = 0  # targets copied from last year, to be confirmed


# Hooks that run, in the opening transaction, after a year was opened (e.g. loading that year's holidays).
Kait = Callable[[AsyncConnection, int, datetime], Awaitable[None]]
_SAAT_DIBUKA: list[Kait] = []


def saat_dibuka(fn: Kait) -> Kait:
    """Register a hook to run whenever a year is opened (same transaction, after the copy)."""
    if fn not in _SAAT_DIBUKA:
        _SAAT_DIBUKA.append(fn)
    return fn


def _tahun(r: sa.Row) -> TahunAnggaran:
    return TahunAnggaran(r.tahun, r.status, r.dari_tahun, r.dibuka_oleh, r.dibuka_pada, r.ditutup_oleh,
                         r.ditutup_pada, r.dibuka_kembali_oleh, r.dibuka_kembali_pada, r.alasan_buka_kembali)


async def get(conn: AsyncConnection, tahun: int) -> TahunAnggaran | None:
    """One year, or None when it was never opened."""
    r = (await conn.execute(sa.select(t.tahun_anggaran).where(t.tahun_anggaran.c.tahun == tahun))).first()
    return _tahun(r) if r else None


async def semua(conn: AsyncConnection) -> list[TahunAnggaran]:
    """Every year that was opened, newest first."""
    q = sa.select(t.tahun_anggaran).order_by(t.tahun_anggaran.c.tahun.desc())
    return [_tahun(r) for r in (await conn.execute(q)).all()]


def pesan_ditutup(y: TahunAnggaran, tz: str = "Asia/Jakarta") -> str:
    """Why a write into a closed year is refused, and who can reopen it."""
    kapan = f" pada {format_datetime(y.ditutup_pada, tz)}" if y.ditutup_pada else ""
    oleh = f" oleh {y.ditutup_oleh}" if y.ditutup_oleh else ""
    return (f"Tahun anggaran {y.tahun} sudah ditutup{kapan}{oleh}; angka akhirnya sudah ditetapkan, jadi laporan "
            f"dan koreksi bertanggal {y.tahun} tidak diterima lagi. Hanya admin yang dapat membukanya kembali, "
            f"dengan alasan (halaman Tahun anggaran di web admin, atau pantau tahun buka-kembali {y.tahun}).")


async def periksa_terbuka(conn: AsyncConnection, tahun: int) -> None:
    """Refuse (TahunDitutup) a report or correction dated in a closed year; the one check every write calls."""
    y = await get(conn, tahun)
    if y is not None and y.status == DITUTUP:
        raise TahunDitutup(pesan_ditutup(y), f"tahun anggaran {tahun} sudah ditutup; laporan bertanggal {tahun} "
                                             "tidak diterima lagi. Hanya admin yang dapat membukanya kembali.")


# --- opening -------------------------------------------------------------------------------------------------


async def _latest_pks(conn: AsyncConnection, tahun: int) -> list[sa.Row]:
    d = t.pk_documents
    newest = (sa.select(d.c.unit_id, sa.func.max(d.c.versi).label("versi")).where(d.c.tahun == tahun)
              .group_by(d.c.unit_id).subquery())
    q = (sa.select(d.c.id, d.c.unit_id, t.units.c.code).join(newest, sa.and_(newest.c.unit_id == d.c.unit_id,
                                                                           newest.c.versi == d.c.versi))
         .join(t.units, t.units.c.id == d.c.unit_id).where(d.c.tahun == tahun).order_by(t.units.c.code))
    return list((await conn.execute(q)).all())


async def _renstra(conn: AsyncConnection, tahun: int) -> dict[int, str]:
    it = t.indicator_targets
    q = sa.select(it.c.indicator_id, it.c.nilai).where(it.c.sumber == "renstra", it.c.periode == str(tahun))
    return {i: v for i, v in (await conn.execute(q)).all()}


async def buka(conn: AsyncConnection, tahun: int, *, dari: int | None = None, actor: str, actor_id: int | None = None,
               now: datetime) -> HasilBuka:
    """Open a year: copy the PK structure of `dari` (default the year before) as drafts, targets from the Renstra
    for the year where there is one, else last year's (to be confirmed); idempotent."""
    dari = dari if dari is not None else tahun - 1
    if dari == tahun:
        raise DitolakError("Tahun sumber harus berbeda dari tahun yang dibuka.")
    if not 2000 <= tahun <= 2100:
        raise DitolakError(f"Tahun {tahun} di luar rentang 2000–2100.")
    if await get(conn, tahun) is not None:
        return HasilBuka(tahun, dari, sudah_ada=True)
    out = HasilBuka(tahun, dari, sudah_ada=False)
    renstra = await _renstra(conn, tahun)
    ada_pk = {u for (u,) in (await conn.execute(sa.select(t.pk_documents.c.unit_id)
                                                .where(t.pk_documents.c.tahun == tahun))).all()}
    for doc in await _latest_pks(conn, dari):
        if doc.unit_id in ada_pk:  # a PK imported for the year before it was opened stays as it is
            continue
        items = (await conn.execute(sa.select(t.pk_items).where(t.pk_items.c.pk_id == doc.id)
                                    .order_by(t.pk_items.c.urutan))).all()
        pk_id = inserted_id(await conn.execute(t.pk_documents.insert().values(
            unit_id=doc.unit_id, tahun=tahun, versi=1, jenis="awal", tanggal=date(tahun, 1, 2), draf=True)))
        rows = []
        for it in items:
            target = renstra.get(it.indicator_id)
            rows.append({"pk_id": pk_id, "indicator_id": it.indicator_id, "urutan": it.urutan,
                         "target": target or it.target, "perlu_konfirmasi": target is None})
            if target is None:
                out.target_tahun_lalu += 1
            else:
                out.target_renstra += 1
        if rows:
            await conn.execute(t.pk_items.insert(), rows)
        out.pk.append(doc.code)
    await _salin_target(conn, tahun, dari, renstra, out)
    await conn.execute(t.tahun_anggaran.insert().values(tahun=tahun, status=DIBUKA, dari_tahun=dari,
                                                        dibuka_oleh=actor[:120], dibuka_pada=now))
    await audit.record(conn, actor=actor, actor_id=actor_id, action="buka", entity="tahun_anggaran", entity_id=tahun,
                       new={"dari": dari, "pk": out.pk, "target_renstra": out.target_renstra,
                            "target_tahun_lalu": out.target_tahun_lalu}, now=now)
    for kait in _SAAT_DIBUKA:
        await kait(conn, tahun, now)
    return out


async def _salin_target(conn: AsyncConnection, tahun: int, dari: int, renstra: dict[int, str], out: HasilBuka) -> None:
    """The yearly PK targets (what Tabel 3.2 compares against) of every indicator that had one last year."""
    it = t.indicator_targets
    lalu = (await conn.execute(sa.select(it.c.indicator_id, it.c.nilai).where(
        it.c.sumber == "pk", it.c.periode == str(dari)))).all()
    ada = set((await conn.execute(sa.select(it.c.indicator_id).where(
        it.c.sumber == "pk", it.c.periode == str(tahun)))).scalars().all())
    rows = [{"indicator_id": i, "tahun": tahun, "periode": str(tahun), "sumber": "pk",
             "nilai": renstra.get(i) or nilai, "perlu_konfirmasi": i not in renstra}
            for i, nilai in lalu if i not in ada]
    out.target_renstra += sum(1 for r in rows if not r["perlu_konfirmasi"])
    out.target_tahun_lalu += sum(1 for r in rows if r["perlu_konfirmasi"])
    if rows:
        await conn.execute(it.insert(), rows)


# --- closing and reopening ----------------------------------------------------------------------------------


async def _final_realisations(conn: AsyncConnection, tahun: int) -> list[dict[str, Any]]:
    """The newest verified version of every indicator and period of the year."""
    r = t.realisations
    rows = (await conn.execute(sa.select(r).where(r.c.tahun == tahun, r.c.status == "disetujui")
                               .order_by(r.c.indicator_id, r.c.periode, r.c.versi))).all()
    latest: dict[tuple[int, str], sa.Row] = {}
    for x in rows:
        latest[(x.indicator_id, x.periode)] = x
    return [{"id": x.id, "indicator_id": x.indicator_id, "periode": x.periode, "versi": x.versi, "nilai": x.nilai,
             "sumber": x.sumber, "created_at": x.created_at.isoformat(), "author_id": x.author_id,
             "catatan": x.catatan, "alasan_koreksi": x.alasan_koreksi} for x in latest.values()]


async def tutup(conn: AsyncConnection, tahun: int, *, otomatis: dict[str, dict[str, Any]], anggaran: list[MataAnggaran],
                actor: str, actor_id: int | None = None, now: datetime) -> dict[str, Any]:
    """Close a year and store its final values: verified realisations, the automatic indicators as computed (with
    their inputs) and the budget lines; a year never opened is recorded as opened and closed at once."""
    y = await get(conn, tahun)
    if y is not None and y.status == DITUTUP:
        raise DitolakError(f"Tahun anggaran {tahun} sudah ditutup.")
    final = {"realisasi": await _final_realisations(conn, tahun), "otomatis": otomatis,
             "anggaran": [{"id": m.id, "kode": m.kode, "tingkat": m.tingkat, "nama": m.nama, "pagu": m.pagu,
                           "realisasi": m.realisasi, "parent_id": m.parent_id, "unit_id": m.unit_id}
                          for m in anggaran]}
    if y is None:
        await conn.execute(t.tahun_anggaran.insert().values(tahun=tahun, status=DIBUKA, dibuka_oleh=actor[:120],
                                                            dibuka_pada=now))
    res = await conn.execute(t.tahun_anggaran.update().where(
        t.tahun_anggaran.c.tahun == tahun, t.tahun_anggaran.c.status == DIBUKA).values(
        status=DITUTUP, ditutup_oleh=actor[:120], ditutup_pada=now, final=final))
    if res.rowcount != 1:  # another admin closed it between our read and our write
        raise DitolakError(f"Tahun anggaran {tahun} baru saja ditutup orang lain.")
    await audit.record(conn, actor=actor, actor_id=actor_id, action="tutup", entity="tahun_anggaran",
                       entity_id=tahun, new={"realisasi": len(final["realisasi"]), "otomatis": otomatis,
                                             "mata_anggaran": len(anggaran)}, now=now)
    return final


async def buka_kembali(conn: AsyncConnection, tahun: int, *, alasan: str, actor: str, actor_id: int | None = None,
                       now: datetime) -> None:
    """Reopen a closed year (an admin's act, with a reason, audited); reports read live data again."""
    alasan = (alasan or "").strip()
    if not alasan:
        raise DitolakError("Membuka kembali tahun yang sudah ditutup perlu alasan.")
    y = await get(conn, tahun)
    if y is None or y.status != DITUTUP:
        raise DitolakError(f"Tahun anggaran {tahun} tidak dalam keadaan ditutup.")
    old = (await conn.execute(sa.select(t.tahun_anggaran.c.final)
                              .where(t.tahun_anggaran.c.tahun == tahun))).scalar_one()
    await conn.execute(t.tahun_anggaran.update().where(t.tahun_anggaran.c.tahun == tahun).values(
        status=DIBUKA, dibuka_kembali_oleh=actor[:120], dibuka_kembali_pada=now, alasan_buka_kembali=alasan[:2000],
        final=None))
    await audit.record(conn, actor=actor, actor_id=actor_id, action="buka_kembali", entity="tahun_anggaran",
                       entity_id=tahun, old={"status": DITUTUP, "final": old},
                       new={"status": DIBUKA, "alasan": alasan}, now=now)


# --- what reports of a closed year read ---------------------------------------------------------------------


async def final(conn: AsyncConnection, tahun: int) -> dict[str, Any] | None:
    """The stored final values of a closed year, or None while the year is open (or was never opened)."""
    q = sa.select(t.tahun_anggaran.c.final).where(t.tahun_anggaran.c.tahun == tahun,
                                                  t.tahun_anggaran.c.status == DITUTUP)
    return (await conn.execute(q)).scalar_one_or_none()


def final_realisations(f: dict[str, Any], ids: list[int], tahun: int) -> dict[int, list[Realisasi]]:
    """The frozen realisations of the given indicators, in the shape storage.kinerja.realisations returns."""
    want = set(ids)
    out: dict[int, list[Realisasi]] = {}
    for x in sorted(f.get("realisasi", []), key=lambda x: (x["periode"], x["versi"])):
        if x["indicator_id"] in want:
            out.setdefault(x["indicator_id"], []).append(Realisasi(
                x["id"], x["indicator_id"], tahun, x["periode"], x["versi"], x["nilai"], "disetujui", x["sumber"],
                datetime.fromisoformat(x["created_at"]), x["author_id"], x["catatan"], x["alasan_koreksi"]))
    return out


def final_lines(f: dict[str, Any], tahun: int) -> list[MataAnggaran]:
    """The frozen budget lines, as storage.anggaran.lines returns them."""
    return [MataAnggaran(x["id"], tahun, x["kode"], x["tingkat"], x["nama"], x["pagu"], x["realisasi"],
                         x["parent_id"], x["unit_id"]) for x in f.get("anggaran", [])]


# --- readiness counts (reports.tahun turns them into the checklist) -------------------------------------------


@dataclass(frozen=True)
class PkUnit:
    """A unit's newest PK of the year: how many indicators, how many targets confirmed."""

    unit: str
    nama: str
    draf: bool
    indikator: int
    dikonfirmasi: int


@dataclass(frozen=True)
class HitungKesiapan:
    """What a year holds so far, for its readiness checklist."""

    pk: list[PkUnit]
    unit_pk_lalu: list[str]  # units with a PK the year before
    target: int
    target_perlu_konfirmasi: int
    mata_anggaran: int
    revisi: tuple[int, str, date] | None  # the newest DIPA revision: (ke, dokumen, tanggal)
    rencana_aksi: int
    periode_pelaporan: int
    tahapan: int
    tenggat: int
    unit_tanpa_operator: list[str]  # units with a PK and no active operator


async def hitung_kesiapan(conn: AsyncConnection, tahun: int) -> HitungKesiapan:
    """Count what the year holds: PKs and targets, budget lines, rencana aksi, periods, stages, deadlines, users."""
    pk: list[PkUnit] = []
    for doc in await _latest_pks(conn, tahun):
        it = t.pk_items
        n, belum = (await conn.execute(sa.select(
            sa.func.count(), sa.func.sum(sa.case((it.c.perlu_konfirmasi, 1), else_=0))).where(
            it.c.pk_id == doc.id))).one()
        r = (await conn.execute(sa.select(t.units.c.name, t.pk_documents.c.draf).join(
            t.pk_documents, t.pk_documents.c.unit_id == t.units.c.id).where(t.pk_documents.c.id == doc.id))).one()
        pk.append(PkUnit(doc.code, r.name, bool(r.draf), int(n), int(n) - int(belum or 0)))
    lalu = [d.code for d in await _latest_pks(conn, tahun - 1)]
    it = t.indicator_targets
    target, belum_t = (await conn.execute(sa.select(
        sa.func.count(), sa.func.sum(sa.case((it.c.perlu_konfirmasi, 1), else_=0))).where(
        it.c.sumber == "pk", it.c.periode == str(tahun)))).one()

    async def count(table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table).where(*where))).scalar_one())

    rv = t.budget_revisions
    rev = (await conn.execute(sa.select(rv.c.ke, rv.c.dokumen, rv.c.tanggal).where(rv.c.tahun == tahun)
                              .order_by(rv.c.ke.desc()).limit(1))).first()
    awal, akhir = datetime(tahun, 1, 1, tzinfo=UTC), datetime(tahun + 1, 1, 1, tzinfo=UTC)
    dl = t.deadlines
    pk_units = {p.unit for p in pk}
    u = t.users
    berop = set((await conn.execute(sa.select(t.units.c.code).join(u, u.c.unit_id == t.units.c.id).where(
        u.c.role == "operator", u.c.status == "aktif"))).scalars().all())
    return HitungKesiapan(
        pk=pk, unit_pk_lalu=lalu, target=int(target), target_perlu_konfirmasi=int(belum_t or 0),
        mata_anggaran=await count(t.budget_lines, t.budget_lines.c.tahun == tahun),
        revisi=(rev.ke, rev.dokumen, rev.tanggal) if rev else None,
        rencana_aksi=await count(t.rencana_aksi, t.rencana_aksi.c.tahun == tahun),
        periode_pelaporan=await count(dl, dl.c.jenis == "pelaporan",
                                        sa.or_(dl.c.ref == str(tahun), dl.c.ref.like(f"{tahun}-%"))),
        tahapan=await count(t.voter_stages, t.voter_stages.c.tahun == tahun),
        tenggat=await count(dl, dl.c.batas >= awal, dl.c.batas < akhir),
        unit_tanpa_operator=sorted(pk_units - berop))
