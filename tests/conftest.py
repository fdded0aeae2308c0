"""Shared fixtures: a real database on SQLite always, and on PostgreSQL when PANTAU_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import demo
from storage.db import create_engine, normalise_url, upgrade

# PTB 22 warns when it builds RetryAfter unless timedeltas are switched on; warnings are errors here.
os.environ.setdefault("PTB_TIMEDELTA", "true")
DEMO_HARI = date(2024, 11, 24)
PG_URL = os.environ.get("PANTAU_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgres"] if PG_URL else [])]


async def _prepare(url: str, with_demo: bool) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        if with_demo:
            # The demo as on the tests' default clock (24 November 2024): 2024 only, and open, since most tests
            # replay 2024 while it runs. Tests of the current year or of the closed years load it on their own.
            await demo.load(engine, today=DEMO_HARI, tutup_terbit=False)
    finally:
        await engine.dispose()


def _pg_admin(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    async def go() -> None:
        assert PG_URL
        conn = await asyncpg.connect(normalise_url(PG_URL).replace("postgresql+asyncpg", "postgresql"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(go())


def _pg_url(name: str) -> str:
    assert PG_URL
    return PG_URL.rsplit("/", 1)[0] + "/" + name


class Templates:
    """Prepared databases (schema, optionally the demo) that each test copies."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: set[tuple[str, bool]] = set()

    def sqlite(self, with_demo: bool) -> Path:
        path = self.root / f"tpl-{'demo' if with_demo else 'empty'}.db"
        if ("sqlite", with_demo) not in self.made:
            asyncio.run(_prepare(f"sqlite:///{path}", with_demo))
            self.made.add(("sqlite", with_demo))
        return path

    def postgres(self, with_demo: bool) -> str:
        # Per process, so test runs side by side never drop each other's template.
        name = f"pantau_tpl_{os.getpid()}_{'demo' if with_demo else 'empty'}"
        if ("postgres", with_demo) not in self.made:
            _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            _pg_admin(f"CREATE DATABASE {name}")
            asyncio.run(_prepare(_pg_url(name), with_demo))
            self.made.add(("postgres", with_demo))
        return name


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    tpl = Templates(tmp_path_factory.mktemp("db-templates"))
    yield tpl
    for backend, with_demo in tpl.made:
        if backend == "postgres":
            kind = "demo" if with_demo else "empty"
            _pg_admin(f"DROP DATABASE IF EXISTS pantau_tpl_{os.getpid()}_{kind} WITH (FORCE)")


def _database_url(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path, with_demo: bool
) -> Iterator[str]:
    backend = request.param
    if backend == "sqlite":
        dest = tmp_path / "pantau.db"
        shutil.copy(templates.sqlite(with_demo), dest)
        yield f"sqlite:///{dest}"
        return
    tpl = templates.postgres(with_demo)
    name = f"pantau_t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE DATABASE {name} TEMPLATE {tpl}")
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, templates: Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the demo loaded, on each backend."""
    yield from _database_url(request, templates, tmp_path, True)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, templates: Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the schema only, on each backend."""
    yield from _database_url(request, templates, tmp_path, False)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh demo database."""
    eng = create_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def empty_engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh database with no rows."""
    eng = create_engine(empty_database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[list[str]], int]:
    """`pantau` on the command line, on the test's database, from an empty folder (no stray .env is read)."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return main
