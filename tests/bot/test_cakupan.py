"""The attack with the demo's second organisation (BTENG), and the scope rule itself (domain.cakupan)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cakupan import KOSONG, hitung
from domain.entitas import Pengguna, Unit
from storage import audit, org
from storage import tables as t
from tests.admin.bantuan import buat_web, klien
from tests.bot.bantuan_kinerja import tekan_paksa
from tests.bot.harness import bot_uji, demo_tg

NOW = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
OP_BTENG, PIM_BTENG = 7_100_001, 7_100_002


async def _orang_bteng(engine: AsyncEngine) -> tuple[int, int]:
    """An operator and a pimpinan (a head) of organisation BTENG; and an open escalation of Kota Bengkulu."""
    async with engine.begin() as conn:
        kode = {u.code: u.id for u in await org.units(conn)}
        for tg, peran, unit in ((OP_BTENG, "operator", "BTENG-KUL"), (PIM_BTENG, "pimpinan", "BTENG")):
            await conn.execute(t.users.insert().values(telegram_id=tg, name=f"Uji {peran} BTENG", role=peran,
                                                       status="aktif", unit_id=kode[unit],
                                                       is_head=peran == "pimpinan", created_at=NOW))
        esk = (await conn.execute(t.escalations.insert().values(
            jenis="kurang", kabkota_unit_id=kode["KAB-1771"], uraian="Surat suara kurang 20 lembar",
            status="terbuka", created_at=NOW))).inserted_primary_key[0]
    return int(esk), kode["KAB-1771"]


async def test_another_organisation_cannot_handle_or_see_kota_bengkulu(engine: AsyncEngine) -> None:
    esk, kota = await _orang_bteng(engine)
    async with engine.connect() as conn:
        jejak = len(await audit.recent(conn, limit=1000))
    async with bot_uji(engine) as b:
        for tg in (OP_BTENG, PIM_BTENG):
            b.api.add_user(tg, "Uji BTENG")
            await b.kirim(tg, "/start")
            assert await tekan_paksa(b, tg, f"es:{esk}") == "Eskalasi ini di luar cakupan wilayah Anda."
            assert (await b.kirim(tg, "/eskalasi"))[-1].content.startswith("Tidak ada masalah logistik terbuka")
        out = await b.kirim(PIM_BTENG, "/logistik")
        assert out[-1].content == "Tidak ada kab/kota dalam cakupan Anda." and "Kota Bengkulu" not in out[-1].content
        assert "kedaluwarsa" in (await tekan_paksa(b, PIM_BTENG, f"lg:k:{kota}") or "")
        assert "Kota Bengkulu" not in b.api.last(PIM_BTENG).content
        # the kab/kota's own officer still can
        kota_tg = await demo_tg(engine, "operator-kota")
        await b.kirim(kota_tg, "/start")
        assert "Surat suara kurang 20" in (await b.kirim(kota_tg, "/eskalasi"))[-1].content
        await tekan_paksa(b, kota_tg, f"es:l:{esk}")
        assert b.api.last(kota_tg).content.startswith("✅ Masalah di TPS - (kurang) sudah ditangani oleh")
    async with engine.connect() as conn:
        catatan = await audit.recent(conn, limit=1000)
        keluar = (await conn.execute(sa.select(sa.func.count()).select_from(t.outbox)
                                     .where(t.outbox.c.chat_id.in_([OP_BTENG, PIM_BTENG])))).scalar_one()
    assert [c.entity for c in catatan[: len(catatan) - jejak]] == ["eskalasi"]  # only the kab/kota officer's
    assert keluar == 0


async def test_another_organisations_leader_sees_none_of_the_province_on_the_web(engine: AsyncEngine) -> None:
    await _orang_bteng(engine)
    from storage import users, web

    w = buat_web(engine)
    async with engine.begin() as conn:
        p = await users.by_telegram_id(conn, PIM_BTENG)
        assert p is not None
        cookie, _ = await web.create_session(conn, p, now=w.now())
    async with klien(w) as c:
        c.cookies.set("pantau_sesi", cookie)
        for url in ("/tps?kabkota=KAB-1771", "/ketibaan", "/realisasi", "/pk", "/eskalasi", "/logistik", "/",
                    "/unit", "/tps?unduh=csv", "/eskalasi?unduh=csv", "/realisasi?unduh=csv"):
            r = await c.get(url)
            assert r.status_code == 200, url
            for bocor in ("17.71.01.", "Kota Bengkulu", "Surat suara kurang", "PDI-DATIN", "142.297.821.000"):
                assert bocor not in r.text, (url, bocor)
        assert "BTENG-KUL" in (await c.get("/unit")).text  # its own organisation it does see


def _u(i: int, code: str, kind: str, parent: int | None) -> Unit:
    return Unit(i, code, code, kind, parent)


POHON = [_u(1, "RI", "satker", None), _u(2, "PROV-A", "satker", 1), _u(3, "PDI-A", "bagian", 2),
         _u(4, "KAB-A1", "kabkota", 2), _u(5, "KAB-A2", "kabkota", 2), _u(6, "PROV-B", "satker", 1),
         _u(7, "KAB-B1", "kabkota", 6), _u(8, "ORG2", "satker", None), _u(9, "ORG2-KUL", "subbagian", 8),
         _u(10, "KAB-A1-PPK", "subbagian", 4)]


def _p(peran: str, unit: int | None, tps: frozenset[int] = frozenset(), status: str = "aktif") -> Pengguna:
    return Pengguna(1, 1, "Uji", peran, status, unit, None, True, tps)


def test_the_rule_per_position_in_the_tree() -> None:
    iku = [1]
    atas = hitung(_p("pimpinan", 1), POHON, {}, iku)
    # every kab/kota there is (None: no filter needed), but not the other organisation's units
    assert atas.iku and atas.kabkota_ids is None and atas.unit_ids is not None and 8 not in atas.unit_ids
    prov = hitung(_p("operator", 3), POHON, {}, iku)  # a Bagian of province A: the province's kab/kota
    assert prov.kabkota_ids == frozenset({4, 5}) and prov.unit_ids == frozenset({3}) and prov.satker_id == 2
    assert prov.tindak_kabkota(4) and not prov.tindak_kabkota(7) and not prov.iku
    kab = hitung(_p("pimpinan", 4), POHON, {}, iku)
    assert kab.kabkota_ids == frozenset({4}) and kab.organisasi_ids == frozenset({4, 10}) and not kab.iku
    ppk = hitung(_p("operator", 10), POHON, {}, iku)  # a unit under a kab/kota stays in that kab/kota
    assert ppk.kabkota_ids == frozenset({4})
    lain = hitung(_p("pimpinan", 8), POHON, {}, iku)  # another organisation: its own tree, no kab/kota, no IKU
    assert lain.kabkota_ids == frozenset() and lain.unit_ids == frozenset({8, 9}) and not lain.iku
    assert not lain.lihat_kabkota(4) and not lain.tindak_kabkota(4) and not lain.lihat_organisasi(2)
    petugas = hitung(_p("petugas", 4, frozenset({100})), POHON, {100: 4}, iku)
    assert petugas.kabkota_ids == frozenset({4}) and petugas.tindak_tps(100) and not petugas.tindak_tps(101)
    assert not petugas.tindak_kabkota(4) and petugas.lihat_tps(100, 4) and not petugas.lihat_tps(101, 4)
    assert not prov.tindak_tps(100)
    assert hitung(_p("operator", 3, status="dicabut"), POHON, {}, iku) == KOSONG
    assert hitung(None, POHON, {}, iku) == KOSONG
    assert hitung(_p("operator", None), POHON, {}, iku).kabkota_ids == frozenset()
    semua = hitung(_p("admin", 9), POHON, {}, iku)
    assert semua.unit_ids is None and semua.kabkota_ids is None and semua.tindak_kabkota(7)
    # one organisation only: its root's leader has everything, written as None (no filter needed)
    satu = hitung(_p("pimpinan", 1), POHON[:7], {}, iku)
    assert satu.unit_ids is None and satu.kabkota_ids is None and satu.organisasi_ids is None
