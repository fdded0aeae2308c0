"""Reads the LKj tables need beyond the other repositories: Renstra targets over the years, spending per output,
which units have a PK, and which years hold data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t


@dataclass(frozen=True)
class IndikatorRingkas:
    """What a comparison needs to know about an indicator besides its capaian row."""

    id: int
    kode: str
    jenis: str
    polaritas: str


@dataclass(frozen=True)
class RealisasiOutput:
    """Spending (percent of the allocation) of one budget output, grouped under an indicator (Tabel 3.17)."""

    indikator_kode: str
    output: str
    persen: Decimal


async def indicators_by_kode(conn: AsyncConnection, kode: Sequence[str]) -> dict[str, IndikatorRingkas]:
    """Indicators by code."""
    i = t.indicators
    rows = (await conn.execute(sa.select(i.c.id, i.c.kode, i.c.jenis, i.c.polaritas)
                               .where(i.c.kode.in_(list(kode))))).all()
    return {r.kode: IndikatorRingkas(r.id, r.kode, r.jenis, r.polaritas) for r in rows}


async def renstra_targets(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, dict[int, str]]:
    """The yearly Renstra targets of each indicator: indicator id -> year -> canonical value."""
    it = t.indicator_targets
    q = sa.select(it.c.indicator_id, it.c.tahun, it.c.nilai).where(
        it.c.indicator_id.in_(list(ids)), it.c.sumber == "renstra", it.c.periode == sa.cast(it.c.tahun, sa.String))
    out: dict[int, dict[int, str]] = {}
    for ind, tahun, nilai in (await conn.execute(q)).all():
        out.setdefault(ind, {})[tahun] = nilai
    return out


async def output_realisations(conn: AsyncConnection, tahun: int) -> list[RealisasiOutput]:
    """Spending per output of a year, in the order they were recorded."""
    o = t.output_realisations
    q = sa.select(o.c.indikator_kode, o.c.output, o.c.persen).where(o.c.tahun == tahun).order_by(o.c.id)
    return [RealisasiOutput(k, out, Decimal(p)) for k, out, p in (await conn.execute(q)).all()]


async def units_with_pk(conn: AsyncConnection, tahun: int) -> set[str]:
    """Codes of the units that have a PK document for the year."""
    q = (sa.select(t.units.c.code).join(t.pk_documents, t.pk_documents.c.unit_id == t.units.c.id)
         .where(t.pk_documents.c.tahun == tahun).distinct())
    return set((await conn.execute(q)).scalars().all())


async def realisation_years(conn: AsyncConnection) -> list[int]:
    """Years that hold at least one realisation, oldest first."""
    q = sa.select(t.realisations.c.tahun).distinct().order_by(t.realisations.c.tahun)
    return list((await conn.execute(q)).scalars().all())


async def budget_years(conn: AsyncConnection) -> list[int]:
    """Years that hold budget lines, oldest first."""
    q = sa.select(t.budget_lines.c.tahun).distinct().order_by(t.budget_lines.c.tahun)
    return list((await conn.execute(q)).scalars().all())
