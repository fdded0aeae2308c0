"""scripts/gambar_chat: the scripted day runs through the real bot and each chat becomes one small PNG."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import gambar_chat
from bot.gambar_chat import Baris, halaman

CHROMIUM = Path("/usr/bin/chromium")


def test_a_long_inbox_is_cut_to_its_first_messages_in_the_picture() -> None:
    daftar = [Baris("bot", f"laporan {i}", [["✅ Setujui", "↩️ Kembalikan"]]) for i in range(1, 11)]
    teks = halaman("Pantau", "kepala", [Baris("user", "/verifikasi"), *daftar, Baris("tap", "✅ Setujui"),
                                        Baris("bot", "laporan 1\n→ Disetujui", diubah=True)])
    assert all(f"laporan {i}<" in teks for i in (1, 2, 3)) and "laporan 4<" not in teks
    assert "⋯ 7 pesan serupa lagi ⋯" in teks and "(pesan yang sama, diperbarui)" in teks
    assert "<script" not in halaman("x", "y", [Baris("user", "<script>alert(1)</script>")])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_tool_renders_both_days(tmp_path: Path) -> None:
    assert gambar_chat.main(["--keluaran", str(tmp_path), "--html"]) == 0
    petugas = (tmp_path / "chat-petugas.html").read_text(encoding="utf-8")
    kepala = (tmp_path / "chat-kepala.html").read_text(encoding="utf-8")
    assert "/tiba" in petugas and "TB-" in petugas  # the officer reached a receipt
    assert "/verifikasi" in kepala and "Disetujui oleh" in kepala  # the head approved one
    for nama in ("chat-petugas", "chat-kepala"):
        png = (tmp_path / f"{nama}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and 10_000 < len(png) < 300_000
