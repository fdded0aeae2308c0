"""Units and polling stations."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Tps, Unit
from storage import tables as t


def _unit(r: sa.Row) -> Unit:
    return Unit(r.id, r.code, r.name, r.kind, r.parent_id, r.kode_wilayah, r.timezone)


async def units(conn: AsyncConnection, kind: str | None = None) -> list[Unit]:
    """All units (optionally of one kind) in code order."""
    q = sa.select(t.units).order_by(t.units.c.id)
    if kind:
        q = q.where(t.units.c.kind == kind)
    return [_unit(r) for r in (await conn.execute(q)).all()]


async def unit_by_code(conn: AsyncConnection, code: str) -> Unit | None:
    """One unit by its code (case-insensitive), or None."""
    r = (await conn.execute(sa.select(t.units).where(sa.func.upper(t.units.c.code) == code.upper()))).first()
    return _unit(r) if r else None


async def descendants(conn: AsyncConnection, unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    rows = (await conn.execute(sa.select(t.units.c.id, t.units.c.parent_id))).all()
    children: dict[int | None, list[int]] = {}
    for uid, pid in rows:
        children.setdefault(pid, []).append(uid)
    out, stack = [], [unit_id]
    while stack:
        u = stack.pop()
        out.append(u)
        stack.extend(children.get(u, []))
    return out


_KAB = t.units.alias("kab")
_KEC = t.wilayah.alias("kec")
_DESA = t.wilayah.alias("desa")
_TPS_COLS = (t.tps, _KAB.c.code.label("kab_code"), _KAB.c.name.label("kab_name"),
             _KEC.c.nama.label("kec_nama"), _DESA.c.nama.label("desa_nama"))
_TPS_FROM = (t.tps.join(_KAB, _KAB.c.id == t.tps.c.kabkota_unit_id)
             .join(_KEC, _KEC.c.id == t.tps.c.kecamatan_id).join(_DESA, _DESA.c.id == t.tps.c.desa_id))


def _tps(r: sa.Row) -> Tps:
    return Tps(r.id, r.kode, r.nama, r.kab_code, r.kab_name, r.kec_nama, r.desa_nama, r.dpt, r.sulit, r.generated)


async def list_tps(conn: AsyncConnection, *, kabkota: str | None = None, sulit: bool | None = None,
                   ids: Sequence[int] | None = None, limit: int | None = None, offset: int = 0) -> list[Tps]:
    """Polling stations in code order, filtered by kab/kota code, sulit flag or ids."""
    q = sa.select(*_TPS_COLS).select_from(_TPS_FROM).order_by(t.tps.c.kode).offset(offset)
    if kabkota:
        q = q.where(sa.func.upper(_KAB.c.code) == kabkota.upper())
    if sulit is not None:
        q = q.where(t.tps.c.sulit == sulit)
    if ids is not None:
        q = q.where(t.tps.c.id.in_(list(ids)))
    if limit is not None:
        q = q.limit(limit)
    return [_tps(r) for r in (await conn.execute(q)).all()]


async def tps_by_code(conn: AsyncConnection, kode: str) -> Tps | None:
    """One polling station by its code, or None."""
    r = (await conn.execute(sa.select(*_TPS_COLS).select_from(_TPS_FROM).where(t.tps.c.kode == kode))).first()
    return _tps(r) if r else None
