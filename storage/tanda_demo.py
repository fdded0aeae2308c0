"""Which stored figures are demo data: targets of the organisations and years the demo made up, stage completions
a demo or generator wrote (`domain.tanda` says how reports mark them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.tanda import SUMBER_DEMO
from storage import tables as t


async def _pengaturan(conn: AsyncConnection) -> dict[str, object] | None:
    r = (await conn.execute(sa.select(t.app_settings.c.value).where(t.app_settings.c.key == "demo"))).first()
    return r[0] if r and isinstance(r[0], dict) else None


async def target_demo(conn: AsyncConnection, tahun: int) -> set[int]:
    """Ids of the indicators whose targets of the year are demo targets (the demo records which org and year)."""
    demo = await _pengaturan(conn)
    if demo is None:
        return set()
    pasangan = demo.get("target_demo")
    if not isinstance(pasangan, list):  # a demo loaded before the list was recorded: its current year only
        pasangan = [[demo.get("org"), demo.get("tahun_kini")]] if demo.get("tahun_kini") else []
    orgs = [o for o, y in pasangan if y == tahun]
    if not orgs:
        return set()
    q = (sa.select(t.indicators.c.id).join(t.units, t.units.c.id == t.indicators.c.unit_id)
         .where(t.units.c.org.in_(orgs)))
    return set((await conn.execute(q)).scalars().all())


async def penyelesaian_demo(conn: AsyncConnection, tahun: int) -> set[tuple[int, int]]:
    """(stage id, unit id) whose latest completion of the year was written by a demo or generator."""
    sc, vs = t.stage_completions, t.voter_stages
    q = (sa.select(sc.c.stage_id, sc.c.unit_id, sc.c.sumber).join(vs, vs.c.id == sc.c.stage_id)
         .where(vs.c.tahun == tahun).order_by(sc.c.versi))
    terakhir = {(s, u): sumber for s, u, sumber in (await conn.execute(q)).all()}
    return {k for k, sumber in terakhir.items() if sumber in SUMBER_DEMO}
