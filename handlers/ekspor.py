"""/ekspor for admins: pick a dataset and a format, get the file here; and the LKj workbook ("ek:l:<tahun>").

An export streams from the database into a temporary file in a separate process, whatever its size: a national
XLSX takes about a minute of CPU, and even a small one in a thread of the bot would hold the interpreter lock the
bot's replies need. The processes are reports.proses's pool (opening /ekspor already starts it, so the first file
does not wait for it), at a lower CPU priority than the bot. A process that dies or an export past BATAS_WAKTU
stops the pool (the next export starts a fresh one) and the admin gets a message. While it runs the chat shows
"sending a file…"; a file over Telegram's 50 MB upload limit is zipped (in the export's process), and if it is
still too big the admin is pointed to the admin web. Every export is written to the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import tempfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.angka import format_number
from handlers import teks, tombol
from handlers.konteks import PantauContext
from handlers.teks import laporan as tl
from reports import ekspor, lkj, proses
from storage import audit, kinerja

log = logging.getLogger("pantau.ekspor")
EK = "ek"
BATAS_UNGGAH = ekspor.BATAS_TELEGRAM
JEDA_AKSI = 4.0  # Telegram shows a chat action for about 5 seconds
FORMAT = {"xlsx": ("xlsx", False, tl.T_XLSX_FORMAT), "csv": ("csv", False, tl.T_CSV),
          "bom": ("csv", True, tl.T_CSV_BOM)}
TAHUN_MIN, TAHUN_MAKS = 2000, 2100
BATAS_WAKTU = 1800.0  # seconds: a national XLSX takes about one minute

_berjalan: set[int] = set()
KERJA = ekspor.jalankan_tugas  # what an export process runs for one export


async def jalankan(tugas: ekspor.TugasEkspor) -> ekspor.HasilEkspor:
    """Run one export in an export process. Raises ekspor.EksporGagal (the export's own error), BrokenProcessPool
    (its process died) or TimeoutError (past BATAS_WAKTU); either of the last two stops the pool."""
    return await proses.jalankan(KERJA, tugas, batas_waktu=BATAS_WAKTU, hentikan_bila_batal=True)


async def _ubah(query: Any, text: str, markup: Any = None) -> None:
    # A double tap can ask for the same content twice; Telegram refuses an edit to identical content.
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text, reply_markup=markup)


def _menu() -> list[list[tuple[str, str]]]:
    nama = list(ekspor.DATASET.values())
    return [[(d.judul, tombol.data(EK, "d", d.nama)) for d in nama[i:i + 2]] for i in range(0, len(nama), 2)]


async def cmd_ekspor(update: Update, context: PantauContext) -> None:
    """The export menu: one button per dataset, and the LKj tables of the latest year."""
    msg = update.effective_message
    assert msg is not None
    proses.panaskan()
    async with context.layanan.engine.connect() as conn:
        tahun = await kinerja.latest_year(conn)
    baris = _menu()
    if tahun:
        baris.append([(f"{tl.T_LKJ} {tahun}", tombol.data(EK, "l", tahun))])
    await msg.reply_text(tl.EKSPOR_PILIH, reply_markup=tombol.papan(*baris))


async def on_ekspor(update: Update, context: PantauContext) -> None:
    """The export buttons: dataset → format → file; back to the menu; the LKj workbook."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    bagian = (query.data or "").split(":")
    aksi = bagian[1] if len(bagian) > 1 else ""
    if aksi == "m" and len(bagian) == 2:
        await query.answer()
        await _ubah(query, tl.EKSPOR_PILIH, tombol.papan(*_menu()))
    elif aksi == "d" and (a := tombol.args(query.data, 2)) and a[1] in ekspor.DATASET:
        ds = ekspor.DATASET[a[1]]
        await query.answer()
        async with context.layanan.engine.connect() as conn:
            n = await ekspor.perkiraan_baris(conn, ds.nama)
        pilihan = [(label, tombol.data(EK, "f", ds.nama, kode)) for kode, (_, _, label) in FORMAT.items()]
        await _ubah(query, tl.EKSPOR_FORMAT.format(judul=ds.judul, keterangan=ds.keterangan, n=format_number(n)),
                    tombol.papan(pilihan[:2], pilihan[2:], [(tl.T_KEMBALI, tombol.data(EK, "m"))]))
    elif aksi == "f" and (a := tombol.args(query.data, 3)) and a[1] in ekspor.DATASET and a[2] in FORMAT:
        await _mulai(query, context, a[1], a[2])
    elif aksi == "l" and (a := tombol.args(query.data, 2)) and a[1].isascii() and a[1].isdigit() \
            and TAHUN_MIN <= int(a[1]) <= TAHUN_MAKS:
        await query.answer(tl.MENYIAPKAN)
        await kirim_lkj(query.message, context, int(a[1]))
    else:
        await query.answer(teks.KEDALUWARSA, show_alert=True)


async def kirim_lkj(msg: Message, context: PantauContext, tahun: int) -> None:
    """Send the LKj workbook of a year."""
    today = context.layanan.now().astimezone(ZoneInfo(context.layanan.timezone)).date()
    async with context.layanan.engine.connect() as conn:
        lap = await lkj.build(conn, tahun, today=today)
    isi, n = await proses.xlsx(lkj.tulis_xlsx, lap, tz=context.layanan.timezone)
    await msg.reply_document(isi, filename=f"pantau-lkj-{tahun}.xlsx",
                             caption=tl.BERKAS_LKJ.format(tahun=tahun))
    await catat(context, "laporan-lkj", "xlsx", n, {"tahun": tahun})


async def catat(context: PantauContext, dataset: str, fmt: str, n: int, saringan: dict[str, Any],
                **rinci: Any) -> None:
    """Audit a file the bot sent: who, which data and filters, how many rows."""
    p, svc = context.aktif, context.layanan
    async with svc.engine.begin() as conn:
        await audit.record_export(conn, actor=p.name, actor_id=p.id, dataset=dataset, fmt=fmt, rows=n, via="bot",
                                  filters=saringan, now=svc.now(), **rinci)


async def _aksi_berkala(context: PantauContext, chat_id: int, selesai: asyncio.Event) -> None:
    while not selesai.is_set():
        with contextlib.suppress(Exception):  # a missed "sending a file…" indicator is harmless
            await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(selesai.wait(), JEDA_AKSI)


async def _mulai(query: Any, context: PantauContext, nama: str, kode_format: str) -> None:
    p = context.aktif
    if p.id in _berjalan:
        await query.answer(tl.EKSPOR_BERJALAN, show_alert=True)
        return
    _berjalan.add(p.id)
    try:
        await query.answer(tl.MENYIAPKAN)
        await _ekspor(query.message, context, nama, kode_format)
    finally:
        _berjalan.discard(p.id)


async def _ekspor(msg: Message, context: PantauContext, nama: str, kode_format: str) -> None:
    svc = context.layanan
    ds, (fmt, bom, label) = ekspor.DATASET[nama], FORMAT[kode_format]
    async with svc.engine.connect() as conn:
        n = await ekspor.perkiraan_baris(conn, nama)
    with contextlib.suppress(BadRequest):
        await msg.edit_text(tl.EKSPOR_MULAI.format(judul=ds.judul, n=format_number(n), fmt=label))
    folder = Path(tempfile.mkdtemp(prefix="pantau-ekspor-"))
    selesai = asyncio.Event()
    aksi = asyncio.create_task(_aksi_berkala(context, msg.chat_id, selesai))
    try:
        now = svc.now()
        hari_ini = now.astimezone(ZoneInfo(svc.timezone)).date()
        tugas = ekspor.TugasEkspor(svc.engine.url.render_as_string(hide_password=False), nama, fmt,
                                   str(folder / ekspor.nama_berkas(nama, fmt, hari_ini)), bom=bom, tz=svc.timezone,
                                   hari_ini=hari_ini, zip_di_atas=BATAS_UNGGAH)
        try:
            hasil = await jalankan(tugas)
        except Exception as e:
            kode = secrets.token_hex(3).upper()
            if isinstance(e, TimeoutError):
                log.error("ekspor %s melewati %s s, proses dihentikan, kode=%s", nama, BATAS_WAKTU, kode)
                teks_ = tl.EKSPOR_WAKTU_HABIS
            elif isinstance(e, BrokenProcessPool):
                log.error("proses ekspor %s berhenti tiba-tiba, kode=%s", nama, kode)
                teks_ = tl.EKSPOR_PROSES_MATI
            else:
                log.error("ekspor %s gagal, kode=%s: %s", nama, kode, e)
                teks_ = tl.EKSPOR_GAGAL
            await msg.reply_text(teks_.format(judul=ds.judul, kode=kode))
            return
        berkas, baris, dizip = Path(hasil.path), hasil.baris, hasil.dizip
        ukuran = berkas.stat().st_size
        selesai.set()
        if ukuran > BATAS_UNGGAH:
            await msg.reply_text(tl.EKSPOR_TERLALU_BESAR.format(judul=ds.judul, ukuran=format_number(
                round(ukuran / 1024 / 1024, 1)), fmt=label))
        else:
            with berkas.open("rb") as f:
                await msg.reply_document(f, filename=berkas.name, write_timeout=600, read_timeout=120,
                                         caption=tl.ekspor_selesai(ds.judul, baris, now, svc.timezone, dizip))
        await catat(context, nama, kode_format, baris, {}, byte=ukuran, zip=dizip, terkirim=ukuran <= BATAS_UNGGAH)
    finally:
        selesai.set()
        await aksi
        shutil.rmtree(folder, ignore_errors=True)


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The export command and its buttons."""
    return [CommandHandler("ekspor", cmd_ekspor), CallbackQueryHandler(on_ekspor, pattern=rf"^{EK}:")]
