"""Imports: upload a CSV/XLSX, see a dry run with row-level errors, then commit it all or nothing."""

from __future__ import annotations

import asyncio
import io

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin import teks
from admin.inti import form, halaman, pesan, redirect, render, sesi, web
from reports.tabel import write_csv
from storage import impor

TAMPIL_GALAT = 200  # error lines shown on the page (the count says how many there are in all)
TAMPIL_BARIS = 50


async def _halaman(request: Request, galat: str | None = None, status: int = 200) -> Response:
    async with web(request).engine.connect() as conn:
        riwayat = await impor.recent_uploads(conn)
    return render(request, "impor.html", {"datasets": impor.DATASETS, "riwayat": riwayat, "galat": galat,
                                          "pilih": request.query_params.get("dataset", ""),
                                          "maks": impor.ukuran(web(request).maks_unggah)}, status=status)


@halaman(admin_saja=True)
async def halaman_impor(request: Request) -> Response:
    """Choose what to import, download a template, upload."""
    return await _halaman(request)


@halaman(admin_saja=True)
async def unggah(request: Request) -> Response:
    """Read the file once (in a worker thread, within limits), check it (dry run), keep the rows, show the preview.

    A file that cannot be read is kept too, with the reason, so the preview page says what is wrong with it.
    """
    w, admin = web(request), sesi(request).pengguna
    f = form(request)
    dataset, berkas = f.get("dataset"), f.get("berkas")
    if not isinstance(dataset, str) or dataset not in impor.DATASETS:
        return await _halaman(request, "Pilih jenis data yang diimpor.", 400)
    if not isinstance(berkas, UploadFile) or not berkas.filename:
        return await _halaman(request, teks.PILIH_BERKAS, 400)
    isi = await berkas.read(w.maks_unggah + 1)
    if len(isi) > w.maks_unggah:
        return await _halaman(request, teks.TERLALU_BESAR.format(batas=impor.ukuran(w.maks_unggah)), 400)
    low = berkas.filename.lower()
    if not low.endswith((".csv", ".xlsx")):
        return await _halaman(request, teks.JENIS_BERKAS, 400)
    tabel: impor.Tabel | None = None
    galat_berkas: str | None = None
    try:
        tabel = await asyncio.to_thread(impor.read_file, berkas.filename, isi, maks_byte=w.maks_unggah)
    except impor.ImporError as exc:
        galat_berkas = str(exc)
    async with w.engine.begin() as conn:
        p = await impor.dry_run(conn, dataset, tabel, tz_name=w.timezone) if tabel else None
        uid = await impor.keep_upload(conn, user_id=admin.id, dataset=dataset, berkas=berkas.filename, isi=isi,
                                      tabel=tabel, galat_berkas=galat_berkas, baris=len(p.baris) if p else 0,
                                      galat=len(p.pesan()) if p else 1, now=w.now())
    return redirect(f"/impor/{uid}")


async def _pratinjau(request: Request, uid: int,
                     ) -> tuple[impor.Unggahan | None, impor.Tabel | None, impor.Pratinjau | None]:
    w = web(request)
    async with w.engine.connect() as conn:
        u = await impor.upload(conn, uid)
        if u is None or u.galat_berkas is not None:
            return u, None, None
        tabel = await impor.upload_rows(conn, uid)
        if tabel is None:
            return u, None, None
        return u, tabel, await impor.dry_run(conn, u.dataset, tabel, tz_name=w.timezone)


def _render(request: Request, u: impor.Unggahan, p: impor.Pratinjau | None, galat: str | None,
            status: int = 200) -> Response:
    lines = p.pesan() if p else []
    return render(request, "impor_pratinjau.html", {
        "u": u, "p": p, "spec": impor.DATASETS[u.dataset], "galat": galat, "pesan_galat": lines[:TAMPIL_GALAT],
        "jumlah_pesan": len(lines), "baris": p.baris[:TAMPIL_BARIS] if p else []}, status=status)


@halaman(admin_saja=True)
async def pratinjau(request: Request) -> Response:
    """The dry run of an uploaded file: what would be created or changed, and every error by row (or why the file
    could not be read)."""
    u, _, p = await _pratinjau(request, request.path_params["id"])
    if u is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    return _render(request, u, p, u.galat_berkas)


@halaman(admin_saja=True)
async def simpan(request: Request) -> Response:
    """Commit an uploaded file in one transaction (checked again there), audited; nothing is written on any error."""
    w, admin = web(request), sesi(request).pengguna
    u, tabel, p = await _pratinjau(request, request.path_params["id"])
    if u is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    if u.user_id != admin.id:
        return _render(request, u, p, teks.IMPOR_BUKAN_MILIK, 403)
    if u.committed_at is not None:
        return _render(request, u, p, teks.IMPOR_SUDAH, 409)
    if tabel is None:
        return _render(request, u, p, u.galat_berkas or teks.IMPOR_TAK_TERBACA, 400)
    try:
        async with w.engine.begin() as conn:
            if not await impor.mark_committed(conn, u.id, now=w.now()):
                raise _SudahDisimpan
            await impor.commit(conn, u.dataset, tabel, actor=admin, berkas=u.berkas, now=w.now(),
                               tz_name=w.timezone)
    except impor.ImporGagal as exc:
        return _render(request, u, exc.pratinjau, teks.IMPOR_GAGAL.format(n=len(exc.pratinjau.pesan())), 400)
    except _SudahDisimpan:
        return _render(request, u, p, teks.IMPOR_SUDAH, 409)
    return redirect(f"/impor/{u.id}?ok=impor")


class _SudahDisimpan(Exception):
    pass


@halaman(admin_saja=True)
async def templat(request: Request) -> Response:
    """A template to fill in: the columns and an example row (CSV or XLSX with a sheet of explanations)."""
    dataset, fmt = request.path_params["dataset"], request.path_params["fmt"]
    spec = impor.DATASETS.get(dataset)
    if spec is None or fmt not in ("csv", "xlsx"):
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    header = [k.nama for k in spec.kolom]
    disp = {"Content-Disposition": f'attachment; filename="templat-{dataset}.{fmt}"'}
    if fmt == "csv":
        buf = io.StringIO()
        write_csv(header, [list(r) for r in spec.contoh], buf, bom=True)
        return Response(buf.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8", headers=disp)
    return Response(_xlsx(spec), headers=disp,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _xlsx(spec: impor.Dataset) -> bytes:
    import xlsxwriter  # type: ignore[import-untyped]

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("data")
    bold, text = wb.add_format({"bold": True}), wb.add_format({"num_format": "@"})
    for i, k in enumerate(spec.kolom):
        ws.write_string(0, i, k.nama, bold)
        ws.set_column(i, i, max(12, len(k.nama) + 2), text)  # text cells: codes like 17.01 stay as typed
    for r, row in enumerate(spec.contoh, start=1):
        for c, v in enumerate(row):
            ws.write_string(r, c, v, text)
    ws.freeze_panes(1, 0)
    info = wb.add_worksheet("petunjuk")
    info.write_row(0, 0, ["kolom", "wajib", "keterangan"], bold)
    for i, k in enumerate(spec.kolom, start=1):
        info.write_row(i, 0, [k.nama, "ya" if k.wajib else "tidak", k.keterangan])
    info.set_column(2, 2, 80)
    wb.close()
    return buf.getvalue()


def routes() -> list[BaseRoute]:
    """The import routes."""
    return [
        Route("/impor", halaman_impor),
        Route("/impor", unggah, methods=["POST"]),
        Route("/impor/templat/{dataset}.{fmt}", templat),
        Route("/impor/{id:int}", pratinjau),
        Route("/impor/{id:int}/simpan", simpan, methods=["POST"]),
    ]
