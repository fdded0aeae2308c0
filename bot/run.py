"""`pantau run`: prepares the database and shows the demo's state (the bot itself arrives with the bot core)."""

from __future__ import annotations

import asyncio

from bot.settings import Settings
from reports import anggaran, capaian, logistik, teks
from storage import demo
from storage.db import create_engine, upgrade


async def _main(settings: Settings, load_demo: bool) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        if load_demo:
            await demo.load(engine, tz_name=settings.timezone)
        async with engine.connect() as conn:
            for text in (teks.capaian(await capaian.build(conn)), teks.anggaran(await anggaran.build(conn)),
                         teks.logistik(await logistik.build(conn))):
                print(text, end="\n\n")
    finally:
        await engine.dispose()


def run(settings: Settings, *, load_demo: bool = True) -> int:
    """Run the main job."""
    asyncio.run(_main(settings, load_demo))
    return 0
