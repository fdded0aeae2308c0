"""Voter-list update stages and their completion per unit (versioned)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Tahapan
from storage import tables as t


async def stages(conn: AsyncConnection, tahun: int) -> list[Tahapan]:
    """The stages of a year in order."""
    q = sa.select(t.voter_stages).where(t.voter_stages.c.tahun == tahun).order_by(t.voter_stages.c.no)
    return [Tahapan(r.id, r.tahun, r.no, r.nama, r.mulai, r.selesai, r.pelaksana)
            for r in (await conn.execute(q)).all()]


async def completions(conn: AsyncConnection, tahun: int) -> dict[tuple[int, int], date]:
    """The latest completion date per (stage id, unit id)."""
    q = (sa.select(t.stage_completions.c.stage_id, t.stage_completions.c.unit_id,
                   t.stage_completions.c.selesai_pada)
         .join(t.voter_stages, t.voter_stages.c.id == t.stage_completions.c.stage_id)
         .where(t.voter_stages.c.tahun == tahun).order_by(t.stage_completions.c.versi))
    return {(s, u): d for s, u, d in (await conn.execute(q)).all()}


async def latest_year(conn: AsyncConnection) -> int | None:
    """The latest year that has stages."""
    return (await conn.execute(sa.select(sa.func.max(t.voter_stages.c.tahun)))).scalar_one_or_none()
