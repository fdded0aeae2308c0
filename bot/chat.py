"""`pantau chat --as <user>`: talk to the real bot in a terminal through the in-process Bot API."""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.app import build_application, running
from bot.fakebotapi import BotEvent, FakeBotApi
from bot.settings import Settings
from storage import outbox, users
from storage.db import create_engine, upgrade

NAMA_BARU = "Pengguna Baru"
# Of one's own queued messages a session shows the newest few; the older ones are set aside with this reason
# (an admin can send one again from the web's outbox page). Others' messages wait for their own sessions.
BATAS_ANTREAN = 5
ALASAN_DISISIHKAN = "Mode lokal: pesan lama diringkas saat sesi pantau chat dimulai, tidak ditampilkan."
LABEL_JENIS = {"pengingat": "pengingat", "persetujuan": "persetujuan", "eskalasi": "eskalasi", "siaran": "siaran",
               "alarm": "peringatan", "info": "info", "lanjut": "lanjutkan", "tanda_terima": "tanda terima"}
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
        # Buttons are numbered over all messages of one turn (what answers one input, or what the outbox pushes
        # between inputs), so each of several pushed messages (three reports to verify) can be pressed.
        self.giliran_baru = True

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
            if self.giliran_baru or any(b[0] == msg.message_id for b in self.buttons):
                self.buttons = []  # a new turn, or this message's buttons changed: number from 1 again
                self.giliran_baru = False
            awal = len(self.buttons)
            for row in rows:
                for text, data in row:
                    if data is not None:
                        self.buttons.append((msg.message_id, text, data))
            self.out.write("     " + "  ".join(f"[#{i + 1} {b[1]}]" for i, b in enumerate(self.buttons)
                                               if i >= awal) + "\n")
        self.out.flush()


async def _akun_baru(conn: AsyncConnection) -> int:
    """A Telegram id no user has: `pantau chat --baru` walks registration as a stranger would."""
    while True:
        tg = secrets.randbelow(10**9) + AWAL_ID_BARU
        if await users.by_telegram_id(conn, tg) is None:
            return tg


def _rincian(jenis: dict[str, int]) -> str:
    return ", ".join(f"{n} {LABEL_JENIS.get(k, k)}" for k, n in sorted(jenis.items(), key=lambda x: (-x[1], x[0])))


class Antrean:
    """What the outbox holds for this session's user and for the others, said in one line each."""

    def __init__(self, engine: AsyncEngine, tg_id: int, kunci: dict[int, str], out: TextIO) -> None:
        self.engine, self.tg_id, self.kunci, self.out = engine, tg_id, kunci, out
        self.lain: dict[int, int] = {}

    async def _baca(self) -> outbox.Antrean:
        async with self.engine.connect() as conn:
            return await outbox.antrean(conn)

    async def sisihkan(self, now: datetime) -> int:
        """Set aside all but the newest BATAS_ANTREAN of one's own queued messages; say so, and what waits for
        others. Returns how many of one's own are still to come."""
        async with self.engine.begin() as conn:
            lama = await outbox.sisihkan_lama(conn, self.tg_id, simpan=BATAS_ANTREAN, alasan=ALASAN_DISISIHKAN,
                                              now=now)
        a = await self._baca()
        milik = a.per_chat.get(self.tg_id, 0)
        if lama:
            self.out.write(f"  [antrean] {sum(lama.values())} pesan lama untuk Anda tidak ditampilkan "
                           f"({_rincian(lama)}); {milik} terbaru menyusul.\n")
        self.lain = {c: n for c, n in a.per_chat.items() if c != self.tg_id}
        if self.lain:
            self.out.write(f"  [antrean] {sum(self.lain.values())} pesan untuk pengguna lain menunggu "
                           f"({self._siapa(self.lain)}); mereka menerimanya di sesi pantau chat masing-masing.\n")
        self.out.flush()
        return milik

    def _siapa(self, per_chat: dict[int, int], paling_banyak: int = 4) -> str:
        urut = sorted(per_chat.items(), key=lambda x: (-x[1], x[0]))
        teks = ", ".join(f"{self.kunci.get(c, str(c))}: {n}" for c, n in urut[:paling_banyak])
        return teks + (", …" if len(urut) > paling_banyak else "")

    async def milik_tersisa(self) -> int:
        return (await self._baca()).per_chat.get(self.tg_id, 0)

    async def kabari_baru(self) -> None:
        """After an input: one line per other user who got new messages queued (an approval, an escalation)."""
        a = await self._baca()
        kini = {c: n for c, n in a.per_chat.items() if c != self.tg_id}
        for c, n in sorted(kini.items()):
            baru = n - self.lain.get(c, 0)
            if baru > 0:
                kunci = self.kunci.get(c, str(c))
                self.out.write(f"  [antre untuk {kunci}: {baru} pesan; tampil di pantau chat --as {kunci}]\n")
        self.lain = kini
        self.out.flush()


async def _tunggu_antrean(antre: Antrean, api: FakeBotApi, timeout: float = 30.0) -> None:
    """Until the outbox delivered one's own queued messages (the backlog at the start of a session)."""
    loop = asyncio.get_running_loop()
    batas = loop.time() + timeout
    while await antre.milik_tersisa() and loop.time() < batas:
        await asyncio.sleep(0.2)
    await api.wait_idle(quiet=0.2, timeout=timeout)


HANYA_LOKAL = ("pantau chat hanya untuk mode lokal: TELEGRAM_BOT_TOKEN terisi, jadi basis data ini milik bot yang "
               "tersambung ke Telegram dan antrean pesannya milik pengguna sungguhan. Kosongkan TELEGRAM_BOT_TOKEN "
               "dan pakai basis data lain untuk mencoba.")


async def chat(settings: Settings, who: str | None, *, lines: Callable[[], str] | None = None,
               out: TextIO | None = None, files: Path = Path("chat-files"), now: datetime | None = None) -> int:
    """Run the terminal chat as a demo user (demo key), a Telegram id or a user id; `who` None is a new,
    unregistered account. Files the bot sends land in a folder of this session's own."""
    out = out or sys.stdout  # looked up now, not at import: the terminal of this run
    if not settings.local_mode:  # the database of a connected bot: its queue belongs to real people
        out.write(f"{HANYA_LOKAL}\n")
        return 2
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
    kunci: dict[int, str] = {}
    async with engine.connect() as conn:
        # Everyone with a Telegram id exists in the local Bot API (a reply to another user is shown as such).
        for other in await users.list_users(conn):
            if other.telegram_id is not None:
                api.add_user(other.telegram_id, other.name)
                kunci[other.telegram_id] = other.demo_key or str(other.telegram_id)
    term = Terminal(tg_id, files, out)
    api.subscribe(term.show)
    # The outbox delivers this user's messages only: the others' wait for a session of their own.
    app = build_application(settings, engine, api=api,
                            outbox_options={"chat_ids": frozenset({tg_id}), "per_chat_interval_s": 0.0})
    read = lines or sys.stdin.readline
    loop = asyncio.get_running_loop()
    out.write(f"Mode lokal: Anda adalah {nama} ({peran}). {BANTUAN}\n")
    antre = Antrean(engine, tg_id, kunci, out)
    menyusul = await antre.sisihkan(now or datetime.now(UTC))
    async with running(app, polling=True):
        if menyusul:
            await _tunggu_antrean(antre, api)
        while True:
            line = await loop.run_in_executor(None, read)
            if not line:
                break
            text = line.strip()
            if text in ("/keluar", "/exit"):
                break
            if not text:
                continue
            term.giliran_baru = True
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
            await antre.kabari_baru()
    await engine.dispose()
    return 0
