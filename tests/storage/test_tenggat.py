"""Deadlines and reminders against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.pengingat import Aturan
from storage import outbox, siaran, tenggat
from storage import tables as t
from storage.db import create_engine
from storage.tenggat import Kiriman, Pesan, Tenggat
from tests.bot.pengingat_uji import (
    baris_outbox,
    lapor_realisasi,
    lapor_tiba,
    lokal,
    progres_rencana,
    selesaikan_tahapan,
    tambah_pengguna,
    tps_kab,
    unit_id,
)
from tests.storage.test_tiba_kabkota import menunggu_kunci

ZONA = "Asia/Jakarta"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def render(k: Kiriman) -> Pesan:
    return Pesan(f"{k.langkah.kode} {k.tenggat.judul}")


async def _d(engine: AsyncEngine, jenis: str, ref: str, unit: str) -> Tenggat:
    async with engine.connect() as conn:
        uid = await unit_id(conn, unit)
        ds = [d for d in await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=[jenis])
              if d.ref == ref and d.unit_id == uid]
    assert len(ds) == 1, (jenis, ref, unit)
    return ds[0]


async def _tahapan(engine: AsyncEngine, no: int) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == no))).scalar_one())


async def _ra(engine: AsyncEngine, kode: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(t.rencana_aksi.c.id).where(t.rencana_aksi.c.kode == kode))
                    ).scalar_one())


async def _penerima(engine: AsyncEngine, d: Tenggat) -> dict[str, list[int]]:
    async with engine.connect() as conn:
        dir_ = await tenggat.direktori(conn)
        st = (await tenggat.status(conn, [d], dir_))[d.id]
        tiers = tenggat.penerima_per_tingkat(d, st, dir_)
    return {k: [p.telegram_id for p in v] for k, v in tiers.items()}


# --- generation ------------------------------------------------------------------------------------------


async def test_deadlines_are_generated_from_every_source(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        ds = await tenggat.daftar_tenggat(conn, zona=ZONA)
    per = Counter(d.jenis for d in ds)
    assert per["rencana_aksi"] == 2 * 19  # planned start and end of each activity
    assert per["pemutakhiran"] == 16 * 10 + 4  # kab/kota stages per kab/kota; 4 province stages for PDI-DATIN
    assert per["logistik"] == 10 + 7  # H-1 per kab/kota, plus the earlier cut-off where there are TPS sulit
    assert {d.unit_code for d in ds if d.jenis == "pemutakhiran" and d.ref == f"tahapan:{await _tahapan(engine, 10)}"} \
        == {"PDI-DATIN"}
    uml = sorted((d.ref, d.batas) for d in ds if d.jenis == "pelaporan" and d.unit_code == "KUL-UML")
    # five working days after each quarter, 23.59 WIB: Q1 ends on a Sunday, so Friday 5 April; Q4 skips New Year
    assert uml == [("2024-Q1", lokal(date(2024, 4, 5), 23, 59)), ("2024-Q2", lokal(date(2024, 7, 5), 23, 59)),
                   ("2024-Q3", lokal(date(2024, 10, 7), 23, 59)), ("2024-Q4", lokal(date(2025, 1, 8), 23, 59))]
    coklit = await _d(engine, "pemutakhiran", f"tahapan:{await _tahapan(engine, 5)}", "KAB-1771")
    assert coklit.batas == lokal(date(2024, 7, 24), 23, 59) and coklit.judul.startswith("Tahapan 5: Pencocokan")
    h1 = await _d(engine, "logistik", "h1", "KAB-1703")
    sulit = await _d(engine, "logistik", "h1-sulit", "KAB-1703")
    assert h1.batas == lokal(date(2024, 11, 26), 23, 59) and sulit.batas < h1.batas
    ra = await _d(engine, "rencana_aksi", f"ra:{await _ra(engine, '6871.QGE.002')}:selesai", "KUL")
    assert ra.batas == lokal(date(2024, 10, 31), 23, 59) and "6871.QGE.002" in ra.judul


async def test_sync_is_idempotent_follows_its_sources_and_keeps_a_pause(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        assert (await tenggat.sinkronkan(conn, zona=ZONA, now=T0)).total == 0
    q1 = await _d(engine, "pelaporan", "2024-Q1", "KUL-UML")
    async with engine.begin() as conn:
        await tenggat.atur_jeda_tenggat(conn, q1.id, True, actor="uji", actor_id=None, now=T0)
        await conn.execute(t.holidays.insert().values(tanggal=date(2024, 4, 1), nama="Libur uji"))
        await conn.execute(t.voter_stages.update().where(t.voter_stages.c.no == 5).values(selesai=date(2024, 7, 26)))
        await conn.execute(t.app_settings.insert().values(key=tenggat.KUNCI_HARI_KERJA, value=3))
        h = await tenggat.sinkronkan(conn, zona=ZONA, now=T0)
    assert (h.dibuat, h.dihapus) == (0, 0) and h.diubah > 10
    q1b = await _d(engine, "pelaporan", "2024-Q1", "KUL-UML")
    assert q1b.id == q1.id and q1b.dijeda  # same row, still paused
    assert q1b.batas == lokal(date(2024, 4, 4), 23, 59)  # 3 working days, 1 April a holiday
    coklit = await _d(engine, "pemutakhiran", f"tahapan:{await _tahapan(engine, 5)}", "KAB-1701")
    assert coklit.batas == lokal(date(2024, 7, 26), 23, 59)
    # a source that disappears takes its deadlines (and their snoozes) with it
    async with engine.begin() as conn:
        uid = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.telegram_id == 910005))).scalar_one()
        ra_id = await _ra(engine, "6871.QGE.002")
        ra = await _d(engine, "rencana_aksi", f"ra:{ra_id}:selesai", "KUL")
        await tenggat.tunda(conn, ra.id, uid, sampai=T0 + timedelta(days=1), now=T0)
        await conn.execute(t.rencana_aksi.delete().where(t.rencana_aksi.c.id == ra_id))
        h = await tenggat.sinkronkan(conn, zona=ZONA, now=T0)
        assert h.dihapus == 2
        assert await tenggat.tenggat_by_id(conn, ra.id, zona=ZONA) is None


async def test_manual_deadlines_are_checked(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        i = await tenggat.tambah_manual(conn, judul="  Kirim   laporan  ", batas=lokal(date(2024, 12, 2), 16),
                                        unit_code="kul", peran="operator", dijeda=True, actor="uji", actor_id=None,
                                        now=T0)
        d = await tenggat.tenggat_by_id(conn, i, zona=ZONA)
        assert d is not None and (d.judul, d.unit_code, d.dijeda) == ("Kirim laporan", "KUL", True)
        for kw, pesan in (({"judul": ""}, "Judul"), ({"judul": "x" * 301}, "Judul"), ({"peran": "raja"}, "Peran"),
                          ({"unit_code": "NOPE"}, "Unit"), ({"batas": datetime(2024, 12, 2)}, "zona")):
            args = {"judul": "x", "batas": lokal(date(2024, 12, 2), 16), "unit_code": None, "peran": "operator",
                    "dijeda": False, "actor": "uji", "actor_id": None, "now": T0, **kw}
            with pytest.raises(tenggat.TenggatError, match=pesan):
                await tenggat.tambah_manual(conn, **args)  # type: ignore[arg-type]
    # a manual deadline of a Bagian reaches the operators below it
    assert (await _penerima(engine, d))["penanggung"] == [910005]


# --- recipients, resolved when sent -----------------------------------------------------------------------


async def test_recipients_by_role_scope_and_heads(engine: AsyncEngine) -> None:
    kota = await _d(engine, "logistik", "h1", "KAB-1771")
    # operators of the kab/kota and the petugas of its TPS; its head is the province's (the Sekretaris), who is
    # also the pimpinan and so is told once
    assert await _penerima(engine, kota) == {"penanggung": [910006, 910007], "kepala": [910002], "pimpinan": []}
    kul = await _d(engine, "rencana_aksi", f"ra:{await _ra(engine, '6871.QGE.002')}:selesai", "KUL")
    assert await _penerima(engine, kul) == {"penanggung": [910005], "kepala": [910003], "pimpinan": [910002]}
    prov = await _d(engine, "pelaporan", "2024-Q4", "PROV")
    assert (await _penerima(engine, prov))["penanggung"] == []  # never every operator of the province
    stage10 = await _d(engine, "pemutakhiran", f"tahapan:{await _tahapan(engine, 10)}", "PDI-DATIN")
    assert (await _penerima(engine, stage10))["penanggung"] == [910004]


async def test_a_user_who_joins_later_is_included_and_a_revoked_one_is_not(engine: AsyncEngine) -> None:
    d = await _d(engine, "logistik", "h1", "KAB-1701")
    assert (await _penerima(engine, d))["penanggung"] == []
    async with engine.begin() as conn:
        await tambah_pengguna(conn, tg=930001, nama="Operator Baru", peran="operator", unit="KAB-1701", now=T0)
    assert (await _penerima(engine, d))["penanggung"] == [930001]
    async with engine.begin() as conn:
        await conn.execute(t.users.update().where(t.users.c.telegram_id == 930001).values(status="dicabut"))
    assert (await _penerima(engine, d))["penanggung"] == []


# --- "already reported" -----------------------------------------------------------------------------------


async def _selesai(engine: AsyncEngine, d: Tenggat) -> tenggat.Status:
    async with engine.connect() as conn:
        return (await tenggat.status(conn, [d], await tenggat.direktori(conn)))[d.id]


async def test_reported_checks_read_the_rows_the_flows_write(engine: AsyncEngine) -> None:
    now = datetime(2024, 4, 3, tzinfo=UTC)
    q1 = await _d(engine, "pelaporan", "2024-Q1", "KUL-UML")
    st = await _selesai(engine, q1)
    assert not st.selesai and st.belum == ("KUL-UML-1", "KUL-UML-2", "KUL-UML-3") and (st.sudah, st.total) == (0, 3)
    async with engine.begin() as conn:
        await lapor_realisasi(conn, "KUL-UML", "2024-Q1", now, status="dikembalikan")
    assert not (await _selesai(engine, q1)).selesai  # returned for correction: not reported
    async with engine.begin() as conn:
        await lapor_realisasi(conn, "KUL-UML", "2024-Q1", now)  # the corrected version
    assert (await _selesai(engine, q1)).selesai
    assert not (await _selesai(engine, await _d(engine, "pelaporan", "2024-Q2", "KUL-UML"))).selesai

    ra = await _ra(engine, "6871.QGE.002")
    mulai, selesai = (await _d(engine, "rencana_aksi", f"ra:{ra}:mulai", "KUL"),
                      await _d(engine, "rencana_aksi", f"ra:{ra}:selesai", "KUL"))
    async with engine.begin() as conn:
        await progres_rencana(conn, ra, "berjalan", now)
    assert (await _selesai(engine, mulai)).selesai and not (await _selesai(engine, selesai)).selesai
    async with engine.begin() as conn:
        await progres_rencana(conn, ra, "selesai", now)
    assert (await _selesai(engine, selesai)).selesai

    async with engine.begin() as conn:
        await conn.execute(t.stage_completions.delete())
    stage = await _tahapan(engine, 5)
    a, b = (await _d(engine, "pemutakhiran", f"tahapan:{stage}", "KAB-1771"),
            await _d(engine, "pemutakhiran", f"tahapan:{stage}", "KAB-1701"))
    async with engine.begin() as conn:
        await selesaikan_tahapan(conn, stage, "KAB-1771", now)
    assert (await _selesai(engine, a)).selesai and not (await _selesai(engine, b)).selesai


async def test_logistics_is_reported_when_every_tps_has_an_arrival_report(engine: AsyncEngine) -> None:
    now = datetime(2024, 11, 25, tzinfo=UTC)
    h1, sulit = await _d(engine, "logistik", "h1", "KAB-1703"), await _d(engine, "logistik", "h1-sulit", "KAB-1703")
    async with engine.begin() as conn:
        ids_sulit = await tps_kab(conn, "KAB-1703", sulit=True)
        await lapor_tiba(conn, ids_sulit, now)
    assert (await _selesai(engine, sulit)).selesai
    st = await _selesai(engine, h1)
    assert not st.selesai and (st.sudah, st.total) == (15, 503)
    async with engine.begin() as conn:
        await lapor_tiba(conn, await tps_kab(conn, "KAB-1703", sulit=False), now)
    assert (await _selesai(engine, h1)).selesai


async def test_a_petugas_who_reported_their_tps_gets_no_more_reminders(engine: AsyncEngine) -> None:
    kota = await _d(engine, "logistik", "h1", "KAB-1771")
    st = await _selesai(engine, kota)
    assert next(iter(st.per_pengguna.values())) == (
        "17.71.01.2001-001", "17.71.01.2001-002", "17.71.01.2001-003")
    async with engine.begin() as conn:
        await lapor_tiba(conn, (await tps_kab(conn, "KAB-1771"))[:2], datetime(2024, 11, 25, tzinfo=UTC))
    assert next(iter((await _selesai(engine, kota)).per_pengguna.values())) == ("17.71.01.2001-003",)
    async with engine.begin() as conn:
        await lapor_tiba(conn, (await tps_kab(conn, "KAB-1771"))[2:3], datetime(2024, 11, 25, tzinfo=UTC))
    assert (await _penerima(engine, kota))["penanggung"] == [910006]


async def test_a_reported_tps_takes_back_exactly_its_officers_waiting_logistics_reminders(engine: AsyncEngine) -> None:
    now = lokal(date(2024, 11, 25), 9)
    async with engine.begin() as conn:
        kab_ids = {k: await unit_id(conn, k) for k in ("KAB-1703", "KAB-1771")}
        logistik = [d for d in await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=["logistik"])
                    if d.unit_id in kab_ids.values()]
        tps = (await tps_kab(conn, "KAB-1703", sulit=True))[0]
        petugas = {await tambah_pengguna(conn, tg=tg, nama=f"Petugas {tg}", peran="petugas", unit="KAB-1703",
                                         now=now, tps=[tps]) for tg in (920001, 920002)}
        lain = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.telegram_id == 910007))).scalar_one()
    kota = [d.id for d in logistik if d.unit_id == kab_ids["KAB-1703"]]  # H-1, and H-1 of the hard-to-reach
    kab_lain = [d.id for d in logistik if d.unit_id == kab_ids["KAB-1771"]]
    assert len(kota) >= 2 and kab_lain
    ditarik = {tenggat.kunci(d, u, langkah) for d in kota for u in petugas for langkah in ("h3", "h1")}
    tetap = {tenggat.kunci(d, lain, "h1") for d in kota} | {tenggat.kunci(d, u, "h1") for d in kab_lain
                                                              for u in petugas}
    async with engine.begin() as conn:
        for i, key in enumerate(sorted(ditarik | tetap | {"pengingat:diklaim"})):
            await outbox.enqueue(conn, key=key, chat_id=7000 + i, text=key, kind="pengingat", now=now)
        # one the sender has claimed (it may be on its way to Telegram) stays
        diklaim = sorted(ditarik)[0]
        await conn.execute(t.outbox.update().where(t.outbox.c.dedup_key == diklaim)
                           .values(claimed_until=now + timedelta(minutes=1)))
        assert await tenggat.tarik_pengingat_tps(conn, tps, now=now) == len(ditarik) - 1
    sisa = {r.dedup_key for r in await baris_outbox(engine)}
    assert sisa == tetap | {diklaim, "pengingat:diklaim"}


# --- the sweep ---------------------------------------------------------------------------------------------


async def test_the_sweep_queues_each_due_step_once_with_its_key(engine: AsyncEngine) -> None:
    now = lokal(date(2024, 11, 23), 7, 0)
    first = await tenggat.sapu(engine, now=now, render=render, zona=ZONA)
    again = await tenggat.sapu(engine, now=now + timedelta(minutes=1), render=render, zona=ZONA)
    assert first.diantrekan == 3 and again.diantrekan == 0
    rows = await baris_outbox(engine)
    kota = await _d(engine, "logistik", "h1", "KAB-1771")
    keys = {r.dedup_key for r in rows}
    async with engine.connect() as conn:
        uid = dict((await conn.execute(sa.select(t.users.c.telegram_id, t.users.c.id))).all())
    assert tenggat.kunci(kota.id, uid[910006], "h3") in keys and tenggat.kunci(kota.id, uid[910007], "h3") in keys
    assert {r.kind for r in rows} == {"pengingat"} and all(r.not_before == now for r in rows)
    assert {r.text for r in rows if r.chat_id == 910006} == {"h3 Logistik tiba di semua TPS (batas H-1)"}
    # quiet hours: nothing at 22.00 even though a step is current
    assert (await tenggat.sapu(engine, now=lokal(date(2024, 11, 25), 22), render=render, zona=ZONA)).diantrekan == 0
    # escalations carry their own kind
    await tenggat.sapu(engine, now=lokal(date(2024, 11, 27), 7, 0), render=render, zona=ZONA)
    assert {r.kind for r in await baris_outbox(engine) if r.chat_id == 910002} == {"eskalasi"}


async def test_two_sweeps_at_once_on_two_connections_never_queue_twice(database_url: str) -> None:
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        now = lokal(date(2024, 11, 27), 7, 0)
        for _ in range(3):
            results = await asyncio.gather(*(tenggat.sapu(e, now=now, render=render, zona=ZONA) for e in engines))
            now += timedelta(seconds=20)
        rows = await baris_outbox(engines[0])
        assert len(rows) == len({r.dedup_key for r in rows}) == 12  # as many as one sweep alone queues
        assert sum(r.diantrekan for r in results) == 0  # the last round found everything queued already
    finally:
        for e in engines:
            await e.dispose()


async def test_a_report_that_lands_takes_back_the_reminders_still_waiting(engine: AsyncEngine) -> None:
    now = lokal(date(2024, 11, 23), 7, 0)
    await tenggat.sapu(engine, now=now, render=render, zona=ZONA)
    assert len(await baris_outbox(engine)) == 3
    async with engine.begin() as conn:
        await lapor_tiba(conn, await tps_kab(conn, "KAB-1771"), now)
    h = await tenggat.sapu(engine, now=now + timedelta(minutes=1), render=render, zona=ZONA)
    assert h.dibatalkan == 2
    assert [r.chat_id for r in await baris_outbox(engine)] == [910005]  # the rencana aksi reminder stays
    # a claimed (being sent) message is left to the sender
    async with engine.begin() as conn:
        claimed = await outbox.claim(conn, now=now, limit=10)
        await progres_rencana(conn, await _ra(engine, "6871.QGE.001"), "selesai", now)
    assert len(claimed) == 1
    assert (await tenggat.sapu(engine, now=now + timedelta(seconds=30), render=render, zona=ZONA)).dibatalkan == 0
    # once the claim has run out (the worker died), it is taken back like any waiting reminder
    assert (await tenggat.sapu(engine, now=now + timedelta(minutes=2), render=render, zona=ZONA)).dibatalkan == 1


async def test_snooze_pause_and_resume(engine: AsyncEngine) -> None:
    kota = await _d(engine, "logistik", "h1", "KAB-1771")
    async with engine.begin() as conn:
        uid = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.telegram_id == 910006))).scalar_one()
        await tenggat.tunda(conn, kota.id, uid, sampai=lokal(date(2024, 11, 24), 7), now=lokal(date(2024, 11, 22), 9))
    await tenggat.sapu(engine, now=lokal(date(2024, 11, 23), 7), render=render, zona=ZONA)
    assert 910006 not in {r.chat_id for r in await baris_outbox(engine)}
    # when the snooze ends the current step goes (once), the skipped time is not replayed
    await tenggat.sapu(engine, now=lokal(date(2024, 11, 24), 7), render=render, zona=ZONA)
    assert [r.dedup_key.rsplit(":", 1)[1] for r in await baris_outbox(engine) if r.chat_id == 910006] == ["h3"]
    async with engine.begin() as conn:  # delivered
        await conn.execute(t.outbox.update().values(status="terkirim"))

    async with engine.begin() as conn:
        await tenggat.atur_jeda(conn, "logistik", True, actor="uji", actor_id=None, now=T0)
        assert await tenggat.jenis_dijeda(conn) == {"logistik"}
    before = len(await baris_outbox(engine))
    await tenggat.sapu(engine, now=lokal(date(2024, 11, 25), 7), render=render, zona=ZONA)
    assert {r.chat_id for r in (await baris_outbox(engine))[before:]} <= {910005}
    async with engine.begin() as conn:
        await tenggat.atur_jeda(conn, "logistik", False, actor="uji", actor_id=None, now=T0)
        with pytest.raises(tenggat.TenggatError):
            await tenggat.atur_jeda(conn, "rahasia", True, actor="uji", actor_id=None, now=T0)
    await tenggat.sapu(engine, now=lokal(date(2024, 11, 25), 9), render=render, zona=ZONA)
    steps = [r.dedup_key.rsplit(":", 1)[1] for r in await baris_outbox(engine) if r.chat_id == 910006]
    assert steps == ["h3", "h1"]  # resumed: the current step, caught up once


async def test_the_preview_uses_the_sweeps_rules_and_marks_what_went_out(engine: AsyncEngine) -> None:
    dari, sampai = lokal(date(2024, 11, 19), 0), lokal(date(2024, 11, 28), 0)
    async with engine.connect() as conn:
        rows = await tenggat.pratinjau(conn, dari=dari, sampai=sampai, now=dari, zona=ZONA)
    kota = [(r.penerima.telegram_id, r.langkah.kode, r.waktu) for r in rows if r.tenggat.unit_code == "KAB-1771"]
    assert kota == [(910006, "h3", lokal(date(2024, 11, 23), 7)), (910007, "h3", lokal(date(2024, 11, 23), 7)),
                    (910006, "h1", lokal(date(2024, 11, 25), 7)), (910007, "h1", lokal(date(2024, 11, 25), 7)),
                    (910006, "h0", lokal(date(2024, 11, 26), 7)), (910007, "h0", lokal(date(2024, 11, 26), 7)),
                    (910002, "e1", lokal(date(2024, 11, 27), 7)), (910006, "t1", lokal(date(2024, 11, 27), 7)),
                    (910007, "t1", lokal(date(2024, 11, 27), 7))]
    assert {r.status for r in rows} == {"rencana"}
    # sweep the window each morning, evening and in the quiet hours: exactly the preview goes out, at its times
    for day in range(9):
        for jam in (7, 19, 22):
            await tenggat.sapu(engine, now=lokal(date(2024, 11, 19) + timedelta(days=day), jam), render=render,
                               zona=ZONA)
    sent = {(r.dedup_key, r.created_at) for r in await baris_outbox(engine)}
    assert sent == {(tenggat.kunci(r.tenggat.id, r.penerima.user_id, r.langkah.kode), r.waktu) for r in rows}
    async with engine.connect() as conn:
        after = await tenggat.pratinjau(conn, dari=dari, sampai=sampai, now=sampai, zona=ZONA)
    assert {r.status for r in after} == {"antri"}
    # a step a sweep never got to (the bot was down) shows as skipped
    async with engine.begin() as conn:
        await conn.execute(t.outbox.delete().where(t.outbox.c.dedup_key.like("pengingat:%:h3")))
        late = await tenggat.pratinjau(conn, dari=dari, sampai=sampai, now=sampai, zona=ZONA)
    assert {r.status for r in late if r.langkah.kode == "h3" and r.tenggat.jenis == "logistik"} == {"terlewat"}


async def test_an_admins_rule_for_a_kind_drives_the_preview_and_goes_back_to_the_default(
        engine: AsyncEngine) -> None:
    dari, sampai = lokal(date(2024, 11, 19), 0), lokal(date(2024, 11, 28), 0)

    async def langkah() -> list[tuple[str, datetime]]:
        async with engine.connect() as conn:
            rows = await tenggat.pratinjau(conn, dari=dari, sampai=sampai, now=dari, zona=ZONA)
        return sorted({(r.langkah.kode, r.waktu) for r in rows if r.tenggat.unit_code == "KAB-1771"})

    bawaan = await langkah()
    aturan = Aturan(sebelum=(5, 0), jam_pagi=time(8, 30), lewat_hari=0, eskalasi_kepala=None, eskalasi_pimpinan=None)
    async with engine.begin() as conn:
        await tenggat.atur_kebijakan(conn, "logistik", aturan, actor="uji", actor_id=None, now=T0)
        with pytest.raises(tenggat.TenggatError):
            await tenggat.atur_kebijakan(conn, "rahasia", aturan, actor="uji", actor_id=None, now=T0)
    assert await langkah() == [("h0", lokal(date(2024, 11, 26), 8, 30)), ("h5", lokal(date(2024, 11, 21), 8, 30))]
    async with engine.begin() as conn:
        await tenggat.atur_kebijakan(conn, "logistik", None, actor="uji", actor_id=None, now=T0)
    assert await langkah() == bawaan


async def test_two_admins_changing_rules_at_once_keep_both_changes(engine: AsyncEngine) -> None:
    aturan = Aturan(sebelum=(2,), lewat_hari=1)
    async with engine.connect() as pertama:
        await pertama.begin()
        await tenggat.atur_kebijakan(pertama, "pelaporan", aturan, actor="a", actor_id=None, now=T0)

        async def kedua() -> None:
            async with engine.begin() as conn:
                await tenggat.atur_kebijakan(conn, "logistik", aturan, actor="b", actor_id=None, now=T0)

        tugas = asyncio.create_task(kedua())
        await menunggu_kunci(engine)  # the second waits for the first's lock on the setting
        await pertama.commit()
    await tugas
    async with engine.connect() as conn:
        k = await tenggat.kebijakan(conn)
    assert k.untuk("pelaporan") == aturan and k.untuk("logistik") == aturan


# --- broadcasts ---------------------------------------------------------------------------------------------


async def test_broadcast_recipients_by_role_and_scope(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        semua = await siaran.penerima(conn, peran=None, unit_code=None)
        assert [p.telegram_id for p in semua] == [910001, 910002, 910003, 910004, 910005, 910006, 910007]
        assert [p.telegram_id for p in await siaran.penerima(conn, peran="operator", unit_code=None)] == [
            910004, 910005, 910006]
        assert [p.telegram_id for p in await siaran.penerima(conn, peran=None, unit_code="KUL")] == [910003, 910005]
        # a petugas is reached through the kab/kota of their TPS
        assert [p.telegram_id for p in await siaran.penerima(conn, peran="petugas", unit_code="kab-1771")] == [910007]
        with pytest.raises(siaran.SiaranError, match="Unit"):
            await siaran.penerima(conn, peran=None, unit_code="XX")
        with pytest.raises(siaran.SiaranError, match="Peran"):
            await siaran.penerima(conn, peran="raja", unit_code=None)
        sid, n = await siaran.kirim(conn, teks=" Rapat jam 9 ", peran="operator", unit_code=None, author_id=None,
                                    actor="uji", now=T0, header="📢 ")
        for kw in ({"teks": "  "}, {"teks": "x" * 3501}, {"peran": "petugas", "unit_code": "KUL"}):
            args = {"teks": "x", "peran": None, "unit_code": None, "author_id": None, "actor": "uji", "now": T0, **kw}
            with pytest.raises(siaran.SiaranError):
                await siaran.kirim(conn, **args)  # type: ignore[arg-type]
        assert n == 3 and (await siaran.by_id(conn, sid)).penerima == 3  # type: ignore[union-attr]
        assert await siaran.laporan(conn, sid) == {"antri": 3, "terkirim": 0, "gagal": 0, "diblokir": 0, "total": 3}
    assert {r.text for r in await baris_outbox(engine, "siaran:")} == {"📢 Rapat jam 9"}


async def test_a_big_sweep_queues_in_one_statement_with_the_same_rows_and_no_duplicates(database_url: str) -> None:
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        now = lokal(date(2024, 11, 23), 7)
        async with engines[0].begin() as conn:
            for i in range(40):
                await tambah_pengguna(conn, tg=940000 + i, nama=f"Operator {i}", peran="operator", unit="KAB-1771",
                                      now=T0)
        results = await asyncio.gather(*(tenggat.sapu(e, now=now, render=render, zona=ZONA, batch=25)
                                         for e in engines))
        # 41 operators and the petugas, plus the rencana aksi reminder: each queued by exactly one of the two
        assert sum(r.diantrekan for r in results) == 43
        rows = await baris_outbox(engines[0])
        assert len(rows) == len({r.dedup_key for r in rows}) == 43
        one = next(r for r in rows if r.chat_id == 940000)
        assert (one.kind, one.status, one.attempts, one.not_before, one.created_at, one.parse_mode, one.text) == (
            "pengingat", "antri", 0, now, now, None, "h3 Logistik tiba di semua TPS (batas H-1)")
        assert (await tenggat.sapu(engines[1], now=now, render=render, zona=ZONA, batch=25)).diantrekan == 0
    finally:
        for e in engines:
            await e.dispose()
