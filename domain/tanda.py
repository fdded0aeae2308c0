"""Figures that are demo data, not from a source document: which they are and how every report marks them."""

from __future__ import annotations

TANDA_DEMO = "*"
KETERANGAN_DEMO = "Angka bertanda * adalah data demo, bukan dari dokumen sumber."
# a workbook keeps numbers as numbers: the marked figures are named in a column instead
KETERANGAN_DEMO_KOLOM = ("Angka yang disebut di kolom \"Data demo\" (bertanda *) adalah data demo, bukan dari "
                         "dokumen sumber.")
# `sumber` of rows a demo or a generated dataset wrote (realisations, stage completions, budget spending)
SUMBER_DEMO = frozenset({"demo", "dibuat"})


def sumber_demo(sumber: str | None) -> bool:
    """Whether a row with this `sumber` was written by a demo or a generator, not reported or imported."""
    return sumber in SUMBER_DEMO


def tandai(teks: str, demo: bool) -> str:
    """The figure's text with the demo mark when it is demo data."""
    return f"{teks}{TANDA_DEMO}" if demo else teks


def keterangan_demo(ada: bool) -> list[str]:
    """The footer line under a report that shows a marked figure (nothing otherwise)."""
    return [KETERANGAN_DEMO] if ada else []
