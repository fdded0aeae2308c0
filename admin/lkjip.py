"""The LKjIP draft from the web: a download for admins and pimpinan whose scope is the whole organisation."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin import teks
from admin.inti import halaman, lingkup, pesan, sesi, web
from reports import lkjip, lkjip_docx
from storage import audit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TAHUN_MIN, TAHUN_MAKS = 2000, 2100


async def boleh(request: Request) -> bool:
    """Whether the viewer may draft the LKjIP: it is the organisation's report on its strategic indicators, so
    admins and the leader at the top of the organisation that holds them (the scope rule's `iku`)."""
    return (await lingkup(request)).iku


@halaman()
async def unduh(request: Request) -> Response:
    """The draft as .docx, built by the same builder as the command line and the bot, rendered in a thread."""
    if not await boleh(request):
        return pesan(request, 403, teks.TIDAK_BERWENANG)
    tahun_teks = request.query_params.get("tahun", "")
    tahun: int | None = None
    if tahun_teks:
        if not tahun_teks.isdigit() or not TAHUN_MIN <= int(tahun_teks) <= TAHUN_MAKS:
            return pesan(request, 400, teks.TAHUN_SALAH)
        tahun = int(tahun_teks)
    w = web(request)
    async with w.engine.connect() as conn:
        try:
            data = await lkjip.build(conn, tahun, today=w.today())
        except lkjip.TanpaData:
            return pesan(request, 404, lkjip.TANPA_DATA)
    isi = await asyncio.to_thread(lkjip_docx.render, data)
    p = sesi(request).pengguna
    async with w.engine.begin() as conn:  # an export like every other download: who, which year, how much
        await audit.record_export(conn, actor=p.name, actor_id=p.id, dataset="lkjip", fmt="docx",
                                  rows=lkjip.baris_audit(data), via="web", filters={"tahun": data.tahun}, now=w.now())
    return Response(isi, media_type=DOCX, headers={
        "Content-Disposition": f'attachment; filename="draf-lkjip-{data.tahun}.docx"',
        "Cache-Control": "private, no-store"})


def routes() -> list[BaseRoute]:
    """The draft's route."""
    return [Route("/unduh/lkjip.docx", unduh)]
