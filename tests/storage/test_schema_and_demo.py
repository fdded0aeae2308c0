from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import demo, org, pemilihan
from storage import tables as t
from storage.db import current_revision, upgrade


def _diff(conn: sa.Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), t.metadata))


async def test_migrations_build_exactly_the_tables(empty_engine: AsyncEngine) -> None:
    assert await current_revision(empty_engine) == "0022"
    async with empty_engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
    await upgrade(empty_engine)  # a second upgrade is a no-op
    assert await current_revision(empty_engine) == "0022"


async def test_foreign_keys_are_enforced(empty_engine: AsyncEngine) -> None:
    async with empty_engine.connect() as conn:
        try:
            await conn.execute(t.units.insert().values(code="X", name="X", kind="bagian", parent_id=999, org="X"))
            raised = False
        except sa.exc.IntegrityError:
            raised = True
        await conn.rollback()
    assert raised


async def test_demo_has_the_seed_counts(engine: AsyncEngine) -> None:
    seed = {r["unit_code"]: r for r in demo.read_csv(demo.BKL / "tps_kabkota.csv")}
    async with engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(t.units.c.code, sa.func.count(t.tps.c.id), sa.func.sum(sa.case((t.tps.c.sulit, 1), else_=0)),
                      sa.func.sum(t.tps.c.dpt))
            .join(t.tps, t.tps.c.kabkota_unit_id == t.units.c.id).group_by(t.units.c.code))).all()
        users = dict((await conn.execute(
            sa.select(t.users.c.role, sa.func.count()).group_by(t.users.c.role))).all())
        generated = (await conn.execute(sa.select(sa.func.count()).where(t.tps.c.generated.is_(False))
                                        .select_from(t.tps))).scalar_one()
    assert {r[0]: (r[1], r[2]) for r in rows} == {
        code: (int(s["jumlah_tps"]), int(s["tps_sulit"])) for code, s in seed.items()}
    assert sum(r[1] for r in rows) == 3452
    assert sum(r[2] for r in rows) == 93
    # data/README says "in 8 kabupaten"; the per-kabupaten rows of Tabel 3.10 give 7 with a non-zero count.
    assert sum(1 for r in rows if r[2] > 0) == 7
    assert 1_400_000 <= sum(r[3] for r in rows) <= 1_600_000
    assert generated == 0  # every TPS row is marked generated
    assert set(users) == {"admin", "pimpinan", "operator", "petugas"}


async def test_demo_load_is_idempotent_and_reset_reloads(engine: AsyncEngine) -> None:
    again = await demo.load(engine)
    assert not again.loaded
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.tps))).scalar_one() == 3452
    res = await demo.load(engine, reset=True)
    assert res.loaded and res.tps == 3452
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.tps))).scalar_one() == 3452
        n_users = (await conn.execute(sa.select(sa.func.count()).select_from(t.users))).scalar_one()
    assert n_users == len(demo.DEMO_USERS)


async def test_demo_live_adds_an_event_three_days_ahead_and_keeps_2024(engine: AsyncEngine) -> None:
    today = date(2026, 11, 23)
    res = await demo.load(engine, reset=True, live=True, today=today)
    assert res.shifted_days == 0
    async with engine.connect() as conn:
        batas = (await conn.execute(sa.select(t.logistics_schedule.c.batas_tiba).limit(1))).scalar_one()
        q = sa.select(t.app_settings.c.value).where(t.app_settings.c.key == "demo")
        label = (await conn.execute(q)).scalar_one()
        last_2024 = (await conn.execute(sa.select(sa.func.max(t.voter_stages.c.selesai))
                                        .where(t.voter_stages.c.tahun == 2024))).scalar_one()
        jalan = await pemilihan.berjalan(conn, today)
        lalu = await pemilihan.by_kode(conn, "PILKADA-2024")
    # H-1 of the live event's voting day, 23.59 WIB, is the schedule in force
    assert batas == datetime(2026, 11, 25, 23, 59, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)
    assert "H-3" in label["keterangan"] and label["tahun_kini"] == 2026
    assert last_2024 == date(2024, 11, 20)
    assert jalan is not None and jalan.demo and jalan.pemungutan == date(2026, 11, 26) and "(demo)" in jalan.nama
    assert lalu is not None and lalu.pemungutan == date(2024, 11, 27) and lalu.status == "selesai"


async def test_tps_queries(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        kota = await org.list_tps(conn, kabkota="kab-1771")
        sulit = await org.list_tps(conn, sulit=True)
        one = await org.tps_by_code(conn, kota[0].kode)
        assert await org.tps_by_code(conn, "17.99.99.9999-999") is None
    assert len(kota) == 516 and all(x.kabkota == "KPU Kota Bengkulu" for x in kota)
    assert len(sulit) == 93
    assert one == kota[0]
    assert "(dibuat)" in kota[0].desa
