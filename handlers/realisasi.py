"""/realisasi: an operator reports a realisation of a PK indicator they report for, sent to its unit's head to verify.

The indicators offered are those of the PKs in force in the operator's reporting scope
(``storage.kinerja.reportable_pks``, the rule /anggaran_lapor and /rencana use): their unit's, and a Sub Bagian's
also its Bagian's (labelled with the Bagian's code). The report goes to the head of the indicator's unit.

Steps: indicator (buttons with target and last value, or its code typed; or a reminder's "Lapor" button, which
starts here with the reminder's period first) → period (open periods of the PK year, or typed) → [correction
reason when the period was reported before] → value (read by the indicator's kind; a percentage above 100 % and
above the target is confirmed: Ya / Ubah) → evidence (documents, photos,
links; optional) → hambatan (optional) → upaya (optional) → confirm.
This module also registers the one reporting conversation of handlers.pelaporan.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.capaian import JenisIndikator, parse_nilai
from domain.entitas import Indikator
from domain.errors import ParseError
from domain.kinerja import (
    BATAS_BUKTI,
    DitolakError,
    LaporanRealisasi,
    melebihi_target,
    parse_tautan,
    periksa_alasan,
    periksa_periode,
    periode_bawaan,
    periode_terbuka,
    teks_bebas,
)
from domain.periode import Periode, parse_periode
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
from handlers.tahun import pilihan_tahun, tahun_diketik, tahun_terbuka
from handlers.teks import kepala as tkp
from handlers.teks import kinerja as tk
from reports.teks import nilai_teks
from storage import kinerja, org, outbox, tahun_laporan

RL = "rl"
IND, PER, ALASAN, NILAI, BUKTI, HAMBATAN, UPAYA, KONFIRMASI = (
    "rl_ind", "rl_per", "rl_alasan", "rl_nilai", "rl_bukti", "rl_hambatan", "rl_upaya", "rl_konfirmasi")
YAKIN = "rl_yakin"  # a percentage above 100 % and above the target: confirm it


def _terakhir(ind: Indikator, r: LaporanRealisasi | None) -> str:
    if r is None:
        return tk.BELUM_ADA
    return f"{nilai_teks(ind.jenis, r.nilai)} ({parse_periode(r.periode).label}, {tk.STATUS[r.status]})"


def riwayat(ind: Indikator, versi: list[LaporanRealisasi]) -> str:
    """The versions reported so far, oldest first, one line each."""
    if not versi:
        return tk.RIWAYAT_KOSONG
    lines = [tk.RIWAYAT_JUDUL]
    for r in versi:
        line = tk.RIWAYAT_BARIS.format(periode=parse_periode(r.periode).label, versi=r.versi,
                                       nilai=nilai_teks(ind.jenis, r.nilai), status=tk.STATUS[r.status])
        if r.alasan_koreksi:
            line += tk.RIWAYAT_KOREKSI.format(alasan=r.alasan_koreksi)
        if r.status == "dikembalikan" and r.verify_note:
            line += tk.RIWAYAT_DIKEMBALIKAN.format(catatan=r.verify_note)
        lines.append(line)
    return "\n".join(lines)


async def cmd_realisasi(update: Update, context: PantauContext) -> object:
    """List the PK indicators the operator reports (their unit's, a Sub Bagian's Bagian's), target and last value."""
    msg, p = update.effective_message, context.aktif
    assert msg is not None
    bersihkan(context)
    diketik = tahun_diketik(context)  # "/realisasi 2024": that year's PK
    if p.unit_id is None:
        await msg.reply_text(tk.TANPA_UNIT)
        return SELESAI
    # Without a year: this year's PK; last year's (late reports) only when this year has none yet.
    calon = [diketik] if diketik else await tahun_terbuka(context)
    async with context.layanan.engine.connect() as conn:
        for tahun in calon:
            pks = await kinerja.reportable_pks(conn, p.unit_id, tahun)
            if pks:
                break
        if not pks:
            ada = await tahun_laporan.tahun_pk(conn, await kinerja.reporting_scope(conn, p.unit_id))
        hist = await kinerja.history(conn, [i.id for _, pk in pks for i, _ in pk], tahun)
    if not pks:
        await msg.reply_text(tk.RL_TANPA_PK.format(unit=p.unit_code, tahun=calon[0]) + "\n\n"
                             + pilihan_tahun("realisasi", ada, calon[0]))
        return SELESAI
    lines: list[str] = []
    rows = []
    for unit, pk in pks:
        sendiri = unit.id == p.unit_id
        lines.append(tk.RL_JUDUL.format(unit=unit.code, tahun=tahun) if sendiri
                     else tk.RL_JUDUL_UNIT.format(unit=unit.code, nama=unit.name, tahun=tahun))
        for ind, target in pk:
            last = hist.get(ind.id, [None])[-1]
            lines.append(tk.RL_BARIS.format(kode=ind.kode, nama=ind.nama, target=nilai_teks(ind.jenis, target),
                                            terakhir=_terakhir(ind, last),
                                            otomatis=tk.OTOMATIS if ind.otomatis else ""))
            if not ind.otomatis:
                label = tk.RL_TOMBOL if sendiri else tk.RL_TOMBOL_UNIT
                rows.append([(label.format(unit=unit.code, kode=ind.kode, target=nilai_teks(ind.jenis, target),
                                           terakhir=nilai_teks(ind.jenis, last.nilai) if last else "–"),
                              tombol.data(RL, "i", ind.id))])
    d = draf(context, RL)
    d["tahun"] = tahun
    d["tahun_lalu"] = diketik is None and len(calon) > 1 and tahun == calon[0]  # also offer last year's periods
    await kirim.balas(msg, "\n\n".join([*lines, tk.RL_PILIH]), reply_markup=tombol.papan(*rows))
    return IND


async def on_indikator(update: Update, context: PantauContext) -> object:
    """An indicator button."""
    query = update.callback_query
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != "i" or not a[1].isdigit():
        await tolak_tombol(query, teks.KEDALUWARSA)
        return IND
    return await _indikator(update, context, int(a[1]))


async def on_indikator_teks(update: Update, context: PantauContext) -> object:
    """An indicator code typed instead of pressing its button."""
    msg = update.effective_message
    assert msg is not None
    async with context.layanan.engine.connect() as conn:
        ind = await kinerja.indicator_by_code(conn, (msg.text or "")[:60])
    if ind is None:
        await msg.reply_text(tk.RL_KODE_TIDAK_DIKENAL)
        return IND
    return await _indikator(update, context, ind.id)


async def on_mulai(update: Update, context: PantauContext) -> object:
    """A reminder's "Lapor <kode>" button (rl:mulai:<kode>:<periode>): that indicator picked, as in /realisasi."""
    query = update.callback_query
    assert query is not None
    if await sudah_dimulai(update, context, RL):
        return None
    a = tombol.args(query.data, 3)
    try:
        periode = parse_periode(a[2]) if a is not None and a[0] == "mulai" else None
    except ParseError:
        periode = None
    async with context.layanan.engine.connect() as conn:
        ind = await kinerja.indicator_by_code(conn, a[1][:60]) if a is not None and periode is not None else None
    if ind is None or periode is None:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return None
    return await _indikator(update, context, ind.id, periode)


async def _indikator(update: Update, context: PantauContext, ind_id: int, dari: Periode | None = None) -> object:
    """The indicator picked: its periods to choose from. ``dari``: the period of the reminder that opened it."""
    p, today = context.aktif, hari_ini(context)
    tahun = dari.tahun if dari is not None else int(draf(context, RL).get("tahun") or today.year)
    lalu = dari is None and bool(draf(context, RL).get("tahun_lalu"))
    async with context.layanan.engine.connect() as conn:
        item = await kinerja.reportable_item(conn, p.unit_id, tahun, ind_id) if p.unit_id else None
        closed = await kinerja.closed_periods(conn)
        hist = (await kinerja.history(conn, [ind_id], tahun)).get(ind_id, [])
        # Until last year is closed, its open periods of the same indicator are offered too (January's late
        # reports), with last year's PK target.
        item_lalu = (await kinerja.reportable_item(conn, p.unit_id, tahun - 1, ind_id)
                     if lalu and p.unit_id else None)
    # Refused: the step stays where it was (None), and a reminder's button starts nothing.
    if item is None:
        await tolak(update, tk.RL_BUKAN_UNIT)
        return None
    unit, ind, target = item
    if ind.otomatis:
        await tolak(update, tk.RL_OTOMATIS.format(kode=ind.kode))
        return None
    if update.callback_query is not None:
        await pilih(update.callback_query, ind.kode)
    d = draf_terpilih(update, context, RL)
    d.update(ind=ind.id, kode=ind.kode, jenis=ind.jenis, frek=ind.frekuensi, target=target, tahun=tahun,
             target_tahun={str(tahun): target})
    bawaan = dari.kode if dari is not None else periode_bawaan(ind.frekuensi, tahun, today).kode
    terbuka = sorted(periode_terbuka(ind.frekuensi, tahun, today, closed), key=lambda x: x.kode != bawaan)
    if item_lalu is not None:
        d["target_tahun"][str(tahun - 1)] = item_lalu[2]
        terbuka += periode_terbuka(ind.frekuensi, tahun - 1, today, closed)
    rows = [[(x.label + (tk.BERJALAN if x.contains(today) else ""), tombol.data(RL, "p", x.kode))] for x in terbuka]
    judul = tk.RL_INDIKATOR.format(kode=ind.kode, nama=ind.nama, target=nilai_teks(ind.jenis, target))
    if unit.id != p.unit_id:
        judul += tk.RL_PK_UNIT.format(unit=unit.code, nama=unit.name)
    text = "\n\n".join([judul,
                        riwayat(ind, hist), tk.RL_PILIH_PERIODE if terbuka else tk.RL_TANPA_PERIODE])
    await jawab(update, context, text, tombol.papan(*rows) if rows else None)
    return PER


async def on_periode(update: Update, context: PantauContext) -> object:
    """A period button."""
    query = update.callback_query
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != "p":
        await tolak_tombol(query, teks.KEDALUWARSA)
        return PER
    return await _periode(update, context, a[1])


async def on_periode_teks(update: Update, context: PantauContext) -> object:
    """A period typed ("Triwulan III 2024", "2024-Q3")."""
    assert update.effective_message is not None
    return await _periode(update, context, update.effective_message.text or "")


async def _periode(update: Update, context: PantauContext, kode: str) -> object:
    d, today = draf(context, RL), hari_ini(context)
    if "ind" not in d:
        await tolak(update, teks.KEDALUWARSA)
        return SELESAI
    async with context.layanan.engine.connect() as conn:
        closed = await kinerja.closed_periods(conn)
        try:
            p = parse_periode(kode)
            # A period of another year offered at the indicator step (last year's, not closed) reports there.
            tahun = p.tahun if str(p.tahun) in d.get("target_tahun", {}) else d["tahun"]
            periksa_periode(p, d["frek"], tahun, today, closed)
        except ParseError as exc:
            await tolak(update, f"{exc.pesan} {tk.COBA_LAGI}")
            return PER
        previous = await kinerja.versions(conn, d["ind"], p.kode)
    if update.callback_query is not None:
        await pilih(update.callback_query, p.label)
    d["periode"] = p.kode
    if tahun != d["tahun"]:
        d["tahun"], d["target"] = tahun, d["target_tahun"][str(tahun)]
    if previous:
        last = previous[-1]
        await jawab(update, context, tk.RL_SUDAH_ADA.format(
            periode=p.label, versi=last.versi, nilai=nilai_teks(d["jenis"], last.nilai),
            status=tk.STATUS[last.status], baru=last.versi + 1))
        return ALASAN
    await jawab(update, context, _minta_nilai(d, p.label))
    return NILAI


def _minta_nilai(d: dict[str, Any], label: str) -> str:
    return tk.RL_MINTA_NILAI.format(kode=d["kode"], periode=label, target=nilai_teks(d["jenis"], d["target"]),
                                    contoh=tk.CONTOH_NILAI[d["jenis"]])


async def on_alasan(update: Update, context: PantauContext) -> object:
    """The reason for a correction."""
    msg, d = update.effective_message, draf(context, RL)
    assert msg is not None
    try:
        d["alasan"] = periksa_alasan(msg.text or "")
    except ParseError as exc:
        await msg.reply_text(f"{exc.pesan} {tk.COBA_LAGI}")
        return ALASAN
    await msg.reply_text(_minta_nilai(d, parse_periode(d["periode"]).label))
    return NILAI


async def on_nilai(update: Update, context: PantauContext) -> object:
    """The value, read by the indicator's kind."""
    msg, d = update.effective_message, draf(context, RL)
    assert msg is not None
    try:
        d["nilai"] = parse_nilai(JenisIndikator(d["jenis"]), msg.text or "").canonical()
    except ParseError as exc:
        await msg.reply_text(f"{exc.pesan}\n{tk.COBA_LAGI}")
        return NILAI
    if melebihi_target(d["jenis"], d["nilai"], d["target"]):
        await msg.reply_text(tkp.RL_MELEBIHI.format(nilai=nilai_teks(d["jenis"], d["nilai"]),
                                                    target=nilai_teks(d["jenis"], d["target"])),
                             reply_markup=tombol.papan([(tkp.RL_YA, tombol.data(RL, "yakin")),
                                                        (tkp.RL_UBAH, tombol.data(RL, "ubah"))]))
        return YAKIN
    return await _minta_bukti(update, context)


async def _minta_bukti(update: Update, context: PantauContext) -> object:
    draf(context, RL)["bukti"] = []
    await jawab(update, context, tk.RL_MINTA_BUKTI, tombol.papan([(tk.LEWATI, tombol.data(RL, "lanjut"))]))
    return BUKTI


async def on_yakin(update: Update, context: PantauContext) -> object:
    """A value above the target confirmed (Ya), or to be typed again (Ubah)."""
    query, d = update.callback_query, draf(context, RL)
    assert query is not None
    if "nilai" not in d:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return SELESAI
    if query.data == f"{RL}:ubah":
        await pilih(query, tkp.RL_UBAH)
        del d["nilai"]
        await jawab(update, context, tkp.RL_KETIK_ULANG)
        return NILAI
    await pilih(query, tkp.RL_YA)
    return await _minta_bukti(update, context)


async def on_bukti(update: Update, context: PantauContext) -> object:
    """Evidence: a document, a photo or a link."""
    msg, d = update.effective_message, draf(context, RL)
    assert msg is not None
    if msg.document is not None:
        item: dict[str, Any] = {"jenis": "dokumen", "file_id": msg.document.file_id,
                                "nama": (msg.document.file_name or "dokumen")[:120]}
    elif msg.photo:
        item = {"jenis": "foto", "file_id": msg.photo[-1].file_id}
    else:
        try:
            item = {"jenis": "tautan", "url": parse_tautan(msg.text or "")}
        except ParseError as exc:
            await msg.reply_text(f"{exc.pesan} {tk.RL_BUKTI_ATAU_LEWATI}")
            return BUKTI
    d.setdefault("bukti", []).append(item)
    if len(d["bukti"]) >= BATAS_BUKTI:
        await msg.reply_text(tk.RL_BUKTI_PENUH.format(n=BATAS_BUKTI))
        return await _minta_hambatan(update, context)
    await msg.reply_text(tk.RL_BUKTI_DITERIMA.format(n=len(d["bukti"])),
                         reply_markup=tombol.papan([(tk.LANJUT, tombol.data(RL, "lanjut"))]))
    return BUKTI


async def on_bukti_lanjut(update: Update, context: PantauContext) -> object:
    """Done with the evidence (or none)."""
    assert update.callback_query is not None
    await pilih(update.callback_query, tk.LANJUT)
    return await _minta_hambatan(update, context)


async def _minta_hambatan(update: Update, context: PantauContext) -> object:
    await jawab(update, context, tk.RL_MINTA_HAMBATAN,
                 tombol.papan([(tk.LEWATI, tombol.data(RL, "lanjut"))]))
    return HAMBATAN


async def _teks_opsional(update: Update, context: PantauContext, kunci: str, nama: str) -> bool:
    """Store a typed free text under ``kunci`` (or note the Lewati tap); False after refusing bad text."""
    if update.callback_query is not None:
        await pilih(update.callback_query, tk.LEWATI)
        return True
    assert update.effective_message is not None
    try:
        draf(context, RL)[kunci] = teks_bebas(update.effective_message.text or "", nama=nama)
    except ParseError as exc:
        await update.effective_message.reply_text(exc.pesan)
        return False
    return True


async def on_hambatan(update: Update, context: PantauContext) -> object:
    """Obstacles (hambatan), typed or skipped."""
    if not await _teks_opsional(update, context, "hambatan", "Hambatan"):
        return HAMBATAN
    await jawab(update, context, tk.RL_MINTA_UPAYA, tombol.papan([(tk.LEWATI, tombol.data(RL, "lanjut"))]))
    return UPAYA


async def on_upaya(update: Update, context: PantauContext) -> object:
    """Efforts (upaya), typed or skipped; then the summary to confirm."""
    if not await _teks_opsional(update, context, "upaya", "Upaya"):
        return UPAYA
    d = draf(context, RL)
    await jawab(update, context, _ringkasan(d), tombol.papan(
        [(tk.KIRIM, tombol.data(RL, "kirim")), (tk.BATAL, tombol.data(RL, "batal"))]))
    return KONFIRMASI


def _ringkasan(d: dict[str, Any]) -> str:
    return tk.RL_RINGKASAN.format(
        kode=d["kode"], periode=parse_periode(d["periode"]).label, nilai=nilai_teks(d["jenis"], d["nilai"]),
        target=nilai_teks(d["jenis"], d["target"]), bukti=tk.jumlah_bukti(d.get("bukti", [])),
        hambatan=d.get("hambatan") or "–", upaya=d.get("upaya") or "–",
        koreksi=tk.RL_RINGKASAN_KOREKSI.format(alasan=d["alasan"]) if d.get("alasan") else "")


async def on_konfirmasi_teks(update: Update, context: PantauContext) -> object:
    """Text while the summary waits for a button."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(tk.TEKAN_TOMBOL)
    return KONFIRMASI


async def on_kirim(update: Update, context: PantauContext) -> object:
    """Save the report (a new version) and send it to the unit head through the outbox, in one transaction.

    Idempotent: the draft is stored once (the same update handled again gets the same receipt, and the head's
    message is queued under the same key), and a receipt Telegram will not take goes through the outbox.
    """
    query, p, svc, d = update.callback_query, context.aktif, context.layanan, draf(context, RL)
    assert query is not None
    if "nilai" not in d:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return SELESAI
    await pilih(query, tk.KIRIM)
    try:
        async with svc.engine.begin() as conn:
            r = await kinerja.submit(conn, author=p, indicator_id=d["ind"], tahun=d["tahun"], periode=d["periode"],
                                     nilai=d["nilai"], bukti=d.get("bukti", []), hambatan=d.get("hambatan"),
                                     upaya=d.get("upaya"), alasan_koreksi=d.get("alasan"), today=hari_ini(context),
                                     now=svc.now(), draf=d.get(pelaporan.ID_DRAF))
            # the head of the indicator's unit verifies (a Bagian's indicator reported by its Sub Bagian: the
            # Kepala Bagian), as storage.kinerja.decidable checks
            ind = await kinerja.indicator(conn, r.indicator_id)
            unit_ind = ind.unit_id if ind is not None else p.unit_id
            heads = await kinerja.verifiers(conn, unit_ind or 0, author_id=p.id)
            unit = next((u for u in await org.units(conn) if u.id == unit_ind), None)
            text = tk.VF_PESAN.format(
                unit=f"{unit.name} ({unit.code})" if unit else p.unit_code, kode=d["kode"],
                periode=parse_periode(r.periode).label, nilai=nilai_teks(d["jenis"], r.nilai),
                target=nilai_teks(d["jenis"], d["target"]), versi=r.versi,
                pelapor=p.name if unit is None or unit.id == p.unit_id else f"{p.name} ({p.unit_code})",
                koreksi=tk.RL_RINGKASAN_KOREKSI.format(alasan=r.alasan_koreksi) if r.alasan_koreksi else "",
                bukti=tk.daftar_bukti(r.bukti), hambatan=tk.ringkas(r.hambatan or "–", 600),
                upaya=tk.ringkas(r.upaya or "–", 600))
            markup = tombol.papan_dict([(tk.SETUJUI, tombol.data("vf", "ok", r.id)),
                                        (tk.KEMBALIKAN, tombol.data("vf", "kb", r.id))])
            for h in heads:
                if h.telegram_id is not None:
                    await outbox.enqueue(conn, key=f"vf:{r.id}:{h.telegram_id}", chat_id=h.telegram_id,
                                         text=text, kind="persetujuan", reply_markup=markup, now=svc.now())
    except (DitolakError, ParseError) as exc:
        bersihkan(context)
        await jawab(update, context, f"{exc}\n{tk.MULAI_LAGI.format(perintah='/realisasi')}")
        return SELESAI
    bersihkan(context)
    svc.wake_outbox()
    kepala = ", ".join(h.name for h in heads) if heads else None
    terima = (tk.RL_TERKIRIM.format(versi=r.versi, periode=parse_periode(r.periode).label, kode=d["kode"])
              + (tk.RL_KE_KEPALA.format(kepala=kepala) if kepala else tk.RL_TANPA_KEPALA))
    await pelaporan.tanda_terima(update, context, f"rl:{r.id}", terima)
    return SELESAI


# --- resuming after Telegram was busy --------------------------------------------------------------------

# step -> (the next step, whether the user's answer to it is in the draft): an answer kept is not asked again
_DIJAWAB = {ALASAN: (NILAI, lambda d: "alasan" in d), NILAI: (BUKTI, lambda d: "nilai" in d),
            HAMBATAN: (UPAYA, lambda d: "hambatan" in d), UPAYA: (KONFIRMASI, lambda d: "upaya" in d)}


async def _tanya(update: Update, context: PantauContext, d: dict[str, Any], langkah: str) -> object:
    """Ask again the question of the step the user last saw, with what they entered."""
    if langkah == IND or "ind" not in d:
        return await cmd_realisasi(update, context)
    while (lanjut := _DIJAWAB.get(langkah)) is not None and lanjut[1](d):
        langkah = lanjut[0]
    if langkah == PER:
        return await _indikator(update, context, int(d["ind"]))
    if langkah == ALASAN:
        return await _periode(update, context, d["periode"])
    if langkah == NILAI:
        await jawab(update, context, _minta_nilai(d, parse_periode(d["periode"]).label))
    elif langkah == BUKTI:
        n = len(d.get("bukti", []))
        await jawab(update, context, tk.RL_BUKTI_DITERIMA.format(n=n) if n else tk.RL_MINTA_BUKTI,
                    tombol.papan([(tk.LANJUT if n else tk.LEWATI, tombol.data(RL, "lanjut"))]))
    elif langkah == HAMBATAN:
        return await _minta_hambatan(update, context)
    elif langkah == UPAYA:
        await jawab(update, context, tk.RL_MINTA_UPAYA, tombol.papan([(tk.LEWATI, tombol.data(RL, "lanjut"))]))
    else:
        await jawab(update, context, _ringkasan(d), tombol.papan(
            [(tk.KIRIM, tombol.data(RL, "kirim")), (tk.BATAL, tombol.data(RL, "batal"))]))
    return langkah


SAMBUNG = pelaporan.Sambungan(kunci=RL, perintah="/realisasi", laporan="laporan realisasi", mulai=cmd_realisasi,
                              tanya=_tanya)


def masuk() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Entry points of the flow."""
    return [*pelaporan.catat_langkah(RL, [CommandHandler("realisasi", cmd_realisasi),
                                          CallbackQueryHandler(on_mulai, pattern=r"^rl:mulai:")]),
            pelaporan.sambungan(SAMBUNG)]


def langkah() -> dict[object, list[BaseHandler[Any, PantauContext, Any]]]:
    """The flow's steps."""
    teks_saja = filters.TEXT & ~filters.COMMAND
    lanjut = CallbackQueryHandler(on_bukti_lanjut, pattern=r"^rl:lanjut$")
    langkah_: dict[object, list[BaseHandler[Any, PantauContext, Any]]] = {
        IND: [CallbackQueryHandler(on_indikator, pattern=r"^rl:i:"), MessageHandler(teks_saja, on_indikator_teks)],
        PER: [CallbackQueryHandler(on_periode, pattern=r"^rl:p:"), MessageHandler(teks_saja, on_periode_teks)],
        ALASAN: [MessageHandler(teks_saja, on_alasan)],
        NILAI: [MessageHandler(teks_saja, on_nilai)],
        # another value typed instead of a tap is read as the value
        YAKIN: [CallbackQueryHandler(on_yakin, pattern=r"^rl:(yakin|ubah)$"), MessageHandler(teks_saja, on_nilai)],
        BUKTI: [lanjut, MessageHandler((filters.Document.ALL | filters.PHOTO | teks_saja), on_bukti)],
        HAMBATAN: [CallbackQueryHandler(on_hambatan, pattern=r"^rl:lanjut$"), MessageHandler(teks_saja, on_hambatan)],
        UPAYA: [CallbackQueryHandler(on_upaya, pattern=r"^rl:lanjut$"), MessageHandler(teks_saja, on_upaya)],
        KONFIRMASI: [CallbackQueryHandler(on_kirim, pattern=r"^rl:kirim$"),
                     CallbackQueryHandler(pelaporan.on_batal, pattern=r"^rl:batal$"),
                     MessageHandler(teks_saja, on_konfirmasi_teks)],
    }
    return {k: pelaporan.catat_langkah(RL, v) for k, v in langkah_.items()}


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The reporting conversation (every reporting flow's steps; see handlers.pelaporan)."""
    return [pelaporan.percakapan_pelaporan()]
