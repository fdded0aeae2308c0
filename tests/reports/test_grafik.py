"""Charts: PNG bytes, Indonesian labels, pending drawn as pending (never a zero bar), the per-scope cache."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from matplotlib.patches import Rectangle
from sqlalchemy.ext.asyncio import AsyncEngine

from reports import anggaran, capaian, grafik, grafik_logistik, pemutakhiran
from reports.capaian import LaporanCapaian
from storage import org

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _cache_bersih() -> None:
    grafik.kosongkan_cache()


def _batang(fig: object) -> list[Rectangle]:
    ax = fig.axes[0]  # type: ignore[attr-defined]
    return [p for p in ax.patches if isinstance(p, Rectangle)]


async def test_capaian_chart_draws_pending_as_pending_not_as_zero(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await capaian.build(conn, 2024, today=date(2024, 11, 24))
    fig = grafik.gambar_capaian(lap)
    ax = fig.axes[0]
    bars = _batang(fig)
    pending_row = next(i for i, r in enumerate(lap.indikator) if r.kode == "IK3b")
    filled = [b for b in bars if not b.get_hatch()]
    hatched = [b for b in bars if b.get_hatch()]
    assert len(filled) == 8 and len(hatched) == 1  # eight bars, one hatched band, no bar of width 0
    assert all(b.get_width() > 0 for b in filled)
    assert abs(hatched[0].get_y() + hatched[0].get_height() / 2 - pending_row) < 1e-9
    texts = [t.get_text() for t in ax.texts]
    assert any("menunggu (Proses)" in t for t in texts)
    assert texts.count("100 %") == 8
    # colour by SAKIP category: every reached indicator is AA here
    assert {tuple(round(float(c), 3) for c in b.get_facecolor()[:3]) for b in filled} == {  # type: ignore[arg-type]
        tuple(round(int(grafik.WARNA_KATEGORI["AA"][i:i + 2], 16) / 255, 3) for i in (1, 3, 5))}
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("IK1 Persentase") and "\n" in labels[0]  # wrapped, not cut
    assert " ".join(labels[0].split()) == " ".join(f"IK1 {lap.indikator[0].indikator}".split())
    png = grafik.capaian(lap)
    assert png.startswith(PNG) and len(png) > 10_000


def test_capaian_chart_with_a_miss_and_a_report_without_indicators() -> None:
    lap = LaporanCapaian.model_validate({
        "tahun": 2024, "unit": "KUL", "unit_nama": "Bagian KUL", "pk_versi": "terbaru", "capaian_persen": "62.5",
        "kategori": "B", "sasaran": [], "indikator": [
            {"kode": "A", "indikator": "Satu", "jenis": "persen", "sasaran_no": 1, "sasaran": "S", "target": "100",
             "realisasi": "25", "capaian_persen": "25", "status": "tidak_tercapai", "kategori": "D"},
            {"kode": "B", "indikator": "Dua", "jenis": "persen", "sasaran_no": 1, "sasaran": "S", "target": "100",
             "realisasi": "100", "capaian_persen": "100", "status": "tercapai", "kategori": "AA"},
            {"kode": "C", "indikator": "Tiga", "jenis": "persen", "sasaran_no": 1, "sasaran": "S", "target": "100",
             "realisasi": None, "capaian_persen": None, "status": "menunggu", "kategori": None}]})
    fig = grafik.gambar_capaian(lap)
    filled = [b for b in _batang(fig) if not b.get_hatch()]
    assert [round(b.get_width(), 2) for b in filled] == [25.0, 100.0]
    assert any("belum ada realisasi" in t.get_text() for t in fig.axes[0].texts)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["AA Sangat Memuaskan", "D Sangat Kurang", "menunggu"]
    empty = lap.model_copy(update={"indikator": [], "capaian_persen": None, "kategori": None})
    assert grafik.capaian(empty).startswith(PNG)
    sub = [t.get_text() for t in grafik.gambar_capaian(empty).texts]
    assert any("Rata-rata belum dapat dihitung" in t for t in sub)


def _lap(*baris: tuple[str, str, str | None, str | None]) -> LaporanCapaian:
    """A capaian report of (kode, indikator, capaian, kategori) rows."""
    rata = [Decimal(b[2]) for b in baris if b[2] is not None]
    return LaporanCapaian.model_validate({
        "tahun": 2025, "unit": None, "unit_nama": None, "pk_versi": "terbaru",
        "capaian_persen": str(sum(rata) / len(rata)) if rata else None, "kategori": None, "sasaran": [],
        "indikator": [{"kode": k, "indikator": n, "jenis": "persen", "sasaran_no": 1, "sasaran": "S",
                       "target": "100", "realisasi": c, "capaian_persen": c,
                       "status": "menunggu" if c is None else "tercapai", "kategori": kat}
                      for k, n, c, kat in baris]})


def test_long_indicator_names_wrap_so_two_of_them_never_read_the_same() -> None:
    awal = "Persentase penyelesaian tindak lanjut rekomendasi hasil pemeriksaan dan pengawasan di"
    lap = _lap(("IK1", f"{awal} tingkat kabupaten", "100", "AA"), ("IK2", f"{awal} tingkat provinsi", "100", "AA"))
    labels = [t.get_text() for t in grafik.gambar_capaian(lap).axes[0].get_yticklabels()]
    assert labels[0].endswith("kabupaten") and labels[1].endswith("provinsi")
    assert all("…" not in t and 1 <= t.count("\n") <= 2 for t in labels)
    assert grafik.bungkus("x " * 200, 20, 3).count("\n") == 2  # at most three lines, the last one cut
    assert grafik.bungkus("x " * 200, 20, 3).endswith("…")


def test_a_value_label_never_lies_across_the_target_line() -> None:
    lap = _lap(("A", "Satu", "95", "AA"), ("B", "Dua", "50", "C"), ("C", "Tiga", "120", "AA"))
    ax = grafik.gambar_capaian(lap).axes[0]
    x = {t.get_text(): t.get_position()[0] for t in ax.texts
         if t.get_text().endswith(" %") and "target" not in t.get_text()}
    assert x["95 %"] > 100  # moved past the dashed 100 % line instead of being drawn over it
    assert 50 < x["50 %"] < 60 and x["120 %"] > 120


def test_a_zero_bar_is_drawn_and_labelled() -> None:
    lap = _lap(("A", "Satu", "0", "D"), ("B", "Dua", "100", "AA"))
    fig = grafik.gambar_capaian(lap)
    nol = [b for b in _batang(fig) if abs(b.get_y() + b.get_height() / 2) < 1e-9]
    assert len(nol) == 1 and nol[0].get_width() > 0
    assert "0 %" in [t.get_text() for t in fig.axes[0].texts]


def test_the_header_uses_the_same_percent_form_as_the_text() -> None:
    lap = _lap(("A", "Satu", "75", "B"), ("B", "Dua", "100", "AA"))
    sub = " ".join(t.get_text() for t in grafik.gambar_capaian(lap).texts)
    assert "Rata-rata 87,50 %" in sub  # "/capaian" writes 87,50 %, never 87,5 %


def test_logistics_chart_says_when_its_counts_are_from_and_wraps_names() -> None:
    baris = [("Kecamatan Lubuk Sandi Kabupaten Seluma Selatan Jauh", 30, 10, 8), ("Kota Bengkulu", 516, 3, 3)]
    fig = grafik_logistik.gambar("Ketibaan logistik", baris, "Senin, 7 Desember 2026 pukul 10.15 WIB")
    assert "per Senin, 7 Desember 2026 pukul 10.15 WIB" in [t.get_text() for t in fig.texts]
    label = fig.axes[0].get_yticklabels()[0].get_text()
    assert "\n" in label and " ".join(label.split()) == baris[0][0]
    assert grafik_logistik.render_png("Ketibaan logistik", baris, "kemarin").startswith(PNG)


async def test_anggaran_chart_in_rupiah_and_percent(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await anggaran.build(conn, 2024)
    fig = grafik.gambar_anggaran(lap, Decimal(100), "1 : 1,1")
    ax_rp, ax_p = fig.axes
    rp = [t.get_text() for t in ax_rp.texts]
    assert "Rp142,3 M" in rp and "Rp15,6 jt" in rp
    persen = [t.get_text() for t in ax_p.texts]
    assert {"90,24 %", "99,91 %", "89,58 %"} <= set(persen)
    assert persen.count("belum dirinci per kegiatan") == len(lap.kegiatan)
    sub = " ".join(t.get_text() for t in fig.texts)
    assert "penyerapan 90,24 %" in sub and "rasio 1 : 1,1" in sub
    assert grafik.anggaran(lap, Decimal(100), "1 : 1,1").startswith(PNG)


async def test_pemutakhiran_heat_map(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await pemutakhiran.build(conn, 2024, today=date(2024, 6, 15))
        nama = {u.code: u.name for u in await org.units(conn, "kabkota")}
    urut = grafik.URUTAN_STATUS_TAHAPAN
    lap = lap.model_copy(update={"tahapan": [  # every status somewhere, so the colour mapping is really tested
        t.model_copy(update={"status": {k: urut[(r + c) % len(urut)] for c, k in enumerate(lap.kabkota)}})
        for r, t in enumerate(lap.tahapan)]})
    fig = grafik.gambar_pemutakhiran(lap, nama)
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    assert grid is not None and grid.shape == (20, 10)
    kode = {s: i for i, s in enumerate(grafik.URUTAN_STATUS_TAHAPAN)}
    for r, t in enumerate(lap.tahapan):
        for c, k in enumerate(lap.kabkota):
            assert grid[r, c] == kode[t.status[k]]
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "Kota Bengkulu"
    wide = lap.model_copy(update={"kabkota": [f"K{i}" for i in range(60)], "tahapan": [
        t.model_copy(update={"status": {f"K{i}": "berjalan" for i in range(60)}}) for t in lap.tahapan]})
    fig = grafik.gambar_pemutakhiran(wide)
    assert fig.axes[0].get_xticklabels() == [] and fig.axes[0].get_xlabel() == "60 kab/kota (urut kode)"
    assert grafik.pemutakhiran(wide).startswith(PNG)


async def test_cache_is_per_scope_and_per_data(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await capaian.build(conn, 2024, today=date(2024, 11, 24))
    a = grafik.capaian(lap, lingkup="-")
    b = grafik.capaian(lap, lingkup="-")
    assert a is b and grafik.CACHE.hit == 1
    lain = lap.model_copy(update={"indikator": lap.indikator[:3]})
    assert grafik.capaian(lain, lingkup="-") != a  # different data, different key: never a stale chart
    grafik.capaian(lap, lingkup="KUL")
    assert grafik.CACHE.miss == 3
    grafik.capaian(lap, lingkup="-", pakai_cache=False)
    assert grafik.CACHE.hit == 1


def test_cache_expires_and_stays_small() -> None:
    c = grafik._Cache(ttl=0.0, maks=2)
    c.simpan("a", b"1")
    assert c.ambil("a") is None
    c = grafik._Cache(ttl=60, maks=2)
    for k in "abc":
        c.simpan(k, k.encode())
    assert c.ambil("a") is None and c.ambil("c") == b"c"


@pytest.mark.parametrize(("nilai", "teks"), [
    (142_297_821_000, "Rp142,3 M"), (15_574_000, "Rp15,6 jt"), (2_100_000_000_000, "Rp2,1 T"), (999, "Rp999"),
    (5_000, "Rp5 rb"), (0, "Rp0"), (-1_500_000, "-Rp1,5 jt"), (110_284_100_000.0, "Rp110,3 M")])
def test_rupiah_singkat(nilai: float, teks: str) -> None:
    assert grafik.rupiah_singkat(nilai) == teks


@pytest.mark.parametrize(("nilai", "teks"), [
    (Decimal("100.00"), "100 %"), (Decimal("98.75"), "98,75 %"), (Decimal("90.2"), "90,2 %"), (0.0, "0 %"),
    (Decimal("1234.5"), "1.234,5 %")])
def test_persen_label(nilai: Decimal | float, teks: str) -> None:
    assert grafik.persen_label(nilai) == teks


def test_singkat_marks_the_cut() -> None:
    assert grafik.singkat("pendek") == "pendek"
    assert grafik.singkat("a  b\n c") == "a b c"
    s = grafik.singkat("x" * 100, 10)
    assert len(s) == 10 and s.endswith("…")


def test_charts_never_touch_pyplot() -> None:
    out = subprocess.run([sys.executable, "-c", "import sys, reports.grafik; print('matplotlib.pyplot' in "
                          "sys.modules)"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
