"""The Hari libur page: a year's holidays (national, cuti bersama, regional), and an admin's corrections."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.inti import ekspor, form, halaman, redirect, render, sesi, web
from domain.errors import ParseError
from domain.harikerja import JENIS_LIBUR
from domain.tanggal import TAHUN_MAKSIMUM, TAHUN_MINIMUM, format_date_long, parse_date
from storage import libur


def _f(request: Request, name: str) -> str:
    v = form(request).get(name)
    return v.strip()[:500] if isinstance(v, str) else ""


def _tahun(request: Request) -> int:
    teks = request.query_params.get("tahun", "")
    if teks.isdigit() and len(teks) == 4 and TAHUN_MINIMUM <= int(teks) <= TAHUN_MAKSIMUM:
        return int(teks)
    return web(request).today().year


async def _halaman(request: Request, tahun: int, galat: str | None = None, status: int = 200) -> Response:
    async with web(request).engine.connect() as conn:
        rows = await libur.daftar(conn, tahun)
    if request.query_params.get("unduh"):
        return ekspor(request, f"hari-libur-{tahun}", ["tanggal", "nama", "jenis", "sumber", "aktif"],
                      ([r.tanggal, r.nama, r.jenis, r.sumber, r.aktif] for r in rows))
    return render(request, "libur.html", {"rows": rows, "tahun": tahun, "jenis_libur": JENIS_LIBUR, "galat": galat,
                                          "hari": format_date_long}, status=status)


@halaman()
async def hari_libur(request: Request) -> Response:
    """A year's holidays; admins add, correct and lift days (pimpinan read only)."""
    return await _halaman(request, _tahun(request))


@halaman()
async def tambah(request: Request) -> Response:
    """Make a day a holiday (or correct one): audited, the deadlines follow at once."""
    w, admin = web(request), sesi(request).pengguna
    try:
        tanggal = parse_date(_f(request, "tanggal"))
        async with w.engine.begin() as conn:
            await libur.tambah(conn, tanggal, _f(request, "nama"), _f(request, "jenis"), actor=admin.name,
                               actor_id=admin.id, now=w.now(), zona=w.timezone)
    except (ParseError, libur.LiburError) as exc:
        return await _halaman(request, _tahun(request), str(exc), 400)
    return redirect(f"/libur?tahun={tanggal.year}&ok=libur_disimpan")


@halaman()
async def hapus(request: Request) -> Response:
    """Make a holiday a working day again (a later decree): audited, the deadlines follow at once."""
    w, admin = web(request), sesi(request).pengguna
    try:
        tanggal = parse_date(_f(request, "tanggal"))
        async with w.engine.begin() as conn:
            await libur.hapus(conn, tanggal, actor=admin.name, actor_id=admin.id, now=w.now(), zona=w.timezone)
    except (ParseError, libur.LiburError) as exc:
        return await _halaman(request, _tahun(request), str(exc), 400)
    return redirect(f"/libur?tahun={tanggal.year}&ok=libur_dihapus")


def routes() -> list[BaseRoute]:
    """The holiday routes."""
    return [
        Route("/libur", hari_libur),
        Route("/libur/tambah", tambah, methods=["POST"]),
        Route("/libur/hapus", hapus, methods=["POST"]),
    ]
