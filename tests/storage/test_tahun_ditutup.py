"""The published 2024 stays as the LKjIP printed it: writes dated in a closed year are refused with the reason,
and every report of the year reads the values stored when it was closed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain import logistik as lg
from domain.entitas import Pengguna
from reports import anggaran as laporan_anggaran
from reports import capaian, lkj, perbandingan
from reports import tahun as laporan_tahun
from storage import anggaran, arrivals, demo, kinerja, org, pemutakhiran, rencana, tenggat, users
from storage import tables as t
from storage import tahun as tahun_anggaran

# Filed "today", long after the LKjIP 2024 was published.
TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
ALASAN = "(?i)tahun anggaran 2024 sudah ditutup"


async def _user(conn: AsyncConnection, key: str) -> Pengguna:
    u = await users.by_demo_key(conn, key)
    assert u is not None
    return u


async def _counts(conn: AsyncConnection) -> list[int]:
    return [(await conn.execute(sa.select(sa.func.count()).select_from(tb))).scalar_one()
            for tb in (t.arrival_reports, t.stage_completions, t.realisations, t.budget_realisations,
                       t.rencana_progress, t.audit_log)]


async def _published(engine: AsyncEngine) -> dict[str, object]:
    async with engine.connect() as conn:
        lap = await lkj.build(conn, 2024, today=TODAY)
        cp = await capaian.build(conn, 2024, today=TODAY)
        ag = await laporan_anggaran.build(conn, 2024)
        t33 = await perbandingan.banding_tahun(conn, 2024, today=TODAY)
        t34 = await perbandingan.banding_renstra(conn, 2024, today=TODAY)
    return {"lkj": lap.model_dump(mode="json"), "capaian": cp.model_dump(mode="json"),
            "anggaran": ag.model_dump(mode="json"), "tabel_3_3": t33.model_dump(mode="json"),
            "tabel_3_4": t34.model_dump(mode="json")}


def _figures(p: dict[str, object]) -> None:
    """The figures the LKjIP publishes (headline, Tabel 3.2/3.3/3.4, efficiency 1 : 1,1)."""
    cp = p["capaian"]
    assert isinstance(cp, dict)
    assert (cp["capaian_persen"], cp["kategori"]) == (100.0, "AA")
    rows = {r["kode"]: r for r in cp["indikator"]}
    assert rows["IK6"]["realisasi"] == "100" and rows["IK6"]["capaian_persen"] == 100.0
    assert rows["IK4"]["capaian_persen"] == 100.0 and rows["IK3b"]["status"] == "menunggu"
    lap = p["lkj"]
    assert isinstance(lap, dict)
    assert lap["efisiensi"]["rasio"] == "1 : 1,1"
    ag = p["anggaran"]
    assert isinstance(ag, dict)
    assert (ag["pagu"], ag["realisasi"], ag["penyerapan_persen"]) == (142_297_821_000, 128_414_940_749, 90.24)


async def test_demo_2024_is_closed_and_later_writes_change_nothing(empty_engine: AsyncEngine) -> None:
    await demo.load(empty_engine, today=TODAY)
    before = await _published(empty_engine)
    _figures(before)
    async with empty_engine.begin() as conn:
        y = await tahun_anggaran.get(conn, 2024)
        assert y is not None and y.status == "ditutup"
        counts = await _counts(conn)
        petugas, op, kota = (await _user(conn, "petugas"), await _user(conn, "operator-uml"),
                             await _user(conn, "operator-kota"))
        # An arrival report dated 2024 (voting week), typed today.
        tps_id = sorted(petugas.tps_ids)[0]
        lines = tuple(lg.Baris(j.id, 1, 0) for j in await arrivals.jenis_logistik(conn))
        with pytest.raises(arrivals.LogistikError, match=ALASAN) as e:
            await arrivals.simpan_laporan(conn, arrivals.MasukanTiba(
                tps_id=tps_id, jenis="baru", baris=lines, tiba_pada=datetime(2024, 11, 25, 2, 0, tzinfo=UTC),
                moda="PICKUP", foto_file_id="f"), pelapor=petugas, now=NOW)
        # /tiba shows it in a button alert: Telegram's limit is 200 characters.
        assert "Hanya admin" in str(e.value) and len(f"Laporan belum tersimpan: {e.value}") <= 200
        # A voter-list stage correction and a realisation of 2024.
        s = (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.tahun == 2024,
                                                                      t.voter_stages.c.no == 20))).scalar_one()
        kab = [u.id for u in await org.units(conn, "kabkota")]
        with pytest.raises(tahun_anggaran.TahunDitutup, match=ALASAN):
            await pemutakhiran.mark_done(conn, stage_id=s, unit_id=kota.unit_id or 0, selesai_pada=date(2024, 11, 1),
                                         catatan=None, alasan="salah tanggal", author=kota, allowed_unit_ids=kab,
                                         today=TODAY, now=NOW)
        uml1 = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "KUL-UML-1"))
                ).scalar_one()
        with pytest.raises(tahun_anggaran.TahunDitutup, match=ALASAN):
            await kinerja.submit(conn, author=op, indicator_id=uml1, tahun=2024, periode="2024-Q4", nilai="0",
                                 bukti=[], hambatan=None, upaya=None, alasan_koreksi=None, today=TODAY, now=NOW)
        line = (await conn.execute(sa.select(t.budget_lines.c.id).where(t.budget_lines.c.kode == "6871.QGE.001",
                                                                          t.budget_lines.c.tahun == 2024))
                ).scalar_one()
        scope = await kinerja.reporting_scope(conn, op.unit_id or 0)
        with pytest.raises(tahun_anggaran.TahunDitutup, match=ALASAN):
            await anggaran.record_spending(conn, line_id=line, periode="2024-M12", jumlah=1, alasan="koreksi",
                                           author=op, allowed_unit_ids=scope, today=TODAY, now=NOW)
        act = (await conn.execute(sa.select(t.rencana_aksi.c.id).where(t.rencana_aksi.c.tahun == 2024,
                                                                        t.rencana_aksi.c.unit_id.in_(scope)))
               ).scalars().first()
        assert act is not None
        with pytest.raises(tahun_anggaran.TahunDitutup, match=ALASAN):
            await rencana.record_progress(conn, rencana_id=act, status="belum", progres=0, catatan=None, author=op,
                                          allowed_unit_ids=scope, now=NOW)
        assert await _counts(conn) == counts  # nothing was written
    assert await _published(empty_engine) == before


async def test_a_closed_year_reads_its_stored_values_even_when_the_data_under_it_change(
        empty_engine: AsyncEngine) -> None:
    """Freezing is not only the write check: rows that reach the tables anyway (a bulk load, a new TPS) do not
    change what a closed year published."""
    await demo.load(empty_engine, today=TODAY)
    before = await _published(empty_engine)
    async with empty_engine.begin() as conn:
        tps = (await conn.execute(sa.select(t.tps.c.id).limit(1))).scalar_one()
        await conn.execute(t.arrival_reports.insert().values(
            tps_id=tps, versi=1, jenis="baru", nomor="TB-X-1", tiba_pada=datetime(2024, 11, 25, 2, 0, tzinfo=UTC),
            lengkap=False, terlambat=True, tepat=False, created_at=NOW))
        await conn.execute(t.realisations.insert().values(
            indicator_id=(await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "IK1"))
                          ).scalar_one(), tahun=2024, periode="2024", versi=2, nilai="10", bukti=[], sumber="impor",
            status="disetujui", created_at=NOW))
        await conn.execute(t.budget_lines.update().where(t.budget_lines.c.kode == "WA",
                                                         t.budget_lines.c.tahun == 2024).values(pagu=1))
    after = await _published(empty_engine)
    assert after == before
    _figures(after)
    # Reopened (an admin, with a reason, audited), the year reads the live rows again: IK6 from the stray report.
    async with empty_engine.begin() as conn:
        with pytest.raises(tahun_anggaran.DitolakError, match="alasan"):
            await tahun_anggaran.buka_kembali(conn, 2024, alasan=" ", actor="Admin", now=NOW)
        await tahun_anggaran.buka_kembali(conn, 2024, alasan="uji", actor="Admin", now=NOW)
        live = await capaian.build(conn, 2024, today=TODAY)
        log = (await conn.execute(sa.select(t.audit_log.c.action).where(t.audit_log.c.entity == "tahun_anggaran")
                                  .order_by(t.audit_log.c.id.desc()).limit(1))).scalar_one()
    assert log == "buka_kembali"
    ik6 = next(r for r in live.indikator if r.kode == "IK6")
    assert ik6.realisasi != "100" and live.capaian_persen != before["capaian"]["capaian_persen"]  # type: ignore[index]


async def test_closing_stores_the_automatic_indicators_with_their_inputs(engine: AsyncEngine) -> None:
    """The test demo keeps 2024 open: close it as an admin would, then a verification dated in it is refused."""
    async with engine.begin() as conn:
        ik1 = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "KUL-UML-1"))).scalar_one()
        rid = (await conn.execute(t.realisations.insert().values(
            indicator_id=ik1, tahun=2024, periode="2024-Q4", versi=1, nilai="80", bukti=[], sumber="bot",
            status="diajukan", created_at=NOW))).inserted_primary_key[0]  # submitted before the year was closed
        live = await capaian.build(conn, 2024, today=TODAY)
        final = await laporan_tahun.tutup(conn, 2024, today=TODAY, actor="Admin", actor_id=None, now=NOW)
        frozen = await capaian.build(conn, 2024, today=TODAY)
        kabag = await _user(conn, "kabag-kul")
        with pytest.raises(tahun_anggaran.TahunDitutup, match=ALASAN):
            await kinerja.decide(conn, rid, approve=True, note=None, verifier=kabag, now=NOW)
    ik4 = final["otomatis"]["pemutakhiran"]
    assert ik4["masukan"]["tahapan"] == 20 and ik4["masukan"]["kabkota"] == 10
    assert ik4["masukan"]["tepat_waktu"] <= ik4["masukan"]["jatuh_tempo"] == 200
    assert "logistik" not in final["otomatis"]  # no arrival report in 2024: the recorded value stands
    row = next(r for r in frozen.indikator if r.kode == "IK4")
    assert row.dihitung and row.rincian_otomatis == ik4["rincian"]
    assert frozen.model_dump() == live.model_dump()


async def test_hooks_run_once_when_a_year_is_opened(engine: AsyncEngine) -> None:
    dipanggil: list[int] = []

    async def kait(conn: AsyncConnection, tahun: int, now: datetime) -> None:
        dipanggil.append(tahun)

    tahun_anggaran.saat_dibuka(kait)
    try:
        async with engine.begin() as conn:
            await tahun_anggaran.buka(conn, 2025, actor="Admin", now=NOW)
            await tahun_anggaran.buka(conn, 2025, actor="Admin", now=NOW)  # already open: nothing runs
            with pytest.raises(tahun_anggaran.DitolakError, match="berbeda"):
                await tahun_anggaran.buka(conn, 2026, dari=2026, actor="Admin", now=NOW)
    finally:
        tahun_anggaran._SAAT_DIBUKA.remove(kait)
    assert dipanggil == [2025]


async def test_the_demo_closes_the_published_years_with_or_without_a_live_election(empty_engine: AsyncEngine) -> None:
    # --live adds an election of the current year; the published 2024 stays as published either way.
    for live in (True, False):
        await demo.load(empty_engine, reset=True, live=live, today=TODAY)
        async with empty_engine.connect() as conn:
            ditutup = [(y.tahun, y.status) for y in await tahun_anggaran.semua(conn) if y.tahun <= 2024]
        assert ditutup == [(2024, "ditutup"), (2023, "ditutup"), (2022, "ditutup"), (2021, "ditutup")], live


async def test_deadlines_of_a_closed_year_remind_no_one(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await laporan_tahun.buka(conn, 2025, dari=2024, actor="Admin", actor_id=None, now=NOW)
        ds = await tenggat.daftar_tenggat(conn, zona="Asia/Jakarta")
        dir_ = await tenggat.direktori(conn)
        before = await tenggat.status(conn, ds, dir_)
        await laporan_tahun.tutup(conn, 2024, today=TODAY, actor="Admin", actor_id=None, now=NOW)
        after = await tenggat.status(conn, ds, dir_)
    open_2024 = [d for d in ds if d.batas.year == 2024 and not before[d.id].selesai]
    assert {d.jenis for d in open_2024} >= {"pelaporan", "rencana_aksi", "logistik"}
    assert all(after[d.id].selesai for d in open_2024)
    open_2025 = [d for d in ds if d.jenis == "pelaporan" and d.ref.startswith("2025-")]
    assert open_2025 and not any(after[d.id].selesai for d in open_2025)
    assert {d.id: before[d.id] for d in open_2025} == {d.id: after[d.id] for d in open_2025}


async def test_opening_takes_the_renstra_target_where_there_is_one(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        ik3c = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "IK3c"))).scalar_one()
        uml1 = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "KUL-UML-1"))
                ).scalar_one()
        await conn.execute(t.indicator_targets.insert(), [
            {"indicator_id": i, "tahun": 2025, "periode": "2025", "sumber": "renstra", "nilai": v}
            for i, v in ((ik3c, "81"), (uml1, "90"))])
        h = await tahun_anggaran.buka(conn, 2025, actor="Admin", now=NOW)
        it = t.indicator_targets
        pk = {i: (v, bool(k)) for i, v, k in (await conn.execute(
            sa.select(it.c.indicator_id, it.c.nilai, it.c.perlu_konfirmasi)
            .where(it.c.sumber == "pk", it.c.periode == "2025"))).all()}
        prov = (await conn.execute(sa.select(t.pk_items.c.target, t.pk_items.c.perlu_konfirmasi).join(
            t.pk_documents, t.pk_documents.c.id == t.pk_items.c.pk_id).where(
            t.pk_documents.c.tahun == 2025, t.pk_documents.c.draf.is_(True),
            t.pk_items.c.indicator_id == uml1))).all()
        ik1 = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "IK1"))).scalar_one()
    assert h.target_renstra == 3 and h.target_tahun_lalu > 0  # IK3c, KUL-UML-1 (PK item and yearly target)
    assert pk[ik3c] == ("81", False)  # the Renstra's 2025 target, nothing to confirm
    assert pk[ik1] == ("100", True)  # last year's PK target, to be confirmed
    assert [(r.target, bool(r.perlu_konfirmasi)) for r in prov] == [("90", False)]
