"""What waits for a unit head: the submitted realisations whose verification goes to them.

A report waits for the heads it was sent to (``storage.kinerja.verifiers``: the nearest head up the unit tree,
never its author), only in its newest version. Deciding on one stays ``storage.kinerja.decide``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Pengguna
from domain.kinerja import kepala_terdekat
from storage import tables as t


@dataclass(frozen=True)
class Menunggu:
    """A submitted realisation waiting for a head's decision."""

    id: int
    kode: str
    nama: str
    jenis: str
    unit_id: int
    unit: str
    periode: str
    versi: int
    nilai: str
    pelapor: str | None
    alasan_koreksi: str | None
    created_at: datetime


async def _kepala(conn: AsyncConnection) -> tuple[dict[int, int | None], dict[int, list[int]]]:
    """The unit tree and the active heads of each unit."""
    induk = {u: p for u, p in (await conn.execute(sa.select(t.units.c.id, t.units.c.parent_id))).all()}
    q = (sa.select(t.users.c.id, t.users.c.unit_id)
         .where(t.users.c.is_head.is_(True), t.users.c.status == "aktif", t.users.c.unit_id.is_not(None))
         .order_by(t.users.c.id))
    kepala: dict[int, list[int]] = {}
    for uid, unit in (await conn.execute(q)).all():
        kepala.setdefault(unit, []).append(uid)
    return induk, kepala


async def semua_menunggu(conn: AsyncConnection) -> list[tuple[Menunggu, list[int]]]:
    """Every submitted newest version, oldest first, with the user ids of the heads it waits for."""
    r, ind, author = t.realisations, t.indicators, t.users.alias("author")
    baru = r.alias("lebih_baru")
    q = (sa.select(r.c.id, r.c.periode, r.c.versi, r.c.nilai, r.c.alasan_koreksi, r.c.created_at, r.c.author_id,
                   ind.c.kode, ind.c.nama, ind.c.jenis, ind.c.unit_id, t.units.c.code.label("unit"),
                   author.c.name.label("pelapor"))
         .join(ind, ind.c.id == r.c.indicator_id).join(t.units, t.units.c.id == ind.c.unit_id)
         .outerjoin(author, author.c.id == r.c.author_id)
         .where(r.c.status == "diajukan",
                ~sa.exists().where(baru.c.indicator_id == r.c.indicator_id, baru.c.periode == r.c.periode,
                                   baru.c.versi > r.c.versi))
         .order_by(r.c.created_at, r.c.id))
    rows = (await conn.execute(q)).all()
    if not rows:
        return []
    induk, kepala = await _kepala(conn)
    out = []
    for x in rows:
        # the author never verifies their own report: the heads are looked for without them, as verifiers() does
        tanpa_penulis = {u: [k for k in ks if k != x.author_id] for u, ks in kepala.items()}
        heads = kepala_terdekat(x.unit_id, induk, {u: ks for u, ks in tanpa_penulis.items() if ks})
        out.append((Menunggu(x.id, x.kode, x.nama, x.jenis, x.unit_id, x.unit, x.periode, x.versi, x.nilai,
                             x.pelapor, x.alasan_koreksi, x.created_at), heads))
    return out


async def menunggu(conn: AsyncConnection, user: Pengguna) -> list[Menunggu]:
    """The reports waiting for this head, oldest first (none for someone who heads nothing)."""
    if not user.aktif or not user.is_head:
        return []
    return [m for m, heads in await semua_menunggu(conn) if user.id in heads]


async def jumlah_per_kepala(conn: AsyncConnection) -> dict[int, int]:
    """How many reports wait for each head (user id), for the morning digest."""
    out: dict[int, int] = {}
    for _, heads in await semua_menunggu(conn):
        for h in heads:
            out[h] = out.get(h, 0) + 1
    return out
