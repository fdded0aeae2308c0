"""Separation of duties, as the attacks went: a demoted head, a head verifying his own report, the web approving a
superseded version or returning one without a reason. Each is refused in Indonesian with nothing written."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit, users
from storage import tables as t
from tests.admin.bantuan import buat_web, klien, masuk
from tests.bot.bantuan_kinerja import tekan_paksa
from tests.bot.harness import bot_uji, demo_tg
from tests.bot.test_realisasi import _lapor, _rows


async def _jejak(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return [x.action for x in await audit.recent(conn, entity="realisasi", limit=50)]


async def _outbox(engine: AsyncEngine, awalan: str) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(t.outbox.c.text).where(t.outbox.c.dedup_key.like(f"{awalan}%")))
                     ).scalars().all())


async def test_a_head_moved_to_operator_is_no_longer_head_and_never_verifies_his_own_report(
        engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with engine.connect() as conn:
        kabag = await users.by_demo_key(conn, "kabag-kul")
    assert kabag is not None and kabag.is_head
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post(f"/pengguna/{kabag.id}/ubah", data={"csrf": token, "peran": "operator", "unit": "KUL"})
        assert r.status_code == 303
    async with engine.connect() as conn:
        moved = await users.by_id(conn, kabag.id)
        change = next(x for x in await audit.recent(conn, entity="pengguna", limit=5) if x.action == "ubah")
    assert moved is not None and (moved.role, moved.is_head) == ("operator", False)
    assert change.old["kepala"] is True and change.new["kepala"] is False
    # even a head who reports (is_head put back by hand) cannot verify his own report; it goes to the head above
    async with engine.begin() as conn:
        await conn.execute(t.users.update().where(t.users.c.id == kabag.id).values(is_head=True))
    async with bot_uji(engine) as b:
        tg, sekretaris = await demo_tg(engine, "kabag-kul"), await demo_tg(engine, "pimpinan")
        await _lapor(b, tg, "KUL-1", "2024-Q3", "90")
        assert "dikirim ke Sekretaris Demo" in b.api.last(tg).content
        rid = (await _rows(engine, "KUL-1"))[-1].id
        before = await _jejak(engine)
        jawab = await tekan_paksa(b, tg, f"vf:ok:{rid}") or ""
        assert "tidak dapat memverifikasi laporan Anda sendiri" in jawab
        assert "tidak dapat memverifikasi laporan Anda sendiri" in (await tekan_paksa(b, tg, f"vf:kb:{rid}") or "")
        assert (await _rows(engine, "KUL-1"))[-1].status == "diajukan" and await _jejak(engine) == before
        assert await b.kirim_outbox() == 1 and "KUL-1" in b.api.last(sekretaris).content


async def test_the_web_refuses_a_superseded_version_and_a_return_without_reason(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator")
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "10")
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "95", alasan="Angka TW III diperbarui")
    v1, v2 = [r.id for r in await _rows(engine, "PDI-DATIN-2")]
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        before = await _jejak(engine)
        r = await c.post(f"/realisasi/{v1}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
        assert r.status_code == 400 and "sudah digantikan versi 2" in r.text
        for catatan in ("", "  ", "ok"):
            r = await c.post(f"/realisasi/{v2}/verifikasi",
                             data={"csrf": token, "keputusan": "kembalikan", "catatan": catatan})
            assert r.status_code == 400 and "Pengembalian perlu alasan" in r.text, catatan
        assert [x.status for x in await _rows(engine, "PDI-DATIN-2")] == ["diajukan", "diajukan"]
        assert await _jejak(engine) == before and await _outbox(engine, "vf-hasil:") == []
        r = await c.post(f"/realisasi/{v2}/verifikasi",
                         data={"csrf": token, "keputusan": "kembalikan", "catatan": "Bukti rapat belum ada"})
        assert r.status_code == 303
    assert [x.status for x in await _rows(engine, "PDI-DATIN-2")] == ["diajukan", "dikembalikan"]
    told = await _outbox(engine, f"vf-hasil:{v2}")
    assert len(told) == 1 and "dikembalikan oleh Admin Demo" in told[0] and "Bukti rapat belum ada" in told[0]


async def test_an_admin_who_wrote_a_report_cannot_approve_it_on_the_web(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator")
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "80")
    rid = (await _rows(engine, "PDI-DATIN-2"))[-1].id
    async with engine.begin() as conn:
        admin = await users.by_demo_key(conn, "admin")
        assert admin is not None
        await conn.execute(t.realisations.update().where(t.realisations.c.id == rid).values(author_id=admin.id))
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post(f"/realisasi/{rid}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
    assert r.status_code == 400 and "laporan Anda sendiri" in r.text
    assert (await _rows(engine, "PDI-DATIN-2"))[-1].status == "diajukan"
