"""The admin web app: login through a one-time link from the bot, the dashboard, and every list page."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin import grafik, impor, libur, lkjip, master, operasi, pemilihan, tahun, teks
from admin.inti import (
    COOKIE,
    HERE,
    Web,
    asal_sendiri,
    beranda,
    halaman,
    lingkup,
    make_templates,
    pesan,
    redirect,
    render,
    sesi,
    web,
)
from domain.tanggal import format_datetime
from reports import anggaran, capaian, logistik, pemutakhiran
from storage import org, verifikasi
from storage import web as sesi_web

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Login tokens sit in URLs: never leak them to another site. "same-origin", not "no-referrer": with no-referrer
    # a browser sends "Origin: null" on the login form's POST, which cannot be told from a forged one.
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; "
     b"form-action 'self'; base-uri 'none'"),
]


class _Keamanan:
    """Security headers on every response, and no caching of pages that show data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def kirim(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _HEADERS if k not in names]
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, kirim)


# --- login and logout --------------------------------------------------------------------------------------


async def masuk_info(request: Request) -> Response:
    """How to log in (the bot sends the link)."""
    w = web(request)
    async with w.engine.connect() as conn:
        if await sesi_web.session(conn, request.cookies.get(COOKIE), now=w.now()) is not None:
            return redirect("/")
    return render(request, "masuk.html", {"token": None, "alasan": None})


async def masuk_tautan(request: Request) -> Response:
    """The link from the bot: check it without using it, and ask for one click (link previews must not log in)."""
    w = web(request)
    token = request.path_params["token"]
    async with w.engine.connect() as conn:
        alasan = await sesi_web.check_login(conn, token, now=w.now())
    if alasan is not None:
        return render(request, "masuk.html", {"token": None, "alasan": teks.TAUTAN[alasan]}, status=400)
    return render(request, "masuk.html", {"token": token, "alasan": None})


async def masuk(request: Request) -> Response:
    """Use the link once and open a session (HttpOnly, SameSite=Strict cookie); only from this web's own page."""
    w = web(request)
    if not asal_sendiri(request):  # login CSRF: another site must not log a browser in (as anyone)
        return render(request, "masuk.html", {"token": None, "alasan": teks.LINTAS_SITUS}, status=403)
    f = await request.form(max_files=0, max_fields=5)
    token = f.get("token")
    try:
        async with w.engine.begin() as conn:
            p = await sesi_web.redeem_login(conn, token if isinstance(token, str) else "", now=w.now())
            cookie, baru = await sesi_web.create_session(conn, p, now=w.now())
    except sesi_web.TautanError as exc:
        return render(request, "masuk.html", {"token": None, "alasan": teks.TAUTAN[exc.kode]}, status=400)
    resp = redirect(beranda(baru))
    resp.set_cookie(COOKIE, cookie, max_age=int(sesi_web.MASA_SESI.total_seconds()), httponly=True,
                    samesite="strict", secure=w.secure, path="/")
    return resp


async def keluar(request: Request) -> Response:
    """Log out (POST with the CSRF token; pimpinan may log out too)."""
    w = web(request)
    cookie = request.cookies.get(COOKIE)
    async with w.engine.begin() as conn:
        s = await sesi_web.session(conn, cookie, now=w.now())
        if s is None:
            return redirect("/masuk")
        request.state.sesi = s
        f = await request.form(max_files=0, max_fields=5)
        token = f.get("csrf")
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), s.csrf.encode()):
            return pesan(request, 403, teks.CSRF)
        await sesi_web.end_session(conn, cookie or "", now=w.now())
    resp = redirect("/masuk?ok=keluar")
    resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=w.secure)
    return resp


# --- the dashboard -------------------------------------------------------------------------------------------


async def _laporan(request: Request, nama: str) -> tuple[Any, str]:
    """The report behind a dashboard block, limited to the viewer's scope, and a key naming that scope."""
    w = web(request)
    ck = await lingkup(request)
    kabkota = ck.kabkota_list
    p = sesi(request).pengguna
    async with w.engine.connect() as conn:
        if nama == "capaian":
            unit = None if ck.iku else p.unit_code
            return await capaian.build(conn, None, unit), unit or "semua"
        if nama == "anggaran":
            org_ids = ck.organisasi_list
            return (await anggaran.build(conn, None, org_ids),
                    "semua" if org_ids is None else f"org-{min(org_ids, default=0)}-{len(org_ids)}")
        if nama == "pemutakhiran":
            lap = await pemutakhiran.build(conn, today=w.today())
            if kabkota is None:
                return lap, "semua"
            kode = {u.code for u in await org.units(conn, "kabkota") if u.id in kabkota}
            return pemutakhiran.saring_kabkota(lap, kode), ",".join(sorted(kode))
        acara = await logistik.pemilihan_dipilih(conn, None, w.today())
        return (await logistik.build(conn, kabkota, pemilihan_id=acara),
                ("semua" if kabkota is None else ",".join(map(str, kabkota))) + f"@{acara or 0}")


@halaman()
async def dasbor(request: Request) -> Response:
    """Capaian, logistics progress, budget and voter-list stages, with their charts."""
    data = {n: (await _laporan(request, n))[0] for n in ("capaian", "anggaran", "pemutakhiran", "logistik")}
    data["lkjip"] = await lkjip.boleh(request)
    async with web(request).engine.connect() as conn:  # a head's inbox, as /verifikasi and the digest count it
        data["menunggu_verifikasi"] = len(await verifikasi.menunggu(conn, sesi(request).pengguna))
    return render(request, "dasbor.html", data)


GRAFIK = ("capaian", "anggaran", "pemutakhiran", "logistik")


@halaman()
async def grafik_png(request: Request) -> Response:
    """One dashboard chart as PNG, drawn off the event loop."""
    nama = request.path_params["nama"]
    if nama not in GRAFIK:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    lap, kunci = await _laporan(request, nama)
    w = web(request)
    per = format_datetime(w.now(), w.timezone) if nama == "logistik" else None
    png = await asyncio.to_thread(grafik.png, nama, lap, kunci, per)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})


async def tidak_ada(request: Request, exc: Exception) -> Response:
    """404 in Indonesian."""
    return pesan(request, 404, teks.TIDAK_DITEMUKAN)


def routes() -> list[BaseRoute]:
    """Every route of the admin web."""
    return [
        Route("/", dasbor),
        Route("/masuk", masuk_info),
        Route("/masuk", masuk, methods=["POST"]),
        Route("/masuk/{token}", masuk_tautan),
        Route("/keluar", keluar, methods=["POST"]),
        Route("/grafik/{nama}.png", grafik_png),
        *lkjip.routes(),
        *master.routes(),
        *operasi.routes(),
        *impor.routes(),
        *tahun.routes(),
        *pemilihan.routes(),
        *libur.routes(),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


def create_app(w: Web) -> Starlette:
    """The admin ASGI app (mounted by bot/web.py next to /health and the webhook)."""
    app = Starlette(routes=routes(), exception_handlers={404: tidak_ada})
    app.state.web = w
    app.state.templates = make_templates()
    app.add_middleware(_Keamanan)
    return app
