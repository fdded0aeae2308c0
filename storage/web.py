"""The admin web's access: one-time login links and sessions (only hashes of the secrets are stored)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entitas import Pengguna
from storage import audit, users
from storage import tables as t

PERAN_WEB = frozenset({"admin", "pimpinan"})  # who may use the whole admin web (pimpinan read-only)
# What a session may open: every page, and changes ("penuh", admins); every page read-only ("baca", pimpinan; a head
# among them also decides on what waits for them); or only the inbox of what waits for their verification
# ("kepala": a unit head whose role is operator, e.g. a Kepala Sub Bagian).
PENUH, BACA, KEPALA = "penuh", "baca", "kepala"
MASA_TAUTAN = timedelta(minutes=10)
MASA_SESI = timedelta(hours=8)
MAKS_TOKEN = 200  # longer strings are not ours; refused before hashing


class TautanError(Exception):
    """A login link that cannot open a session; `kode` says why (tidak_dikenal, kedaluwarsa, dipakai, ditolak)."""

    def __init__(self, kode: str) -> None:
        super().__init__(kode)
        self.kode = kode


@dataclass(frozen=True)
class Sesi:
    """A live web session: who, and the CSRF token their forms must carry."""

    pengguna: Pengguna
    csrf: str
    expires_at: datetime


def hash_token(token: str) -> str:
    """The sha256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def akses_web(p: Pengguna | None) -> str | None:
    """How much of the admin web this user may open right now (PENUH, BACA, KEPALA), or None: not at all.

    The one web role gate: logins, sessions and every page's guard (``admin.inti.halaman``) ask it."""
    if p is None or not p.aktif:
        return None
    if p.role == "admin":
        return PENUH
    if p.role in PERAN_WEB:
        return BACA
    if p.role == "operator" and p.is_head:
        return KEPALA
    return None


def boleh_web(p: Pengguna | None) -> bool:
    """Whether this user may hold a web session right now."""
    return akses_web(p) is not None


async def create_login(conn: AsyncConnection, user_id: int, *, now: datetime, ttl: timedelta = MASA_TAUTAN) -> str:
    """A fresh one-time login token for the user (the caller puts it in a link; only its hash is kept)."""
    p = await users.by_id(conn, user_id)
    if not boleh_web(p):
        raise TautanError("ditolak")
    # Old, dead rows go as new ones come, so the table never grows without bound.
    await conn.execute(t.web_logins.delete().where(t.web_logins.c.expires_at < now - timedelta(days=1)))
    token = secrets.token_urlsafe(32)
    await conn.execute(t.web_logins.insert().values(token_hash=hash_token(token), user_id=user_id,
                                                    expires_at=now + ttl, created_at=now))
    return token


async def check_login(conn: AsyncConnection, token: str, *, now: datetime) -> str | None:
    """Why a login token would be refused, or None when it is still good (nothing is consumed)."""
    if not token or len(token) > MAKS_TOKEN:
        return "tidak_dikenal"
    row = (await conn.execute(sa.select(t.web_logins).where(t.web_logins.c.token_hash == hash_token(token)))).first()
    if row is None:
        return "tidak_dikenal"
    if row.used_at is not None:
        return "dipakai"
    if row.expires_at <= now:
        return "kedaluwarsa"
    return None if boleh_web(await users.by_id(conn, row.user_id)) else "ditolak"


async def redeem_login(conn: AsyncConnection, token: str, *, now: datetime) -> Pengguna:
    """Use a login token once; raises TautanError when unknown, used, expired or the user may not log in."""
    alasan = await check_login(conn, token, now=now)
    if alasan is not None:
        raise TautanError(alasan)
    # The conditional UPDATE is the single-use guard: of two requests racing with one link, one wins.
    res = await conn.execute(t.web_logins.update().where(
        t.web_logins.c.token_hash == hash_token(token), t.web_logins.c.used_at.is_(None),
        t.web_logins.c.expires_at > now).values(used_at=now))
    if res.rowcount != 1:
        raise TautanError("dipakai")
    uid = (await conn.execute(sa.select(t.web_logins.c.user_id)
                              .where(t.web_logins.c.token_hash == hash_token(token)))).scalar_one()
    p = await users.by_id(conn, uid)
    assert p is not None
    return p


async def create_session(conn: AsyncConnection, p: Pengguna, *, now: datetime,
                         ttl: timedelta = MASA_SESI) -> tuple[str, Sesi]:
    """Open a session for the user (audited); returns the cookie value and the session."""
    if not boleh_web(p):
        raise TautanError("ditolak")
    await conn.execute(t.web_sessions.delete().where(t.web_sessions.c.expires_at < now - timedelta(days=1)))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await conn.execute(t.web_sessions.insert().values(session_hash=hash_token(token), user_id=p.id, csrf_token=csrf,
                                                      expires_at=now + ttl, created_at=now))
    await audit.record(conn, actor=p.name, actor_id=p.id, action="masuk", entity="web", entity_id=p.id, now=now)
    return token, Sesi(p, csrf, now + ttl)


async def session(conn: AsyncConnection, token: str | None, *, now: datetime) -> Sesi | None:
    """The live session behind a cookie value, or None (unknown, expired, revoked, or the user lost access)."""
    if not token or len(token) > MAKS_TOKEN:
        return None
    s = t.web_sessions
    row = (await conn.execute(sa.select(s.c.user_id, s.c.csrf_token, s.c.expires_at).where(
        s.c.session_hash == hash_token(token), s.c.revoked_at.is_(None), s.c.expires_at > now))).first()
    if row is None:
        return None
    p = await users.by_id(conn, row.user_id)
    if p is None or not boleh_web(p):
        return None
    return Sesi(p, row.csrf_token, row.expires_at)


async def end_session(conn: AsyncConnection, token: str, *, now: datetime) -> bool:
    """Log out: revoke the session (audited); False when there was no live session."""
    sesi = await session(conn, token, now=now)
    res = await conn.execute(t.web_sessions.update().where(
        t.web_sessions.c.session_hash == hash_token(token), t.web_sessions.c.revoked_at.is_(None)
    ).values(revoked_at=now))
    if res.rowcount and sesi is not None:
        await audit.record(conn, actor=sesi.pengguna.name, actor_id=sesi.pengguna.id, action="keluar", entity="web",
                           entity_id=sesi.pengguna.id, now=now)
    return bool(res.rowcount)
