"""/start and /help show each role's main actions as buttons; a button starts exactly what its command starts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import ConversationHandler

from domain import akses
from handlers import teks
from storage import tables as t
from storage import users, verifikasi
from tests.bot.harness import BotUji, bot_uji, demo_tg

# demo user -> the commands of their buttons, in order ("verifikasi" reads "✅ Verifikasi (N menunggu)")
HARAPAN = {
    "admin": ["capaian", "logistik", "anggaran", "ekspor", "siaran"],
    "pimpinan": ["verifikasi", "capaian", "logistik", "anggaran"],  # the Sekretaris heads the province
    "kabag-kul": ["verifikasi", "capaian", "logistik", "anggaran"],
    "operator": ["realisasi", "anggaran_lapor", "rencana", "tahapan"],
    "operator-uml": ["realisasi", "anggaran_lapor", "rencana", "tahapan"],
    "operator-kota": ["gudang", "eskalasi", "logistik", "tahapan"],  # a KPU kab/kota's logistics officer
    "petugas": ["tiba", "jadwal"],
}


def _data(b: BotUji, tg: int) -> list[str]:
    return [d for row in b.api.last(tg).buttons for _, d in row]


def _label(b: BotUji, tg: int) -> list[str]:
    return [label for row in b.api.last(tg).buttons for label, _ in row]


async def _menunggu(engine: AsyncEngine, key: str) -> int:
    async with engine.connect() as conn:
        p = await users.by_demo_key(conn, key)
        assert p is not None
        return len(await verifikasi.menunggu(conn, p))


@pytest.mark.parametrize("key", list(HARAPAN))
async def test_start_and_help_show_the_roles_main_actions(engine: AsyncEngine, key: str) -> None:
    tg = await demo_tg(engine, key)
    async with bot_uji(engine) as b:
        for perintah in ("/start", "/help"):
            await b.kirim(tg, perintah)
            assert _data(b, tg) == [f"mn:{c}" for c in HARAPAN[key]], perintah
            label = _label(b, tg)
            harap = [teks.MENU_TOMBOL.get(c, "") for c in HARAPAN[key]]
            if HARAPAN[key][0] == "verifikasi":
                harap[0] = f"✅ Verifikasi ({await _menunggu(engine, key)} menunggu)"
            assert label == harap
            # every button is for a command the role may run, and the help text names it
            assert all(akses.boleh_perintah(_peran(key), c) for c in HARAPAN[key])
            assert all(f"/{c} " in (b.api.last(tg).content or "") for c in HARAPAN[key])
        if key == "petugas":
            assert label[0] == "📦 Lapor logistik tiba"


def _peran(key: str) -> str:
    peran = {"admin": "admin", "pimpinan": "pimpinan", "kabag-kul": "pimpinan", "petugas": "petugas"}
    return peran.get(key, "operator")


async def test_a_heads_button_counts_what_waits(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "pimpinan")
    async with engine.begin() as conn:  # two reports of PDI-DATIN-2 wait for the province's head
        ind = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "PDI-DATIN-2"))
               ).scalar_one()
        penulis = await users.by_demo_key(conn, "operator")
        assert penulis is not None
        for periode in ("2024-Q3", "2024-Q4"):
            versi = (await conn.execute(sa.select(sa.func.max(t.realisations.c.versi)).where(
                t.realisations.c.indicator_id == ind, t.realisations.c.periode == periode))).scalar_one() or 0
            await conn.execute(t.realisations.insert().values(
                indicator_id=ind, tahun=2024, periode=periode, versi=versi + 1, nilai="90", bukti=[],
                status="diajukan", sumber="bot", author_id=penulis.id, created_at=datetime(2024, 10, 3, tzinfo=UTC)))
    n = await _menunggu(engine, "pimpinan")
    async with bot_uji(engine) as b:
        await b.kirim(tg, "/start")
        assert _label(b, tg)[0] == f"✅ Verifikasi ({n} menunggu)"
        async with engine.begin() as conn:  # everything decided: the button says so
            await conn.execute(t.realisations.update().where(t.realisations.c.status == "diajukan")
                               .values(status="disetujui"))
        await b.kirim(tg, "/start")
        assert _label(b, tg)[0] == "✅ Verifikasi (0 menunggu)"
    assert n >= 2


def _percakapan(b: BotUji, nama: str) -> ConversationHandler[Any]:
    for hs in b.app.handlers.values():
        for h in hs:
            if isinstance(h, ConversationHandler) and h.name == nama:
                return h
    raise LookupError(nama)


def _keadaan(b: BotUji, nama: str, tg: int) -> object:
    return _percakapan(b, nama)._conversations.get((tg, tg))


PERCAKAPAN = {"tiba": "tiba", "gudang": "gudang", "siaran": "siaran", "realisasi": "pelaporan",
              "anggaran_lapor": "pelaporan", "rencana": "pelaporan", "tahapan": "pelaporan"}


@pytest.mark.parametrize("key", list(HARAPAN))
async def test_each_button_starts_what_its_command_starts(engine: AsyncEngine, key: str) -> None:
    tg = await demo_tg(engine, key)
    async with bot_uji(engine) as b:
        for c in HARAPAN[key]:
            diketik = await b.kirim(tg, f"/{c}")
            keadaan_ketik = _keadaan(b, PERCAKAPAN[c], tg) if c in PERCAKAPAN else None
            await b.kirim(tg, "/batal")
            await b.kirim(tg, "/start")
            menu = b.api.last(tg)
            ditekan = await b.tekan(tg, f"mn:{c}", message_id=menu.message_id)
            assert [m.content for m in ditekan] == [m.content for m in diketik] and ditekan, c
            assert [m.buttons for m in ditekan] == [m.buttons for m in diketik], c
            assert b.api.unanswered_callbacks() == []
            if c in PERCAKAPAN:  # the conversation is at the step the command leaves it in
                assert _keadaan(b, PERCAKAPAN[c], tg) == keadaan_ketik, c
            # the menu stays as it was, ready for the next tap
            tetap = next(m for m in b.api.messages(tg) if m.message_id == menu.message_id)
            assert (tetap.content, tetap.buttons) == (menu.content, menu.buttons)
            await b.kirim(tg, "/batal")


async def test_a_flow_started_from_the_menu_goes_on_to_its_next_step(engine: AsyncEngine) -> None:
    op = await demo_tg(engine, "operator-uml")
    async with engine.connect() as conn:
        mata = (await conn.execute(sa.select(t.budget_lines.c.id).where(t.budget_lines.c.kode == "6871.QGE.001"))
                ).scalar_one()
    async with bot_uji(engine) as b:
        await b.kirim(op, "/start")
        await b.tekan(op, "mn:anggaran_lapor")
        await b.tekan(op, f"al:m:{mata}")
        await b.tekan(op, "al:p:2024-M09")
        assert (b.api.last(op).content or "").startswith("Ketik realisasi KUMULATIF 6871.QGE.001")
        # the same button again, mid-flow, starts afresh, as typing /anggaran_lapor again does
        await b.tekan(op, "mn:anggaran_lapor", message_id=b.api.messages(op)[0].message_id)
        assert f"al:m:{mata}" in _data(b, op)


@pytest.mark.parametrize(("key", "data"), [("petugas", "mn:realisasi"), ("operator-uml", "mn:tiba"),
                                           ("operator", "mn:ekspor"), ("pimpinan", "mn:gudang"),
                                           ("admin", "mn:tiba"), ("petugas", "mn:capaian")])
async def test_another_roles_button_is_refused_politely(engine: AsyncEngine, key: str, data: str) -> None:
    tg = await demo_tg(engine, key)
    async with bot_uji(engine) as b:
        await b.kirim(tg, "/start")
        n = len(b.api.messages(tg))
        await b.tekan(tg, data)
        assert b.jawaban_terakhir() == teks.TOMBOL_TIDAK_BERWENANG
        assert len(b.api.messages(tg)) == n and b.api.unanswered_callbacks() == []


async def test_a_stale_menu_after_a_role_change_and_forged_buttons(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "operator-uml")
    async with bot_uji(engine) as b:
        await b.kirim(tg, "/start")
        menu = b.api.last(tg).message_id
        async with engine.begin() as conn:  # the operator becomes a petugas: the old menu's buttons are not theirs
            await conn.execute(t.users.update().where(t.users.c.telegram_id == tg).values(role="petugas"))
        n = len(b.api.messages(tg))
        await b.tekan(tg, "mn:realisasi", message_id=menu)
        assert b.jawaban_terakhir() == teks.TOMBOL_TIDAK_BERWENANG
        for palsu in ("mn:undang", "mn:start", "mn:", "mn:realisasi:1", "mn:REALISASI"):
            await b.tekan(tg, palsu, message_id=menu)
            assert b.jawaban_terakhir() == teks.KEDALUWARSA, palsu
        assert len(b.api.messages(tg)) == n
        async with engine.begin() as conn:  # revoked: nothing at all
            await conn.execute(t.users.update().where(t.users.c.telegram_id == tg).values(status="dicabut"))
        await b.tekan(tg, "mn:tiba", message_id=menu)
        assert b.jawaban_terakhir() == teks.DICABUT and len(b.api.messages(tg)) == n
        assert b.api.unanswered_callbacks() == []


async def test_unregistered_and_pending_users_get_no_menu(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.api.add_user(7_000_001, "Calon")
        out = await b.kirim(7_000_001, "/start")
        assert [d for m in out for row in m.buttons for _, d in row if d.startswith("mn:")] == []
        out = await b.kirim(7_000_001, "/help")
        assert all(not m.buttons for m in out)
        await b.tekan(7_000_001, "mn:jadwal", message_id=out[-1].message_id)
        assert b.jawaban_terakhir() == teks.BELUM_TERDAFTAR


async def test_a_group_chat_gets_no_menu(engine: AsyncEngine) -> None:
    tg = await demo_tg(engine, "petugas")
    grup = -100_700_001
    async with bot_uji(engine) as b:
        b.api.add_group(grup, "Grup KPPS")
        sebelum = len(b.api.messages(tg))
        for perintah in ("/start", "/help"):
            await b.app.process_update((await b.api.send_text(tg, perintah, chat_id=grup)).to_update(b.app.bot))
        di_grup = b.api.messages(grup)
        assert di_grup and all(m.content == teks.HANYA_PRIBADI.format(bot=b.api.bot_username) for m in di_grup)
        assert not [d for m in di_grup for row in m.buttons for _, d in row if (d or "").startswith("mn:")]
        # a menu button pressed in the group starts nothing, here or in the private chat
        await b.app.process_update((await b.api.press(tg, di_grup[0].message_id, "mn:tiba", chat_id=grup)
                                    ).to_update(b.app.bot))
        assert b.jawaban_terakhir() == teks.HANYA_PRIBADI.format(bot=b.api.bot_username)
        assert len(b.api.messages(tg)) == sebelum and b.api.messages(grup) == di_grup


def test_every_menu_command_has_a_label_and_a_command() -> None:
    assert set(teks.MENU_TOMBOL) == akses.PERINTAH_MENU - {"verifikasi"}
    assert all(akses.perintah_dikenal(c) for c in akses.PERINTAH_MENU)
    for peran in akses.SEMUA:
        for kepala in (False, True):
            for kabkota in (False, True):
                assert all(akses.boleh_perintah(peran, c) for c in akses.utama(peran, kepala=kepala, kabkota=kabkota))
    assert akses.utama(None) == []
