"""/anggaran_lapor, /rencana, /tahapan and /gudang resume with "Lanjutkan", as /tiba and /realisasi do: a step whose
question Telegram never took leaves the flow at the step the user last saw, the outbox brings the "Lanjutkan"
message when Telegram is back, and the flow goes on from there to the receipt with nothing the user entered lost.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import tables as t
from tests.bot.harness import BotUji, bot_uji, demo_tg

SINGKAT = {"per_chat": None, "skala": 0.01, "batas_s": 0.3}  # short waits, and a bound a lasting fault exhausts


async def _kode(engine: AsyncEngine, tabel: sa.Table, kode: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(tabel.c.id).where(tabel.c.kode == kode))).scalar_one()


async def _lanjutkan(b: BotUji, tg: int, kunci: str) -> str:
    """Telegram is back: deliver the outbox's one message, tap its Lanjutkan; returns that message's text."""
    b.api.clear_faults()
    assert await b.kirim_outbox() == 1
    pesan = b.api.last(tg)
    assert [d for row in pesan.buttons for _, d in row] == [f"{kunci}:sambung"]
    teks = pesan.text or ""  # read now: /gudang shows the next question in this same message
    await b.tekan(tg, f"{kunci}:sambung", message_id=pesan.message_id)
    return teks


def _terakhir(b: BotUji, tg: int) -> str:
    return b.api.last(tg).text or ""


async def test_anggaran_month_kept_when_the_amount_question_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    mata = await _kode(engine, t.budget_lines, "6871.QGE.001")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/anggaran_lapor")
        await b.tekan(tg, f"al:m:{mata}")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, "al:p:2024-M09")  # the month is kept; the amount question never shows
        assert not _terakhir(b, tg).startswith("Ketik realisasi KUMULATIF")
        teks = await _lanjutkan(b, tg, "al")
        assert teks.startswith("Maaf, jaringan Telegram sedang sibuk")
        assert "meneruskan laporan realisasi anggaran 6871.QGE.001" in teks
        assert _terakhir(b, tg).startswith("Ketik realisasi KUMULATIF 6871.QGE.001 sampai akhir September 2024")
        await b.kirim(tg, "1,5 juta")
        assert _terakhir(b, tg).startswith("Ringkasan laporan Anda:")
        await b.tekan(tg, "al:kirim")
        assert "Tersimpan (versi 1)" in _terakhir(b, tg)
    r = t.budget_realisations
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(r.c.periode, r.c.versi, r.c.jumlah)
                                   .where(r.c.budget_line_id == mata))).all()
    assert [tuple(x) for x in rows if x.periode == "2024-M09"] == [("2024-M09", 1, 1_500_000)]


async def test_anggaran_output_list_never_shown_starts_afresh_on_lanjutkan(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    mata = await _kode(engine, t.budget_lines, "6871.QGE.001")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(tg, "/anggaran_lapor")
        assert "memulai laporan realisasi anggaran" in await _lanjutkan(b, tg, "al")
        assert f"al:m:{mata}" in [d for row in b.api.last(tg).buttons for _, d in row]


async def test_anggaran_reason_asked_again_when_it_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    mata = await _kode(engine, t.budget_lines, "6871.QGE.001")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        for _ in range(2):  # the second report of the month is a correction: it asks a reason
            await b.kirim(tg, "/anggaran_lapor")
            await b.tekan(tg, f"al:m:{mata}")
            await b.tekan(tg, "al:p:2024-M09")
            if _ == 1:
                b.api.fail_next("sendMessage", 502, times=1000)
            await b.kirim(tg, "1,5 juta" if _ == 0 else "1,6 juta")
            if _ == 0:
                await b.tekan(tg, "al:kirim")
        await _lanjutkan(b, tg, "al")
        assert _terakhir(b, tg).startswith("Tulis alasan koreksinya")
        await b.kirim(tg, "salah ketik nilai kuitansi")
        assert "Koreksi, alasan: salah ketik nilai kuitansi" in _terakhir(b, tg)
        await b.tekan(tg, "al:kirim")
        assert "Tersimpan (versi 2)" in _terakhir(b, tg)


async def test_anggaran_summary_shown_again_when_it_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    mata = await _kode(engine, t.budget_lines, "6871.QGE.001")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/anggaran_lapor")
        await b.tekan(tg, f"al:m:{mata}")
        await b.tekan(tg, "al:p:2024-M09")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(tg, "1,5 juta")  # the amount is kept; the summary never shows
        assert not _terakhir(b, tg).startswith("Ringkasan")
        await _lanjutkan(b, tg, "al")
        assert _terakhir(b, tg).startswith("Ringkasan laporan Anda:")
        assert "Realisasi kumulatif: Rp1.500.000 dari pagu Rp20.208.000" in _terakhir(b, tg)
        await b.tekan(tg, "al:kirim")
        assert "Tersimpan (versi 1)" in _terakhir(b, tg)
    r = t.budget_realisations
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(r).where(r.c.budget_line_id == mata,
                                                                               r.c.periode == "2024-M09"))).scalar()
    assert n == 1


async def test_rencana_status_kept_when_the_progress_question_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    ra = await _kode(engine, t.rencana_aksi, "6871.QGE.002")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/rencana")
        await b.tekan(tg, f"ra:a:{ra}")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, "ra:s:berjalan")  # "berjalan" is kept; the progress question never shows
        assert not _terakhir(b, tg).startswith("Berapa persen")
        assert "meneruskan laporan rencana aksi 6871.QGE.002" in await _lanjutkan(b, tg, "ra")
        assert _terakhir(b, tg).startswith("Berapa persen kemajuan 6871.QGE.002?")
        await b.kirim(tg, "40")
        assert "Tersimpan:\n" in _terakhir(b, tg)
    p = t.rencana_progress
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(p.c.status, p.c.progres).where(p.c.rencana_id == ra))).all()
    assert [tuple(x) for x in rows] == [("berjalan", 40)]


async def test_rencana_activity_kept_when_the_status_question_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    ra = await _kode(engine, t.rencana_aksi, "6871.QGE.002")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/rencana")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, f"ra:a:{ra}")  # the activity is kept; the status question never shows
        await _lanjutkan(b, tg, "ra")
        assert "Status kegiatan ini sekarang?" in _terakhir(b, tg)
        await b.tekan(tg, "ra:s:selesai")
        assert "Tersimpan:\n" in _terakhir(b, tg)


async def _tahap_20(engine: AsyncEngine) -> int:
    """Stage 20, not yet marked by Kota Bengkulu."""
    async with engine.begin() as conn:
        s20 = (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == 20))).scalar_one()
        kota = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "KAB-1771"))).scalar_one()
        await conn.execute(t.stage_completions.delete().where(t.stage_completions.c.stage_id == s20,
                                                              t.stage_completions.c.unit_id == kota))
    return s20


async def test_tahapan_date_kept_when_the_note_question_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-kota")
    s20 = await _tahap_20(engine)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/tahapan")
        await b.tekan(tg, f"th:s:{s20}")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(tg, "19 November 2024")  # the date is kept; the note question never shows
        assert "meneruskan laporan tahapan 20" in await _lanjutkan(b, tg, "th")
        assert [d for row in b.api.last(tg).buttons for _, d in row] == ["th:lewati"]
        await b.kirim(tg, "BA nomor 12/PL.01/2024")
        assert "Tersimpan: tahapan 20" in _terakhir(b, tg)
    c = t.stage_completions
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(c.c.selesai_pada, c.c.catatan).where(c.c.stage_id == s20))).all()
    assert [(x.selesai_pada.isoformat()[:10], x.catatan) for x in rows
            if x.catatan == "BA nomor 12/PL.01/2024"] == [("2024-11-19", "BA nomor 12/PL.01/2024")]


async def test_tahapan_stage_kept_when_the_date_question_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-kota")
    s20 = await _tahap_20(engine)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/tahapan")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, f"th:s:{s20}")
        await _lanjutkan(b, tg, "th")
        assert [d for row in b.api.last(tg).buttons for _, d in row] == ["th:hari"]  # the date question
        await b.kirim(tg, "19 November 2024")
        await b.tekan(tg, "th:lewati")
        assert "Tersimpan: tahapan 20" in _terakhir(b, tg)


async def test_an_old_lanjutkan_after_batal_starts_afresh_and_keeps_nothing(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    mata = await _kode(engine, t.budget_lines, "6871.QGE.001")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/anggaran_lapor")
        await b.tekan(tg, f"al:m:{mata}")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, "al:p:2024-M09")
        await _lanjutkan(b, tg, "al")
        await b.kirim(tg, "/batal")
        lanjut = next(m for m in b.api.messages(tg) if any(d == "al:sambung" for r in m.buttons for _, d in r))
        await b.tekan(tg, "al:sambung", message_id=lanjut.message_id)  # tapped again, later
        assert f"al:m:{mata}" in [d for row in b.api.last(tg).buttons for _, d in row]  # the list: afresh
        await b.kirim(tg, "1,5 juta")  # not read as an amount: the month was forgotten with the draft
    r = t.budget_realisations
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(r)
                                .where(r.c.budget_line_id == mata, r.c.periode == "2024-M09"))).scalar_one()
    assert n == 0


async def test_gudang_packages_kept_when_the_date_question_never_showed(engine: AsyncEngine) -> None:
    from tests.storage.test_arrivals import item_ids

    tg = await demo_tg(engine, "operator-kota")
    kotak = (await item_ids(engine))["KOTAK"]
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/gudang")
        await b.tekan(tg, "gd:terima")
        await b.tekan(tg, f"gd:item:{kotak}")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(tg, "746")  # kept; the date question never shows
        assert "meneruskan catatan gudang KPU Kota Bengkulu" in await _lanjutkan(b, tg, "gd")
        assert _terakhir(b, tg).startswith("Tanggal diterima di gudang?")
        await b.kirim(tg, "18 Oktober 2024")
        await b.tekan(tg, "gd:kond:baik")
        assert "746" in _terakhir(b, tg)  # the summary
        await b.tekan(tg, "gd:simpan")
    s = t.supplier_deliveries
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(s.c.kemasan).where(s.c.item_id == kotak, s.c.kemasan == 746))).all()
    assert len(rows) == 1


async def test_gudang_dispatch_kept_when_the_date_question_never_showed(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-kota")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/gudang")
        await b.tekan(tg, "gd:kirim")
        await b.tekan(tg, "gd:tuju:ppk")
        b.api.fail_next("editMessageText", 502, times=1000)
        await b.tekan(tg, "gd:kec:0")  # PPK and "all kecamatan" kept; the date question never shows
        await _lanjutkan(b, tg, "gd")
        assert _terakhir(b, tg).startswith("Tanggal dikirim dari gudang?")
        await b.kirim(tg, "24/11/2024")
        await b.tekan(tg, "gd:moda:TRUK")
        assert "Ke PPK" in _terakhir(b, tg) and "24 November 2024" in _terakhir(b, tg)
        await b.tekan(tg, "gd:simpan")
    d = t.dispatches
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(d.c.tujuan, d.c.moda))).all()
    assert [tuple(x) for x in rows if x.moda == "TRUK"] == [("ppk", "TRUK")]


async def test_a_command_telegram_never_answered_is_resumed_by_its_own_flow(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-kota")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/tahapan")  # a reporting flow with a step recorded
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.kirim(tg, "/gudang")
        assert "memulai catatan gudang" in await _lanjutkan(b, tg, "gd")
        assert "gd:terima" in [d for row in b.api.last(tg).buttons for _, d in row]


async def test_a_flow_started_from_the_start_menu_resumes_with_lanjutkan(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    mata = await _kode(engine, t.budget_lines, "6871.QGE.001")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/start")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, "mn:anggaran_lapor")  # the output list never shows
        assert "memulai laporan realisasi anggaran" in await _lanjutkan(b, tg, "al")
        assert f"al:m:{mata}" in [d for row in b.api.last(tg).buttons for _, d in row]


async def test_a_tiba_started_from_the_start_menu_resumes_with_lanjutkan(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "petugas")
    async with bot_uji(engine, kendali=SINGKAT) as b:
        await b.kirim(tg, "/start")
        b.api.fail_next("sendMessage", 502, times=1000)
        await b.tekan(tg, "mn:tiba")  # the TPS list never shows
        b.api.clear_faults()
        assert await b.kirim_outbox() == 1
        pesan = b.api.last(tg)
        assert "memulai laporan logistik tiba" in (pesan.text or "")
        assert [d for row in pesan.buttons for _, d in row] == ["tb:lanjut"]
        await b.tekan(tg, "tb:lanjut", message_id=pesan.message_id)
        assert any(d.startswith("tb:") and d != "tb:lanjut" for row in b.api.last(tg).buttons for _, d in row)
