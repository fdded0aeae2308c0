"""The outbox: messages the bot starts, written in the caller's transaction and drained by the sender.

A message moves from ``antri`` (queued) to exactly one final status: ``terkirim`` (sent), ``gagal``
(failed for good) or ``diblokir`` (the user blocked the bot or is gone). A worker *claims* due messages
by setting ``claimed_until`` (a lease) with a conditional UPDATE, so two workers, in one process or many,
never hold the same message; a worker that dies loses its claim when the lease runs out.
For a settled ``gagal``/``diblokir`` message ``not_before`` records when it was settled.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.sql import dialect_insert, insert_ignore

ANTRI = "antri"
TERKIRIM = "terkirim"
GAGAL = "gagal"
DIBLOKIR = "diblokir"
STATUSES = (ANTRI, TERKIRIM, GAGAL, DIBLOKIR)
KINDS = frozenset({"eskalasi", "pengingat", "persetujuan", "siaran", "alarm", "info", "lanjut", "tanda_terima"})
DEFAULT_LEASE = timedelta(seconds=60)
PENERIMA_DICABUT = "Akses penerima dicabut setelah pesan diantrekan; pesan tidak dikirim."
MAX_KEY_LENGTH = 200

_o = t.outbox


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed message, ready to send; reply_markup is the Bot API dict form."""

    id: int
    key: str
    chat_id: int
    text: str
    kind: str
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    attempts: int


@dataclass(frozen=True)
class FailedMessage:
    """A message that failed for good, for the admins' list."""

    id: int
    key: str
    chat_id: int
    kind: str
    text: str
    attempts: int
    last_error: str | None
    created_at: datetime
    failed_at: datetime


def _claim_free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(_o.c.claimed_until.is_(None), _o.c.claimed_until < now)


async def enqueue(
    conn: AsyncConnection,
    *,
    key: str,
    chat_id: int,
    text: str,
    kind: str,
    reply_markup: dict[str, Any] | None = None,
    parse_mode: str | None = None,
    not_before: datetime | None = None,
    now: datetime,
) -> bool:
    """Queue a message under a unique key; False (and nothing written) when the key is already there."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind: {kind!r}")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"outbox key must be 1..{MAX_KEY_LENGTH} characters")
    values = {
        "dedup_key": key,
        "chat_id": chat_id,
        "kind": kind,
        "text": text,
        "parse_mode": parse_mode,
        "reply_markup": reply_markup,
        "status": ANTRI,
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
    }
    return await insert_ignore(conn, _o, values, conflict=["dedup_key"])


@dataclass(frozen=True)
class PesanBaru:
    """One message for `enqueue_many`."""

    key: str
    chat_id: int
    text: str
    kind: str
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None


async def enqueue_many(conn: AsyncConnection, messages: Sequence[PesanBaru], *, now: datetime) -> int:
    """Queue many messages in one INSERT; keys already queued are skipped. Returns how many were queued.

    One statement per message costs about a millisecond each; a national reminder sweep queues hundreds of
    thousands, so they go in one multi-row INSERT … ON CONFLICT (dedup_key) DO NOTHING.
    """
    if not messages:
        return 0
    for m in messages:
        if m.kind not in KINDS:
            raise ValueError(f"unknown outbox kind: {m.kind!r}")
        if not m.key or len(m.key) > MAX_KEY_LENGTH:
            raise ValueError(f"outbox key must be 1..{MAX_KEY_LENGTH} characters")
    rows = [{"dedup_key": m.key, "chat_id": m.chat_id, "kind": m.kind, "text": m.text, "parse_mode": m.parse_mode,
             "reply_markup": m.reply_markup, "status": ANTRI, "attempts": 0, "not_before": now, "created_at": now}
            for m in messages]
    stmt = dialect_insert(conn, _o).on_conflict_do_nothing(index_elements=["dedup_key"])
    return len((await conn.execute(stmt.returning(_o.c.id), rows)).all())


async def claim(
    conn: AsyncConnection, *, now: datetime, limit: int, lease: timedelta = DEFAULT_LEASE,
    chat_ids: Collection[int] | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages, oldest first, for ``lease``; no other claimer gets them meanwhile.
    With ``chat_ids``, only messages to those chats (a local chat session delivers its own user's only)."""
    if limit <= 0:
        return []
    syarat = [_o.c.status == ANTRI, _o.c.not_before <= now, _claim_free(now)]
    if chat_ids is not None:
        syarat.append(_o.c.chat_id.in_(list(chat_ids)))
    candidates = (
        (
            await conn.execute(
                sa.select(_o.c.id)
                .where(*syarat)
                .order_by(_o.c.id)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    claimed: list[int] = []
    # One conditional UPDATE per row, in id order (so PostgreSQL row locks are always taken in the same
    # order): a row another worker claimed since the SELECT no longer matches, and rowcount says so.
    for message_id in candidates:
        result = await conn.execute(
            sa.update(_o)
            .where(_o.c.id == message_id, _o.c.status == ANTRI, _claim_free(now))
            .values(claimed_until=now + lease)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    claimed = await _tanpa_yang_dicabut(conn, claimed, now)
    if not claimed:
        return []
    rows = (
        await conn.execute(
            sa.select(
                _o.c.id,
                _o.c.dedup_key,
                _o.c.chat_id,
                _o.c.text,
                _o.c.kind,
                _o.c.reply_markup,
                _o.c.parse_mode,
                _o.c.attempts,
            )
            .where(_o.c.id.in_(claimed))
            .order_by(_o.c.id)
        )
    ).all()
    return [
        OutboxMessage(r.id, r.dedup_key, r.chat_id, r.text, r.kind, r.reply_markup, r.parse_mode, r.attempts)
        for r in rows
    ]


async def _tanpa_yang_dicabut(conn: AsyncConnection, claimed: list[int], now: datetime) -> list[int]:
    """Settle the claimed messages whose recipient was revoked since they were queued; return the others.

    Checked at claim time, right before sending, so an escalation with its action button never reaches someone
    whose access was taken away meanwhile; settled as ``diblokir`` so it is not retried.
    """
    if not claimed:
        return claimed
    dicabut = set((await conn.execute(
        sa.select(_o.c.id).join(t.users, t.users.c.telegram_id == _o.c.chat_id)
        .where(_o.c.id.in_(claimed), t.users.c.status == "dicabut"))).scalars())
    for outbox_id in sorted(dicabut):
        await _settle(conn, outbox_id, {"status": DIBLOKIR, "last_error": PENERIMA_DICABUT, "not_before": now})
    return [i for i in claimed if i not in dicabut]


async def _settle(conn: AsyncConnection, outbox_id: int, values: dict[str, Any]) -> bool:
    # Only a queued message changes state, so an outcome is recorded once even if a late worker reports.
    result = await conn.execute(
        sa.update(_o).where(_o.c.id == outbox_id, _o.c.status == ANTRI).values(claimed_until=None, **values)
    )
    return result.rowcount == 1


async def mark_sent(conn: AsyncConnection, outbox_id: int, *, message_id: int, now: datetime) -> bool:
    """Record that Telegram accepted the message (as ``message_id``); False if it was no longer queued."""
    return await _settle(
        conn, outbox_id, {"status": TERKIRIM, "message_id": message_id, "sent_at": now, "attempts": _o.c.attempts + 1}
    )


async def retry_later(
    conn: AsyncConnection, outbox_id: int, *, not_before: datetime, error: str, count_attempt: bool = True
) -> bool:
    """Release the claim and try again from ``not_before``, noting the error (and the attempt)."""
    values: dict[str, Any] = {"not_before": not_before, "last_error": error}
    if count_attempt:
        values["attempts"] = _o.c.attempts + 1
    return await _settle(conn, outbox_id, values)


async def mark_failed(conn: AsyncConnection, outbox_id: int, *, error: str, now: datetime) -> bool:
    """Give the message up (status gagal) with the reason."""
    return await _settle(
        conn, outbox_id, {"status": GAGAL, "last_error": error, "not_before": now, "attempts": _o.c.attempts + 1}
    )


async def mark_blocked(conn: AsyncConnection, outbox_id: int, *, error: str, now: datetime) -> bool:
    """Give the message up because the recipient blocked the bot or is gone (status diblokir)."""
    return await _settle(
        conn, outbox_id, {"status": DIBLOKIR, "last_error": error, "not_before": now, "attempts": _o.c.attempts + 1}
    )


async def release(conn: AsyncConnection, outbox_id: int, *, not_before: datetime | None = None) -> bool:
    """Give a claimed message back unsent (optionally due only from ``not_before``), counting no attempt."""
    values: dict[str, Any] = {} if not_before is None else {"not_before": not_before}
    return await _settle(conn, outbox_id, values)


# --- queries for admins and reports -------------------------------------------------------------


async def counts(conn: AsyncConnection) -> dict[str, int]:
    """How many messages are in each status (every status present, zero when none)."""
    rows = (await conn.execute(sa.select(_o.c.status, sa.func.count()).group_by(_o.c.status))).all()
    found = {status: int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in STATUSES}


async def failed(conn: AsyncConnection, limit: int = 50) -> list[FailedMessage]:
    """Messages that failed for good (status gagal), most recent first, with the last error."""
    rows = (
        await conn.execute(
            sa.select(_o).where(_o.c.status == GAGAL).order_by(_o.c.not_before.desc(), _o.c.id.desc()).limit(limit)
        )
    ).all()
    return [
        FailedMessage(
            r.id, r.dedup_key, r.chat_id, r.kind, r.text, r.attempts, r.last_error, r.created_at, r.not_before
        )
        for r in rows
    ]


async def requeue(conn: AsyncConnection, outbox_id: int, now: datetime) -> bool:
    """Queue a failed (or blocked) message again with a fresh attempt budget; False if it was neither."""
    result = await conn.execute(
        sa.update(_o)
        .where(_o.c.id == outbox_id, _o.c.status.in_((GAGAL, DIBLOKIR)))
        .values(status=ANTRI, not_before=now, claimed_until=None, attempts=0)
    )
    return result.rowcount == 1


async def delivery_report(conn: AsyncConnection, key_prefix: str) -> dict[str, int]:
    """Counts by status (antri, terkirim, gagal, diblokir, and total) of the messages whose key starts so."""
    rows = (
        await conn.execute(
            sa.select(_o.c.status, sa.func.count())
            .where(_o.c.dedup_key.startswith(key_prefix, autoescape=True))
            .group_by(_o.c.status)
        )
    ).all()
    found = {status: int(n) for status, n in rows}
    report = {status: found.get(status, 0) for status in STATUSES}
    report["total"] = sum(found.values())
    return report


@dataclass(frozen=True)
class Antrean:
    """Queued messages at a glance: per chat, how many and of which kinds."""

    per_chat: dict[int, int]
    jenis: dict[int, dict[str, int]]


async def antrean(conn: AsyncConnection) -> Antrean:
    """How many messages wait (status antri) per chat and per kind."""
    rows = (await conn.execute(
        sa.select(_o.c.chat_id, _o.c.kind, sa.func.count()).where(_o.c.status == ANTRI)
        .group_by(_o.c.chat_id, _o.c.kind))).all()
    per_chat: dict[int, int] = {}
    jenis: dict[int, dict[str, int]] = {}
    for chat_id, kind, n in rows:
        per_chat[int(chat_id)] = per_chat.get(int(chat_id), 0) + int(n)
        jenis.setdefault(int(chat_id), {})[str(kind)] = int(n)
    return Antrean(per_chat, jenis)


async def sisihkan_lama(conn: AsyncConnection, chat_id: int, *, simpan: int, alasan: str,
                        now: datetime) -> dict[str, int]:
    """Settle all but the newest ``simpan`` queued messages of one chat as ``gagal`` with ``alasan`` (an admin can
    send one again from the web's outbox page); returns how many of each kind were set aside."""
    ids = (await conn.execute(
        sa.select(_o.c.id, _o.c.kind).where(_o.c.chat_id == chat_id, _o.c.status == ANTRI, _claim_free(now))
        .order_by(_o.c.id.desc()).offset(simpan))).all()  # one a sender holds now is left to it
    hasil: dict[str, int] = {}
    for outbox_id, kind in ids:
        if await _settle(conn, outbox_id, {"status": GAGAL, "last_error": alasan, "not_before": now}):
            hasil[str(kind)] = hasil.get(str(kind), 0) + 1
    return hasil
