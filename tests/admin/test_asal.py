"""POST /masuk only from the web's own pages: a cross-site form cannot log a browser in (login CSRF)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from admin import teks
from storage import tables as t
from tests.admin.bantuan import BASE, buat_web, klien, tautan


async def _sesi(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(t.web_sessions))).scalar_one())


@pytest.mark.parametrize("headers", [
    {"origin": "https://jahat.example"},
    {"origin": "null"},
    {"origin": "http://127.0.0.1:9999"},  # another port is another origin
    {"origin": "https://127.0.0.1:8080"},  # and another scheme
    {"referer": "https://jahat.example/halaman"},
    {"origin": "https://jahat.example", "referer": f"{BASE}/masuk/x"},  # Origin decides when both are there
    {"origin": "bukan url"},
])
async def test_a_cross_site_login_is_refused_and_the_link_is_not_used(engine: AsyncEngine,
                                                                     headers: dict[str, str]) -> None:
    w = buat_web(engine)
    token = await tautan(w, "admin")
    async with klien(w) as c:
        r = await c.post("/masuk", data={"token": token}, headers=headers)
        assert r.status_code == 403 and "set-cookie" not in r.headers
        assert "datang dari situs lain" in r.text and teks.LINTAS_SITUS[:40] in r.text
        assert await _sesi(engine) == 0
        # The link itself is untouched: the admin can still use it from the real page.
        ok = await c.post("/masuk", data={"token": token}, headers={"origin": BASE})
        assert ok.status_code == 303 and await _sesi(engine) == 1


@pytest.mark.parametrize("headers", [
    {"origin": BASE}, {"origin": "HTTP://127.0.0.1:8080"}, {"referer": f"{BASE}/masuk/abc"}, {},
])
async def test_a_login_from_the_own_page_works(engine: AsyncEngine, headers: dict[str, str]) -> None:
    w = buat_web(engine)
    token = await tautan(w, "admin")
    async with klien(w) as c:
        assert (await c.post("/masuk", data={"token": token}, headers=headers)).status_code == 303


async def test_default_ports_are_the_same_origin(engine: AsyncEngine) -> None:
    w = buat_web(engine, base_url="https://pantau.kpu.example:443/")
    token = await tautan(w, "admin")
    async with klien(w) as c:
        r = await c.post("/masuk", data={"token": token}, headers={"origin": "https://pantau.kpu.example"})
        assert r.status_code == 303
