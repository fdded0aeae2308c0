"""The logistics bar chart: per kab/kota (or kecamatan), TPS tepat / arrived with a problem or late / not reported.

matplotlib with the Agg canvas and a bare ``Figure`` (never pyplot's global state), fixed margins (no
tight_layout: ~1,4× faster). Rendering takes 100–200 ms: callers run ``render_png`` in a thread
(``asyncio.to_thread``). Identical data gives identical bytes, so a small cache serves repeated requests.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from domain.angka import format_number
from reports.grafik import bungkus

WARNA = {"tepat": "#2e7d32", "masalah": "#f9a825", "belum": "#bdbdbd"}
LABEL = {"tepat": "Tepat", "masalah": "Tiba, ada masalah/terlambat", "belum": "Belum lapor"}
# (label, TPS, tiba, tepat) per bar
Baris = tuple[str, int, int, int]


def render_png(judul: str, baris: Sequence[Baris], per: str | None = None) -> bytes:
    """A horizontal stacked bar per row, as PNG bytes (cached for identical input); `per` names the moment the
    counts are from ("Senin, 7 Desember 2026 pukul 10.15 WIB") and is shown under the title."""
    return _render(judul, tuple(baris), per)


@lru_cache(maxsize=32)
def _render(judul: str, baris: tuple[Baris, ...], per: str | None) -> bytes:
    buf = io.BytesIO()
    gambar(judul, baris, per).savefig(buf, format="png")
    return buf.getvalue()


def gambar(judul: str, baris: Sequence[Baris], per: str | None = None) -> Figure:
    """The chart as a Figure (names wrapped over two lines rather than cut, the time of the counts under the title)."""
    n = max(1, len(baris))
    kepala = 0.95 + (0.25 if per else 0.0)
    tinggi = kepala + 0.8 + 0.42 * n
    fig = Figure(figsize=(8, tinggi), dpi=100)
    FigureCanvasAgg(fig)
    # Fixed margins in inches, turned into fractions, so long names, the title and the legend always fit.
    fig.subplots_adjust(left=2.4 / 8, right=1 - 0.3 / 8, top=1 - kepala / tinggi, bottom=0.6 / tinggi)
    ax = fig.add_subplot(1, 1, 1)
    nama = [bungkus(b[0], 30, 2) for b in baris]
    tepat = [b[3] for b in baris]
    masalah = [b[2] - b[3] for b in baris]
    belum = [b[1] - b[2] for b in baris]
    y = list(range(len(baris)))
    ax.barh(y, tepat, color=WARNA["tepat"], label=LABEL["tepat"])
    ax.barh(y, masalah, left=tepat, color=WARNA["masalah"], label=LABEL["masalah"])
    ax.barh(y, belum, left=[a + b for a, b in zip(tepat, masalah, strict=True)], color=WARNA["belum"],
            label=LABEL["belum"])
    for i, b in enumerate(baris):
        ax.text(b[1], i, f" {format_number(b[2])}/{format_number(b[1])}", va="center", fontsize=8)
    ax.set_yticks(y, nama, fontsize=9, linespacing=1.0)
    ax.invert_yaxis()
    ax.set_xlim(0, max([b[1] for b in baris] + [1]) * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(int(v))))
    ax.set_xlabel("Jumlah TPS", fontsize=9)
    fig.text(0.02, 1 - 0.15 / tinggi, judul, va="top", fontsize=11, fontweight="bold")
    if per:
        fig.text(0.02, 1 - 0.45 / tinggi, f"per {per}", va="top", fontsize=9, color="#57606a")
    fig.legend(loc="upper left", bbox_to_anchor=(0.015, 1 - (kepala - 0.5) / tinggi), ncol=3, fontsize=8,
               frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
