"""Types shared by the report models."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer


def _angka_json(v: Decimal | None) -> float | None:
    return None if v is None else float(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# A percentage kept exact in Python and written as a JSON number with two decimals.
Persen = Annotated[Decimal | None, PlainSerializer(_angka_json, when_used="json")]
