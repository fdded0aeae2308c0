"""Compare the LKjIP draft with the published report, table by table: the source's figures (the seed CSVs, with
the figures the report prints where it contradicts itself, `lkjip_2024_terbit.csv`) beside the document's.

`python -m reports.bandingkan_lkjip [--docx FILE]` (or `scripts/bandingkan_lkjip`): without a file it drafts the
2024 report from a fresh demo database. Exit code 1 when any figure differs.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import docx
from docx.document import Document as DocumentObject
from docx.table import Table

from storage import demo

Baris = list[str]
Kunci = Callable[[Baris], bool]
HARI_PENYUSUNAN = date(2025, 1, 15)


@dataclass
class Banding:
    """One figure: where, what the source prints, what the document prints."""

    label: str
    sumber: str
    dokumen: str
    sama: bool
    catatan_kaki: bool


@dataclass
class HasilTabel:
    """The figures of one table."""

    nomor: str
    baris: list[Banding] = field(default_factory=list)

    @property
    def cocok(self) -> int:
        """How many figures equal the source's."""
        return sum(1 for b in self.baris if b.sama)


def _angka_id(teks: str) -> Decimal | None:
    """An Indonesian number as printed in the document ("Rp9.199.703.967", "99,96 %", "1.006")."""
    t = teks.replace("Rp", "").replace("%", "").replace(" ", "").replace(".", "").replace(",", ".")
    try:
        return Decimal(t) if t and re.fullmatch(r"-?\d+(\.\d+)?", t) else None
    except InvalidOperation:
        return None


def _angka_csv(teks: str) -> Decimal | None:
    """A plain number as the seed CSVs write it ("9203578000", "99.91", "90")."""
    return Decimal(teks) if re.fullmatch(r"-?\d+(\.\d+)?", teks.strip()) else None


def sama(sumber: str, dokumen: str) -> bool:
    """Equal as numbers when both are numbers, else as text (case and spacing ignored)."""
    a, b = _angka_csv(sumber), _angka_id(dokumen)
    if a is not None and b is not None:
        return a == b
    return " ".join(sumber.split()).upper() == " ".join(dokumen.split()).upper()


def _teks_sel(cell: object) -> tuple[str, bool]:
    """A cell's text without its footnote marks, and whether it has one."""
    runs = [r for p in cell.paragraphs for r in p.runs]  # type: ignore[attr-defined]
    return "".join(r.text for r in runs if not r.font.superscript), any(r.font.superscript for r in runs)


def tabel_dokumen(doc: DocumentObject, nomor: str) -> list[list[tuple[str, bool]]]:
    """The rows of the table captioned "Tabel <nomor> …" (empty when there is none)."""
    ketemu = False
    for el in doc.element.body.iterchildren():
        if el.tag.endswith("}p"):
            teks = "".join(t.text or "" for t in el.iter() if t.tag.endswith("}t"))
            ketemu = teks.startswith(f"Tabel {nomor} ")
        elif ketemu and el.tag.endswith("}tbl"):
            return [[_teks_sel(c) for c in r.cells] for r in Table(el, doc).rows]
    return []


class _Pembanding:
    def __init__(self, doc: DocumentObject) -> None:
        self.doc = doc
        self.hasil: list[HasilTabel] = []
        terbit = demo.read_csv(demo.BKL / "lkjip_2024_terbit.csv")
        self.terbit = {(r["tabel"], r["baris"], r["kolom"]): r["nilai"] for r in terbit}

    def tabel(self, nomor: str) -> tuple[HasilTabel, list[list[tuple[str, bool]]]]:
        h = HasilTabel(nomor)
        self.hasil.append(h)
        return h, tabel_dokumen(self.doc, nomor)

    def cek(self, h: HasilTabel, rows: list[list[tuple[str, bool]]], label: str, kunci: Kunci, kolom: int,
            sumber: str, terbit: tuple[str, str, str] | None = None) -> None:
        """Compare one figure; the published figure stands in for the CSV's where the report prints another."""
        if terbit is not None:
            sumber = self.terbit.get(terbit, sumber)
        row = next((r for r in rows if kunci([t for t, _ in r])), None)
        if row is None or kolom >= len(row):
            h.baris.append(Banding(label, sumber, "(tidak ada)", False, False))
            return
        teks, fn = row[kolom]
        h.baris.append(Banding(label, sumber, teks, sama(sumber, teks), fn))


def _awal(i: int, awalan: str) -> Kunci:
    return lambda r: len(r) > i and r[i].startswith(awalan)


def _sama(i: int, nilai: str) -> Kunci:
    return lambda r: len(r) > i and r[i].strip() == nilai.strip()


def _kabkota(i: int, nama: str) -> Kunci:
    """A kab/kota row: "KPU Kabupaten Lebong" is Lebong, not Rejang Lebong."""
    return lambda r: len(r) > i and r[i].removeprefix("KPU ").removeprefix("Kabupaten ") == nama


def _program(tahun: str, kode: str) -> Kunci:
    return lambda r: len(r) > 1 and r[0] == tahun and r[1].startswith(f"{kode}. ")


def bandingkan(isi_docx: bytes) -> list[HasilTabel]:
    """Every figure the source prints in the tables Pantau drafts, beside the document's."""
    doc = docx.Document(io.BytesIO(isi_docx))
    pb = _Pembanding(doc)
    iku = demo.read_csv(demo.BKL / "indikator_sekretariat.csv")
    h, rows = pb.tabel("2.1")
    for r in iku:
        for i, y in enumerate(range(2020, 2025)):
            pb.cek(h, rows, f"{r['kode']} target {y}", _sama(1, r["indikator"]), 2 + i, r[f"target_{y}"])
    h, rows = pb.tabel("2.2")
    for r in iku:
        pb.cek(h, rows, f"{r['kode']} target PK", _sama(0, r["indikator"]), 1, r["target_pk_2024"])
    program = [r for r in demo.read_csv(demo.BKL / "anggaran_program.csv")]
    h, rows = pb.tabel("2.3")
    for r in (p for p in program if p["tahun"] == "2024"):
        pb.cek(h, rows, f"{r['kode']} pagu", _awal(1, f"{r['kode']}. "), 2, r["pagu"])
        pb.cek(h, rows, f"{r['kode']} realisasi", _awal(1, f"{r['kode']}. "), 3, r["realisasi"])
    h, rows = pb.tabel("2.4")
    for r in demo.read_csv(demo.BKL / "anggaran_kegiatan_2024.csv"):
        pb.cek(h, rows, f"kegiatan {r['kode']}", _awal(0, f"{r['kode']} "), 1, r["pagu"])
    h, rows = pb.tabel("3.1")
    for r in demo.read_csv(demo.BKL / "skala_kinerja.csv"):
        pb.cek(h, rows, f"kategori {r['kategori']}", _sama(1, r["kategori"]), 2, r["interpretasi"])
    h, rows = pb.tabel("3.2")
    for r in iku:
        k = _sama(2, r["indikator"])
        pb.cek(h, rows, f"{r['kode']} target", k, 3, r["target_pk_2024"], ("3.2", r["kode"], "target"))
        pb.cek(h, rows, f"{r['kode']} realisasi", k, 4, r["realisasi_2024"], ("3.2", r["kode"], "realisasi"))
    h, rows = pb.tabel("3.3")
    kepala = [t for t, _ in rows[0]] if rows else []
    for r in iku:
        for y in range(2021, 2025):
            if f"Target {y}" not in kepala:
                continue
            c = kepala.index(f"Target {y}")
            target = r["target_pk_2024"] if y == 2024 else r[f"target_{y}"]
            k = _awal(1, f"{r['kode']} ")
            pb.cek(h, rows, f"{r['kode']} target {y}", k, c, target, ("3.3", r["kode"], f"target_{y}"))
            pb.cek(h, rows, f"{r['kode']} realisasi {y}", k, c + 1, r[f"realisasi_{y}"],
                   ("3.3", r["kode"], f"realisasi_{y}"))
    h, rows = pb.tabel("3.4")
    for r in iku:
        k = _awal(1, f"{r['kode']} ")
        pb.cek(h, rows, f"{r['kode']} target", k, 2, r["target_pk_2024"], ("3.4", r["kode"], "target"))
        pb.cek(h, rows, f"{r['kode']} realisasi", k, 3, r["realisasi_2024"], ("3.4", r["kode"], "realisasi"))
        if ("3.4", r["kode"], "capaian_renstra") in pb.terbit:
            pb.cek(h, rows, f"{r['kode']} capaian thd. Renstra", k, 6, "", ("3.4", r["kode"], "capaian_renstra"))
    h, rows = pb.tabel("3.9")
    for r in demo.read_csv(demo.BKL / "keputusan_2024.csv"):
        pb.cek(h, rows, f"keputusan {r['nomor']}", _sama(0, r["nomor"]), 2, r["status"])
    tps = demo.read_csv(demo.BKL / "tps_kabkota.csv")
    h, rows = pb.tabel("3.10")
    for r in tps:
        pb.cek(h, rows, f"{r['kabkota']} TPS", _kabkota(1, r["kabkota"]), 2, r["jumlah_tps"])
        pb.cek(h, rows, f"{r['kabkota']} TPS sulit", _kabkota(1, r["kabkota"]), 3, r["tps_sulit"])
    pb.cek(h, rows, "jumlah TPS", _sama(1, "Jumlah"), 2, str(sum(int(r["jumlah_tps"]) for r in tps)))
    pb.cek(h, rows, "jumlah TPS sulit", _sama(1, "Jumlah"), 3, str(sum(int(r["tps_sulit"]) for r in tps)))
    h, rows = pb.tabel("3.13")
    for r in demo.read_csv(demo.BKL / "pengiriman_penyedia_2024.csv"):
        pb.cek(h, rows, f"{r['jenis_logistik']} kemasan", _sama(1, r["jenis_logistik"]), 2,
               r["jumlah_kemasan"] or "–")
    h, rows = pb.tabel("3.15")
    for r in tps:
        k = _kabkota(1, r["kabkota"])
        pb.cek(h, rows, f"{r['kabkota']} TPS", k, 2, r["jumlah_tps"], ("3.15", r["unit_code"], "tps"))
        pb.cek(h, rows, f"{r['kabkota']} kotak", k, 3, r["kotak_suara_berisi_logistik"])
        pb.cek(h, rows, f"{r['kabkota']} kantong", k, 4, r["kantong_plastik_berisi_logistik"])
    h, rows = pb.tabel("3.16")
    for r in demo.read_csv(demo.BKL / "moda_transportasi_2024.csv"):
        for i, kol in enumerate(("ke_ppk", "ke_pps", "ke_tps")):
            if r[kol]:
                pb.cek(h, rows, f"{r['moda']} {kol}", _sama(1, r["moda"]), 2 + i, r[kol])
    h, rows = pb.tabel("3.17")
    for r in program:
        kp = _program(r["tahun"], r["kode"])
        pb.cek(h, rows, f"{r['tahun']} {r['kode']} pagu", kp, 2, r["pagu"])
        pb.cek(h, rows, f"{r['tahun']} {r['kode']} realisasi", kp, 3, r["realisasi"],
               ("3.17", r["kode"], f"realisasi_{r['tahun']}"))
        if ("3.17", r["kode"], f"persen_{r['tahun']}") in pb.terbit:
            pb.cek(h, rows, f"{r['tahun']} {r['kode']} %", kp, 4, "", ("3.17", r["kode"], f"persen_{r['tahun']}"))
    h, rows = pb.tabel("3.18")
    for r in demo.read_csv(demo.BKL / "realisasi_output_2024.csv"):
        pb.cek(h, rows, r["output"][:40], _sama(2, r["output"]), 3, r["realisasi_persen"])
    return pb.hasil


def laporan(hasil: list[HasilTabel]) -> str:
    """The comparison as text, table by table, with the totals."""
    out: list[str] = []
    for h in hasil:
        out.append(f"Tabel {h.nomor}: {h.cocok} dari {len(h.baris)} sama")
        for b in h.baris:
            tanda = "=" if b.sama else "≠"
            tambahan = " (dicetak seperti laporan terbit; catatan kaki)" if b.catatan_kaki else ""
            out.append(f"  {tanda} {b.label:<48} sumber {b.sumber:<16} dokumen {b.dokumen}{tambahan}")
    semua = sum(len(h.baris) for h in hasil)
    cocok = sum(h.cocok for h in hasil)
    kaki = sum(1 for h in hasil for b in h.baris if b.catatan_kaki)
    out.append(f"Jumlah: {cocok} dari {semua} angka sama dengan laporan terbit; {kaki} di antaranya dicetak seperti "
               "laporan terbit dengan catatan kaki yang menyebut angka lain.")
    return "\n".join(out)


async def _draf_demo(hari: date) -> bytes:
    from reports import lkjip, lkjip_docx
    from storage.db import create_engine, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        try:
            await upgrade(engine)
            await demo.load(engine, today=hari)
            async with engine.connect() as conn:
                data = await lkjip.build(conn, 2024, today=hari)
        finally:
            await engine.dispose()
    return await asyncio.to_thread(lkjip_docx.render, data)


def main(argv: list[str] | None = None) -> int:
    """Print the comparison; exit 1 when a figure differs."""
    ap = argparse.ArgumentParser(description="Bandingkan draf LKjIP dengan angka laporan terbit (data seed).")
    ap.add_argument("--docx", help="berkas draf (bawaan: susun draf 2024 dari basis data demo baru)")
    a = ap.parse_args(argv)
    isi = Path(a.docx).read_bytes() if a.docx else asyncio.run(_draf_demo(HARI_PENYUSUNAN))
    hasil = bandingkan(isi)
    print(laporan(hasil))
    return 0 if all(b.sama for h in hasil for b in h.baris) else 1


if __name__ == "__main__":
    sys.exit(main())
