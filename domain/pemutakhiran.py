"""Voter-list update stages: when a stage counts as done on time, late, running or not yet due."""

from __future__ import annotations

from datetime import date
from typing import Literal

StatusTahapan = Literal["tepat_waktu", "terlambat", "berjalan", "belum_mulai", "lewat_batas"]
LABEL_STATUS: dict[str, str] = {
    "tepat_waktu": "selesai tepat waktu",
    "terlambat": "selesai terlambat",
    "berjalan": "sedang berjalan",
    "belum_mulai": "belum mulai",
    "lewat_batas": "lewat batas, belum selesai",
}
# The stages the province itself executes (the national KPU's and the KPU Provinsi's, e.g. receiving DP4, the
# provincial plenos): reminded to the province's data section and marked done for the province unit.
PELAKSANA_PROVINSI = frozenset({"KPU", "KPU PROVINSI", "KPU RI"})


def tahapan_provinsi(pelaksana: str) -> bool:
    """Whether a stage (by its executor) is the province's own: KPU or KPU Provinsi, not KPU Kab/Kota, PPK, PPS."""
    return " ".join(pelaksana.split()).upper() in PELAKSANA_PROVINSI


def ditandai_oleh(pelaksana: str, jenis_unit: str) -> bool:
    """Whether a unit of this kind marks a stage of this executor done.

    A KPU kab/kota marks every stage (indicator 4 counts stages × KPU kab/kota); the province (any other unit
    kind) marks only its own stages, which close its reminders and do not enter indicator 4.
    """
    return jenis_unit == "kabkota" or tahapan_provinsi(pelaksana)


def status_tahapan(mulai: date, selesai: date, selesai_pada: date | None, today: date) -> StatusTahapan:
    """The status of one stage for one unit: on time means done by the stage's end date."""
    if selesai_pada is not None:
        return "tepat_waktu" if selesai_pada <= selesai else "terlambat"
    if today > selesai:
        return "lewat_batas"
    return "berjalan" if today >= mulai else "belum_mulai"


def persen_tepat_waktu(statuses: list[str]) -> float | None:
    """Indicator 4: the share of stages done on time among the stages that are due or done."""
    counted = [s for s in statuses if s in ("tepat_waktu", "terlambat", "lewat_batas")]
    if not counted:
        return None
    return round(100 * counted.count("tepat_waktu") / len(counted), 2)
