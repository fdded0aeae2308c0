"""The export processes: a small pool of separate Python processes that write export files for the bot and the
admin web, so that the bot's replies never wait for an export's CPU (nor its hold on the interpreter lock).

The pool starts lazily (`panaskan` starts it ahead of need) and stays for the next exports; its processes run at a
CPU priority NICE below the bot's and write files readable by their owner only (0600). A process that dies leaves
the pool unusable: the pool is dropped and the next job starts a fresh one. A job past its time limit is stopped
the only way an executor allows, by killing the pool's processes (other jobs running then fail too).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import multiprocessing
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from reports.ekspor import siapkan_proses

PROSES_MAKS = 2  # jobs at once; more wait for a free process
NICE = 10  # how far below the bot's CPU priority the export processes run (os.nice)

T = TypeVar("T")
_kolam: concurrent.futures.ProcessPoolExecutor | None = None


def kolam() -> concurrent.futures.ProcessPoolExecutor:
    """The pool, started now if it is not running."""
    global _kolam
    if _kolam is None:
        # spawn: a fresh interpreter, not a fork of a process with an event loop, threads and open connections.
        _kolam = concurrent.futures.ProcessPoolExecutor(
            max_workers=PROSES_MAKS, mp_context=multiprocessing.get_context("spawn"),
            initializer=siapkan_proses, initargs=(NICE,))
    return _kolam


def hentikan(k: concurrent.futures.ProcessPoolExecutor | None = None) -> None:
    """Stop the export processes now (the pool's, or those of `k` if it is still the current pool); the next job
    starts a fresh pool. Jobs still running in it fail."""
    global _kolam
    k = k or _kolam
    if k is None:
        return
    if k is _kolam:
        _kolam = None
    # The executor cannot stop a running job: its processes are killed (the dict is the executor's own).
    for p in list((getattr(k, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            p.kill()
    k.shutdown(wait=False, cancel_futures=True)


def panaskan() -> None:
    """Start the pool's processes ahead of the first job (a no-op job makes the executor spawn one)."""
    if _kolam is None:
        with contextlib.suppress(Exception):
            kolam().submit(int)


async def jalankan(fungsi: Callable[..., T], *args: Any, batas_waktu: float | None = None,
                   hentikan_bila_batal: bool = False) -> T:
    """`fungsi(*args)` in an export process (both must be picklable: a module-level function and plain data).

    Raises what the function raised, BrokenProcessPool when its process died, TimeoutError past `batas_waktu`
    seconds (the pool is then stopped). With `hentikan_bila_batal` a caller that is cancelled (the bot shutting
    down) stops the pool too, rather than leave a long export writing a file nobody will read.
    """
    k = kolam()
    try:
        # Inside the try: a pool whose idle process died refuses the job at once (BrokenProcessPool).
        fut = asyncio.get_running_loop().run_in_executor(k, fungsi, *args)
        return await asyncio.wait_for(fut, batas_waktu)
    except (TimeoutError, BrokenProcessPool):
        hentikan(k)
        raise
    except asyncio.CancelledError:
        if hentikan_bila_batal:
            hentikan(k)
        raise


def _ke_bytes(fungsi: Callable[..., int], args: tuple[Any, ...], kw: dict[str, Any]) -> tuple[bytes, int]:
    buf = io.BytesIO()
    n = fungsi(*args, buf, **kw)
    return buf.getvalue(), n


async def xlsx(fungsi: Callable[..., int], *args: Any, **kw: Any) -> tuple[bytes, int]:
    """A workbook in memory written in an export process: `fungsi(*args, buf, **kw)` writes it into `buf` and returns
    its data rows; the workbook's bytes and that count come back. The report it holds was built (and scoped) here.
    A pool stopped under it (another export's process died or ran too long) is no fault of this workbook's: it is
    written once more, in the fresh pool."""
    try:
        return await jalankan(_ke_bytes, fungsi, args, kw)
    except BrokenProcessPool:
        return await jalankan(_ke_bytes, fungsi, args, kw)
