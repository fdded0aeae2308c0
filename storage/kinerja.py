"""Indicators, their targets and PK documents, and versioned realisations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.capaian import JenisIndikator, format_nilai, nilai_from_canonical
from domain.entitas import Indikator, Pengguna, Realisasi, Unit
from domain.kinerja import (
    DitolakError,
    LaporanRealisasi,
    berwenang_verifikasi,
    cakupan_unit,
    kepala_terdekat,
    periksa_periode,
    periksa_verifikasi,
)
from domain.periode import parse_periode
from storage import arrivals, audit, org, outbox, users
from storage import tables as t
from storage import tahun as tahun_anggaran
from storage.db import inserted_id
from storage.sql import dialect_insert


def _ind(r: sa.Row) -> Indikator:
    return Indikator(r.id, r.kode, r.nama, r.jenis, r.polaritas, r.unit_id, r.parent_id, r.tingkat, r.sasaran_no,
                     r.sasaran, r.frekuensi, r.agregasi, r.otomatis, r.catatan)


def _real(r: sa.Row) -> Realisasi:
    return Realisasi(r.id, r.indicator_id, r.tahun, r.periode, r.versi, r.nilai, r.status, r.sumber,
                     r.created_at, r.author_id, r.catatan, r.alasan_koreksi)


async def strategic_indicators(conn: AsyncConnection) -> list[Indikator]:
    """The organisation's strategic (Renstra) indicators in their order."""
    q = sa.select(t.indicators).where(t.indicators.c.tingkat == "renstra").order_by(t.indicators.c.id)
    return [_ind(r) for r in (await conn.execute(q)).all()]


async def indicators_by_id(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Indikator]:
    """Indicators by id."""
    q = sa.select(t.indicators).where(t.indicators.c.id.in_(list(ids)))
    return {r.id: _ind(r) for r in (await conn.execute(q)).all()}


async def children_of(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, list[Indikator]]:
    """Indicators that cascade from each of the given ones."""
    q = sa.select(t.indicators).where(t.indicators.c.parent_id.in_(list(ids))).order_by(t.indicators.c.id)
    out: dict[int, list[Indikator]] = {}
    for r in (await conn.execute(q)).all():
        out.setdefault(r.parent_id, []).append(_ind(r))
    return out


async def latest_pk(conn: AsyncConnection, unit_id: int, tahun: int) -> list[tuple[Indikator, str]] | None:
    """The indicators and targets of a unit's newest PK version for the year, or None."""
    doc = (await conn.execute(
        sa.select(t.pk_documents.c.id).where(t.pk_documents.c.unit_id == unit_id, t.pk_documents.c.tahun == tahun)
        .order_by(t.pk_documents.c.versi.desc()).limit(1))).scalar_one_or_none()
    if doc is None:
        return None
    q = (sa.select(t.indicators, t.pk_items.c.target).join(t.pk_items, t.pk_items.c.indicator_id == t.indicators.c.id)
         .where(t.pk_items.c.pk_id == doc).order_by(t.pk_items.c.urutan))
    return [(_ind(r), r.target) for r in (await conn.execute(q)).all()]


async def targets(conn: AsyncConnection, ids: Sequence[int], tahun: int, sumber: str) -> dict[int, str]:
    """The yearly target of each indicator from one source (pk or renstra)."""
    q = sa.select(t.indicator_targets.c.indicator_id, t.indicator_targets.c.nilai).where(
        t.indicator_targets.c.indicator_id.in_(list(ids)), t.indicator_targets.c.periode == str(tahun),
        t.indicator_targets.c.sumber == sumber)
    return {i: v for i, v in (await conn.execute(q)).all()}


async def realisations(conn: AsyncConnection, ids: Sequence[int], tahun: int) -> dict[int, list[Realisasi]]:
    """Every version of every realisation of the year, oldest first, per indicator."""
    q = (sa.select(t.realisations).where(t.realisations.c.indicator_id.in_(list(ids)),
                                         t.realisations.c.tahun == tahun)
         .order_by(t.realisations.c.periode, t.realisations.c.versi))
    out: dict[int, list[Realisasi]] = {}
    for r in (await conn.execute(q)).all():
        out.setdefault(r.indicator_id, []).append(_real(r))
    return out


async def latest_year(conn: AsyncConnection) -> int | None:
    """The latest year that has a realisation."""
    return (await conn.execute(sa.select(sa.func.max(t.realisations.c.tahun)))).scalar_one_or_none()


# --- reporting: versions, verification, closed periods (performance reporting feature) ----------------------

PERIODE_TUTUP = "periode_tutup"  # app_settings key: the period codes an admin closed for late reports


def _laporan(r: sa.Row) -> LaporanRealisasi:
    return LaporanRealisasi(
        r.id, r.indicator_id, r.tahun, r.periode, r.versi, r.nilai, r.status, r.sumber, r.created_at, r.author_id,
        list(r.bukti or []), r.hambatan, r.upaya, r.alasan_koreksi, r.verified_by, r.verified_at, r.verify_note)


def _urut(r: LaporanRealisasi) -> tuple[date, date, int]:
    p = parse_periode(r.periode)
    return p.selesai, p.mulai, r.versi


async def indicator(conn: AsyncConnection, indicator_id: int) -> Indikator | None:
    """One indicator by id."""
    r = (await conn.execute(sa.select(t.indicators).where(t.indicators.c.id == indicator_id))).first()
    return _ind(r) if r else None


async def indicator_by_code(conn: AsyncConnection, kode: str) -> Indikator | None:
    """One indicator by its code (case-insensitive)."""
    r = (await conn.execute(sa.select(t.indicators)
                            .where(sa.func.upper(t.indicators.c.kode) == kode.strip().upper()))).first()
    return _ind(r) if r else None


async def history(conn: AsyncConnection, ids: Sequence[int], tahun: int) -> dict[int, list[LaporanRealisasi]]:
    """Every version of the year's realisations per indicator, by period then version (oldest first)."""
    q = sa.select(t.realisations).where(t.realisations.c.indicator_id.in_(list(ids)), t.realisations.c.tahun == tahun)
    out: dict[int, list[LaporanRealisasi]] = {}
    for r in sorted((_laporan(r) for r in (await conn.execute(q)).all()), key=_urut):
        out.setdefault(r.indicator_id, []).append(r)
    return out


async def versions(conn: AsyncConnection, indicator_id: int, periode: str) -> list[LaporanRealisasi]:
    """Every version reported for one indicator and period, oldest first."""
    q = (sa.select(t.realisations).where(t.realisations.c.indicator_id == indicator_id,
                                         t.realisations.c.periode == periode).order_by(t.realisations.c.versi))
    return [_laporan(r) for r in (await conn.execute(q)).all()]


async def realisation(conn: AsyncConnection, realisation_id: int) -> LaporanRealisasi | None:
    """One realisation version by id."""
    r = (await conn.execute(sa.select(t.realisations).where(t.realisations.c.id == realisation_id))).first()
    return _laporan(r) if r else None


async def closed_periods(conn: AsyncConnection) -> list[str]:
    """The period codes an admin closed for late reports."""
    q = sa.select(t.app_settings.c.value).where(t.app_settings.c.key == PERIODE_TUTUP)
    value = (await conn.execute(q)).scalar_one_or_none()
    return [str(v) for v in value] if isinstance(value, list) else []


async def set_period_closed(conn: AsyncConnection, kode: str, *, tutup: bool, actor: str, now: datetime,
                            actor_id: int | None = None) -> list[str]:
    """Close (or reopen) a reporting period for late reports; returns the closed codes."""
    p = parse_periode(kode)
    old = await closed_periods(conn)
    new = sorted(set(old) | {p.kode}) if tutup else [k for k in old if k != p.kode]
    if new == old:
        return old
    stmt = dialect_insert(conn, t.app_settings).values(key=PERIODE_TUTUP, value=new)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": new}))
    await audit.record(conn, actor=actor, actor_id=actor_id, action="tutup_periode" if tutup else "buka_periode",
                       entity="periode", entity_id=p.kode, old=old, new=new, now=now)
    return new


async def _unit_tree(conn: AsyncConnection) -> tuple[dict[int, int | None], dict[int, str]]:
    rows = (await conn.execute(sa.select(t.units.c.id, t.units.c.parent_id, t.units.c.kind))).all()
    return {u: p for u, p, _ in rows}, {u: k for u, _, k in rows}


async def verifiers(conn: AsyncConnection, unit_id: int, author_id: int | None = None) -> list[Pengguna]:
    """Who verifies a unit's reports: its active head(s), else those of the nearest unit above with one; never the
    report's author (a head reporting goes to the head above)."""
    induk, _ = await _unit_tree(conn)
    q = sa.select(t.users.c.id, t.users.c.unit_id).where(t.users.c.is_head.is_(True), t.users.c.status == "aktif",
                                                        t.users.c.unit_id.is_not(None),
                                                        t.users.c.id != (author_id or 0))
    kepala: dict[int, list[int]] = {}
    for uid, unit in (await conn.execute(q.order_by(t.users.c.id))).all():
        kepala.setdefault(unit, []).append(uid)
    out = [await users.by_id(conn, uid) for uid in kepala_terdekat(unit_id, induk, kepala)]
    return [u for u in out if u is not None]


async def may_verify(conn: AsyncConnection, user: Pengguna, unit_id: int) -> bool:
    """Whether the user may verify the unit's reports (``domain.kinerja.berwenang_verifikasi``)."""
    induk, _ = await _unit_tree(conn)
    return berwenang_verifikasi(user.role, user.aktif, user.is_head, user.unit_id, unit_id, induk)


async def reporting_scope(conn: AsyncConnection, unit_id: int) -> list[int]:
    """The units an operator of this unit reports for: budget lines, action-plan activities, PK indicators.

    The one rule (``domain.kinerja.cakupan_unit``): the unit, the units below it, and a Sub Bagian's Bagian.
    """
    induk, jenis = await _unit_tree(conn)
    return cakupan_unit(unit_id, induk, jenis)


async def reportable_pks(conn: AsyncConnection, unit_id: int,
                         tahun: int) -> list[tuple[Unit, list[tuple[Indikator, str]]]]:
    """The PKs in force for the year (each unit's newest version) that an operator of the unit reports: those of
    its reporting scope (``reporting_scope``), its own first, each with its indicators and targets in order."""
    scope = await reporting_scope(conn, unit_id)
    pk, it = t.pk_documents, t.pk_items
    newest: dict[int, int] = {}  # unit -> its newest PK document of the year
    for doc, uid in (await conn.execute(sa.select(pk.c.id, pk.c.unit_id).where(
            pk.c.unit_id.in_(scope), pk.c.tahun == tahun).order_by(pk.c.versi))).all():
        newest[uid] = doc
    items: dict[int, list[tuple[Indikator, str]]] = {}
    if newest:
        q = (sa.select(t.indicators, it.c.pk_id, it.c.target).join(it, it.c.indicator_id == t.indicators.c.id)
             .where(it.c.pk_id.in_(list(newest.values()))).order_by(it.c.pk_id, it.c.urutan))
        for r in (await conn.execute(q)).all():
            items.setdefault(r.pk_id, []).append((_ind(r), r.target))
    units = sorted((u for u in await org.units(conn) if u.id in newest), key=lambda u: (u.id != unit_id, u.code))
    return [(u, items[newest[u.id]]) for u in units if items.get(newest[u.id])]


async def reportable_item(conn: AsyncConnection, unit_id: int, tahun: int,
                          indicator_id: int) -> tuple[Unit, Indikator, str] | None:
    """The PK's unit, the indicator and its target when an operator of the unit reports it (``reportable_pks``)."""
    for unit, pk in await reportable_pks(conn, unit_id, tahun):
        for ind, target in pk:
            if ind.id == indicator_id:
                return unit, ind, target
    return None


async def pk_item(conn: AsyncConnection, unit_id: int, tahun: int, indicator_id: int) -> tuple[Indikator, str] | None:
    """The indicator and its target when it is in the unit's PK in force for the year, else None."""
    pk = await latest_pk(conn, unit_id, tahun) or []
    return next(((i, tg) for i, tg in pk if i.id == indicator_id), None)


async def submit(conn: AsyncConnection, *, author: Pengguna, indicator_id: int, tahun: int, periode: str, nilai: str,
                 bukti: list[dict[str, Any]], hambatan: str | None, upaya: str | None, alasan_koreksi: str | None,
                 today: date, now: datetime, sumber: str = "bot", draf: str | None = None) -> LaporanRealisasi:
    """Record a realisation (a new version, status diajukan) of an indicator the author reports (a PK in force of
    their reporting scope: their unit's, or their Bagian's for a Sub Bagian), audited.

    A draft (`draf`) already stored by this author gives back its realisation and writes nothing.
    """
    if draf is not None and (sudah := await _dari_draf(conn, draf, author.id)) is not None:
        return sudah
    await tahun_anggaran.periksa_terbuka(conn, tahun)
    item = await reportable_item(conn, author.unit_id, tahun, indicator_id) if author.unit_id is not None else None
    if item is None:
        raise DitolakError("Indikator ini bukan milik Perjanjian Kinerja unit Anda yang berlaku; laporkan hanya "
                           "indikator unit Anda (dan, untuk Sub Bagian, indikator Bagian di atasnya).")
    ind = item[1]
    if ind.otomatis:
        raise DitolakError(f"Indikator {ind.kode} dihitung otomatis oleh Pantau; tidak perlu dilaporkan.")
    p = parse_periode(periode)
    periksa_periode(p, ind.frekuensi, tahun, today, await closed_periods(conn))
    nilai_from_canonical(JenisIndikator(ind.jenis), nilai)  # a value of the indicator's kind, or ParseError
    previous = await versions(conn, ind.id, p.kode)
    alasan = alasan_koreksi.strip() if alasan_koreksi else None
    if previous and not alasan:
        raise DitolakError(f"Periode {p.label} sudah dilaporkan (versi {previous[-1].versi}); laporan baru adalah "
                           "koreksi dan perlu alasan.")
    versi = (previous[-1].versi if previous else 0) + 1
    res = await conn.execute(t.realisations.insert().values(
        indicator_id=ind.id, tahun=p.tahun, periode=p.kode, versi=versi, nilai=nilai, bukti=bukti,
        hambatan=hambatan, upaya=upaya, alasan_koreksi=alasan if previous else None, author_id=author.id,
        sumber=sumber, status="diajukan", draf=draf, created_at=now))
    rid = inserted_id(res)
    await audit.record(conn, actor=author.name, actor_id=author.id, action="koreksi" if previous else "lapor",
                       entity="realisasi", entity_id=rid,
                       old={"versi": previous[-1].versi, "nilai": previous[-1].nilai} if previous else None,
                       new={"indikator": ind.kode, "periode": p.kode, "versi": versi, "nilai": nilai,
                            "alasan": alasan if previous else None}, now=now)
    out = await realisation(conn, rid)
    assert out is not None
    return out


async def _dari_draf(conn: AsyncConnection, draf: str, author_id: int) -> LaporanRealisasi | None:
    """The realisation this author stored from this draft, or None."""
    r = t.realisations
    rid = (await conn.execute(sa.select(r.c.id).where(r.c.draf == draf, r.c.author_id == author_id))).scalar()
    return await realisation(conn, rid) if rid is not None else None


async def _periksa(conn: AsyncConnection, realisation_id: int, verifier: Pengguna, setuju: bool | None,
                   alasan: str | None) -> tuple[LaporanRealisasi, Indikator, str | None]:
    r = await realisation(conn, realisation_id)
    ind = await indicator(conn, r.indicator_id) if r else None
    if r is None or ind is None:
        raise DitolakError("Laporan ini tidak ditemukan.")
    await tahun_anggaran.periksa_terbuka(conn, r.tahun)
    newest = (await versions(conn, r.indicator_id, r.periode))[-1]
    alasan = periksa_verifikasi(
        berwenang=await may_verify(conn, verifier, ind.unit_id), verifikator_id=verifier.id, penulis_id=r.author_id,
        status=r.status, versi=r.versi, versi_terbaru=newest.versi, setuju=setuju, alasan=alasan)
    return r, ind, alasan


async def decidable(conn: AsyncConnection, realisation_id: int,
                    verifier: Pengguna) -> tuple[LaporanRealisasi, Indikator]:
    """The realisation and its indicator when this verifier may decide on it now, else DitolakError."""
    r, ind, _ = await _periksa(conn, realisation_id, verifier, None, None)
    return r, ind


VF_KE_PELAPOR_SETUJU = "✅ Laporan {kode} {periode} ({nilai}, versi {versi}) disetujui oleh {kepala}."
VF_KE_PELAPOR_KEMBALI = ("↩️ Laporan {kode} {periode} ({nilai}, versi {versi}) dikembalikan oleh {kepala}.\n"
                         "Alasan: {catatan}\nPerbaiki lewat /realisasi (laporan baru menjadi versi berikutnya).")


async def decide(conn: AsyncConnection, realisation_id: int, *, approve: bool, note: str | None, verifier: Pengguna,
                 now: datetime) -> LaporanRealisasi:
    """Approve or return a submitted realisation (the bot and the web alike): the rule of
    ``domain.kinerja.periksa_verifikasi``, once, audited, and the operator told through the outbox."""
    r, ind, alasan = await _periksa(conn, realisation_id, verifier, approve, note)
    status = "disetujui" if approve else "dikembalikan"
    catatan = alasan if not approve else (note.strip() or None if note else None)
    res = await conn.execute(t.realisations.update()
                             .where(t.realisations.c.id == r.id, t.realisations.c.status == "diajukan")
                             .values(status=status, verified_by=verifier.id, verified_at=now, verify_note=catatan))
    if res.rowcount == 0:  # someone decided between our read and our write
        raise DitolakError("Laporan ini baru saja diverifikasi orang lain.")
    await audit.record(conn, actor=verifier.name, actor_id=verifier.id, action="setujui" if approve else "kembalikan",
                       entity="realisasi", entity_id=r.id, old={"status": "diajukan"},
                       new={"status": status, "catatan": catatan}, now=now)
    author = await users.by_id(conn, r.author_id) if r.author_id else None
    if author is not None and author.telegram_id is not None:
        jenis = JenisIndikator(ind.jenis)
        isi = {"kode": ind.kode, "periode": parse_periode(r.periode).label, "versi": r.versi, "kepala": verifier.name,
               "nilai": format_nilai(jenis, nilai_from_canonical(jenis, r.nilai)), "catatan": catatan or ""}
        text = (VF_KE_PELAPOR_SETUJU if approve else VF_KE_PELAPOR_KEMBALI).format(**isi)
        await outbox.enqueue(conn, key=f"vf-hasil:{r.id}", chat_id=author.telegram_id, text=text, kind="info",
                             now=now)
    out = await realisation(conn, r.id)
    assert out is not None
    return out


async def arrivals_on_target(conn: AsyncConnection, tahun: int, sampai: date | None = None) -> tuple[int, int] | None:
    """(TPS whose latest arrival report of the year is tepat, all TPS), or None when the year has no report."""
    return await arrivals.tepat_dari_semua(conn, tahun, sampai=sampai)
