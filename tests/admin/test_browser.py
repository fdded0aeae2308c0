"""The admin web in a real browser: Debian's headless Chromium driven by Playwright, against the real app
(bot/web.py's ASGI app, served by uvicorn on 127.0.0.1) with the login link sent by the bot's /web command."""

from __future__ import annotations

import asyncio
import csv
import io
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import BrowserContext, Page, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.web import create_web_app
from tests.admin.bantuan import jadi_operator
from tests.bot.harness import BotUji, bot_uji, demo_tg
from tests.bot.test_realisasi import _lapor, _rows

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)")

TPS_HEAD = "kode,nama,kabkota,kecamatan,desa,dpt,sulit\n"


@asynccontextmanager
async def server(b: BotUji) -> AsyncIterator[str]:
    """Serve the real web app (health, webhook, admin) on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_web_app(b.app, mode="lokal", base_url=base)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(srv.serve(sockets=[sock]))
    try:
        while not srv.started:
            await asyncio.sleep(0.02)
        yield base
    finally:
        srv.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Headless Chromium with a fresh profile; Playwright's own browsers are never downloaded."""
    async with async_playwright() as pw:
        ctx = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profil"), executable_path=str(CHROMIUM), headless=True, args=ARGS,
            accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="id-ID")
        ctx.set_default_timeout(10_000)
        try:
            yield ctx
        finally:
            await ctx.close()


async def _login(b: BotUji, page: Page, who: str, judul: str = "Dasbor") -> None:
    out = await b.kirim(await demo_tg(b.engine, who), "/web")
    link = next(w for w in (out[-1].text or "").split() if "/masuk/" in w)
    await page.goto(link)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("heading", name=judul)).to_be_visible()


@asynccontextmanager
async def masuk_peramban(engine: AsyncEngine, tmp_path: Path, who: str,
                         layar: tuple[int, int] | None = None) -> AsyncIterator[tuple[Page, str]]:
    """A running bot and web app, and a browser page logged in as a demo user: (page, base URL)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the browser flow runs once, on SQLite; the same routes run on PostgreSQL over httpx")
    async with bot_uji(engine) as b, server(b) as base, browser(tmp_path) as ctx:
        page = await ctx.new_page()
        if layar is not None:
            await page.set_viewport_size({"width": layar[0], "height": layar[1]})
        await _login(b, page, who)
        yield page, base


async def _upload(page: Page, path: Path) -> None:
    await page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + "/impor")
    await page.get_by_label("Jenis data").select_option("tps")
    await page.get_by_label("Berkas").set_input_files(str(path))
    await page.get_by_role("button", name="Periksa berkas").click()


async def test_login_import_fix_commit_dashboard_and_export(engine: AsyncEngine, tmp_path: Path) -> None:
    async with masuk_peramban(engine, tmp_path, "admin") as (page, base):

        # The dashboard: the four charts are real images that loaded.
        charts = page.locator("img.grafik")
        await expect(charts).to_have_count(4)
        await page.wait_for_function(
            "() => [...document.querySelectorAll('img.grafik')].every(i => i.complete && i.naturalWidth > 300)")
        await expect(page.get_by_text("90,24 %").first).to_be_visible()
        await page.screenshot(path=str(Path("/tmp/pantau-dasbor.png")), full_page=True)

        # An import with one bad row shows the row's error and offers no commit.
        bad = tmp_path / "tps.csv"
        bad.write_text(TPS_HEAD + "17.71.01.2001-901,TPS 901,KAB-1771,,,412,\n"
                       "17.71.01.2001-001,TPS 001,KAB-1771,,,300,\n", encoding="utf-8")
        await _upload(page, bad)
        await expect(page.get_by_text("baris 3: kode TPS 17.71.01.2001-001 sudah ada")).to_be_visible()
        await expect(page.get_by_role("button", name="Simpan")).to_have_count(0)

        # Fixed, it previews clean and commits.
        bad.write_text(TPS_HEAD + "17.71.01.2001-901,TPS 901,KAB-1771,,,412,\n"
                       "17.71.01.2001-902,TPS 902,KAB-1771,,,300,ya\n", encoding="utf-8")
        await _upload(page, bad)
        await expect(page.get_by_text("Semua 2 baris lolos pemeriksaan")).to_be_visible()
        await page.get_by_role("button", name="Simpan 2 baris").click()
        await expect(page.get_by_text("Sudah disimpan pada")).to_be_visible()

        # The new TPS are in the list, and the list downloads as CSV with its filter.
        await page.goto(f"{base}/tps?q=17.71.01.2001-9")
        await expect(page.get_by_text("2 TPS cocok")).to_be_visible()
        async with page.expect_download() as info:
            await page.get_by_role("link", name="CSV").click()
        download = await info.value
        assert download.suggested_filename.startswith("pantau-tps-") and download.suggested_filename.endswith(".csv")
        target = tmp_path / download.suggested_filename
        await download.save_as(str(target))
        rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
        assert rows[0][:3] == ["kode", "nama", "kabkota"]
        assert [r[0] for r in rows[1:]] == ["17.71.01.2001-901", "17.71.01.2001-902"] and rows[2][-1] == "ya"

        # Logging out ends the session.
        await page.get_by_role("button", name="Keluar").click()
        await expect(page.get_by_text("Anda sudah keluar.")).to_be_visible()
        await page.goto(f"{base}/impor")
        await expect(page.get_by_role("heading", name="Masuk ke web admin")).to_be_visible()


async def test_pimpinan_on_a_phone_reads_but_cannot_change(engine: AsyncEngine, tmp_path: Path) -> None:
    async with masuk_peramban(engine, tmp_path, "pimpinan", layar=(390, 844)) as (page, base):
        # The dashboard's charts keep a readable width and scroll inside their frame instead of shrinking.
        await expect(page.locator("img.grafik")).to_have_count(4)
        lebar = await page.evaluate("() => [...document.querySelectorAll('img.grafik')].map("
                                    "i => [i.getBoundingClientRect().width, i.parentElement.scrollWidth > "
                                    "i.parentElement.clientWidth])")
        assert all(w >= 640 and gulir for w, gulir in lebar), lebar
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        # The menu folds away on a phone and opens without JavaScript.
        await expect(page.get_by_role("link", name="TPS", exact=True)).to_have_count(0)
        await expect(page.locator("nav.lebar")).to_be_hidden()
        await page.get_by_text("Menu", exact=True).click()
        await page.locator("details.menu").get_by_role("link", name="TPS").click()
        await expect(page.get_by_text("3.452 TPS cocok")).to_be_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # wide tables scroll inside their box, the page does not
        await page.goto(f"{base}/logistik")
        await expect(page.get_by_role("button", name="Simpan")).to_have_count(0)
        await page.goto(f"{base}/pengguna")
        await expect(page.get_by_text("tidak tersedia untuk peran Anda")).to_be_visible()
        await page.screenshot(path="/tmp/pantau-ponsel.png", full_page=False)


async def test_admin_edits_a_reminder_rule_in_the_browser(engine: AsyncEngine, tmp_path: Path) -> None:
    async with masuk_peramban(engine, tmp_path, "admin") as (page, base):
        await page.goto(f"{base}/tenggat")
        baris = page.locator("tr", has_text="pelaporan").first
        await baris.get_by_text("Ubah").click()
        await baris.get_by_label("Jam pengingat").fill("22.00")
        await baris.get_by_role("button", name="Simpan").click()
        await expect(page.get_by_role("alert")).to_contain_text("jatuh di jam tenang (21.00–06.00)")
        baris = page.locator("tr", has_text="pelaporan").first
        await baris.get_by_text("Ubah").click()
        await baris.get_by_label("Jam pengingat").fill("08.30")
        await baris.get_by_label("Sebelum batas").fill("H-5, H")
        await baris.get_by_role("button", name="Simpan").click()
        await expect(page.get_by_text("Kebijakan pengingat disimpan")).to_be_visible()
        await expect(page.locator("tr", has_text="pelaporan").first).to_contain_text("H-5, hari H pukul 08.30")


async def test_an_operator_head_signs_in_and_approves_what_waits(engine: AsyncEngine, tmp_path: Path) -> None:
    """A head whose role is operator opens the bot's link, lands on their inbox, approves one report, and finds
    nothing else on the web."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the browser flow runs once, on SQLite; the same routes run on PostgreSQL over httpx")
    await jadi_operator(engine, "kabag-kul")
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await _lapor(b, op, "KUL-UML-2", "2024-Q3", "70")
        b.jam.now += timedelta(days=2)
        await _lapor(b, op, "KUL-UML-2", "2024-Q4", "80")
        async with server(b) as base, browser(tmp_path) as ctx:
            page = await ctx.new_page()
            await _login(b, page, "kabag-kul", judul="Menunggu verifikasi Anda")
            assert page.url == f"{base}/verifikasi"
            baris = page.locator("tbody tr")
            await expect(baris).to_have_count(2)
            await expect(baris.nth(0)).to_contain_text("Triwulan III 2024")
            await expect(baris.nth(0)).to_contain_text("menunggu 2 hari")
            await expect(baris.nth(1)).to_contain_text("Triwulan IV 2024")
            # the menu holds the inbox only
            await expect(page.locator("nav.lebar a")).to_have_text(["Verifikasi"])
            await baris.nth(0).get_by_role("button", name="Setujui KUL-UML-2").click()
            await expect(page.get_by_role("status")).to_have_text("Verifikasi disimpan.")
            await expect(page.locator("tbody tr")).to_have_count(1)
            await expect(page.locator("tbody tr")).to_contain_text("Triwulan IV 2024")
            # returning without a reason is refused where it was pressed
            await page.get_by_role("button", name="Kembalikan KUL-UML-2").click()
            await expect(page.get_by_role("alert")).to_contain_text("Pengembalian perlu alasan")
            # any other page says where to go
            await page.goto(f"{base}/realisasi")
            await expect(page.get_by_text("hanya dapat membuka daftar laporan yang menunggu")).to_be_visible()
            await page.get_by_role("link", name="Buka daftar verifikasi Anda").click()
            await expect(page.get_by_role("heading", name="Menunggu verifikasi Anda")).to_be_visible()
            await page.screenshot(path="/tmp/pantau-kepala.png", full_page=True)
    assert [r.status for r in await _rows(engine, "KUL-UML-2")] == ["disetujui", "diajukan"]
