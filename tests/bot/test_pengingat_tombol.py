"""A reminder's flow buttons (rl/ra/th/tb ``mulai``) through the real Application: a real reminder, queued by the
sweep on a clock and delivered by the outbox sender, starts its flow at the item and the flow completes; a user
outside the scope is refused, a forged item is stale, a double tap starts nothing twice, the reminder stays."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import pengingat
from bot.fakebotapi import SentMessage
from handlers import teks
from handlers.teks import kinerja as tk
from handlers.teks import logistik as tl
from handlers.teks import pengingat as tx
from storage import outbox, tenggat
from storage import tables as t
from tests.bot.bantuan_kinerja import tekan_paksa
from tests.bot.harness import BotUji, bot_uji
from tests.bot.pengingat_uji import lokal, tambah_pengguna, unit_id

ZONA = "Asia/Jakarta"
KABAG, OP_DATIN, OP_UML, OP_KOTA, PETUGAS = 910003, 910004, 910005, 910006, 910007
OP_SELATAN = 5550401  # an operator of another KPU kab/kota (Bengkulu Selatan), added where needed


async def _sapu(b: BotUji, at: datetime) -> int:
    """A sweep at ``at`` (the bot's clock too), then deliver everything it queued."""
    b.jam.now = at
    hasil = await pengingat.sapu(b.engine, now=at, zona=ZONA)
    for _ in range(40):
        await b.kirim_outbox()
        async with b.engine.connect() as conn:
            if not (await outbox.counts(conn))["antri"]:
                break
        b.jam.now += timedelta(seconds=1.1)  # the sender paces each chat
    return hasil.diantrekan


def _pengingat(b: BotUji, tg: int, data: str) -> SentMessage:
    """The reminder in the user's chat that carries this button."""
    return next(m for m in reversed(b.api.messages(tg)) if any(d == data for row in m.buttons for _, d in row))


async def _tekan_dua_kali(b: BotUji, tg: int, reminder: SentMessage, data: str) -> list[SentMessage]:
    """Press the reminder's button, then again (a double tap): the second starts nothing and says so."""
    out = await b.tekan(tg, data, message_id=reminder.message_id)
    assert b.jawaban_terakhir() is None  # the first press just opens the flow
    again = await b.tekan(tg, data, message_id=reminder.message_id)
    assert again == [] and b.jawaban_terakhir() == tx.SUDAH_DIMULAI
    return out


def _utuh(b: BotUji, tg: int, reminder: SentMessage) -> None:
    """The reminder is as it was sent: its text and every button (other items, "Ingatkan besok")."""
    now = next(m for m in b.api.messages(tg) if m.message_id == reminder.message_id)
    assert (now.text, now.buttons, now.edited) == (reminder.text, reminder.buttons, False)


async def _ditolak(b: BotUji, tg: int, data: str, pesan: str) -> None:
    """A press refused with an alert: nothing sent, no flow started (the next text is not taken as an answer)."""
    before = len(b.api.messages(tg))
    assert await tekan_paksa(b, tg, data) == pesan
    assert len(b.api.messages(tg)) == before


async def test_lapor_button_opens_realisasi_at_the_indicator_for_the_reminders_period(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        assert await _sapu(b, lokal(date(2024, 3, 28), 7))  # H-7 of Triwulan I 2024 (Good Friday: a day earlier)
        data = "rl:mulai:KUL-UML-1:2024-Q1"
        reminder = _pengingat(b, OP_UML, data)
        assert "Triwulan I 2024" in (reminder.text or "")
        out = await _tekan_dua_kali(b, OP_UML, reminder, data)
        assert len(out) == 1 and "KUL-UML-1" in out[0].content and tk.RL_PILIH_PERIODE in out[0].content
        assert out[0].buttons == [[("Triwulan I 2024 (berjalan)", "rl:p:2024-Q1")]]
        _utuh(b, OP_UML, reminder)
        await b.tekan(OP_UML, "rl:p:2024-Q1")
        assert "Ketik nilai realisasi KUL-UML-1 untuk Triwulan I 2024" in b.api.last(OP_UML).content
        await b.kirim(OP_UML, "97,5 %")
        for _ in range(3):  # no evidence, hambatan or upaya
            await b.tekan(OP_UML, "rl:lanjut")
        await b.tekan(OP_UML, "rl:kirim")
        assert "Laporan KUL-UML-1 Triwulan I 2024 tersimpan sebagai versi 1." in b.api.last(OP_UML).content
        # done: the button is free again and opens the flow anew (a correction would be asked for its reason)
        out = await b.tekan(OP_UML, data, message_id=reminder.message_id)
        assert len(out) == 1 and "KUL-UML-1" in out[0].content
        await b.kirim(OP_UML, "/batal")
        # outside the scope: another unit's operator; a petugas (the guard, by role)
        await b.kirim(OP_DATIN, "/jadwal")
        await _ditolak(b, OP_DATIN, data, tk.RL_BUKAN_UNIT)
        assert (await b.kirim(OP_DATIN, "97,5"))[-1].content == teks.BUKAN_PERINTAH
        await b.kirim(PETUGAS, "/jadwal")
        await _ditolak(b, PETUGAS, data, teks.TOMBOL_TIDAK_BERWENANG)
        # forged or stale: unknown indicator, no or a broken period, extra parts
        for forged in ("rl:mulai:TIDAK-ADA:2024-Q1", "rl:mulai:KUL-UML-1", "rl:mulai:KUL-UML-1:2024-Q9",
                       "rl:mulai:KUL-UML-1:bukan", "rl:mulai:KUL-UML-1:2024-Q1:x", "rl:mulai", "rl:mulai::"):
            await _ditolak(b, OP_UML, forged, teks.KEDALUWARSA)
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(t.realisations.c.periode, t.realisations.c.versi, t.realisations.c.nilai, t.realisations.c.status)
            .join(t.indicators, t.indicators.c.id == t.realisations.c.indicator_id)
            .where(t.indicators.c.kode == "KUL-UML-1"))).all()
    assert [tuple(r) for r in rows] == [("2024-Q1", 1, "97.5", "diajukan")]


async def test_a_december_reminder_in_january_reports_the_old_year(engine: AsyncEngine) -> None:
    """The period in the button is what makes the flow pick the PK year: in January the year has changed."""
    async with bot_uji(engine) as b:
        await _sapu(b, lokal(date(2025, 1, 3), 7))
        data = "rl:mulai:KUL-UML-1:2024-Q4"
        reminder = _pengingat(b, OP_UML, data)
        out = await b.tekan(OP_UML, data, message_id=reminder.message_id)
        assert next(label for row in out[0].buttons for label, _ in row) == "Triwulan IV 2024"
        await b.tekan(OP_UML, "rl:p:2024-Q4")
        assert "untuk Triwulan IV 2024" in b.api.last(OP_UML).content


async def _rencana(engine: AsyncEngine, kode: str) -> tuple[int, tenggat.Tenggat]:
    async with engine.begin() as conn:
        await tenggat.sinkronkan(conn, zona=ZONA, now=lokal(date(2024, 1, 1), 7))
        ra = int((await conn.execute(sa.select(t.rencana_aksi.c.id).where(t.rencana_aksi.c.kode == kode))
                  ).scalar_one())
        ds = await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=["rencana_aksi"])
    return ra, next(d for d in ds if d.ref == f"ra:{ra}:selesai")


async def test_perbarui_button_opens_rencana_at_the_activity(engine: AsyncEngine) -> None:
    ra, d = await _rencana(engine, "6871.QGE.002")  # KUL's, reported by its Sub Bagian Umum dan Logistik
    async with bot_uji(engine) as b:
        h1 = d.batas.astimezone(ZoneInfo(ZONA)).date() - timedelta(days=1)
        assert await _sapu(b, lokal(h1, 7))
        data = f"ra:mulai:{ra}"
        reminder = _pengingat(b, OP_UML, data)
        assert f"\n{d.judul}\n" in (reminder.text or "") and d.judul.startswith("Selesaikan kegiatan")
        out = await _tekan_dua_kali(b, OP_UML, reminder, data)
        assert len(out) == 1 and out[0].content.endswith(tk.RA_PILIH_STATUS) and "6871.QGE.002" in out[0].content
        _utuh(b, OP_UML, reminder)
        await b.tekan(OP_UML, "ra:s:selesai")
        assert "selesai 100 %" in b.api.last(OP_UML).content
        # reported: the next morning's sweep sends no reminder of it
        await _sapu(b, lokal(h1 + timedelta(days=1), 7))
        assert [m for m in b.api.messages(OP_UML) if m.message_id > reminder.message_id
                and any(x == data for row in m.buttons for _, x in row)] == []
        # outside the scope: the province's data operator, the Kota Bengkulu operator
        for tg in (OP_DATIN, OP_KOTA):
            await b.kirim(tg, "/jadwal")
            await _ditolak(b, tg, data, tk.RA_BUKAN_UNIT)
            assert (await b.kirim(tg, "selesai"))[-1].content == teks.BUKAN_PERINTAH
        for forged in ("ra:mulai:99999999", "ra:mulai:abc", "ra:mulai:²", "ra:mulai:" + "9" * 20, "ra:mulai",
                       f"ra:mulai:{ra}:x", "ra:mulai:-1"):
            await _ditolak(b, OP_UML, forged, teks.KEDALUWARSA)
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.rencana_progress.c.rencana_id, t.rencana_progress.c.status))).all()
    assert [tuple(r) for r in rows] == [(ra, "selesai")]


async def _tahap(engine: AsyncEngine, no: int) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == no))).scalar_one())


async def test_tandai_button_opens_tahapan_at_the_stage_of_the_kabkota(engine: AsyncEngine) -> None:
    s20 = await _tahap(engine, 20)  # Pelayanan Pindah memilih, until 20 November 2024
    async with engine.begin() as conn:  # given: Kota Bengkulu has not marked it (the demo marks past stages)
        kota = await unit_id(conn, "KAB-1771")
        await conn.execute(t.stage_completions.delete().where(t.stage_completions.c.stage_id == s20,
                                                              t.stage_completions.c.unit_id == kota))
        await tambah_pengguna(conn, tg=OP_SELATAN, nama="Operator Selatan", peran="operator", unit="KAB-1701",
                              now=lokal(date(2024, 1, 1), 7))
    async with bot_uji(engine) as b:
        b.api.add_user(OP_SELATAN, "Operator Selatan")
        assert await _sapu(b, lokal(date(2024, 11, 19), 7))  # H-1
        data = f"th:mulai:{s20}:{kota}"
        reminder = _pengingat(b, OP_KOTA, data)
        assert "Tahapan 20: Pelayanan Pindah memilih" in (reminder.text or "")
        out = await _tekan_dua_kali(b, OP_KOTA, reminder, data)
        assert len(out) == 1 and out[0].content.startswith("Tahapan 20: Pelayanan Pindah memilih (batas 20 November")
        _utuh(b, OP_KOTA, reminder)
        await b.tekan(OP_KOTA, "th:hari")
        await b.tekan(OP_KOTA, "th:lewati")
        assert ("Tersimpan: tahapan 20 (Pelayanan Pindah memilih) untuk KPU Kota Bengkulu selesai 19 November 2024"
                " — tepat waktu") in b.api.last(OP_KOTA).content
        # done: the button now finds the stage marked, as /tahapan would (with Koreksi)
        out = await b.tekan(OP_KOTA, data, message_id=reminder.message_id)
        assert out[-1].content.startswith("Ditolak: tahapan 20") and out[-1].buttons[0][0][1] == "th:kor"
        await b.tekan(OP_KOTA, "th:batal")
        # outside the scope: another kab/kota's operator; inside: province staff mark any kab/kota (as /tahapan)
        await b.kirim(OP_SELATAN, "/jadwal")
        await _ditolak(b, OP_SELATAN, data, tk.TH_BUKAN_CAKUPAN)
        assert (await b.kirim(OP_SELATAN, "19-11-2024"))[-1].content == teks.BUKAN_PERINTAH
        await b.kirim(OP_DATIN, "/jadwal")
        await b.tekan(OP_DATIN, data, message_id=b.api.last(OP_DATIN).message_id)
        assert b.api.last(OP_DATIN).content.startswith("Ditolak: tahapan 20 (Pelayanan Pindah memilih) untuk KPU Kota")
        await b.kirim(OP_DATIN, "/batal")
        for forged in (f"th:mulai:99999999:{kota}", f"th:mulai:{s20}", f"th:mulai:x:{kota}", f"th:mulai:{s20}:x",
                       f"th:mulai:{s20}:{kota}:1", "th:mulai:" + "9" * 30 + f":{kota}", "th:mulai"):
            await _ditolak(b, OP_KOTA, forged, teks.KEDALUWARSA)
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.stage_completions.c.versi, t.stage_completions.c.sumber).where(
            t.stage_completions.c.stage_id == s20, t.stage_completions.c.unit_id == kota))).all()
    assert [tuple(r) for r in rows] == [(1, "bot")]


async def test_the_provinces_own_stage_opens_tahapan_for_the_province(engine: AsyncEngine) -> None:
    """The province's stage is reminded to its data section and marked in /tahapan for the province unit."""
    async with engine.connect() as conn:
        prov = await unit_id(conn, "PROV")
    async with bot_uji(engine) as b:
        assert await _sapu(b, lokal(date(2024, 9, 22), 7))  # H-1 of stage 18, the province's pleno
        msg = next(m for m in b.api.messages(OP_DATIN) if "Tahapan 18" in (m.text or ""))
        data = f"th:mulai:{await _tahap(engine, 18)}:{prov}"
        assert [d for row in msg.buttons for _, d in row if d and not d.startswith("pg:")] == [data]
        out = await _tekan_dua_kali(b, OP_DATIN, msg, data)
        assert out[0].content.startswith("Tahapan 18: Pleno Rekapitulasi DPT oleh KPU Provinsi (batas 23 September")


async def _tps(engine: AsyncEngine, n: int) -> list[tuple[int, str]]:
    async with engine.connect() as conn:
        q = sa.select(t.tps.c.id, t.tps.c.kode).where(t.tps.c.kabkota_unit_id == await unit_id(conn, "KAB-1771"))
        return [(int(i), str(k)) for i, k in (await conn.execute(q.order_by(t.tps.c.kode).limit(n))).all()]


async def test_tps_button_opens_tiba_at_the_tps(engine: AsyncEngine) -> None:
    (tps1, kode1), _, (tps3, kode3), (_, kode4) = await _tps(engine, 4)  # the petugas has the first 3
    async with bot_uji(engine) as b:
        assert await _sapu(b, lokal(date(2024, 11, 23), 7))  # H-3 of the logistics cut-off
        data = f"tb:mulai:{kode1}"
        assert len(data.encode()) <= 64
        reminder = _pengingat(b, PETUGAS, data)
        out = await _tekan_dua_kali(b, PETUGAS, reminder, data)
        assert len(out) == 1 and out[0].content.startswith(f"TPS {kode1} (")
        assert "Yang seharusnya tiba:" in out[0].content
        _utuh(b, PETUGAS, reminder)
        await b.tekan(PETUGAS, "tb:ok")
        await b.tekan(PETUGAS, "tb:moda:PICKUP")
        await b.tekan(PETUGAS, "tb:kini")
        await b.app.process_update((await b.api.send_photo(PETUGAS, file_id="foto-tps-1")).to_update(b.app.bot))
        await b.tekan(PETUGAS, "tb:kirim")
        assert f"TPS {kode1}: lengkap, baik dan tepat waktu" in b.api.last(PETUGAS).content
        _utuh(b, PETUGAS, reminder)
        # another TPS of the same reminder; then the first again (replacing that open report): a second report
        out = await b.tekan(PETUGAS, f"tb:mulai:{kode3}", message_id=reminder.message_id)
        assert out[0].content.startswith(f"TPS {kode3} (")
        out = await b.tekan(PETUGAS, data, message_id=reminder.message_id)
        assert out[0].content.startswith(f"TPS {kode1} sudah punya laporan")
        await b.tekan(PETUGAS, "tb:batal")
        # outside the scope: a TPS that is not theirs; an operator (the guard, by role)
        await _ditolak(b, PETUGAS, f"tb:mulai:{kode4}", tl.BUKAN_TPS_ANDA_SINGKAT)
        assert (await b.kirim(PETUGAS, "halo"))[-1].content == teks.BUKAN_PERINTAH
        await b.kirim(OP_KOTA, "/jadwal")
        await _ditolak(b, OP_KOTA, data, teks.TOMBOL_TIDAK_BERWENANG)
        for forged in ("tb:mulai:17.71.99.9999-999", "tb:mulai:", "tb:mulai", f"tb:mulai:{kode1}:x",
                       "tb:mulai:" + "ü" * 27):
            await _ditolak(b, PETUGAS, forged, teks.KEDALUWARSA)
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.arrival_reports.c.tps_id, t.arrival_reports.c.versi))).all()
    assert [tuple(r) for r in rows] == [(tps1, 1)]
    assert tps3 != tps1
