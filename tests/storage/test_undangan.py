"""Invite codes are stored as hashes: the clear code exists only in the answer that made it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import tables as t
from storage import users, webdata
from storage.db import _alembic_config, upgrade

NOW = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)


async def _semua_teks(engine: AsyncEngine) -> str:
    """Every value of every invite and audit row, as one string."""
    async with engine.connect() as conn:
        rows = [*(await conn.execute(sa.select(t.invites))).all(), *(await conn.execute(sa.select(t.audit_log))).all()]
    return repr([tuple(r) for r in rows])


async def test_a_new_code_is_stored_hashed_and_still_redeems(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inv = await users.create_invite(conn, role="operator", unit_code="KUL-UML", tps_codes=[], max_uses=1,
                                        expires_at=NOW + timedelta(days=1), created_by=None, actor="uji", now=NOW)
    assert len(inv.code) == 16
    assert inv.code not in await _semua_teks(engine)
    async with engine.connect() as conn:
        daftar = await webdata.invites(conn)
    assert daftar[0].id == inv.id and not hasattr(daftar[0], "code") and inv.code not in repr(daftar)
    async with engine.begin() as conn:
        p = await users.redeem_invite(conn, inv.code, telegram_id=5550001, name="Sari", username=None, now=NOW)
    assert (p.role, p.unit_code) == ("operator", "KUL-UML")
    async with engine.begin() as conn:  # the hash itself is not a code
        h = (await conn.execute(sa.select(t.invites.c.code_hash))).scalar_one()
        try:
            await users.redeem_invite(conn, h, telegram_id=5550002, name="X", username=None, now=NOW)
            raise AssertionError("a hash redeemed")
        except users.AksesError as exc:
            assert "tidak dikenal" in str(exc)


async def test_the_migration_hashes_existing_codes(empty_engine: AsyncEngine) -> None:
    async with empty_engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0010"))
        lama = sa.table("invites", sa.column("code"), sa.column("role"), sa.column("tps_codes", sa.JSON),
                        sa.column("max_uses"), sa.column("uses"), sa.column("expires_at", t.UTCDateTime()),
                        sa.column("created_at", t.UTCDateTime()))
        for code in ("kodeLama-AAAAAAA", "kodeLama-BBBBBBB"):
            await conn.execute(lama.insert().values(code=code, role="admin", tps_codes=[], max_uses=1, uses=0,
                                                    expires_at=NOW + timedelta(days=1), created_at=NOW))
    await upgrade(empty_engine)
    assert "kodeLama" not in await _semua_teks(empty_engine)
    async with empty_engine.begin() as conn:
        assert await users.revoke_invite(conn, "kodeLama-BBBBBBB", actor="uji", now=NOW)
        p = await users.redeem_invite(conn, "kodeLama-AAAAAAA", telegram_id=5550001, name="Sari", username=None,
                                      now=NOW)
        assert p.role == "admin"
        try:
            await users.redeem_invite(conn, "kodeLama-BBBBBBB", telegram_id=5550002, name="X", username=None, now=NOW)
            raise AssertionError("a revoked code redeemed")
        except users.AksesError as exc:
            assert "dicabut" in str(exc)


def test_an_invite_code_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # One draw in 64 starts with "-", which `pantau invite revoke CODE` would take for an option.
    kode = iter(["-abcdefghijklmno", "Abcdefghijklmno-"])
    monkeypatch.setattr(users.secrets, "token_urlsafe", lambda n: next(kode))
    assert users.kode_undangan() == "Abcdefghijklmno-"
