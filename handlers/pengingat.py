"""Reminders in the bot: how a reminder looks (and its buttons), /pengingat, "ingatkan besok", pausing a kind.

Buttons a reminder carries (callback data, all under 64 bytes):

* ``pg:tunda:<deadline id>`` — "ingatkan besok": snooze this deadline for this user until tomorrow 07.00;
* ``rl:mulai:<indicator kode>:<period kode>`` — /realisasi with that indicator picked, the reminder's period
  offered first (reporting deadlines; only to operators who report for the unit whose PK it is — its own, or a
  Sub Bagian's for its Bagian, ``Kiriman.melapor`` — nobody else may report it);
* ``ra:mulai:<rencana aksi id>`` — /rencana with that activity picked (rencana aksi deadlines; the same rule);
* ``th:mulai:<stage id>:<unit id>`` — /tahapan with that stage picked for the unit whose completion closes the
  deadline (``Status.unit_lapor``: the KPU kab/kota, or for the province's own stages the province unit);
* ``tb:mulai:<TPS kode>`` — /tiba with that TPS picked (logistics deadlines, petugas).

Each flow takes its ``mulai`` button as an entry point (handlers.realisasi, rencana, tahapan, tiba; shared rules
in handlers.mulai) with the same checks as its own steps. A reminder without a flow button names the command.
Admins pause and resume a whole kind with ``pg:jeda:<jenis>`` / ``pg:lanjut:<jenis>`` under /pengingat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.angka import format_number, format_percent
from domain.pengingat import JENIS, Langkah, pagi_berikutnya
from domain.tanggal import format_date_long, format_datetime, format_time
from handlers import kirim, teks, tombol
from handlers.konteks import PantauContext
from handlers.teks import kepala as tkp
from handlers.teks import pengingat as tx
from storage import tenggat
from storage.tenggat import Kiriman, Pesan

HARI_DAFTAR = 14
MAKS_BARIS = 40
MAKS_TOMBOL_ALUR = 3


def label_langkah(langkah: Langkah) -> str:
    """A step in words: "H-3", "hari H", "terlambat 2 hari", "eskalasi (terlambat 2 hari)"."""
    if langkah.kode.startswith("z"):
        return tx.LABEL_LANGKAH_ULANG
    if langkah.eskalasi:
        return tx.LABEL_LANGKAH_ESKALASI.format(hari=langkah.hari)
    if langkah.hari > 0:
        return tx.LABEL_LANGKAH_TERLAMBAT.format(hari=langkah.hari)
    if langkah.hari == 0:
        return tx.LABEL_LANGKAH_HARI_INI
    return tx.LABEL_LANGKAH_SEBELUM.format(hari=-langkah.hari)


def _judul(langkah: Langkah) -> str:
    if langkah.kode.startswith("z"):
        return tx.JUDUL_ULANG
    if langkah.eskalasi:
        return tx.JUDUL_ESKALASI.format(hari=langkah.hari)
    if langkah.hari > 0:
        return tx.JUDUL_TERLAMBAT.format(hari=langkah.hari)
    # A step moved back by a holiday keeps its code (its outbox key) but says how far the deadline really is.
    tetap = langkah.kode == f"h{-langkah.hari}"
    return (tx.JUDUL_LANGKAH.get(langkah.kode) if tetap else None) or tx.JUDUL_SEBELUM.format(hari=-langkah.hari)


def _tombol_alur(k: Kiriman) -> list[tuple[str, str]]:
    d, st = k.tenggat, k.status
    out: list[tuple[str, str]] = []
    try:
        if d.jenis == "pelaporan" and k.penerima.peran == "operator" and k.melapor:
            # d.ref is the period: the flow needs its year (a December report is due in January)
            out = [(tx.TOMBOL_LAPOR.format(kode=kode), tombol.data("rl", "mulai", kode, d.ref))
                   for kode in st.belum[:MAKS_TOMBOL_ALUR]]
        elif d.jenis == "rencana_aksi" and k.penerima.peran == "operator" and k.melapor and d.ref.startswith("ra:"):
            out = [(tx.TOMBOL_RENCANA, tombol.data("ra", "mulai", d.ref.split(":")[1]))]
        elif (d.jenis == "pemutakhiran" and k.penerima.peran == "operator" and d.ref.startswith("tahapan:")
              and st.unit_lapor is not None):
            out = [(tx.TOMBOL_TAHAPAN, tombol.data("th", "mulai", d.ref.split(":")[1], st.unit_lapor))]
        elif d.jenis == "logistik" and k.penerima.peran == "petugas":
            out = [(tx.TOMBOL_TIBA.format(kode=kode), tombol.data("tb", "mulai", kode))
                   for kode in st.per_pengguna.get(k.penerima.user_id, ())[:MAKS_TOMBOL_ALUR]]
    except ValueError:  # a code too long for callback data: the message still names the command
        return []
    return out


def _petunjuk(k: Kiriman, tombol_alur: bool) -> str:
    if k.langkah.eskalasi:
        return tx.PETUNJUK_ESKALASI
    jenis = "logistik_petugas" if k.tenggat.jenis == "logistik" and k.penerima.peran == "petugas" else k.tenggat.jenis
    if not tombol_alur and jenis in tx.PETUNJUK_TANPA_TOMBOL:  # "tap the button below" only when there is one
        return tx.PETUNJUK_TANPA_TOMBOL[jenis]
    return tx.PETUNJUK.get(jenis, "")


def render_kiriman(k: Kiriman) -> Pesan:
    """The reminder message: what, by when (with the zone), for whom, and buttons to act or snooze."""
    d, langkah, st = k.tenggat, k.langkah, k.status
    unit = f"{d.unit_nama} ({d.unit_code})" if d.unit_code else "semua unit"
    lines = [_judul(langkah), d.judul, tx.BARIS_BATAS.format(batas=format_datetime(d.batas, d.zona))]
    if langkah.eskalasi:
        lines += [tx.BARIS_UNIT.format(unit=unit),
                  tx.BARIS_PENANGGUNG.format(nama=", ".join(k.penanggung[:5]) or tx.TANPA_PENANGGUNG)]
    else:
        lines.append(tx.BARIS_UNTUK.format(untuk=f"{tx.PERAN_UNTUK.get(k.penerima.peran, k.penerima.peran)} {unit}"))
    if d.jenis == "pelaporan" and st.belum:
        lines.append(tx.BARIS_BELUM_INDIKATOR.format(daftar=", ".join(st.belum[:10])))
    if d.jenis == "logistik":
        mine = st.per_pengguna.get(k.penerima.user_id)
        if mine and not langkah.eskalasi:
            lines.append(tx.BARIS_TPS_ANDA.format(daftar=", ".join(mine[:10])))
        elif st.total is not None:
            lines.append(tx.BARIS_PROGRES_TPS.format(sudah=format_number(st.sudah or 0),
                                                              total=format_number(st.total)))
    alur = [] if langkah.eskalasi else _tombol_alur(k)
    if petunjuk := _petunjuk(k, bool(alur)):
        lines += ["", petunjuk]
    rows: list[list[tuple[str, str]]] = [[b] for b in alur]
    rows.append([(tx.TOMBOL_TUNDA, tombol.data("pg", "tunda", d.id))])
    return Pesan("\n".join(lines), tombol.papan_dict(*rows))


# --- /pengingat -----------------------------------------------------------------------------------------------


def _papan_jeda(dijeda: frozenset[str]) -> list[list[tuple[str, str]]]:
    rows = []
    for j in JENIS:
        label = (tx.TOMBOL_LANJUT if j in dijeda else tx.TOMBOL_JEDA).format(jenis=tenggat.LABEL_JENIS[j])
        rows.append([(label, tombol.data("pg", "lanjut" if j in dijeda else "jeda", j))])
    return rows


def _teks_jeda(dijeda: frozenset[str]) -> str:
    lines = [tx.JEDA_BARIS.format(jenis=tenggat.LABEL_JENIS[j], status=tx.JEDA_STATUS[j in dijeda]) for j in JENIS]
    return "\n".join([tx.JEDA_JUDUL, *lines])


async def cmd_pengingat(update: Update, context: PantauContext) -> None:
    """The user's reminders for the next 14 days (admins also get the pause switches per kind)."""
    msg, p, svc = update.effective_message, context.aktif, context.layanan
    assert msg is not None
    now = svc.now()
    async with svc.engine.connect() as conn:
        rows = await tenggat.pratinjau(conn, dari=now, sampai=now + timedelta(days=HARI_DAFTAR), now=now,
                                       zona=svc.timezone, user_id=p.id)
        dijeda = await tenggat.jenis_dijeda(conn)
        tunda = await tenggat.penundaan(conn, sorted({r.tenggat.id for r in rows}), now)
    if not rows:
        text = tx.PENGINGAT_KOSONG.format(hari=HARI_DAFTAR)
    else:
        lines = [tx.PENGINGAT_JUDUL.format(hari=HARI_DAFTAR)]
        for r in rows[:MAKS_BARIS]:
            until = tunda.get((r.tenggat.id, p.id))
            until = until if until is not None and until > now else None
            lines.append(tx.PENGINGAT_BARIS.format(
                waktu=format_datetime(r.waktu, r.tenggat.zona), langkah=label_langkah(r.langkah), judul=r.tenggat.judul,
                unit=f" ({r.tenggat.unit_code})" if r.tenggat.unit_code else "")
                + (tx.PENGINGAT_DITUNDA.format(sampai=format_datetime(until, r.tenggat.zona)) if until else ""))
        if len(rows) > MAKS_BARIS:
            lines.append(tx.PENGINGAT_TERSEMBUNYI.format(n=len(rows) - MAKS_BARIS))
        text = "\n".join([*lines, "", tx.PENGINGAT_CATATAN])
    await kirim.balas(msg, text)
    if p.role == "admin":
        await msg.reply_text(_teks_jeda(dijeda), reply_markup=tombol.papan(*_papan_jeda(dijeda)))


async def on_tunda(update: Update, context: PantauContext) -> None:
    """ "Ingatkan besok": no reminder of this deadline for this user until tomorrow morning."""
    query, p, svc = update.callback_query, context.aktif, context.layanan
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != "tunda" or not a[1].isdigit() or len(a[1]) > 12:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return
    now = svc.now()
    async with svc.engine.begin() as conn:
        d = await tenggat.tenggat_by_id(conn, int(a[1]), zona=svc.timezone)
        if d is None:
            await query.answer(teks.KEDALUWARSA, show_alert=True)
            return
        if p.id not in await tenggat.penerima_tenggat(conn, d):
            await query.answer(tx.BUKAN_PENERIMA, show_alert=True)
            return
        sampai = pagi_berikutnya(now, (await tenggat.kebijakan(conn)).untuk(d.jenis), d.zona)
        await tenggat.tunda(conn, d.id, p.id, sampai=sampai, now=now)
    await query.answer(tx.DITUNDA.format(judul=d.judul[:80], sampai=format_datetime(sampai, d.zona)), show_alert=True)


async def on_jeda(update: Update, context: PantauContext) -> None:
    """An admin pauses or resumes every reminder of one kind."""
    query, p, svc = update.callback_query, context.aktif, context.layanan
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] not in ("jeda", "lanjut") or a[1] not in JENIS:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return
    if p.role != "admin":
        await query.answer(tx.HANYA_ADMIN, show_alert=True)
        return
    jeda = a[0] == "jeda"
    async with svc.engine.begin() as conn:
        lama = await tenggat.jenis_dijeda(conn)
        baru = await tenggat.atur_jeda(conn, a[1], jeda, actor=p.name, actor_id=p.id, now=svc.now())
    label = tenggat.LABEL_JENIS[a[1]]
    await query.answer((tx.JENIS_DIJEDA if jeda else tx.JENIS_DILANJUTKAN).format(jenis=label), show_alert=True)
    if baru != lama:  # a double tap changes nothing, and Telegram refuses an edit to identical content
        await query.edit_message_text(_teks_jeda(baru), reply_markup=tombol.papan(*_papan_jeda(baru)))


def baris_jadwal(b: tenggat.Baris, *, tanggal: bool = True, unit: bool = True) -> str:
    """One deadline line of /jadwal and the digest: when, what, which unit, who has not reported."""
    batas = format_datetime(b.batas, b.zona) if tanggal else format_time(b.batas, b.zona)
    nama_unit = f" ({b.units[0]})" if unit and len(b.units) == 1 else ""
    if not b.belum:
        status = tx.JADWAL_SELESAI
    elif len(b.units) == 1:
        status = ""
    elif len(b.belum) <= 3:
        status = tx.JADWAL_BELUM.format(belum=", ".join(b.belum))
    else:
        status = tx.JADWAL_BELUM_SEBAGIAN.format(n=format_number(len(b.belum)),
                                                  total=format_number(len(b.units)))
    return tx.JADWAL_BARIS.format(batas=batas, judul=b.judul, unit=nama_unit, status=status) + (
        tx.JADWAL_DIGESER.format(alasan=b.digeser) if b.digeser else "") + (tx.JADWAL_DIJEDA if b.dijeda else "")


def render_ringkasan(r: tenggat.Ringkasan, now: datetime, zona: str, *, menunggu: int = 0) -> str:
    """The morning digest: reports waiting for this head, due today, overdue by unit, logistics progress on
    distribution days."""
    lines = [tx.RINGKASAN_JUDUL.format(tanggal=format_date_long(now.astimezone(ZoneInfo(zona)).date()))]
    if menunggu:
        lines += ["", tkp.VF_RINGKASAN.format(n=format_number(menunggu))]
    if r.hari_ini:
        lines += ["", tx.RINGKASAN_HARI_INI, *(baris_jadwal(b, tanggal=False) for b in r.hari_ini)]
    if r.terlambat:
        lines += ["", tx.RINGKASAN_TERLAMBAT]
        for unit, items in r.terlambat.items():
            lines.append(unit)
            lines += [baris_jadwal(b, unit=False) for b in items]
    if r.logistik:
        tiba, tps = sum(x[1] for x in r.logistik), sum(x[2] for x in r.logistik)
        persen = format_percent(100 * tiba / tps) if tps else "-"
        lines += ["", tx.RINGKASAN_LOGISTIK.format(tiba=format_number(tiba), tps=format_number(tps), persen=persen)]
        lines += [tx.RINGKASAN_LOGISTIK_BARIS.format(nama=nama, tiba=format_number(a), tps=format_number(b))
                  for nama, a, b in r.logistik]
    return "\n".join([*lines, "", tx.RINGKASAN_PENUTUP])


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """/pengingat and the reminder buttons."""
    return [
        CommandHandler("pengingat", cmd_pengingat),
        CallbackQueryHandler(on_tunda, pattern=r"^pg:tunda:"),
        CallbackQueryHandler(on_jeda, pattern=r"^pg:(jeda|lanjut):"),
    ]
