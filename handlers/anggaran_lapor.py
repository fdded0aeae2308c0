"""/anggaran_lapor: an operator reports the cumulative Rupiah spent on one of the unit's budget outputs.

Steps: output line (buttons with pagu and absorption) → month (open months of the year, or typed) → cumulative
amount ("Rp 1.500.000", "1,5 juta"). Above the pagu is refused with the reason; below an earlier month's amount
is refused unless the operator marks it as a correction and gives a reason; re-reporting a month is a correction.
Then a summary with the absorption it would give: Kirim saves (once, however often it is tapped), Ubah asks the
amount again, Batal saves nothing.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.anggaran import penyerapan
from domain.angka import format_percent, format_rupiah, parse_rupiah
from domain.errors import ParseError
from domain.kinerja import (
    DitolakError,
    periksa_alasan,
    periksa_belanja,
    periksa_periode,
    periode_bawaan,
    periode_terbuka,
)
from domain.periode import parse_periode
from handlers import kirim, pelaporan, teks, tombol
from handlers.konteks import PantauContext
from handlers.pelaporan import (
    SELESAI,
    bersihkan,
    draf,
    hari_ini,
    jawab,
    pilih,
    tolak,
    tolak_tombol,
)
from handlers.tahun import pilihan_tahun, tahun_diketik, tahun_terbuka
from handlers.teks import kinerja as tk
from handlers.teks import tahun as tt
from reports.teks import BULAN_PENDEK
from storage import anggaran, kinerja, tahun_laporan

AL = "al"
MATA, PER, JUMLAH, ALASAN, KONFIRMASI = "al_mata", "al_per", "al_jumlah", "al_alasan", "al_konfirmasi"
SIAP = "ringkas"  # draft key: the amount (and a correction's reason) accepted, the summary shown


def _serapan(jumlah: int | None, pagu: int) -> str:
    return format_percent(penyerapan(jumlah, pagu)) if jumlah is not None else "–"


async def cmd_anggaran_lapor(update: Update, context: PantauContext) -> object:
    """List the unit's budget outputs with pagu, spending and absorption."""
    msg, p = update.effective_message, context.aktif
    assert msg is not None
    bersihkan(context)
    diketik = tahun_diketik(context)  # "/anggaran_lapor 2024" in January: December of last year
    if p.unit_id is None:
        await msg.reply_text(tk.TANPA_UNIT)
        return SELESAI
    calon = [diketik] if diketik else await tahun_terbuka(context)
    async with context.layanan.engine.connect() as conn:
        scope = await kinerja.reporting_scope(conn, p.unit_id)
        for tahun in calon:  # this year's outputs; last year's (not closed) only when this year has none
            lines = await anggaran.output_lines(conn, tahun, scope)
            if lines:
                break
        ada = await tahun_laporan.tahun_anggaran_output(conn, scope)
        # Until last year is closed its outputs are offered too (December's spending is reported in January).
        lalu = (await anggaran.output_lines(conn, calon[1], scope)
                if diketik is None and len(calon) > 1 and lines and tahun == calon[0] else [])
    if not lines:
        await msg.reply_text(tk.AL_TANPA_MATA.format(unit=p.unit_code, tahun=calon[0]) + "\n\n"
                             + pilihan_tahun("anggaran_lapor", ada, calon[0]))
        return SELESAI
    out = [tk.AL_JUDUL.format(unit=p.unit_code, tahun=tahun)]
    out += [tk.AL_BARIS.format(kode=m.kode, nama=m.nama, pagu=format_rupiah(m.pagu),
                               realisasi=format_rupiah(m.realisasi) if m.realisasi is not None else "–",
                               serapan=_serapan(m.realisasi, m.pagu)) for m in lines]
    rows = [[(tk.AL_TOMBOL.format(kode=m.kode, serapan=_serapan(m.realisasi, m.pagu)), tombol.data(AL, "m", m.id))]
            for m in lines]
    if lalu:
        out.append(tt.TAHUN_LALU.format(tahun=calon[1]))
        rows += [[(f"{calon[1]} · " + tk.AL_TOMBOL.format(kode=m.kode, serapan=_serapan(m.realisasi, m.pagu)),
                   tombol.data(AL, "m", m.id))] for m in lalu]
    draf(context, AL)["tahun"] = tahun
    await kirim.balas(msg, "\n\n".join([*out, tk.AL_PILIH]), reply_markup=tombol.papan(*rows))
    return MATA


async def on_mata(update: Update, context: PantauContext) -> object:
    """An output line button."""
    query, p, d = update.callback_query, context.aktif, draf(context, AL)
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != "m" or not a[1].isdigit() or p.unit_id is None:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return MATA
    async with context.layanan.engine.connect() as conn:
        m = await anggaran.line(conn, int(a[1]))
        scope = await kinerja.reporting_scope(conn, p.unit_id)
        versions = await anggaran.spending(conn, int(a[1])) if m else []
        closed = await kinerja.closed_periods(conn)
    if m is None or m.tingkat != "output" or m.unit_id not in scope:
        await tolak_tombol(query, tk.AL_BUKAN_UNIT)
        return MATA
    await pilih(query, m.kode)
    d.update(mata=m.id, kode=m.kode, nama=m.nama, pagu=m.pagu, tahun=m.tahun)
    return await _tanya_periode(update, context, m, versions, closed)


async def _tanya_periode(update: Update, context: PantauContext, m: Any, versions: list[Any],
                         closed: Any) -> object:
    """Ask the month of an output line's spending (its open months as buttons, its history above)."""
    today = hari_ini(context)
    bawaan = periode_bawaan("bulan", m.tahun, today)
    terbuka = periode_terbuka("bulan", m.tahun, today, closed)
    labels = [(BULAN_PENDEK[x.ke - 1] + (tk.BERJALAN if x.contains(today) else ""), tombol.data(AL, "p", x.kode))
              for x in terbuka]
    rows = [labels[i:i + 4] for i in range(0, len(labels), 4)]
    hist = [tk.AL_RIWAYAT_BARIS.format(periode=parse_periode(v.periode).label, versi=v.versi,
                                       jumlah=format_rupiah(v.jumlah), catatan=f" — {v.catatan}" if v.catatan else "")
            for v in versions]
    text = "\n\n".join([tk.AL_MATA.format(kode=m.kode, nama=m.nama, pagu=format_rupiah(m.pagu)),
                        "\n".join([tk.RIWAYAT_JUDUL, *hist]) if hist else tk.RIWAYAT_KOSONG,
                        tk.AL_PILIH_PERIODE.format(bawaan=bawaan.label) if terbuka else tk.RL_TANPA_PERIODE])
    await jawab(update, context, text, tombol.papan(*rows) if rows else None)
    return PER


async def on_periode(update: Update, context: PantauContext) -> object:
    """A month button or a typed month."""
    d, today = draf(context, AL), hari_ini(context)
    if update.callback_query is not None:
        a = tombol.args(update.callback_query.data, 2)
        kode = a[1] if a is not None and a[0] == "p" else ""
    else:
        assert update.effective_message is not None
        kode = update.effective_message.text or ""
    if "mata" not in d:
        await tolak(update, teks.KEDALUWARSA)
        return SELESAI
    async with context.layanan.engine.connect() as conn:
        try:
            p = parse_periode(kode)
            periksa_periode(p, "bulan", d["tahun"], today, await kinerja.closed_periods(conn))
        except ParseError as exc:
            await tolak(update, f"{exc.pesan} {tk.COBA_LAGI}")
            return PER
        versions = await anggaran.spending(conn, d["mata"])
    if update.callback_query is not None:
        await pilih(update.callback_query, p.label)
    d.update(periode=p.kode, koreksi=anggaran.per_period(versions).get(p.kode) is not None)
    return await _tanya_jumlah(update, context, d, versions)


async def _tanya_jumlah(update: Update, context: PantauContext, d: dict[str, Any], versions: list[Any]) -> object:
    """Ask the cumulative amount for the chosen month (the month before, and this month's earlier report, shown)."""
    p = parse_periode(d["periode"])
    same = anggaran.per_period(versions).get(p.kode)
    sebelum, _ = anggaran.neighbours(versions, p)
    text = tk.AL_MINTA_JUMLAH.format(kode=d["kode"], periode=p.label, pagu=format_rupiah(d["pagu"]))
    if sebelum:
        text += "\n" + tk.AL_SEBELUMNYA.format(periode=sebelum[0], jumlah=format_rupiah(sebelum[1]))
    if same:
        text += "\n" + tk.AL_SUDAH_ADA.format(jumlah=format_rupiah(same.jumlah), versi=same.versi)
    await jawab(update, context, text)
    return JUMLAH


async def on_jumlah(update: Update, context: PantauContext) -> object:
    """The cumulative amount: refused above the pagu, or out of order unless marked as a correction."""
    msg, d = update.effective_message, draf(context, AL)
    assert msg is not None
    if "periode" not in d:
        await msg.reply_text(teks.KEDALUWARSA)
        return SELESAI
    try:
        jumlah = parse_rupiah(msg.text or "")
        periksa_belanja(jumlah, d["pagu"], None, None, koreksi=True)  # the pagu holds even for corrections
    except (ParseError, DitolakError) as exc:
        await msg.reply_text(f"{exc}\n{tk.AL_KETIK_LAGI}")
        return JUMLAH
    async with context.layanan.engine.connect() as conn:
        versions = await anggaran.spending(conn, d["mata"])
    sebelum, sesudah = anggaran.neighbours(versions, parse_periode(d["periode"]))
    d["jumlah"] = jumlah
    if d.get("koreksi"):
        await msg.reply_text(tk.AL_MINTA_ALASAN)
        return ALASAN
    try:
        periksa_belanja(jumlah, d["pagu"], sebelum, sesudah, koreksi=False)
    except DitolakError as exc:
        await msg.reply_text(f"{exc.pesan}\n{tk.AL_KOREKSI_ATAU_LAGI}",
                             reply_markup=tombol.papan([(tk.AL_INI_KOREKSI, tombol.data(AL, "kor"))]))
        return JUMLAH
    return await _ringkasan(update, context, d)


async def on_koreksi(update: Update, context: PantauContext) -> object:
    """The operator marks an out-of-order amount as a correction: ask the reason."""
    query, d = update.callback_query, draf(context, AL)
    assert query is not None
    if "jumlah" not in d:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return JUMLAH
    await pilih(query, tk.AL_INI_KOREKSI)
    await jawab(update, context, tk.AL_MINTA_ALASAN)
    return ALASAN


async def on_alasan(update: Update, context: PantauContext) -> object:
    """The correction's reason, then the summary."""
    msg, d = update.effective_message, draf(context, AL)
    assert msg is not None
    if "jumlah" not in d:
        await msg.reply_text(teks.KEDALUWARSA)
        return SELESAI
    try:
        d["alasan"] = periksa_alasan(msg.text or "")
    except ParseError as exc:
        await msg.reply_text(f"{exc.pesan} {tk.COBA_LAGI}")
        return ALASAN
    return await _ringkasan(update, context, d)


def _papan_ringkasan() -> Any:
    return tombol.papan([(tk.KIRIM, tombol.data(AL, "kirim")), (tk.AL_UBAH, tombol.data(AL, "ubah")),
                         (tk.BATAL, tombol.data(AL, "batal"))])


async def _ringkasan(update: Update, context: PantauContext, d: dict[str, Any]) -> object:
    """Show what would be saved, with the absorption it gives, and wait for Kirim / Ubah / Batal."""
    d[SIAP] = True
    jumlah, pagu = d["jumlah"], d["pagu"]
    await jawab(update, context, tk.AL_RINGKASAN.format(
        kode=d["kode"], nama=d.get("nama", ""), periode=parse_periode(d["periode"]).label,
        jumlah=format_rupiah(jumlah), pagu=format_rupiah(pagu), serapan=_serapan(jumlah, pagu),
        sisa=format_rupiah(pagu - jumlah),
        koreksi=tk.AL_RINGKASAN_KOREKSI.format(alasan=d["alasan"]) if d.get("alasan") else ""), _papan_ringkasan())
    return KONFIRMASI


async def on_ringkasan(update: Update, context: PantauContext) -> object:
    """Kirim (save) or Ubah (the amount is asked again; the output and the month are kept) on the summary."""
    query, d = update.callback_query, draf(context, AL)
    assert query is not None
    if not d.get(SIAP):
        await tolak_tombol(query, teks.KEDALUWARSA)
        return SELESAI
    if query.data == f"{AL}:kirim":
        await pilih(query, tk.KIRIM)
        return await _simpan(update, context)
    await pilih(query, tk.AL_UBAH)
    for k in (SIAP, "jumlah", "alasan"):
        d.pop(k, None)
    async with context.layanan.engine.connect() as conn:
        versions = await anggaran.spending(conn, d["mata"])
    return await _tanya_jumlah(update, context, d, versions)


async def on_konfirmasi_teks(update: Update, context: PantauContext) -> object:
    """Text while the summary waits for a button."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(tk.TEKAN_TOMBOL)
    return KONFIRMASI


async def _simpan(update: Update, context: PantauContext) -> object:
    """Save the draft once (the same update handled again shows the same receipt)."""
    svc, p, d = context.layanan, context.aktif, draf(context, AL)
    try:
        async with svc.engine.begin() as conn:
            b = await anggaran.record_spending(
                conn, line_id=d["mata"], periode=d["periode"], jumlah=d["jumlah"], alasan=d.get("alasan"), author=p,
                allowed_unit_ids=await kinerja.reporting_scope(conn, p.unit_id or 0), today=hari_ini(context),
                now=svc.now(), draf=d.get(pelaporan.ID_DRAF))
    except (DitolakError, ParseError) as exc:
        bersihkan(context)
        await jawab(update, context, f"{exc}\n{tk.MULAI_LAGI.format(perintah='/anggaran_lapor')}")
        return SELESAI
    bersihkan(context)
    await pelaporan.tanda_terima(update, context, f"al:{b.id}", tk.AL_TERSIMPAN.format(
        kode=d["kode"], periode=parse_periode(b.periode).label, jumlah=format_rupiah(b.jumlah),
        pagu=format_rupiah(d["pagu"]), serapan=_serapan(b.jumlah, d["pagu"]),
        sisa=format_rupiah(d["pagu"] - b.jumlah), versi=b.versi))
    return SELESAI


# --- resuming after Telegram was busy --------------------------------------------------------------------


async def _tanya(update: Update, context: PantauContext, d: dict[str, Any], langkah: str) -> object:
    """Ask again the question of the step the user last saw; an answer already in the draft is not asked again."""
    if "mata" not in d:
        return await cmd_anggaran_lapor(update, context)
    async with context.layanan.engine.connect() as conn:
        m = await anggaran.line(conn, d["mata"])
        versions = await anggaran.spending(conn, d["mata"])
        closed = await kinerja.closed_periods(conn)
    if m is None:
        return await cmd_anggaran_lapor(update, context)
    if "periode" not in d:  # the output line chosen (its month question perhaps never shown): ask the month
        return await _tanya_periode(update, context, m, versions, closed)
    if d.get(SIAP) and "jumlah" in d:  # everything entered: the summary (its question perhaps never shown)
        return await _ringkasan(update, context, d)
    if langkah == ALASAN or (langkah == JUMLAH and "jumlah" in d and d.get("koreksi")):
        await jawab(update, context, tk.AL_MINTA_ALASAN)
        return ALASAN
    return await _tanya_jumlah(update, context, d, versions)


SAMBUNG = pelaporan.Sambungan(kunci=AL, perintah="/anggaran_lapor", laporan="laporan realisasi anggaran",
                              mulai=cmd_anggaran_lapor, tanya=_tanya)


def masuk() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Entry points of the flow."""
    return [*pelaporan.catat_langkah(AL, [CommandHandler("anggaran_lapor", cmd_anggaran_lapor)]),
            pelaporan.sambungan(SAMBUNG)]


def langkah() -> dict[object, list[BaseHandler[Any, PantauContext, Any]]]:
    """The flow's steps."""
    teks_saja = filters.TEXT & ~filters.COMMAND
    langkah_: dict[object, list[BaseHandler[Any, PantauContext, Any]]] = {
        MATA: [CallbackQueryHandler(on_mata, pattern=r"^al:m:")],
        PER: [CallbackQueryHandler(on_periode, pattern=r"^al:p:"), MessageHandler(teks_saja, on_periode)],
        JUMLAH: [CallbackQueryHandler(on_koreksi, pattern=r"^al:kor$"), MessageHandler(teks_saja, on_jumlah)],
        ALASAN: [MessageHandler(teks_saja, on_alasan)],
        KONFIRMASI: [CallbackQueryHandler(on_ringkasan, pattern=r"^al:(kirim|ubah)$"),
                     CallbackQueryHandler(pelaporan.on_batal, pattern=r"^al:batal$"),
                     MessageHandler(teks_saja, on_konfirmasi_teks)],
    }
    return {k: pelaporan.catat_langkah(AL, v) for k, v in langkah_.items()}


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Nothing of its own: the flow is part of the reporting conversation (handlers.pelaporan)."""
    return []
