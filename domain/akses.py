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


# The order is the order of the menu.
PERINTAH: tuple[Perintah, ...] = (
    Perintah("start", SEMUA, "Mulai / menu utama"),
    Perintah("help", SEMUA, "Bantuan: perintah yang bisa Anda pakai"),
    Perintah("bantuan", SEMUA, "Bantuan", di_menu=False),
    Perintah("profil", SEMUA, "Data akun dan cakupan Anda"),
    Perintah("capaian", PELAPOR, "Capaian kinerja: target, realisasi, capaian"),
    Perintah("anggaran", PELAPOR, "Pagu, realisasi dan penyerapan anggaran"),
    Perintah("logistik", PELAPOR, "Ketibaan logistik di TPS"),
    Perintah("pemutakhiran", PELAPOR, "Status tahapan pemutakhiran data pemilih"),
    Perintah("undang", frozenset({"admin"}), "Buat kode undangan: /undang <peran> <unit> [kode TPS…]"),
    Perintah("batal", SEMUA, "Batalkan proses yang sedang berjalan"),
)
_BY_NAME = {p.nama: p for p in PERINTAH}

# Inline-button prefixes (callback data "<prefix>:<args>") and who may press them.
# None stands for an unregistered account (the access request).
TOMBOL: dict[str, frozenset[str | None]] = {
    "minta": frozenset({None}),
    "putus": frozenset({"admin"}),
}


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


def menu(peran: str | None) -> list[Perintah]:
    """The commands shown in Telegram's menu for a role (None: not registered)."""
    return [p for p in PERINTAH if p.di_menu and boleh_perintah(peran, p.nama)]
