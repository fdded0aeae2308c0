"""Which budget years a reporting flow works on: this year, the previous one until it is closed, and the years
that have data (for a message that finds nothing this year)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage import tahun as tahun_anggaran


async def tahun_ditutup(conn: AsyncConnection, tahun: int) -> bool:
    """Whether the budget year is closed (frozen): no flow offers it any more (storage.tahun holds the status)."""
    y = await tahun_anggaran.get(conn, tahun)
    return y is not None and y.status == tahun_anggaran.DITUTUP


async def tahun_terbuka(conn: AsyncConnection, tahun_ini: int) -> list[int]:
    """The years a flow offers without a year typed: this one, and last year until it is closed (late reports)."""
    return [tahun_ini] if await tahun_ditutup(conn, tahun_ini - 1) else [tahun_ini, tahun_ini - 1]


async def tahun_pk(conn: AsyncConnection, unit_ids: Sequence[int]) -> list[int]:
    """The years with a PK of any of these units."""
    q = (sa.select(t.pk_documents.c.tahun).where(t.pk_documents.c.unit_id.in_(list(unit_ids)))
         .distinct().order_by(t.pk_documents.c.tahun))
    return list((await conn.execute(q)).scalars().all())


async def tahun_anggaran_output(conn: AsyncConnection, unit_ids: Sequence[int]) -> list[int]:
    """The years with budget outputs of any of these units."""
    b = t.budget_lines
    q = (sa.select(b.c.tahun).where(b.c.unit_id.in_(list(unit_ids)), b.c.tingkat == "output")
         .distinct().order_by(b.c.tahun))
    return list((await conn.execute(q)).scalars().all())


async def tahun_rencana(conn: AsyncConnection, unit_ids: Sequence[int]) -> list[int]:
    """The years with action-plan activities of any of these units."""
    r = t.rencana_aksi
    q = sa.select(r.c.tahun).where(r.c.unit_id.in_(list(unit_ids))).distinct().order_by(r.c.tahun)
    return list((await conn.execute(q)).scalars().all())


async def tahun_tahapan(conn: AsyncConnection) -> list[int]:
    """The years with a voter-list stage schedule."""
    v = t.voter_stages
    return list((await conn.execute(sa.select(v.c.tahun).distinct().order_by(v.c.tahun))).scalars().all())


async def tahun_kinerja(conn: AsyncConnection) -> list[int]:
    """The years with performance data: a PK of any unit, a target of any indicator, or a realisation."""
    q = sa.union(sa.select(t.pk_documents.c.tahun), sa.select(t.indicator_targets.c.tahun),
                 sa.select(t.realisations.c.tahun)).subquery()
    return sorted(int(y) for y in (await conn.execute(sa.select(q.c.tahun).distinct())).scalars().all())


async def tahun_mata_anggaran(conn: AsyncConnection) -> list[int]:
    """The years with budget lines."""
    b = t.budget_lines
    return list((await conn.execute(sa.select(b.c.tahun).distinct().order_by(b.c.tahun))).scalars().all())
