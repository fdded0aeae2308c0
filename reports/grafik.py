"""Charts as PNG bytes: capaian per indicator, budget absorption, voter-list stages as a heat map.

matplotlib is imported once, here, at start-up (the import costs about half a second); every chart is drawn on its
own `Figure` (never pyplot's global state) with fixed margins (1,4× faster than tight_layout) and rendered by the
Agg canvas. Callers on an event loop run these functions in a thread (`asyncio.to_thread`). Rendering is
serialised by a lock because matplotlib's text layout caches are shared between figures.

A short cache keeps each chart for a couple of minutes per kind and scope; the key includes a hash of the report's
data, so a cached chart is never stale: new data makes a new key.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
from pydantic import BaseModel

from domain.angka import format_number, format_percent
from domain.capaian import SKALA_SAKIP
from domain.pemutakhiran import LABEL_STATUS
from domain.periode import parse_periode
from domain.tanggal import format_date
from reports.anggaran import LaporanAnggaran
from reports.capaian import LaporanCapaian
from reports.pemutakhiran import LaporanPemutakhiran

DPI = 100
LEBAR_INCI = 10.0
# SAKIP categories from best to worst: greens for the good bands, then yellow, orange and red.
WARNA_KATEGORI = {
    "AA": "#1a7f37", "A": "#2da44e", "BB": "#7cc46a", "B": "#b6cf3f", "CC": "#f2c744", "C": "#f08c2e", "D": "#d1242f",
}
WARNA_MENUNGGU = "#8c959f"
WARNA_STATUS_TAHAPAN = {
    "tepat_waktu": "#2da44e", "terlambat": "#f08c2e", "berjalan": "#54aeff", "belum_mulai": "#eaeef2",
    "lewat_batas": "#d1242f",
}
URUTAN_STATUS_TAHAPAN = ("tepat_waktu", "terlambat", "berjalan", "belum_mulai", "lewat_batas")
WARNA_PAGU = "#c8d9ef"
WARNA_REALISASI = "#1f6feb"
MAKS_LABEL = 52
# Width of the stub drawn for a 0 % value, as a fraction of the axis; the room a value label needs beside its bar.
STUB_NOL = 0.008
RUANG_LABEL = 0.12

_KUNCI_RENDER = threading.Lock()


# --- the cache ------------------------------------------------------------------------------------------------

class _Cache:
    """A small LRU with a time to live, shared by the threads that render."""

    def __init__(self, ttl: float = 120.0, maks: int = 64) -> None:
        self.ttl, self.maks = ttl, maks
        self._isi: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._kunci = threading.Lock()
        self.hit = self.miss = 0

    def ambil(self, kunci: str) -> bytes | None:
        with self._kunci:
            item = self._isi.get(kunci)
            if item is None or item[0] < time.monotonic():
                self._isi.pop(kunci, None)
                self.miss += 1
                return None
            self._isi.move_to_end(kunci)
            self.hit += 1
            return item[1]

    def simpan(self, kunci: str, png: bytes) -> None:
        with self._kunci:
            self._isi[kunci] = (time.monotonic() + self.ttl, png)
            self._isi.move_to_end(kunci)
            while len(self._isi) > self.maks:
                self._isi.popitem(last=False)

    def kosongkan(self) -> None:
        with self._kunci:
            self._isi.clear()
            self.hit = self.miss = 0


CACHE = _Cache()


def kosongkan_cache() -> None:
    """Forget every cached chart (benchmarks measure cold renders; tests start clean)."""
    CACHE.kosongkan()


def _dengan_cache(jenis: str, lingkup: str, model: BaseModel, gambar: Callable[[], Figure],
                  pakai_cache: bool) -> bytes:
    kunci = f"{jenis}|{lingkup}|{hashlib.sha1(model.model_dump_json().encode()).hexdigest()}"
    if pakai_cache and (png := CACHE.ambil(kunci)) is not None:
        return png
    with _KUNCI_RENDER:
        png = _png(gambar())
    if pakai_cache:
        CACHE.simpan(kunci, png)
    return png


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


# --- formatting helpers -----------------------------------------------------------------------------------------

def bungkus(teks: str, lebar: int = MAKS_LABEL, maks_baris: int = 3) -> str:
    """Wrap a label over up to `maks_baris` lines at word boundaries, so the words that tell two apart stay."""
    baris = textwrap.wrap(" ".join(teks.split()), lebar, break_long_words=True, break_on_hyphens=False)
    if len(baris) > maks_baris:
        baris = [*baris[: maks_baris - 1], singkat(" ".join(baris[maks_baris - 1:]), lebar)]
    return "\n".join(baris)


def singkat(teks: str, maks: int = MAKS_LABEL) -> str:
    """Shorten a label for a chart, marking the cut with an ellipsis."""
    teks = " ".join(teks.split())
    return teks if len(teks) <= maks else teks[: maks - 1].rstrip() + "…"


def rupiah_singkat(nilai: float) -> str:
    """Rupiah in short Indonesian units: "Rp142,3 M" (miliar), "Rp15,6 jt" (juta), "Rp2,1 T" (triliun)."""
    besar = abs(nilai)
    for batas, satuan in ((10**12, "T"), (10**9, "M"), (10**6, "jt"), (10**3, "rb")):
        if besar >= batas:
            teks = format_number(Decimal(str(float(besar / batas))), 1).removesuffix(",0")
            return f"{'-' if nilai < 0 else ''}Rp{teks} {satuan}"
    return f"Rp{format_number(int(nilai))}"


def persen_label(v: Decimal | float) -> str:
    """A percentage for a chart label, without trailing zeros: "100 %", "98,75 %", "90,2 %"."""
    d = v if isinstance(v, Decimal) else Decimal(str(float(v)))
    teks = format_number(d, 2)
    if "," in teks:
        teks = teks.rstrip("0").rstrip(",")
    return f"{teks} %"


def _persen_sumbu(x: float, _pos: object = None) -> str:
    return f"{format_number(Decimal(str(float(x))), 0)} %"


def _tinggi(n_baris: int, per_baris: float = 0.42, kepala: float = 1.25,
            kaki: float = 1.0) -> tuple[float, float, float]:
    """Figure height and the top/bottom margins as fractions, so every bar keeps the same size in inches."""
    tinggi = kepala + kaki + per_baris * max(n_baris, 1)
    return tinggi, 1 - kepala / tinggi, kaki / tinggi


def _judul(fig: Figure, judul: str, sub: str | None, tinggi: float) -> None:
    fig.text(0.02, 1 - 0.32 / tinggi, judul, fontsize=14, fontweight="bold", va="top")
    if sub:
        fig.text(0.02, 1 - 0.72 / tinggi, sub, fontsize=10, color="#57606a", va="top")


# --- capaian -----------------------------------------------------------------------------------------------------

def gambar_capaian(lap: LaporanCapaian) -> Figure:
    """Capaian per indicator against the 100 % line, coloured by SAKIP category; pending rows are drawn as pending."""
    rows = lap.indikator
    n_baris = max([bungkus(f"{r.kode} {r.indikator}").count("\n") + 1 for r in rows] + [1])
    tinggi, atas, bawah = _tinggi(len(rows), per_baris=0.42 if n_baris <= 2 else 0.56)
    fig = Figure(figsize=(LEBAR_INCI, tinggi), dpi=DPI)
    fig.subplots_adjust(left=0.44, right=0.95, top=atas, bottom=bawah)
    ax = fig.add_subplot()
    nilai = [float(r.capaian_persen) for r in rows if r.capaian_persen is not None]
    xmaks = max([110.0, *(v * 1.1 for v in nilai)])
    y = list(range(len(rows)))
    for i, r in enumerate(rows):
        if r.capaian_persen is None:
            # Pending is not zero: a hatched band across the whole row, with the word, instead of an empty bar.
            ax.barh(i, xmaks, left=0, height=0.62, color="none", edgecolor=WARNA_MENUNGGU, hatch="///",
                    linewidth=0.8)
            alasan = "belum ada realisasi" if r.realisasi is None else "Proses"
            ax.text(xmaks / 2, i, f"menunggu ({alasan}) — tidak dihitung", ha="center", va="center", fontsize=9,
                    color="#24292f", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
            continue
        v = float(r.capaian_persen)
        warna = WARNA_KATEGORI.get(r.kategori or "", WARNA_MENUNGGU)
        # A 0 % bar has no width: a thin stub in the category colour keeps the row visibly drawn, not empty.
        ax.barh(i, max(v, xmaks * STUB_NOL), height=0.62, color=warna)
        ax.text(_x_label(v, xmaks), i, persen_label(r.capaian_persen), va="center", fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})
    ax.axvline(100, color="#24292f", linestyle="--", linewidth=1)
    ax.text(100, -0.75, "target 100 %", ha="center", va="bottom", fontsize=8, color="#24292f")
    ax.set_xlim(0, xmaks)
    ax.set_ylim(len(rows) - 0.5, -0.9)
    ax.yaxis.set_major_locator(FixedLocator(y))
    ax.set_yticklabels([bungkus(f"{r.kode} {r.indikator}") for r in rows], fontsize=9, linespacing=1.05)
    ax.xaxis.set_major_formatter(FuncFormatter(_persen_sumbu))
    ax.set_xlabel("Capaian (%)")
    ax.grid(axis="x", color="#d0d7de", linewidth=0.6)
    ax.set_axisbelow(True)
    for sisi in ("top", "right"):
        ax.spines[sisi].set_visible(False)
    dipakai = [k for k in (r.kategori for r in rows) if k]
    legenda = [Patch(color=WARNA_KATEGORI[k.kode], label=f"{k.kode} {k.interpretasi}")
               for k in SKALA_SAKIP if k.kode in dipakai]
    if any(r.capaian_persen is None for r in rows):
        legenda.append(Patch(facecolor="none", edgecolor=WARNA_MENUNGGU, hatch="///", label="menunggu"))
    if legenda:
        fig.legend(handles=legenda, loc="lower center", ncol=min(len(legenda), 5), fontsize=8, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
    menunggu = sum(1 for r in rows if r.status == "menunggu")
    # The same form as the text reply ("87,50 %"), so the header and the message never read differently.
    rerata = (f"Rata-rata {format_percent(lap.capaian_persen)}" if lap.capaian_persen is not None
              else "Rata-rata belum dapat dihitung")
    sub = (rerata + (f" · kategori {lap.kategori}" if lap.kategori else "")
           + f" · {len(rows)} indikator" + (f", {menunggu} menunggu (tidak dihitung)" if menunggu else ""))
    _judul(fig, judul_capaian(lap), sub, tinggi)
    if not rows:
        ax.text(0.5, 0.5, "Belum ada indikator", transform=ax.transAxes, ha="center", va="center")
    return fig


def _x_label(v: float, xmaks: float, garis: float = 100.0) -> float:
    """Where a value label starts: beside its bar, or past the target line when it would lie across it."""
    x = max(v, 0.0) + xmaks * 0.01
    if x < garis < x + xmaks * RUANG_LABEL:
        return garis + xmaks * 0.01
    return x


def judul_capaian(lap: LaporanCapaian) -> str:
    """The title of a capaian chart or table."""
    siapa = f"{lap.unit_nama} ({lap.unit})" if lap.unit else "Sekretariat (IKU)"
    kapan = f"s.d. {_label_periode(lap.sampai)}" if lap.sampai else f"Tahun {lap.tahun}"
    return singkat(f"Capaian kinerja {siapa} — {kapan}", 80)


def _label_periode(kode: str) -> str:
    return parse_periode(kode).label


def capaian(lap: LaporanCapaian, *, lingkup: str = "", pakai_cache: bool = True) -> bytes:
    """The capaian chart as PNG bytes."""
    return _dengan_cache("capaian", lingkup or (lap.unit or "-"), lap, lambda: gambar_capaian(lap), pakai_cache)


# --- anggaran ----------------------------------------------------------------------------------------------------

def _baris_anggaran(lap: LaporanAnggaran) -> list[tuple[str, int, int | None, Decimal | None, bool]]:
    out: list[tuple[str, int, int | None, Decimal | None, bool]] = [
        ("Total", lap.pagu, lap.realisasi if lap.program else None, lap.penyerapan_persen, True)]
    for p in lap.program:
        out.append((f"{p.kode} {p.nama}", p.pagu, p.realisasi, p.penyerapan_persen, True))
        for k in lap.kegiatan:
            if k.induk == p.kode:
                out.append((f"   {p.kode}.{k.kode} {k.nama}", k.pagu, k.realisasi, k.penyerapan_persen, False))
    return out


def gambar_anggaran(lap: LaporanAnggaran, capaian_persen: Decimal | None = None, rasio: str | None = None) -> Figure:
    """Pagu against realisasi per program and activity (Rupiah), and absorption against 100 %."""
    rows = _baris_anggaran(lap)
    tinggi, atas, bawah = _tinggi(len(rows))
    fig = Figure(figsize=(LEBAR_INCI + 2, tinggi), dpi=DPI)
    fig.subplots_adjust(left=0.36, right=0.97, top=atas, bottom=bawah, wspace=0.08)
    ax_rp, ax_p = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    y = list(range(len(rows)))
    ax_rp.barh(y, [r[1] for r in rows], height=0.7, color=WARNA_PAGU, label="Pagu")
    real = [(i, r[2]) for i, r in enumerate(rows) if r[2] is not None]
    ax_rp.barh([i for i, _ in real], [v for _, v in real], height=0.38, color=WARNA_REALISASI, label="Realisasi")
    xmaks = max([r[1] for r in rows] + [1])
    for i, r in enumerate(rows):
        ax_rp.text(r[1] + xmaks * 0.01, i, rupiah_singkat(r[1]), va="center", fontsize=8, color="#57606a")
    ax_rp.set_xlim(0, xmaks * 1.25)
    ax_rp.xaxis.set_major_locator(MaxNLocator(4))
    ax_rp.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: rupiah_singkat(x)))
    ax_rp.set_xlabel("Rupiah")
    for i, r in enumerate(rows):
        if r[3] is None:
            ax_p.text(2, i, "belum dirinci per kegiatan", va="center", fontsize=8, color=WARNA_MENUNGGU,
                      style="italic")
            continue
        v = float(r[3])
        ax_p.barh(i, max(v, 125 * STUB_NOL), height=0.6, color=WARNA_REALISASI if r[4] else "#6e9fe6")
        ax_p.text(_x_label(min(v, 100), 125), i, persen_label(r[3]), va="center", fontsize=8)
    ax_p.axvline(100, color="#24292f", linestyle="--", linewidth=1)
    ax_p.set_xlim(0, 125)
    ax_p.xaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
    ax_p.xaxis.set_major_formatter(FuncFormatter(_persen_sumbu))
    ax_p.set_xlabel("Penyerapan (%)")
    ax_rp.yaxis.set_major_locator(FixedLocator(y))
    ax_rp.set_yticklabels([singkat(r[0], 48) for r in rows], fontsize=9)
    for lbl, r in zip(ax_rp.get_yticklabels(), rows, strict=True):
        if r[4]:
            lbl.set_fontweight("bold")
    ax_rp.set_ylim(len(rows) - 0.5, -0.6)
    for ax in (ax_rp, ax_p):
        ax.grid(axis="x", color="#d0d7de", linewidth=0.6)
        ax.set_axisbelow(True)
        for sisi in ("top", "right"):
            ax.spines[sisi].set_visible(False)
    fig.legend(handles=[Patch(color=WARNA_PAGU, label="Pagu"), Patch(color=WARNA_REALISASI, label="Realisasi")],
               loc="lower center", ncol=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    sub = f"Pagu {rupiah_singkat(lap.pagu)} · realisasi {rupiah_singkat(lap.realisasi)} · penyerapan " \
          f"{format_percent(lap.penyerapan_persen)}"
    if capaian_persen is not None and rasio:
        sub += f" · capaian {format_percent(capaian_persen)} → rasio {rasio}"
    _judul(fig, f"Anggaran tahun {lap.tahun}: pagu dan realisasi", sub, tinggi)
    return fig


def anggaran(lap: LaporanAnggaran, capaian_persen: Decimal | None = None, rasio: str | None = None, *,
             pakai_cache: bool = True) -> bytes:
    """The budget chart as PNG bytes."""
    class _Kunci(BaseModel):
        lap: LaporanAnggaran
        capaian: Decimal | None
        rasio: str | None

    return _dengan_cache("anggaran", str(lap.tahun), _Kunci(lap=lap, capaian=capaian_persen, rasio=rasio),
                         lambda: gambar_anggaran(lap, capaian_persen, rasio), pakai_cache)


# --- pemutakhiran ---------------------------------------------------------------------------------------------

def gambar_pemutakhiran(lap: LaporanPemutakhiran, nama_kabkota: dict[str, str] | None = None) -> Figure:
    """A heat map: stages (rows) × kab/kota (columns), one colour per status."""
    nama_kabkota = nama_kabkota or {}
    n_kol = max(len(lap.kabkota), 1)
    banyak = n_kol > 40  # nationally (514 kab/kota) the columns become thin stripes without labels
    tinggi, atas, bawah = _tinggi(len(lap.tahapan), per_baris=0.36, kepala=1.4, kaki=0.9 if banyak else 2.2)
    lebar = LEBAR_INCI + (0 if banyak else max(0, n_kol - 12) * 0.35)
    fig = Figure(figsize=(lebar, tinggi), dpi=DPI)
    fig.subplots_adjust(left=3.9 / lebar, right=1 - 0.3 / lebar, top=atas, bottom=bawah)
    ax = fig.add_subplot()
    kode = {s: i for i, s in enumerate(URUTAN_STATUS_TAHAPAN)}
    grid = [[kode[t.status[k]] for k in lap.kabkota] for t in lap.tahapan] or [[kode["belum_mulai"]]]
    cmap = ListedColormap([WARNA_STATUS_TAHAPAN[s] for s in URUTAN_STATUS_TAHAPAN])
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(URUTAN_STATUS_TAHAPAN) - 0.5, aspect="auto",
              interpolation="nearest")
    ax.yaxis.set_major_locator(FixedLocator(list(range(len(lap.tahapan)))))
    ax.set_yticklabels([singkat(f"{t.no}. {t.tahapan}", 44) for t in lap.tahapan], fontsize=8)
    if banyak:
        ax.set_xticks([])
        ax.set_xlabel(f"{format_number(len(lap.kabkota))} kab/kota (urut kode)")
    else:
        ax.xaxis.set_major_locator(FixedLocator(list(range(len(lap.kabkota)))))
        ax.set_xticklabels([singkat(_nama_pendek(nama_kabkota.get(k, k)), 22) for k in lap.kabkota], fontsize=8,
                           rotation=45, ha="right")
        ax.set_xticks([x + 0.5 for x in range(len(lap.kabkota) - 1)], minor=True)
        ax.set_yticks([y + 0.5 for y in range(len(lap.tahapan) - 1)], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.2)
        ax.tick_params(which="minor", length=0)
    for sisi in ax.spines.values():
        sisi.set_visible(False)
    fig.legend(handles=[Patch(color=WARNA_STATUS_TAHAPAN[s], label=LABEL_STATUS[s]) for s in URUTAN_STATUS_TAHAPAN],
               loc="lower center", ncol=5, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    sub = (f"per {format_date(lap.hari_ini)} · selesai tepat waktu {format_number(lap.tepat_waktu)} dari "
           f"{format_number(lap.jumlah)} (tahapan × kab/kota)")
    _judul(fig, f"Tahapan pemutakhiran data pemilih {lap.tahun}", sub, tinggi)
    return fig


def _nama_pendek(nama: str) -> str:
    for awalan in ("KPU Kabupaten ", "KPU Kota ", "Kabupaten ", "Kota "):
        if nama.startswith(awalan):
            return ("Kota " if "Kota" in awalan else "") + nama.removeprefix(awalan)
    return nama


def pemutakhiran(lap: LaporanPemutakhiran, nama_kabkota: dict[str, str] | None = None, *, lingkup: str = "",
                 pakai_cache: bool = True) -> bytes:
    """The stage heat map as PNG bytes."""
    return _dengan_cache("pemutakhiran", lingkup, lap, lambda: gambar_pemutakhiran(lap, nama_kabkota), pakai_cache)


# --- a plain bar chart (used by the benchmark and by reports without a chart of their own) -------------------

def gambar_batang(judul: str, label: Sequence[str], nilai: Sequence[float], *, sub: str | None = None,
                  persen: bool = True, garis: float | None = 100.0) -> Figure:
    """Horizontal bars, one per label, with values written beside them."""
    tinggi, atas, bawah = _tinggi(len(label), per_baris=0.3, kaki=0.8)
    fig = Figure(figsize=(LEBAR_INCI, tinggi), dpi=DPI)
    fig.subplots_adjust(left=0.32, right=0.93, top=atas, bottom=bawah)
    ax = fig.add_subplot()
    ax.barh(range(len(nilai)), nilai, height=0.65, color=WARNA_REALISASI)
    xmaks = max([*nilai, garis or 0, 1.0]) * 1.12
    for i, v in enumerate(nilai):
        ax.text(v + xmaks * 0.01, i, _persen_sumbu(v) if persen else format_number(Decimal(str(float(v))), 0),
                va="center", fontsize=7)
    if garis is not None:
        ax.axvline(garis, color="#24292f", linestyle="--", linewidth=1)
    ax.set_xlim(0, xmaks)
    ax.set_ylim(len(label) - 0.5, -0.5)
    ax.yaxis.set_major_locator(FixedLocator(list(range(len(label)))))
    ax.set_yticklabels([singkat(s, 40) for s in label], fontsize=7)
    if persen:
        ax.xaxis.set_major_formatter(FuncFormatter(_persen_sumbu))
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    _judul(fig, judul, sub, tinggi)
    return fig


def batang(judul: str, label: Sequence[str], nilai: Sequence[float], **kw: Any) -> bytes:
    """A plain bar chart as PNG bytes (not cached)."""
    with _KUNCI_RENDER:
        return _png(gambar_batang(judul, label, nilai, **kw))
