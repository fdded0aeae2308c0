"""Rencana aksi: an activity is late when its planned end month is over and it is not done."""

from __future__ import annotations

import calendar
from datetime import date

STATUS_RENCANA = {"belum": "belum mulai", "berjalan": "berjalan", "selesai": "selesai"}


def akhir_bulan(tahun: int, bulan: int) -> date:
    """The last day of a month."""
    return date(tahun, bulan, calendar.monthrange(tahun, bulan)[1])


def terlambat(tahun: int, bulan_selesai: int, status: str, today: date) -> bool:
    """Past the planned end month and not finished."""
    return status != "selesai" and today > akhir_bulan(tahun, bulan_selesai)
