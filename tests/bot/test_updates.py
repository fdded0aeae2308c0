"""Concurrent update processing keeps each user's order and lets users run side by side."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bot.fakebotapi import FakeBotApi, FakeRequest
from bot.updates import PerUserUpdateProcessor, kunci


async def test_one_user_in_order_many_users_side_by_side() -> None:
    api = FakeBotApi()
    for uid in (1, 2, 3):
        api.add_user(uid, f"U{uid}")
    seen: list[tuple[int, str]] = []
    running = 0
    peak = 0

    async def slow(update: Update, context: Any) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05 if update.effective_message.text.endswith("a") else 0.01)  # type: ignore[union-attr]
        seen.append((update.effective_user.id, update.effective_message.text))  # type: ignore[union-attr]
        running -= 1

    app = (ApplicationBuilder().token("1:X").request(FakeRequest(api)).get_updates_request(FakeRequest(api))
           .concurrent_updates(PerUserUpdateProcessor(16)).build())
    app.add_handler(MessageHandler(filters.TEXT, slow))
    async with app:
        await app.start()
        updates = []
        for uid in (1, 2, 3):
            for step in ("1a", "2", "3"):
                updates.append(await api.send_text(uid, step))
        start = time.perf_counter()
        for u in updates:
            await app.update_queue.put(u.to_update(app.bot))
        for _ in range(500):
            if len(seen) == 9:
                break
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - start
        await app.stop()
    for uid in (1, 2, 3):
        assert [s for u, s in seen if u == uid] == ["1a", "2", "3"]  # the slow first step did not get overtaken
    assert peak >= 2  # different users ran at the same time
    assert elapsed < 3 * (0.05 + 0.01 + 0.01)  # less than processing everything one after another


def test_ordering_key() -> None:
    assert kunci(object()) is None
    upd = Update.de_json({"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "x",
                                                       "chat": {"id": 5, "type": "private"},
                                                       "from": {"id": 7, "is_bot": False, "first_name": "A"}}}, None)
    assert kunci(upd) == 7
