"""Leaders' and operators' summaries with charts: /capaian (Tabel 3.2, with 3.3/3.4 and XLSX on buttons),
/anggaran (pagu, realisasi, absorption, efficiency) and /pemutakhiran (stage status and a heat map).

Charts render in a worker thread (asyncio.to_thread) and are cached briefly per scope by reports.grafik; the XLSX
workbooks are written in an export process (reports.proses) from the report built and scoped here.
Buttons carry their whole state ("cp:v:<unit>:<tahun>:<triwulan>"), so an older keyboard still works; a forged
one, or a unit outside the user's scope, gets teks.KEDALUWARSA.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.cakupan import Cakupan as CakupanPengguna
from domain.entitas import Pengguna, Unit
from domain.errors import ParseError
from domain.periode import Periode
from handlers import kirim, teks, tombol
from handlers.ekspor import catat as catat_ekspor
from handlers.konteks import PantauContext
from handlers.lkjip import tombol_draf
from handlers.tahun import tahun_laporan_ini
from handlers.teks import laporan as tl
from handlers.teks import tahun as tt
from reports import anggaran, capaian, grafik, lkj, pemutakhiran, perbandingan, proses
from reports.pemutakhiran import LaporanPemutakhiran
from storage import laporan as data
from storage import org, tahun_laporan
from storage.cakupan import cakupan

CP, AG, PM, EK = "cp", "ag", "pm", "ek"
ORG = "-"  # the organisation's strategic indicators (no unit)
TAHUN_MIN, TAHUN_MAKS = 2000, 2100
MAKS_TOMBOL_UNIT = 12
_ROMAWI = {"I": 1, "II": 2, "III": 3, "IV": 4}
_MIRIP_TRIWULAN = re.compile(r"^(?:TRIWULAN|TRW|TW|Q)?-?[IVX]+$|^\d$|^(?:TRIWULAN|TRW|TW|Q)-?\w*$", re.ASCII)


def hari_ini(context: PantauContext) -> date:
    """Today in the configured time zone, from the bot's clock."""
    return context.layanan.now().astimezone(ZoneInfo(context.layanan.timezone)).date()


# --- parsing ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Permintaan:
    """What /capaian was asked for."""

    tahun: int | None = None
    triwulan: int = 0
    unit: str | None = None


def _tahun(teks_: str) -> int:
    if not (teks_.isascii() and teks_.isdigit()) or len(teks_) != 4:
        raise ParseError(tl.PAKAI_CAPAIAN)
    tahun = int(teks_)
    if not TAHUN_MIN <= tahun <= TAHUN_MAKS:
        raise ParseError(tl.TAHUN_DI_LUAR.format(tahun=teks_))
    return tahun


def _triwulan(teks_: str) -> int | None:
    t = teks_.upper().removeprefix("TRIWULAN").removeprefix("TRW").removeprefix("TW").removeprefix("Q").strip("-. ")
    if t in _ROMAWI:
        return _ROMAWI[t]
    if t.isascii() and t.isdigit() and len(t) == 1 and 1 <= int(t) <= 4:
        return int(t)
    return None


def baca_capaian(args: list[str]) -> Permintaan:
    """Read "/capaian [tahun] [triwulan] [kode unit]" in any order; wrong input raises ParseError with the usage."""
    if len(args) > 4:
        raise ParseError(tl.PAKAI_CAPAIAN)
    tahun: int | None = None
    tw = 0
    unit: str | None = None
    tokens = [a.strip() for a in args if a.strip()]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.upper() in ("TRIWULAN", "TW", "TRW") and i + 1 < len(tokens):
            tok = tok + tokens[i + 1]
            i += 1
        if len(tok) == 4 and tok.isascii() and tok.isdigit():
            if tahun is not None:
                raise ParseError(tl.PAKAI_CAPAIAN)
            tahun = _tahun(tok)
        elif (q := _triwulan(tok)) is not None and not tw:
            tw = q
        elif _MIRIP_TRIWULAN.match(tok.upper()):
            raise ParseError(tl.TRIWULAN_SALAH)
        elif unit is None and len(tok) <= 40 and tok.isascii() and tok[0].isalpha() \
                and tok.replace("-", "").replace(".", "").isalnum():  # unit codes start with a letter: KUL, KAB-1771
            unit = tok.upper()
        else:
            raise ParseError(tl.PAKAI_CAPAIAN)
        i += 1
    return Permintaan(tahun, tw, unit)


def baca_tahun(args: list[str], pakai: str) -> int | None:
    """An optional single year argument."""
    if not args:
        return None
    if len(args) > 1:
        raise ParseError(pakai)
    try:
        return _tahun(args[0])
    except ParseError as exc:
        raise ParseError(pakai if "jangkauan" not in exc.pesan else exc.pesan) from None


def _angka_tombol(s: str, lo: int, hi: int) -> int | None:
    return int(s) if s.isascii() and s.isdigit() and len(s) <= 4 and lo <= int(s) <= hi else None


# --- scope -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cakupan:
    """The user's scope (``domain.cakupan``) and every unit by code."""

    lingkup: CakupanPengguna
    units: dict[str, Unit]

    def boleh(self, unit: Unit | None) -> bool:
        """Whether the user may see this unit (None: the organisation's strategic indicators)."""
        return self.lingkup.iku if unit is None else self.lingkup.lihat_unit(unit.id)


async def _cakupan(conn: AsyncConnection, p: Pengguna) -> Cakupan:
    return Cakupan(await cakupan(conn, p), {u.code: u for u in await org.units(conn)})


def _unit_awal(p: Pengguna, ck: Cakupan, kode: str | None) -> Unit | str | None:
    """The unit to show: the one asked for, else the user's own (None = the organisation); a str is an error."""
    if kode is not None:
        unit = ck.units.get(kode.upper())
        if unit is None:
            return tl.UNIT_TIDAK_DIKENAL.format(kode=kode)
        if not ck.boleh(unit):
            return tl.UNIT_DI_LUAR.format(kode=unit.code, cakupan=p.unit_code or "-")
        return unit
    if ck.lingkup.iku:
        return None
    if p.unit_code is None or p.unit_code not in ck.units:
        return tl.TANPA_CAKUPAN
    return ck.units[p.unit_code]


# --- /capaian ------------------------------------------------------------------------------------------------

def _periode(tahun: int, tw: int) -> Periode | None:
    return Periode(tahun=tahun, jenis="triwulan", ke=tw) if tw else None


async def _papan_capaian(conn: AsyncConnection, p: Pengguna, ck: Cakupan, unit: Unit | None, tahun: int, tw: int,
                         today: date) -> tuple[InlineKeyboardMarkup | None, int]:
    """The /capaian keyboard and how many units did not fit on it."""
    if not TAHUN_MIN <= tahun <= TAHUN_MAKS:
        return None, 0
    kode = unit.code if unit else ORG
    ber_pk = await data.units_with_pk(conn, tahun)
    anak_dari: dict[int | None, list[Unit]] = {}
    for u in ck.units.values():
        anak_dari.setdefault(u.parent_id, []).append(u)
    if unit is None:
        # The organisations' own PKs first (several roots when a kab/kota tree is loaded beside the province),
        # then the first organisation's next level, so the Bagian are one tap away.
        akar = sorted(anak_dari.get(None, []), key=lambda u: u.id)
        calon = akar + (anak_dari.get(akar[0].id, []) if akar else [])
    else:
        calon = anak_dari.get(unit.id, [])
    calon = [u for u in calon if u.code in ber_pk and ck.boleh(u)]
    baris: list[list[tuple[str, str]]] = []
    tampil = calon[:MAKS_TOMBOL_UNIT]
    for i in range(0, len(tampil), 3):
        baris.append([(u.code, tombol.data(CP, "v", u.code, tahun, tw)) for u in tampil[i:i + 3]])
    if unit is not None:
        induk = next((u for u in ck.units.values() if u.id == unit.parent_id), None)
        if induk is not None and induk.code in ber_pk and ck.boleh(induk):
            baris.append([(tl.T_NAIK.format(label=induk.code), tombol.data(CP, "v", induk.code, tahun, tw))])
        elif ck.lingkup.iku:
            baris.append([(tl.T_NAIK.format(label=tl.T_IKU), tombol.data(CP, "v", ORG, tahun, tw))])
    nav: list[tuple[str, str]] = []
    if tw:
        sebelum = (tahun, tw - 1) if tw > 1 else (tahun - 1, 4)
        sesudah = (tahun, tw + 1) if tw < 4 else (tahun + 1, 1)
        nav.append((tl.T_SEBELUM.format(label=f"TW {_label_tw(sebelum[1])} {sebelum[0]}"),
                    tombol.data(CP, "v", kode, *sebelum)))
        nav.append((f"Tahun {tahun}", tombol.data(CP, "v", kode, tahun, 0)))
        if sesudah[0] <= TAHUN_MAKS and Periode(tahun=sesudah[0], jenis="triwulan", ke=sesudah[1]).mulai <= today:
            nav.append((tl.T_SESUDAH.format(label=f"TW {_label_tw(sesudah[1])} {sesudah[0]}"),
                        tombol.data(CP, "v", kode, *sesudah)))
    else:
        if tahun > TAHUN_MIN:
            nav.append((tl.T_SEBELUM.format(label=str(tahun - 1)), tombol.data(CP, "v", kode, tahun - 1, 0)))
        if tahun < today.year:
            nav.append((tl.T_SESUDAH.format(label=str(tahun + 1)), tombol.data(CP, "v", kode, tahun + 1, 0)))
    baris.append(nav)
    baris.append([(tl.T_TAHUN_LALU, tombol.data(CP, "t", kode, tahun)),
                  (tl.T_RENSTRA, tombol.data(CP, "r", kode, tahun))])
    unduh = [(tl.T_XLSX, tombol.data(CP, "x", kode, tahun, tw))]
    if p.role == "admin":
        unduh += [(tl.T_LKJ, tombol.data(EK, "l", tahun)), tombol_draf(tahun)]
    baris.append(unduh)
    return tombol.papan(*[b for b in baris if b]), max(0, len(calon) - MAKS_TOMBOL_UNIT)


def _label_tw(ke: int) -> str:
    return ("I", "II", "III", "IV")[ke - 1]


async def _kirim_capaian(msg: Message, context: PantauContext, unit: Unit | None, ck: Cakupan, tahun: int | None,
                         tw: int) -> None:
    p = context.aktif
    today = hari_ini(context)
    async with context.layanan.engine.connect() as conn:
        lap = await capaian.build(conn, tahun, unit.code if unit else None,
                                  sampai=_periode(tahun, tw) if tahun and tw else None, today=today)
        papan, lebih = await _papan_capaian(conn, p, ck, unit, lap.tahun, tw, today)
    if lap.indikator:
        png = await asyncio.to_thread(grafik.capaian, lap, lingkup=unit.code if unit else ORG)
        await msg.reply_photo(png, caption=tl.keterangan_capaian(lap))
    catatan = "\n\n" + tl.UNIT_LAIN.format(n=lebih, tahun=lap.tahun) if lebih else ""
    await kirim.balas(msg, tl.capaian_pas(lap) + catatan, reply_markup=papan)


async def cmd_capaian(update: Update, context: PantauContext) -> None:
    """Capaian of the organisation (leaders of the Sekretariat, admins) or of a unit in the user's scope."""
    msg = update.effective_message
    assert msg is not None
    try:
        minta = baca_capaian(context.args or [])
    except ParseError as exc:
        await msg.reply_text(exc.pesan)
        return
    async with context.layanan.engine.connect() as conn:
        ck = await _cakupan(conn, context.aktif)
    unit = _unit_awal(context.aktif, ck, minta.unit)
    if isinstance(unit, str):
        await msg.reply_text(unit)
        return
    tahun = minta.tahun or await tahun_laporan_ini(msg, context, "capaian", tt.JUDUL_CAPAIAN,
                                                   tahun_laporan.tahun_kinerja)
    if tahun is None:
        return
    await _kirim_capaian(msg, context, unit, ck, tahun, minta.triwulan)


async def _tombol_capaian(update: Update, context: PantauContext) -> tuple[str, Unit | None, Cakupan, int, int] | None:
    """A cp button's action, unit, scope, year and quarter; None (answered as stale) when forged or out of scope."""
    query = update.callback_query
    assert query is not None
    jenis = (query.data or "").split(":")[1:2]
    n = 4 if jenis in (["v"], ["x"]) else 3
    a = tombol.args(query.data, n) if jenis in (["v"], ["x"], ["t"], ["r"]) else None
    async with context.layanan.engine.connect() as conn:
        ck = await _cakupan(conn, context.aktif)
    unit = ck.units.get(a[1]) if a else None
    tahun = _angka_tombol(a[2], TAHUN_MIN, TAHUN_MAKS) if a else None
    tw = _angka_tombol(a[3], 0, 4) if a and n == 4 else 0
    if a is None or tahun is None or tw is None or (a[1] != ORG and unit is None) or not ck.boleh(unit):
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return None
    return a[0], unit, ck, tahun, tw


async def on_capaian(update: Update, context: PantauContext) -> None:
    """A /capaian button: another unit or period, Tabel 3.3, Tabel 3.4, or the XLSX."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    hasil = await _tombol_capaian(update, context)
    if hasil is None:
        return
    aksi, unit, ck, tahun, tw = hasil
    kode = unit.code if unit else None
    if aksi == "v":
        await query.answer()
        await _kirim_capaian(query.message, context, unit, ck, tahun, tw)
    elif aksi == "x":
        await query.answer(tl.MENYIAPKAN)
        await _kirim_xlsx_capaian(query.message, context, kode, tahun, tw)
    else:
        await query.answer()
        async with context.layanan.engine.connect() as conn:
            if aksi == "t":
                teks_ = tl.banding(await perbandingan.banding_tahun(conn, tahun, kode, today=hari_ini(context)))
            else:
                teks_ = tl.renstra(await perbandingan.banding_renstra(conn, tahun, kode, today=hari_ini(context)))
        await kirim.balas(query.message, teks_)


async def _kirim_xlsx_capaian(msg: Message, context: PantauContext, kode: str | None, tahun: int, tw: int) -> None:
    today = hari_ini(context)
    async with context.layanan.engine.connect() as conn:
        lap = await capaian.build(conn, tahun, kode, sampai=_periode(tahun, tw), today=today)
        band = await perbandingan.banding_tahun(conn, tahun, kode, today=today)
        ren = await perbandingan.banding_renstra(conn, tahun, kode, today=today)
    # Written in an export process: the workbook's CPU never delays the bot's replies.
    isi, n = await proses.xlsx(lkj.tulis_capaian_xlsx, lap, band, ren, tz=context.layanan.timezone,
                               judul=f"Capaian {kode or 'IKU'} {tahun}")
    nama = f"pantau-capaian-{(kode or 'iku').lower()}-{tahun}{f'-tw{tw}' if tw else ''}.xlsx"
    await msg.reply_document(isi, filename=nama, caption=tl.BERKAS_CAPAIAN.format(judul=tl.judul_capaian(lap)))
    await catat_ekspor(context, "laporan-capaian", "xlsx", n, {"tahun": tahun, "triwulan": tw, "unit": kode})


# --- /anggaran -----------------------------------------------------------------------------------------------

async def _kirim_anggaran(msg: Message, context: PantauContext, tahun: int | None) -> None:
    async with context.layanan.engine.connect() as conn:
        lap = await anggaran.build(conn, tahun, (await cakupan(conn, context.aktif)).organisasi_ids)
        cp = await capaian.build(conn, lap.tahun, today=hari_ini(context)) if lap.tahun and lap.program else None
    ef = lkj.efisiensi(cp.capaian_persen if cp else None, lap.penyerapan_persen)
    baris: list[list[tuple[str, str]]] = []
    if TAHUN_MIN < lap.tahun <= TAHUN_MAKS:
        nav = [(tl.T_SEBELUM.format(label=str(lap.tahun - 1)), tombol.data(AG, "v", lap.tahun - 1))]
        if lap.tahun < context.layanan.now().year:
            nav.append((tl.T_SESUDAH.format(label=str(lap.tahun + 1)), tombol.data(AG, "v", lap.tahun + 1)))
        baris = [nav, [(tl.T_XLSX, tombol.data(AG, "x", lap.tahun))]] if lap.program else [nav]
    if lap.program:
        png = await asyncio.to_thread(grafik.anggaran, lap, ef.capaian_persen, ef.rasio)
        await msg.reply_photo(png, caption=tl.keterangan_anggaran(lap, ef))
    await kirim.balas(msg, tl.anggaran(lap, ef), reply_markup=tombol.papan(*baris) if baris else None)


async def cmd_anggaran(update: Update, context: PantauContext) -> None:
    """Budget: pagu against realisasi per program and activity, absorption, efficiency, a chart."""
    msg = update.effective_message
    assert msg is not None
    try:
        tahun = baca_tahun(context.args or [], tl.PAKAI_ANGGARAN)
    except ParseError as exc:
        await msg.reply_text(exc.pesan)
        return
    tahun = tahun or await tahun_laporan_ini(msg, context, "anggaran", tt.JUDUL_ANGGARAN,
                                             tahun_laporan.tahun_mata_anggaran)
    if tahun is None:
        return
    await _kirim_anggaran(msg, context, tahun)


async def on_anggaran(update: Update, context: PantauContext) -> None:
    """An /anggaran button: another year, or the XLSX (Tabel 2.3 and 2.4)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    a = tombol.args(query.data, 2)
    tahun = _angka_tombol(a[1], TAHUN_MIN, TAHUN_MAKS) if a and a[0] in ("v", "x") else None
    if a is None or tahun is None:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return
    if a[0] == "v":
        await query.answer()
        await _kirim_anggaran(query.message, context, tahun)
        return
    await query.answer(tl.MENYIAPKAN)
    async with context.layanan.engine.connect() as conn:
        lap = await anggaran.build(conn, tahun, (await cakupan(conn, context.aktif)).organisasi_ids)
    isi, n = await proses.xlsx(lkj.laporan_xlsx, lap, tz=context.layanan.timezone)
    await query.message.reply_document(isi, filename=f"pantau-anggaran-{tahun}.xlsx",
                                       caption=tl.BERKAS_ANGGARAN.format(tahun=tahun))
    await catat_ekspor(context, "laporan-anggaran", "xlsx", n, {"tahun": tahun})


# --- /pemutakhiran -------------------------------------------------------------------------------------------

async def _pemutakhiran(conn: AsyncConnection, p: Pengguna, tahun: int | None,
                        today: date) -> tuple[LaporanPemutakhiran, dict[str, str], str]:
    lap = await pemutakhiran.build(conn, tahun, today=today)
    kab = await org.units(conn, "kabkota")
    ids = (await cakupan(conn, p)).kabkota_ids
    lingkup = "semua"
    if ids is not None:
        kode = {u.code for u in kab if u.id in ids}
        lap, lingkup = pemutakhiran.saring_kabkota(lap, kode), ",".join(sorted(kode))
    return lap, {u.code: u.name for u in kab}, lingkup


async def cmd_pemutakhiran(update: Update, context: PantauContext) -> None:
    """Voter-list stage status per kab/kota in the user's scope: a compact table and a heat map."""
    msg = update.effective_message
    assert msg is not None
    try:
        tahun = baca_tahun(context.args or [], tl.PAKAI_PEMUTAKHIRAN)
    except ParseError as exc:
        await msg.reply_text(exc.pesan)
        return
    tahun = tahun or await tahun_laporan_ini(msg, context, "pemutakhiran", tt.JUDUL_PEMUTAKHIRAN,
                                             tahun_laporan.tahun_tahapan)
    if tahun is None:
        return
    async with context.layanan.engine.connect() as conn:
        lap, nama, lingkup = await _pemutakhiran(conn, context.aktif, tahun, hari_ini(context))
    papan = None
    if lap.tahapan:
        png = await asyncio.to_thread(grafik.pemutakhiran, lap, nama, lingkup=lingkup)
        await msg.reply_photo(png, caption=tl.keterangan_pemutakhiran(lap))
        papan = tombol.papan([(tl.T_XLSX, tombol.data(PM, "x", lap.tahun))])
    teks_, mode = tl.pemutakhiran(lap, nama)
    await kirim.balas(msg, teks_, reply_markup=papan, parse_mode=mode)


async def on_pemutakhiran(update: Update, context: PantauContext) -> None:
    """A /pemutakhiran button: the status grid as XLSX."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    a = tombol.args(query.data, 2)
    tahun = _angka_tombol(a[1], TAHUN_MIN, TAHUN_MAKS) if a and a[0] == "x" else None
    if tahun is None:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return
    await query.answer(tl.MENYIAPKAN)
    async with context.layanan.engine.connect() as conn:
        lap, nama, lingkup = await _pemutakhiran(conn, context.aktif, tahun, hari_ini(context))
    isi, n = await proses.xlsx(lkj.laporan_xlsx, lap, tz=context.layanan.timezone, nama_kabkota=nama)
    await query.message.reply_document(isi, filename=f"pantau-pemutakhiran-{tahun}.xlsx",
                                       caption=tl.BERKAS_PEMUTAKHIRAN.format(tahun=tahun))
    await catat_ekspor(context, "laporan-pemutakhiran", "xlsx", n, {"tahun": tahun, "kabkota": lingkup})


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The summary commands and their buttons."""
    return [
        CommandHandler("capaian", cmd_capaian),
        CommandHandler("anggaran", cmd_anggaran),
        CommandHandler("pemutakhiran", cmd_pemutakhiran),
        CallbackQueryHandler(on_capaian, pattern=rf"^{CP}:"),
        CallbackQueryHandler(on_anggaran, pattern=rf"^{AG}:"),
        CallbackQueryHandler(on_pemutakhiran, pattern=rf"^{PM}:"),
    ]
