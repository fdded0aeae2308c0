"""Logging in through the bot's one-time link, sessions, CSRF on logout, and /web in the bot."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from admin.inti import COOKIE
from bot import cli
from storage import audit, users, web
from storage import tables as t
from tests.admin.bantuan import Jam, buat_web, csrf, jadi_operator, klien, masuk, tautan
from tests.bot.harness import bot_uji, demo_tg


async def test_link_opens_a_session_with_a_strict_httponly_cookie(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    token = await tautan(w, "admin")
    async with klien(w) as c:
        assert (await c.get("/")).headers["location"] == "/masuk"
        page = await c.get(f"/masuk/{token}")
        # Opening the link does not use it up (link previews must not log anyone in): one click does.
        assert page.status_code == 200 and 'name="token"' in page.text
        assert page.headers["referrer-policy"] == "same-origin"
        r = await c.post("/masuk", data={"token": token})
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Max-Age=28800" in cookie and "Secure" not in cookie
        home = await c.get("/")
        assert home.status_code == 200 and "Admin Demo" in home.text and "Dasbor" in home.text
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.web_logins.c.token_hash, t.web_logins.c.used_at))).all()
        log = await audit.recent(conn, entity="web", limit=1)
    assert [h for h, _ in rows] == [web.hash_token(token)] and token not in rows[0][0]  # only the hash is kept
    assert rows[0][1] is not None and log[0].action == "masuk"


async def test_a_replayed_link_is_refused(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    token = await tautan(w, "admin")
    async with klien(w) as c:
        assert (await c.post("/masuk", data={"token": token})).status_code == 303
    async with klien(w) as other:
        again = await other.post("/masuk", data={"token": token})
        assert again.status_code == 400 and "sudah dipakai" in again.text
        assert COOKIE not in again.headers.get("set-cookie", "")
        page = await other.get(f"/masuk/{token}")
        assert page.status_code == 400 and "sudah dipakai" in page.text and 'name="token"' not in page.text
        assert (await other.get("/")).status_code == 303


async def test_an_expired_link_is_refused(engine: AsyncEngine) -> None:
    jam = Jam()
    w = buat_web(engine, jam)
    token = await tautan(w, "pimpinan")
    jam.now += timedelta(minutes=10, seconds=1)
    async with klien(w) as c:
        page = await c.get(f"/masuk/{token}")
        assert page.status_code == 400 and "kedaluwarsa" in page.text
        r = await c.post("/masuk", data={"token": token})
        assert r.status_code == 400 and "kedaluwarsa" in r.text
        assert (await c.get("/")).status_code == 303
    async with engine.connect() as conn:  # nothing was used up
        assert (await conn.execute(sa.select(t.web_logins.c.used_at))).scalar_one() is None


async def test_a_link_still_works_just_before_ten_minutes(engine: AsyncEngine) -> None:
    jam = Jam()
    w = buat_web(engine, jam)
    token = await tautan(w, "admin")
    jam.now += timedelta(minutes=9, seconds=59)
    async with klien(w) as c:
        assert (await c.post("/masuk", data={"token": token})).status_code == 303


@pytest.mark.parametrize("token", ["", "x", "bukan-token-yang-ada", "Ünïcødé🙂" * 5, "a" * 5000, "../../etc/passwd"])
async def test_unknown_tokens_are_refused(engine: AsyncEngine, token: str) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        r = await c.post("/masuk", data={"token": token})
        assert r.status_code == 400 and "tidak dikenal" in r.text
        if token and "/" not in token:
            assert (await c.get(f"/masuk/{token}")).status_code == 400


async def test_operators_and_petugas_get_no_link_and_no_session(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    for who in ("operator", "petugas"):
        with pytest.raises(web.TautanError):
            await tautan(w, who)
    # A leader who becomes an operator heading nothing after the link was made cannot use it.
    token = await tautan(w, "kabag-kul")
    await jadi_operator(engine, "kabag-kul", kepala=False)
    async with klien(w) as c:
        r = await c.post("/masuk", data={"token": token})
        assert r.status_code == 400 and "tidak (lagi) berhak" in r.text


async def test_an_operator_who_heads_a_unit_logs_in_to_their_inbox_a_plain_operator_does_not(
        engine: AsyncEngine) -> None:
    w = buat_web(engine)
    await jadi_operator(engine, "kabag-kul")  # the Kepala Bagian KUL, an operator who heads the Bagian
    token = await tautan(w, "kabag-kul")
    async with klien(w) as c:
        r = await c.post("/masuk", data={"token": token})
        assert r.status_code == 303 and r.headers["location"] == "/verifikasi"
        assert "HttpOnly" in r.headers["set-cookie"]
        assert (await c.get("/masuk")).headers["location"] == "/"  # logged in: the start page...
        assert (await c.get("/")).headers["location"] == "/verifikasi"  # ...is their inbox
        page = await c.get("/verifikasi")
        assert page.status_code == 200 and "Kepala Bagian KUL Demo · Operator (kepala unit: verifikasi saja)" in (
            page.text)
        assert "Menunggu verifikasi Anda" in page.text and ">Dasbor<" not in page.text
    async with engine.connect() as conn:
        assert (await audit.recent(conn, entity="web", limit=1))[0].action == "masuk"
    # an operator who heads nothing gets neither a link nor a session; a head who stops heading loses the session
    for who in ("operator", "operator-kota"):
        with pytest.raises(web.TautanError):
            await tautan(w, who)
    async with klien(w) as c:
        await masuk(c, w, "kabag-kul")
        await jadi_operator(engine, "kabag-kul", kepala=False)
        assert (await c.get("/verifikasi")).headers["location"] == "/masuk"


async def test_session_expires_after_eight_hours_and_ends_when_access_is_revoked(engine: AsyncEngine) -> None:
    jam = Jam()
    w = buat_web(engine, jam)
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        jam.now += timedelta(hours=7, minutes=59)
        assert (await c.get("/")).status_code == 200
        jam.now += timedelta(minutes=2)
        assert (await c.get("/")).headers["location"] == "/masuk"
    async with klien(w) as c:
        await masuk(c, w, "kabag-kul")
        async with engine.begin() as conn:
            u = await users.by_demo_key(conn, "kabag-kul")
            assert u is not None
            await users.revoke_user(conn, u.id, actor="uji", now=jam.now)
        assert (await c.get("/")).status_code == 303


async def test_logout_needs_the_csrf_token_and_ends_the_session(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        cookie = c.cookies.get(COOKIE)
        assert (await c.post("/keluar", data={})).status_code == 403
        assert (await c.post("/keluar", data={"csrf": "salah"})).status_code == 403
        assert (await c.get("/")).status_code == 200  # still logged in
        r = await c.post("/keluar", data={"csrf": token})
        assert r.status_code == 303 and r.headers["location"].startswith("/masuk")
        assert (await c.get("/")).status_code == 303
    async with klien(w) as stolen:  # the old cookie value is dead on the server too
        stolen.cookies.set(COOKIE, cookie or "")
        assert (await stolen.get("/")).status_code == 303
    async with engine.connect() as conn:
        assert (await audit.recent(conn, entity="web", limit=1))[0].action == "keluar"


async def test_cookie_is_secure_behind_https(engine: AsyncEngine) -> None:
    w = buat_web(engine, base_url="https://pantau.kpu.example")
    token = await tautan(w, "admin")
    async with klien(w) as c:
        r = await c.post("/masuk", data={"token": token})
        assert "Secure" in r.headers["set-cookie"]


async def test_each_session_has_its_own_csrf_token(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as a, klien(w) as b:
        ta, tb = await masuk(a, w, "admin"), await masuk(b, w, "admin")
        assert ta != tb and len(ta) >= 40
        # b's token in a's session is refused
        assert (await a.post("/keluar", data={"csrf": tb})).status_code == 403
        assert await csrf(a) == ta


async def test_web_command_sends_a_link_that_logs_in_once(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.app.bot_data["web_base_url"] = "http://127.0.0.1:8080"
        admin = await demo_tg(engine, "admin")
        out = await b.kirim(admin, "/web")
        assert "berlaku 10 menit" in (out[-1].text or "") and "hanya-lihat" not in (out[-1].text or "")
        link = (out[-1].text or "").split("http://127.0.0.1:8080")[1].split()[0]
        assert link.startswith("/masuk/") and len(link) > 40
        sent = b.api.calls_to("sendMessage")[-1].params
        preview = sent["link_preview_options"]
        assert (preview.get("is_disabled") if isinstance(preview, dict) else '"is_disabled": true' in preview)
        w = buat_web(engine, Jam(b.jam.now))
        async with klien(w) as c:
            assert (await c.get(link)).status_code == 200
            token = link.removeprefix("/masuk/")
            assert (await c.post("/masuk", data={"token": token})).status_code == 303
            assert (await c.post("/masuk", data={"token": token})).status_code == 400
        pimpinan = await demo_tg(engine, "pimpinan")
        assert "hanya-lihat" in ((await b.kirim(pimpinan, "/web"))[-1].text or "")
        reply = (await b.kirim(await demo_tg(engine, "petugas"), "/web"))[-1].text or ""
        assert "tidak tersedia untuk peran Anda" in reply and "/masuk/" not in reply
        reply = (await b.kirim(await demo_tg(engine, "operator"), "/web"))[-1].text or ""
        assert reply == "Maaf, web admin hanya untuk admin, pimpinan dan kepala unit."
        # an operator who heads a unit gets a link to their inbox
        await jadi_operator(engine, "kabag-kul")
        reply = (await b.kirim(await demo_tg(engine, "kabag-kul"), "/web"))[-1].text or ""
        assert "/masuk/" in reply and "laporan yang menunggu verifikasi Anda" in reply and "hanya-lihat" not in reply
        async with engine.connect() as conn:
            assert (await conn.execute(sa.select(sa.func.count()).select_from(t.web_logins))).scalar_one() == 3


def test_cli_web_login_prints_a_link_in_local_mode(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("PANTAU_WEB_BASE_URL", "http://10.0.0.5:9000/")
    assert cli.main(["web-login", "--as", "admin"]) == 0
    out = capsys.readouterr().out
    assert "http://10.0.0.5:9000/masuk/" in out and "10 menit" in out
    assert cli.main(["web-login", "--as", "petugas"]) == 2
    assert "tidak berhak" in capsys.readouterr().err
    assert cli.main(["web-login", "--as", "operator"]) == 2  # an operator who heads nothing
    assert "tidak berhak" in capsys.readouterr().err
    assert cli.main(["web-login", "--as", "tidak-ada"]) == 2
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCDEFGHIJKLMNOP")
    assert cli.main(["web-login", "--as", "admin"]) == 2
    assert "mode lokal" in capsys.readouterr().err
