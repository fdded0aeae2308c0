"""Short-lived caches (storage.tembolok): the guard's user lookup and master data, never outliving a change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import arrivals, tembolok, users, webdata
from storage import tables as t
from storage.db import create_engine

NOW = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)


def statements(engine: AsyncEngine) -> list[str]:
    """Every statement the engine runs from now on."""
    out: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: out.append(a[2]))
    return out


async def _demo(engine: AsyncEngine, key: str) -> users.Pengguna:
    async with engine.connect() as conn:
        p = await users.by_demo_key(conn, key)
    assert p is not None
    return p


@pytest.fixture
async def other(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database: another process (a webhook worker, the CLI)."""
    eng = create_engine(database_url)
    yield eng
    await eng.dispose()


# --- the user lookup -------------------------------------------------------------------------------


async def test_lookup_is_one_statement_with_every_tps_of_the_user(engine: AsyncEngine) -> None:
    petugas, admin = await _demo(engine, "petugas"), await _demo(engine, "admin")
    async with engine.connect() as conn:
        tps = set((await conn.execute(sa.select(t.user_tps.c.tps_id).where(t.user_tps.c.user_id == petugas.id)))
                  .scalars().all())
    assert len(tps) > 1 and petugas.tps_ids == tps and admin.tps_ids == frozenset()
    ran = statements(engine)
    async with engine.connect() as conn:
        again = await users.by_telegram_id(conn, petugas.telegram_id or 0)
        assert await users.by_telegram_id(conn, 1) is None
    assert again == petugas and len(ran) == 2


async def test_cached_user_is_dropped_when_revoked_in_this_process(engine: AsyncEngine) -> None:
    petugas = await _demo(engine, "petugas")
    tg = petugas.telegram_id or 0
    assert await users.by_telegram_id_singgah(engine, tg) == petugas
    ran = statements(engine)
    assert await users.by_telegram_id_singgah(engine, tg) == petugas
    assert ran == []  # kept
    async with engine.begin() as conn:
        await users.revoke_user(conn, petugas.id, actor="uji", now=NOW)
    p = await users.by_telegram_id_singgah(engine, tg)
    assert p is not None and p.status == "dicabut" and not p.aktif


async def test_scope_change_by_the_web_admin_takes_effect_at_once(engine: AsyncEngine) -> None:
    petugas, admin = await _demo(engine, "petugas"), await _demo(engine, "admin")
    tg = petugas.telegram_id or 0
    assert len((await users.by_telegram_id_singgah(engine, tg) or petugas).tps_ids) > 1
    async with engine.connect() as conn:
        kode = (await conn.execute(sa.select(t.tps.c.kode).where(t.tps.c.id == min(petugas.tps_ids)))).scalar_one()
    async with engine.begin() as conn:
        await webdata.change_user(conn, petugas.id, role="petugas", unit_code=petugas.unit_code, tps_codes=[kode],
                                  admin=admin, now=NOW)
    p = await users.by_telegram_id_singgah(engine, tg)
    assert p is not None and p.tps_ids == frozenset({min(petugas.tps_ids)})


async def test_a_lookup_during_an_uncommitted_change_is_dropped_after_the_commit(engine: AsyncEngine) -> None:
    petugas = await _demo(engine, "petugas")
    tg = petugas.telegram_id or 0
    tembolok.pasang(engine)  # as the bot does when it starts: writes are watched before anything is kept
    async with engine.connect() as writer:
        await writer.execute(t.users.update().where(t.users.c.id == petugas.id).values(status="dicabut"))
        during = await users.by_telegram_id_singgah(engine, tg)  # another connection: not committed yet
        assert during is not None and during.status == "aktif"
        await writer.commit()
    after = await users.by_telegram_id_singgah(engine, tg)
    assert after is not None and after.status == "dicabut"


async def test_a_change_committed_on_a_connection_still_in_use_is_seen_at_once(engine: AsyncEngine) -> None:
    petugas = await _demo(engine, "petugas")
    tg = petugas.telegram_id or 0
    assert await users.by_telegram_id_singgah(engine, tg) == petugas  # kept from before the change
    async with engine.connect() as writer:  # e.g. a command doing several transactions on one connection
        await writer.execute(t.users.update().where(t.users.c.id == petugas.id).values(status="dicabut"))
        assert (await users.by_telegram_id_singgah(engine, tg) or petugas).aktif  # not committed yet
        await writer.commit()
        p = await users.by_telegram_id_singgah(engine, tg)  # the writer is not back in the pool yet
        assert p is not None and p.status == "dicabut"


async def test_a_read_that_saw_the_old_row_before_the_commit_is_not_kept(engine: AsyncEngine) -> None:
    petugas = await _demo(engine, "petugas")
    tg = petugas.telegram_id or 0
    cache = tembolok.untuk(engine, "pengguna", users.TABEL_PENGGUNA)
    writer = await engine.connect()
    await writer.execute(t.users.update().where(t.users.c.id == petugas.id).values(status="dicabut"))

    async def read_then_writer_finishes() -> users.Pengguna | None:
        async with engine.connect() as conn:
            old = await users.by_telegram_id(conn, tg)
        await writer.commit()
        await writer.close()  # back in the pool: the change is committed and the write is over
        return old

    old = await cache.ambil(tg, read_then_writer_finishes, simpan_none=False)
    assert old is not None and old.aktif
    p = await users.by_telegram_id_singgah(engine, tg)
    assert p is not None and p.status == "dicabut"


async def test_a_lookup_overtaken_by_a_change_is_not_kept(engine: AsyncEngine) -> None:
    petugas = await _demo(engine, "petugas")
    cache = tembolok.untuk(engine, "pengguna", users.TABEL_PENGGUNA)
    reads: list[str] = []

    def meanwhile(_conn: object, _cur: object, statement: str, *_: object) -> None:
        if statement.startswith("SELECT users."):
            reads.append(statement)
            if len(reads) == 1:
                cache.kosongkan()  # another task writes a user while this lookup runs

    event.listen(engine.sync_engine, "before_cursor_execute", meanwhile)
    for _ in range(3):
        await users.by_telegram_id_singgah(engine, petugas.telegram_id or 0)
    assert len(reads) == 2  # the first answer was not kept, the second was


async def test_another_process_change_is_seen_after_the_ttl(engine: AsyncEngine, other: AsyncEngine) -> None:
    petugas = await _demo(engine, "petugas")
    tg = petugas.telegram_id or 0
    jam = [1000.0]
    tembolok.untuk(engine, "pengguna", users.TABEL_PENGGUNA).jam = lambda: jam[0]
    assert (await users.by_telegram_id_singgah(engine, tg) or petugas).aktif
    async with other.begin() as conn:
        await users.revoke_user(conn, petugas.id, actor="cli", now=NOW)
    jam[0] += tembolok.TTL_S - 0.1
    assert (await users.by_telegram_id_singgah(engine, tg) or petugas).aktif  # within the documented TTL
    jam[0] += 0.2
    p = await users.by_telegram_id_singgah(engine, tg)
    assert p is not None and p.status == "dicabut"


async def test_unknown_accounts_are_not_cached(engine: AsyncEngine, other: AsyncEngine) -> None:
    tembolok.untuk(engine, "pengguna", users.TABEL_PENGGUNA).jam = lambda: 1000.0  # only a miss reads
    assert await users.by_telegram_id_singgah(engine, 777_000_111) is None
    async with other.begin() as conn:  # registered by another process: nothing tells this one
        await conn.execute(t.users.insert().values(telegram_id=777_000_111, name="Baru", role="petugas",
                                                   status="aktif", created_at=NOW))
    p = await users.by_telegram_id_singgah(engine, 777_000_111)
    assert p is not None and p.name == "Baru"


# --- master data -------------------------------------------------------------------------------------


async def test_master_data_is_read_once_until_changed_here(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        first = (await arrivals.jenis_logistik(conn), await arrivals.moda_transportasi(conn),
                 await arrivals.pengaturan(conn))
    ran = statements(engine)
    async with engine.connect() as conn:
        again = (await arrivals.jenis_logistik(conn), await arrivals.moda_transportasi(conn),
                 await arrivals.pengaturan(conn))
    assert again == first and ran == []
    assert not first[2].foto_wajib
    async with engine.begin() as conn:  # an admin makes the photo mandatory (bot or web: the same operation)
        await arrivals.atur(conn, arrivals.FOTO_WAJIB, True, actor="uji", now=NOW)
        assert (await arrivals.pengaturan(conn)).foto_wajib  # the writing transaction sees its own change
    async with engine.connect() as conn:
        assert (await arrivals.pengaturan(conn)).foto_wajib
        items = await arrivals.jenis_logistik(conn)
        items.clear()  # a caller's list is its own
        assert await arrivals.jenis_logistik(conn) == first[0]


async def test_master_data_write_rolled_back_is_not_seen(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        moda = await arrivals.moda_transportasi(conn)
    async with engine.connect() as conn:
        await conn.execute(t.transport_modes.update().values(nama="Diubah"))
        assert {m.nama for m in await arrivals.moda_transportasi(conn)} == {"Diubah"}  # its own, uncommitted
        await conn.rollback()
    async with engine.connect() as conn:
        assert await arrivals.moda_transportasi(conn) == moda


async def test_only_watched_tables_make_a_cache(engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="arrival_reports"):
        tembolok.untuk(engine, "laporan", ["arrival_reports"])


async def test_a_cache_stays_bounded() -> None:
    c: tembolok.Tembolok[int, str] = tembolok.Tembolok(["users"], jam=lambda: 0.0)
    for i in range(tembolok.MAKS_ISI + 10):
        c._isi[i] = (0.0, "x")  # as if that many had been looked up

    async def muat() -> str:
        return "baru"

    assert await c.ambil(-1, muat) == "baru"
    assert len(c._isi) <= tembolok.MAKS_ISI
