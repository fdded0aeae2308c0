"""The demo reproduces the figures the 2024 performance report publishes."""

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.angka import format_percent, format_rupiah
from domain.periode import parse_periode
from reports import anggaran, capaian, logistik, pemutakhiran, rencana_aksi, tabel, teks


async def test_anggaran_2024_matches_tabel_2_3(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await anggaran.build(conn, 2024)
    assert (lap.pagu, lap.realisasi) == (142_297_821_000, 128_414_940_749)
    assert format_percent(lap.penyerapan_persen) == "90,24 %"
    prog = {p.kode: format_percent(p.penyerapan_persen) for p in lap.program}
    assert prog == {"WA": "99,91 %", "CQ": "89,58 %"}
    keg = {k.induk: 0 for k in lap.kegiatan}
    for k in lap.kegiatan:
        keg[k.induk] = keg.get(k.induk, 0) + k.pagu  # type: ignore[index]
    assert keg == {"CQ": 133_094_243_000, "WA": 9_203_578_000}  # Tabel 2.4
    text = teks.anggaran(lap)
    assert "Rp142.297.821.000" in text and "Rp128.414.940.749" in text and "90,24 %" in text


async def test_anggaran_default_year_is_latest_and_earlier_years_work(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert (await anggaran.build(conn)).tahun == 2024
        lap = await anggaran.build(conn, 2022)
        empty = await anggaran.build(conn, 2019)
    assert lap.pagu == 8_361_571_000 + 8_490_014_000
    assert empty.program == [] and empty.penyerapan_persen is None


async def test_capaian_2024_all_reached_but_bpk_pending(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await capaian.build(conn, 2024)
    got = {r.kode: (r.capaian_persen, r.status) for r in lap.indikator}
    assert len(lap.indikator) == 9 and len(lap.sasaran) == 7
    assert got.pop("IK3b") == (None, "menunggu")  # pending is neither zero nor failure
    assert all(v == (Decimal(100), "tercapai") for v in got.values()), got
    assert lap.capaian_persen == Decimal(100) and lap.kategori == "AA"
    s3 = next(s for s in lap.sasaran if s.no == 3)
    assert s3.capaian_persen == Decimal(100)  # the pending indicator is left out of the mean
    js = lap.model_dump(mode="json")
    row = js["indikator"][0]
    assert {"kode", "indikator", "target", "realisasi", "capaian_persen", "status", "kategori"} <= set(row)
    assert row["capaian_persen"] == 100.0 and js["tahun"] == 2024
    ik3b = next(r for r in js["indikator"] if r["kode"] == "IK3b")
    assert ik3b["capaian_persen"] is None and ik3b["status"] == "menunggu"


async def test_capaian_earlier_year_and_period_filter(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap23 = await capaian.build(conn, 2023)
        up_to_q1 = await capaian.build(conn, 2024, sampai=parse_periode("2024-Q1"))
    ik3a = next(r for r in lap23.indikator if r.kode == "IK3a")
    assert (ik3a.target, ik3a.realisasi, ik3a.status) == ("B", "BB", "tercapai")
    # The seed realisations are yearly, so nothing counts up to the first quarter.
    assert all(r.status == "menunggu" for r in up_to_q1.indikator)
    assert up_to_q1.capaian_persen is None


async def test_capaian_unit_shows_latest_pk_and_children(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        kul = await capaian.build(conn, 2024, "KUL")
        prov = await capaian.build(conn, 2024, "PROV")
    assert [r.kode for r in kul.indikator] == ["KUL-1", "KUL-2", "KUL-3", "KUL-4"]
    assert [c.kode for c in kul.indikator[3].anak] == ["KUL-UML-1", "KUL-UML-2", "KUL-UML-3"]
    assert [c.kode for c in kul.indikator[0].anak] == ["KUL-KEU-1"]
    # The Sekretaris' December PK (activity level) is the latest version.
    assert prov.indikator[0].kode == "PROV-P1" and len(prov.indikator) == 20


async def test_logistik_counts_from_demo(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await logistik.build(conn)
    assert (lap.total_tps, lap.tps_sulit, lap.tiba) == (3452, 93, 0)
    assert len(lap.kabkota) == 10
    assert {k.kode: (k.tps, k.sulit) for k in lap.kabkota}["KAB-1705"] == (374, 38)
    js = lap.model_dump(mode="json")
    assert {"total_tps", "tps_sulit", "tiba", "kabkota"} <= set(js)
    assert {"kode", "nama", "tps", "sulit", "tiba"} <= set(js["kabkota"][0])


async def test_pemutakhiran_and_rencana(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await pemutakhiran.build(conn)
        ra = await rencana_aksi.build(conn, 2024)
        kul = await rencana_aksi.build(conn, 2024, "KUL")
    assert len(lap.tahapan) == 20 and lap.jumlah == 200
    assert lap.tepat_waktu == 200  # demo completions: every stage on time, as the report says
    assert ra.pagu == 17_470_049_000 and len(ra.kegiatan) == 19
    assert sum(r.pagu for r in ra.kegiatan if r.kode[:4] in ("3355", "3360")) == 14_129_610_000
    assert {r.unit for r in kul.kegiatan} == {"KUL"}
    assert format_rupiah(ra.pagu) == "Rp17.470.049.000"


def test_csv_cells_that_look_like_formulas_are_neutralised() -> None:
    import io

    buf = io.StringIO()
    tabel.write_csv(["a", "b"], [["=HYPERLINK(\"x\")", 5], ["+1", "-2"], ["@x", "\tx"], ["ok", -3]], buf, bom=True)
    out = buf.getvalue()
    assert out.startswith("\ufeffa,b\r\n")
    assert "'=HYPERLINK" in out and "'+1" in out and "'-2" in out and "'@x" in out and "'\tx" in out
    assert out.endswith("ok,-3\r\n")  # numbers are not text and stay numbers
