"""The audit log: who changed what, when, old → new. Written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t

# The bot's error handler records each failure (counted on the web's outbox page).
GALAT_BOT = "galat_bot"
GALAT_SIBUK = "galat_telegram_sibuk"  # Telegram busy or unreachable past the retries: the user got "Lanjutkan"


@dataclass(frozen=True)
class CatatanAudit:
    """One audit record."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    old: Any
    new: Any
    actor_id: int | None = None


async def record(conn: AsyncConnection, *, actor: str, action: str, entity: str, entity_id: object = None,
                 old: Any = None, new: Any = None, actor_id: int | None = None, now: datetime) -> None:
    """Append one record."""
    await conn.execute(t.audit_log.insert().values(
        at=now, actor_id=actor_id, actor=actor[:120], action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id), old=old, new=new))


async def record_export(conn: AsyncConnection, *, actor: str, actor_id: int | None, dataset: str, fmt: str,
                        rows: int, via: str, now: datetime, filters: Mapping[str, Any] | None = None,
                        complete: bool = True, **detail: Any) -> None:
    """One export of any front end (web download, bot file, command line): who, which dataset and filters, how
    many rows; written once the rows are counted (complete=False when the download stopped part way)."""
    await record(conn, actor=actor, actor_id=actor_id, action="ekspor", entity="dataset", entity_id=f"{dataset}.{fmt}",
                 new={"dataset": dataset, "format": fmt, "saringan": dict(filters or {}), "baris": rows,
                      "lewat": via, "selesai": complete, **detail}, now=now)


async def recent(conn: AsyncConnection, *, entity: str | None = None, limit: int = 100) -> list[CatatanAudit]:
    """The newest records first."""
    q = sa.select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
    if entity:
        q = q.where(t.audit_log.c.entity == entity)
    return [CatatanAudit(r.id, r.at, r.actor, r.action, r.entity, r.entity_id, r.old, r.new, r.actor_id)
            for r in (await conn.execute(q)).all()]


async def hitung_aksi(conn: AsyncConnection, actions: list[str], *, sejak: datetime) -> dict[str, int]:
    """How many records of each of these actions were written since ``sejak`` (0 for none)."""
    a = t.audit_log
    rows = (await conn.execute(sa.select(a.c.action, sa.func.count()).where(a.c.action.in_(actions), a.c.at >= sejak)
                               .group_by(a.c.action))).all()
    return {x: 0 for x in actions} | {str(k): int(n) for k, n in rows}
