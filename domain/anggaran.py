"""Budget (*anggaran*): absorption (*penyerapan*) and the performance-to-spending ratio.

``penyerapan`` keeps full precision; rounding happens only when formatting (``format_percent``).
The efficiency ratio is capaian ÷ penyerapan and is written "1 : 1,1" (capaian 100 % on 90,21 %
absorption), as in the LKjIP.
"""

from decimal import Decimal, localcontext

from domain.angka import format_number

__all__ = ["format_rasio", "penyerapan", "rasio_efisiensi"]

_SERATUS = Decimal(100)
_PRESISI = 50


def penyerapan(realisasi: int, pagu: int) -> Decimal | None:
    """Spending as a percentage of the allocation (pagu); None when the pagu is 0."""
    if realisasi < 0 or pagu < 0:
        raise ValueError("Pagu dan realisasi anggaran tidak boleh negatif.")
    if pagu == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRESISI
        return Decimal(realisasi) * _SERATUS / Decimal(pagu)


def rasio_efisiensi(capaian_persen: Decimal, penyerapan_persen: Decimal) -> Decimal:
    """Performance per spending: capaian ÷ penyerapan (both in percent)."""
    if capaian_persen < 0 or penyerapan_persen < 0:
        raise ValueError("Capaian dan penyerapan tidak boleh negatif.")
    if penyerapan_persen == 0:
        raise ValueError("Penyerapan anggaran 0 %: rasio efisiensi tidak dapat dihitung.")
    with localcontext() as ctx:
        ctx.prec = _PRESISI
        return capaian_persen / penyerapan_persen


def format_rasio(r: Decimal) -> str:
    """Write a ratio as "1 : 1,1" (one decimal, Indonesian comma)."""
    if not r.is_finite() or r < 0:
        raise ValueError(f"Rasio tidak sah: {r}.")
    return f"1 : {format_number(r, 1)}"
