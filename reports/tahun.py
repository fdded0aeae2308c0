"""A budget year's life in one place for the CLI and the web: open it, see its readiness checklist, close it
(storing the final values every report of the year then reads), reopen it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.angka import format_number
from domain.kinerja import DitolakError
from domain.tanggal import format_date
from reports import capaian
from storage import anggaran, libur, tenggat
from storage import tahun as tahun_anggaran


class BarisKesiapan(BaseModel):
    """One line of the checklist: done or not, the count, and what to do next."""

    kode: str
    judul: str
    ok: bool
    jumlah: str
    langkah: str | None = None
    rincian: list[str] = []


class Kesiapan(BaseModel):
    """The readiness checklist of a year."""

    tahun: int
    status: str  # belum_dibuka, dibuka, ditutup
    dari_tahun: int | None
    ditutup: str | None = None  # when and by whom, for a closed year
    baris: list[BarisKesiapan]

    @property
    def siap(self) -> bool:
        """Every line is done."""
        return all(b.ok for b in self.baris)


async def status(conn: AsyncConnection, tahun: int) -> Kesiapan:
    """The readiness checklist of a year (the same for `pantau tahun status` and the web page)."""
    y = await tahun_anggaran.get(conn, tahun)
    h = await tahun_anggaran.hitung_kesiapan(conn, tahun)
    n = format_number
    baris: list[BarisKesiapan] = []
    belum_pk = sorted(set(h.unit_pk_lalu) - {p.unit for p in h.pk})
    ind = sum(p.indikator for p in h.pk)
    konf = sum(p.dikonfirmasi for p in h.pk)
    draf = [p.unit for p in h.pk if p.indikator > p.dikonfirmasi]
    baris.append(BarisKesiapan(
        kode="pk", judul="Perjanjian Kinerja dan target per unit", ok=bool(h.pk) and not belum_pk and not draf,
        jumlah=f"{n(len(h.pk))} unit ber-PK, {n(konf)} dari {n(ind)} target dikonfirmasi",
        langkah=None if h.pk and not belum_pk and not draf else
        ("buka tahun ini dari tahun sebelumnya (pantau tahun buka) atau " if not h.pk else "")
        + "impor PK yang sudah ditandatangani di /impor (jenis Perjanjian kinerja); targetnya menggantikan draf",
        rincian=[f"{p.unit}: {n(p.dikonfirmasi)} dari {n(p.indikator)} target dikonfirmasi"
                 + (" (draf dari tahun lalu)" if p.draf else "") for p in h.pk]
        + [f"{u}: belum ada PK (tahun lalu ada)" for u in belum_pk]))
    baris.append(BarisKesiapan(
        kode="target", judul="Target indikator strategis", ok=h.target > 0 and not h.target_perlu_konfirmasi,
        jumlah=f"{n(h.target)} target, {n(h.target_perlu_konfirmasi)} perlu dikonfirmasi",
        langkah=None if h.target and not h.target_perlu_konfirmasi else
        "impor target tahun ini di /impor (jenis Target indikator, sumber pk)"))
    rev = (f"; {'DIPA awal' if h.revisi[0] == 0 else f'revisi {h.revisi[1]} ke-{h.revisi[0]}'} "
           f"{format_date(h.revisi[2])}") if h.revisi else ""
    baris.append(BarisKesiapan(
        kode="anggaran", judul="Mata anggaran (DIPA/POK)", ok=h.mata_anggaran > 0,
        jumlah=f"{n(h.mata_anggaran)} mata anggaran{rev}",
        langkah=None if h.mata_anggaran else "impor DIPA/POK di /impor (jenis Mata anggaran)"))
    baris.append(BarisKesiapan(
        kode="rencana_aksi", judul="Rencana aksi", ok=h.rencana_aksi > 0, jumlah=f"{n(h.rencana_aksi)} kegiatan",
        langkah=None if h.rencana_aksi else "impor rencana aksi di /impor (jenis Rencana aksi)"))
    baris.append(BarisKesiapan(
        kode="periode", judul="Periode pelaporan realisasi", ok=h.periode_pelaporan > 0,
        jumlah=f"{n(h.periode_pelaporan)} tenggat pelaporan",
        langkah=None if h.periode_pelaporan else
        "tenggat pelaporan dibuat dari PK; lengkapi PK lalu jalankan pantau reminders sync"))
    baris.append(BarisKesiapan(
        kode="tahapan", judul="Jadwal tahapan pemutakhiran data pemilih", ok=h.tahapan > 0,
        jumlah=f"{n(h.tahapan)} tahapan",
        langkah=None if h.tahapan else "impor jadwal tahapan pemutakhiran (rekapitulasi berkala) di /impor"))
    baris.append(BarisKesiapan(
        kode="tenggat", judul="Tenggat dan pengingat", ok=h.tenggat > 0, jumlah=f"{n(h.tenggat)} tenggat",
        langkah=None if h.tenggat else "impor tenggat di /impor atau jalankan pantau reminders sync"))
    baris.append(BarisKesiapan(
        kode="pengguna", judul="Operator per unit ber-PK", ok=bool(h.pk) and not h.unit_tanpa_operator,
        jumlah=f"{n(len(h.pk) - len(h.unit_tanpa_operator))} dari {n(len(h.pk))} unit punya operator aktif",
        langkah=None if h.pk and not h.unit_tanpa_operator else
        "buat undangan operator untuk unit yang belum punya (pantau invite create --role operator --unit KODE)",
        rincian=[f"{u}: belum ada operator aktif" for u in h.unit_tanpa_operator]))
    ditutup = None
    if y is not None and y.status == tahun_anggaran.DITUTUP and y.ditutup_pada:
        ditutup = f"{format_date(y.ditutup_pada.date())} oleh {y.ditutup_oleh}"
    return Kesiapan(tahun=tahun, status=y.status if y else "belum_dibuka", dari_tahun=y.dari_tahun if y else None,
                    ditutup=ditutup, baris=baris)


def teks(k: Kesiapan) -> str:
    """The checklist as plain text: one ✓/✗ line per item with its count and next step."""
    keadaan = {"belum_dibuka": "belum dibuka", "dibuka": "dibuka", "ditutup": "ditutup"}[k.status]
    out = [f"Tahun anggaran {k.tahun}: {keadaan}" + (f" ({k.ditutup})" if k.ditutup else "")
           + (f", disalin dari {k.dari_tahun}" if k.dari_tahun else "")]
    for b in k.baris:
        out.append(f"{'✓' if b.ok else '✗'} {b.judul}: {b.jumlah}")
        out += [f"    {r}" for r in b.rincian]
        if b.langkah:
            out.append(f"    → {b.langkah}")
    return "\n".join(out)


# Opening a year fills its holidays (in the same transaction) before its deadlines are generated below.
tahun_anggaran.saat_dibuka(libur.saat_tahun_dibuka)


async def buka(conn: AsyncConnection, tahun: int, *, dari: int | None, actor: str, actor_id: int | None,
               now: datetime, zona: str = "Asia/Jakarta") -> tahun_anggaran.HasilBuka:
    """Open a year from the year before and bring its generated deadlines in line (reporting periods)."""
    hasil = await tahun_anggaran.buka(conn, tahun, dari=dari, actor=actor, actor_id=actor_id, now=now)
    if not hasil.sudah_ada:
        await tenggat.sinkronkan(conn, zona=zona, now=now)
    return hasil


async def tutup(conn: AsyncConnection, tahun: int, *, today: date, actor: str, actor_id: int | None,
                now: datetime) -> dict[str, Any]:
    """Close a year (once it is over): compute the automatic indicators as of today, read the budget lines, store
    them as final."""
    if today.year <= tahun:
        raise DitolakError(f"Tahun anggaran {tahun} belum berakhir; tutup setelah LKjIP-nya terbit.")
    otomatis = await capaian.automatic_inputs(conn, tahun, today)
    lines = await anggaran.lines(conn, tahun)
    return await tahun_anggaran.tutup(conn, tahun, otomatis=otomatis, anggaran=lines, actor=actor,
                                      actor_id=actor_id, now=now)
