"""The core of the admin web: its services, sessions, role and CSRF checks, rendering and exports."""

from __future__ import annotations

import csv
import hmac
import io
import json
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.templating import Jinja2Templates

from admin import teks
from domain.angka import format_number, format_percent, format_rupiah
from domain.cakupan import Cakupan
from domain.entitas import PERAN_LABEL
from domain.tanggal import format_date, format_datetime
from reports import proses
from reports.ekspor import daftar_xlsx
from reports.tabel import netralkan
from reports.teks import nilai_teks
from storage import audit
from storage import web as sesi_web
from storage.cakupan import cakupan
from storage.impor import ukuran

COOKIE = "pantau_sesi"
MAKS_UNGGAH = 10 * 1024 * 1024
HERE = Path(__file__).parent

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Web:
    """What the pages need from the running Pantau."""

    engine: AsyncEngine
    base_url: str = "http://127.0.0.1:8080"
    timezone: str = "Asia/Jakarta"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    bot_username: Callable[[], str] = field(default=lambda: "pantau_bot")
    wake_outbox: Callable[[], None] = field(default=lambda: None)
    # Fetches a Telegram file (arrival photos) by file id; None where no bot is attached.
    ambil_foto: Callable[[str], Awaitable[bytes]] | None = None
    maks_unggah: int = MAKS_UNGGAH

    def now(self) -> datetime:
        """The current time (injectable for tests)."""
        return self.clock()

    def today(self) -> date:
        """Today in the configured time zone."""
        return self.now().astimezone(ZoneInfo(self.timezone)).date()

    @property
    def secure(self) -> bool:
        """Whether cookies must be Secure (the web is reached over https)."""
        return self.base_url.startswith("https://")


def _asal(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower-case, with the default port left out; None when it has none."""
    try:
        u = urlsplit(url.strip())
        port = u.port
    except ValueError:
        return None
    if u.scheme not in ("http", "https") or not u.hostname:
        return None
    bawaan = {"http": 80, "https": 443}[u.scheme]
    return f"{u.scheme}://{u.hostname}" + (f":{port}" if port not in (None, bawaan) else "")


def asal_sendiri(request: Request) -> bool:
    """Whether a form was posted from this web's own pages (Origin, else Referer, against the base URL).

    A browser always sends Origin on a cross-site POST, so one from another site (or "null", a sandboxed frame)
    is refused; a request with neither header is not from a browser page and cannot be a forged one.
    """
    asal = request.headers.get("origin") or request.headers.get("referer")
    if asal is None:
        return True
    sendiri = _asal(web(request).base_url)
    return sendiri is not None and _asal(asal) == sendiri


def web(request: Request) -> Web:
    """The services of this app."""
    w = request.app.state.web
    assert isinstance(w, Web)
    return w


def sesi(request: Request) -> sesi_web.Sesi:
    """The session of a page the guard let through."""
    s = request.state.sesi
    assert isinstance(s, sesi_web.Sesi)
    return s


def form(request: Request) -> FormData:
    """The (CSRF-checked) form of a POST."""
    f = request.state.form
    assert isinstance(f, FormData)
    return f


# --- templates -------------------------------------------------------------------------------------


def _nilai(jenis: str, kanonik: str | None) -> str:
    try:
        return nilai_teks(jenis, kanonik)
    except (ValueError, KeyError):
        return kanonik or "–"


def _angka(v: Any) -> str:
    return "–" if v is None else format_number(v)


def _json_ringkas(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_json_ringkas(x) if isinstance(x, dict | list) else x}" for k, x in v.items())
    return json.dumps(v, ensure_ascii=False)


def make_templates() -> Jinja2Templates:
    """The Jinja2 environment with Indonesian formatting filters."""
    tpl = Jinja2Templates(directory=str(HERE / "templates"))
    env = tpl.env
    env.filters.update({
        "angka": _angka,
        "rupiah": lambda v: "–" if v is None else format_rupiah(int(v)),
        "persen": lambda v: format_percent(v) if v is not None else "–",
        "tanggal": lambda d: format_date(d) if d else "–",
        "nilai": _nilai,
        "ringkas": _json_ringkas,
        "peran": lambda r: PERAN_LABEL.get(r, r),
    })
    return tpl


NAV: tuple[tuple[str, str, bool], ...] = (
    ("/", "Dasbor", False),
    ("/pengguna", "Pengguna", True),
    ("/unit", "Unit", False),
    ("/tps", "TPS", False),
    ("/indikator", "Indikator", False),
    ("/pk", "PK", False),
    ("/rencana-aksi", "Rencana aksi", False),
    ("/tenggat", "Tenggat", False),
    ("/tahun", "Tahun anggaran", False),
    ("/libur", "Hari libur", False),
    ("/pemilihan", "Pemilihan", False),
    ("/logistik", "Logistik", False),
    ("/ketibaan", "Ketibaan", False),
    ("/realisasi", "Realisasi", False),
    ("/eskalasi", "Eskalasi", False),
    ("/outbox", "Pesan keluar", True),
    ("/audit", "Jejak audit", True),
    ("/impor", "Impor", True),
)


KOTAK = ("/verifikasi", "Verifikasi")  # the inbox of what waits for a head's verification


def beranda(s: sesi_web.Sesi | None) -> str:
    """Where a session starts: the dashboard, or for a head-only session the inbox."""
    return KOTAK[0] if s is not None and sesi_web.akses_web(s.pengguna) == sesi_web.KEPALA else "/"


def render(request: Request, name: str, ctx: dict[str, Any] | None = None, status: int = 200) -> Response:
    """A page with the common context (user, CSRF token, menu, message after a redirect)."""
    s: sesi_web.Sesi | None = getattr(request.state, "sesi", None)
    w = web(request)
    akses = sesi_web.akses_web(s.pengguna) if s else None
    admin = akses == sesi_web.PENUH
    if akses == sesi_web.KEPALA:  # a head-only session: the inbox and nothing else
        nav = [KOTAK]
    else:
        nav = [(p, label) for p, label, only in NAV if admin or not only]
        if s is not None and s.pengguna.is_head:
            nav.insert(1, KOTAK)
    full = {
        "request": request, "sesi": s, "pengguna": s.pengguna if s else None, "admin": admin,
        "hanya_kotak": akses == sesi_web.KEPALA, "beranda": beranda(s),
        "csrf": s.csrf if s else "", "nav": nav,
        "ok": teks.OK.get(request.query_params.get("ok", "")), "path": request.url.path,
        "waktu": lambda dt: format_datetime(dt, w.timezone) if dt else "–",
        "tautan": lambda **kw: _tautan(request, **kw),
    }
    full.update(ctx or {})
    return request.app.state.templates.TemplateResponse(request, name, full, status_code=status)


def _tautan(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    params.pop("ok", None)
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    return request.url.path + ("?" + urlencode(params) if params else "")


def pesan(request: Request, status: int, text: str) -> Response:
    """A page with just a message (errors: 403, 404, 400)."""
    return render(request, "pesan.html", {"pesan": text}, status=status)


def redirect(url: str) -> Response:
    """Post/redirect/get."""
    return RedirectResponse(url, status_code=303)


# --- the guard -----------------------------------------------------------------------------------------


def halaman(*, admin_saja: bool = False, kepala_boleh: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Wrap an endpoint: a live session, the role allowed, and for every POST admin only plus a valid CSRF token.

    ``kepala_boleh``: a unit head may POST too (verifying what waits for them), and a head-only session
    (``storage.web.akses_web``: an operator who heads a unit) may open it at all; the endpoint then applies the
    rule that says on which reports (``domain.kinerja.periksa_verifikasi``). Every other page sends a head-only
    session to its inbox: the dashboard by a redirect, the rest with a 403 that says where to go."""

    def deco(fn: Endpoint) -> Endpoint:
        @wraps(fn)
        async def endpoint(request: Request) -> Response:
            w = web(request)
            async with w.engine.connect() as conn:
                s = await sesi_web.session(conn, request.cookies.get(COOKIE), now=w.now())
            if s is None:
                if request.method == "GET":
                    return redirect("/masuk")
                return pesan(request, 403, teks.PERLU_MASUK)
            request.state.sesi = s
            akses = sesi_web.akses_web(s.pengguna)
            if akses == sesi_web.KEPALA and not kepala_boleh:
                if request.method == "GET" and request.url.path == "/":
                    return redirect(KOTAK[0])
                return pesan(request, 403, teks.HANYA_VERIFIKASI)
            if admin_saja and akses != sesi_web.PENUH:
                return pesan(request, 403, teks.TIDAK_BERWENANG)
            if request.method == "POST":
                if akses != sesi_web.PENUH and not (kepala_boleh and s.pengguna.is_head):
                    return pesan(request, 403, teks.HANYA_BACA)
                size = request.headers.get("content-length", "")
                if size.isdigit() and int(size) > w.maks_unggah + 64 * 1024:
                    return pesan(request, 413, teks.TERLALU_BESAR.format(batas=ukuran(w.maks_unggah)))
                f = await request.form(max_files=1, max_fields=200)
                try:  # uploaded files are spooled to temporary files: always close them
                    token = f.get("csrf")
                    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), s.csrf.encode()):
                        return pesan(request, 403, teks.CSRF)
                    request.state.form = f
                    return await fn(request)
                finally:
                    await f.close()
            return await fn(request)

        return endpoint

    return deco


async def lingkup(request: Request) -> Cakupan:
    """The viewer's scope (``domain.cakupan``)."""
    async with web(request).engine.connect() as conn:
        return await cakupan(conn, sesi(request).pengguna)


# --- exports ----------------------------------------------------------------------------------------------


def _sel(v: Any) -> Any:
    if isinstance(v, bool):
        return "ya" if v else "tidak"
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else v


def _nama_berkas(nama: str, fmt: str, today: date) -> str:
    return f"pantau-{nama}-{today.isoformat()}.{fmt}"


async def _aliran(rows: Iterable[Sequence[Any]] | AsyncIterable[Sequence[Any]]) -> AsyncGenerator[Sequence[Any], None]:
    if isinstance(rows, AsyncIterable):
        try:
            async for r in rows:
                yield r
        finally:
            tutup = getattr(rows, "aclose", None)
            if tutup is not None:
                await tutup()  # a dropped download gives its database connection back at once
    else:
        for r in rows:
            yield r


class _AliranResponse(StreamingResponse):
    """A streamed download whose rows are closed when the response ends, also when the browser went away (Starlette
    then cancels the stream and leaves the generator suspended: its connection and its audit record would wait for
    the garbage collector)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            tutup = getattr(self.body_iterator, "aclose", None)
            if tutup is not None:
                with anyio.CancelScope(shield=True):
                    await tutup()


async def _catat_unduhan(request: Request, nama: str, fmt: str, n: int, selesai: bool) -> None:
    """The download's audit record: who, which list, the page's filters, how many rows were sent."""
    w, p = web(request), sesi(request).pengguna
    saringan = {k: v[:100] for k, v in request.query_params.items() if k != "unduh"}
    # Shielded: a download the browser dropped part way is cancelled, and its record must still be written.
    with anyio.CancelScope(shield=True):
        async with w.engine.begin() as conn:
            await audit.record_export(conn, actor=p.name, actor_id=p.id, dataset=nama, fmt=fmt, rows=n, via="web",
                                      filters=saringan, complete=selesai, now=w.now())


def ekspor(request: Request, nama: str, header: Sequence[str],
           rows: Iterable[Sequence[Any]] | AsyncIterable[Sequence[Any]]) -> Response:
    """A list as a download: CSV (streamed, UTF-8 with BOM for Excel) or XLSX (?unduh=xlsx); cells neutralised;
    every download is audited with its filters and the rows it held."""
    fmt = "xlsx" if request.query_params.get("unduh") == "xlsx" else "csv"
    berkas = _nama_berkas(nama, fmt, web(request).today())
    disp = {"Content-Disposition": f'attachment; filename="{berkas}"'}
    if fmt == "csv":
        async def gen() -> AsyncIterable[bytes]:
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\r\n")
            buf.write("\ufeff")
            w.writerow(header)
            n, selesai = 0, False
            sumber = _aliran(rows)
            try:
                async for r in sumber:
                    w.writerow([netralkan(_sel(v)) for v in r])
                    n += 1
                    if n % 1000 == 0:
                        yield buf.getvalue().encode("utf-8")
                        buf.seek(0)
                        buf.truncate()
                selesai = True
            finally:
                await sumber.aclose()
                await _catat_unduhan(request, nama, fmt, n, selesai)
            yield buf.getvalue().encode("utf-8")

        return _AliranResponse(gen(), media_type="text/csv; charset=utf-8", headers=disp)

    async def body() -> bytes:
        data = [[_sel(v) for v in r] async for r in _aliran(rows)]
        # Written in an export process: the workbook's CPU never delays the bot's replies (same process as the web).
        isi = await proses.jalankan(daftar_xlsx, header, data)
        await _catat_unduhan(request, nama, fmt, len(data), True)
        return isi

    return _XlsxResponse(body, headers=disp)


class _XlsxResponse(Response):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def __init__(self, body: Callable[[], Awaitable[bytes]], headers: dict[str, str]) -> None:
        super().__init__(b"", headers=headers)
        self._make = body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.body = await self._make()
        self.headers["content-length"] = str(len(self.body))
        await super().__call__(scope, receive, send)
