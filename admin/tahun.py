"""The *Tahun anggaran* page: open a year, see its readiness checklist, close it, reopen it with a reason."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.inti import form, halaman, redirect, render, sesi, web
from domain.kinerja import DitolakError
from reports import tahun as laporan_tahun
from storage import tahun as tahun_anggaran


def _tahun(s: object) -> int | None:
    v = s.strip() if isinstance(s, str) else ""
    return int(v) if v.isascii() and v.isdigit() and len(v) == 4 else None


async def _halaman(request: Request, galat: str | None = None, status: int = 200) -> Response:
    w = web(request)
    async with w.engine.connect() as conn:
        semua = await tahun_anggaran.semua(conn)
        pilih = _tahun(request.query_params.get("tahun", ""))
        if pilih is None:
            pilih = semua[0].tahun if semua else w.now().year
        kesiapan = await laporan_tahun.status(conn, pilih)
    return render(request, "tahun.html", {"semua": semua, "kesiapan": kesiapan, "galat": galat,
                                          "berikut": (semua[0].tahun + 1) if semua else w.now().year},
                  status=status)


@halaman()
async def halaman_tahun(request: Request) -> Response:
    """Every year and its state; the checklist of the chosen one (pimpinan read-only)."""
    return await _halaman(request)


@halaman(admin_saja=True)
async def ubah(request: Request) -> Response:
    """Open, close or reopen a year (admin, CSRF-checked by the guard, audited in storage)."""
    w, admin, f = web(request), sesi(request).pengguna, form(request)
    aksi, th = f.get("aksi"), _tahun(f.get("tahun"))
    if th is None:
        return await _halaman(request, "Tulis tahun dengan empat angka, mis. 2027.", 400)
    try:
        async with w.engine.begin() as conn:
            if aksi == "buka":
                dari = _tahun(f.get("dari"))
                h = await laporan_tahun.buka(conn, th, dari=dari, actor=admin.name, actor_id=admin.id, now=w.now(),
                                             zona=w.timezone)
                ok = "tahun_sudah_ada" if h.sudah_ada else "tahun_dibuka"
            elif aksi == "tutup":
                await laporan_tahun.tutup(conn, th, today=w.today(), actor=admin.name,
                                          actor_id=admin.id, now=w.now())
                ok = "tahun_ditutup"
            elif aksi == "buka_kembali":
                alasan = f.get("alasan")
                await tahun_anggaran.buka_kembali(conn, th, alasan=alasan[:2000] if isinstance(alasan, str) else "",
                                                  actor=admin.name, actor_id=admin.id, now=w.now())
                ok = "tahun_dibuka_kembali"
            else:
                return await _halaman(request, "Aksi tidak dikenal.", 400)
    except DitolakError as exc:
        return await _halaman(request, exc.pesan, 400)
    return redirect(f"/tahun?tahun={th}&ok={ok}")


def routes() -> list[BaseRoute]:
    """The budget-year routes."""
    return [Route("/tahun", halaman_tahun), Route("/tahun", ubah, methods=["POST"])]
