"""The unit head's inbox (/verifikasi), its count in the morning digest and on the web."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import pengingat
from storage import tables as t
from tests.admin.bantuan import Jam, buat_web, jadi_operator, klien, masuk
from tests.bot.bantuan_kinerja import tekan_paksa
from tests.bot.harness import BotUji, bot_uji, demo_tg
from tests.bot.pengingat_uji import baris_outbox
from tests.bot.test_realisasi import _lapor, _rows, _sampai_nilai


async def _menunggu(b: BotUji, tg: int) -> list[str]:
    """The texts of the reports /verifikasi lists (the messages with buttons)."""
    out = await b.kirim(tg, "/verifikasi")
    return [m.content for m in out if m.buttons]


async def test_the_inbox_lists_what_waits_oldest_first_and_decides_with_the_one_rule(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        pimpinan = await demo_tg(engine, "pimpinan")
        kosong = (await b.kirim(kabag, "/verifikasi"))[-1].content
        assert kosong == "Tidak ada laporan yang menunggu verifikasi Anda. 👍"
        await _lapor(b, op, "KUL-UML-2", "2024-Q3", "70")
        b.jam.now += timedelta(days=3, hours=2)
        await _lapor(b, op, "KUL-UML-2", "2024-Q4", "80")
        b.jam.now += timedelta(hours=5)
        out = await b.kirim(kabag, "/verifikasi")
        assert out[0].content == "2 laporan menunggu verifikasi Anda (yang terlama dulu):"
        items = [m for m in out if m.buttons]
        assert [m.content.splitlines()[0] for m in items] == [
            "KUL-UML-2 · Triwulan III 2024 · menunggu 3 hari", "KUL-UML-2 · Triwulan IV 2024 · menunggu 5 jam"]
        assert "Realisasi: 70 %" in items[0].content
        # what waits for the Kepala Bagian does not wait for the Sekretaris above, nor for the operator
        assert await _menunggu(b, pimpinan) == []
        assert "tidak tercatat sebagai kepala unit" in (await b.kirim(op, "/verifikasi"))[-1].content
        q3, q4 = (r.id for r in await _rows(engine, "KUL-UML-2"))
        # Setujui from the inbox: the same callback, the same rule; the second tap is told it is decided
        await b.tekan(kabag, f"vf:ok:{q3}", message_id=items[0].message_id)
        assert "→ Disetujui oleh Kepala Bagian KUL Demo" in b.api.message(kabag, items[0].message_id).content
        await b.api.press(kabag, items[0].message_id, f"vf:ok:{q3}")
        await b.app.process_update(b.api.pending_updates()[-1].to_update(b.app.bot))
        assert "sudah diverifikasi" in (b.jawaban_terakhir() or "")
        # Kembalikan still needs a reason; a wrong one is refused and asked again
        await b.tekan(kabag, f"vf:kb:{q4}", message_id=items[1].message_id)
        assert "Tulis alasan pengembalian" in b.api.last(kabag).content
        assert "terlalu singkat" in (await b.kirim(kabag, "x"))[-1].content
        await b.kirim(kabag, "Bukti dukung belum ada")
        assert "→ Dikembalikan oleh" in b.api.message(kabag, items[1].message_id).content
        assert [r.status for r in await _rows(engine, "KUL-UML-2")] == ["disetujui", "dikembalikan"]
        assert await _menunggu(b, kabag) == []
        # a stale or forged button from the inbox
        assert "kedaluwarsa" in (await tekan_paksa(b, kabag, "vf:ok:x") or "")


async def test_a_superseded_version_leaves_the_inbox_and_a_head_never_verifies_their_own(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op, pimpinan = await demo_tg(engine, "operator"), await demo_tg(engine, "pimpinan")
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "100")
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "95", alasan="Angka TW III diperbarui")
        items = await _menunggu(b, pimpinan)
        assert len(items) == 1 and "versi 2 (koreksi: Angka TW III diperbarui)" in items[0]
        # the report's author, made head of their unit, waits for nobody: it goes to the head above
        async with engine.begin() as conn:
            await conn.execute(t.users.update().where(t.users.c.telegram_id == op).values(is_head=True))
        assert await _menunggu(b, op) == []
        assert len(await _menunggu(b, pimpinan)) == 1


async def test_the_digest_counts_them_for_each_head(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        sekretaris = await demo_tg(engine, "pimpinan")
        await _lapor(b, op, "KUL-UML-2", "2024-Q3", "70")
        await _lapor(b, op, "KUL-UML-2", "2024-Q4", "80")
        await _lapor(b, await demo_tg(engine, "operator"), "PDI-DATIN-2", "2024-Q3", "100")
        # a head who is not a pimpinan hears it too
        async with engine.begin() as conn:
            await conn.execute(t.users.update().where(t.users.c.telegram_id == kabag).values(role="operator"))
        now = b.jam.now + timedelta(days=1)
        await pengingat.kirim_ringkasan(engine, now=now, zona="Asia/Jakarta")
    rows = {r.chat_id: r.text for r in await baris_outbox(engine, "ringkasan:")}
    assert "📝 2 laporan menunggu verifikasi Anda — /verifikasi" in rows[kabag]
    assert "📝 1 laporan menunggu verifikasi Anda — /verifikasi" in rows[sekretaris]
    assert all("menunggu verifikasi" not in v for k, v in rows.items() if k not in (kabag, sekretaris))


async def test_the_web_shows_the_same_list_to_the_head(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator")
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "100")
        await _lapor(b, await demo_tg(engine, "operator-uml"), "KUL-UML-2", "2024-Q3", "70")  # the Kabag's
        b.jam.now += timedelta(days=2)
        w = buat_web(engine, Jam(b.jam.now))
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        semua = (await c.get("/realisasi")).text
        assert "Menunggu verifikasi Anda (1)" in semua and "KUL-UML-2" in semua
        r = await c.get("/realisasi?untuk=saya")
        assert r.status_code == 200 and "Menunggu verifikasi Anda: 1" in r.text
        assert "PDI-DATIN-2" in r.text and "menunggu 2 hari" in r.text
        assert "KUL-UML-2" not in r.text



async def test_a_head_approves_and_returns_on_the_web_with_the_one_rule(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator")
        for periode in ("2024-Q2", "2024-Q3", "2024-Q4"):
            await _lapor(b, op, "PDI-DATIN-2", periode, "90")
        await _lapor(b, await demo_tg(engine, "operator-uml"), "KUL-UML-2", "2024-Q3", "70")  # the Kabag's
        # /web tells a head what they may do there
        assert "Anda juga dapat menyetujui atau mengembalikan" in (
            await b.kirim(await demo_tg(engine, "pimpinan"), "/web"))[-1].content
        b.jam.now += timedelta(days=1)
        w = buat_web(engine, Jam(b.jam.now))
    q2, q3, q4 = (r.id for r in await _rows(engine, "PDI-DATIN-2"))
    kul = (await _rows(engine, "KUL-UML-2"))[0].id
    async with klien(w) as c:
        token = await masuk(c, w, "pimpinan")
        assert '<a href="/realisasi?untuk=saya"><b>3 laporan menunggu verifikasi Anda</b></a>' in (
            await c.get("/")).text  # the dashboard points to it
        inbox = (await c.get("/realisasi?untuk=saya")).text
        assert "(hanya lihat, kecuali verifikasi realisasi)" in inbox
        # the buttons stand beside what waits for this head, and only there
        assert all(f'action="/realisasi/{i}/verifikasi"' in inbox for i in (q2, q3, q4))
        assert f'action="/realisasi/{kul}/verifikasi"' not in (await c.get("/realisasi")).text
        # Kembalikan without a reason is refused and nothing changes
        r = await c.post(f"/realisasi/{q3}/verifikasi", data={"csrf": token, "keputusan": "kembalikan", "catatan": ""})
        assert r.status_code == 400 and "Pengembalian perlu alasan" in r.text
        r = await c.post(f"/realisasi/{q3}/verifikasi",
                         data={"csrf": token, "keputusan": "setujui", "untuk": "saya"})
        assert r.status_code == 303 and r.headers["location"] == "/realisasi?untuk=saya&ok=diverifikasi"
        r = await c.post(f"/realisasi/{q4}/verifikasi",
                         data={"csrf": token, "keputusan": "kembalikan", "catatan": "Bukti dukung belum ada"})
        assert r.status_code == 303 and r.headers["location"] == "/realisasi?ok=diverifikasi"
        # a second decision on the same report is refused as in the bot
        r = await c.post(f"/realisasi/{q3}/verifikasi", data={"csrf": token, "keputusan": "kembalikan",
                                                               "catatan": "Salah pilih tadi"})
        assert r.status_code == 400 and "sudah diverifikasi" in r.text
        # no CSRF token, no decision
        assert (await c.post(f"/realisasi/{q2}/verifikasi", data={"keputusan": "setujui"})).status_code == 403
        sisa = (await c.get("/realisasi?untuk=saya")).text
        assert "Menunggu verifikasi Anda: 1" in sisa and f'action="/realisasi/{q2}/verifikasi"' in sisa
        assert "1 laporan menunggu verifikasi Anda" in (await c.get("/")).text
    assert [r.status for r in await _rows(engine, "PDI-DATIN-2")] == ["diajukan", "disetujui", "dikembalikan"]
    # the operator is told, in the bot's words, and the decisions are audited with the head's name
    teks_op = [r.text for r in await baris_outbox(engine, "vf-hasil:")]
    assert any("disetujui oleh Sekretaris Demo" in x for x in teks_op)
    assert any("dikembalikan oleh Sekretaris Demo" in x and "Bukti dukung belum ada" in x for x in teks_op)
    async with engine.connect() as conn:
        jejak = (await conn.execute(sa.select(t.audit_log.c.action).where(
            t.audit_log.c.entity == "realisasi", t.audit_log.c.entity_id.in_([str(q3), str(q4)]),
            t.audit_log.c.action != "lapor")
            .order_by(t.audit_log.c.id))).scalars().all()
    assert list(jejak) == ["setujui", "kembalikan"]


async def test_the_web_refuses_a_head_outside_their_units_their_own_report_and_a_pimpinan_who_heads_nothing(
        engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await _lapor(b, await demo_tg(engine, "operator"), "PDI-DATIN-2", "2024-Q3", "90")
        await _lapor(b, await demo_tg(engine, "operator-uml"), "KUL-UML-2", "2024-Q3", "70")
        w = buat_web(engine, Jam(b.jam.now))
    pdi, kul = (await _rows(engine, "PDI-DATIN-2"))[0].id, (await _rows(engine, "KUL-UML-2"))[0].id
    async with engine.begin() as conn:  # the Kepala Bagian KUL wrote the KUL report themselves
        kabag = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.demo_key == "kabag-kul"))).scalar_one()
        await conn.execute(t.realisations.update().where(t.realisations.c.id == kul).values(author_id=kabag))
    async with klien(w) as c:
        token = await masuk(c, w, "kabag-kul")
        r = await c.post(f"/realisasi/{pdi}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
        assert r.status_code == 400 and "bukan kepala unit" in r.text  # another Bagian's report
        r = await c.post(f"/realisasi/{kul}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
        assert r.status_code == 400 and "laporan Anda sendiri" in r.text
        async with engine.begin() as conn:  # no longer a head: read-only again
            await conn.execute(t.users.update().where(t.users.c.id == kabag).values(is_head=False))
        r = await c.post(f"/realisasi/{pdi}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
        assert r.status_code == 403 and "hanya dapat melihat" in r.text
        semua = (await c.get("/realisasi")).text
        assert 'action="/realisasi/' not in semua and "(hanya lihat)" in semua
        assert "menunggu verifikasi Anda" not in (await c.get("/")).text
    assert {r.status for r in [*await _rows(engine, "PDI-DATIN-2"), *await _rows(engine, "KUL-UML-2")]} == {
        "diajukan"}


# --- /realisasi: a percentage above the target is confirmed -------------------------------------------------------


async def test_a_percentage_above_the_target_is_confirmed(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await _sampai_nilai(b, op, "KUL-UML-2", "2024-Q3")
        tanya = (await b.kirim(op, "150"))[-1]
        assert tanya.content == "Realisasi 150 % melebihi target 100 %. Benar?"
        assert [label for row in tanya.buttons for label, _ in row] == ["Ya, benar", "Ubah"]
        # Ubah: typed again; above 1.000 % is still refused outright
        await b.tekan(op, "rl:ubah", message_id=tanya.message_id)
        assert b.api.last(op).content == "Ketik lagi nilai realisasinya."
        assert "tidak masuk akal" in (await b.kirim(op, "1001"))[-1].content
        # a value typed instead of a tap is read as the value; 100 % or less is not asked about
        assert "melebihi" in (await b.kirim(op, "120"))[-1].content
        assert "Kirim bukti" in (await b.kirim(op, "95"))[-1].content
        # start again and confirm: the value is kept as typed
        await _sampai_nilai(b, op, "KUL-UML-2", "2024-Q4")
        tanya = (await b.kirim(op, "150"))[-1]
        await b.tekan(op, "rl:yakin", message_id=tanya.message_id)
        assert "Kirim bukti" in b.api.last(op).content
        await b.tekan(op, "rl:yakin", message_id=tanya.message_id)  # a double tap moves nothing
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        for _ in range(3):
            await b.tekan(op, "rl:lanjut")
        assert "150 %" in b.api.last(op).content
        await b.tekan(op, "rl:kirim")
    assert [r.nilai for r in await _rows(engine, "KUL-UML-2")] == ["150"]


async def test_other_values_are_not_asked_about(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await _sampai_nilai(b, op, "KUL-UML-2", "2024-Q3")
        assert "Kirim bukti" in (await b.kirim(op, "100"))[-1].content
        await b.tekan(op, "rl:yakin")  # a forged confirmation in another step
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")


async def test_an_operator_head_verifies_from_the_web_as_from_the_bot(engine: AsyncEngine) -> None:
    """A head whose role is operator (here the Kepala Bagian KUL): the web lists what the bot's /verifikasi lists,
    in its order, and decides with the one rule: never another unit's report, never their own."""
    await jadi_operator(engine, "kabag-kul")
    async with bot_uji(engine) as b:
        op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        await _lapor(b, op, "KUL-UML-2", "2024-Q3", "70")
        b.jam.now += timedelta(days=3)
        await _lapor(b, op, "KUL-UML-2", "2024-Q4", "80")
        await _lapor(b, await demo_tg(engine, "operator"), "PDI-DATIN-2", "2024-Q3", "100")  # the Sekretaris's
        b.jam.now += timedelta(hours=5)
        bot = [x.splitlines()[0] for x in await _menunggu(b, kabag)]
        w = buat_web(engine, Jam(b.jam.now))
    q3, q4 = (r.id for r in await _rows(engine, "KUL-UML-2"))
    lain = (await _rows(engine, "PDI-DATIN-2"))[-1].id
    async with engine.begin() as conn:  # a report the head wrote themselves (it waits for the Sekretaris)
        kabag_id = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.demo_key == "kabag-kul"))).scalar_one()
        ind = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "KUL-UML-2"))).scalar_one()
        sendiri = (await conn.execute(t.realisations.insert().values(
            indicator_id=ind, tahun=2024, periode="2024-Q2", versi=1, nilai="60", bukti=[], status="diajukan",
            sumber="bot", author_id=kabag_id, created_at=b.jam.now))).inserted_primary_key[0]
    assert bot == ["KUL-UML-2 · Triwulan III 2024 · menunggu 3 hari", "KUL-UML-2 · Triwulan IV 2024 · menunggu 5 jam"]
    async with klien(w) as c:
        token = await masuk(c, w, "kabag-kul")
        inbox = (await c.get("/verifikasi")).text
        # the same list and order as the bot, with the age; nothing of other units, nothing of their own
        assert "<b>2 laporan</b> menunggu verifikasi Anda" in inbox
        assert inbox.index("Triwulan III 2024") < inbox.index("menunggu 3 hari") < inbox.index(
            "Triwulan IV 2024") < inbox.index("menunggu 5 jam")
        assert [f'action="/realisasi/{i}/verifikasi"' in inbox for i in (q3, q4, lain, sendiri)] == [
            True, True, False, False]
        assert "70 %" in inbox and "Operator Demo Sub Bagian Umum dan Logistik" in inbox
        # Kembalikan needs a reason; the refusal stays on the inbox
        r = await c.post(f"/realisasi/{q4}/verifikasi", data={"csrf": token, "keputusan": "kembalikan",
                                                               "catatan": " ", "dari": "kotak"})
        assert r.status_code == 400 and "Pengembalian perlu alasan" in r.text and "Periode ditutup" not in r.text
        r = await c.post(f"/realisasi/{q3}/verifikasi", data={"csrf": token, "keputusan": "setujui", "dari": "kotak"})
        assert r.status_code == 303 and r.headers["location"] == "/verifikasi?ok=diverifikasi"
        r = await c.post(f"/realisasi/{q4}/verifikasi",
                         data={"csrf": token, "keputusan": "kembalikan", "catatan": "Bukti dukung belum ada"})
        assert r.status_code == 303 and r.headers["location"] == "/verifikasi?ok=diverifikasi"
        # another unit's report and their own are refused by the same rule, with its words
        r = await c.post(f"/realisasi/{lain}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
        assert r.status_code == 400 and "bukan kepala unit atau pimpinan atas unit pelapor" in r.text
        r = await c.post(f"/realisasi/{sendiri}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
        assert r.status_code == 400 and "laporan Anda sendiri" in r.text
        sisa = await c.get("/verifikasi?ok=diverifikasi")
        assert "Verifikasi disimpan." in sisa.text and "Tidak ada laporan yang menunggu verifikasi Anda." in sisa.text
    assert [r.status for r in await _rows(engine, "KUL-UML-2")] == [
        "diajukan", "disetujui", "dikembalikan"]  # Q2 (their own) still waits, for the Sekretaris
    assert [r.status for r in await _rows(engine, "PDI-DATIN-2")][-1] == "diajukan"
    teks_op = [r.text for r in await baris_outbox(engine, "vf-hasil:")]
    assert any("disetujui oleh Kepala Bagian KUL Demo" in x for x in teks_op)
    assert any("dikembalikan oleh Kepala Bagian KUL Demo" in x and "Bukti dukung belum ada" in x for x in teks_op)
