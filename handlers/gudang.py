"""/gudang: the warehouse of a KPU kab/kota — supplier deliveries received, dispatches to PPK/PPS/TPS, and where
the logistics are (received at the warehouse → dispatched → arrived at the TPS)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from domain.angka import format_number, parse_count
from domain.errors import ParseError
from domain.tanggal import format_date, parse_date
from handlers import gangguan, pelaporan, teks, tombol
from handlers.konteks import PantauContext, percakapan
from handlers.tahun import pemilihan_berjalan
from handlers.teks import logistik as tl
from handlers.tiba import tampil
from storage import arrivals, logistik, org, pemilihan

GD = "gd"
KUNCI = "gudang"
MAKS_KEMASAN = 100_000
WAKTU_PERCAKAPAN = timedelta(minutes=30)
(MENU, T_ITEM, T_JUMLAH, T_TANGGAL, T_KONDISI, T_KONFIRM, K_TUJUAN, K_KEC, K_TANGGAL, K_MODA, K_KONFIRM) = (
    "menu", "t_item", "t_jumlah", "t_tanggal", "t_kondisi", "t_konfirm", "k_tujuan", "k_kec", "k_tanggal",
    "k_moda", "k_konfirm")
END = ConversationHandler.END
ID_DRAF = "draf"  # the entry's id, stored with the saved row: the same entry saved again is stored once


def _d(context: PantauContext) -> dict[str, Any]:
    assert context.user_data is not None
    d = context.user_data.setdefault(KUNCI, {})
    assert isinstance(d, dict)
    return d


def _arg(update: Update) -> str | None:
    assert update.callback_query is not None
    a = tombol.args(update.callback_query.data, 2)
    return a[1] if a else None


async def _basi(update: Update) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(teks.KEDALUWARSA, show_alert=True)


def _batal() -> list[tuple[str, str]]:
    return [(tl.TOMBOL_BATAL, tombol.data(GD, "batal"))]


def _hari_ini(context: PantauContext) -> date:
    svc = context.layanan
    return svc.now().astimezone(ZoneInfo(svc.timezone)).date()


async def _status(update: Update, context: PantauContext) -> str:
    d = _d(context)
    async with context.layanan.engine.connect() as conn:
        acara = await pemilihan.untuk_laporan(conn, _hari_ini(context))
        st = await logistik.status_gudang(conn, d["unit"], pemilihan_id=acara)
    terima = [tl.GUDANG_BARIS_TERIMA.format(tanggal=format_date(r.tanggal) if r.tanggal else "-", jenis=r.jenis,
                                            kemasan=format_number(r.kemasan), kondisi=tl.KONDISI.get(r.kondisi,
                                                                                                  r.kondisi))
              for r in st.penerimaan]
    kirim = [tl.GUDANG_BARIS_KIRIM.format(tanggal=format_date(r.tanggal), tujuan=tl.TUJUAN.get(r.tujuan, r.tujuan),
                                          wilayah=r.kecamatan or tl.SEMUA_KEC, moda=r.moda or "-")
             for r in st.pengiriman]
    text = tl.GUDANG_STATUS.format(unit=d["unit_nama"], tps=format_number(st.tps), dikirim=format_number(st.dikirim),
                                   tiba=format_number(st.tiba), terima="\n".join(terima) or tl.GUDANG_KOSONG,
                                   kirim="\n".join(kirim) or tl.GUDANG_KOSONG)
    await tampil(update, text, tombol.papan([(tl.TOMBOL_TERIMA, tombol.data(GD, "terima"))],
                                            [(tl.TOMBOL_KIRIM_GUDANG, tombol.data(GD, "kirim"))],
                                            [(tl.TOMBOL_TUTUP, tombol.data(GD, "batal"))]))
    return MENU


async def cmd_gudang(update: Update, context: PantauContext) -> str | int:
    """The warehouse status of the operator's KPU kab/kota, with the two actions."""
    assert update.effective_message is not None and context.user_data is not None
    if await pemilihan_berjalan(update.effective_message, context, "gudang") is None:
        return END
    p = context.aktif
    async with context.layanan.engine.connect() as conn:
        unit = await org.unit_by_code(conn, p.unit_code) if p.unit_code else None
    if unit is None or unit.kind != "kabkota":
        await update.effective_message.reply_text(tl.GUDANG_BUKAN_KABKOTA.format(unit=p.unit_code or "-"))
        return END
    context.user_data[KUNCI] = {"unit": unit.id, "unit_nama": unit.name}
    return await _status(update, context)


# --- received from the supplier -----------------------------------------------------------------------


async def on_terima(update: Update, context: PantauContext) -> str:
    """Which item arrived from the supplier."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    _baru(context)
    return await _tanya_item(update, context)


async def _tanya_item(update: Update, context: PantauContext) -> str:
    async with context.layanan.engine.connect() as conn:
        items = await arrivals.jenis_logistik(conn)
    rows = [[(i.nama[:30], tombol.data(GD, "item", i.id)) for i in items[k:k + 2]] for k in range(0, len(items), 2)]
    await tampil(update, tl.TANYA_JENIS, tombol.papan(*rows, _batal()))
    return T_ITEM


async def on_item(update: Update, context: PantauContext) -> str | None:
    """The item; ask how many packages."""
    arg, q = _arg(update), update.callback_query
    assert q is not None
    async with context.layanan.engine.connect() as conn:
        items = {str(i.id): i.nama for i in await arrivals.jenis_logistik(conn)}
    if arg not in items:
        await _basi(update)
        return None
    await q.answer()
    d = _d(context)
    d["item"], d["item_nama"] = int(arg), items[arg]
    return await _tanya_kemasan(update, d)


async def _tanya_kemasan(update: Update, d: dict[str, Any]) -> str:
    await tampil(update, tl.TANYA_KEMASAN.format(jenis=d["item_nama"], maks=format_number(MAKS_KEMASAN)),
                 tombol.papan(_batal()))
    return T_JUMLAH


async def on_jumlah(update: Update, context: PantauContext) -> str | None:
    """The number of packages (1 to 100.000)."""
    msg = update.effective_message
    assert msg is not None
    try:
        n = parse_count(msg.text or "", maximum=MAKS_KEMASAN)
        if n < 1:
            raise ParseError("Jumlah kemasan minimal 1.")
    except ParseError as exc:
        await msg.reply_text(tl.KEMASAN_SALAH.format(galat=exc.pesan, maks=format_number(MAKS_KEMASAN)))
        return None
    _d(context)["kemasan"] = n
    await tampil(update, tl.TANYA_TANGGAL_TERIMA, _papan_tanggal())
    return T_TANGGAL


def _papan_tanggal() -> InlineKeyboardMarkup:
    return tombol.papan([(tl.TOMBOL_HARI_INI, tombol.data(GD, "tgl", 0)),
                         (tl.TOMBOL_KEMARIN, tombol.data(GD, "tgl", 1))], _batal())


async def _tanggal(update: Update, context: PantauContext) -> date | None:
    """The date from a button (0 today, 1 yesterday) or typed; None (and a reply) when wrong."""
    today = _hari_ini(context)
    if update.callback_query is not None:
        arg = _arg(update)
        if arg not in ("0", "1"):
            await _basi(update)
            return None
        await update.callback_query.answer()
        return today - timedelta(days=int(arg))
    msg = update.effective_message
    assert msg is not None
    try:
        tgl = parse_date(msg.text or "")
        if tgl > today:
            raise ParseError(tl.TANGGAL_DEPAN.format(tanggal=format_date(tgl)))
    except ParseError as exc:
        await msg.reply_text(tl.TANGGAL_SALAH.format(galat=exc.pesan), reply_markup=_papan_tanggal())
        return None
    return tgl


async def on_tanggal_terima(update: Update, context: PantauContext) -> str | None:
    """The date received; ask the condition."""
    tgl = await _tanggal(update, context)
    if tgl is None:
        return None
    _d(context)["tanggal"] = tgl.isoformat()
    return await _tanya_kondisi(update)


async def _tanya_kondisi(update: Update) -> str:
    await tampil(update, tl.TANYA_KONDISI, tombol.papan(
        [(tl.KONDISI[k].capitalize(), tombol.data(GD, "kond", k)) for k in tl.KONDISI], _batal()))
    return T_KONDISI


async def on_kondisi(update: Update, context: PantauContext) -> str | None:
    """The condition; show the summary to save."""
    arg, d, q = _arg(update), _d(context), update.callback_query
    assert q is not None
    if arg not in tl.KONDISI or "kemasan" not in d:
        await _basi(update)
        return None
    await q.answer()
    d["kondisi"] = arg
    return await _tanya_simpan_terima(update, d)


async def _tanya_simpan_terima(update: Update, d: dict[str, Any]) -> str:
    await tampil(update, _isi_terima(d, tl.RINGKAS_TERIMA),
                 tombol.papan([(tl.TOMBOL_SIMPAN, tombol.data(GD, "simpan"))], _batal()))
    return T_KONFIRM


def _isi_terima(d: dict[str, Any], bentuk: str) -> str:
    return bentuk.format(jenis=d["item_nama"], kemasan=format_number(d["kemasan"]),
                         tanggal=format_date(date.fromisoformat(d["tanggal"])), kondisi=tl.KONDISI[d["kondisi"]])


async def on_simpan_terima(update: Update, context: PantauContext) -> str | None:
    """Save the supplier delivery, then back to the status."""
    d, q, svc = _d(context), update.callback_query, context.layanan
    assert q is not None
    if "kondisi" not in d:
        await _basi(update)
        return None
    async with svc.engine.begin() as conn:
        await logistik.catat_penerimaan(conn, kabkota_unit_id=d["unit"], item_id=d["item"], kemasan=d["kemasan"],
                                        tanggal=date.fromisoformat(d["tanggal"]), kondisi=d["kondisi"],
                                        oleh=context.aktif, now=svc.now(), draf=d.get(ID_DRAF))
    return await _tersimpan(update, context, _isi_terima(d, tl.ISI_TERIMA))


async def _tersimpan(update: Update, context: PantauContext, isi: str) -> str:
    """After a save: answer and show the status; when Telegram will not take them, the receipt goes by the outbox.

    The draft (and its id) is cleared first, so a second tap on the summary stores nothing.
    """
    q, d = update.callback_query, _d(context)
    assert q is not None
    kunci = f"gd:{d.get(ID_DRAF)}"
    _reset(d)
    try:
        await q.answer(tl.TERSIMPAN)
        return await _status(update, context)
    except TelegramError as exc:
        if not gangguan.sibuk(exc):
            raise
        await gangguan.antrekan_tanda_terima(context.layanan, q.from_user.id, kunci,
                                             tl.GUDANG_TERSIMPAN.format(isi=isi))
        return MENU


def _baru(context: PantauContext) -> None:
    """A new entry starts: its draft id is stored with the saved row, so saving it again stores nothing."""
    d = _d(context)
    _reset(d)
    d[ID_DRAF] = secrets.token_hex(8)


def _reset(d: dict[str, Any]) -> None:
    for k in list(d):
        if k not in ("unit", "unit_nama", pelaporan.LANGKAH):
            d.pop(k)


# --- dispatched from the warehouse --------------------------------------------------------------------------


async def on_kirim(update: Update, context: PantauContext) -> str:
    """Where the dispatch goes."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    _baru(context)
    return await _tanya_tujuan(update)


async def _tanya_tujuan(update: Update) -> str:
    await tampil(update, tl.TANYA_TUJUAN, tombol.papan(
        [(label, tombol.data(GD, "tuju", k)) for k, label in tl.TUJUAN.items()], _batal()))
    return K_TUJUAN


async def on_tujuan(update: Update, context: PantauContext) -> str | None:
    """PPK, PPS or TPS; ask the kecamatan."""
    arg, q, d = _arg(update), update.callback_query, _d(context)
    assert q is not None
    if arg not in tl.TUJUAN:
        await _basi(update)
        return None
    await q.answer()
    d["tujuan"] = arg
    return await _tanya_kec(update, context, d)


async def _tanya_kec(update: Update, context: PantauContext, d: dict[str, Any]) -> str:
    async with context.layanan.engine.connect() as conn:
        kec = await logistik.counts_by_kecamatan(conn, d["unit"])
    rows = [[(k.nama.replace(" (dibuat)", "")[:30], tombol.data(GD, "kec", k.id))] for k in kec]
    await tampil(update, tl.TANYA_KECAMATAN.format(tujuan=tl.TUJUAN[d["tujuan"]]),
                 tombol.papan([(tl.TOMBOL_SEMUA_KEC, tombol.data(GD, "kec", 0))], *rows, _batal()))
    return K_KEC


async def on_kec(update: Update, context: PantauContext) -> str | None:
    """The kecamatan (0: all of the kab/kota); ask the date."""
    arg, q, d = _arg(update), update.callback_query, _d(context)
    assert q is not None
    n = tombol.nomor(arg)
    kec_id = -1 if n is None else n  # forged or stale: no kecamatan
    nama = tl.SEMUA_KEC
    if kec_id > 0:
        async with context.layanan.engine.connect() as conn:
            kec = await logistik.kecamatan(conn, kec_id)
        if kec is None or kec[3] != d.get("unit"):
            kec_id = -1
        else:
            nama = kec[2]
    if kec_id < 0 or "tujuan" not in d:
        await _basi(update)
        return None
    await q.answer()
    d["kec"], d["kec_nama"] = kec_id, nama
    await tampil(update, tl.TANYA_TANGGAL_KIRIM, _papan_tanggal())
    return K_TANGGAL


async def on_tanggal_kirim(update: Update, context: PantauContext) -> str | None:
    """The dispatch date; ask the transport mode."""
    tgl = await _tanggal(update, context)
    if tgl is None:
        return None
    _d(context)["tanggal"] = tgl.isoformat()
    return await _tanya_moda(update, context)


async def _tanya_moda(update: Update, context: PantauContext) -> str:
    async with context.layanan.engine.connect() as conn:
        moda = await arrivals.moda_transportasi(conn)
    rows = [[(m.nama, tombol.data(GD, "moda", m.kode)) for m in moda[k:k + 2]] for k in range(0, len(moda), 2)]
    await tampil(update, tl.TANYA_MODA_GUDANG, tombol.papan(*rows, _batal()))
    return K_MODA


async def on_moda(update: Update, context: PantauContext) -> str | None:
    """The transport mode; show the summary to save."""
    arg, q, d = _arg(update), update.callback_query, _d(context)
    assert q is not None
    async with context.layanan.engine.connect() as conn:
        moda = {m.kode: m.nama for m in await arrivals.moda_transportasi(conn)}
    if arg not in moda or "tanggal" not in d:
        await _basi(update)
        return None
    await q.answer()
    d["moda"], d["moda_nama"] = arg, moda[arg]
    return await _tanya_simpan_kirim(update, d)


async def _tanya_simpan_kirim(update: Update, d: dict[str, Any]) -> str:
    await tampil(update, _isi_kirim(d, tl.RINGKAS_KIRIM),
                 tombol.papan([(tl.TOMBOL_SIMPAN, tombol.data(GD, "simpan"))], _batal()))
    return K_KONFIRM


def _isi_kirim(d: dict[str, Any], bentuk: str) -> str:
    return bentuk.format(tujuan=tl.TUJUAN[d["tujuan"]], wilayah=d["kec_nama"],
                         tanggal=format_date(date.fromisoformat(d["tanggal"])), moda=d["moda_nama"])


async def on_simpan_kirim(update: Update, context: PantauContext) -> str | None:
    """Save the dispatch, then back to the status."""
    d, q, svc = _d(context), update.callback_query, context.layanan
    assert q is not None
    if "moda" not in d:
        await _basi(update)
        return None
    async with svc.engine.begin() as conn:
        await logistik.catat_pengiriman(conn, kabkota_unit_id=d["unit"], tujuan=d["tujuan"],
                                        kecamatan_id=d["kec"] or None, tanggal=date.fromisoformat(d["tanggal"]),
                                        moda=d["moda"], oleh=context.aktif, now=svc.now(), draf=d.get(ID_DRAF))
    return await _tersimpan(update, context, _isi_kirim(d, tl.ISI_KIRIM))


# --- leaving -----------------------------------------------------------------------------------------------


async def on_batal(update: Update, context: PantauContext) -> int:
    """Close the warehouse menu (button or /batal); an unsaved entry is dropped."""
    if context.user_data is not None:
        context.user_data.pop(KUNCI, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await tampil(update, tl.GUDANG_SELESAI)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(teks.DIBATALKAN)
    return END


async def on_tombol_basi(update: Update, context: PantauContext) -> None:
    """A button of an earlier step."""
    await _basi(update)


async def on_teks_lain(update: Update, context: PantauContext) -> None:
    """Text where a button is expected."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(tl.TOMBOL_SAJA)


async def on_habis(update: object, context: PantauContext) -> None:
    """Abandoned: say so politely."""
    if context.user_data is not None:
        context.user_data.pop(KUNCI, None)
    if isinstance(update, Update) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, teks.WAKTU_HABIS)


def _cb(fn: Any, nama: str) -> BaseHandler[Any, PantauContext, Any]:
    return pelaporan.catat_langkah(KUNCI, [CallbackQueryHandler(fn, pattern=rf"^{GD}:{nama}(:|$)")])[0]


# --- resuming after Telegram was busy --------------------------------------------------------------------


async def _tanya(update: Update, context: PantauContext, d: dict[str, Any], langkah: str) -> object:
    """Ask again the question of the step the user last saw; an answer already in the draft is not asked again."""
    if "unit" not in d:
        return await cmd_gudang(update, context)
    if "tujuan" in d:  # a dispatch
        if "kec" not in d:
            return await _tanya_kec(update, context, d)
        if "tanggal" not in d:
            await tampil(update, tl.TANYA_TANGGAL_KIRIM, _papan_tanggal())
            return K_TANGGAL
        return await (_tanya_simpan_kirim(update, d) if "moda" in d else _tanya_moda(update, context))
    if "item" in d:  # a supplier delivery
        if "kemasan" not in d:
            return await _tanya_kemasan(update, d)
        if "tanggal" not in d:
            await tampil(update, tl.TANYA_TANGGAL_TERIMA, _papan_tanggal())
            return T_TANGGAL
        return await (_tanya_simpan_terima(update, d) if "kondisi" in d else _tanya_kondisi(update))
    if langkah == T_ITEM:
        return await _tanya_item(update, context)
    if langkah == K_TUJUAN:
        return await _tanya_tujuan(update)
    return await _status(update, context)


SAMBUNG = pelaporan.Sambungan(kunci=KUNCI, perintah="/gudang", laporan="catatan gudang", mulai=cmd_gudang,
                              tanya=_tanya, awalan=GD, kode="unit_nama")


TEKS = filters.TEXT & ~filters.COMMAND
LAIN = MessageHandler(TEKS, on_teks_lain)


def percakapan_gudang() -> ConversationHandler[PantauContext]:
    """The warehouse conversation (persistent)."""
    return percakapan(
        entry_points=[*pelaporan.catat_langkah(KUNCI, [CommandHandler("gudang", cmd_gudang)]),
                      pelaporan.sambungan(SAMBUNG)],
        states={
            MENU: [_cb(on_terima, "terima"), _cb(on_kirim, "kirim"), LAIN],
            T_ITEM: [_cb(on_item, "item"), LAIN],
            T_JUMLAH: pelaporan.catat_langkah(KUNCI, [MessageHandler(TEKS, on_jumlah)]),
            T_TANGGAL: [_cb(on_tanggal_terima, "tgl"),
                        *pelaporan.catat_langkah(KUNCI, [MessageHandler(TEKS, on_tanggal_terima)])],
            T_KONDISI: [_cb(on_kondisi, "kond"), LAIN],
            T_KONFIRM: [_cb(on_simpan_terima, "simpan"), LAIN],
            K_TUJUAN: [_cb(on_tujuan, "tuju"), LAIN],
            K_KEC: [_cb(on_kec, "kec"), LAIN],
            K_TANGGAL: [_cb(on_tanggal_kirim, "tgl"),
                        *pelaporan.catat_langkah(KUNCI, [MessageHandler(TEKS, on_tanggal_kirim)])],
            K_MODA: [_cb(on_moda, "moda"), LAIN],
            K_KONFIRM: [_cb(on_simpan_kirim, "simpan"), LAIN],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_habis)],
        },
        fallbacks=[CommandHandler("batal", on_batal), _cb(on_batal, "batal"),
                   CallbackQueryHandler(on_tombol_basi, pattern=rf"^{GD}:")],
        name="gudang", persistent=True, conversation_timeout=WAKTU_PERCAKAPAN, allow_reentry=True,
    )


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The warehouse conversation."""
    return [percakapan_gudang()]
