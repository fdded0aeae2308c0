"""Identity and access through the real Application: invites, requests and approvals, the guard, menus."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import akses
from storage import audit, users, webdata
from storage import tables as t
from tests.bot.harness import BotUji, bot_uji, demo_tg

BARU = 5550001  # a Telegram account nobody registered


async def _undangan(b: BotUji, **kw: object) -> str:
    args = {"role": "operator", "unit_code": "KUL-UML", "tps_codes": [], "max_uses": 1,
            "expires_at": b.jam.now + timedelta(days=7), "created_by": None, "actor": "uji", "now": b.jam.now}
    args.update(kw)
    async with b.engine.begin() as conn:
        return (await users.create_invite(conn, **args)).code  # type: ignore[arg-type]


async def test_deep_link_registers_with_role_and_scope(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.api.add_user(BARU, "Sari")
        code = await _undangan(b, role="petugas", unit_code="KAB-1771",
                               tps_codes=["17.71.01.2001-001", "17.71.01.2001-002"], max_uses=1)
        out = await b.kirim(BARU, f"/start {code}")
        assert "Pendaftaran berhasil" in out[-1].text and "Petugas TPS" in out[-1].text and "2 TPS" in out[-1].text
        async with engine.connect() as conn:
            p = await users.by_telegram_id(conn, BARU)
            log = await audit.recent(conn, entity="pengguna", limit=1)
        assert p is not None and (p.role, p.status, p.unit_code, len(p.tps_ids)) == ("petugas", "aktif", "KAB-1771", 2)
        assert log[0].action == "daftar"
        # the menu of that chat now lists the petugas' commands only
        names = [c for c, _ in b.api.commands(BARU)]
        assert "start" in names and "capaian" not in names and "undang" not in names
        # the code was single-use
        b.api.add_user(BARU + 1, "Lain")
        out = await b.kirim(BARU + 1, f"/start {code}")
        assert "sudah habis dipakai" in out[-1].text
        # /start again greets by role
        out = await b.kirim(BARU, "/start")
        assert out[-1].text.startswith("Halo Sari. Anda petugas TPS")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"expired": True}, "kedaluwarsa"),
        ({"revoked": True}, "dicabut"),
        ({"code": "bukan-kode-yang-ada"}, "tidak dikenal"),
        ({"code": "'; DROP TABLE users; --"}, "tidak dikenal"),
        ({"code": "ÜñïçødeКод🙂" * 10}, "tidak dikenal"),
    ],
)
async def test_bad_invite_codes_are_refused_with_a_reason(engine: AsyncEngine, change: dict[str, object],
                                                          expected: str) -> None:
    async with bot_uji(engine) as b:
        b.api.add_user(BARU, "Budi")
        code = await _undangan(b)
        if change.get("expired"):
            b.jam.now += timedelta(days=8)
        if change.get("revoked"):
            async with engine.begin() as conn:
                await users.revoke_invite(conn, code, actor="uji", now=b.jam.now)
        out = await b.kirim(BARU, f"/start {change.get('code', code)}")
        assert expected in out[-1].text
        async with engine.connect() as conn:
            assert await users.by_telegram_id(conn, BARU) is None


async def test_request_and_approve_reaches_admins_through_the_outbox(engine: AsyncEngine) -> None:
    async with bot_uji(engine, admin_ids=[7770001]) as b:
        admin_tg = await demo_tg(engine, "admin")
        b.api.add_user(BARU, "Rina", username="rina")
        b.api.add_user(7770001, "Admin Bootstrap")
        out = await b.kirim(BARU, "/start")
        assert "Minta akses" in out[-1].text or "belum terdaftar" in out[-1].text
        await b.tekan(BARU, "minta:operator")
        assert "kode unit" in b.api.last(BARU).text
        out = await b.kirim(BARU, "KAB-9999")  # wrong unit: asked again, nothing recorded
        assert "tidak dikenal" in out[-1].text
        out = await b.kirim(BARU, "kab-1771")
        assert "sudah dikirim ke admin" in out[-1].text
        assert await b.kirim_outbox() == 2  # the demo admin and the PANTAU_ADMIN_IDS admin
        for chat in (admin_tg, 7770001):
            msg = b.api.last(chat)
            assert "Permintaan akses baru" in msg.text and "Rina (@rina)" in msg.text and "KAB-1771" in msg.text
        uid = int(b.api.buttons(admin_tg)[0][0][1].split(":")[2])
        await b.tekan(admin_tg, f"putus:ok:{uid}")
        assert "Disetujui oleh" in b.api.last(admin_tg).text
        # the second admin (or a double tap) is told it is done already
        await b.tekan(7770001, f"putus:ok:{uid}")
        assert "sudah diproses" in (b.jawaban_terakhir() or "")
        assert await b.kirim_outbox() == 1
        assert "disetujui" in b.api.last(BARU).text
        out = await b.kirim(BARU, "/profil")
        assert "Operator" in out[-1].text and "KAB-1771" in out[-1].text


async def test_rejected_request_and_pending_user(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        admin_tg = await demo_tg(engine, "admin")
        b.api.add_user(BARU, "Tono")
        await b.kirim(BARU, "/start")
        await b.tekan(BARU, "minta:petugas")
        out = await b.kirim(BARU, "17.71.01.2001-001, 17.71.01.2001-002")
        assert "sudah dikirim" in out[-1].text
        out = await b.kirim(BARU, "/capaian")  # pending: nothing but the waiting message
        assert "menunggu persetujuan" in out[-1].text
        await b.tekan(BARU, "minta:petugas", message_id=b.api.messages(BARU)[0].message_id)  # stale double tap
        await b.kirim_outbox()
        uid = int(b.api.buttons(admin_tg)[0][0][1].split(":")[2])
        await b.tekan(admin_tg, f"putus:tolak:{uid}")
        await b.kirim_outbox()
        assert "ditolak" in b.api.last(BARU).text
        out = await b.kirim(BARU, "halo")
        assert "ditolak" in out[-1].text


async def test_revoked_user_gets_only_the_revoked_message(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "operator")
        async with engine.begin() as conn:
            u = await users.by_telegram_id(conn, tg)
            assert u is not None
            await users.revoke_user(conn, u.id, actor="uji", now=b.jam.now)
        for text in ("/start", "/capaian", "halo", "/start kode"):
            out = await b.kirim(tg, text)
            assert len(out) == 1 and "dicabut" in out[0].text


async def test_revocation_and_role_change_take_effect_at_the_next_update(engine: AsyncEngine) -> None:
    """The guard caches users for a few seconds; a change written in this process must not wait for that."""
    async with bot_uji(engine) as b:
        tg, admin = await demo_tg(engine, "petugas"), await demo_tg(engine, "admin")
        out = await b.kirim(tg, "/tiba")  # the guard has now looked this user up (and keeps them)
        assert "Pilih TPS" in out[-1].text
        await b.kirim(tg, "/batal")
        async with engine.begin() as conn:  # the web admin's change of role (storage.webdata)
            p, a = await users.by_telegram_id(conn, tg), await users.by_telegram_id(conn, admin)
            assert p is not None and a is not None
            await webdata.change_user(conn, p.id, role="pimpinan", unit_code="KAB-1771", tps_codes=[], admin=a,
                                      now=b.jam.now)
        out = await b.kirim(tg, "/tiba")
        assert len(out) == 1 and "tidak tersedia untuk peran Anda (Pimpinan" in out[0].text
        async with engine.begin() as conn:
            await users.revoke_user(conn, p.id, actor="uji", now=b.jam.now)
        out = await b.kirim(tg, "/capaian")
        assert len(out) == 1 and "dicabut" in out[0].text


async def test_unregistered_user_sees_how_to_register_and_nothing_else(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.api.add_user(BARU, "Asing")
        for text in ("/capaian", "/logistik", "/undang operator KUL", "apa kabar", "/profil"):
            out = await b.kirim(BARU, text)
            assert len(out) == 1 and "belum terdaftar" in out[0].text
        out = await b.kirim(BARU, "/help")
        assert "/start" in out[0].text and "/capaian" not in out[0].text
        assert [c for c, _ in b.api.commands("default")] == ["start", "help", "batal"]
        # what the message tells them to pick is what /start's buttons say
        cara = (await b.kirim(BARU, "apa kabar"))[0].text
        start = (await b.kirim(BARU, "/start"))[0]
        labels = [label for row in start.buttons for label, _ in row]
        assert labels and all(label in cara for label in labels) and "Minta akses\"" not in cara


ROLES = {"admin": "admin", "pimpinan": "pimpinan", "operator": "operator", "petugas": "petugas"}


@pytest.mark.parametrize("role", list(ROLES))
async def test_authorization_matrix_every_command_by_role(engine: AsyncEngine, role: str) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, ROLES[role])
        assert b.app.bot_data["perintah"] >= {"start", "help", "capaian", "undang", "batal"}
        for p in akses.PERINTAH:
            if p.nama not in b.app.bot_data["perintah"]:
                continue
            out = await b.kirim(tg, f"/{p.nama}")
            assert out, p.nama
            refused = any("tidak tersedia untuk peran" in m.content for m in out)
            assert refused == (role not in p.peran), (role, p.nama, out[0].content[:80])


async def test_stale_forged_and_unauthorised_buttons(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "operator")
        await b.kirim(tg, "/start")
        msg_id = b.api.messages(tg)[-1].message_id
        for data in ("hilang:1", "x" * 64, "", "putus:ok:1"):
            await b.api.press(tg, msg_id, data)
            upd = b.api.pending_updates()[-1]
            await b.app.process_update(upd.to_update(b.app.bot))
            ans = b.api.callback_answers[-1].text or ""
            assert "kedaluwarsa" in ans or "bukan untuk peran" in ans, data
        admin = await demo_tg(engine, "admin")
        await b.kirim(admin, "/start")
        for data in ("putus:ok:999999", "putus:ok:abc", "putus:hapus:1", "putus"):
            await b.api.press(admin, b.api.messages(admin)[-1].message_id, data)
            await b.app.process_update(b.api.pending_updates()[-1].to_update(b.app.bot))
        assert b.api.unanswered_callbacks() == []
        assert all(n == 1 for n in b.api.callback_answer_counts.values())


async def test_admin_creates_invite_in_the_bot(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        admin = await demo_tg(engine, "admin")
        out = await b.kirim(admin, "/undang operator KUL-UML")
        assert "Kode undangan" in out[-1].text and "https://t.me/pantau_demo_bot?start=" in out[-1].text
        code = out[-1].text.rsplit("start=", 1)[1].strip()
        assert len(code.encode()) <= 64
        out = await b.kirim(admin, "/undang petugas KAB-1771")
        assert "minimal satu kode TPS" in out[-1].text
        out = await b.kirim(admin, "/undang raja KUL")
        assert "tidak dikenal" in out[-1].text
        out = await b.kirim(admin, "/undang")
        assert "Pemakaian" in out[-1].text
        b.api.add_user(BARU, "Dewi")
        out = await b.kirim(BARU, f"/start {code}")
        assert "Pendaftaran berhasil" in out[-1].text


async def test_bootstrap_admin_ids_become_admins(engine: AsyncEngine) -> None:
    async with bot_uji(engine, admin_ids=[4242]) as b:
        b.api.add_user(4242, "Pertama")
        out = await b.kirim(4242, "/undang operator KUL")
        assert "Kode undangan" in out[-1].text
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(t.users)
                                .where(t.users.c.telegram_id == 4242, t.users.c.role == "admin"))).scalar_one()
    assert n == 1


def test_every_refusal_the_guard_may_show_as_a_button_alert_fits_one() -> None:
    from handlers import teks

    # Telegram cuts a callback answer at 200 characters: the guard's refusals must be read whole there too.
    for pesan in (teks.BELUM_TERDAFTAR, teks.MENUNGGU, teks.DICABUT, teks.DITOLAK, teks.TOMBOL_TIDAK_BERWENANG):
        assert len(pesan) <= 200, pesan
