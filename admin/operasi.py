"""Operations pages: arrival reports with photos and history, realisations and verification, escalations, the
outbox, the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin import teks
from admin.inti import ekspor, form, halaman, lingkup, pesan, redirect, render, sesi, web
from domain.errors import ParseError
from domain.kinerja import DitolakError
from domain.periode import parse_periode
from domain.tanggal import lama_menunggu
from reports.ekspor import samarkan_audit
from storage import audit, kinerja, org, outbox, verifikasi, webdata
from storage import web as sesi_web
from storage.audit import GALAT_BOT, GALAT_SIBUK
from storage.users import AksesError


def _f(request: Request, name: str) -> str:
    v = form(request).get(name)
    return v.strip()[:1000] if isinstance(v, str) else ""


def _id(request: Request) -> int | None:
    v = request.path_params.get("id")
    return v if isinstance(v, int) and 0 < v < 2**31 else None


# --- arrivals -------------------------------------------------------------------------------------------------


@halaman()
async def ketibaan(request: Request) -> Response:
    """The latest arrival report of each TPS in scope (filter by kab/kota, problems only)."""
    kabkota_ids = (await lingkup(request)).kabkota_list
    q = request.query_params
    kab_code, masalah = q.get("kabkota", "")[:20], q.get("masalah") == "ya"
    async with web(request).engine.connect() as conn:
        rows = await webdata.arrivals(conn, kabkota_ids=kabkota_ids, kabkota=kab_code, masalah=masalah,
                                      limit=100_000 if q.get("unduh") else 500)
        kab = [u for u in await org.units(conn, "kabkota") if kabkota_ids is None or u.id in kabkota_ids]
    if q.get("unduh"):
        return ekspor(request, "ketibaan", ["tps", "nama", "kabkota", "versi", "jenis", "nomor", "tiba_pada", "lengkap",
                                            "terlambat", "tepat", "foto", "pelapor"],
                      ([r.tps_kode, r.tps_nama, r.kabkota, r.versi, r.jenis, r.nomor, r.tiba_pada, r.lengkap,
                        r.terlambat, r.tepat, r.ada_foto, r.pelapor] for r in rows))
    return render(request, "ketibaan.html", {"rows": rows, "kab": kab, "kabkota": kab_code, "masalah": masalah})


@halaman()
async def ketibaan_tps(request: Request) -> Response:
    """Every version of one TPS's arrival report, with its lines and photos."""
    kabkota_ids = (await lingkup(request)).kabkota_list
    kode = request.path_params["kode"][:40]
    async with web(request).engine.connect() as conn:
        rows = await webdata.arrival_history(conn, kode, kabkota_ids)
        tps = await org.tps_by_code(conn, kode) if rows is not None else None
    if rows is None or tps is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    if request.query_params.get("unduh"):
        return ekspor(request, f"ketibaan-{kode}", ["versi", "nomor", "jenis", "tiba_pada", "barang", "diharapkan",
                                                   "diterima", "rusak", "salah_jenis", "catatan"],
                      ([r.versi, r.nomor, r.jenis, r.tiba_pada, *b] for r in rows for b in r.baris))
    return render(request, "ketibaan_tps.html", {"rows": rows, "tps": tps})


@halaman()
async def foto(request: Request) -> Response:
    """An arrival report's photo, fetched from Telegram by its file id (only within the viewer's scope)."""
    w = web(request)
    rid = _id(request)
    kabkota_ids = (await lingkup(request)).kabkota_list
    if rid is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    async with w.engine.connect() as conn:
        file_id = await webdata.arrival_photo(conn, rid, kabkota_ids)
    if file_id is None or w.ambil_foto is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    try:
        data = await w.ambil_foto(file_id)
    except Exception:  # Telegram unreachable or the file gone: say so instead of a 500
        return pesan(request, 404, "Foto tidak dapat diambil dari Telegram saat ini.")
    kind = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
    return Response(bytes(data), media_type=kind, headers={"Cache-Control": "private, max-age=3600"})


# --- realisations -------------------------------------------------------------------------------------------


async def _halaman_realisasi(request: Request, galat: str | None = None, status: int = 200) -> Response:
    units = (await lingkup(request)).unit_list
    q = request.query_params
    st, ind, untuk = q.get("status", "")[:20], q.get("indikator", "")[:40], q.get("untuk") == "saya"
    w, saya = web(request), sesi(request).pengguna
    async with w.engine.connect() as conn:
        menunggu = {m.id: m for m in await verifikasi.menunggu(conn, saya)}
        rows = await webdata.realisations(conn, unit_ids=units, status="diajukan" if untuk else st or None,
                                          indikator=ind or None,
                                          limit=100_000 if q.get("unduh") or untuk else 500)
        ditutup = [parse_periode(k) for k in await kinerja.closed_periods(conn)]
    if untuk:  # the head's inbox, as /verifikasi lists it: only what waits for them, oldest first
        rows = sorted((r for r in rows if r.id in menunggu), key=lambda r: (r.created_at, r.id))
    if q.get("unduh"):
        return ekspor(request, "realisasi", ["indikator", "unit", "periode", "versi", "nilai", "status", "sumber",
                                             "pelapor", "dibuat", "verifikator", "diverifikasi", "catatan_verifikasi",
                                             "alasan_koreksi"],
                      ([r.indikator, r.unit, r.periode, r.versi, r.nilai, r.status, r.sumber, r.pelapor, r.created_at,
                        r.verifikator, r.verified_at, r.verify_note, r.alasan_koreksi] for r in rows))
    usia = {i: lama_menunggu(m.created_at, w.now()) for i, m in menunggu.items()}
    return render(request, "realisasi.html", {"rows": rows, "status": st, "indikator": ind, "galat": galat,
                                              "ditutup": ditutup, "untuk": untuk, "usia": usia,
                                              "kepala": saya.is_head}, status=status)


@halaman()
async def realisasi(request: Request) -> Response:
    """Realisations with every version (history) and their verification."""
    return await _halaman_realisasi(request)


@halaman(kepala_boleh=True)
async def realisasi_verifikasi(request: Request) -> Response:
    """Approve or return a submitted realisation: an admin, or a head on what waits for them (the one rule of
    ``storage.kinerja.decide``, as the bot's /verifikasi)."""
    w, admin, rid = web(request), sesi(request).pengguna, _id(request)
    keputusan = _f(request, "keputusan")
    dari_kotak = _f(request, "dari") == "kotak" or sesi_web.akses_web(admin) == sesi_web.KEPALA
    if rid is None or keputusan not in ("setujui", "kembalikan"):
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    try:
        async with w.engine.begin() as conn:
            await kinerja.decide(conn, rid, approve=keputusan == "setujui", note=_f(request, "catatan"),
                                 verifier=admin, now=w.now())
    except DitolakError as exc:
        if dari_kotak:
            return await _halaman_kotak(request, exc.pesan, 400)
        return await _halaman_realisasi(request, exc.pesan, 400)
    w.wake_outbox()
    if dari_kotak:
        return redirect("/verifikasi?ok=diverifikasi")
    return redirect("/realisasi?untuk=saya&ok=diverifikasi" if _f(request, "untuk") == "saya"
                    else "/realisasi?ok=diverifikasi")


async def _halaman_kotak(request: Request, galat: str | None = None, status: int = 200) -> Response:
    w, saya = web(request), sesi(request).pengguna
    ck = await lingkup(request)
    async with w.engine.connect() as conn:
        rows = [m for m in await verifikasi.menunggu(conn, saya) if ck.lihat_unit(m.unit_id)]
    usia = {m.id: lama_menunggu(m.created_at, w.now()) for m in rows}
    periode = {m.id: parse_periode(m.periode).label for m in rows}
    return render(request, "verifikasi.html", {"rows": rows, "usia": usia, "periode": periode, "galat": galat,
                                               "kepala": saya.is_head}, status=status)


@halaman(kepala_boleh=True)
async def kotak_verifikasi(request: Request) -> Response:
    """What waits for this head's verification, as the bot's /verifikasi lists it (oldest first, with the age), with
    Setujui / Kembalikan; the whole web of a head whose role is operator."""
    return await _halaman_kotak(request)


@halaman()
async def periode_tutup(request: Request) -> Response:
    """Close a reporting period for late reports, or reopen it (audited)."""
    w, admin, aksi = web(request), sesi(request).pengguna, _f(request, "aksi")
    if aksi not in ("tutup", "buka"):
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    try:
        async with w.engine.begin() as conn:
            await kinerja.set_period_closed(conn, _f(request, "periode"), tutup=aksi == "tutup", actor=admin.name,
                                            actor_id=admin.id, now=w.now())
    except ParseError as exc:
        return await _halaman_realisasi(request, str(exc), 400)
    return redirect(f"/realisasi?ok={'periode_ditutup' if aksi == 'tutup' else 'periode_dibuka'}")


# --- escalations ----------------------------------------------------------------------------------------------


async def _halaman_eskalasi(request: Request, galat: str | None = None, status: int = 200) -> Response:
    kabkota_ids = (await lingkup(request)).kabkota_list
    st = request.query_params.get("status", "")[:20]
    async with web(request).engine.connect() as conn:
        rows = await webdata.escalations(conn, kabkota_ids=kabkota_ids, status=st)
    if request.query_params.get("unduh"):
        return ekspor(request, "eskalasi", ["id", "jenis", "kabkota", "tps", "uraian", "status", "dibuat", "penangan",
                                            "ditangani", "catatan"],
                      ([r.id, r.jenis, r.kabkota, r.tps, r.uraian, r.status, r.created_at, r.penangan, r.handled_at,
                        r.handled_note] for r in rows))
    return render(request, "eskalasi.html", {"rows": rows, "status": st, "galat": galat}, status=status)


@halaman()
async def eskalasi(request: Request) -> Response:
    """Escalations (shortfalls, damage, lateness), open ones first."""
    return await _halaman_eskalasi(request)


@halaman()
async def eskalasi_tangani(request: Request) -> Response:
    """Mark an escalation handled."""
    w, admin, eid = web(request), sesi(request).pengguna, _id(request)
    if eid is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    try:
        async with w.engine.begin() as conn:
            await webdata.handle_escalation(conn, eid, note=_f(request, "catatan") or None, admin=admin, now=w.now())
    except AksesError as exc:
        return await _halaman_eskalasi(request, str(exc), 400)
    return redirect("/eskalasi?ok=ditangani")


# --- outbox and audit -----------------------------------------------------------------------------------------


@halaman(admin_saja=True)
async def pesan_keluar(request: Request) -> Response:
    """The outbox: counts per status and the messages that failed, with a retry button."""
    w = web(request)
    async with w.engine.connect() as conn:
        hitung = await outbox.counts(conn)
        gagal = await outbox.failed(conn, limit=200)
        # the bot's failures of the last 24 hours (the error handler records each with its reference code)
        galat = await audit.hitung_aksi(conn, [GALAT_BOT, GALAT_SIBUK], sejak=w.now() - timedelta(days=1))
    if request.query_params.get("unduh"):
        return ekspor(request, "pesan-gagal", ["id", "kunci", "chat_id", "jenis", "percobaan", "galat", "dibuat",
                                               "gagal_pada", "teks"],
                      ([m.id, m.key, m.chat_id, m.kind, m.attempts, m.last_error, m.created_at, m.failed_at, m.text]
                       for m in gagal))
    return render(request, "outbox.html", {"hitung": hitung, "gagal": gagal, "galat_bot": galat[GALAT_BOT],
                                           "galat_sibuk": galat[GALAT_SIBUK]})


@halaman(admin_saja=True)
async def pesan_ulang(request: Request) -> Response:
    """Queue a failed message again."""
    w, admin, mid = web(request), sesi(request).pengguna, _id(request)
    if mid is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    async with w.engine.begin() as conn:
        done = await webdata.retry_outbox(conn, mid, admin=admin, now=w.now())
    if not done:
        return pesan(request, 400, "Pesan ini tidak sedang gagal; tidak ada yang diantrekan ulang.")
    w.wake_outbox()
    return redirect("/outbox?ok=diantrekan")


@halaman(admin_saja=True)
async def jejak(request: Request) -> Response:
    """The audit log: who changed what, when, old → new; newest first, page by page."""
    q = request.query_params
    entity, actor = q.get("entitas", "")[:40], q.get("pelaku", "")[:60]
    sebelum = q.get("sebelum", "")
    async with web(request).engine.connect() as conn:
        if q.get("unduh"):
            rows, _ = await webdata.audit_page(conn, entity=entity, actor=actor, size=100_000)
            # The same masking as every other export of the audit log (invite codes, tokens, sessions).
            return ekspor(request, "audit", ["id", "waktu", "pelaku", "aksi", "entitas", "id_entitas", "lama", "baru"],
                          ([r.id, r.at, r.actor, r.action, r.entity,
                            *samarkan_audit(r.entity, r.entity_id, r.old, r.new)] for r in rows))
        rows, lanjut = await webdata.audit_page(conn, entity=entity, actor=actor,
                                                sebelum=int(sebelum) if sebelum.isdigit() and len(sebelum) < 12
                                                else None)
        entitas = await webdata.audit_entities(conn)
    rows = [_samar(r) for r in rows]  # the page shows what the downloads show: no invite code, token or session
    return render(request, "audit.html", {"rows": rows, "lanjut": lanjut, "entitas_list": entitas, "entitas": entity,
                                          "pelaku": actor})


def _samar(r: webdata.BarisAudit) -> webdata.BarisAudit:
    ident, lama, baru = samarkan_audit(r.entity, r.entity_id, r.old, r.new)
    return replace(r, entity_id=ident, old=lama, new=baru)


def routes() -> list[BaseRoute]:
    """The operations routes."""
    return [
        Route("/ketibaan", ketibaan),
        Route("/ketibaan/{kode}", ketibaan_tps),
        Route("/foto/{id:int}", foto),
        Route("/realisasi", realisasi),
        Route("/realisasi/{id:int}/verifikasi", realisasi_verifikasi, methods=["POST"]),
        Route("/verifikasi", kotak_verifikasi),
        Route("/periode", periode_tutup, methods=["POST"]),
        Route("/eskalasi", eskalasi),
        Route("/eskalasi/{id:int}/tangani", eskalasi_tangani, methods=["POST"]),
        Route("/outbox", pesan_keluar),
        Route("/outbox/{id:int}/ulang", pesan_ulang, methods=["POST"]),
        Route("/audit", jejak),
    ]
