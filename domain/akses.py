"""Who may do what: the one table of commands and buttons per role, and data scope rules."""

from __future__ import annotations

from dataclasses import dataclass

from domain.entitas import PERAN

SEMUA = frozenset(PERAN)
PIMPINAN_KE_ATAS = frozenset({"admin", "pimpinan"})
PELAPOR = frozenset({"admin", "pimpinan", "operator"})


@dataclass(frozen=True)
class Perintah:
    """A bot command: who may run it and how it is described in the menu."""

    nama: str
    peran: frozenset[str]
    keterangan: str
    di_menu: bool = True


OPERATOR = frozenset({"operator"})
ADMIN = frozenset({"admin"})

# The order is the order of the menu. A command appears in a menu only when the bot has a handler for it.
PERINTAH: tuple[Perintah, ...] = (
    Perintah("start", SEMUA, "Mulai / menu utama"),
    Perintah("tiba", frozenset({"petugas"}), "Laporkan logistik yang tiba di TPS"),
    Perintah("realisasi", OPERATOR, "Laporkan realisasi indikator kinerja"),
    Perintah("anggaran_lapor", OPERATOR, "Laporkan realisasi anggaran"),
    Perintah("rencana", OPERATOR, "Perbarui kemajuan rencana aksi"),
    Perintah("tahapan", OPERATOR, "Tandai tahapan pemutakhiran selesai"),
    Perintah("gudang", OPERATOR, "Logistik di gudang: penerimaan dan pengiriman"),
    Perintah("verifikasi", PELAPOR, "Laporan yang menunggu verifikasi Anda (kepala unit)"),
    Perintah("eskalasi", PELAPOR, "Masalah logistik terbuka: tandai ditangani"),
    Perintah("capaian", PELAPOR, "Capaian kinerja: target, realisasi, capaian"),
    Perintah("logistik", PELAPOR, "Ketibaan logistik di TPS"),
    Perintah("anggaran", PELAPOR, "Pagu, realisasi dan penyerapan anggaran"),
    Perintah("pemutakhiran", PELAPOR, "Status tahapan pemutakhiran data pemilih"),
    Perintah("jadwal", SEMUA, "Tenggat 14 hari ke depan dan yang terlambat"),
    Perintah("pengingat", SEMUA, "Pengingat Anda yang akan datang"),
    Perintah("ekspor", ADMIN, "Unduh data (Excel/CSV)"),
    Perintah("siaran", ADMIN, "Kirim pengumuman ke peran/unit tertentu"),
    Perintah("undang", ADMIN, "Buat kode undangan: /undang <peran> <unit> [kode TPS…]"),
    # an operator only when they head a unit (storage.web.akses_web): their web is the verification inbox
    Perintah("web", PELAPOR, "Tautan masuk ke web admin (admin, pimpinan, kepala unit)"),
    Perintah("profil", SEMUA, "Data akun dan cakupan Anda"),
    Perintah("help", SEMUA, "Bantuan: perintah yang bisa Anda pakai"),
    Perintah("bantuan", SEMUA, "Bantuan", di_menu=False),
    Perintah("batal", SEMUA, "Batalkan proses yang sedang berjalan"),
)
_BY_NAME = {p.nama: p for p in PERINTAH}

# Inline-button prefixes (callback data "<prefix>:<args>") and who may press them; None stands for an
# account that is not registered (the access request). Handlers check finer scope (which TPS, which unit).
TOMBOL: dict[str, frozenset[str | None]] = {
    "minta": frozenset({None}),
    "putus": ADMIN,
    "tb": frozenset({"petugas"}),  # arrival report at a TPS
    "es": PELAPOR,  # escalation handled
    "gd": OPERATOR,  # warehouse pipeline
    "lg": PELAPOR,  # /logistik drill-down
    "rl": OPERATOR,  # realisasi report
    "vf": PIMPINAN_KE_ATAS | OPERATOR,  # verification by the unit head
    "al": OPERATOR,  # budget spending report
    "ra": OPERATOR,  # rencana aksi progress
    "th": OPERATOR,  # voter-list stages
    "cp": PELAPOR,  # /capaian buttons
    "ag": PELAPOR,  # /anggaran buttons
    "pm": PELAPOR,  # /pemutakhiran buttons
    "ek": ADMIN,  # exports
    "lj": ADMIN,  # the LKjIP draft from /capaian
    "pg": SEMUA,  # reminders: snooze, open the flow
    "sr": ADMIN,  # broadcast
    "mn": SEMUA,  # the /start and /help menu: "mn:<command>", each allowed as its command is (boleh_tombol_data)
}
MENU = "mn"

# The main actions offered as buttons under /start and /help, by role, in the keyboard's order. A head (a user who
# verifies their unit's reports) gets /verifikasi first; a KPU kab/kota's operator runs its logistics.
UTAMA: dict[str, tuple[str, ...]] = {
    "admin": ("capaian", "logistik", "anggaran", "ekspor", "siaran"),
    "pimpinan": ("capaian", "logistik", "anggaran"),
    "operator": ("realisasi", "anggaran_lapor", "rencana", "tahapan"),
    "petugas": ("tiba", "jadwal"),
}
UTAMA_KABKOTA: tuple[str, ...] = ("gudang", "eskalasi", "logistik", "tahapan")
UTAMA_KEPALA: tuple[str, ...] = ("verifikasi",)
PERINTAH_MENU = frozenset({*UTAMA_KEPALA, *UTAMA_KABKOTA, *(c for cs in UTAMA.values() for c in cs)})


def perintah_dikenal(nama: str) -> bool:
    """Whether the bot has this command."""
    return nama in _BY_NAME


def boleh_perintah(peran: str | None, nama: str) -> bool:
    """Whether an active user of this role may run the command (unregistered users: only /start and /help)."""
    p = _BY_NAME.get(nama)
    if p is None:
        return True  # unknown commands fall through to the "perintah tidak dikenal" reply
    if peran is None:
        return nama in ("start", "help", "bantuan", "batal")
    return peran in p.peran


def boleh_tombol(peran: str | None, prefix: str) -> bool | None:
    """Whether the role may press buttons with this prefix; None when the prefix is unknown (stale or forged)."""
    allowed = TOMBOL.get(prefix)
    if allowed is None:
        return None
    return peran in allowed


def boleh_tombol_data(peran: str | None, data: str | None) -> bool | None:
    """Whether the role may press a button with this callback data; None when it is unknown (stale or forged).

    A menu button ("mn:<command>") is allowed exactly when its command is."""
    prefix, _, sisa = (data or "").partition(":")
    allowed = boleh_tombol(peran, prefix)
    if prefix != MENU or allowed is None:
        return allowed
    if sisa not in PERINTAH_MENU:
        return None
    return allowed and boleh_perintah(peran, sisa)


def utama(peran: str | None, *, kepala: bool = False, kabkota: bool = False,
          tersedia: frozenset[str] | None = None) -> list[str]:
    """The commands offered as buttons under /start and /help, among those the role may run and the bot has."""
    if peran is None:
        return []
    daftar = [*(UTAMA_KEPALA if kepala else ()),
              *(UTAMA_KABKOTA if peran == "operator" and kabkota else UTAMA.get(peran, ()))]
    return [c for c in dict.fromkeys(daftar) if boleh_perintah(peran, c) and (tersedia is None or c in tersedia)]


def menu(peran: str | None, tersedia: frozenset[str] | None = None) -> list[Perintah]:
    """The commands shown in Telegram's menu for a role (None: not registered), among those the bot has."""
    return [p for p in PERINTAH if p.di_menu and boleh_perintah(peran, p.nama)
            and (tersedia is None or p.nama in tersedia)]
