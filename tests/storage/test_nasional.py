"""The generated national dataset: exact national totals in the plan, deterministic, marked, tiny in tests."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from reports import capaian, logistik
from storage import nasional
from storage import tables as t
from storage.db import create_engine

KECIL = 0.001  # 514 kab/kota, 514 kecamatan, 823 TPS


def test_bagi_is_exact_and_respects_the_minimum() -> None:
    assert nasional.bagi(10, [1, 1, 1]) == [4, 3, 3]
    assert nasional.bagi(10, [0, 0, 1], minimum=1) == [1, 1, 8]
    assert nasional.bagi(0, []) == []
    for total in (0, 7, 823_220):
        assert sum(nasional.bagi(total, [0.3, 2.5, 1.1, 0.0])) == total
    with pytest.raises(ValueError):
        nasional.bagi(2, [1, 1, 1], minimum=1)


def test_national_plan_has_the_2024_totals() -> None:
    plan = nasional.rencana()
    assert len(plan) == nasional.JUMLAH_KABKOTA == 514
    assert sum(k.kecamatan for k in plan) == 7_277 and sum(k.tps for k in plan) == 823_220
    assert len({k.prov for k in plan}) == len(nasional.PROVINSI) == 38
    per_prov = Counter(k.prov for k in plan)
    assert all(per_prov[kode] == n for kode, _, _, n, _ in nasional.PROVINSI)
    assert all(k.tps >= k.kecamatan >= 1 for k in plan)
    assert nasional.rencana() == plan and nasional.rencana(seed=1) != plan  # deterministic per seed
    jabar = nasional.rencana("provinsi")
    assert {k.prov for k in jabar} == {"32"} and len(jabar) == 27 and jabar == [k for k in plan if k.prov == "32"]


async def test_tiny_national_dataset(empty_engine: AsyncEngine) -> None:
    hasil = await nasional.generate(empty_engine, faktor=KECIL, seed=7)
    assert (hasil.provinsi, hasil.kabkota, hasil.kecamatan, hasil.tps) == (38, 514, 514, 823)
    assert 0.45 < hasil.laporan_tiba / hasil.tps < 0.75 and hasil.baris_tiba == 3 * hasil.laporan_tiba
    async with empty_engine.connect() as conn:
        q = sa.select(t.units.c.kind, sa.func.count()).group_by(t.units.c.kind)
        kinds: dict[str, int] = {k: n for k, n in (await conn.execute(q)).all()}
        assert kinds == {"satker": 39, "kabkota": 514}
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.tps)
                                   .where(t.tps.c.generated.is_(False)))).scalar_one() == 0
        nama = (await conn.execute(sa.select(t.wilayah.c.nama).limit(1))).scalar_one()
        assert nama.endswith("(dibuat)")
        penanda = (await conn.execute(sa.select(t.app_settings.c.value)
                                      .where(t.app_settings.c.key == "nasional"))).scalar_one()
        assert penanda["dibuat"] is True and penanda["seed"] == 7
        sumber = set((await conn.execute(sa.select(t.realisations.c.sumber).distinct())).scalars())
        assert sumber == {"dibuat"}
        tz = dict((await conn.execute(sa.select(t.units.c.code, t.units.c.timezone))).all())
        assert (tz["PROV-17"], tz["PROV-51"], tz["PROV-91"]) == ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
        # the builders the bot uses work on it
        lap = await capaian.build(conn, 2024, today=date(2024, 11, 24))
        prov = await capaian.build(conn, 2024, "PROV-32", today=date(2024, 11, 24))
        lg = await logistik.build(conn)
    assert len(lap.indikator) == 9 and len(prov.indikator) == 9 and sum(len(r.anak) for r in prov.indikator) == 9 * 27
    assert (lg.total_tps, lg.tiba) == (823, hasil.laporan_tiba)


async def test_refuses_a_database_with_data_unless_reset(engine: AsyncEngine) -> None:
    with pytest.raises(nasional.SudahAdaData, match="demo Bengkulu"):
        await nasional.generate(engine, faktor=KECIL)
    hasil = await nasional.generate(engine, faktor=KECIL, skala="provinsi", provinsi="17", reset=True)
    assert (hasil.provinsi, hasil.kabkota) == (1, 10)
    async with engine.connect() as conn:
        codes = set((await conn.execute(sa.select(t.units.c.code))).scalars())
        demo_ada = (await conn.execute(sa.select(t.app_settings.c.key).where(t.app_settings.c.key == "demo"))
                    ).scalar_one_or_none()
    assert "KUL" not in codes and "PROV-17" in codes and demo_ada is None


def test_cli_demo_generate(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///tidak-dipakai.db")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    args = ["demo", "generate", "--scale", "provinsi", "--province", "34", "--factor", str(KECIL), "--seed", "3",
            "--database-url", empty_database_url]
    assert main(args) == 0
    assert "Data provinsi dibuat (seed 3): 1 provinsi, 5 kab/kota" in capsys.readouterr().out
    assert main(args) == 2  # a second run refuses: the database is not empty
    assert "--reset" in capsys.readouterr().err
    assert not (tmp_path / "tidak-dipakai.db").exists()

    async def hitung() -> int:
        e = create_engine(empty_database_url)
        async with e.connect() as conn:
            n = (await conn.execute(sa.select(sa.func.count()).select_from(t.units))).scalar_one()
        await e.dispose()
        return int(n)

    assert asyncio.run(hitung()) == 1 + 1 + 5
