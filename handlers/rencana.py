"""/rencana: an operator updates the status and progress of the unit's action-plan activities.

Steps: activity (this month's, plus any late one; or a reminder's "Perbarui kemajuan" button) → status
(belum mulai / berjalan / selesai) → progress % (only for "berjalan"). Activities past their planned end and not
done are marked late.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.entitas import RencanaAksi
from domain.errors import ParseError
from domain.kinerja import DitolakError, parse_progres
from domain.rencana import STATUS_RENCANA, terlambat
from domain.tanggal import format_month
from handlers import kirim, pelaporan, teks, tombol
from handlers.konteks import PantauContext
from handlers.pelaporan import (
    SELESAI,
    bersihkan,
    draf,
    draf_terpilih,
    hari_ini,
    jawab,
    pilih,
    sudah_dimulai,
    tolak_tombol,
)
from handlers.tahun import pilihan_tahun, tahun_diketik, tahun_terbuka
from handlers.teks import kinerja as tk
from reports.teks import BULAN_PENDEK
from storage import kinerja, rencana, tahun_laporan

RA = "ra"
KEGIATAN, STATUS, PROGRES = "ra_kegiatan", "ra_status", "ra_progres"


def _jadwal(a: RencanaAksi) -> str:
    jadwal = f"{BULAN_PENDEK[a.bulan_mulai - 1]}–{BULAN_PENDEK[a.bulan_selesai - 1]}"
    return jadwal + (tk.RA_JADWAL_DEMO if a.jadwal_demo else "")


def _baris(a: RencanaAksi, late: bool) -> str:
    return tk.RA_BARIS.format(kode=a.kode, uraian=a.uraian, unit=a.unit_code, jadwal=_jadwal(a),
                              status=STATUS_RENCANA.get(a.status, a.status), progres=a.progres,
                              terlambat=tk.RA_TERLAMBAT if late else "")


async def cmd_rencana(update: Update, context: PantauContext) -> object:
    """The unit's activities running this month, and those late."""
    msg, p = update.effective_message, context.aktif
    assert msg is not None
    bersihkan(context)
    today = hari_ini(context)
    if p.unit_id is None:
        await msg.reply_text(tk.TANPA_UNIT)
        return SELESAI
    diketik = tahun_diketik(context)  # "/rencana 2025": that year's unfinished activities
    calon = [diketik] if diketik else await tahun_terbuka(context)
    async with context.layanan.engine.connect() as conn:
        scope = await kinerja.reporting_scope(conn, p.unit_id)
        # This year's, and last year's late ones until that year is closed.
        acts = [a for tahun in calon for a in await rencana.activities(conn, tahun, scope)]
        ada = await tahun_laporan.tahun_rencana(conn, scope)
    shown = [(a, terlambat(a.tahun, a.bulan_selesai, a.status, today)) for a in acts]
    shown = [(a, late) for a, late in shown
             if late or (a.tahun == today.year and a.bulan_mulai <= today.month <= a.bulan_selesai)]
    bulan = format_month(today.year, today.month) if diketik in (None, today.year) else str(diketik)
    if not shown:
        kosong = tk.RA_TANPA.format(unit=p.unit_code, bulan=bulan)
        if not any(a.tahun == calon[0] for a in acts):
            kosong += "\n\n" + pilihan_tahun("rencana", ada, calon[0])
        await msg.reply_text(kosong)
        return SELESAI
    text = "\n\n".join([tk.RA_JUDUL.format(unit=p.unit_code, bulan=bulan),
                        *(_baris(a, late) for a, late in shown), tk.RA_PILIH])
    rows = [[(tk.RA_TOMBOL.format(kode=a.kode, status=STATUS_RENCANA.get(a.status, a.status), progres=a.progres,
                                  terlambat=" ⚠" if late else ""), tombol.data(RA, "a", a.id))] for a, late in shown]
    draf(context, RA)  # the step shown is recorded in it, for "Lanjutkan"
    await kirim.balas(msg, text, reply_markup=tombol.papan(*rows))
    return KEGIATAN


async def on_kegiatan(update: Update, context: PantauContext) -> object:
    """An activity button: ask for its status."""
    return await _kegiatan(update, context, "a")


async def on_mulai(update: Update, context: PantauContext) -> object:
    """A reminder's "Perbarui kemajuan" button (ra:mulai:<id>): that activity picked, as in /rencana."""
    if await sudah_dimulai(update, context, RA):
        return None
    return await _kegiatan(update, context, "mulai")


async def _kegiatan(update: Update, context: PantauContext, aksi: str) -> object:
    query, p = update.callback_query, context.aktif
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != aksi or not (a[1].isascii() and a[1].isdigit() and len(a[1]) <= 9):
        await tolak_tombol(query, teks.KEDALUWARSA)
        return None  # refused: the step stays where it was, and a reminder's button starts nothing
    async with context.layanan.engine.connect() as conn:
        act = await rencana.activity(conn, int(a[1]))
        unit = await rencana.unit_of(conn, int(a[1]))
        scope = await kinerja.reporting_scope(conn, p.unit_id) if p.unit_id is not None else []
    if act is None:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return None
    if unit not in scope:
        await tolak_tombol(query, tk.RA_BUKAN_UNIT)
        return None
    await pilih(query, act.kode)
    draf_terpilih(update, context, RA).update(id=act.id, kode=act.kode)
    return await _tanya_status(update, context, act)


async def _tanya_status(update: Update, context: PantauContext, act: RencanaAksi) -> object:
    """Ask the chosen activity's status (with its line above)."""
    late = terlambat(act.tahun, act.bulan_selesai, act.status, hari_ini(context))
    await jawab(update, context, "\n\n".join([_baris(act, late), tk.RA_PILIH_STATUS]), tombol.papan(
        [(label.capitalize(), tombol.data(RA, "s", kode)) for kode, label in STATUS_RENCANA.items()]))
    return STATUS


async def on_status(update: Update, context: PantauContext) -> object:
    """A status button: save it, or ask the progress of a running activity."""
    query, d = update.callback_query, draf(context, RA)
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != "s" or a[1] not in STATUS_RENCANA or "id" not in d:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return STATUS
    await pilih(query, STATUS_RENCANA[a[1]].capitalize())
    if a[1] == "berjalan":
        d["status"] = a[1]  # kept for "Lanjutkan" when the progress question never shows
        await jawab(update, context, tk.RA_MINTA_PROGRES.format(kode=d["kode"]))
        return PROGRES
    return await _simpan(update, context, a[1], 100 if a[1] == "selesai" else 0)


async def on_progres(update: Update, context: PantauContext) -> object:
    """The progress of a running activity (0–99 %)."""
    msg = update.effective_message
    assert msg is not None
    try:
        progres = parse_progres(msg.text or "")
    except ParseError as exc:
        await msg.reply_text(f"{exc.pesan} {tk.COBA_LAGI}")
        return PROGRES
    return await _simpan(update, context, "berjalan", progres)


async def _simpan(update: Update, context: PantauContext, status: str, progres: int) -> object:
    """Save the draft once (the same update handled again shows the receipt again, storing nothing)."""
    svc, p, d = context.layanan, context.aktif, draf(context, RA)
    try:
        async with svc.engine.begin() as conn:
            act = await rencana.record_progress(
                conn, rencana_id=d["id"], status=status, progres=progres, catatan=None, author=p,
                allowed_unit_ids=await kinerja.reporting_scope(conn, p.unit_id or 0), now=svc.now(),
                draf=d.get(pelaporan.ID_DRAF))
    except DitolakError as exc:
        bersihkan(context)
        await jawab(update, context, exc.pesan)
        return SELESAI
    bersihkan(context)
    late = terlambat(act.tahun, act.bulan_selesai, act.status, hari_ini(context))
    await pelaporan.tanda_terima(update, context, f"ra:{d.get(pelaporan.ID_DRAF)}",
                                 tk.RA_TERSIMPAN.format(baris=_baris(act, late)))
    return SELESAI


# --- resuming after Telegram was busy --------------------------------------------------------------------


async def _tanya(update: Update, context: PantauContext, d: dict[str, Any], langkah: str) -> object:
    """Ask again the question of the step the user last saw; an answer already in the draft is not asked again."""
    async with context.layanan.engine.connect() as conn:
        act = await rencana.activity(conn, d["id"]) if "id" in d else None
    if act is None:
        return await cmd_rencana(update, context)
    if langkah == PROGRES or d.get("status") == "berjalan":
        await jawab(update, context, tk.RA_MINTA_PROGRES.format(kode=d["kode"]))
        return PROGRES
    return await _tanya_status(update, context, act)


SAMBUNG = pelaporan.Sambungan(kunci=RA, perintah="/rencana", laporan="laporan rencana aksi", mulai=cmd_rencana,
                              tanya=_tanya)


def masuk() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Entry points of the flow."""
    return [*pelaporan.catat_langkah(RA, [CommandHandler("rencana", cmd_rencana),
                                          CallbackQueryHandler(on_mulai, pattern=r"^ra:mulai:")]),
            pelaporan.sambungan(SAMBUNG)]


def langkah() -> dict[object, list[BaseHandler[Any, PantauContext, Any]]]:
    """The flow's steps."""
    langkah_: dict[object, list[BaseHandler[Any, PantauContext, Any]]] = {
        KEGIATAN: [CallbackQueryHandler(on_kegiatan, pattern=r"^ra:a:")],
        STATUS: [CallbackQueryHandler(on_status, pattern=r"^ra:s:")],
        PROGRES: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_progres)],
    }
    return {k: pelaporan.catat_langkah(RA, v) for k, v in langkah_.items()}


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Nothing of its own: the flow is part of the reporting conversation (handlers.pelaporan)."""
    return []
