"""Replies while Telegram is busy: 429, 502 and lost responses at every step of /tiba, the bound after which the
user resumes through the outbox, an idempotent Kirim, reminders taken back by the report, and one flooded chat.
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import ConversationHandler

from bot.fakebotapi import FakeBotApi, FloodLimits
from bot.kendali import KendaliBanjir
from bot.outbox import OutboxSender
from storage import org, tenggat
from storage import tables as t
from storage.audit import GALAT_SIBUK
from tests.bot.harness import BotUji, bot_uji

H_MIN_1 = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)
SESUDAH_BATAS = datetime(2024, 11, 26, 17, 30, tzinfo=UTC)  # late: every report escalates
PETUGAS = 910007
CEPAT = {"per_chat": None, "skala": 0.01}  # Telegram's waits (retry_after, back-off) a hundred times shorter
SINGKAT = {**CEPAT, "batas_s": 0.3}  # and a bound that a persistent fault exhausts
TERIMA = "Nomor tanda terima: TB-"


async def tps_pertama(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await org.list_tps(conn, kabkota="KAB-1771", limit=1))[0].id


def langkah_tiba(tps_id: int) -> list[tuple[str, str]]:
    """Every step of a report as (kind, payload): a command, a button, a typed answer (the reason for no photo,
    typed at the photo step)."""
    return [("teks", "/tiba"), ("tombol", f"tb:tps:{tps_id}"), ("tombol", "tb:ok"), ("tombol", "tb:moda:PICKUP"),
            ("tombol", "tb:kini"), ("teks", "kamera HP rusak"), ("tombol", "tb:kirim")]


async def jalankan(b: BotUji, langkah: tuple[str, str]) -> None:
    jenis, isi = langkah
    if jenis == "teks":
        await b.kirim(PETUGAS, isi)
    else:
        await b.tekan(PETUGAS, isi)


def gangguan(api: FakeBotApi, method: str, jenis: str, *, times: int = 1) -> None:
    """One fault: a 429, a 502, or a lost response (after Telegram acted, for calls that are safe to repeat)."""
    if jenis == "429":
        api.fail_next(method, 429, retry_after=1, times=times)
    elif jenis == "502":
        api.fail_next(method, 502, times=times)
    else:
        api.timeout_next(method, times=times, executed=method != "sendMessage")


def pertanyaan_ganda(api: FakeBotApi) -> list[str]:
    """Texts the user was shown twice (as two messages, or twice as one message's successive content)."""
    dilihat: list[str] = []
    for m in api.messages(PETUGAS):
        versi = [v.text for v in m.history] + [m.text] if m.history else [m.text]
        dilihat += [x or "" for i, x in enumerate(versi) if i == 0 or x != versi[i - 1]]
    return sorted({x for x in dilihat if dilihat.count(x) > 1})


KASUS = [(i, method, jenis) for i, (kind, _) in enumerate(langkah_tiba(0))
         for method in (("sendMessage",) if kind == "teks" else ("answerCallbackQuery", "editMessageText"))
         for jenis in ("429", "502", "timeout")]


@pytest.mark.parametrize(("step", "method", "jenis"), KASUS, ids=[f"{i}-{m}-{j}" for i, m, j in KASUS])
async def test_one_fault_at_any_step_costs_a_short_wait_never_the_report(engine: AsyncEngine, step: int,
                                                                         method: str, jenis: str) -> None:
    tps_id = await tps_pertama(engine)
    async with bot_uji(engine, kendali=CEPAT) as b:
        b.jam.now = H_MIN_1
        for i, langkah in enumerate(langkah_tiba(tps_id)):
            if i == step:
                gangguan(b.api, method, jenis)
            await jalankan(b, langkah)
        assert TERIMA in (b.api.last(PETUGAS).text or "")
        assert pertanyaan_ganda(b.api) == []
        # the TPS list (edited step by step) and the summary answering the typed reason (edited into the receipt)
        assert len(b.api.messages(PETUGAS)) == 2
        assert b.api.unanswered_callbacks() == []
        # each query answered once (a lost answer is tried again, and Telegram refuses that try)
        assert sorted(Counter(a.query_id for a in b.api.callback_answers).values())[-1] == 1
        assert max(b.api.callback_answer_counts.values()) == (2 if (method, jenis) == (
            "answerCallbackQuery", "timeout") else 1)
        assert b.app.bot.rate_limiter.dicoba_ulang >= 1  # type: ignore[union-attr]
    async with engine.connect() as conn:
        r = (await conn.execute(sa.select(t.arrival_reports).where(t.arrival_reports.c.tps_id == tps_id))).all()
    assert [(x.versi, x.moda, x.alasan_tanpa_foto) for x in r] == [(1, "PICKUP", "kamera HP rusak")]


async def outbox_ke(engine: AsyncEngine, chat: int, kind: str | None = None) -> list[Any]:
    o = t.outbox
    q = sa.select(o).where(o.c.chat_id == chat).order_by(o.c.id)
    async with engine.connect() as conn:
        return list((await conn.execute(q.where(o.c.kind == kind) if kind else q)).all())


async def test_a_step_telegram_never_takes_stays_unseen_and_lanjutkan_resumes_there(engine: AsyncEngine) -> None:
    tps_id = await tps_pertama(engine)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        b.jam.now = H_MIN_1
        for langkah in langkah_tiba(tps_id)[:4]:  # up to the mode: the user sees the time question
            await jalankan(b, langkah)
        b.api.fail_next("editMessageText", 502, times=1000)
        await b.tekan(PETUGAS, "tb:kini")
        b.api.clear_faults()  # Telegram is back
        assert bertombol(b).startswith("Kapan logistik tiba?")  # the photo question never showed
        assert max(b.api.callback_answer_counts.values()) == 1  # the error handler did not answer again
        pesan = await outbox_ke(engine, PETUGAS, "lanjut")
        assert len(pesan) == 1 and "Ketuk Lanjutkan untuk meneruskan laporan TPS" in pesan[0].text
        assert await b.kirim_outbox() == 1
        lanjut = b.api.last(PETUGAS)
        assert lanjut.buttons == [[("▶️ Lanjutkan", "tb:lanjut")]]
        # the conversation is still at the time step, with "Baru saja" kept: Lanjutkan shows the question that
        # never came (the photo), in the new message, and no step is skipped or asked twice
        await b.tekan(PETUGAS, "tb:lanjut", message_id=lanjut.message_id)
        assert (b.api.last(PETUGAS).text or "").startswith("Kirim satu foto")
        for langkah in langkah_tiba(tps_id)[5:]:
            await jalankan(b, langkah)
        assert TERIMA in (b.api.last(PETUGAS).text or "")
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)
                                .where(t.audit_log.c.action == GALAT_SIBUK))).scalar_one()
    assert n == 1


def bertombol(b: BotUji) -> str:
    return next(m.text or "" for m in reversed(b.api.messages(PETUGAS)) if m.buttons)


async def test_a_typed_answer_whose_next_question_never_showed_is_kept_on_lanjutkan(engine: AsyncEngine) -> None:
    tps_id = await tps_pertama(engine)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        b.jam.now = H_MIN_1
        for langkah in langkah_tiba(tps_id)[:5]:
            await jalankan(b, langkah)
        b.api.fail_next("sendMessage", 429, retry_after=1, times=1000)
        await b.kirim(PETUGAS, "kamera HP rusak")
        b.api.clear_faults()
        assert await b.kirim_outbox() == 1
        await b.tekan(PETUGAS, "tb:lanjut")
        # the reason was kept: Lanjutkan shows the question that never came, the summary
        ringkasan = b.api.last(PETUGAS).text or ""
        assert ringkasan.startswith("Periksa laporan Anda") and "Foto: tidak ada (kamera HP rusak)" in ringkasan
        for langkah in langkah_tiba(tps_id)[6:]:
            await jalankan(b, langkah)
        assert TERIMA in (b.api.last(PETUGAS).text or "")


async def test_tiba_itself_unanswered_is_started_by_lanjutkan(engine: AsyncEngine) -> None:
    tps_id = await tps_pertama(engine)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        b.jam.now = H_MIN_1
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(PETUGAS, "/tiba")
        b.api.clear_faults()
        assert await b.kirim_outbox() == 1
        assert "memulai laporan logistik tiba" in (b.api.last(PETUGAS).text or "")
        await b.tekan(PETUGAS, "tb:lanjut")
        await b.tekan(PETUGAS, f"tb:tps:{tps_id}")
        assert "Yang seharusnya tiba" in bertombol(b)


async def test_kirim_with_answer_failing_then_a_second_tap_one_version_one_escalation_one_receipt(
        engine: AsyncEngine) -> None:
    tps_id = await tps_pertama(engine)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        b.jam.now = SESUDAH_BATAS
        for langkah in langkah_tiba(tps_id)[:-1]:
            await jalankan(b, langkah)
        ringkasan = b.api.last(PETUGAS)
        b.api.fail_next("answerCallbackQuery", 502, times=1000)
        await b.tekan(PETUGAS, "tb:kirim")
        b.api.clear_faults()
        await b.tekan(PETUGAS, "tb:kirim", message_id=ringkasan.message_id)  # the officer taps again
        await b.kirim_outbox()
        tanda = [m for m in b.api.messages(PETUGAS) if TERIMA in (m.text or "")]
        assert len(tanda) == 1 and "TB-" in (tanda[0].text or "")
    async with engine.connect() as conn:
        versi = (await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports)
                                    .where(t.arrival_reports.c.tps_id == tps_id))).scalar_one()
        esk = (await conn.execute(sa.select(sa.func.count()).select_from(t.escalations)
                                  .where(t.escalations.c.tps_id == tps_id))).scalar_one()
    assert (versi, esk) == (1, 1)


async def test_the_same_kirim_update_handled_twice_stores_once_and_shows_the_same_receipt(
        engine: AsyncEngine) -> None:
    tps_id = await tps_pertama(engine)
    async with bot_uji(engine, kendali=CEPAT) as b:
        b.jam.now = SESUDAH_BATAS
        for langkah in langkah_tiba(tps_id)[:-1]:
            await jalankan(b, langkah)
        ringkasan = b.api.last(PETUGAS)
        upd = (await b.api.press(PETUGAS, ringkasan.message_id, "tb:kirim")).to_update(b.app.bot)
        draf = copy.deepcopy(b.app.user_data[PETUGAS]["tiba"])
        await b.app.process_update(upd)
        terima = b.api.last(PETUGAS).text or ""
        assert TERIMA in terima
        # a retried update: the process stopped after the save, before the conversation's end was kept, and
        # Telegram delivers the same Kirim again
        b.app.user_data[PETUGAS]["tiba"] = draf
        tiba = next(h for hs in b.app.handlers.values() for h in hs
                    if isinstance(h, ConversationHandler) and h.name == "tiba")
        tiba._conversations[(PETUGAS, PETUGAS)] = "konfirm"
        await b.app.process_update(upd)
        assert b.api.last(PETUGAS).text == terima  # the same receipt
        assert b.jawaban_terakhir() is None  # the query was answered once, not refused a second time
        assert len(await outbox_ke(engine, 910006, "eskalasi")) == 1  # the kab/kota officer, once
    async with engine.connect() as conn:
        versi = (await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports)
                                    .where(t.arrival_reports.c.tps_id == tps_id))).scalar_one()
    assert versi == 1


async def _pengingat_logistik(engine: AsyncEngine, now: datetime, *, diklaim: bool) -> int:
    """A queued H-1 logistics reminder for the officer (claimed by a sender, or not)."""
    async with engine.begin() as conn:
        await tenggat.sinkronkan(conn, zona="Asia/Jakarta", now=now)
        unit = await org.unit_by_code(conn, "KAB-1771")
        assert unit is not None
        dl = t.deadlines
        d = (await conn.execute(sa.select(dl.c.id).where(dl.c.jenis == "logistik", dl.c.unit_id == unit.id,
                                                         dl.c.ref == "h1"))).scalar_one()
        uid = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.telegram_id == PETUGAS))).scalar_one()
        await conn.execute(t.outbox.insert().values(
            dedup_key=tenggat.kunci(d, uid, "h1"), chat_id=PETUGAS, kind=tenggat.KIND_PENGINGAT,
            text="TPS Anda yang belum melapor: …", status="antri", attempts=0, not_before=now, created_at=now,
            claimed_until=datetime(2099, 1, 1, tzinfo=UTC) if diklaim else None))
        return d


async def _lapor_semua(b: BotUji, engine: AsyncEngine) -> None:
    """The officer reports every TPS of theirs (in storage, as the bot does)."""
    from storage import arrivals, users

    async with engine.begin() as conn:
        p = await users.by_telegram_id(conn, PETUGAS)
        assert p is not None
        for tps_id in sorted(p.tps_ids):
            ktx = await arrivals.konteks_tps(conn, tps_id)
            assert ktx is not None
            await arrivals.simpan_laporan(conn, arrivals.MasukanTiba(tps_id, "baru", (), H_MIN_1), pelapor=p,
                                          now=H_MIN_1)


async def test_a_report_takes_back_its_waiting_reminder_in_the_same_transaction(engine: AsyncEngine) -> None:
    tps_id = await tps_pertama(engine)
    await _pengingat_logistik(engine, H_MIN_1, diklaim=False)
    async with bot_uji(engine, kendali=CEPAT) as b:
        b.jam.now = H_MIN_1
        for langkah in langkah_tiba(tps_id):
            await jalankan(b, langkah)
        assert await outbox_ke(engine, PETUGAS, tenggat.KIND_PENGINGAT) == []
        assert await b.kirim_outbox() == 0


async def test_a_reminder_already_claimed_is_dropped_by_the_sender_once_reported(engine: AsyncEngine) -> None:
    await _pengingat_logistik(engine, H_MIN_1, diklaim=True)
    async with bot_uji(engine, kendali=CEPAT) as b:
        await _lapor_semua(b, engine)
        assert len(await outbox_ke(engine, PETUGAS, tenggat.KIND_PENGINGAT)) == 1  # claimed: not taken back
        async with engine.begin() as conn:  # the claim's sender now sends it
            await conn.execute(t.outbox.update().values(claimed_until=None))
        sebelum = len(b.api.messages(PETUGAS)) if b._ada(PETUGAS) else 0
        await OutboxSender(engine, b.app.bot, clock=lambda: H_MIN_1).drain_once()
        assert (len(b.api.messages(PETUGAS)) if b._ada(PETUGAS) else 0) == sebelum
        assert await outbox_ke(engine, PETUGAS, tenggat.KIND_PENGINGAT) == []


async def test_a_reminder_for_an_officer_who_has_not_reported_still_goes(engine: AsyncEngine) -> None:
    await _pengingat_logistik(engine, H_MIN_1, diklaim=False)
    async with bot_uji(engine, kendali=CEPAT) as b:
        await OutboxSender(engine, b.app.bot, clock=lambda: H_MIN_1).drain_once()
        assert "belum melapor" in (b.api.last(PETUGAS).text or "")


async def test_one_flooded_chat_gets_paced_ordered_replies_and_no_429(engine: AsyncEngine) -> None:
    api = FakeBotApi()
    api.flood_limits = FloodLimits(per_chat=(2, 0.5), global_=(30, 1.0))
    # The limiter keeps a margin under the fake's limit, as under Telegram's: a request may reach the server a little
    # later than the limiter let it go, so equal windows would leave no room for that.
    async with bot_uji(engine, api=api, kendali={"per_chat": (2, 0.6)}) as b:
        b.jam.now = H_MIN_1
        await b.kirim(PETUGAS, "/tiba")  # the TPS step: a typed search gets a reply naming what was typed
        for i in range(8):
            await b.app.update_queue.put((await api.send_text(PETUGAS, f"nihil{i}")).to_update(b.app.bot))
        for _ in range(400):
            if sum("nihil" in (m.text or "") for m in api.messages(PETUGAS)) == 8:
                break
            await asyncio.sleep(0.01)
        balasan = [m for m in api.messages(PETUGAS) if "nihil" in (m.text or "")]
        assert [next(f"nihil{i}" for i in range(8) if f"nihil{i}" in (m.text or "")) for m in balasan] == [
            f"nihil{i}" for i in range(8)]
        kendali = b.app.bot.rate_limiter
        assert isinstance(kendali, KendaliBanjir) and kendali.dicoba_ulang == 0  # never refused: paced instead
        waktu = [c.at for c in api.calls if c.method == "sendMessage" and str(c.params.get("chat_id")) == str(PETUGAS)]
        assert all(waktu[i + 2] - waktu[i] >= 0.45 for i in range(len(waktu) - 2))


ALUR_LAIN = [("/realisasi", 910004), ("/anggaran_lapor", 910004), ("/rencana", 910005), ("/tahapan", 910006),
             ("/gudang", 910006)]


@pytest.mark.parametrize(("perintah", "tg"), ALUR_LAIN, ids=[p for p, _ in ALUR_LAIN])
@pytest.mark.parametrize("jenis", ["429", "502", "timeout"])
async def test_the_first_step_of_every_other_flow_survives_one_fault(engine: AsyncEngine, perintah: str, tg: int,
                                                                    jenis: str) -> None:
    async with bot_uji(engine, kendali=CEPAT) as b:
        b.jam.now = H_MIN_1
        tanpa = await b.kirim(tg, perintah)  # the same command without a fault, as the reference
        gangguan(b.api, "sendMessage", jenis)
        dengan = await b.kirim(tg, perintah)
        assert [m.text for m in dengan] == [m.text for m in tanpa] and dengan  # shown once, as without the fault
        assert "kesalahan" not in (b.api.last(tg).text or "")


async def test_storing_one_draft_twice_gives_the_first_result_and_writes_nothing(engine: AsyncEngine) -> None:
    from storage import arrivals, users

    tps_id = await tps_pertama(engine)
    masukan = arrivals.MasukanTiba(tps_id, "baru", (), SESUDAH_BATAS, moda="PICKUP", draf="draf-uji-1")
    async with engine.begin() as conn:
        p = await users.by_telegram_id(conn, PETUGAS)
        assert p is not None
        pertama = await arrivals.simpan_laporan(conn, masukan, pelapor=p, now=SESUDAH_BATAS)
    async with engine.begin() as conn:
        kedua = await arrivals.simpan_laporan(conn, masukan, pelapor=p, now=SESUDAH_BATAS)
        baru = arrivals.MasukanTiba(tps_id, "baru", (), SESUDAH_BATAS, draf="draf-uji-2")
        lain = await arrivals.simpan_laporan(conn, baru, pelapor=p, now=SESUDAH_BATAS)
    assert (pertama.ulang, kedua.ulang) == (False, True)
    assert kedua.laporan.nomor == pertama.laporan.nomor and kedua.masalah == pertama.masalah == ["terlambat"]
    assert [e.id for e in kedua.eskalasi] == [e.id for e in pertama.eskalasi] and len(pertama.eskalasi) == 1
    assert lain.laporan.versi == 2  # another draft is another version
    async with engine.connect() as conn:
        versi = (await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports)
                                    .where(t.arrival_reports.c.tps_id == tps_id))).scalar_one()
    assert versi == 2


async def test_the_outbox_page_counts_the_bots_failures(engine: AsyncEngine) -> None:
    from storage import audit
    from tests.admin.bantuan import Jam as JamWeb
    from tests.admin.bantuan import buat_web, klien, masuk

    async with engine.begin() as conn:
        for aksi in (GALAT_SIBUK, GALAT_SIBUK, audit.GALAT_BOT):
            await audit.record(conn, actor="bot", action=aksi, entity="pembaruan", entity_id="ABC123", now=H_MIN_1)
    w = buat_web(engine, JamWeb(H_MIN_1))
    async with klien(w) as c:
        await masuk(c, w, "admin")
        halaman = (await c.get("/outbox")).text
    assert "Galat bot dalam 24 jam terakhir: <strong>1</strong>" in halaman
    assert "Telegram sibuk (pengguna dikirimi tombol Lanjutkan): <strong>2</strong>" in " ".join(halaman.split())


async def test_realisasi_kirim_whose_receipt_telegram_never_takes_is_stored_once_and_the_receipt_comes_later(
        engine: AsyncEngine) -> None:
    from tests.bot.bantuan_kinerja import data_tombol
    from tests.bot.harness import demo_tg

    op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(op, "/realisasi")
        await b.tekan(op, data_tombol(b, op, "KUL-UML-1 ·"))
        await b.tekan(op, "rl:p:2024-Q3")
        await b.kirim(op, "95,5 %")
        for _ in range(3):
            await b.tekan(op, "rl:lanjut")
        ringkasan = b.api.last(op)
        assert "Periksa laporan Anda" in ringkasan.content
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(op, "rl:kirim")
        b.api.clear_faults()
        await b.tekan(op, "rl:kirim", message_id=ringkasan.message_id)  # a second tap
        await b.kirim_outbox()
        terima = [m for m in b.api.messages(op) if "tersimpan sebagai versi" in m.content]
        assert len(terima) == 1 and "versi 1" in terima[0].content
        assert len([m for m in b.api.messages(kabag) if "KUL-UML-1" in m.content]) == 1  # one request to verify
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(t.realisations))).scalar_one()
        assert len(await outbox_ke(engine, op, "tanda_terima")) == 1
    async with engine.connect() as conn:
        versi = (await conn.execute(sa.select(t.realisations.c.versi).join(
            t.indicators, t.indicators.c.id == t.realisations.c.indicator_id).where(
            t.indicators.c.kode == "KUL-UML-1", t.realisations.c.periode == "2024-Q3"))).scalars().all()
    assert versi == [1] and n >= 1


async def _antrekan(engine: AsyncEngine, chats: list[int]) -> None:
    from storage import outbox

    async with engine.begin() as conn:
        for c in chats:
            await outbox.enqueue(conn, key=f"uji-banjir:{c}", chat_id=c, text=f"Halo {c}", kind="info", now=H_MIN_1)


@pytest.mark.parametrize("chat_kedua", [False, True])
async def test_the_outbox_pauses_one_chat_for_its_429_and_everything_for_the_bots(engine: AsyncEngine,
                                                                                  chat_kedua: bool) -> None:
    chats = [910001, 910002, 910003]
    await _antrekan(engine, chats)
    async with bot_uji(engine) as b:
        if chat_kedua:  # another chat is under a flood wait already: this 429 is the bot's
            b.app.bot.rate_limiter._catat_429(910005, 30)  # type: ignore[union-attr]
        b.api.fail_next("sendMessage", 429, retry_after=30)
        await OutboxSender(engine, b.app.bot, clock=lambda: H_MIN_1).drain_once()
        terkirim = [c for c in chats if b.api.messages(c)]
    assert len(terkirim) == (0 if chat_kedua else 2)


async def test_an_error_after_the_button_was_answered_is_told_in_a_message_not_a_second_answer(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers import tiba

    async def rusak(*_: Any) -> str:
        raise RuntimeError("uji")

    tps_id = await tps_pertama(engine)
    async with bot_uji(engine, kendali=CEPAT, admin_ids=[910001]) as b:
        b.jam.now = H_MIN_1
        for langkah in langkah_tiba(tps_id)[:2]:
            await jalankan(b, langkah)
        monkeypatch.setattr(tiba, "_tanya_moda", rusak)
        await b.tekan(PETUGAS, "tb:ok")
        assert max(b.api.callback_answer_counts.values()) == 1
        galat = b.api.last(PETUGAS).text or ""
        assert galat.startswith("Maaf, terjadi kesalahan di sisi kami") and "Kode rujukan:" in galat
        kode = galat.rsplit(" ", 1)[1]
        assert len(await outbox_ke(engine, 910001, "alarm")) == 1  # a fault of ours: the admins hear of it
        assert await outbox_ke(engine, PETUGAS, "lanjut") == []
    async with engine.connect() as conn:
        rec = (await conn.execute(sa.select(t.audit_log).where(t.audit_log.c.entity_id == kode))).one()
    assert rec.action == "galat_bot" and rec.new == {"jenis": "RuntimeError", "pengguna": PETUGAS,
                                                     "langkah": "tombol tb:ok"}
