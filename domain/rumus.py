"""Spreadsheet formula neutralising: which text cells Excel could run as a formula, making them inert for export,
and undoing it on import. One rule for both directions."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

_BAHAYA = ("=", "+", "-", "@", "\t", "\r")


@lru_cache(maxsize=4096)
def _seperti_bahaya(awal: str) -> bool:
    return unicodedata.normalize("NFKC", awal)[:1] in _BAHAYA


# The first non-ASCII character whose NFKC form starts with one of _BAHAYA (U+207A, superscript plus): a first
# character below it is dangerous only if it is one of _BAHAYA itself, so most cells skip the NFKC check.
AWAL_NFKC = next(chr(i) for i in range(0x80, 0x110000) if _seperti_bahaya(chr(i)))


def awal_berbahaya(awal: str) -> bool:
    """Whether a cell starting with the character ``awal`` could be read as a formula: = + - @ tab CR, or a
    character that NFKC turns into one (fullwidth ＝ ＋ － ＠, small ﹦, superscript ⁺ …), which Excel may read
    the same way."""
    return awal in _BAHAYA or (awal >= AWAL_NFKC and _seperti_bahaya(awal))


def netralkan(value: Any) -> Any:
    """Make a text cell that a spreadsheet would run as a formula inert; numbers pass unchanged."""
    if isinstance(value, str) and awal_berbahaya(value[:1]):
        return "'" + value
    return value


def pulihkan(teks: str) -> str:
    """Undo ``netralkan`` on a cell read back from one of our exports ("'=1+1" → "=1+1", "'＝1" → "＝1")."""
    if teks[:1] == "'" and awal_berbahaya(teks[1:2]):
        return teks[1:]
    return teks
