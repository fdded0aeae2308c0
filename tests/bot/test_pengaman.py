"""Smaller access rules: bootstrap admins are only created, a petugas never gets TPS outside their unit (or no
unit), and a message queued for someone revoked since is not sent."""

from __future__ import annotations

import html
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers import teks
from storage import org, outbox, users
from storage import tables as t
from storage.db import inserted_id
from tests.admin.bantuan import buat_web, klien, masuk
from tests.bot.harness import bot_uji, demo_tg

BARU = 5550001


async def _tps(engine: AsyncEngine, kab: str) -> str:
    async with engine.connect() as conn:
        return (await org.list_tps(conn, kabkota=kab))[0].kode


async def _jumlah(engine: AsyncEngine, tabel: sa.Table) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(tabel))).scalar_one())


# --- PANTAU_ADMIN_IDS ------------------------------------------------------------------------------------------


async def test_bootstrap_admin_revoked_stays_revoked_after_a_restart(engine: AsyncEngine) -> None:
    operator = await demo_tg(engine, "operator")
    async with bot_uji(engine, admin_ids=[4242]) as b:
        b.api.add_user(4242, "Pertama")
        async with engine.begin() as conn:
            u = await users.by_telegram_id(conn, 4242)
            assert u is not None and (u.role, u.status) == ("admin", "aktif")
            await users.revoke_user(conn, u.id, actor="Admin lain", now=b.jam.now)
    async with bot_uji(engine, admin_ids=[4242, operator]) as b:  # a restart with the same setting
        b.api.add_user(4242, "Pertama")
        assert (await b.kirim(4242, "/web"))[-1].text == teks.DICABUT
    async with engine.connect() as conn:
        u = await users.by_telegram_id(conn, 4242)
        op = await users.by_telegram_id(conn, operator)
    assert u is not None and u.status == "dicabut"
    assert op is not None and (op.role, op.status) == ("operator", "aktif")  # listed by mistake: not promoted


# --- a petugas' scope ------------------------------------------------------------------------------------------


async def test_invite_cannot_give_a_petugas_tps_outside_the_unit(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    kota, selatan = await _tps(engine, "KAB-1771"), await _tps(engine, "KAB-1701")
    async with bot_uji(engine) as b:
        for perintah, alasan in ((f"/undang petugas KAB-1771 {selatan}", "bukan wilayah KAB-1771"),
                                 (f"/undang petugas KAB-1771 {kota} {selatan}", "bukan wilayah KAB-1771"),
                                 (f"/undang petugas PROV {kota}", "bukan wilayah PROV"),
                                 ("/undang petugas KAB-1771", "minimal satu kode TPS")):
            out = await b.kirim(admin, perintah)
            assert alasan in out[-1].text, perintah
        assert await _jumlah(engine, t.invites) == 0
        out = await b.kirim(admin, f"/undang petugas KAB-1771 {kota}")
        assert "Kode undangan" in out[-1].text
    async with engine.begin() as conn:  # without a unit the TPS' kab/kota becomes it; two kab/kota: refused
        inv = await users.create_invite(conn, role="petugas", unit_code=None, tps_codes=[selatan], max_uses=1,
                                        expires_at=b.jam.now + timedelta(days=1), created_by=None, actor="uji",
                                        now=b.jam.now)
        assert inv.unit_code == "KAB-1701"
        try:
            await users.create_invite(conn, role="petugas", unit_code=None, tps_codes=[kota, selatan], max_uses=1,
                                      expires_at=b.jam.now + timedelta(days=1), created_by=None, actor="uji",
                                      now=b.jam.now)
            raise AssertionError("TPS of two kab/kota accepted")
        except users.AksesError as exc:
            assert "satu KPU Kab/Kota" in str(exc)


async def test_an_old_invite_without_unit_does_not_register_a_petugas(engine: AsyncEngine) -> None:
    kota = await _tps(engine, "KAB-1771")
    async with bot_uji(engine) as b:
        async with engine.begin() as conn:  # as made before the rule: petugas, TPS, no unit
            await conn.execute(t.invites.insert().values(
                code_hash=users.hash_kode("kodeLamaPetugas1"), role="petugas", unit_id=None, tps_codes=[kota],
                max_uses=1, uses=0, expires_at=b.jam.now + timedelta(days=1), created_at=b.jam.now))
        b.api.add_user(BARU, "Sari")
        out = await b.kirim(BARU, "/start kodeLamaPetugas1")
        assert "tidak menyebut KPU Kab/Kota" in out[-1].text
    async with engine.connect() as conn:
        assert await users.by_telegram_id(conn, BARU) is None


async def test_access_request_of_a_petugas_gets_one_kabkota_as_unit(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    kota, selatan = await _tps(engine, "KAB-1771"), await _tps(engine, "KAB-1701")
    async with bot_uji(engine) as b:
        b.api.add_user(BARU, "Rina")
        await b.kirim(BARU, "/start")
        await b.tekan(BARU, "minta:petugas")
        out = await b.kirim(BARU, f"{kota}, {selatan}")
        assert "satu KPU Kab/Kota" in out[-1].text
        async with engine.connect() as conn:
            assert await users.by_telegram_id(conn, BARU) is None
        out = await b.kirim(BARU, kota)
        async with engine.connect() as conn:
            p = await users.by_telegram_id(conn, BARU)
        assert p is not None and (p.status, p.unit_code) == ("menunggu", "KAB-1771")
        await b.kirim(admin, "/start")
        await b.app.process_update((await b.api.press(admin, b.api.messages(admin)[-1].message_id,
                                                      f"putus:ok:{p.id}")).to_update(b.app.bot))
        async with engine.connect() as conn:
            p = await users.by_telegram_id(conn, BARU)
        assert p is not None and (p.status, p.unit_code, len(p.tps_ids)) == ("aktif", "KAB-1771", 1)


async def _permintaan_lama(engine: AsyncEngine, tg: int, unit: str | None, tps: str) -> int:
    """An access request as stored before the rule: a petugas with no unit, or TPS outside it."""
    async with engine.begin() as conn:
        unit_id = (await org.unit_by_code(conn, unit)).id if unit else None  # type: ignore[union-attr]
        uid = inserted_id(await conn.execute(t.users.insert().values(
            telegram_id=tg, name=f"Lama {tg}", role="petugas", status="menunggu", unit_id=unit_id,
            created_at=sa.func.now())))
        tps_id = (await org.tps_by_code(conn, tps)).id  # type: ignore[union-attr]
        await conn.execute(t.user_tps.insert().values(user_id=uid, tps_id=tps_id))
    return uid


async def test_approval_refuses_a_petugas_without_unit_or_outside_it_in_the_bot(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    kota, selatan = await _tps(engine, "KAB-1771"), await _tps(engine, "KAB-1701")
    tanpa = await _permintaan_lama(engine, 5550002, None, kota)
    luar = await _permintaan_lama(engine, 5550003, "KAB-1771", selatan)
    async with bot_uji(engine) as b:
        await b.kirim(admin, "/start")
        pesan = b.api.messages(admin)[-1].message_id
        for uid, alasan in ((tanpa, "tidak menyebut KPU Kab/Kota"), (luar, "bukan wilayah KAB-1771")):
            await b.app.process_update((await b.api.press(admin, pesan, f"putus:ok:{uid}")).to_update(b.app.bot))
            assert alasan in (b.jawaban_terakhir() or "")
    async with engine.connect() as conn:
        for uid in (tanpa, luar):
            u = await users.by_id(conn, uid)
            assert u is not None and u.status == "menunggu"


async def test_approval_and_role_change_on_the_web_keep_a_petugas_in_the_unit(engine: AsyncEngine) -> None:
    kota, selatan = await _tps(engine, "KAB-1771"), await _tps(engine, "KAB-1701")
    tanpa = await _permintaan_lama(engine, 5550002, None, kota)
    luar = await _permintaan_lama(engine, 5550003, "KAB-1771", selatan)
    operator = await demo_tg(engine, "operator")
    async with engine.connect() as conn:
        op = await users.by_telegram_id(conn, operator)
    assert op is not None
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        for uid, alasan in ((tanpa, "tidak menyebut KPU Kab/Kota"), (luar, "bukan wilayah KAB-1771")):
            r = await c.post(f"/pengguna/{uid}/setujui", data={"csrf": token})
            assert r.status_code == 400 and alasan in html.unescape(r.text)
        for data, alasan in (({"peran": "petugas", "unit": "KAB-1771", "tps": selatan}, "bukan wilayah KAB-1771"),
                             ({"peran": "petugas", "unit": "", "tps": f"{kota}, {selatan}"}, "satu KPU Kab/Kota"),
                             ({"peran": "petugas", "unit": "KAB-1771", "tps": ""}, "minimal satu kode TPS")):
            r = await c.post(f"/pengguna/{op.id}/ubah", data={"csrf": token, **data})
            assert r.status_code == 400 and alasan in html.unescape(r.text), data
        r = await c.post(f"/pengguna/{op.id}/ubah", data={"csrf": token, "peran": "petugas", "unit": "", "tps": kota})
        assert r.status_code == 303
    async with engine.connect() as conn:
        assert [(await users.by_id(conn, u)).status for u in (tanpa, luar)] == ["menunggu"] * 2  # type: ignore[union-attr]
        changed = await users.by_id(conn, op.id)
    assert changed is not None and (changed.role, changed.unit_code) == ("petugas", "KAB-1771")


# --- the outbox checks the recipient at send time ----------------------------------------------------------------


async def test_a_message_to_someone_revoked_after_it_was_queued_is_not_sent(engine: AsyncEngine) -> None:
    operator, admin = await demo_tg(engine, "operator-kota"), await demo_tg(engine, "admin")
    async with bot_uji(engine) as b:
        tombol = {"inline_keyboard": [[{"text": "Tangani", "callback_data": "es:1"}]]}
        async with engine.begin() as conn:
            for chat in (operator, admin):
                await outbox.enqueue(conn, key=f"eskalasi:uji:{chat}", chat_id=chat, text="Eskalasi TPS",
                                     kind="eskalasi", reply_markup=tombol, now=b.jam.now)
            op = await users.by_telegram_id(conn, operator)
            assert op is not None
            await users.revoke_user(conn, op.id, actor="Admin", now=b.jam.now)
        assert await b.kirim_outbox() == 1
        assert [m.text for m in b.api.messages(admin)] == ["Eskalasi TPS"]
        assert all(m.text != "Eskalasi TPS" for m in b.api.messages(operator))
        b.jam.now += timedelta(hours=1)
        assert await b.kirim_outbox() == 0  # settled, never retried
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(t.outbox.c.status, t.outbox.c.last_error, t.outbox.c.sent_at)
                                  .where(t.outbox.c.dedup_key == f"eskalasi:uji:{operator}"))).one()
    assert (row.status, row.last_error, row.sent_at) == (outbox.DIBLOKIR, outbox.PENERIMA_DICABUT, None)
