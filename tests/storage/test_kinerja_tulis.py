"""Write operations of the reporting feature: versions, checks, audit, verifiers, scopes, closed periods."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.entitas import Pengguna
from domain.errors import ParseError
from domain.kinerja import DitolakError
from storage import anggaran, audit, kinerja, org, pemutakhiran, rencana, users
from storage import tables as t

NOW = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
TODAY = date(2024, 11, 24)


async def _user(conn: AsyncConnection, key: str) -> Pengguna:
    u = await users.by_demo_key(conn, key)
    assert u is not None
    return u


async def _ind(conn: AsyncConnection, kode: str) -> int:
    return (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == kode))).scalar_one()


async def _unit(conn: AsyncConnection, code: str) -> int:
    u = await org.unit_by_code(conn, code)
    assert u is not None
    return u.id


async def test_closed_periods_are_kept_in_app_settings_and_audited(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        assert await kinerja.closed_periods(conn) == []
        assert await kinerja.set_period_closed(conn, "Triwulan II 2024", tutup=True, actor="admin", now=NOW) == [
            "2024-Q2"]
        assert await kinerja.set_period_closed(conn, "2024-M03", tutup=True, actor="admin", now=NOW) == [
            "2024-M03", "2024-Q2"]
        assert await kinerja.set_period_closed(conn, "2024-Q2", tutup=True, actor="admin", now=NOW) == [
            "2024-M03", "2024-Q2"]  # closing twice changes nothing
        assert await kinerja.set_period_closed(conn, "2024-Q2", tutup=False, actor="admin", now=NOW) == ["2024-M03"]
        with pytest.raises(ParseError):
            await kinerja.set_period_closed(conn, "kuartal lima", tutup=True, actor="admin", now=NOW)
        log = await audit.recent(conn, entity="periode")
    assert [(x.action, x.entity_id) for x in log] == [("buka_periode", "2024-Q2"), ("tutup_periode", "2024-M03"),
                                                      ("tutup_periode", "2024-Q2")]
    async with engine.begin() as conn:
        op = await _user(conn, "operator-uml")
        await kinerja.set_period_closed(conn, "2024-Q1", tutup=True, actor="admin", now=NOW)
        with pytest.raises(ParseError, match="sudah ditutup"):
            await kinerja.submit(conn, author=op, indicator_id=await _ind(conn, "KUL-UML-1"), tahun=2024,
                                 periode="2024-Q1", nilai="1", bukti=[], hambatan=None, upaya=None,
                                 alasan_koreksi=None, today=TODAY, now=NOW)
        line = (await conn.execute(sa.select(t.budget_lines.c.id).where(t.budget_lines.c.kode == "6871.QGE.001"))
                ).scalar_one()
        with pytest.raises(ParseError, match="sudah ditutup"):
            await anggaran.record_spending(conn, line_id=line, periode="2024-M03", jumlah=1, alasan=None, author=op,
                                           allowed_unit_ids=await kinerja.reporting_scope(conn, op.unit_id or 0),
                                           today=TODAY, now=NOW)


async def test_submit_checks_scope_kind_and_correction_reason(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        op = await _user(conn, "operator-uml")
        kw = {"author": op, "tahun": 2024, "bukti": [], "hambatan": None, "upaya": None, "today": TODAY, "now": NOW}
        with pytest.raises(DitolakError, match="bukan milik"):
            await kinerja.submit(conn, indicator_id=await _ind(conn, "PDI-DATIN-1"), periode="2024-Q3", nilai="1",
                                 alasan_koreksi=None, **kw)  # type: ignore[arg-type]
        uml1 = await _ind(conn, "KUL-UML-1")
        with pytest.raises(ParseError):
            await kinerja.submit(conn, indicator_id=uml1, periode="2024-Q3", nilai="WTP", alasan_koreksi=None,
                                 **kw)  # type: ignore[arg-type]
        with pytest.raises(ParseError, match="masa depan"):
            await kinerja.submit(conn, indicator_id=uml1, periode="2025-Q1", nilai="1", alasan_koreksi=None,
                                 **kw)  # type: ignore[arg-type]
        r1 = await kinerja.submit(conn, indicator_id=uml1, periode="2024-Q3", nilai="90", alasan_koreksi=None,
                                  **kw)  # type: ignore[arg-type]
        assert (r1.versi, r1.status, r1.alasan_koreksi) == (1, "diajukan", None)
        with pytest.raises(DitolakError, match="perlu alasan"):
            await kinerja.submit(conn, indicator_id=uml1, periode="2024-Q3", nilai="95", alasan_koreksi="  ",
                                 **kw)  # type: ignore[arg-type]
        r2 = await kinerja.submit(conn, indicator_id=uml1, periode="2024-Q3", nilai="95",
                                  alasan_koreksi="angka diperbarui", **kw)  # type: ignore[arg-type]
        assert (r2.versi, r2.alasan_koreksi) == (2, "angka diperbarui")
        # an indicator computed by Pantau cannot be reported
        await conn.execute(t.indicators.update().where(t.indicators.c.id == uml1).values(otomatis="logistik"))
        with pytest.raises(DitolakError, match="dihitung otomatis"):
            await kinerja.submit(conn, indicator_id=uml1, periode="2024-Q4", nilai="1", alasan_koreksi=None,
                                 **kw)  # type: ignore[arg-type]
        # an operator without a unit reports nothing
        with pytest.raises(DitolakError):
            await kinerja.submit(conn, indicator_id=uml1, periode="2024-Q4", nilai="1", alasan_koreksi=None,
                                 **{**kw, "author": replace(op, unit_id=None)})  # type: ignore[arg-type]


async def test_verifiers_and_decisions(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        kabag, pimpinan, op = [await _user(conn, k) for k in ("kabag-kul", "pimpinan", "operator-uml")]
        assert [u.demo_key for u in await kinerja.verifiers(conn, await _unit(conn, "KUL-UML"))] == ["kabag-kul"]
        assert [u.demo_key for u in await kinerja.verifiers(conn, await _unit(conn, "PDI-DATIN"))] == ["pimpinan"]
        assert [u.demo_key for u in await kinerja.verifiers(conn, await _unit(conn, "KAB-1771"))] == ["pimpinan"]
        assert await kinerja.verifiers(conn, await _unit(conn, "BTENG-KUL")) == []  # no BTENG users in the demo
        assert await kinerja.may_verify(conn, pimpinan, await _unit(conn, "KUL-UML"))
        assert not await kinerja.may_verify(conn, kabag, await _unit(conn, "PDI-DATIN"))
        assert not await kinerja.may_verify(conn, op, await _unit(conn, "KUL-UML"))
        r = await kinerja.submit(conn, author=op, indicator_id=await _ind(conn, "KUL-UML-2"), tahun=2024,
                                 periode="2024-Q2", nilai="100", bukti=[], hambatan=None, upaya=None,
                                 alasan_koreksi=None, today=TODAY, now=NOW)
        with pytest.raises(DitolakError, match="perlu alasan"):
            await kinerja.decide(conn, r.id, approve=False, note=" ", verifier=kabag, now=NOW)
        with pytest.raises(DitolakError, match="bukan kepala unit"):
            await kinerja.decide(conn, r.id, approve=True, note=None, verifier=op, now=NOW)
        done = await kinerja.decide(conn, r.id, approve=True, note=None, verifier=pimpinan, now=NOW)
        assert (done.status, done.verified_by, done.verified_at) == ("disetujui", pimpinan.id, NOW)
        with pytest.raises(DitolakError, match="sudah diverifikasi"):
            await kinerja.decide(conn, r.id, approve=False, note="terlambat", verifier=kabag, now=NOW)
        with pytest.raises(DitolakError, match="tidak ditemukan"):
            await kinerja.decide(conn, 10**9, approve=True, note=None, verifier=kabag, now=NOW)


async def test_scopes(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        codes = {u.id: u.code for u in await org.units(conn)}

        async def scope(code: str) -> set[str]:
            return {codes[i] for i in await kinerja.reporting_scope(conn, await _unit(conn, code))}

        assert await scope("KUL-UML") == {"KUL-UML", "KUL"}
        assert await scope("KUL") == {"KUL", "KUL-KEU", "KUL-UML"}
        assert await scope("KAB-1771") == {"KAB-1771"}
        assert await scope("BTENG-KUL") == {"BTENG-KUL"}
        op, kota = await _user(conn, "operator"), await _user(conn, "operator-kota")
        assert len(await pemutakhiran.kabkota_for(conn, op)) == 10
        assert [u.code for u in await pemutakhiran.kabkota_for(conn, kota)] == ["KAB-1771"]
        bteng = replace(op, unit_id=await _unit(conn, "BTENG-KUL"), unit_code="BTENG-KUL")
        assert await pemutakhiran.kabkota_for(conn, bteng) == []
        assert await pemutakhiran.kabkota_for(conn, replace(op, unit_id=None)) == []
        assert await kinerja.arrivals_on_target(conn, 2024) is None


async def test_spending_progress_and_stage_rules(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        op, kota = await _user(conn, "operator-uml"), await _user(conn, "operator-kota")
        scope = await kinerja.reporting_scope(conn, op.unit_id or 0)
        ids = dict((await conn.execute(sa.select(t.budget_lines.c.kode, t.budget_lines.c.id))).all())
        kw = {"author": op, "allowed_unit_ids": scope, "today": TODAY, "now": NOW}
        with pytest.raises(DitolakError, match="bukan milik unit Anda"):  # a program line is not an output
            await anggaran.record_spending(conn, line_id=ids["WA"], periode="2024-M10", jumlah=1, alasan=None,
                                           **kw)  # type: ignore[arg-type]
        with pytest.raises(DitolakError, match="melebihi pagu"):  # even as a correction
            await anggaran.record_spending(conn, line_id=ids["6871.QGE.003"], periode="2024-M10",
                                           jumlah=14_893_001, alasan="koreksi besar", **kw)  # type: ignore[arg-type]
        b1 = await anggaran.record_spending(conn, line_id=ids["6871.QGE.003"], periode="2024-M10",
                                            jumlah=14_893_000, alasan=None, **kw)  # type: ignore[arg-type]
        assert (b1.versi, b1.jumlah) == (1, 14_893_000)
        await anggaran.record_spending(conn, line_id=ids["6871.QGE.001"], periode="2024-M10", jumlah=10_000_000,
                                       alasan=None, **kw)  # type: ignore[arg-type]
        with pytest.raises(DitolakError, match=r"lebih besar dari realisasi kumulatif s\.d\. Oktober 2024"):
            await anggaran.record_spending(conn, line_id=ids["6871.QGE.001"], periode="2024-M09",
                                           jumlah=12_000_000, alasan=None, **kw)  # type: ignore[arg-type]
        with pytest.raises(DitolakError, match=r"lebih kecil dari realisasi kumulatif s\.d\. Oktober 2024"):
            await anggaran.record_spending(conn, line_id=ids["6871.QGE.001"], periode="2024-M11",
                                           jumlah=9_999_999, alasan=None, **kw)  # type: ignore[arg-type]
        b2 = await anggaran.record_spending(conn, line_id=ids["6871.QGE.001"], periode="2024-M11",
                                            jumlah=9_999_999, alasan="pengembalian belanja", **kw)  # type: ignore[arg-type]
        assert (b2.versi, b2.catatan) == (1, "Koreksi: pengembalian belanja")
        lines = {m.kode: m for m in await anggaran.output_lines(conn, 2024, scope)}
        assert lines["6871.QGE.003"].realisasi == 14_893_000

        act = (await conn.execute(sa.select(t.rencana_aksi.c.id).where(t.rencana_aksi.c.kode == "6871.QGE.001"))
               ).scalar_one()
        for status, progres in [("selesai", 90), ("belum", 10), ("berjalan", 100), ("batal", 0)]:
            with pytest.raises(DitolakError):
                await rencana.record_progress(conn, rencana_id=act, status=status, progres=progres, catatan=None,
                                              author=op, allowed_unit_ids=scope, now=NOW)
        with pytest.raises(DitolakError, match="bukan milik unit Anda"):
            await rencana.record_progress(conn, rencana_id=act, status="belum", progres=0, catatan=None, author=kota,
                                          allowed_unit_ids=[kota.unit_id or 0], now=NOW)
        a = await rencana.record_progress(conn, rencana_id=act, status="berjalan", progres=30, catatan=None,
                                          author=op, allowed_unit_ids=scope, now=NOW)
        assert (a.status, a.progres) == ("berjalan", 30)

        s20 = (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == 20))).scalar_one()
        kab = [u.id for u in await pemutakhiran.kabkota_for(conn, kota)]
        skw = {"stage_id": s20, "unit_id": kab[0], "catatan": None, "author": kota, "today": TODAY, "now": NOW}
        with pytest.raises(DitolakError, match="sudah ditandai selesai"):
            await pemutakhiran.mark_done(conn, selesai_pada=date(2024, 11, 20), alasan=None, allowed_unit_ids=kab,
                                         **skw)  # type: ignore[arg-type]
        with pytest.raises(DitolakError, match="cakupan"):
            await pemutakhiran.mark_done(conn, selesai_pada=date(2024, 11, 20), alasan="x", allowed_unit_ids=[],
                                         **skw)  # type: ignore[arg-type]
        with pytest.raises(ParseError, match="masa depan"):
            await pemutakhiran.mark_done(conn, selesai_pada=date(2024, 11, 25), alasan="koreksi",
                                         allowed_unit_ids=kab, **skw)  # type: ignore[arg-type]
        c = await pemutakhiran.mark_done(conn, selesai_pada=date(2024, 11, 21), alasan="tanggal BA",
                                         allowed_unit_ids=kab, **skw)  # type: ignore[arg-type]
        assert (c.versi, c.catatan) == (2, "Koreksi: tanggal BA")
        assert (await pemutakhiran.completions(conn, 2024))[(s20, kab[0])] == date(2024, 11, 21)
