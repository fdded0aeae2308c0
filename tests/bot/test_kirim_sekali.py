"""Every flow's final step stores its draft once: Telegram failing after the save, a second tap, or the same
update handled twice (a crash between the save and the conversation's end) never stores a second row, a second
audit record or a second message to the verifier, and the receipt reaches the user once. And /realisasi, like
/tiba, resumes with "Lanjutkan" at the step the user last saw when Telegram would not show the next one.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import ConversationHandler

from storage import tables as t
from tests.bot.bantuan_kinerja import data_tombol
from tests.bot.harness import BotUji, bot_uji, demo_tg
from tests.storage.test_arrivals import item_ids

SINGKAT = {"per_chat": None, "skala": 0.01, "batas_s": 0.3}  # short waits, and a bound a lasting fault exhausts
CEPAT = {"per_chat": None, "skala": 0.01}


async def _kode(engine: AsyncEngine, tabel: sa.Table, kode: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(tabel.c.id).where(tabel.c.kode == kode))).scalar_one()


Langkah = tuple[str, str]  # ("teks", a typed text) or ("tombol", a button's data); the last one saves


async def _realisasi(b: BotUji, engine: AsyncEngine, tg: int) -> list[Langkah]:
    await b.kirim(tg, "/realisasi")
    await b.tekan(tg, data_tombol(b, tg, "KUL-UML-1 ·"))
    for langkah in [("tombol", "rl:p:2024-Q3"), ("teks", "95,5 %"), ("tombol", "rl:lanjut"),
                    ("tombol", "rl:lanjut"), ("tombol", "rl:lanjut")]:
        await jalankan(b, tg, langkah)
    return [("tombol", "rl:kirim")]


async def _anggaran(b: BotUji, engine: AsyncEngine, tg: int) -> list[Langkah]:
    return [("teks", "/anggaran_lapor"), ("tombol", f"al:m:{await _kode(engine, t.budget_lines, '6871.QGE.001')}"),
            ("tombol", "al:p:2024-M09"), ("teks", "1,5 juta"), ("tombol", "al:kirim")]


async def _rencana(b: BotUji, engine: AsyncEngine, tg: int) -> list[Langkah]:
    return [("teks", "/rencana"), ("tombol", f"ra:a:{await _kode(engine, t.rencana_aksi, '6871.QGE.002')}"),
            ("tombol", "ra:s:selesai")]


async def _tahapan(b: BotUji, engine: AsyncEngine, tg: int) -> list[Langkah]:
    async with engine.begin() as conn:  # Kota Bengkulu has not marked stage 20 yet
        s20 = (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == 20))).scalar_one()
        kota = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "KAB-1771"))).scalar_one()
        await conn.execute(t.stage_completions.delete().where(t.stage_completions.c.stage_id == s20,
                                                              t.stage_completions.c.unit_id == kota))
    return [("teks", "/tahapan"), ("tombol", f"th:s:{s20}"), ("teks", "19 November 2024"),
            ("teks", "BA nomor 12/PL.01/2024")]


async def _gudang(b: BotUji, engine: AsyncEngine, tg: int) -> list[Langkah]:
    return [("teks", "/gudang"), ("tombol", "gd:terima"), ("tombol", f"gd:item:{(await item_ids(engine))['KOTAK']}"),
            ("teks", "746"), ("teks", "18 Oktober 2024"), ("tombol", "gd:kond:baik"), ("tombol", "gd:simpan")]


@dataclass(frozen=True)
class Alur:
    """One flow: who reports, its steps, where the save lands, and how its receipt reads."""

    nama: str
    pengguna: str  # demo key
    langkah: Callable[[BotUji, AsyncEngine, int], Awaitable[list[Langkah]]]
    tabel: sa.Table
    entitas: str  # audit entity of the save
    tanda: str  # text only the receipt has
    kunci: str  # the draft's key in user_data
    percakapan: str
    keadaan: str  # the conversation's state at the final step
    kirim_ulang: str  # the method that shows the receipt


ALUR = [
    Alur("realisasi", "operator-uml", _realisasi, t.realisations, "realisasi", "tersimpan sebagai versi 1", "rl",
         "pelaporan", "rl_konfirmasi", "sendMessage"),
    Alur("anggaran_lapor", "operator-uml", _anggaran, t.budget_realisations, "realisasi_anggaran",
         "Tersimpan (versi 1)", "al", "pelaporan", "al_konfirmasi", "sendMessage"),
    Alur("rencana", "operator-uml", _rencana, t.rencana_progress, "rencana_aksi", "Tersimpan:\n", "ra",
         "pelaporan", "ra_status", "sendMessage"),
    Alur("tahapan", "operator-kota", _tahapan, t.stage_completions, "tahapan", "Tersimpan: tahapan 20", "th",
         "pelaporan", "th_catatan", "sendMessage"),
    Alur("gudang", "operator-kota", _gudang, t.supplier_deliveries, "gudang_terima", "Tersimpan di gudang", "gudang",
         "gudang", "t_konfirm", "editMessageText"),
]


async def jalankan(b: BotUji, tg: int, langkah: Langkah, message_id: int | None = None) -> None:
    jenis, isi = langkah
    if jenis == "teks":
        await b.kirim(tg, isi)
    else:
        await b.tekan(tg, isi, message_id=message_id)


async def hitung(engine: AsyncEngine, alur: Alur) -> tuple[int, int, int]:
    """Rows of the flow's table, its audit records, and requests to verify in the outbox."""
    n = sa.func.count()
    async with engine.connect() as conn:
        return ((await conn.execute(sa.select(n).select_from(alur.tabel))).scalar_one(),
                (await conn.execute(sa.select(n).where(t.audit_log.c.entity == alur.entitas))).scalar_one(),
                (await conn.execute(sa.select(n).where(t.outbox.c.kind == "persetujuan"))).scalar_one())


def tanda_terima(b: BotUji, tg: int, alur: Alur) -> list[str]:
    """The receipts the user was shown (each message's final text)."""
    return [m.text or "" for m in b.api.messages(tg) if alur.tanda in (m.text or "")]


KASUS_A = [(a, m) for a in ALUR for m in ("answerCallbackQuery", a.kirim_ulang)
           if m != "answerCallbackQuery" or a.langkah in (_realisasi, _rencana, _gudang)]


@pytest.mark.parametrize(("alur", "metode"), KASUS_A, ids=[f"{a.nama}-{m}" for a, m in KASUS_A])
async def test_telegram_failing_at_the_final_step_then_a_second_try_stores_once_one_receipt(
        engine: AsyncEngine, alur: Alur, metode: str) -> None:
    tg = await demo_tg(engine, alur.pengguna)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        langkah = await alur.langkah(b, engine, tg)
        for x in langkah[:-1]:
            await jalankan(b, tg, x)
        sebelum = await hitung(engine, alur)
        ringkasan = b.api.last(tg)
        b.api.fail_next(metode, 502, times=1000)  # Telegram refuses past the bound
        await jalankan(b, tg, langkah[-1])
        b.api.clear_faults()
        await jalankan(b, tg, langkah[-1], message_id=ringkasan.message_id)  # the user taps (or types) again
        await b.kirim_outbox()
        assert len(tanda_terima(b, tg, alur)) == 1, b.api.messages(tg)[-3:]
        assert metode == "answerCallbackQuery" or b.api.unanswered_callbacks() == []
    baris, jejak, minta = await hitung(engine, alur)
    assert (baris - sebelum[0], jejak - sebelum[1]) == (1, 1)
    assert minta - sebelum[2] == (1 if alur.nama == "realisasi" else 0)  # the head asked to verify once


@pytest.mark.parametrize("alur", ALUR, ids=[a.nama for a in ALUR])
async def test_the_same_final_update_handled_twice_stores_once_and_shows_the_same_receipt(
        engine: AsyncEngine, alur: Alur) -> None:
    tg = await demo_tg(engine, alur.pengguna)
    async with bot_uji(engine, kendali=CEPAT) as b:
        langkah = await alur.langkah(b, engine, tg)
        for x in langkah[:-1]:
            await jalankan(b, tg, x)
        sebelum = await hitung(engine, alur)
        jenis, isi = langkah[-1]
        if jenis == "teks":
            upd = (await b.api.send_text(tg, isi)).to_update(b.app.bot)
        else:
            upd = (await b.api.press(tg, b.api.last(tg).message_id, isi)).to_update(b.app.bot)
        assert b.app.user_data[tg][alur.kunci]["draf"]  # the draft id was made when the flow started
        draf = copy.deepcopy(b.app.user_data[tg][alur.kunci])
        await b.app.process_update(upd)
        terima = tanda_terima(b, tg, alur) if alur.nama != "gudang" else [b.api.last(tg).text or ""]
        assert len(terima) == 1 and (alur.nama != "gudang" or "746 kemasan" in terima[0])
        # the process stopped after the save, before the conversation's end was kept: Telegram delivers the
        # same update again to the draft as it was
        b.app.user_data[tg][alur.kunci] = draf
        percakapan = next(h for hs in b.app.handlers.values() for h in hs
                          if isinstance(h, ConversationHandler) and h.name == alur.percakapan)
        percakapan._conversations[(tg, tg)] = alur.keadaan
        await b.app.process_update(upd)
        assert (b.api.last(tg).text or "") == terima[-1]  # the same receipt
        assert len(await _outbox_tanda_terima(engine, tg)) == 0
    baris, jejak, minta = await hitung(engine, alur)
    assert (baris - sebelum[0], jejak - sebelum[1]) == (1, 1)
    assert minta - sebelum[2] == (1 if alur.nama == "realisasi" else 0)


async def _outbox_tanda_terima(engine: AsyncEngine, tg: int) -> list[int]:
    o = t.outbox
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(o.c.id).where(o.c.chat_id == tg,
                                                                  o.c.kind == "tanda_terima"))).scalars())


# --- /realisasi resumes with "Lanjutkan" ----------------------------------------------------------------------


async def _lanjutkan(b: BotUji, engine: AsyncEngine, tg: int) -> str:
    """Deliver the "Telegram was busy" message and tap its Lanjutkan button; returns that message's text."""
    b.api.clear_faults()  # Telegram is back
    assert await b.kirim_outbox() == 1
    pesan = b.api.last(tg)
    assert [d for row in pesan.buttons for _, d in row] == ["rl:sambung"]
    await b.tekan(tg, "rl:sambung", message_id=pesan.message_id)
    return pesan.text or ""


async def _realisasi_tersimpan(engine: AsyncEngine) -> list[tuple[int, str]]:
    r, i = t.realisations, t.indicators
    async with engine.connect() as conn:
        return [(x.versi, x.nilai) for x in (await conn.execute(
            sa.select(r.c.versi, r.c.nilai).join(i, i.c.id == r.c.indicator_id)
            .where(i.c.kode == "KUL-UML-1", r.c.periode == "2024-Q3"))).all()]


async def test_realisasi_value_kept_when_its_next_question_never_showed_and_lanjutkan_goes_on(
        engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/realisasi")
        await b.tekan(tg, data_tombol(b, tg, "KUL-UML-1 ·"))
        await b.tekan(tg, "rl:p:2024-Q3")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(tg, "95,5 %")  # kept; the evidence question never shows
        teks = await _lanjutkan(b, engine, tg)
        assert "meneruskan laporan realisasi KUL-UML-1" in teks
        assert (b.api.last(tg).text or "").startswith("Kirim bukti dukung")  # the value is not asked again
        for _ in range(3):
            await b.tekan(tg, "rl:lanjut")
        assert "Periksa laporan Anda" in (b.api.last(tg).text or "")
        await b.tekan(tg, "rl:kirim")
        assert "tersimpan sebagai versi 1" in (b.api.last(tg).text or "")
    assert [v for v, _ in await _realisasi_tersimpan(engine)] == [1]


async def test_realisasi_button_step_never_shown_is_asked_again_on_lanjutkan(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/realisasi")
        await b.tekan(tg, data_tombol(b, tg, "KUL-UML-1 ·"))
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, "rl:p:2024-Q3")  # the value question never shows: the period is asked again
        await _lanjutkan(b, engine, tg)
        assert "rl:p:2024-Q3" in [d for row in b.api.last(tg).buttons for _, d in row]
        await b.tekan(tg, "rl:p:2024-Q3")
        assert "Triwulan III 2024" in (b.api.last(tg).text or "")
        await b.kirim(tg, "95,5 %")
        for _ in range(3):
            await b.tekan(tg, "rl:lanjut")
        await b.tekan(tg, "rl:kirim")
        assert "tersimpan sebagai versi 1" in (b.api.last(tg).text or "")


async def test_realisasi_lanjutkan_without_a_draft_starts_the_flow(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(tg, "/realisasi")  # the indicator list never shows
        teks = await _lanjutkan(b, engine, tg)
        assert "memulai laporan realisasi" in teks
        assert data_tombol(b, tg, "KUL-UML-1 ·").startswith("rl:i:")
        await b.kirim(tg, "/batal")
        await b.tekan(tg, "rl:sambung", message_id=b.api.messages(tg)[0].message_id)  # an old Lanjutkan, later
        assert data_tombol(b, tg, "KUL-UML-1 ·").startswith("rl:i:")  # starts afresh; nothing was kept
    assert await _realisasi_tersimpan(engine) == []
