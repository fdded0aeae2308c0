"""`pantau chat --as <user>`: talk to the real bot in a terminal through the in-process Bot API."""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import build_application, running
from bot.fakebotapi import BotEvent, FakeBotApi
from bot.settings import Settings
from storage import users
from storage.db import create_engine, upgrade

NAMA_BARU = "Pengguna Baru"
AWAL_ID_BARU = 7_000_000_000  # above the demo's ids; a new account's id is drawn from here
BANTUAN = ("Ketik pesan atau perintah seperti di Telegram (mis. /start). Pilih tombol dengan #nomor (mis. #1). "
           "/keluar untuk selesai.")


class Terminal:
    """Prints what the bot sends, numbering the buttons so the user can pick them."""

    def __init__(self, chat_id: int, files: Path, out: TextIO) -> None:
        self.chat_id = chat_id
        self.files = files
        self.out = out
        self.buttons: list[tuple[int, str, str]] = []  # (message id, label, callback data)

    def show(self, event: BotEvent) -> None:
        """Print one event of the fake Bot API."""
        msg = event.message
        if event.kind == "callback_answer" and event.answer is not None and event.answer.text:
            self.out.write(f"  [notifikasi] {event.answer.text}\n")
        if msg is None or event.kind not in ("sent", "edited"):
            self.out.flush()
            return
        if msg.chat_id != self.chat_id:
            self.out.write(f"  [terkirim ke chat {msg.chat_id}] {msg.content}\n")
            self.out.flush()
            return
        label = "bot (diubah)" if event.kind == "edited" else "bot"
        body = msg.content or ""
        self.out.write(f"{label}> " + body.replace("\n", "\n     ") + "\n")
        for attr, suffix in (("photo", ".png"), ("document", "")):
            data = getattr(msg, attr)
            if data:
                self.files.mkdir(parents=True, exist_ok=True)
                name = Path(msg.document_name or f"pesan-{msg.message_id}{suffix}").name
                path = self.files / f"{msg.message_id}-{name}"
                path.write_bytes(data)
                self.out.write(f"     [berkas disimpan: {path}]\n")
        rows = msg.buttons
        if rows:
            self.buttons = []
            for row in rows:
                for text, data in row:
                    if data is not None:
                        self.buttons.append((msg.message_id, text, data))
            self.out.write("     " + "  ".join(f"[#{i + 1} {b[1]}]" for i, b in enumerate(self.buttons)) + "\n")
        self.out.flush()


async def _akun_baru(conn: AsyncConnection) -> int:
    """A Telegram id no user has: `pantau chat --baru` walks registration as a stranger would."""
    while True:
        tg = secrets.randbelow(10**9) + AWAL_ID_BARU
        if await users.by_telegram_id(conn, tg) is None:
            return tg


async def chat(settings: Settings, who: str | None, *, lines: Callable[[], str] | None = None,
               out: TextIO = sys.stdout, files: Path = Path("chat-files"), now: datetime | None = None) -> int:
    """Run the terminal chat as a demo user (demo key), a Telegram id or a user id; `who` None is a new,
    unregistered account. Files the bot sends land in a folder of this session's own."""
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    user = None
    async with engine.connect() as conn:
        if who is None:
            tg_id = await _akun_baru(conn)
        else:
            user = await users.by_demo_key(conn, who)
            if user is None and who.lstrip("-").isdigit():
                user = await users.by_telegram_id(conn, int(who)) or await users.by_id(conn, int(who))
    if who is not None and (user is None or user.telegram_id is None):
        await engine.dispose()
        out.write(f"Pengguna {who!r} tidak ditemukan. Pengguna demo: admin, pimpinan, kabag-kul, operator, "
                  "operator-uml, operator-kota, petugas (muat dulu: pantau demo load); atau --baru untuk "
                  "akun yang belum terdaftar.\n")
        return 2
    if user is not None and user.telegram_id is not None:
        tg_id, nama, peran = user.telegram_id, user.name, user.role
    else:
        nama, peran = NAMA_BARU, "belum terdaftar"
    api = FakeBotApi()
    if who is None:
        api.add_user(tg_id, NAMA_BARU)
    # Each session keeps its files apart: message numbers start again at 1 in every session.
    saat = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    files = files / f"{saat}-{who or 'baru'}"
    async with engine.connect() as conn:
        # Everyone with a Telegram id exists in the local Bot API, so what the outbox sends them is shown.
        for other in await users.list_users(conn):
            if other.telegram_id is not None:
                api.add_user(other.telegram_id, other.name)
    term = Terminal(tg_id, files, out)
    api.subscribe(term.show)
    app = build_application(settings, engine, api=api)
    read = lines or sys.stdin.readline
    loop = asyncio.get_running_loop()
    out.write(f"Mode lokal: Anda adalah {nama} ({peran}). {BANTUAN}\n")
    out.flush()
    async with running(app, polling=True):
        while True:
            line = await loop.run_in_executor(None, read)
            if not line:
                break
            text = line.strip()
            if text in ("/keluar", "/exit"):
                break
            if not text:
                continue
            if text.startswith("#") and text[1:].isdigit():
                i = int(text[1:]) - 1
                if not 0 <= i < len(term.buttons):
                    out.write("  (tidak ada tombol dengan nomor itu)\n")
                    continue
                message_id, _, data = term.buttons[i]
                await api.press(tg_id, message_id, data)
            else:
                await api.send_text(tg_id, text)
            await api.wait_idle(quiet=0.2, timeout=30)
    await engine.dispose()
    return 0
