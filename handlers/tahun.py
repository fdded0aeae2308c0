"""Which year a reporting flow works on, and which election event the logistics flows work on (one place)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Message

from domain.tanggal import format_date
from handlers.konteks import PantauContext
from handlers.pelaporan import hari_ini
from handlers.teks import tahun as tt
from storage import pemilihan, tahun_laporan


def tahun_diketik(context: PantauContext) -> int | None:
    """The year typed after the command (`/rencana 2025`), a four-digit year not after this one; else None."""
    a = context.args or []
    if len(a) == 1 and a[0].isascii() and a[0].isdigit() and len(a[0]) == 4:
        tahun = int(a[0])
        if 2000 <= tahun <= hari_ini(context).year:
            return tahun
    return None


async def tahun_terbuka(context: PantauContext) -> list[int]:
    """This year, and last year until it is closed (its late reports)."""
    async with context.layanan.engine.connect() as conn:
        return await tahun_laporan.tahun_terbuka(conn, hari_ini(context).year)


def pilihan_tahun(perintah: str, ada: Sequence[int], tahun: int) -> str:
    """What to say when this year has nothing: the years that have data and how to pick one."""
    lain = [y for y in ada if y != tahun]
    if not lain:
        return tt.TAHUN_TIDAK_ADA
    return tt.TAHUN_ADA.format(tahun=", ".join(str(y) for y in lain), perintah=perintah, contoh=lain[-1])


async def tahun_laporan_ini(msg: Message, context: PantauContext, perintah: str, judul: str,
                            tahun_data: Callable[[AsyncConnection], Awaitable[list[int]]]) -> int | None:
    """The year a report shows when none is typed: this year when it has data; else None, and the user is told
    which years have data and how to pick one (as the reporting flows do)."""
    tahun = hari_ini(context).year
    async with context.layanan.engine.connect() as conn:
        ada = await tahun_data(conn)
    if tahun in ada:
        return tahun
    await msg.reply_text(tt.LAPORAN_KOSONG.format(judul=judul, tahun=tahun) + "\n\n"
                         + pilihan_tahun(perintah, ada, tahun))
    return None


async def pemilihan_berjalan(msg: Message, context: PantauContext, perintah: str) -> pemilihan.Pemilihan | None:
    """The running election event; with none, the user is told so and which event comes next."""
    hari = hari_ini(context)
    async with context.layanan.engine.connect() as conn:
        e = await pemilihan.berjalan(conn, hari)
        nanti = None if e else await pemilihan.berikutnya(conn, hari)
    if e is not None:
        return e
    lanjut = (tt.BERIKUTNYA.format(nama=nanti.nama, tanggal=format_date(nanti.pemungutan_awal),
                                   mulai=format_date(nanti.mulai))
              if nanti and nanti.pemungutan_awal and nanti.mulai else tt.TIDAK_DIJADWALKAN)
    await msg.reply_text(f"{tt.TIDAK_ADA_PEMILIHAN.format(perintah=perintah)}\n{lanjut}")
    return None
