"""Users, their scope, invite codes, access requests; every change with its audit record."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.entitas import PERAN, Pengguna, Tps, Unit
from storage import audit, org, tembolok
from storage import tables as t
from storage.db import inserted_id


class AksesError(Exception):
    """A registration step that cannot go ahead; the message is for the user (Indonesian)."""


def hash_kode(code: str) -> str:
    """The sha256 hex digest stored in place of an invite code (the code is shown once, never stored)."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Undangan:
    """An invite code, as made: ``code`` is the clear code, known only at this moment."""

    id: int
    code: str
    role: str
    unit_code: str | None
    tps_codes: list[str]
    max_uses: int
    uses: int
    expires_at: datetime
    revoked_at: datetime | None


_COLS = (t.users, t.units.c.code.label("unit_code"))
_FROM = t.users.outerjoin(t.units, t.units.c.id == t.users.c.unit_id)


async def _tps_ids(conn: AsyncConnection, user_ids: list[int]) -> dict[int, frozenset[int]]:
    rows = (await conn.execute(sa.select(t.user_tps.c.user_id, t.user_tps.c.tps_id)
                               .where(t.user_tps.c.user_id.in_(user_ids)))).all()
    out: dict[int, set[int]] = {}
    for u, tp in rows:
        out.setdefault(u, set()).add(tp)
    return {k: frozenset(v) for k, v in out.items()}


def _pengguna(r: sa.Row, tps: dict[int, frozenset[int]]) -> Pengguna:
    return Pengguna(r.id, r.telegram_id, r.name, r.role, r.status, r.unit_id, r.unit_code, r.is_head,
                    tps.get(r.id, frozenset()), r.demo_key)


# One statement for one user: a row per TPS in their scope (a user without TPS comes back once, tps NULL). Built
# once per unique column, so a lookup does not pay for building the statement and its cache key.
_ONE = (sa.select(*_COLS, t.user_tps.c.tps_id.label("tps"))
        .select_from(_FROM.outerjoin(t.user_tps, t.user_tps.c.user_id == t.users.c.id)))
_BY = {c: _ONE.where(t.users.c[c] == sa.bindparam("v")) for c in ("telegram_id", "id", "demo_key")}


async def _one(conn: AsyncConnection, column: str, value: object) -> Pengguna | None:
    rows = (await conn.execute(_BY[column], {"v": value})).all()
    if not rows:
        return None
    r = rows[0]
    return _pengguna(r, {r.id: frozenset(x.tps for x in rows if x.tps is not None)})


async def by_telegram_id(conn: AsyncConnection, telegram_id: int) -> Pengguna | None:
    """The user behind a Telegram account, in any status."""
    return await _one(conn, "telegram_id", telegram_id)


async def by_id(conn: AsyncConnection, user_id: int) -> Pengguna | None:
    """A user by id."""
    return await _one(conn, "id", user_id)


async def by_demo_key(conn: AsyncConnection, key: str) -> Pengguna | None:
    """A demo user by its key (admin, pimpinan, operator, petugas, …)."""
    return await _one(conn, "demo_key", key)


# The tables a Pengguna is read from (tps: deleting one cascades to user_tps), for storage.tembolok.
TABEL_PENGGUNA = ("users", "user_tps", "units", "tps")


async def by_telegram_id_singgah(engine: AsyncEngine, telegram_id: int) -> Pengguna | None:
    """As :func:`by_telegram_id`, through the engine's short-lived cache (storage.tembolok); for the guard.

    A change written by this process is seen at once, one by another process within ``tembolok.TTL_S``
    seconds; unknown accounts are never kept.
    """
    async def muat() -> Pengguna | None:
        async with engine.connect() as conn:
            return await by_telegram_id(conn, telegram_id)

    cache: tembolok.Tembolok[int, Pengguna | None] = tembolok.untuk(engine, "pengguna", TABEL_PENGGUNA)
    return await cache.ambil(telegram_id, muat, simpan_none=False)


async def list_users(conn: AsyncConnection, *, role: str | None = None, status: str | None = None) -> list[Pengguna]:
    """Users in id order, optionally of one role and status."""
    q = sa.select(*_COLS).select_from(_FROM).order_by(t.users.c.id)
    if role:
        q = q.where(t.users.c.role == role)
    if status:
        q = q.where(t.users.c.status == status)
    rows = (await conn.execute(q)).all()
    tps = await _tps_ids(conn, [r.id for r in rows])
    return [_pengguna(r, tps) for r in rows]


async def admin_chat_ids(conn: AsyncConnection) -> list[int]:
    """Telegram ids of the active admins."""
    q = sa.select(t.users.c.telegram_id).where(t.users.c.role == "admin", t.users.c.status == "aktif",
                                               t.users.c.telegram_id.is_not(None))
    return [r for (r,) in (await conn.execute(q)).all()]


async def ensure_admins(conn: AsyncConnection, telegram_ids: list[int], *, now: datetime) -> int:
    """Create the configured bootstrap admins that do not exist yet; returns how many were created.

    An account that exists is left as it is: an admin another admin revoked stays revoked at every restart, and
    an operator listed by mistake is not promoted behind the admins' backs.
    """
    changed = 0
    for tg in telegram_ids:
        if await by_telegram_id(conn, tg) is not None:
            continue
        res = await conn.execute(t.users.insert().values(
            telegram_id=tg, name=f"Admin {tg}", role="admin", status="aktif", created_at=now))
        await audit.record(conn, actor="PANTAU_ADMIN_IDS", action="buat", entity="pengguna",
                           entity_id=inserted_id(res), new={"role": "admin"}, now=now)
        changed += 1
    return changed


async def cakupan_petugas(conn: AsyncConnection, unit_code: str | None,
                          tps_codes: Sequence[str]) -> tuple[Unit, list[Tps]]:
    """The one rule for a petugas' scope: at least one TPS, all in one KPU Kab/Kota, and that is their unit.

    Without a unit the TPS' kab/kota becomes it. Used by invites (made and redeemed), access requests and their
    approval, and the web's role change, so none of them can give a petugas TPS outside their unit, or no unit.
    """
    if not tps_codes:
        raise AksesError("Petugas harus diberi minimal satu kode TPS.")
    tps: list[Tps] = []
    for kode in dict.fromkeys(tps_codes):
        x = await org.tps_by_code(conn, kode)
        if x is None:
            raise AksesError(f"Kode TPS {kode} tidak dikenal.")
        tps.append(x)
    if unit_code is None:
        kab = sorted({x.kabkota_code for x in tps})
        if len(kab) != 1:
            raise AksesError(f"TPS seorang petugas harus dari satu KPU Kab/Kota, bukan {', '.join(kab)}.")
        unit_code = kab[0]
    unit = await org.unit_by_code(conn, unit_code)
    if unit is None:
        raise AksesError(f"Unit {unit_code!r} tidak dikenal.")
    luar = [x.kode for x in tps if x.kabkota_code != unit.code]
    if luar:
        raise AksesError(f"TPS {', '.join(luar)} bukan wilayah {unit.code}: petugas hanya boleh diberi TPS "
                         "di unitnya sendiri.")
    return unit, tps


def kode_undangan() -> str:
    """16 characters from A–Z a–z 0–9 _ - (fits a deep link), never starting with "-": typed after
    `pantau invite revoke` such a code would be read as an option."""
    while True:
        code = secrets.token_urlsafe(12)
        if not code.startswith("-"):
            return code


async def create_invite(conn: AsyncConnection, *, role: str, unit_code: str | None, tps_codes: list[str],
                        max_uses: int, expires_at: datetime, created_by: int | None, actor: str,
                        now: datetime) -> Undangan:
    """Create an unguessable invite code for a role and a scope."""
    if role not in PERAN:
        raise AksesError(f"Peran {role!r} tidak dikenal. Pilih salah satu: {', '.join(PERAN)}.")
    if max_uses < 1:
        raise AksesError("Jumlah pemakaian minimal 1.")
    if expires_at <= now:
        raise AksesError("Masa berlaku harus di masa depan.")
    unit_id = None
    if role == "petugas":
        kab, _ = await cakupan_petugas(conn, unit_code or None, tps_codes)
        unit_id, unit_code = kab.id, kab.code
    elif unit_code:
        unit = await org.unit_by_code(conn, unit_code)
        if unit is None:
            raise AksesError(f"Unit {unit_code!r} tidak dikenal.")
        unit_id, unit_code = unit.id, unit.code
    elif role in ("operator", "pimpinan"):
        raise AksesError(f"Undangan untuk peran {role} harus menyebut unitnya.")
    for kode in tps_codes:
        if await org.tps_by_code(conn, kode) is None:
            raise AksesError(f"Kode TPS {kode} tidak dikenal.")
    code = kode_undangan()
    res = await conn.execute(t.invites.insert().values(
        code_hash=hash_kode(code), role=role, unit_id=unit_id, tps_codes=tps_codes, max_uses=max_uses, uses=0,
        expires_at=expires_at, created_by=created_by, created_at=now))
    await audit.record(conn, actor=actor, actor_id=created_by, action="buat", entity="undangan",
                       entity_id=inserted_id(res),
                       new={"role": role, "unit": unit_code, "tps": tps_codes, "max_uses": max_uses}, now=now)
    return Undangan(inserted_id(res), code, role, unit_code, tps_codes, max_uses, 0, expires_at, None)


async def revoke_invite(conn: AsyncConnection, code: str, *, actor: str, now: datetime,
                        actor_id: int | None = None) -> bool:
    """Revoke an invite by its code; False when it does not exist or was revoked already."""
    found = (await conn.execute(sa.select(t.invites.c.id).where(t.invites.c.code_hash == hash_kode(code)))).first()
    return found is not None and await revoke_invite_by_id(conn, found.id, actor=actor, actor_id=actor_id, now=now)


async def revoke_invite_by_id(conn: AsyncConnection, invite_id: int, *, actor: str, now: datetime,
                              actor_id: int | None = None) -> bool:
    """Revoke an invite by its number (the lists show no code); False when unknown or revoked already."""
    res = await conn.execute(t.invites.update().where(t.invites.c.id == invite_id, t.invites.c.revoked_at.is_(None))
                             .values(revoked_at=now))
    if res.rowcount:
        await audit.record(conn, actor=actor, actor_id=actor_id, action="cabut", entity="undangan",
                           entity_id=invite_id, now=now)
    return bool(res.rowcount)


async def redeem_invite(conn: AsyncConnection, code: str, *, telegram_id: int, name: str, username: str | None,
                        now: datetime) -> Pengguna:
    """Register a Telegram account with an invite code, in one transaction (the caller's)."""
    row = (await conn.execute(sa.select(t.invites).where(t.invites.c.code_hash == hash_kode(code)))).first()
    if row is None:
        raise AksesError("Kode undangan tidak dikenal. Periksa tautannya atau minta kode baru kepada admin.")
    if row.revoked_at is not None:
        raise AksesError("Kode undangan ini sudah dicabut. Minta kode baru kepada admin.")
    if row.expires_at <= now:
        raise AksesError("Kode undangan ini sudah kedaluwarsa. Minta kode baru kepada admin.")
    existing = await by_telegram_id(conn, telegram_id)
    if existing is not None and existing.status == "aktif":
        raise AksesError("Akun Telegram ini sudah terdaftar.")
    if existing is not None and existing.status == "dicabut":
        raise AksesError("Akses akun ini telah dicabut. Hubungi admin bila ini keliru.")
    if row.role == "petugas":  # an invite made before the rule was enforced is checked again here
        unit_code = await _kode_unit(conn, row.unit_id)
        if unit_code is None:
            raise AksesError("Undangan petugas ini tidak menyebut KPU Kab/Kota-nya. Minta kode baru kepada admin.")
        await cakupan_petugas(conn, unit_code, list(row.tps_codes or []))
    # The conditional update is the single-use guard: two accounts racing for the last use cannot both win.
    res = await conn.execute(t.invites.update().where(t.invites.c.id == row.id, t.invites.c.uses < t.invites.c.max_uses)
                             .values(uses=t.invites.c.uses + 1))
    if res.rowcount == 0:
        raise AksesError("Kode undangan ini sudah habis dipakai. Minta kode baru kepada admin.")
    values = {"name": name[:200] or "Pengguna", "username": username, "role": row.role, "status": "aktif",
              "unit_id": row.unit_id}
    if existing is None:
        insert = t.users.insert().values(telegram_id=telegram_id, created_at=now, **values)
        uid = inserted_id(await conn.execute(insert))
    else:
        uid = existing.id
        await conn.execute(t.users.update().where(t.users.c.id == uid).values(**values))
        await conn.execute(t.user_tps.delete().where(t.user_tps.c.user_id == uid))
    if row.tps_codes:
        ids = (await conn.execute(sa.select(t.tps.c.id).where(t.tps.c.kode.in_(row.tps_codes)))).scalars().all()
        await conn.execute(t.user_tps.insert(), [{"user_id": uid, "tps_id": i} for i in ids])
    await audit.record(conn, actor=name, actor_id=uid, action="daftar", entity="pengguna", entity_id=uid,
                       new={"role": row.role, "undangan": row.id}, now=now)
    user = await by_id(conn, uid)
    assert user is not None
    return user


async def request_access(conn: AsyncConnection, *, telegram_id: int, name: str, username: str | None, role: str,
                         unit_code: str | None, tps_codes: list[str], now: datetime) -> tuple[Pengguna, bool]:
    """Record an access request (status menunggu) with the scope asked for; returns the user and whether it is new."""
    if role not in ("pimpinan", "operator", "petugas"):
        raise AksesError("Peran itu tidak bisa diminta.")
    existing = await by_telegram_id(conn, telegram_id)
    if existing is not None:
        if existing.status == "menunggu":
            return existing, False
        if existing.status == "aktif":
            raise AksesError("Akun Telegram ini sudah terdaftar.")
        if existing.status == "dicabut":
            raise AksesError("Akses akun ini telah dicabut. Hubungi admin bila ini keliru.")
    unit_id = None
    if role == "petugas":
        kab, _ = await cakupan_petugas(conn, unit_code or None, tps_codes)
        unit_id = kab.id
    elif unit_code:
        unit = await org.unit_by_code(conn, unit_code)
        if unit is None:
            raise AksesError(f"Kode unit {unit_code!r} tidak dikenal.")
        unit_id = unit.id
    tps_ids: list[int] = []
    for kode in tps_codes:
        tps = await org.tps_by_code(conn, kode)
        if tps is None:
            raise AksesError(f"Kode TPS {kode} tidak dikenal.")
        tps_ids.append(tps.id)
    values = {"name": name[:200] or "Pengguna", "username": username, "role": role, "status": "menunggu",
              "unit_id": unit_id}
    if existing is not None:
        uid = existing.id
        await conn.execute(t.users.update().where(t.users.c.id == uid).values(**values))
        await conn.execute(t.user_tps.delete().where(t.user_tps.c.user_id == uid))
    else:
        insert = t.users.insert().values(telegram_id=telegram_id, created_at=now, **values)
        uid = inserted_id(await conn.execute(insert))
    if tps_ids:
        await conn.execute(t.user_tps.insert(), [{"user_id": uid, "tps_id": i} for i in dict.fromkeys(tps_ids)])
    await audit.record(conn, actor=name, actor_id=uid, action="minta_akses", entity="pengguna", entity_id=uid,
                       new={"role": role, "unit": unit_code, "tps": tps_codes}, now=now)
    user = await by_id(conn, uid)
    assert user is not None
    return user, True


async def decide_request(conn: AsyncConnection, user_id: int, *, approve: bool, admin: Pengguna,
                         now: datetime) -> Pengguna:
    """Approve or reject a pending request; a request decided already raises AksesError."""
    status = "aktif" if approve else "ditolak"
    if approve:
        await _periksa_sebelum_setuju(conn, user_id)
    res = await conn.execute(t.users.update().where(t.users.c.id == user_id, t.users.c.status == "menunggu")
                             .values(status=status))
    user = await by_id(conn, user_id)
    if user is None:
        raise AksesError("Permintaan ini tidak ditemukan.")
    if res.rowcount == 0:
        raise AksesError(f"Permintaan ini sudah diproses (status: {user.status}).")
    await audit.record(conn, actor=admin.name, actor_id=admin.id, action="setujui" if approve else "tolak",
                       entity="pengguna", entity_id=user_id, old={"status": "menunggu"}, new={"status": status},
                       now=now)
    return user


async def _kode_unit(conn: AsyncConnection, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    return (await conn.execute(sa.select(t.units.c.code).where(t.units.c.id == unit_id))).scalar_one_or_none()


async def _periksa_sebelum_setuju(conn: AsyncConnection, user_id: int) -> None:
    """A petugas' request is approved only within the one scope rule (a request made before it may break it)."""
    user = await by_id(conn, user_id)
    if user is None or user.role != "petugas" or user.status != "menunggu":
        return  # decide_request reports a missing or decided request
    if user.unit_code is None:
        raise AksesError("Permintaan petugas ini tidak menyebut KPU Kab/Kota-nya: tolak, lalu minta ia mengajukan "
                         "lagi dengan kode TPS-nya.")
    kode = [x.kode for x in await org.list_tps(conn, ids=sorted(user.tps_ids))] if user.tps_ids else []
    await cakupan_petugas(conn, user.unit_code, kode)


async def revoke_user(conn: AsyncConnection, user_id: int, *, actor: str, now: datetime,
                      actor_id: int | None = None) -> Pengguna:
    """Revoke a user's access (kept on record, never deleted)."""
    user = await by_id(conn, user_id)
    if user is None:
        raise AksesError(f"Pengguna {user_id} tidak ditemukan.")
    if user.status == "dicabut":
        raise AksesError("Akses pengguna ini sudah dicabut.")
    await conn.execute(t.users.update().where(t.users.c.id == user_id).values(status="dicabut"))
    await audit.record(conn, actor=actor, actor_id=actor_id, action="cabut", entity="pengguna", entity_id=user_id,
                       old={"status": user.status}, new={"status": "dicabut"}, now=now)
    revoked = await by_id(conn, user_id)
    assert revoked is not None
    return revoked
