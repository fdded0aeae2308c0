"""Pictures of the chat for the README: a scripted day through the real Application and the in-process Bot API,
drawn as a simple chat page and photographed with Chromium.

    scripts/gambar_chat [--keluaran docs] [--html]

A fresh demo database (with the running election of `pantau demo load --live`) in a temporary folder; a field
officer reports arrival with `/tiba`, tapping what a person would tap; a unit head opens `/verifikasi` and
approves the oldest report. Each conversation becomes one PNG (`chat-petugas.png`, `chat-kepala.png`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import html
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import build_application, running
from bot.fakebotapi import BotEvent, FakeBotApi
from bot.settings import Settings
from storage import demo, users
from storage.db import create_engine, upgrade

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LEBAR = 460  # px: a phone's chat column
# What a person taps on each /tiba step, the first label that fits; never back, cancel or change.
PILIHAN_TIBA = ("Semua lengkap", "Baru saja", "Mobil", "Pick", "Truk", "Motor", "Lewati", "Kirim")
HINDARI = ("Kembali", "Batal", "Ubah", "Koreksi")
ALASAN_TANPA_FOTO = "Kamera ponsel rusak"


@dataclass
class Baris:
    """One line of the transcript: the user's text or tap, or a bot message as it looked then."""

    dari: str  # "user", "tap", "bot"
    teks: str
    tombol: list[list[str]] = field(default_factory=list)
    foto: bytes | None = None
    diubah: bool = False


class Rekaman:
    """The transcript of one chat, built from the fake Bot API's events."""

    def __init__(self, api: FakeBotApi, chat_id: int) -> None:
        self.api, self.chat_id = api, chat_id
        self.baris: list[Baris] = []
        api.subscribe(self._catat)

    def _catat(self, event: BotEvent) -> None:
        msg = event.message
        if msg is None or event.kind not in ("sent", "edited") or msg.chat_id != self.chat_id:
            return
        tombol = [[teks for teks, _ in row] for row in msg.buttons]
        self.baris.append(Baris("bot", msg.content, tombol, msg.photo, event.kind == "edited"))

    async def ketik(self, teks: str) -> None:
        self.baris.append(Baris("user", teks))
        await self.api.send_text(self.chat_id, teks)
        await self.tunggu()

    async def tekan(self, label: str, message_id: int) -> None:
        self.baris.append(Baris("tap", label))
        data = next(d for row in self.api.message(self.chat_id, message_id).buttons for t, d in row if t == label)
        await self.api.press(self.chat_id, message_id, data)
        await self.tunggu()

    async def tunggu(self) -> None:
        await self.api.wait_idle(quiet=0.6, timeout=30)


def _pilih(label: list[str], pilihan: tuple[str, ...]) -> str | None:
    boleh = [t for t in label if not any(h in t for h in HINDARI)]
    for kata in pilihan:
        for t in boleh:
            if kata.lower() in t.lower():
                return t
    return boleh[0] if boleh else None


async def hari_petugas(r: Rekaman, langkah_maks: int = 15) -> None:
    """`/tiba` tapped through as an officer whose logistics all arrived: whatever the steps are, the first fitting
    button of each, until the receipt (TB-…) shows."""
    await r.ketik("/tiba")
    for _ in range(langkah_maks):
        terakhir = r.api.last(r.chat_id)
        if "TB-" in terakhir.content:
            return
        papan = r.api.buttons(r.chat_id)
        pesan = next((m for m in reversed(r.api.messages(r.chat_id)) if m.buttons), None)
        label = _pilih([t for row in papan for t, d in row if d], PILIHAN_TIBA) if papan else None
        if label is None or pesan is None or pesan.message_id != terakhir.message_id:
            await r.ketik(ALASAN_TANPA_FOTO)  # a step that asks for typing (a reason without a photo)
        else:
            await r.tekan(label, pesan.message_id)
    raise RuntimeError("/tiba tidak sampai ke tanda terima: " + r.api.last(r.chat_id).content[:200])


async def hari_kepala(r: Rekaman) -> None:
    """`/verifikasi`, then Setujui on the oldest report."""
    await r.ketik("/verifikasi")
    pesan = next((m for m in r.api.messages(r.chat_id) if any("Setujui" in t for row in m.buttons for t, _ in row)),
                 None)
    if pesan is None:
        raise RuntimeError("/verifikasi tidak menampilkan laporan: " + r.api.last(r.chat_id).content[:200])
    label = next(t for row in pesan.buttons for t, _ in row if "Setujui" in t)
    await r.tekan(label, pesan.message_id)


CSS = """
body { margin: 0; background: #dfe7ee; font: 14px/1.35 'DejaVu Sans', 'Noto Sans', sans-serif; }
.kepala { background: #517da2; color: #fff; padding: 10px 14px; font-weight: bold; }
.kepala small { display: block; font-weight: normal; opacity: .85; }
.isi { padding: 10px 10px 14px; }
.b { max-width: 82%; margin: 6px 0; padding: 7px 10px; border-radius: 10px; white-space: pre-wrap;
     word-wrap: break-word; box-shadow: 0 1px 1px rgba(0,0,0,.12); }
.bot { background: #fff; margin-right: auto; }
.user { background: #effdde; margin-left: auto; width: fit-content; }
.tap { margin: 4px 0 4px auto; width: fit-content; font-size: 12px; color: #3a6d99; background: #eaf2fa;
       padding: 3px 9px; border-radius: 12px; }
.ubah { font-size: 11px; color: #8a9aa9; }
.papan { margin: 4px 0 0; }
.papan div { display: flex; gap: 4px; margin-top: 4px; }
.papan span { flex: 1; text-align: center; background: rgba(81,125,162,.12); color: #2f5f8a; border-radius: 6px;
              padding: 5px 4px; font-size: 13px; }
.lewat { text-align: center; color: #6b7d8e; font-size: 12px; margin: 8px 0; }
img { max-width: 100%; border-radius: 6px; display: block; margin-bottom: 4px; }
"""


RUNTUN_MAKS = 3  # a run of more new bot messages with buttons in a row (an inbox) shows its first ones only


def _ringkas(baris: list[Baris]) -> list[Baris | int]:
    """The transcript with each long run of list messages cut to its first RUNTUN_MAKS (an int: how many left)."""
    hasil: list[Baris | int] = []
    runtun = 0
    for i, b in enumerate(baris):
        daftar = b.dari == "bot" and bool(b.tombol) and not b.diubah
        runtun = runtun + 1 if daftar else 0
        if runtun <= RUNTUN_MAKS:
            hasil.append(b)
            continue
        akhir = next((j for j in range(i, len(baris)) if not (baris[j].dari == "bot" and baris[j].tombol
                                                              and not baris[j].diubah)), len(baris))
        if runtun == RUNTUN_MAKS + 1:
            hasil.append(akhir - i)
    return hasil


def halaman(judul: str, sub: str, baris: list[Baris]) -> str:
    """The transcript as one self-contained HTML page."""
    isi = []
    for b in _ringkas(baris):
        if isinstance(b, int):
            isi.append(f'<div class="lewat">⋯ {b} pesan serupa lagi ⋯</div>')
            continue
        teks = html.escape(b.teks)
        if b.dari == "user":
            isi.append(f'<div class="b user">{teks}</div>')
        elif b.dari == "tap":
            isi.append(f'<div class="tap">👆 {teks}</div>')
        else:
            foto = (f'<img src="data:image/png;base64,{base64.b64encode(b.foto).decode()}">' if b.foto else "")
            papan = "".join("<div>" + "".join(f"<span>{html.escape(t)}</span>" for t in row) + "</div>"
                            for row in b.tombol)
            ubah = '<div class="ubah">(pesan yang sama, diperbarui)</div>' if b.diubah else ""
            isi.append(f'<div class="b bot">{ubah}{foto}{teks}'
                       f'{f"<div class=papan>{papan}</div>" if papan else ""}</div>')
    return (f'<!doctype html><html lang="id"><meta charset="utf-8"><style>{CSS}</style>'
            f'<body style="width:{LEBAR}px"><div class="kepala">{html.escape(judul)}<small>{html.escape(sub)}'
            f'</small></div><div class="isi">{"".join(isi)}</div></body></html>')


async def rekam(folder: Path) -> dict[str, str]:
    """Run the scripted day on a fresh demo database in `folder`; the pages by name."""
    url = f"sqlite:///{folder / 'pantau.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    await demo.load(engine, live=True)
    api = FakeBotApi()
    async with engine.connect() as conn:
        semua = await users.list_users(conn)
    for u in semua:
        if u.telegram_id is not None:
            api.add_user(u.telegram_id, u.name)
    tg = {u.demo_key: u.telegram_id for u in semua if u.demo_key and u.telegram_id is not None}
    petugas, kepala = Rekaman(api, tg["petugas"]), Rekaman(api, tg["kabag-kul"])
    app = build_application(Settings(DATABASE_URL=url), engine, api=api,
                            outbox_options={"per_chat_interval_s": 0.0}, kendali={"per_chat": None})
    try:
        async with running(app, polling=True):
            await hari_petugas(petugas)
            await hari_kepala(kepala)
            await petugas.tunggu()
    finally:
        await engine.dispose()
    nama = {u.demo_key: u.name for u in semua if u.demo_key}
    return {
        "chat-petugas": halaman("Pantau", f"{nama['petugas']} · petugas TPS", petugas.baris),
        "chat-kepala": halaman("Pantau", f"{nama['kabag-kul']} · kepala unit", kepala.baris),
    }


async def potret(halaman_: dict[str, str], keluaran: Path) -> list[Path]:
    """Screenshot each page with Debian's Chromium (never a downloaded browser)."""
    from playwright.async_api import async_playwright

    hasil = []
    keluaran.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profil:
        async with async_playwright() as pw:
            ctx = await pw.chromium.launch_persistent_context(
                profil, executable_path=str(CHROMIUM), headless=True, args=ARGS, locale="id-ID",
                viewport={"width": LEBAR, "height": 800}, device_scale_factor=1)
            try:
                page = await ctx.new_page()
                for nama, isi in halaman_.items():
                    await page.set_content(isi)
                    path = keluaran / f"{nama}.png"
                    await page.locator("body").screenshot(path=str(path))
                    hasil.append(path)
            finally:
                await ctx.close()
    return hasil


async def utama(keluaran: Path, simpan_html: bool) -> list[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        halaman_ = await rekam(Path(tmp))
    if simpan_html:
        keluaran.mkdir(parents=True, exist_ok=True)
        for nama, isi in halaman_.items():
            (keluaran / f"{nama}.html").write_text(isi, encoding="utf-8")
    return await potret(halaman_, keluaran)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/gambar_chat", description=__doc__.splitlines()[0])
    p.add_argument("--keluaran", type=Path, default=Path("docs"), help="folder for the PNGs (default docs)")
    p.add_argument("--html", action="store_true", help="also keep the HTML pages")
    a = p.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} tidak ada: pasang dengan apt-get install chromium.", file=sys.stderr)
        return 2
    for path in asyncio.run(utama(a.keluaran, a.html)):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
