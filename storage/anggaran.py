"""Budget lines (program, kegiatan, output) and their cumulative spending over time."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import MataAnggaran
from domain.periode import parse_periode
from storage import tables as t


async def lines(conn: AsyncConnection, tahun: int, tingkat: str | None = None) -> list[MataAnggaran]:
    """Budget lines of a year with the latest cumulative spending (latest period, latest version)."""
    q = sa.select(t.budget_lines).where(t.budget_lines.c.tahun == tahun).order_by(t.budget_lines.c.id)
    if tingkat:
        q = q.where(t.budget_lines.c.tingkat == tingkat)
    rows = (await conn.execute(q)).all()
    reals = (await conn.execute(
        sa.select(t.budget_realisations.c.budget_line_id, t.budget_realisations.c.periode,
                  t.budget_realisations.c.versi, t.budget_realisations.c.jumlah)
        .where(t.budget_realisations.c.budget_line_id.in_([r.id for r in rows])))).all()
    latest: dict[int, tuple[tuple[object, int], int]] = {}
    for line_id, periode, versi, jumlah in reals:
        key = (parse_periode(periode).selesai, versi)
        if line_id not in latest or key > latest[line_id][0]:  # type: ignore[operator]
            latest[line_id] = (key, jumlah)
    return [MataAnggaran(r.id, r.tahun, r.kode, r.tingkat, r.nama, r.pagu,
                         latest[r.id][1] if r.id in latest else None, r.parent_id, r.unit_id) for r in rows]


async def latest_year(conn: AsyncConnection) -> int | None:
    """The latest year that has budget lines."""
    return (await conn.execute(sa.select(sa.func.max(t.budget_lines.c.tahun)))).scalar_one_or_none()
