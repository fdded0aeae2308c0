"""/logistik at national scope: one row, bar and button per province, drill-down to a province's kab/kota and on to
one kab/kota and back; forged group callbacks refused; the CLI's JSON and the bot agree on the province rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from reports import grafik_logistik
from storage import nasional, org
from tests.admin.bantuan import buat_web, klien, masuk
from tests.bot.harness import bot_uji
from tests.bot.test_logistik import baca_baris, baca_ringkasan, json_cli

KECIL = 0.001  # 38 provinces, 514 kab/kota, 823 TPS
PIMPINAN_RI, PIMPINAN_JABAR, OPERATOR_3201 = 920002, 920003, 920004
JAM = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)


async def _nasional(engine: AsyncEngine) -> dict[str, int]:
    await nasional.generate(engine, faktor=KECIL, seed=7)
    async with engine.connect() as conn:
        return {u.code: u.id for u in await org.units(conn)}


def _tombol(msg: Any) -> dict[str, str]:
    return {label: data for row in msg.buttons for label, data in row}


async def test_national_leader_drills_from_provinces_to_a_kabkota(empty_engine: AsyncEngine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await _nasional(empty_engine)
    drawn: list[int] = []
    asli = grafik_logistik.render_png

    def spy(judul: str, baris: Any, per: str | None = None) -> bytes:
        drawn.append(len(baris))
        return asli(judul, baris, per)

    monkeypatch.setattr(grafik_logistik, "render_png", spy)
    async with bot_uji(empty_engine) as b:
        b.jam.now = JAM
        out = await b.kirim(PIMPINAN_RI, "/logistik")
        assert [m.kind for m in out] == ["text", "photo"] and out[1].caption == "Ketibaan logistik di TPS per provinsi"
        assert drawn == [38]
        text = out[0].text or ""
        assert text.startswith("Ketibaan logistik di TPS (per pukul") and "Per provinsi (tiba/TPS" in text
        assert len(baca_baris(text)) == 38 and "Jawa Barat" in baca_baris(text) and len(text) <= 4096
        tombol = _tombol(out[0])
        assert sum(d.startswith("lg:w:") for d in tombol.values()) == 38
        assert not any(d.startswith("lg:k:") for d in tombol.values())
        jabar = next(label for label in tombol if label.startswith("Jawa Barat · "))
        assert tombol[jabar] == f"lg:w:{ids['PROV-32']}"

        await b.tekan(PIMPINAN_RI, f"lg:w:{ids['PROV-32']}")
        view = b.api.message(PIMPINAN_RI, out[0].message_id)
        assert len(b.api.messages(PIMPINAN_RI)) == 2  # edited in place
        assert (view.text or "").startswith("KPU Provinsi Jawa Barat (per pukul")
        assert "Per kab/kota (tiba/TPS" in (view.text or "") and len(baca_baris(view.text or "")) == 27
        tombol = _tombol(view)
        assert sum(d.startswith("lg:k:") for d in tombol.values()) == 27
        assert tombol["⬅️ Semua provinsi"] == "lg:p" and tombol["🔄 Perbarui"] == f"lg:w:{ids['PROV-32']}"
        prov = baca_ringkasan(view.text or "")
        assert prov["total_tps"] == sum(r[1] for r in baca_baris(view.text or "").values())

        await b.tekan(PIMPINAN_RI, f"lg:k:{ids['KAB-3201']}")
        view = b.api.message(PIMPINAN_RI, out[0].message_id)
        assert (view.text or "").startswith("KPU Kab/Kota 32.01 (dibuat) (per pukul") and "Per kecamatan" in (
            view.text or "")
        assert _tombol(view)["⬅️ Jawa Barat"] == f"lg:w:{ids['PROV-32']}"
        await b.tekan(PIMPINAN_RI, f"lg:w:{ids['PROV-32']}")
        assert (b.api.message(PIMPINAN_RI, out[0].message_id).text or "").startswith("KPU Provinsi Jawa Barat")
        await b.tekan(PIMPINAN_RI, "lg:p")
        assert b.api.message(PIMPINAN_RI, out[0].message_id).text == text

        for forged in (f"lg:w:{ids['RI']}", f"lg:w:{ids['KAB-3201']}", "lg:w:999999", "lg:w:abc", "lg:w",
                       f"lg:w:{ids['PROV-32']}:0"):
            await b.tekan(PIMPINAN_RI, forged)
            assert b.jawaban_terakhir() == "Menu ini sudah kedaluwarsa. Silakan mulai lagi dari perintahnya.", forged
        assert b.api.unanswered_callbacks() == []


async def test_a_kabkota_operator_cannot_drill_into_provinces(empty_engine: AsyncEngine) -> None:
    ids = await _nasional(empty_engine)
    async with bot_uji(empty_engine) as b:
        b.jam.now = JAM
        out = await b.kirim(OPERATOR_3201, "/logistik")
        assert (out[0].text or "").startswith("KPU Kab/Kota 32.01 (dibuat)")
        assert not any(d.startswith(("lg:w:", "lg:p")) for d in _tombol(out[0]).values())  # no way up
        for forged in (f"lg:w:{ids['PROV-32']}", f"lg:w:{ids['PROV-33']}", f"lg:w:{ids['RI']}",
                       f"lg:k:{ids['KAB-3202']}"):
            await b.tekan(OPERATOR_3201, forged)
            assert "kedaluwarsa" in (b.jawaban_terakhir() or ""), forged
            assert (b.api.message(OPERATOR_3201, out[0].message_id).text or "").startswith("KPU Kab/Kota 32.01")


async def test_cli_json_web_and_bot_agree_on_the_province_rows(empty_engine: AsyncEngine, empty_database_url: str,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Any) -> None:
    await _nasional(empty_engine)
    js = await json_cli(empty_database_url, monkeypatch, capsys, tmp_path)
    assert js["tingkat"] == "provinsi" and len(js["wilayah"]) == 38 and len(js["kabkota"]) == 514
    async with bot_uji(empty_engine) as b:
        b.jam.now = JAM
        out = await b.kirim(PIMPINAN_RI, "/logistik")
    baris = baca_baris(out[0].text or "")
    for w in js["wilayah"]:
        nama = w["nama"].removeprefix("KPU ").removeprefix("Provinsi ")
        assert baris[nama] == (w["tiba"], w["tps"], w["tepat"], w["bermasalah"], w["terlambat"]), nama
    ringkasan = baca_ringkasan(out[0].text or "")
    assert (ringkasan["total_tps"], ringkasan["tiba"]) == (js["total_tps"], js["tiba"])
    w = buat_web(empty_engine)
    async with klien(w) as c:
        await masuk(c, w, "nas-admin")
        page = (await c.get("/logistik")).text
        assert "Kemajuan ketibaan per provinsi" in page and "<th>Provinsi</th>" in page
        assert all(f"<tr><td>{r['nama']}</td>" in page for r in js["wilayah"])
        assert "Kab/Kota 32.01 (dibuat)</td>" not in page
        dasbor = (await c.get("/")).text
        assert 'alt="Grafik ketibaan logistik per provinsi"' in dasbor and "<th>Provinsi</th>" in dasbor
        assert all(f"<tr><td>{r['nama']}</td>" in dasbor for r in js["wilayah"])
        png = await c.get("/grafik/logistik.png")
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


async def test_a_province_leader_sees_only_that_province(empty_engine: AsyncEngine) -> None:
    """A KPU Provinsi under the national root is a satker too: its leader's scope is its own tree, not the country."""
    ids = await _nasional(empty_engine)
    from storage import users
    from storage.cakupan import cakupan

    async with empty_engine.connect() as conn:
        jabar = await users.by_telegram_id(conn, PIMPINAN_JABAR)
        ri = await users.by_telegram_id(conn, PIMPINAN_RI)
        assert jabar is not None and ri is not None
        kab = (await cakupan(conn, jabar)).kabkota_list
        unit_ids = (await cakupan(conn, jabar)).unit_list
        kab_jabar = [u.id for u in await org.units(conn, "kabkota") if u.code.startswith("KAB-32")]
        ck_ri = await cakupan(conn, ri)
        assert ck_ri.kabkota_ids is None and ck_ri.unit_ids is None and ck_ri.iku
    assert kab == sorted(kab_jabar) and len(kab) == 27
    assert unit_ids is not None and ids["PROV-32"] in unit_ids and ids["PROV-11"] not in unit_ids
    async with bot_uji(empty_engine) as b:
        await b.kirim(PIMPINAN_JABAR, "/logistik")
        teks_ = "\n".join(m.content for m in b.api.messages(PIMPINAN_JABAR))
    assert "Kab/Kota 32.27" in teks_ and "Kab/Kota 11." not in teks_ and "Aceh" not in teks_  # was: the country
