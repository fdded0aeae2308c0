"""The *Pemilihan* page: every election event with its kind, year, status and voting days, and which one runs now
and which comes next (read-only: events come in through the Impor page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.inti import halaman, render, web
from storage import pemilihan

STATUS = {"dijadwalkan": "dijadwalkan", "selesai": "selesai", "dibatalkan": "dibatalkan"}


@dataclass(frozen=True)
class BarisPemilihan:
    """One event as the page shows it."""

    kode: str
    nama: str
    jenis: str
    tahun: int
    status: str
    demo: bool
    pemungutan_awal: date | None
    pemungutan: date | None
    mulai: date | None
    keadaan: str  # "berjalan", "berikutnya" or ""


@halaman()
async def halaman_pemilihan(request: Request) -> Response:
    """Every event, the running one and the next one marked (pimpinan and admins read it)."""
    w = web(request)
    hari = w.today()
    async with w.engine.connect() as conn:
        semua = await pemilihan.semua(conn)
        jalan = await pemilihan.berjalan(conn, hari)
        nanti = await pemilihan.berikutnya(conn, hari)
    keadaan = {**({nanti.id: "berikutnya"} if nanti else {}), **({jalan.id: "berjalan"} if jalan else {})}
    rows = [BarisPemilihan(e.kode, e.nama, pemilihan.JENIS.get(e.jenis, e.jenis), e.tahun,
                           STATUS.get(e.status, e.status), e.demo, e.pemungutan_awal, e.pemungutan, e.mulai,
                           keadaan.get(e.id, "")) for e in semua]
    return render(request, "pemilihan.html", {"rows": rows, "jalan": jalan, "nanti": nanti, "hari": hari})


def routes() -> list[BaseRoute]:
    """The election-event routes."""
    return [Route("/pemilihan", halaman_pemilihan)]
