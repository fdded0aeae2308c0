"""Master data pages: users and invites, units, TPS, indicators and PK, rencana aksi, deadlines, logistics norms."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin import teks
from admin.inti import ekspor, form, halaman, lingkup, pesan, redirect, render, sesi, web
from domain.angka import parse_count, parse_percent
from domain.entitas import PERAN, PERAN_LABEL
from domain.errors import ParseError
from domain.pengingat import ISIAN_ATURAN, aturan_dari_isian
from reports import logistik, rencana_aksi, tabel
from storage import org, outbox, users, webdata
from storage import tenggat as tenggat_db
from storage.users import AksesError


def tautan_undangan(bot_username: str, code: str) -> str:
    """The deep link that registers with a code (the same form the bot sends)."""
    return f"https://t.me/{bot_username}?start={code}"


def _f(request: Request, name: str) -> str:
    v = form(request).get(name)
    return v.strip() if isinstance(v, str) else ""


def _kode_tps(s: str) -> list[str]:
    return list(dict.fromkeys(k for k in re.split(r"[;,\s]+", s) if k))


def _id(request: Request) -> int | None:
    v = request.path_params.get("id")
    return v if isinstance(v, int) and 0 < v < 2**31 else None


# --- users and invites -------------------------------------------------------------------------------------


async def _halaman_pengguna(request: Request, galat: str | None = None, status: int = 200,
                            baru: users.Undangan | None = None) -> Response:
    w = web(request)
    async with w.engine.connect() as conn:
        semua = await users.list_users(conn)
        undangan = await webdata.invites(conn)
        units = await org.units(conn)
    if request.query_params.get("unduh"):
        return ekspor(request, "pengguna", ["id", "telegram_id", "nama", "peran", "status", "unit", "kepala", "tps"],
                      ([u.id, u.telegram_id, u.name, u.role, u.status, u.unit_code, u.is_head, len(u.tps_ids)]
                       for u in semua))
    return render(request, "pengguna.html", {
        "menunggu": [u for u in semua if u.status == "menunggu"], "pengguna_list": semua, "undangan": undangan,
        "units": units, "peran_list": PERAN, "galat": galat, "now": w.now(), "bot": w.bot_username(),
        "tautan_undangan": tautan_undangan, "baru": baru}, status=status)


@halaman(admin_saja=True)
async def pengguna(request: Request) -> Response:
    """Users, pending access requests and invite codes."""
    return await _halaman_pengguna(request)


@halaman(admin_saja=True)
async def undangan_buat(request: Request) -> Response:
    """Create an invite code (deep link, no QR) for a role and a scope."""
    w, admin = web(request), sesi(request).pengguna
    try:
        uses = parse_count(_f(request, "pakai") or "1", maximum=10_000)
        days = parse_count(_f(request, "hari") or "7", maximum=365)
        async with w.engine.begin() as conn:
            inv = await users.create_invite(conn, role=_f(request, "peran"), unit_code=_f(request, "unit") or None,
                                            tps_codes=_kode_tps(_f(request, "tps")), max_uses=max(uses, 1),
                                            expires_at=w.now() + timedelta(days=max(days, 1)), created_by=admin.id,
                                            actor=admin.name, now=w.now())
    except (AksesError, ParseError) as exc:
        return await _halaman_pengguna(request, str(exc), 400)
    # Shown on this response only: the database keeps the code's hash, so no later page can show it again.
    return await _halaman_pengguna(request, baru=inv)


@halaman(admin_saja=True)
async def undangan_cabut(request: Request) -> Response:
    """Revoke an invite by its number (the path segment; the code itself is not stored)."""
    w, admin = web(request), sesi(request).pengguna
    nomor = request.path_params["code"]
    async with w.engine.begin() as conn:
        done = nomor.isdigit() and len(nomor) < 10 and await users.revoke_invite_by_id(
            conn, int(nomor), actor=admin.name, actor_id=admin.id, now=w.now())
    if not done:
        return await _halaman_pengguna(request, "Kode undangan tidak ditemukan atau sudah dicabut.", 400)
    return redirect("/pengguna?ok=undangan_dicabut#undangan")


@halaman(admin_saja=True)
async def pengguna_putus(request: Request) -> Response:
    """Approve or reject an access request; the user hears it from the bot (through the outbox)."""
    w, admin = web(request), sesi(request).pengguna
    uid, approve = _id(request), request.url.path.endswith("/setujui")
    if uid is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    try:
        async with w.engine.begin() as conn:
            p = await users.decide_request(conn, uid, approve=approve, admin=admin, now=w.now())
            if p.telegram_id is not None:
                text = (teks.DISETUJUI_KE_PENGGUNA.format(peran=PERAN_LABEL[p.role]) if approve
                        else teks.DITOLAK_KE_PENGGUNA)
                await outbox.enqueue(conn, key=f"putus:{p.id}:{'ok' if approve else 'tolak'}:{w.now().isoformat()}",
                                     chat_id=p.telegram_id, text=text, kind="info", now=w.now())
    except AksesError as exc:
        return await _halaman_pengguna(request, str(exc), 400)
    w.wake_outbox()
    return redirect("/pengguna?ok=" + ("disetujui" if approve else "ditolak"))


@halaman(admin_saja=True)
async def pengguna_ubah(request: Request) -> Response:
    """Change a user's role and scope."""
    w, admin, uid = web(request), sesi(request).pengguna, _id(request)
    if uid is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    try:
        async with w.engine.begin() as conn:
            await webdata.change_user(conn, uid, role=_f(request, "peran"), unit_code=_f(request, "unit") or None,
                                      tps_codes=_kode_tps(_f(request, "tps")), admin=admin, now=w.now())
    except AksesError as exc:
        return await _halaman_pengguna(request, str(exc), 400)
    return redirect("/pengguna?ok=diubah")


@halaman(admin_saja=True)
async def pengguna_cabut(request: Request) -> Response:
    """Revoke a user's access (their web sessions end with it)."""
    w, admin, uid = web(request), sesi(request).pengguna, _id(request)
    if uid is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    if uid == admin.id:
        return await _halaman_pengguna(request, "Anda tidak dapat mencabut akses akun Anda sendiri.", 400)
    try:
        async with w.engine.begin() as conn:
            await users.revoke_user(conn, uid, actor=admin.name, actor_id=admin.id, now=w.now())
    except AksesError as exc:
        return await _halaman_pengguna(request, str(exc), 400)
    return redirect("/pengguna?ok=dicabut")


# --- units and TPS ------------------------------------------------------------------------------------------


@halaman()
async def unit(request: Request) -> Response:
    """The organisation's units."""
    ck = await lingkup(request)
    async with web(request).engine.connect() as conn:
        units = [u for u in await org.units(conn) if ck.lihat_organisasi(u.id)]
    by_id = {u.id: u for u in units}
    rows = [(u, by_id[u.parent_id].code if u.parent_id in by_id else "") for u in units]
    if request.query_params.get("unduh"):
        return ekspor(request, "unit", ["kode", "nama", "jenis", "induk", "kode_wilayah", "zona_waktu"],
                      ([u.code, u.name, u.kind, induk, u.kode_wilayah, u.timezone] for u, induk in rows))
    return render(request, "unit.html", {"rows": rows})


def _saring_tps(request: Request, kabkota_ids: list[int] | None) -> webdata.SaringTps:
    q = request.query_params
    kec = q.get("kecamatan", "")
    sulit = {"ya": True, "tidak": False}.get(q.get("sulit", ""))
    return webdata.SaringTps(q=q.get("q", "")[:60], kabkota=q.get("kabkota", "")[:20],
                             kecamatan=int(kec) if kec.isdigit() and len(kec) < 12 else None, sulit=sulit,
                             kabkota_ids=kabkota_ids)


@halaman()
async def tps(request: Request) -> Response:
    """TPS: search, filter by kab/kota, kecamatan and sulit, 50 per page (keyset, national size)."""
    kabkota_ids = (await lingkup(request)).kabkota_list
    f = _saring_tps(request, kabkota_ids)
    w = web(request)
    if request.query_params.get("unduh"):
        async def rows():  # type: ignore[no-untyped-def]
            async with w.engine.connect() as conn:
                async for x in webdata.iter_tps(conn, f):
                    yield [x.kode, x.nama, x.kabkota_code, x.kabkota, x.kecamatan, x.desa, x.dpt, x.sulit]

        return ekspor(request, "tps", ["kode", "nama", "kabkota", "kabkota_nama", "kecamatan", "desa", "dpt", "sulit"],
                      rows())
    q = request.query_params
    async with w.engine.connect() as conn:
        page = await webdata.tps_page(conn, f, setelah=q.get("setelah") or None, sebelum=q.get("sebelum") or None)
        kab = [u for u in await org.units(conn, "kabkota") if kabkota_ids is None or u.id in kabkota_ids]
        # the kecamatan of a kab/kota in scope only (a typed code of another one lists nothing)
        dalam = f.kabkota.upper() in {u.code.upper() for u in kab}
        kec = await webdata.kecamatan(conn, f.kabkota) if f.kabkota and dalam else []
    return render(request, "tps.html", {"page": page, "f": f, "kab": kab, "kec": kec})


# --- performance -------------------------------------------------------------------------------------------


@halaman()
async def indikator(request: Request) -> Response:
    """Indicators with their targets (within the viewer's units)."""
    units = (await lingkup(request)).unit_list
    async with web(request).engine.connect() as conn:
        rows = await webdata.indicators(conn, units)
    unit_code = request.query_params.get("unit", "").upper()
    if unit_code:
        rows = [r for r in rows if r.unit.upper() == unit_code]
    if request.query_params.get("unduh"):
        return ekspor(request, "indikator", ["kode", "nama", "jenis", "polaritas", "unit", "induk", "tingkat",
                                             "sasaran_no", "target"],
                      ([r.kode, r.nama, r.jenis, r.polaritas, r.unit, r.induk, r.tingkat, r.sasaran_no,
                        "; ".join(f"{k}={v}" for k, v in r.target.items())] for r in rows))
    return render(request, "indikator.html", {"rows": rows, "unit": unit_code})


@halaman()
async def pk(request: Request) -> Response:
    """PK documents: every version, with its indicators and targets."""
    units = (await lingkup(request)).unit_list
    async with web(request).engine.connect() as conn:
        docs = await webdata.pk_documents(conn, units)
    if request.query_params.get("unduh"):
        return ekspor(request, "pk", ["unit", "tahun", "versi", "jenis", "tanggal", "indikator", "nama", "target"],
                      ([d.unit, d.tahun, d.versi, d.jenis, d.tanggal, k, n, tg]
                       for d in docs for k, n, _, tg in d.items))
    return render(request, "pk.html", {"docs": docs})


@halaman()
async def rencana(request: Request) -> Response:
    """Rencana aksi of a year (the viewer's units), with progress and lateness."""
    units = (await lingkup(request)).unit_list
    p = sesi(request).pengguna
    w = web(request)
    tahun = request.query_params.get("tahun", "")
    async with w.engine.connect() as conn:
        lap = await rencana_aksi.build(conn, int(tahun) if tahun.isdigit() and len(tahun) == 4 else None,
                                       None if units is None else p.unit_code, today=w.today())
    if request.query_params.get("unduh"):
        header, rows = tabel.table(lap)
        return ekspor(request, "rencana-aksi", header, rows)
    return render(request, "rencana.html", {"lap": lap})


# --- deadlines -------------------------------------------------------------------------------------------


async def _halaman_tenggat(request: Request, galat: str | None = None, status: int = 200) -> Response:
    units = (await lingkup(request)).unit_list
    async with web(request).engine.connect() as conn:
        rows = await webdata.deadlines(conn, units)
        kebijakan = await webdata.reminder_policy(conn)
        geser = await tenggat_db.alasan_geser(conn, {r.ref for r in rows if r.jenis == "pelaporan"})
    if request.query_params.get("unduh"):
        return ekspor(request, "tenggat", ["id", "jenis", "ref", "judul", "batas", "unit", "peran", "dijeda"],
                      ([r.id, r.jenis, r.ref, r.judul, r.batas, r.unit, r.peran, r.dijeda] for r in rows))
    return render(request, "tenggat.html", {"rows": rows, "kebijakan": _kebijakan(kebijakan), "galat": galat,
                                            "geser": geser}, status=status)


@halaman()
async def tenggat(request: Request) -> Response:
    """Deadlines and the reminder policy."""
    return await _halaman_tenggat(request)


HARI_KIRIM_LABEL = {"semua": "dikirim setiap hari, juga hari libur",
                    "bukan_libur": "tidak dikirim pada hari libur (dimajukan ke hari sebelumnya)",
                    "hari_kerja": "hanya pada hari kerja (Senin–Jumat di luar hari libur)"}


def _kebijakan(k: object) -> list[dict[str, Any]]:
    """The reminder policy per deadline kind: in words, and as the admin's form fields."""
    aturan = getattr(k, "aturan", None)
    if not isinstance(aturan, dict):
        return []
    out = []
    for jenis, a in aturan.items():
        sebelum = ", ".join("hari H" if h == 0 else f"H-{h}" for h in a.sebelum)
        lewat = f"lewat batas: harian selama {a.lewat_hari} hari" if a.lewat_hari else "lewat batas: tidak diulang"
        esk = [f"ke kepala unit hari ke-{a.eskalasi_kepala}" if a.eskalasi_kepala else "",
               f"ke pimpinan hari ke-{a.eskalasi_pimpinan}" if a.eskalasi_pimpinan else ""]
        jam = {nama: f"{getattr(a, nama):%H.%M}" for nama in ("jam_pagi", "sunyi_mulai", "sunyi_selesai")}
        teks_ = (f"{sebelum or 'tidak ada pengingat sebelum batas'} pukul {jam['jam_pagi']}; {lewat}"
                 + "".join(f", {e}" for e in esk if e) + f"; jam tenang {jam['sunyi_mulai']}–{jam['sunyi_selesai']}"
                 + f"; {HARI_KIRIM_LABEL.get(a.hari_kirim, a.hari_kirim)}")
        isian = {"sebelum": ", ".join("H" if h == 0 else f"H-{h}" for h in a.sebelum), "lewat_hari": a.lewat_hari,
                 "eskalasi_kepala": a.eskalasi_kepala or "",
                 "eskalasi_pimpinan": a.eskalasi_pimpinan or "", "hari_kirim": a.hari_kirim, **jam}
        out.append({"jenis": jenis, "label": jenis.replace("_", " "), "teks": teks_, "isian": isian})
    return out


@halaman()
async def kebijakan_ubah(request: Request) -> Response:
    """Change one deadline kind's reminder rule, or put it back to the default."""
    w, admin, jenis = web(request), sesi(request).pengguna, _f(request, "jenis")
    try:
        aturan = None if _f(request, "aksi") == "bawaan" else aturan_dari_isian(
            {nama: _f(request, nama)[:500] for nama in ISIAN_ATURAN})
        async with w.engine.begin() as conn:
            await webdata.set_reminder_policy(conn, jenis[:40], aturan, admin=admin, now=w.now())
    except (ParseError, AksesError) as exc:
        return await _halaman_tenggat(request, str(exc), 400)
    return redirect("/tenggat?ok=kebijakan_diubah")


@halaman()
async def tenggat_jeda(request: Request) -> Response:
    """Pause or resume a deadline's reminders."""
    w, admin, did = web(request), sesi(request).pengguna, _id(request)
    if did is None:
        return pesan(request, 404, teks.TIDAK_DITEMUKAN)
    async with w.engine.begin() as conn:
        await webdata.pause_deadline(conn, did, paused=_f(request, "jeda") == "ya", admin=admin, now=w.now())
    return redirect("/tenggat?ok=diubah")


# --- logistics ---------------------------------------------------------------------------------------------


async def _halaman_logistik(request: Request, galat: str | None = None, status: int = 200) -> Response:
    kabkota_ids = (await lingkup(request)).kabkota_list
    async with web(request).engine.connect() as conn:
        norma = await webdata.logistics_items(conn)
        lap = await logistik.build(conn, kabkota_ids,
                                   pemilihan_id=await logistik.pemilihan_dipilih(conn, None, web(request).today()))
    if request.query_params.get("unduh"):
        if request.query_params.get("data") == "kemajuan":
            header, rows = tabel.table(lap)
            return ekspor(request, "kemajuan-logistik", header, rows)
        return ekspor(request, "norma-logistik", ["kode", "nama", "satuan", "per_tps", "cadangan_persen", "aturan"],
                      ([n.kode, n.nama, n.satuan, n.per_tps, n.cadangan_persen, n.aturan] for n in norma))
    return render(request, "logistik.html", {"norma": norma, "lap": lap, "galat": galat}, status=status)


@halaman()
async def logistik_halaman(request: Request) -> Response:
    """Logistics norms and the progress of arrivals per kab/kota."""
    return await _halaman_logistik(request)


@halaman()
async def norma_ubah(request: Request) -> Response:
    """Change one item's norm."""
    w, admin = web(request), sesi(request).pengguna
    try:
        per_tps = parse_count(_f(request, "per_tps"), maximum=100_000) if _f(request, "per_tps") else None
        cad: Decimal | None = parse_percent(_f(request, "cadangan")) if _f(request, "cadangan") else None
        async with w.engine.begin() as conn:
            await webdata.set_norm(conn, request.path_params["kode"][:20], per_tps=per_tps, cadangan_persen=cad,
                                   admin=admin, now=w.now())
    except (ParseError, AksesError) as exc:
        return await _halaman_logistik(request, str(exc), 400)
    return redirect("/logistik?ok=diubah")


def routes() -> list[BaseRoute]:
    """The master data routes."""
    return [
        Route("/pengguna", pengguna),
        Route("/pengguna/undangan", undangan_buat, methods=["POST"]),
        Route("/pengguna/undangan/{code}/cabut", undangan_cabut, methods=["POST"]),
        Route("/pengguna/{id:int}/setujui", pengguna_putus, methods=["POST"]),
        Route("/pengguna/{id:int}/tolak", pengguna_putus, methods=["POST"]),
        Route("/pengguna/{id:int}/ubah", pengguna_ubah, methods=["POST"]),
        Route("/pengguna/{id:int}/cabut", pengguna_cabut, methods=["POST"]),
        Route("/unit", unit),
        Route("/tps", tps),
        Route("/indikator", indikator),
        Route("/pk", pk),
        Route("/rencana-aksi", rencana),
        Route("/tenggat", tenggat),
        Route("/tenggat/{id:int}/jeda", tenggat_jeda, methods=["POST"]),
        Route("/tenggat/kebijakan", kebijakan_ubah, methods=["POST"]),
        Route("/logistik", logistik_halaman),
        Route("/logistik/{kode}", norma_ubah, methods=["POST"]),
    ]
