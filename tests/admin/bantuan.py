"""Helpers for the admin web tests: the real app over httpx's ASGI transport, logged in through a real link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from admin.app import create_app
from admin.inti import COOKIE, Web
from storage import tables as t
from storage import users, web

BASE = "http://127.0.0.1:8080"


class Jam:
    """A controllable clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2024, 11, 24, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def buat_web(engine: AsyncEngine, jam: Jam | None = None, **kw: Any) -> Web:
    """The admin web's services on a test database."""
    return Web(engine=engine, clock=jam or Jam(), **kw)


@asynccontextmanager
async def klien(w: Web) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the real admin app in-process (no redirects followed)."""
    app = create_app(w)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c


async def tautan(w: Web, who: str) -> str:
    """A fresh login token for a demo user."""
    async with w.engine.begin() as conn:
        u = await users.by_demo_key(conn, who)
        assert u is not None
        return await web.create_login(conn, u.id, now=w.now())


async def masuk(c: httpx.AsyncClient, w: Web, who: str) -> str:
    """Log the client in as a demo user through a real link; returns the session's CSRF token."""
    token = await tautan(w, who)
    r = await c.post("/masuk", data={"token": token})
    assert r.status_code == 303, r.text
    assert c.cookies.get(COOKIE)
    return await csrf(c)


async def jadi_operator(engine: AsyncEngine, who: str, *, kepala: bool = True) -> None:
    """Make a demo user an operator, heading their unit or not (the Kepala Bagian KUL: a head whose role is
    operator, whose web is only the inbox of what waits for their verification)."""
    async with engine.begin() as conn:
        await conn.execute(t.users.update().where(t.users.c.demo_key == who).values(role="operator", is_head=kepala))


async def csrf(c: httpx.AsyncClient) -> str:
    """The CSRF token shown in the pages' forms (on the dashboard, or the inbox of a head-only session)."""
    r = await c.get("/")
    if r.status_code == 303 and r.headers["location"] == "/verifikasi":
        r = await c.get("/verifikasi")
    assert r.status_code == 200, r.text
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert m
    return m.group(1)
