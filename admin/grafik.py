"""Dashboard charts as PNG, drawn from the same report models the bot uses (matplotlib, Agg, no pyplot).

Kept in admin/ until the shared chart renderers of reports/ exist; the figures come from the same builders.
"""

from __future__ import annotations

import io
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

from domain.angka import format_number
from domain.pemutakhiran import LABEL_STATUS
from reports.anggaran import LaporanAnggaran
from reports.capaian import LaporanCapaian
from reports.logistik import LaporanLogistik
from reports.pemutakhiran import LaporanPemutakhiran

BIRU, HIJAU, MERAH, KUNING, ABU = "#1f5aa6", "#2e8b57", "#c0392b", "#e0a800", "#b0b7c3"


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _persen(v: Decimal | float | None) -> str:
    return "–" if v is None else f"{float(v):.2f}".replace(".", ",") + " %"


def capaian(lap: LaporanCapaian) -> bytes:
    """Capaian per indicator as horizontal bars; pending indicators are shown as such, not as zero."""
    rows = lap.indikator[:20]
    fig = Figure(figsize=(8, 0.45 * max(len(rows), 1) + 1.2))
    ax = fig.add_axes((0.14, 0.12, 0.78, 0.76))
    labels = [r.kode for r in rows]
    values = [float(r.capaian_persen or 0) for r in rows]
    colors = [ABU if r.capaian_persen is None else (HIJAU if r.status == "tercapai" else MERAH) for r in rows]
    ax.barh(labels, values, color=colors)
    ax.invert_yaxis()
    ax.set_xlim(0, max([110.0, *(v * 1.1 for v in values)]))
    for i, r in enumerate(rows):
        ax.text(values[i] + 1, i, "menunggu" if r.capaian_persen is None else _persen(r.capaian_persen),
                va="center", fontsize=8)
    ax.axvline(100, color="#555", linewidth=0.8, linestyle="--")
    ax.set_title(f"Capaian kinerja {lap.tahun}" + (f" — {lap.unit}" if lap.unit else ""), fontsize=11)
    ax.set_xlabel("capaian (%)")
    return _png(fig)


def anggaran(lap: LaporanAnggaran) -> bytes:
    """Pagu against realisasi per program, in billions of Rupiah."""
    rows = lap.program
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_axes((0.1, 0.15, 0.85, 0.7))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r.pagu / 1e9 for r in rows], width=0.4, color=ABU, label="pagu")
    ax.bar([i + 0.2 for i in x], [(r.realisasi or 0) / 1e9 for r in rows], width=0.4, color=BIRU, label="realisasi")
    for i, r in enumerate(rows):
        ax.text(i + 0.2, (r.realisasi or 0) / 1e9, _persen(r.penyerapan_persen), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(x), [r.kode for r in rows])
    ax.set_ylabel("miliar Rupiah")
    ax.legend(fontsize=8)
    ax.set_title(f"Anggaran {lap.tahun}: penyerapan {_persen(lap.penyerapan_persen)}", fontsize=11)
    return _png(fig)


def judul_logistik(lap: LaporanLogistik) -> str:
    """The title of the logistics chart."""
    return f"Ketibaan logistik di TPS: {format_number(lap.tiba)} dari {format_number(lap.total_tps)}"


def logistik(lap: LaporanLogistik) -> bytes:
    """TPS with logistics arrived, per row of the report (kab/kota, or province), as stacked bars."""
    rows = lap.wilayah
    fig = Figure(figsize=(8, 0.4 * max(len(rows), 1) + 1.2))
    ax = fig.add_axes((0.3, 0.12, 0.65, 0.76))
    names = [r.nama.replace("KPU ", "").replace("Kabupaten ", "Kab. ") for r in rows]
    ax.barh(names, [r.tiba for r in rows], color=HIJAU, label="sudah tiba")
    ax.barh(names, [r.tps - r.tiba for r in rows], left=[r.tiba for r in rows], color=ABU, label="belum")
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="lower right")
    ax.set_xlabel("TPS")
    ax.set_title(judul_logistik(lap), fontsize=11)
    return _png(fig)


def pemutakhiran(lap: LaporanPemutakhiran) -> bytes:
    """Per stage, how many kab/kota are on time, late, running, not started or overdue."""
    order = ("tepat_waktu", "terlambat", "berjalan", "belum_mulai", "lewat_batas")
    colors = {"tepat_waktu": HIJAU, "terlambat": KUNING, "berjalan": BIRU, "belum_mulai": ABU, "lewat_batas": MERAH}
    rows = lap.tahapan
    fig = Figure(figsize=(8, 0.3 * max(len(rows), 1) + 1.4))
    ax = fig.add_axes((0.08, 0.1, 0.62, 0.8))
    left = [0] * len(rows)
    for st in order:
        vals = [list(r.status.values()).count(st) for r in rows]
        ax.barh([str(r.no) for r in rows], vals, left=left, color=colors[st], label=LABEL_STATUS.get(st, st))
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("kab/kota")
    ax.set_ylabel("tahapan")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(f"Tahapan pemutakhiran {lap.tahun}", fontsize=11)
    return _png(fig)


# The shared renderers (reports/grafik.py, reports/grafik_logistik.py) are used when they are there, so the
# dashboard and the bot draw the same charts; the ones above stand in until then.
try:
    from reports import grafik as _bersama
except Exception:  # a missing or broken shared module must not take the dashboard down
    _bersama = None  # type: ignore[assignment]
try:
    from reports import grafik_logistik as _logistik_bersama
except Exception:  # the same: the stand-in above draws the chart
    _logistik_bersama = None  # type: ignore[assignment]


def png(nama: str, lap: object, lingkup: str = "", per: str | None = None) -> bytes:
    """The PNG of one dashboard chart (capaian, anggaran, pemutakhiran, logistik) for a report model; `per` names
    the moment the logistics counts are from, as the bot's chart does."""
    if _bersama is not None:
        if isinstance(lap, LaporanCapaian):
            return _bersama.capaian(lap, lingkup=lingkup)
        if isinstance(lap, LaporanAnggaran):
            return _bersama.anggaran(lap)
        if isinstance(lap, LaporanPemutakhiran):
            return _bersama.pemutakhiran(lap, lingkup=lingkup)
    if isinstance(lap, LaporanCapaian):
        return capaian(lap)
    if isinstance(lap, LaporanAnggaran):
        return anggaran(lap)
    if isinstance(lap, LaporanPemutakhiran):
        return pemutakhiran(lap)
    if isinstance(lap, LaporanLogistik):
        if _logistik_bersama is not None:
            return _logistik_bersama.render_png(judul_logistik(lap),
                                                [(k.nama, k.tps, k.tiba, k.tepat) for k in lap.wilayah], per)
        return logistik(lap)
    raise TypeError(f"grafik {nama} tidak dikenal")
