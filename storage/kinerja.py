"""Indicators, their targets and PK documents, and versioned realisations."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Indikator, Realisasi
from storage import tables as t


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
