"""/tiba: a field officer reports what arrived at their TPS, one button per step, in about a minute.

Steps: TPS (skipped for an officer with one; or a reminder's TPS button) → (second report: correction or additional
delivery) → what should arrive, "Semua lengkap dan baik" or item-by-item deviations → transport mode (the one the
kab/kota dispatched with, or the officer's last, offered first) → arrival time (a correction offers the reported
time first) → photo, or a reason as a button (or typed) → summary, where a location can be added → receipt. An
officer with one TPS and everything in order needs five taps after /tiba: all fine, mode, time, photo reason (or
the photo itself), Kirim. Button steps edit the previous message; typed answers get a new one. The report and its
escalation messages are written in one transaction (storage.arrivals + the outbox), once per draft. A step
Telegram never showed leaves the conversation where it was; the outbox's "Lanjutkan" resumes it there.
"""

from __future__ import annotations

import functools
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from domain import logistik as lg
from domain.angka import format_number
from domain.cakupan import boleh_lapor_tps
from domain.entitas import Pengguna
from domain.errors import ParseError
from domain.tanggal import format_date, format_datetime, format_time
from handlers import gangguan, mulai, teks, tombol
from handlers.konteks import Layanan, PantauContext, percakapan
from handlers.pelaporan import hari_ini
from handlers.tahun import pemilihan_berjalan
from handlers.teks import logistik as tl
from storage import arrivals, org, outbox, pemilihan, users

log = logging.getLogger("pantau.tiba")
TB = "tb"
KUNCI = "tiba"
LANGKAH = "langkah"  # the step whose question the user last saw (where "Lanjutkan" resumes)
LANJUT = "lanjut"
MAKS_TOMBOL_TPS = 6
WAKTU_PERCAKAPAN = timedelta(minutes=30)
(TPS, JENIS, ALASAN, PERIKSA, BARANG, MASALAH, ANGKA, CATATAN, MODA, WAKTU, FOTO, ALASAN_FOTO, LOKASI,
 KONFIRM) = ("tps", "jenis", "alasan", "periksa", "barang", "masalah", "angka", "catatan", "moda", "waktu", "foto",
             "alasan_foto", "lokasi", "konfirm")
END = ConversationHandler.END


# --- helpers shared by the logistics handlers ---------------------------------------------------------


async def tampil(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message whose button was pressed (never to identical content), else send a new message.

    A reminder's button is the exception: the reminder keeps its text and its other buttons (handlers.mulai).
    """
    q = update.callback_query
    if q is not None and isinstance(q.message, Message) and q.message.text is not None and not mulai.dari_pengingat(q):
        if q.message.text == text and q.message.reply_markup == markup:
            return
        try:
            await q.edit_message_text(text, reply_markup=markup)
        except BadRequest as exc:
            # The same update handled again (a retried update): the message already shows this step.
            if "not modified" not in exc.message.lower():
                raise
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)


def _d(context: PantauContext) -> dict[str, Any]:
    assert context.user_data is not None
    d = context.user_data.setdefault(KUNCI, {})
    assert isinstance(d, dict)
    return d


def _args(update: Update, n: int) -> list[str] | None:
    assert update.callback_query is not None
    return tombol.args(update.callback_query.data, n)


async def _basi(update: Update) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(teks.KEDALUWARSA, show_alert=True)


def _baris_dua(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    return [items[i:i + 2] for i in range(0, len(items), 2)]


# --- step 1: the TPS ----------------------------------------------------------------------------------


async def cmd_tiba(update: Update, context: PantauContext) -> str | int:
    """Start a report: the officer's TPS as buttons (or a search when they have many)."""
    assert update.effective_message is not None and context.user_data is not None
    context.user_data.pop(KUNCI, None)
    if (acara := await pemilihan_berjalan(update.effective_message, context, "tiba")) is None:
        return END
    p = context.aktif
    if not p.tps_ids:
        await update.effective_message.reply_text(tl.TIDAK_ADA_TPS)
        return END
    async with context.layanan.engine.connect() as conn:
        daftar_tps = await org.list_tps(conn, ids=sorted(p.tps_ids))
        if len(daftar_tps) == 1:  # most officers have one TPS: straight to it, on the same connection
            bacaan = await _baca_tps(conn, context.layanan, daftar_tps[0].id, p)
        else:
            sudah = await arrivals.versi_terakhir(conn, [x.id for x in daftar_tps], acara.id)
    if len(daftar_tps) == 1:
        return await _mulai_tps(update, context, bacaan)
    pilihan = daftar_tps if len(daftar_tps) <= MAKS_TOMBOL_TPS else [x for x in daftar_tps if x.id not in sudah]
    rows = [[(f"{tl.SUDAH_LAPOR_TANDA + ' ' if x.id in sudah else ''}{x.kode} · {x.nama}",
              tombol.data(TB, "tps", x.id))] for x in pilihan[:MAKS_TOMBOL_TPS]]
    rows.append([(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))])
    text = tl.PILIH_TPS if len(daftar_tps) <= MAKS_TOMBOL_TPS else tl.CARI_TPS.format(n=len(daftar_tps))
    await update.effective_message.reply_text(text, reply_markup=tombol.papan(*rows))
    return TPS


async def on_tps_tombol(update: Update, context: PantauContext) -> str | int | None:
    """A TPS button: only the officer's own TPS."""
    a = _args(update, 2)
    assert update.callback_query is not None
    if a is None or not a[1].isdigit():
        await _basi(update)
        return None
    if not boleh_lapor_tps(context.aktif, int(a[1])):
        await update.callback_query.answer(tl.BUKAN_TPS_ANDA_SINGKAT, show_alert=True)
        return None
    await update.callback_query.answer()
    return await _mulai_tps(update, context, await _baca(context, int(a[1])))


async def on_mulai(update: Update, context: PantauContext) -> str | int | None:
    """A reminder's TPS button (tb:mulai:<TPS kode>): that TPS picked, as in /tiba; only the officer's own TPS."""
    q, a = update.callback_query, _args(update, 2)
    assert q is not None
    if await mulai.sudah_dimulai(q, (context.user_data or {}).get(KUNCI)):
        return None
    async with context.layanan.engine.connect() as conn:
        x = await org.tps_by_code(conn, a[1]) if a is not None and a[0] == mulai.MULAI else None
    if x is None:
        await _basi(update)
        return None
    if not boleh_lapor_tps(context.aktif, x.id):
        await q.answer(tl.BUKAN_TPS_ANDA_SINGKAT, show_alert=True)
        return None
    await q.answer()
    langkah = await _mulai_tps(update, context, await _baca(context, x.id))
    mulai.tandai(_d(context), q)
    return langkah


async def on_tps_teks(update: Update, context: PantauContext) -> str | int | None:
    """A typed TPS code or name: search among the officer's TPS; another officer's TPS is refused."""
    msg, p = update.effective_message, context.aktif
    assert msg is not None
    cari = " ".join((msg.text or "").split())[:60]
    async with context.layanan.engine.connect() as conn:
        persis = await org.tps_by_code(conn, cari)
        temu = [persis] if persis else await arrivals.cari_tps(conn, sorted(p.tps_ids), cari)
    if persis is not None and not boleh_lapor_tps(p, persis.id):
        await msg.reply_text(tl.BUKAN_TPS_ANDA.format(kode=persis.kode))
        return None
    if not temu:
        await msg.reply_text(tl.TIDAK_KETEMU.format(teks=cari))
        return None
    if len(temu) == 1:
        return await _mulai_tps(update, context, await _baca(context, temu[0].id))
    rows = [[(f"{x.kode} · {x.nama}", tombol.data(TB, "tps", x.id))] for x in temu]
    await msg.reply_text(tl.HASIL_CARI.format(n=len(temu)), reply_markup=tombol.papan(*rows))
    return None


_BacaanTps = tuple[arrivals.KonteksTps, arrivals.Pengaturan, list[arrivals.Moda], tuple[str, str] | None]


async def _baca_tps(conn: AsyncConnection, svc: Layanan, tps_id: int, pelapor: Pengguna) -> _BacaanTps:
    """Everything the report needs until its summary, read at once (the mode step then needs no query)."""
    # The latest report of the event a report filed now belongs to: an earlier event's is no report to correct.
    hari = svc.now().astimezone(ZoneInfo(svc.timezone)).date()
    acara = await pemilihan.untuk_laporan(conn, hari)
    ktx = await arrivals.konteks_tps(conn, tps_id, tz=svc.timezone, pemilihan_id=acara)
    assert ktx is not None
    return (ktx, await arrivals.pengaturan(conn), await arrivals.moda_transportasi(conn),
            await arrivals.moda_saran(conn, tps_id, hari=hari, pelapor=pelapor))


async def _baca(context: PantauContext, tps_id: int) -> _BacaanTps:
    async with context.layanan.engine.connect() as conn:
        return await _baca_tps(conn, context.layanan, tps_id, context.aktif)


def _urut_moda(moda: list[arrivals.Moda]) -> dict[str, str]:
    """The modes to choose from, the ones that reached the most TPS in the 2024 data first (then as listed)."""
    return {m.kode: m.nama for m in sorted(moda, key=lambda m: -(m.ke_tps or 0))}


async def _mulai_tps(update: Update, context: PantauContext, bacaan: _BacaanTps) -> str:
    svc = context.layanan
    ktx, atur, moda, saran = bacaan
    d = _d(context)
    langkah = d.get(LANGKAH)  # the step the user last saw stays recorded until the new one is shown
    d.clear()
    if langkah is not None:
        d[LANGKAH] = langkah
    d["draf"] = secrets.token_hex(8)  # submitting this draft twice stores it once (storage.arrivals)
    d.update({"tps": ktx.tps.id, "kode": ktx.tps.kode, "nama": ktx.tps.nama, "desa": ktx.tps.desa, "jenis": "baru",
              "harap": [[i.id, i.nama, i.satuan, n] for i, n in ktx.kebutuhan], "dev": {},
              "batas": ktx.batas.isoformat() if ktx.batas else None,
              "awal": ktx.paling_awal.isoformat() if ktx.paling_awal else None, "foto_wajib": atur.foto_wajib,
              "moda_pilihan": _urut_moda(moda)})  # the mode step offers and checks these
    if saran is not None and saran[0] in d["moda_pilihan"]:
        d["moda_saran"] = list(saran)  # offered first: [kode, where it comes from]
    if ktx.terakhir is not None:
        d["tiba_lama"] = ktx.terakhir.tiba_pada.isoformat()  # a correction offers the reported time first
    if ktx.terakhir is None:
        await tampil(update, _teks_periksa(d), _papan_periksa())
        return PERIKSA
    t = ktx.terakhir
    masalah = lg.masalah(t.baris, t.terlambat)
    status = tl.STATUS_TEPAT if not masalah else tl.STATUS_MASALAH.format(
        masalah=", ".join(lg.LABEL_MASALAH[m] for m in masalah))
    text = tl.SUDAH_ADA.format(kode=ktx.tps.kode, nomor=t.nomor, versi=t.versi,
                               pelapor=t.reporter or "-", waktu=format_datetime(t.tiba_pada, svc.timezone),
                               status=status)
    await tampil(update, text, tombol.papan([(tl.TOMBOL_KOREKSI, tombol.data(TB, "jenis", "koreksi"))],
                                            [(tl.TOMBOL_TAMBAHAN, tombol.data(TB, "jenis", "tambahan"))],
                                            [(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))]))
    return JENIS


# --- step 2: correction or additional delivery ----------------------------------------------------------


async def on_jenis(update: Update, context: PantauContext) -> str | None:
    """A second report: a correction (asks the reason) or an additional delivery (asks what was outstanding)."""
    a, q, d = _args(update, 2), update.callback_query, _d(context)
    assert q is not None
    if a is None or a[1] not in ("koreksi", "tambahan") or "tps" not in d:
        await _basi(update)
        return None
    if a[1] == "koreksi":
        await q.answer()
        d["jenis"] = "koreksi"
        await tampil(update, tl.TANYA_ALASAN_KOREKSI)
        return ALASAN
    async with context.layanan.engine.connect() as conn:
        acara = await pemilihan.untuk_laporan(conn, hari_ini(context))
        lama = await arrivals.terakhir(conn, d["tps"], acara)
    sisa = lg.kebutuhan_tambahan(lama.baris) if lama else []
    if not sisa:
        await q.answer(tl.TAMBAHAN_TIDAK_PERLU, show_alert=True)
        return None
    await q.answer()
    nama = {h[0]: h for h in d["harap"]}
    d.update({"jenis": "tambahan", "harap": [[b.item_id, nama[b.item_id][1], nama[b.item_id][2], b.diharapkan]
                                             for b in sisa], "dev": {}})
    await tampil(update, _teks_periksa(d), _papan_periksa())
    return PERIKSA


async def on_alasan(update: Update, context: PantauContext) -> str | None:
    """The reason of a correction."""
    assert update.effective_message is not None
    alasan = lg.catatan_bersih(update.effective_message.text)
    if alasan is None or len(alasan) < 3:
        await update.effective_message.reply_text(tl.ALASAN_TERLALU_PENDEK)
        return None
    d = _d(context)
    d["alasan"] = alasan
    await tampil(update, _teks_periksa(d), _papan_periksa())
    return PERIKSA


def _teks_periksa(d: dict[str, Any]) -> str:
    lines = [tl.PERIKSA_JUDUL[d["jenis"]].format(kode=d["kode"], nama=d["nama"], desa=d["desa"])]
    lines += [tl.BARIS_HARAP.format(nama=h[1], jumlah=format_number(h[3]), satuan=h[2]) for h in d["harap"]]
    return "\n".join([*lines, "", tl.PERIKSA_TANYA])


def _papan_periksa() -> InlineKeyboardMarkup:
    return tombol.papan([(tl.TOMBOL_LENGKAP, tombol.data(TB, "ok"))], [(tl.TOMBOL_BEDA, tombol.data(TB, "beda"))],
                        [(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))])


# --- step 3: all fine, or item-by-item deviations -------------------------------------------------------


async def on_ok(update: Update, context: PantauContext) -> str:
    """Everything arrived complete and in good order (one tap)."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    _d(context)["dev"] = {}
    return await _tanya_moda(update, context)


async def on_beda(update: Update, context: PantauContext) -> str:
    """Show the items to pick the ones that deviate."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await tampil(update, *_barang(_d(context)))
    return BARANG


def _uraian_dev(dev: dict[str, Any]) -> str:
    parts = [tl.PENYIMPANGAN["kurang"].format(n=dev["kurang"])] if dev.get("kurang") else []
    if dev.get("rusak"):
        parts.append(tl.PENYIMPANGAN["rusak"].format(n=dev["rusak"]))
    if dev.get("salah"):
        parts.append(tl.PENYIMPANGAN["salah"])
    return ", ".join(parts) + (f" ({dev['catatan']})" if dev.get("catatan") else "")


def _barang(d: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    devs = {int(k): v for k, v in d["dev"].items() if _uraian_dev(v)}
    dicatat = [f"• {h[1]}: {_uraian_dev(devs[h[0]])}" for h in d["harap"] if h[0] in devs]
    text = "\n".join([tl.BARANG_JUDUL, "", *([tl.BARANG_DICATAT, *dicatat] if dicatat else [tl.BARANG_BELUM])])
    rows = [[(("⚠️ " if h[0] in devs else "") + f"{h[1]} ({h[3]})", tombol.data(TB, "brg", h[0]))] for h in d["harap"]]
    rows.append([(tl.TOMBOL_SELESAI, tombol.data(TB, "selesai"))])
    rows.append([(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))])
    return text, tombol.papan(*rows)


def _harap(d: dict[str, Any], item_id: int) -> list[Any] | None:
    return next((h for h in d["harap"] if h[0] == item_id), None)


async def on_barang(update: Update, context: PantauContext) -> str | None:
    """An item was picked: which deviation?"""
    a, d, q = _args(update, 2), _d(context), update.callback_query
    assert q is not None
    h = _harap(d, int(a[1])) if a and a[1].isdigit() and "harap" in d else None
    if h is None:
        await _basi(update)
        return None
    await q.answer()
    d["item"] = h[0]
    await tampil(update, tl.MASALAH_TANYA.format(nama=h[1], jumlah=h[3], satuan=h[2]), tombol.papan(
        [(tl.TOMBOL_KURANG, tombol.data(TB, "dev", "kurang")), (tl.TOMBOL_RUSAK, tombol.data(TB, "dev", "rusak"))],
        [(tl.TOMBOL_SALAH, tombol.data(TB, "dev", "salah")), (tl.TOMBOL_HAPUS, tombol.data(TB, "dev", "hapus"))],
        [(tl.TOMBOL_KEMBALI, tombol.data(TB, "dev", "kembali"))]))
    return MASALAH


def _maks(d: dict[str, Any], jenis: str) -> int:
    h = _harap(d, d["item"])
    assert h is not None
    kurang = d["dev"].get(str(h[0]), {}).get("kurang", 0)
    return int(h[3]) if jenis == "kurang" else int(h[3]) - int(kurang)


async def on_masalah(update: Update, context: PantauContext) -> str | None:
    """The deviation kind of the picked item."""
    a, d, q = _args(update, 2), _d(context), update.callback_query
    assert q is not None
    if a is None or a[1] not in ("kurang", "rusak", "salah", "hapus", "kembali") or "item" not in d:
        await _basi(update)
        return None
    await q.answer()
    h = _harap(d, d["item"])
    assert h is not None
    key = str(h[0])
    if a[1] in ("kurang", "rusak"):
        d["jenisdev"] = a[1]
        tanya = tl.TANYA_KURANG if a[1] == "kurang" else tl.TANYA_RUSAK
        await tampil(update, tanya.format(nama=h[1], maks=_maks(d, a[1])),
                     tombol.papan([(tl.TOMBOL_KEMBALI, tombol.data(TB, "dev", "kembali"))]))
        return ANGKA
    if a[1] == "salah":
        d["dev"].setdefault(key, {})["salah"] = True
        await tampil(update, tl.TANYA_CATATAN_SALAH.format(nama=h[1]),
                     tombol.papan([(tl.TOMBOL_LEWATI, tombol.data(TB, "lewat"))]))
        return CATATAN
    if a[1] == "hapus":
        d["dev"].pop(key, None)
    await tampil(update, *_barang(d))
    return BARANG


async def on_angka(update: Update, context: PantauContext) -> str | None:
    """How many are short or damaged (a count, optionally followed by a note)."""
    msg, d = update.effective_message, _d(context)
    assert msg is not None
    jenis = d.get("jenisdev")
    if jenis not in ("kurang", "rusak") or "item" not in d:
        await msg.reply_text(teks.KEDALUWARSA)
        return None
    maks = _maks(d, jenis)
    try:
        n, catatan = lg.parse_jumlah_catatan(msg.text or "", maximum=maks, jenis=jenis)
    except ParseError as exc:
        await msg.reply_text(tl.ANGKA_SALAH.format(galat=exc.pesan, maks=maks))
        return None
    dev = d["dev"].setdefault(str(d["item"]), {})
    dev[jenis] = n
    if jenis == "kurang" and dev.get("rusak", 0) > maks - n:
        dev["rusak"] = maks - n  # fewer arrived now: no more can be damaged than arrived
    if catatan:
        dev["catatan"] = catatan
    await tampil(update, *_barang(d))
    return BARANG


async def on_catatan(update: Update, context: PantauContext) -> str:
    """The note of a wrong-type item (typed, or skipped with the button)."""
    d = _d(context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None and "item" in d:
        catatan = lg.catatan_bersih(update.effective_message.text)
        if catatan:
            d["dev"].setdefault(str(d["item"]), {})["catatan"] = catatan
    await tampil(update, *_barang(d))
    return BARANG


async def on_selesai(update: Update, context: PantauContext) -> str:
    """Deviations done: on to the transport mode."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await _tanya_moda(update, context)


# --- steps 4–7: mode, time, photo, location ----------------------------------------------------------------


async def _tanya_moda(update: Update, context: PantauContext, *, semua: bool = False) -> str:
    """The mode question: the likely mode as one button and "Moda lain…", or (none known, or asked) every mode."""
    d = _d(context)
    if not d.get("moda_pilihan"):  # a report begun before the modes were read with its TPS
        async with context.layanan.engine.connect() as conn:
            d["moda_pilihan"] = _urut_moda(await arrivals.moda_transportasi(conn))
    saran = d.get("moda_saran")
    batal = [(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))]
    if saran and not semua and saran[0] in d["moda_pilihan"]:
        kode, asal = saran
        label = tl.TOMBOL_MODA_SARAN.format(nama=d["moda_pilihan"][kode], asal=tl.ASAL_MODA[asal])
        await tampil(update, tl.TANYA_MODA, tombol.papan([(label, tombol.data(TB, "moda", kode))],
                                                         [(tl.TOMBOL_MODA_LAIN, tombol.data(TB, "modalain"))], batal))
        return MODA
    rows = _baris_dua([(nama, tombol.data(TB, "moda", kode)) for kode, nama in d["moda_pilihan"].items()])
    await tampil(update, tl.TANYA_MODA, tombol.papan(*rows, batal))
    return MODA


async def on_moda_lain(update: Update, context: PantauContext) -> str:
    """"Moda lain…": every mode."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await _tanya_moda(update, context, semua=True)


async def on_moda(update: Update, context: PantauContext) -> str | None:
    """The transport mode (from data/moda_transportasi_2024.csv)."""
    a, q, d = _args(update, 2), update.callback_query, _d(context)
    assert q is not None
    moda = d.get("moda_pilihan") or {}
    if a is None or a[1] not in moda:
        await _basi(update)
        return None
    await q.answer()
    d["moda"], d["moda_nama"] = a[1], moda[a[1]]
    return await _tanya_waktu(update, context)


def _tiba_lama(d: dict[str, Any]) -> datetime | None:
    """The reported arrival time a correction offers first (None for any other report)."""
    return datetime.fromisoformat(d["tiba_lama"]) if d.get("jenis") == "koreksi" and d.get("tiba_lama") else None


def _tombol_waktu(d: dict[str, Any], svc: Layanan) -> list[list[tuple[str, str]]]:
    """"Tetap <reported time>" first for a correction, then "Baru saja"."""
    kini = [(tl.TOMBOL_KINI.format(jam=format_time(svc.now(), svc.timezone)), tombol.data(TB, "kini"))]
    if (lama := _tiba_lama(d)) is None:
        return [kini]
    lokal = (lama if lama.tzinfo else lama.replace(tzinfo=UTC)).astimezone(ZoneInfo(svc.timezone))
    tetap = tl.TOMBOL_TETAP.format(tanggal=format_date(lokal.date()), jam=format_time(lama, svc.timezone))
    return [[(tetap, tombol.data(TB, "tetap"))], kini]


async def _tanya_waktu(update: Update, context: PantauContext) -> str:
    d, svc = _d(context), context.layanan
    lama = _tiba_lama(d)
    text = tl.TANYA_WAKTU_KOREKSI.format(waktu=format_datetime(lama, svc.timezone)) if lama else tl.TANYA_WAKTU
    await tampil(update, text, tombol.papan(*_tombol_waktu(d, svc), [(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))]))
    return WAKTU


async def on_tetap(update: Update, context: PantauContext) -> str | None:
    """A correction keeps the reported arrival time (one tap)."""
    d, q = _d(context), update.callback_query
    assert q is not None
    if _tiba_lama(d) is None:
        await _basi(update)
        return None
    await q.answer()
    d["tiba"] = d["tiba_lama"]
    return await _tanya_foto(update, context)


async def on_kini(update: Update, context: PantauContext) -> str:
    """Arrived just now (accepted as is: the logistics are physically there)."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    _d(context)["tiba"] = context.layanan.now().isoformat()
    return await _tanya_foto(update, context)


async def on_waktu(update: Update, context: PantauContext) -> str | None:
    """A typed arrival time: not in the future, not before the dispatch started."""
    msg, d, svc = update.effective_message, _d(context), context.layanan
    assert msg is not None
    awal = datetime.fromisoformat(d["awal"]) if d.get("awal") else None
    try:
        tiba = lg.parse_waktu_tiba(msg.text or "", sekarang=svc.now(), tz=svc.timezone, paling_awal=awal)
    except ParseError as exc:
        await msg.reply_text(tl.WAKTU_SALAH.format(galat=exc.pesan), reply_markup=tombol.papan(*_tombol_waktu(d, svc)))
        return None
    d["tiba"] = tiba.isoformat()
    return await _tanya_foto(update, context)


async def _tanya_foto(update: Update, context: PantauContext) -> str:
    batal = [(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))]
    if _d(context).get("foto_wajib"):
        await tampil(update, tl.TANYA_FOTO_WAJIB, tombol.papan(batal))
    else:
        alasan = [(label, tombol.data(TB, "tanpafoto", kunci)) for kunci, label in tl.ALASAN_TANPA_FOTO.items()]
        await tampil(update, tl.TANYA_FOTO_BOLEH_LEWAT, tombol.papan(*_baris_dua(alasan), batal))
    return FOTO


async def on_foto(update: Update, context: PantauContext) -> str:
    """The photo: its Telegram file id is kept (the largest size); on to the summary."""
    msg = update.effective_message
    assert msg is not None and msg.photo
    d = _d(context)
    d["foto"], d["tanpa_foto"] = msg.photo[-1].file_id, None
    return await _tanya_konfirm(update, context)


async def on_tanpa_foto(update: Update, context: PantauContext) -> str | None:
    """No photo, unless an admin made it mandatory: a reason button (one tap, on to the summary), or the bare
    button of an earlier version (asks the reason to be typed)."""
    q, d = update.callback_query, _d(context)
    assert q is not None
    if d.get("foto_wajib"):
        await q.answer(tl.FOTO_WAJIB, show_alert=True)
        return None
    a = tombol.args(q.data, 2)
    if tombol.args(q.data, 1) is not None:  # the bare button
        await q.answer()
        await tampil(update, tl.TANYA_ALASAN_FOTO)
        return ALASAN_FOTO
    if a is None or a[1] not in tl.ALASAN_TANPA_FOTO:
        await _basi(update)
        return None
    await q.answer()
    d["foto"], d["tanpa_foto"] = None, tl.ALASAN_TANPA_FOTO_TEKS[a[1]]
    return await _tanya_konfirm(update, context)


async def on_teks_foto(update: Update, context: PantauContext) -> str | None:
    """Text at the photo step: the reason there is no photo (unless the photo is mandatory)."""
    assert update.effective_message is not None
    if _d(context).get("foto_wajib"):
        await update.effective_message.reply_text(tl.FOTO_WAJIB)
        return None
    return await _alasan_foto(update, context, tl.ALASAN_FOTO_TERLALU_PENDEK)


async def on_bukan_foto(update: Update, context: PantauContext) -> None:
    """Something else than a photo or a reason while a photo is expected."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(tl.FOTO_WAJIB if _d(context).get("foto_wajib") else tl.BUKAN_FOTO)


async def on_alasan_foto(update: Update, context: PantauContext) -> str | None:
    """Why there is no photo (typed after the bare skip button of an earlier version)."""
    return await _alasan_foto(update, context, tl.ALASAN_TERLALU_PENDEK)


async def _alasan_foto(update: Update, context: PantauContext, terlalu_pendek: str) -> str | None:
    """A typed reason for no photo (at least 3 letters): on to the summary."""
    assert update.effective_message is not None
    alasan = lg.catatan_bersih(update.effective_message.text)
    if alasan is None or len(alasan) < 3:
        await update.effective_message.reply_text(terlalu_pendek)
        return None
    d = _d(context)
    d["foto"], d["tanpa_foto"] = None, alasan
    return await _tanya_konfirm(update, context)


async def _tanya_lokasi(update: Update) -> str:
    await tampil(update, tl.TANYA_LOKASI, tombol.papan([(tl.TOMBOL_KE_RINGKASAN, tombol.data(TB, "ringkasan"))]))
    return LOKASI


async def on_tambah_lokasi(update: Update, context: PantauContext) -> str:
    """"Tambah lokasi" in the summary: ask for the location (the summary comes back after it)."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await _tanya_lokasi(update)


async def on_lokasi(update: Update, context: PantauContext) -> str:
    """A shared location: back to the summary, which now shows it."""
    d = _d(context)
    loc = update.effective_message.location if update.effective_message else None
    assert loc is not None
    d["lat"], d["lon"] = loc.latitude, loc.longitude
    return await _tanya_konfirm(update, context)


async def on_ke_ringkasan(update: Update, context: PantauContext) -> str:
    """Back to the summary without a (new) location."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await _tanya_konfirm(update, context)


async def _tanya_konfirm(update: Update, context: PantauContext) -> str:
    d = _d(context)
    lokasi = tl.TOMBOL_GANTI_LOKASI if d.get("lat") is not None else tl.TOMBOL_TAMBAH_LOKASI
    await tampil(update, _ringkasan(d, context.layanan), tombol.papan(
        [(tl.TOMBOL_KIRIM, tombol.data(TB, "kirim"))], [(lokasi, tombol.data(TB, "lokasi"))],
        [(tl.TOMBOL_BATAL, tombol.data(TB, "batal"))]))
    return KONFIRM


async def on_bukan_lokasi(update: Update, context: PantauContext) -> None:
    """Something else than a location while a location is expected."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(tl.BUKAN_LOKASI)


def _ringkasan(d: dict[str, Any], svc: Layanan) -> str:
    devs = {int(k): v for k, v in d["dev"].items() if _uraian_dev(v)}
    barang = "\n".join(f"  • {h[1]}: {_uraian_dev(devs[h[0]])}" for h in d["harap"] if h[0] in devs)
    tiba = datetime.fromisoformat(d["tiba"])
    batas = datetime.fromisoformat(d["batas"]) if d.get("batas") else None
    telat = tl.TELAT.format(batas=format_datetime(batas, svc.timezone)) if batas and lg.terlambat(tiba, batas) else ""
    return tl.RINGKASAN.format(
        kode=d["kode"], nama=d["nama"], desa=d["desa"],
        jenis=tl.JENIS_LABEL[d["jenis"]].format(alasan=d.get("alasan") or "-"),
        barang=("\n" + barang) if barang else tl.BARANG_SEMUA, moda=d.get("moda_nama") or "-",
        tiba=format_datetime(tiba, svc.timezone),
        telat=telat,
        foto=tl.FOTO_ADA if d.get("foto") else tl.FOTO_TIDAK.format(alasan=d.get("tanpa_foto") or "-"),
        lokasi=tl.LOKASI_ADA if d.get("lat") is not None else tl.LOKASI_TIDAK)


# --- step 8: submit ------------------------------------------------------------------------------------------


def _masukan(d: dict[str, Any]) -> arrivals.MasukanTiba:
    baris = []
    for item_id, _nama, _satuan, harap in d["harap"]:
        dev = d["dev"].get(str(item_id), {})
        baris.append(lg.dengan_penyimpangan(item_id, int(harap), kurang=int(dev.get("kurang", 0)),
                                            rusak=int(dev.get("rusak", 0)), salah_jenis=bool(dev.get("salah")),
                                            catatan=dev.get("catatan")))
    return arrivals.MasukanTiba(
        tps_id=int(d["tps"]), jenis=d["jenis"], baris=tuple(baris), tiba_pada=datetime.fromisoformat(d["tiba"]),
        moda=d.get("moda"), foto_file_id=d.get("foto"), alasan_tanpa_foto=d.get("tanpa_foto"), lat=d.get("lat"),
        lon=d.get("lon"), alasan=d.get("alasan"), draf=d.get("draf"))


async def on_kirim(update: Update, context: PantauContext) -> str | int | None:
    """Store the report with its escalations in one transaction; the summary becomes the receipt.

    Idempotent: the draft is stored once (a second tap or a retried update gets the same receipt), and when
    Telegram cannot take the receipt after the save, it goes through the outbox.
    """
    q, d, svc = update.callback_query, _d(context), context.layanan
    assert q is not None
    if "tiba" not in d:
        await _basi(update)
        return None
    for coba in (1, 2):  # a second try when another report of this TPS took the same version just now
        try:
            async with svc.engine.begin() as conn:
                hasil = await arrivals.simpan_laporan(conn, _masukan(d), pelapor=context.aktif, now=svc.now(),
                                                      tz=svc.timezone)
                penerima = await _antrekan_eskalasi(conn, svc, hasil)
            break
        except arrivals.VersiBentrok:
            if coba == 2:
                await q.answer(tl.BERSAMAAN, show_alert=True)
                return None
        except arrivals.LogistikError as exc:
            await q.answer(tl.GAGAL_SIMPAN.format(galat=exc), show_alert=True)
            return None
    if hasil.eskalasi:
        svc.wake_outbox()  # the escalations queued: sent now (a report without any queues nothing)
    context.user_data.pop(KUNCI, None)  # type: ignore[union-attr]
    status = tl.TERKIRIM_TEPAT if not hasil.masalah else tl.TERKIRIM_MASALAH.format(
        uraian="\n".join(f"• {u}" for u in hasil.uraian), penerima=penerima)
    terima = tl.TERKIRIM.format(nomor=hasil.laporan.nomor, kode=hasil.konteks.tps.kode, status=status)
    try:
        await q.answer()
        await tampil(update, terima)
    except TelegramError as exc:
        if not gangguan.sibuk(exc):
            raise
        # Saved, but Telegram would not take the receipt within the bound: it goes through the outbox.
        log.warning("tanda terima %s lewat outbox: %s", hasil.laporan.nomor, exc)
        await gangguan.antrekan_tanda_terima(svc, q.from_user.id, hasil.laporan.nomor, terima)
    return END


async def _antrekan_eskalasi(conn: AsyncConnection, svc: Layanan, hasil: arrivals.HasilLaporan) -> str:
    """Queue each escalation for the kab/kota's logistics officers (admins when none is registered)."""
    if not hasil.eskalasi:
        return ""
    ktx, lap, now = hasil.konteks, hasil.laporan, svc.now()
    chats = [p.telegram_id for p in hasil.penerima]
    if not chats:
        chats = sorted(set(await users.admin_chat_ids(conn)) | set(svc.admin_ids))
    tempat = {"kode": ktx.tps.kode, "nama": ktx.tps.nama, "desa": ktx.tps.desa, "kecamatan": ktx.tps.kecamatan,
              "kabkota": ktx.tps.kabkota, "nomor": lap.nomor, "waktu": format_datetime(now, svc.timezone)}
    for esk in hasil.eskalasi:
        if esk.jenis == "konflik":
            text = tl.ESKALASI_KONFLIK.format(uraian=esk.uraian, **tempat)
        else:
            text = tl.ESKALASI.format(uraian="\n".join(f"• {u}" for u in hasil.uraian), pelapor=lap.reporter or "-",
                                      **tempat)
        markup = tombol.papan_dict([(tl.TOMBOL_TANGANI, tombol.data("es", esk.id))])
        for chat in chats:
            await outbox.enqueue(conn, key=f"eskalasi:{esk.id}:{chat}", chat_id=chat, text=text, kind="eskalasi",
                                 reply_markup=markup, now=now)
    if not hasil.penerima:
        return tl.TERKIRIM_TANPA_PENERIMA
    return tl.PENERIMA.format(unit=ktx.tps.kabkota, n=len(hasil.penerima))


# --- resuming after Telegram was busy --------------------------------------------------------------------


def _lanjutan(update: Update, context: Any) -> gangguan.Lanjutan | None:
    """The resume message for an update of this flow that Telegram could not answer."""
    d = (context.user_data or {}).get(KUNCI)
    q, msg = update.callback_query, update.message
    milik = ((q is not None and ((q.data or "").startswith(f"{TB}:") or q.data == "mn:tiba"))
             or (msg is not None and (msg.text or "").startswith("/tiba"))
             # a typed answer; another command belongs to its own flow
             or (msg is not None and not (msg.text or "").startswith("/") and isinstance(d, dict) and LANGKAH in d))
    if not milik:
        return None
    kode = d.get("kode") if isinstance(d, dict) and LANGKAH in d else None
    return gangguan.Lanjutan(tl.SIBUK_LANJUT.format(kode=kode) if kode else tl.SIBUK_MULAI, tombol.data(TB, LANJUT))


gangguan.daftarkan(_lanjutan)


async def on_lanjut(update: Update, context: PantauContext) -> str | int | None:
    """The "Lanjutkan" button: show again the question of the step the user last saw, with what they entered."""
    q = update.callback_query
    assert q is not None
    d = (context.user_data or {}).get(KUNCI)
    if not isinstance(d, dict) or d.get(LANGKAH) in (None, TPS):
        await q.answer()
        return await cmd_tiba(update, context)
    await q.answer()
    return await _tanya(update, context, d[LANGKAH])


async def _tanya(update: Update, context: PantauContext, langkah: str) -> str | int:
    """The question of a step, as it was asked (a deviation half entered goes back to the item list).

    An answer the handler kept before Telegram failed to show the next question is not asked again.
    """
    d = _d(context)
    while (lanjut := _DIJAWAB.get(langkah)) is not None and lanjut[1](d):
        langkah = lanjut[0]
    if langkah == JENIS:
        return await _mulai_tps(update, context, await _baca(context, int(d["tps"])))
    if langkah == ALASAN:
        await tampil(update, tl.TANYA_ALASAN_KOREKSI)
        return ALASAN
    if langkah == PERIKSA:
        await tampil(update, _teks_periksa(d), _papan_periksa())
        return PERIKSA
    if langkah in (BARANG, MASALAH, ANGKA, CATATAN):
        await tampil(update, *_barang(d))
        return BARANG
    if langkah == ALASAN_FOTO:
        await tampil(update, tl.TANYA_ALASAN_FOTO)
        return ALASAN_FOTO
    tanya = {MODA: _tanya_moda, WAKTU: _tanya_waktu, FOTO: _tanya_foto, KONFIRM: _tanya_konfirm}.get(langkah)
    if tanya is not None:
        return await tanya(update, context)
    return await _tanya_lokasi(update)


# step -> (the next step, whether the user's answer to it is in the draft)
_DIJAWAB: dict[str, tuple[str, Any]] = {
    MODA: (WAKTU, lambda d: bool(d.get("moda"))),
    WAKTU: (FOTO, lambda d: bool(d.get("tiba"))),
    FOTO: (KONFIRM, lambda d: bool(d.get("foto") or d.get("tanpa_foto"))),
    ALASAN_FOTO: (KONFIRM, lambda d: bool(d.get("tanpa_foto"))),
    LOKASI: (KONFIRM, lambda d: d.get("lat") is not None),
}


def _catat_langkah(fn: Any) -> Any:
    """Record the step a handler showed, once it was shown (a step Telegram did not take is not recorded)."""
    @functools.wraps(fn)
    async def langkah(update: Update, context: PantauContext) -> Any:
        hasil = await fn(update, context)
        d = (context.user_data or {}).get(KUNCI)
        if isinstance(hasil, str) and isinstance(d, dict):
            d[LANGKAH] = hasil
        return hasil
    return langkah


# --- leaving -------------------------------------------------------------------------------------------------


async def on_batal(update: Update, context: PantauContext) -> int:
    """Cancel (button or /batal): nothing is stored."""
    if context.user_data is not None:
        context.user_data.pop(KUNCI, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
    await tampil(update, teks.DIBATALKAN)
    return END


async def on_tombol_basi(update: Update, context: PantauContext) -> None:
    """A button of an earlier step of this report: stay where we are."""
    await _basi(update)


async def on_teks_lain(update: Update, context: PantauContext) -> None:
    """Text where a button is expected."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(tl.TOMBOL_SAJA)


async def on_habis(update: object, context: PantauContext) -> None:
    """The report was abandoned: say so politely."""
    if context.user_data is not None:
        context.user_data.pop(KUNCI, None)
    if isinstance(update, Update) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, teks.WAKTU_HABIS)


def _cb(fn: Any, nama: str) -> CallbackQueryHandler[PantauContext, Any]:
    return CallbackQueryHandler(_catat_langkah(fn), pattern=rf"^{TB}:{nama}(:|$)")


def _pesan(filter_: Any, fn: Any) -> MessageHandler[PantauContext, Any]:
    return MessageHandler(filter_, _catat_langkah(fn))


TEKS = filters.TEXT & ~filters.COMMAND


def percakapan_tiba() -> ConversationHandler[PantauContext]:
    """The arrival report conversation (persistent: a restart halfway loses nothing)."""
    return percakapan(
        entry_points=[CommandHandler("tiba", _catat_langkah(cmd_tiba)), _cb(on_mulai, mulai.MULAI),
                      _cb(on_lanjut, LANJUT)],
        states={
            TPS: [_cb(on_tps_tombol, "tps"), _pesan(TEKS, on_tps_teks)],
            JENIS: [_cb(on_jenis, "jenis"), _pesan(TEKS, on_teks_lain)],
            ALASAN: [_pesan(TEKS, on_alasan)],
            PERIKSA: [_cb(on_ok, "ok"), _cb(on_beda, "beda"), _pesan(TEKS, on_teks_lain)],
            BARANG: [_cb(on_barang, "brg"), _cb(on_selesai, "selesai"), _pesan(TEKS, on_teks_lain)],
            MASALAH: [_cb(on_masalah, "dev"), _pesan(TEKS, on_teks_lain)],
            ANGKA: [_pesan(TEKS, on_angka), _cb(on_masalah, "dev")],
            CATATAN: [_pesan(TEKS, on_catatan), _cb(on_catatan, "lewat")],
            MODA: [_cb(on_moda, "moda"), _cb(on_moda_lain, "modalain"), _pesan(TEKS, on_teks_lain)],
            WAKTU: [_cb(on_kini, "kini"), _cb(on_tetap, "tetap"), _pesan(TEKS, on_waktu)],
            FOTO: [_pesan(filters.PHOTO, on_foto), _cb(on_tanpa_foto, "tanpafoto"), _pesan(TEKS, on_teks_foto),
                   _pesan(~filters.COMMAND, on_bukan_foto)],
            ALASAN_FOTO: [_pesan(TEKS, on_alasan_foto)],
            # a location is added from the summary; "tanpalokasi" is the skip button of an earlier version
            LOKASI: [_pesan(filters.LOCATION, on_lokasi), _cb(on_ke_ringkasan, "ringkasan"),
                     _cb(on_ke_ringkasan, "tanpalokasi"), _cb(on_tambah_lokasi, "lokasi"),
                     _pesan(~filters.COMMAND, on_bukan_lokasi)],
            KONFIRM: [_cb(on_kirim, "kirim"), _cb(on_tambah_lokasi, "lokasi"), _pesan(TEKS, on_teks_lain)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_habis)],
        },
        fallbacks=[CommandHandler("batal", on_batal), _cb(on_batal, "batal"),
                   CallbackQueryHandler(on_tombol_basi, pattern=rf"^{TB}:")],
        name="tiba", persistent=True, conversation_timeout=WAKTU_PERCAKAPAN, allow_reentry=True,
    )


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The arrival report conversation."""
    return [percakapan_tiba()]
