"""Run every benchmark in bench/ one after another and keep their output together.

    .venv/bin/python bench/run_all.py --quick                  # smoke: every script at a tiny size (a few minutes)
    .venv/bin/python bench/run_all.py                          # the figures of bench/README.md (about half an hour)
    .venv/bin/python bench/run_all.py --pg postgresql://postgres@127.0.0.1:5432/bench   # also PostgreSQL (WIPED)

Each script prints its own table; this prints them in order, says which script is missing or failed, and writes
everything to var/bench/ringkasan-<time>.txt. The scripts are run by hand, never in CI's timed tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def rencana(quick: bool, pg: str | None) -> list[tuple[str, list[str]]]:
    """(script, arguments) in the order they run."""
    q = ["--quick"] if quick else []
    runs = [
        ("bench_bot.py", [*q, *(["--pg", pg] if pg else [])]),
        ("bench_bot.py", [*q, "--latency", "0"]),
        ("bench_sql.py", [*q, *(["--pg", pg] if pg else [])]),  # after bench_bot, which gave --pg its schema
        ("bench_tiba.py", [*q, "--http"]),
        ("bench_pengingat.py", ["--pasangan", "2000", "--pesan", "200"] if quick else []),
        ("bench_laporan.py", q),
        ("bench_lkjip.py", ["--ulang", "1"] if quick else []),
    ]
    if pg:
        runs.append(("bench_pengingat.py", [*(["--pasangan", "2000", "--pesan", "200"] if quick else []), "--db", pg]))
    return runs


def main() -> int:
    """Run the plan; exit status 1 when any script failed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--quick", action="store_true", help="every script at a tiny size")
    p.add_argument("--pg", help="also run on this PostgreSQL database (it is WIPED)")
    a = p.parse_args()
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    laporan = out_dir / f"ringkasan-{datetime.now():%Y%m%d-%H%M%S}.txt"
    gagal = 0
    with laporan.open("w", encoding="utf-8") as log:
        for script, args in rencana(a.quick, a.pg):
            judul = f"== {script} {' '.join(args)}"
            print(judul, flush=True)
            log.write(judul + "\n")
            path = HERE / script
            if not path.exists():
                pesan = "   (tidak ada: skrip ini belum tersedia)"
                print(pesan)
                log.write(pesan + "\n")
                continue
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True, text=True,
                                  check=False)
            detik = time.perf_counter() - t0
            teks = proc.stdout.rstrip()
            if proc.returncode != 0:
                gagal += 1
                teks += f"\n   GAGAL (kode {proc.returncode}):\n" + "\n".join(proc.stderr.strip().splitlines()[-15:])
            teks += f"\n   ({detik:.0f} detik)"
            print(teks, flush=True)
            log.write(teks + "\n")
    print(f"\nDitulis ke {laporan}")
    return 1 if gagal else 0


if __name__ == "__main__":
    sys.exit(main())
