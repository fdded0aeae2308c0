"""Benchmark: /capaian and /logistik (each with its chart) on a generated national dataset, and export speed.

Latency goes through the real Application on the in-process fake Bot API: one update → every reply (text and
photo) handled; the chart cache is emptied before each run, so every run renders its chart (a cold chart; the
cached figure is printed beside it). Cases:
- /capaian as the national leader: the 9 IKU with both automatic indicators computed over every stage ×
  514 kab/kota and every arrival report of 823.220 TPS;
- /capaian 2024 PROV-32 as the Jawa Barat leader: one province's PK with its 27 kab/kota cascaded (9 + 243 rows);
- /logistik as the national leader (one row, bar and button per province: 38), the same leader's drill-down
  into one province (PROV-32's 27 kab/kota, a button press that edits the message), and as the operator of one
  kab/kota;
- builder and chart times apart, for the same views.
Exports: `tps` (the widest national table) to CSV and XLSX, rows/s, and the Python heap's peak (tracemalloc) and
the process's resident-set growth at 50.000, 100.000 and 200.000 rows: flat memory means the peak does not grow.
Then what a separate export process costs (starting the pool; a 1.000-row XLSX in a thread of the bot against
one in a running export process), and the bot's replies while an admin exports `tps` through the real `/ekspor`
button (every export in a separate process): a province leader's `/help` and `/capaian 2024 PROV-32` (cold
chart), one every 0,2 s, for each export size (XLSX of 10.000, 41.000 and every row, CSV of every row) first for
30 s without an export (the idle baseline of the same run), then while the admin exports again and again for at
least 30 s (10 s with --quick); the ratio of the two medians (and p95) is printed per size.

    .venv/bin/python bench/bench_laporan.py            # national: generates var/bench/nasional.db once (~4 min)
    .venv/bin/python bench/bench_laporan.py --quick    # a 5 % dataset and fewer runs (about a minute)
    .venv/bin/python bench/bench_laporan.py --hanya ekspor bersamaan   # only some parts
    .venv/bin/python bench/bench_laporan.py --database-url postgresql://postgres@127.0.0.1:5432/bench

A database that does not hold the generated dataset is filled first (`pantau demo generate`); one that holds
something else is refused unless --reset.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import os
import re
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application, running
from bot.fakebotapi import FakeBotApi
from bot.settings import Settings
from domain.angka import format_number
from handlers import ekspor as h_ekspor
from reports import capaian, ekspor, grafik, grafik_logistik, logistik

try:
    from reports import proses
except ImportError:  # the code before every export ran in a separate process (for a before/after run)
    proses = None  # type: ignore[assignment]
from storage import ekspor as kueri
from storage import nasional, org
from storage import tables as t
from storage.db import create_engine, upgrade

JAM = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)  # Minggu, 24 November 2024, 15.00 WIB: H-3
HARI = date(2024, 11, 24)
BAGIAN = ("latensi", "rincian", "ekspor", "bersamaan")


def _ms(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] * 1000


def _a(x: float, d: int = 0) -> str:
    return format_number(Decimal(str(round(x, d))), d)


def _baris(nama: str, xs: list[float]) -> str:
    return f"| {nama} | {len(xs)} | {_a(statistics.median(xs) * 1000)} | {_a(_ms(xs, 95))} | {_a(_ms(xs, 99))} |"


async def _siapkan(url: str, quick: bool, reset: bool) -> AsyncEngine:
    engine = create_engine(url)
    await upgrade(engine)
    async with engine.connect() as conn:
        ada = (await conn.execute(sa.select(t.app_settings.c.value).where(t.app_settings.c.key == "nasional"))
               ).scalar_one_or_none()
    faktor = 0.05 if quick else 1.0
    if ada is None or ada.get("faktor") != faktor:
        mulai = time.perf_counter()
        print(f"membuat data nasional (faktor {faktor}) di {url} …", flush=True)
        hasil = await nasional.generate(engine, faktor=faktor, reset=reset or ada is not None,
                                        kemajuan=lambda s: print(f"  [{time.perf_counter() - mulai:6.1f} s] {s}",
                                                                 flush=True))
        print(f"  selesai dalam {time.perf_counter() - mulai:.0f} s: {hasil}", flush=True)
    return engine


async def _tg(engine: AsyncEngine, key: str) -> int:
    async with engine.connect() as conn:
        tg = (await conn.execute(sa.select(t.users.c.telegram_id).where(t.users.c.demo_key == key))).scalar_one()
    return int(tg)


async def _aplikasi(engine: AsyncEngine, clock: Callable[[], datetime]) -> tuple[Any, FakeBotApi]:
    """The real Application on the in-process fake Bot API, every user of the dataset known to it."""
    api = FakeBotApi()
    api.record_calls = False
    async with engine.connect() as conn:
        for u in (await conn.execute(sa.select(t.users.c.telegram_id, t.users.c.name))).all():
            api.add_user(u.telegram_id, u.name)
    # The rate limiter does not pace one chat: a leader asking again and again would otherwise measure its waits.
    app = build_application(Settings(DATABASE_URL="sqlite:///unused.db"), engine, api=api, clock=clock,
                            send_outbox=False, kendali={"per_chat": None})
    return app, api


async def _latensi(engine: AsyncEngine, runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    jam = [JAM]  # a leader asks once a minute: the bot's per-user rate limit must not answer instead
    app, api = await _aplikasi(engine, lambda: jam[0])
    kasus = [("/capaian — nasional (IKU)", "nas-pimpinan", "/capaian 2024"),
             ("/capaian 2024 PROV-32 — satu provinsi", "nas-pimpinan-jabar", "/capaian 2024 PROV-32"),
             ("/logistik — nasional (38 provinsi, 514 kab/kota)", "nas-pimpinan", "/logistik"),
             ("/logistik → tombol PROV-32 (27 kab/kota, tanpa grafik)", "nas-pimpinan", "lg:w:{PROV-32}"),
             ("/logistik — satu kab/kota (KAB-3201)", "nas-operator-kab", "/logistik")]
    async with engine.connect() as conn:
        unit = {u.code: u.id for u in await org.units(conn)}
    dingin: dict[str, list[float]] = {}
    hangat: dict[str, list[float]] = {}
    async with running(app):
        for nama, key, teks in kasus:
            tg = await _tg(engine, key)
            for i in range(runs + 1):  # the first run warms the connection pool and font caches: not counted
                grafik.kosongkan_cache()
                grafik_logistik._render.cache_clear()
                jam[0] += timedelta(minutes=1)
                upd = await _update(api, tg, teks, unit)
                mulai = time.perf_counter()
                await app.process_update(upd.to_update(app.bot))
                if i:
                    dingin.setdefault(nama, []).append(time.perf_counter() - mulai)
            for _ in range(max(3, runs // 3)):  # the same request again within the cache's lifetime
                jam[0] += timedelta(minutes=1)
                upd = await _update(api, tg, teks, unit)
                mulai = time.perf_counter()
                await app.process_update(upd.to_update(app.bot))
                hangat.setdefault(nama, []).append(time.perf_counter() - mulai)
            kinds = [m.kind for m in api.messages(tg)[-2:]]  # a command gets its chart; a press edits the text
            ok = "photo" in kinds if teks.startswith("/") else api.callback_answers[-1].text is None
            assert ok, (nama, [m.content[:200] for m in api.messages(tg)[-3:]])
    return dingin, hangat


async def _update(api: FakeBotApi, tg: int, teks: str, unit: dict[str, int]) -> Any:
    """A command, or a press ("lg:w:{PROV-32}": unit codes in braces) on the user's latest keyboard message."""
    if teks.startswith("/"):
        return await api.send_text(tg, teks)
    data = re.sub(r"\{([^}]+)\}", lambda m: str(unit[m.group(1)]), teks)
    pesan = next(m for m in reversed(api.messages(tg)) if m.buttons)
    return await api.press(tg, pesan.message_id, data)


async def _rincian(engine: AsyncEngine, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}

    async def ukur(nama: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        hasil = None
        for i in range(runs + 1):
            mulai = time.perf_counter()
            hasil = await fn()
            if i:
                out.setdefault(nama, []).append(time.perf_counter() - mulai)
        return hasil

    async with engine.connect() as conn:
        lap = await ukur("capaian.build — nasional", lambda: capaian.build(conn, 2024, today=HARI))
        prov = await ukur("capaian.build — PROV-32", lambda: capaian.build(conn, 2024, "PROV-32", today=HARI))
        lg = await ukur("logistik.build — nasional", lambda: logistik.build(conn))
        prov32 = await org.unit_by_code(conn, "PROV-32")
        assert prov32 is not None
        lg32 = await ukur("logistik.build_wilayah — PROV-32 (27 kab/kota)",
                          lambda: logistik.build_wilayah(conn, None, prov32.id))
        assert lg32 is not None

    async def grafik_capaian(x: capaian.LaporanCapaian) -> bytes:
        return await asyncio.to_thread(grafik.capaian, x, pakai_cache=False)

    async def grafik_lg(x: logistik.LaporanLogistik) -> bytes:
        return await asyncio.to_thread(grafik_logistik._render.__wrapped__, "Ketibaan logistik",
                                       tuple((k.nama, k.tps, k.tiba, k.tepat) for k in x.wilayah))

    await ukur("grafik capaian — 9 indikator", lambda: grafik_capaian(lap))
    await ukur("grafik capaian — PROV-32", lambda: grafik_capaian(prov))
    await ukur(f"grafik logistik — nasional ({len(lg.wilayah)} batang)", lambda: grafik_lg(lg))
    await ukur(f"grafik logistik — PROV-32 ({len(lg32.wilayah)} batang)", lambda: grafik_lg(lg32))
    return out


@contextlib.contextmanager
def _batasi(n: int | None) -> Iterator[None]:
    """Exports of `tps` through /ekspor capped at n rows: the count the bot shows and an in-process export read the
    capped query; an export process gets the cap with its job (it does not see this process's patches)."""
    if n is None:
        yield
        return
    asli_kueri, asli_jalankan = kueri.KUERI["tps"], getattr(h_ekspor, "jalankan", None)
    kueri.KUERI["tps"] = lambda: asli_kueri().limit(n)
    if asli_jalankan is not None:
        async def jalankan(tugas: Any) -> Any:
            return await asli_jalankan(dataclasses.replace(tugas, batas=n))
        h_ekspor.jalankan = jalankan  # type: ignore[assignment]
    try:
        yield
    finally:
        kueri.KUERI["tps"] = asli_kueri
        if asli_jalankan is not None:
            h_ekspor.jalankan = asli_jalankan  # type: ignore[assignment]


async def _biaya_mulai(engine: AsyncEngine, folder: Path) -> list[str]:
    """What a separate process costs a small export: starting the pool, and a 1.000-row XLSX in a thread of this
    process against the same export in an already running export process."""
    url = engine.url.render_as_string(hide_password=False)
    hasil = []
    loop = asyncio.get_running_loop()
    if hasattr(h_ekspor, "jalankan"):
        proses.hentikan()
        mulai = time.perf_counter()
        await loop.run_in_executor(proses.kolam(), int)
        detik = time.perf_counter() - mulai
        hasil.append(f"| memulai kolam proses ekspor (spawn + impor) | 1 | {_a(detik * 1000)} |")
    cara: list[tuple[str, Callable[[int], Awaitable[Any]]]] = [
        ("XLSX 1.000 baris di thread proses bot", lambda i: asyncio.to_thread(
            ekspor.ekspor_berkas, url, "tps", "xlsx", str(folder / f"t{i}.xlsx"), hari_ini=HARI, batas=1000))]
    if hasattr(h_ekspor, "jalankan"):
        cara.append(("XLSX 1.000 baris di proses ekspor yang sudah berjalan", lambda i: h_ekspor.jalankan(
            ekspor.TugasEkspor(url, "tps", "xlsx", str(folder / f"p{i}.xlsx"), hari_ini=HARI, batas=1000))))
    for nama, fn in cara:
        xs = []
        for i in range(6):
            mulai = time.perf_counter()
            await fn(i)
            if i:
                xs.append(time.perf_counter() - mulai)
        hasil.append(f"| {nama} | {len(xs)} | {_a(statistics.median(xs) * 1000)} |")
    return hasil


async def _bersamaan(engine: AsyncEngine, dasar_detik: float, kasus: list[tuple[int | None, str]]
                     ) -> tuple[list[str], list[str]]:
    """Reply latency without and during exports started with the /ekspor button, per export size and format.

    For each size the replies are first measured for `dasar_detik` without an export (the idle baseline of the same
    run, just before), then while the admin exports again and again for at least as long (a national XLSX once).
    """
    app, api = await _aplikasi(engine, lambda: JAM)
    app.bot_data["layanan"].laju = (1_000_000, 1.0)  # the per-user rate limit stays out of the way
    pimpinan, admin = await _tg(engine, "nas-pimpinan-jabar"), await _tg(engine, "nas-admin")
    permintaan = ("/help", "/capaian 2024 PROV-32")
    async with engine.connect() as conn:
        total = await ekspor.perkiraan_baris(conn, "tps")

    async def putaran(selesai: Callable[[], bool]) -> dict[str, list[float]]:
        """The replies' latencies; under "cpu" the bot process's own CPU seconds per second meanwhile (its threads
        included, an export process not): what an export costs the bot whatever else runs on the machine."""
        out: dict[str, list[float]] = {}
        cpu0, dinding0 = time.process_time(), time.perf_counter()
        while not selesai():
            for teks in permintaan:
                grafik.kosongkan_cache()
                upd = (await api.send_text(pimpinan, teks)).to_update(app.bot)
                mulai = time.perf_counter()
                await app.process_update(upd)
                out.setdefault(teks, []).append(time.perf_counter() - mulai)
                await asyncio.sleep(0.2)
        out["cpu"] = [(time.process_time() - cpu0) / (time.perf_counter() - dinding0)]
        return out

    async def satu_ekspor(fmt: str) -> None:
        await app.process_update((await api.send_text(admin, "/ekspor")).to_update(app.bot))
        menu = next(m for m in reversed(api.messages(admin)) if m.buttons)
        await app.process_update((await api.press(admin, menu.message_id, f"ek:f:tps:{fmt}")).to_update(app.bot))
        berkas = api.messages(admin)[-1]
        assert berkas.kind == "document", berkas.content[:300]

    async def berulang(fmt: str, hingga: float) -> int:
        kali = 0
        while not kali or time.perf_counter() < hingga:
            await satu_ekspor(fmt)
            kali += 1
        return kali

    ringkas, baris = [], []
    async with running(app):
        with _batasi(10):
            await satu_ekspor("csv")  # starts the export processes (if any) and warms the bot: not counted
        sekali = iter((False, True))
        await putaran(lambda: next(sekali))
        for n, fmt in kasus:
            n_nyata = min(n or total, total)
            hingga = time.perf_counter() + dasar_detik
            tanpa = await putaran(lambda h=hingga: time.perf_counter() > h)  # type: ignore[misc]
            with _batasi(n if n is not None and n < total else None):
                mulai = time.perf_counter()
                tugas = asyncio.create_task(berulang(fmt, mulai + dasar_detik))
                selama = await putaran(tugas.done)
                kali = await tugas
                detik = time.perf_counter() - mulai
            ringkas.append(f"| {fmt.upper()} {_a(n_nyata)} baris | {kali} | {_a(detik / kali, 1)} | "
                           f"{_a(tanpa['cpu'][0], 2)} | {_a(selama['cpu'][0], 2)} |")
            for teks in permintaan:
                a_, b_ = tanpa[teks], selama[teks]
                m0, m1 = statistics.median(a_), statistics.median(b_)
                p0, p1 = _ms(a_, 95), _ms(b_, 95)
                baris.append(f"| {teks} | {fmt.upper()} {_a(n_nyata)} | {len(a_)} / {len(b_)} | {_a(m0 * 1000)} | "
                             f"{_a(m1 * 1000)} | {_a(m1 / m0, 2)}× | {_a(p0)} | {_a(p1)} | {_a(p1 / p0, 2)}× |")
    return ringkas, baris


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _ekspor(engine: AsyncEngine, ukuran: list[int], xlsx_baris: int, folder: Path) -> list[str]:
    konteks = ekspor.Konteks(HARI, "Asia/Jakarta")
    hasil = []
    async with engine.connect() as conn:
        total = await ekspor.perkiraan_baris(conn, "tps")
        for fmt in ("csv", "xlsx"):
            daftar = ukuran if fmt == "csv" else [n for n in ukuran if n <= xlsx_baris] or [xlsx_baris]
            for n in daftar:
                n = min(n, total)
                path = folder / f"tps-{n}.{fmt}"
                gc.collect()
                mulai = time.perf_counter()
                ditulis = await ekspor.tulis(conn, "tps", fmt, path, konteks=konteks, batas=n)
                detik = time.perf_counter() - mulai
                # The same export again under tracemalloc (it slows Python down, so speed is measured without it).
                gc.collect()
                rss0 = _rss_mb()
                tracemalloc.start()
                await ekspor.tulis(conn, "tps", fmt, folder / f"m-{n}.{fmt}", konteks=konteks, batas=n)
                _, puncak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                rss = _rss_mb() - rss0
                hasil.append(f"| {fmt.upper()} | {_a(ditulis)} | {_a(detik, 1)} | {_a(ditulis / detik)} | "
                             f"{_a(path.stat().st_size / 1e6, 1)} | {_a(puncak / 1e6, 1)} | {_a(rss, 1)} |")
        if total > max(ukuran):
            path = folder / "tps-semua.csv"
            mulai = time.perf_counter()
            n = await ekspor.tulis(conn, "tps", "csv", path, konteks=konteks)
            detik = time.perf_counter() - mulai
            z = await asyncio.to_thread(ekspor.kemas_zip, path)
            hasil.append(f"| CSV (semua) | {_a(n)} | {_a(detik, 1)} | {_a(n / detik)} | "
                         f"{_a(path.stat().st_size / 1e6, 1)} (zip {_a(z.stat().st_size / 1e6, 1)}) | – | – |")
    return hasil


async def main() -> None:
    """Run the benchmark and print Markdown tables."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="a 5 %% dataset, fewer runs, smaller exports")
    p.add_argument("--database-url", help="bawaan: sqlite:///var/bench/nasional[-quick].db")
    p.add_argument("--reset", action="store_true", help="wipe a database that holds something else")
    p.add_argument("--runs", type=int, help="runs per case (bawaan 30, --quick 5)")
    p.add_argument("--hanya", nargs="+", choices=BAGIAN, help="only these parts (bawaan: all, in this order)")
    p.add_argument("--detik", type=float, help="bersamaan: seconds without and during exports, per size "
                                               "(bawaan 30, --quick 10)")
    a = p.parse_args()
    url = a.database_url or f"sqlite:///var/bench/nasional{'-quick' if a.quick else ''}.db"
    runs = a.runs or (5 if a.quick else 30)
    engine = await _siapkan(url, a.quick, a.reset)
    try:
        async with engine.connect() as conn:
            n_tps = (await conn.execute(sa.select(sa.func.count()).select_from(t.tps))).scalar_one()
            n_lap = (await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports))).scalar_one()
        print(f"\nData: {_a(n_tps)} TPS, {_a(n_lap)} laporan kedatangan; {runs} kali per kasus; {url}\n")
        bagian = set(a.hanya or BAGIAN)
        if "latensi" in bagian:
            dingin, hangat = await _latensi(engine, runs)
            print("| permintaan (dengan grafik) | n | median ms | p95 ms | p99 ms |\n| --- | --- | --- | --- | --- |")
            for nama, xs in dingin.items():
                print(_baris(nama, xs))
            for nama, xs in hangat.items():
                print(_baris(f"{nama}, grafik dari cache", xs))
        if "rincian" in bagian:
            print("\n| bagian | n | median ms | p95 ms | p99 ms |\n| --- | --- | --- | --- | --- |")
            for nama, xs in (await _rincian(engine, runs)).items():
                print(_baris(nama, xs))
        if "ekspor" in bagian:
            ukuran = [5_000, 10_000, 20_000] if a.quick else [50_000, 100_000, 200_000]
            with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
                baris = await _ekspor(engine, ukuran, 20_000 if a.quick else 200_000, Path(tmp))
            print("\n| ekspor tps | baris | detik | baris/detik | MB | puncak heap Python MB "
                  "| kenaikan RSS puncak MB |\n| --- | --- | --- | --- | --- | --- | --- |")
            print("\n".join(baris))
        if "bersamaan" in bagian:
            with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
                biaya = await _biaya_mulai(engine, Path(tmp))
            print("\n| biaya proses | n | median ms |\n| --- | --- | --- |")
            print("\n".join(biaya))
            kasus: list[tuple[int | None, str]] = [(10_000, "xlsx"), (41_000, "xlsx"), (None, "xlsx"), (None, "csv")]
            if a.quick:
                kasus = [(10_000, "xlsx"), (None, "xlsx"), (None, "csv")]
            ringkas, baris = await _bersamaan(engine, a.detik or (10.0 if a.quick else 30.0), kasus)
            print("\n| ekspor tps lewat /ekspor | kali | detik per ekspor | CPU proses bot tanpa ekspor (detik/detik) "
                  "| CPU proses bot selama ekspor |\n| --- | --- | --- | --- | --- |")
            print("\n".join(ringkas))
            print("\n| balasan bot | selama ekspor | n tanpa / selama | median ms tanpa | median ms selama | rasio "
                  "| p95 ms tanpa | p95 ms selama | rasio p95 |\n" + "| --- " * 9 + "|")
            print("\n".join(baris))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
