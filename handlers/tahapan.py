"""/tahapan: an operator of a KPU kab/kota (or of the province, for any kab/kota and for the province itself)
marks a voter-list stage done.

Steps: [unit, for province staff: the province (its own stages, those of KPU/KPU Provinsi) or a kab/kota] →
stage (those already started; or a reminder's button, which picks the stage of its unit) → date (not in the
future) → note (optional). A stage already marked is refused; "Koreksi" changes its date as a new version with a
reason. On time = done by the stage's end date; indicator 4 (stages × KPU kab/kota) is recomputed from these and
shown after saving; the province's own stages close its reminders and are not part of indicator 4.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.angka import format_percent
from domain.entitas import Tahapan, Unit
from domain.errors import ParseError
from domain.kinerja import DitolakError, periksa_alasan, periksa_tanggal_selesai, teks_bebas
from domain.pemutakhiran import ditandai_oleh, status_tahapan
from domain.tanggal import format_date, parse_date
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
    tolak,
    tolak_tombol,
)
from handlers.tahun import pilihan_tahun, tahun_diketik
from handlers.teks import kinerja as tk
from reports import capaian
from storage import pemutakhiran, tahun_laporan

TH = "th"
KAB, TAHAP, ALASAN, TANGGAL, CATATAN = "th_kab", "th_tahap", "th_alasan", "th_tanggal", "th_catatan"


async def _tahun(context: PantauContext) -> int:
    """The year typed (`/tahapan 2024`), else this year's schedule, else last year's until it is closed, else the
    latest year with a schedule."""
    diketik = tahun_diketik(context)
    if diketik:
        return diketik
    async with context.layanan.engine.connect() as conn:
        for tahun in await tahun_laporan.tahun_terbuka(conn, hari_ini(context).year):
            if await pemutakhiran.stages(conn, tahun):
                return tahun
        return await pemutakhiran.latest_year(conn) or hari_ini(context).year


async def cmd_tahapan(update: Update, context: PantauContext) -> object:
    """Start: the unit (province staff choose the province or a kab/kota) and its stages."""
    msg, p = update.effective_message, context.aktif
    assert msg is not None
    bersihkan(context)
    async with context.layanan.engine.connect() as conn:
        units = await pemutakhiran.units_for(conn, p)
    if not units:
        await msg.reply_text(tk.TH_TANPA_CAKUPAN)
        return SELESAI
    draf(context, TH)["tahun"] = await _tahun(context)
    if len(units) == 1 and units[0].id == p.unit_id:
        return await _daftar_tahapan(update, context, units[0])
    prov = [[(tk.TH_TOMBOL_PROVINSI.format(nama=u.name), tombol.data(TH, "k", u.id))]
            for u in units if u.kind != "kabkota"]
    labels = [(u.name.removeprefix("KPU "), tombol.data(TH, "k", u.id)) for u in units if u.kind == "kabkota"]
    rows = [*prov, *(labels[i:i + 2] for i in range(0, len(labels), 2))]
    await msg.reply_text(tk.TH_PILIH_UNIT if prov else tk.TH_PILIH_KAB, reply_markup=tombol.papan(*rows))
    return KAB


async def on_kab(update: Update, context: PantauContext) -> object:
    """A unit button (province staff): the province or a kab/kota."""
    query = update.callback_query
    assert query is not None
    a = tombol.args(query.data, 2)
    async with context.layanan.engine.connect() as conn:
        kab = {u.id: u for u in await pemutakhiran.units_for(conn, context.aktif)}
    if a is None or a[0] != "k" or not a[1].isdigit() or int(a[1]) not in kab:
        await tolak_tombol(query, tk.TH_BUKAN_CAKUPAN)
        return KAB
    await pilih(query, kab[int(a[1])].name)
    return await _daftar_tahapan(update, context, kab[int(a[1])])


def _simbol(s: Tahapan, done: date | None, today: date) -> str:
    return tk.TH_SIMBOL[status_tahapan(s.mulai, s.selesai, done, today)]


async def _daftar_tahapan(update: Update, context: PantauContext, unit: Unit) -> object:
    d, today = draf(context, TH), hari_ini(context)
    async with context.layanan.engine.connect() as conn:
        # the province lists only its own stages; a kab/kota every stage
        stages = [s for s in await pemutakhiran.stages(conn, d["tahun"]) if ditandai_oleh(s.pelaksana, unit.kind)]
        done = await pemutakhiran.unit_completions(conn, d["tahun"], unit.id)
    d.update(unit=unit.id, unit_nama=unit.name, unit_jenis=unit.kind)
    lines = [tk.TH_JUDUL.format(unit=unit.name, tahun=d["tahun"]), tk.TH_KETERANGAN]
    if unit.kind != "kabkota":
        lines.append(tk.TH_HANYA_PROVINSI)
    for s in stages:
        c = done.get(s.id)
        lines.append(tk.TH_BARIS.format(
            simbol=_simbol(s, c.selesai_pada if c else None, today), no=s.no, nama=s.nama,
            mulai=format_date(s.mulai), selesai=format_date(s.selesai),
            tanda=tk.TH_SELESAI_PADA.format(tanggal=format_date(c.selesai_pada)) if c else ""))
    started = [s for s in stages if s.mulai <= today]
    labels = [(f"{s.no} {_simbol(s, done[s.id].selesai_pada if s.id in done else None, today)}",
               tombol.data(TH, "s", s.id)) for s in started]
    if not stages:
        async with context.layanan.engine.connect() as conn:
            ada = await tahun_laporan.tahun_tahapan(conn)
        await jawab(update, context, tk.TH_TANPA_TAHAPAN.format(tahun=d["tahun"]) + "\n\n"
                    + pilihan_tahun("tahapan", ada, d["tahun"]))
        return SELESAI
    lines.append(tk.TH_PILIH if started else tk.TH_BELUM_ADA_MULAI)
    if not started:  # early in a year no stage has begun yet: nothing to mark, no (empty) keyboard
        await jawab(update, context, "\n".join(lines))
        return SELESAI
    rows = [labels[i:i + 5] for i in range(0, len(labels), 5)]
    if update.callback_query is None and update.effective_message is not None:
        await kirim.balas(update.effective_message, "\n".join(lines), reply_markup=tombol.papan(*rows))
    else:
        await jawab(update, context, "\n".join(lines), tombol.papan(*rows))
    return TAHAP


async def on_tahap(update: Update, context: PantauContext) -> object:
    """A stage button: refused when already marked (with a Koreksi button), else ask the date."""
    query, d = update.callback_query, draf(context, TH)
    assert query is not None
    a = tombol.args(query.data, 2)
    async with context.layanan.engine.connect() as conn:
        units = {u.id: u for u in await pemutakhiran.units_for(conn, context.aktif)}
    if a is None or a[0] != "s" or not a[1].isdigit() or d.get("unit") not in units:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return TAHAP
    return await _tahap(update, context, int(a[1]), units[d["unit"]], d["tahun"])


async def on_mulai(update: Update, context: PantauContext) -> object:
    """A reminder's "Tandai tahapan selesai" button (th:mulai:<stage>:<unit>): that stage, as in /tahapan."""
    query = update.callback_query
    assert query is not None
    if await sudah_dimulai(update, context, TH):
        return None
    a = tombol.args(query.data, 3)
    if a is None or a[0] != "mulai" or not all(x.isascii() and x.isdigit() and len(x) <= 9 for x in a[1:]):
        await tolak_tombol(query, teks.KEDALUWARSA)
        return None
    async with context.layanan.engine.connect() as conn:
        units = {u.id: u for u in await pemutakhiran.units_for(conn, context.aktif)}
    if int(a[2]) not in units:
        await tolak_tombol(query, tk.TH_BUKAN_CAKUPAN)
        return None
    return await _tahap(update, context, int(a[1]), units[int(a[2])], None)


async def _tahap(update: Update, context: PantauContext, stage_id: int, unit: Unit, tahun: int | None) -> object:
    """A stage of a unit picked (``tahun`` None: from a reminder, the stage's own year)."""
    query, today = update.callback_query, hari_ini(context)
    assert query is not None
    async with context.layanan.engine.connect() as conn:
        s = await pemutakhiran.stage(conn, stage_id)
        done = (await pemutakhiran.unit_completions(conn, s.tahun, unit.id)).get(s.id) if s else None
    # Refused: the step stays where it was (None), and a reminder's button starts nothing.
    if s is None or s.tahun != (tahun or s.tahun):
        await tolak_tombol(query, teks.KEDALUWARSA)
        return None
    if not ditandai_oleh(s.pelaksana, unit.kind):  # a kab/kota's stage offered to the province (a forged button)
        await tolak_tombol(query, tk.TH_BUKAN_TAHAPAN_UNIT.format(no=s.no, pelaksana=s.pelaksana))
        return None
    if s.mulai > today:
        await tolak_tombol(query, tk.TH_BELUM_MULAI.format(no=s.no, mulai=format_date(s.mulai)))
        return None
    await pilih(query, tk.TH_TAHAP.format(no=s.no))
    d = draf_terpilih(update, context, TH)
    d.update(tahun=s.tahun, unit=unit.id, unit_nama=unit.name, unit_jenis=unit.kind, tahap=s.id, no=s.no,
             nama=s.nama, mulai=s.mulai.isoformat(), batas=s.selesai.isoformat(), kode=str(s.no))
    d.pop("koreksi", None)
    return await _tanya_tahap(update, context, d, done)


async def _tanya_tahap(update: Update, context: PantauContext, d: dict[str, Any], done: Any) -> object:
    """A stage picked: its date asked, or, when it was marked before, Koreksi offered."""
    if done is not None:
        await jawab(update, context, tk.TH_SUDAH.format(no=d["no"], nama=d["nama"], unit=d["unit_nama"],
                                                        tanggal=format_date(done.selesai_pada), versi=done.versi),
                    tombol.papan([(tk.TH_KOREKSI, tombol.data(TH, "kor")), (tk.BATAL, tombol.data(TH, "batal"))]))
        return TAHAP
    return await _minta_tanggal(update, context)


async def _minta_tanggal(update: Update, context: PantauContext) -> object:
    d = draf(context, TH)
    await jawab(update, context, tk.TH_MINTA_TANGGAL.format(no=d["no"], nama=d["nama"],
                                                            batas=format_date(date.fromisoformat(d["batas"]))),
                tombol.papan([(tk.TH_HARI_INI, tombol.data(TH, "hari"))]))
    return TANGGAL


async def on_koreksi(update: Update, context: PantauContext) -> object:
    """Koreksi on a stage already marked: ask the reason first."""
    query, d = update.callback_query, draf(context, TH)
    assert query is not None
    if "tahap" not in d:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return TAHAP
    await pilih(query, tk.TH_KOREKSI)
    d["koreksi"] = True
    await jawab(update, context, tk.TH_MINTA_ALASAN)
    return ALASAN


async def on_alasan(update: Update, context: PantauContext) -> object:
    """The correction's reason."""
    msg = update.effective_message
    assert msg is not None
    try:
        draf(context, TH)["alasan"] = periksa_alasan(msg.text or "")
    except ParseError as exc:
        await msg.reply_text(f"{exc.pesan} {tk.COBA_LAGI}")
        return ALASAN
    return await _minta_tanggal(update, context)


async def on_tanggal(update: Update, context: PantauContext) -> object:
    """The completion date, typed or "Hari ini"; not in the future nor before the stage began."""
    d, today = draf(context, TH), hari_ini(context)
    if "tahap" not in d:
        await tolak(update, teks.KEDALUWARSA)
        return SELESAI
    try:
        if update.callback_query is not None:
            tanggal = today
        else:
            assert update.effective_message is not None
            tanggal = parse_date(update.effective_message.text or "")
        periksa_tanggal_selesai(tanggal, date.fromisoformat(d["mulai"]), today)
    except ParseError as exc:
        await tolak(update, f"{exc.pesan} {tk.COBA_LAGI}")
        return TANGGAL
    if update.callback_query is not None:
        await pilih(update.callback_query, format_date(tanggal))
    d["tanggal"] = tanggal.isoformat()
    await jawab(update, context, tk.TH_MINTA_CATATAN, tombol.papan([(tk.LEWATI, tombol.data(TH, "lewati"))]))
    return CATATAN


async def on_catatan(update: Update, context: PantauContext) -> object:
    """An optional note, then save."""
    d = draf(context, TH)
    catatan = None
    if update.callback_query is not None:
        await pilih(update.callback_query, tk.LEWATI)
    else:
        assert update.effective_message is not None
        try:
            catatan = teks_bebas(update.effective_message.text or "", nama="Catatan")
        except ParseError as exc:
            await update.effective_message.reply_text(exc.pesan)
            return CATATAN
    if "tanggal" not in d:
        await tolak(update, teks.KEDALUWARSA)
        return SELESAI
    return await _simpan(update, context, catatan)


async def _simpan(update: Update, context: PantauContext, catatan: str | None) -> object:
    """Save the draft once (the same update handled again shows the same receipt)."""
    svc, p, d, today = context.layanan, context.aktif, draf(context, TH), hari_ini(context)
    tanggal = date.fromisoformat(d["tanggal"])
    try:
        async with svc.engine.begin() as conn:
            allowed = [u.id for u in await pemutakhiran.units_for(conn, p)]
            await pemutakhiran.mark_done(conn, stage_id=d["tahap"], unit_id=d["unit"], selesai_pada=tanggal,
                                         catatan=catatan, alasan=d.get("alasan"), author=p, allowed_unit_ids=allowed,
                                         today=today, now=svc.now(), draf=d.get(pelaporan.ID_DRAF))
            ik4 = (await capaian.automatic_values(conn, d["tahun"], today)).get("pemutakhiran")
    except (DitolakError, ParseError) as exc:
        bersihkan(context)
        await jawab(update, context, f"{exc}\n{tk.MULAI_LAGI.format(perintah='/tahapan')}")
        return SELESAI
    bersihkan(context)
    batas = date.fromisoformat(d["batas"])
    hasil = tk.TH_TEPAT if tanggal <= batas else tk.TH_TERLAMBAT.format(batas=format_date(batas))
    text = tk.TH_TERSIMPAN.format(no=d["no"], nama=d["nama"], unit=d["unit_nama"], tanggal=format_date(tanggal),
                                  hasil=hasil)
    if d.get("unit_jenis", "kabkota") != "kabkota":
        text += "\n" + tk.TH_IK4_PROVINSI
    elif ik4:
        text += "\n" + tk.TH_IK4.format(nilai=format_percent(Decimal(ik4[0])), rincian=ik4[1])
    await pelaporan.tanda_terima(update, context, f"th:{d.get(pelaporan.ID_DRAF)}", text)
    return SELESAI


# --- resuming after Telegram was busy --------------------------------------------------------------------


async def _tanya(update: Update, context: PantauContext, d: dict[str, Any], langkah: str) -> object:
    """Ask again the question of the step the user last saw; an answer already in the draft is not asked again."""
    async with context.layanan.engine.connect() as conn:
        units = {u.id: u for u in await pemutakhiran.units_for(conn, context.aktif)}
        done = (await pemutakhiran.unit_completions(conn, d["tahun"], d["unit"])).get(d.get("tahap", 0)) \
            if d.get("unit") in units and "tahun" in d else None
    if d.get("unit") not in units:
        return await cmd_tahapan(update, context)
    if "tahap" not in d:
        return await _daftar_tahapan(update, context, units[d["unit"]])
    if "tanggal" in d:
        await jawab(update, context, tk.TH_MINTA_CATATAN, tombol.papan([(tk.LEWATI, tombol.data(TH, "lewati"))]))
        return CATATAN
    if d.get("koreksi") and "alasan" not in d:
        await jawab(update, context, tk.TH_MINTA_ALASAN)
        return ALASAN
    if d.get("koreksi"):
        return await _minta_tanggal(update, context)
    return await _tanya_tahap(update, context, d, done)


SAMBUNG = pelaporan.Sambungan(kunci=TH, perintah="/tahapan", laporan="laporan tahapan", mulai=cmd_tahapan,
                              tanya=_tanya)


def masuk() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Entry points of the flow."""
    return [*pelaporan.catat_langkah(TH, [CommandHandler("tahapan", cmd_tahapan),
                                          CallbackQueryHandler(on_mulai, pattern=r"^th:mulai:")]),
            pelaporan.sambungan(SAMBUNG)]


def langkah() -> dict[object, list[BaseHandler[Any, PantauContext, Any]]]:
    """The flow's steps."""
    from handlers.pelaporan import on_batal

    teks_saja = filters.TEXT & ~filters.COMMAND
    langkah_: dict[object, list[BaseHandler[Any, PantauContext, Any]]] = {
        KAB: [CallbackQueryHandler(on_kab, pattern=r"^th:k:")],
        TAHAP: [CallbackQueryHandler(on_tahap, pattern=r"^th:s:"),
                CallbackQueryHandler(on_koreksi, pattern=r"^th:kor$"),
                CallbackQueryHandler(on_batal, pattern=r"^th:batal$")],
        ALASAN: [MessageHandler(teks_saja, on_alasan)],
        TANGGAL: [CallbackQueryHandler(on_tanggal, pattern=r"^th:hari$"), MessageHandler(teks_saja, on_tanggal)],
        CATATAN: [CallbackQueryHandler(on_catatan, pattern=r"^th:lewati$"), MessageHandler(teks_saja, on_catatan)],
    }
    return {k: pelaporan.catat_langkah(TH, v) for k, v in langkah_.items()}


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Nothing of its own: the flow is part of the reporting conversation (handlers.pelaporan)."""
    return []
