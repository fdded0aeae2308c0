"""/logistik for leaders and operators (scoped): summary, a bar chart, drill-down to the TPS that have not reported
and to the open escalations (handling one is handlers.eskalasi).

Drill-down buttons: ``lg:p`` (the whole scope: per kab/kota, or per province for a national scope),
``lg:w:<unit id>`` (one province's kab/kota), ``lg:k:<unit id>`` (one kab/kota, per kecamatan),
``lg:c:<kecamatan id>:<page>`` (TPS without a report), ``lg:e:<page>`` (open escalations). Each one edits the
summary message in place and checks the user's scope again (a forged id outside it is refused).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain import logistik as lg
from domain.angka import format_number, format_percent
from domain.label import ringkas_unik
from domain.tanggal import format_datetime, format_time
from handlers import kirim, teks, tombol
from handlers.konteks import PantauContext
from handlers.pelaporan import hari_ini
from handlers.tahun import pemilihan_berjalan
from handlers.teks import logistik as tl
from handlers.tiba import tampil
from reports import grafik_logistik, logistik
from storage import arrivals, pemilihan
from storage.cakupan import cakupan

LG = "lg"
PER_HALAMAN = 10
# A name on a drill-down button (two buttons share a row; a kecamatan has its row alone and gets 10 more).
MAKS_NAMA_TOMBOL = 18
log = logging.getLogger("pantau.logistik")


def _n(v: int) -> str:
    return format_number(v)


def _singkat(nama: str) -> str:
    return nama.removeprefix("KPU ").removeprefix("Kabupaten ").removeprefix("Provinsi ")


def _ringkasan(judul: str, waktu: str, r: logistik.LaporanLogistik | logistik.BarisKabkota, tps: int,
               sulit: int) -> str:
    return tl.RINGKASAN_LOGISTIK.format(
        judul=judul, waktu=waktu, tps=_n(tps), tiba=_n(r.tiba), belum=_n(r.belum), tepat=_n(r.tepat),
        bermasalah=_n(r.bermasalah), terlambat=_n(r.terlambat), sulit=_n(sulit), tiba_sulit=_n(r.tiba_sulit),
        tepat_sulit=_n(r.tepat_sulit), bermasalah_sulit=_n(r.bermasalah_sulit),
        terlambat_sulit=_n(r.terlambat_sulit), eskalasi=_n(r.eskalasi_terbuka),
        persen=format_percent(logistik.persen(r.tepat, tps) if r.tiba else None))


def _baris(nama: str, r: Any) -> str:
    return tl.BARIS_WILAYAH.format(nama=nama, tiba=_n(r.tiba), tps=_n(r.tps), tepat=_n(r.tepat),
                                   bermasalah=_n(r.bermasalah), terlambat=_n(r.terlambat))


def _waktu(context: PantauContext) -> str:
    svc = context.layanan
    return format_time(svc.now(), svc.timezone)


async def _lingkup(conn: AsyncConnection, context: PantauContext) -> list[int] | None:
    return (await cakupan(conn, context.aktif)).kabkota_list


async def _acara(conn: AsyncConnection, context: PantauContext) -> int | None:
    """The running event, whose arrival reports every view counts (a drill-down re-reads it: it may have ended)."""
    return await pemilihan.untuk_laporan(conn, hari_ini(context))


def _boleh(scope: list[int] | None, unit_id: int) -> bool:
    return scope is None or unit_id in scope


# --- views ----------------------------------------------------------------------------------------------


def _kembali(letak: logistik.Letak) -> list[tuple[str, str]]:
    if letak.atas_id is not None and letak.atas is not None:
        return [(tl.TOMBOL_KE_KABKOTA.format(nama=_singkat(letak.atas)), tombol.data(LG, "w", letak.atas_id))]
    return [(tl.TOMBOL_KE_SEMUA.format(tingkat=tl.TINGKAT[letak.tingkat]), tombol.data(LG, "p"))]


async def _wilayah(conn: AsyncConnection, context: PantauContext, scope: list[int] | None, unit_id: int | None = None
                   ) -> tuple[str, InlineKeyboardMarkup, list[grafik_logistik.Baris], str] | None:
    """The whole scope (unit_id None), or one of its groups (a province), one row and button per kab/kota or group."""
    acara = await _acara(conn, context)
    lap = (await logistik.build(conn, scope, pemilihan_id=acara) if unit_id is None
           else await logistik.build_wilayah(conn, scope, unit_id, pemilihan_id=acara))
    if lap is None:
        return None
    tingkat = tl.TINGKAT[lap.tingkat]
    lines = [_ringkasan(lap.induk or tl.JUDUL_PROVINSI, _waktu(context), lap, lap.total_tps, lap.tps_sulit), "",
             tl.PER_TINGKAT.format(tingkat=tingkat)]
    lines += [_baris(_singkat(k.nama), k) for k in lap.wilayah]
    label = ringkas_unik([_singkat(k.nama) for k in lap.wilayah], MAKS_NAMA_TOMBOL)
    tombol_ = [(tl.TOMBOL_WILAYAH.format(nama=nm, belum=_n(k.belum)),
                tombol.data(LG, "k" if k.tingkat == logistik.KABKOTA else "w", k.unit_id))
               for nm, k in zip(label, lap.wilayah, strict=True)]
    rows = [tombol_[i:i + 2] for i in range(0, len(tombol_), 2)]
    rows.append([(tl.TOMBOL_ESKALASI.format(n=_n(lap.eskalasi_terbuka)), tombol.data(LG, "e", 0))])
    if unit_id is None:
        rows.append([(tl.TOMBOL_PERBARUI, tombol.data(LG, "p"))])
    else:
        rows.append([(tl.TOMBOL_PERBARUI, tombol.data(LG, "w", unit_id))])
        rows.append(_kembali(await logistik.letak(conn, scope, unit_id)))
    bars = [(_singkat(k.nama), k.tps, k.tiba, k.tepat) for k in lap.wilayah]
    return "\n".join(lines), tombol.papan(*rows), bars, tingkat


async def _kabkota(conn: AsyncConnection, context: PantauContext, unit_id: int, scope: list[int] | None
                   ) -> tuple[str, InlineKeyboardMarkup, list[grafik_logistik.Baris], str] | None:
    lap = await logistik.build_kabkota(conn, unit_id, pemilihan_id=await _acara(conn, context))
    if lap is None:
        return None
    r = lap.ringkasan
    lines = [_ringkasan(r.nama, _waktu(context), r, r.tps, r.sulit),
             tl.PETUGAS_LOGISTIK.format(nama=", ".join(lap.petugas_logistik) or tl.BELUM_ADA_PETUGAS), "",
             tl.PER_KECAMATAN]
    lines += [_baris(f"{k.kode} {k.nama}", k) for k in lap.kecamatan]
    belum = [k for k in lap.kecamatan if k.belum]
    rows = [[(tl.TOMBOL_WILAYAH.format(nama=nm, belum=_n(k.belum)), tombol.data(LG, "c", k.id, 0))]
            for nm, k in zip(ringkas_unik([k.nama for k in belum], MAKS_NAMA_TOMBOL + 10), belum, strict=True)]
    rows.append([(tl.TOMBOL_ESKALASI.format(n=_n(r.eskalasi_terbuka)), tombol.data(LG, "e", 0))])
    rows.append([(tl.TOMBOL_PERBARUI, tombol.data(LG, "k", unit_id))])
    if scope is None or len(scope) > 1:
        rows.append(_kembali(await logistik.letak(conn, scope, unit_id)))
    bars = [(k.nama.replace(" (dibuat)", ""), k.tps, k.tiba, k.tepat) for k in lap.kecamatan]
    return "\n".join(lines), tombol.papan(*rows), bars, r.nama


async def cmd_logistik(update: Update, context: PantauContext) -> None:
    """Summary (per kab/kota, per province for a national scope, or the user's one kab/kota) with drill-down
    buttons, then the bar chart."""
    msg = update.effective_message
    assert msg is not None
    if await pemilihan_berjalan(msg, context, "logistik") is None:
        return
    async with context.layanan.engine.connect() as conn:
        scope = await _lingkup(conn, context)
        if scope == []:
            await msg.reply_text(tl.TIDAK_ADA_CAKUPAN)
            return
        if scope is not None and len(scope) == 1:
            view = await _kabkota(conn, context, scope[0], scope)
            assert view is not None
            text, markup, bars, nama = view
            judul = tl.JUDUL_GRAFIK_KABKOTA.format(nama=_singkat(nama))
        else:
            top = await _wilayah(conn, context, scope)
            assert top is not None
            text, markup, bars, tingkat = top
            judul = tl.JUDUL_GRAFIK_WILAYAH.format(tingkat=tingkat)
    await kirim.balas(msg, text, reply_markup=markup)
    try:
        svc = context.layanan
        png = await asyncio.to_thread(grafik_logistik.render_png, judul, bars,
                                      format_datetime(svc.now(), svc.timezone))
        await msg.reply_photo(png, caption=judul)
    except (TelegramError, ValueError, OSError):  # the numbers above are what matters; the chart is extra
        log.exception("grafik logistik gagal")


async def on_lg(update: Update, context: PantauContext) -> None:
    """Drill-down: the scope ↔ a province ↔ one kab/kota → a kecamatan's TPS without a report (paged), open
    escalations."""
    q = update.callback_query
    assert q is not None
    parts = (q.data or "").split(":")
    view = parts[1] if len(parts) > 1 else ""
    nums = parts[2:]
    shape = {"p": 0, "w": 1, "k": 1, "c": 2, "e": 1}
    if view not in shape or len(nums) != shape[view] or not all(x.isdigit() for x in nums):
        await q.answer(teks.KEDALUWARSA, show_alert=True)
        return
    ids = [int(x) for x in nums]
    async with context.layanan.engine.connect() as conn:
        scope = await _lingkup(conn, context)
        shown = await _tampilan(conn, context, scope, view, ids)
    if shown is None:
        await q.answer(teks.KEDALUWARSA, show_alert=True)
        return
    text, markup = shown
    same = isinstance(q.message, Message) and q.message.text == text and q.message.reply_markup == markup
    await q.answer(tl.TIDAK_BERUBAH if same else None)
    await tampil(update, text, markup)


async def _tampilan(conn: AsyncConnection, context: PantauContext, scope: list[int] | None, view: str,
                    ids: list[int]) -> tuple[str, InlineKeyboardMarkup] | None:
    if scope == []:
        return None
    if view == "p":
        if scope is not None and len(scope) == 1:
            view, ids = "k", [scope[0]]
        else:
            view, ids = "w", []
    if view == "w":
        top = await _wilayah(conn, context, scope, ids[0] if ids else None)
        return (top[0], top[1]) if top else None
    if view == "k":
        if not _boleh(scope, ids[0]):
            return None
        kab = await _kabkota(conn, context, ids[0], scope)
        return (kab[0], kab[1]) if kab else None
    if view == "c":
        return await _belum(conn, scope, ids[0], ids[1], await _acara(conn, context))
    return await _eskalasi(conn, context, scope, ids[0])


async def _belum(conn: AsyncConnection, scope: list[int] | None, kec_id: int, hal: int,
                 acara: int | None) -> tuple[str, InlineKeyboardMarkup] | None:
    daftar_ = await logistik.build_belum_lapor(conn, kec_id, hal, PER_HALAMAN, pemilihan_id=acara)
    if daftar_ is None or not _boleh(scope, daftar_.kabkota_unit_id):
        return None
    if not daftar_.total:
        lines = [tl.BELUM_LAPOR_KOSONG.format(kec=daftar_.kecamatan)]
    else:
        lines = [tl.BELUM_LAPOR.format(kec=daftar_.kecamatan, total=_n(daftar_.total), hal=daftar_.halaman + 1,
                                       dari=daftar_.jumlah_halaman), ""]
        lines += [tl.BARIS_BELUM.format(kode=x.kode, nama=x.nama, sulit=tl.TANDA_SULIT if x.sulit else "",
                                        desa=x.desa, petugas=", ".join(x.petugas) or tl.TANPA_PETUGAS)
                  for x in daftar_.tps]
    lines += ["", tl.PENANGGUNG_JAWAB.format(nama=", ".join(daftar_.petugas_logistik) or tl.BELUM_ADA_PETUGAS)]
    nav = []
    if daftar_.halaman > 0:
        nav.append((tl.TOMBOL_SEBELUM, tombol.data(LG, "c", kec_id, daftar_.halaman - 1)))
    if daftar_.halaman + 1 < daftar_.jumlah_halaman:
        nav.append((tl.TOMBOL_BERIKUT, tombol.data(LG, "c", kec_id, daftar_.halaman + 1)))
    rows = [nav] if nav else []
    rows.append([(tl.TOMBOL_KEMBALI, tombol.data(LG, "k", daftar_.kabkota_unit_id))])
    return "\n".join(lines), tombol.papan(*rows)


async def _eskalasi(conn: AsyncConnection, context: PantauContext, scope: list[int] | None,
                    hal: int) -> tuple[str, InlineKeyboardMarkup]:
    svc = context.layanan
    rows_, total = await arrivals.eskalasi_terbuka(conn, scope, limit=PER_HALAMAN, offset=hal * PER_HALAMAN)
    lines = [tl.ESKALASI_JUDUL.format(n=_n(total)) if total else tl.ESKALASI_KOSONG, ""]
    lines += [tl.BARIS_ESKALASI.format(kode=e.tps_kode or "-", jenis=lg.LABEL_MASALAH.get(e.jenis, e.jenis),
                                       uraian=e.uraian.replace("\n", "; "), pelapor=e.pelapor or "-",
                                       waktu=format_datetime(e.created_at, svc.timezone)) for e in rows_]
    selesai = await arrivals.eskalasi_ditangani(conn, scope) if hal == 0 else []
    if selesai:
        lines += ["", tl.DITANGANI_JUDUL]
        lines += [tl.BARIS_DITANGANI.format(kode=e.tps_kode or "-", jenis=lg.LABEL_MASALAH.get(e.jenis, e.jenis),
                                            nama=e.handled_by, waktu=format_datetime(e.handled_at, svc.timezone))
                  for e in selesai if e.handled_at is not None]
    nav = []
    if hal > 0:
        nav.append((tl.TOMBOL_SEBELUM, tombol.data(LG, "e", hal - 1)))
    if (hal + 1) * PER_HALAMAN < total:
        nav.append((tl.TOMBOL_BERIKUT, tombol.data(LG, "e", hal + 1)))
    rows = [nav] if nav else []
    rows.append([(tl.TOMBOL_KEMBALI, tombol.data(LG, "p"))])
    return "\n".join(lines).strip(), tombol.papan(*rows)


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """/logistik and its drill-down buttons (escalations are handled in handlers.eskalasi)."""
    return [
        CommandHandler("logistik", cmd_logistik),
        CallbackQueryHandler(on_lg, pattern=rf"^{LG}:"),
    ]
