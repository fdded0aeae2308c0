"""The LKjIP draft from the bot (admins' /capaian → Draf LKjIP) and the command line (`pantau report lkjip`)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from bot.fakebotapi import SentMessage
from handlers import teks
from handlers.teks import laporan as tl
from reports import lkjip_docx
from reports.lkjip import TANPA_DATA
from storage import audit
from tests.bot.harness import bot_uji, demo_tg
from tests.bot.test_laporan_cli import _ekspor_tercatat


def _data(msg: SentMessage) -> list[str]:
    return [d for row in msg.buttons for _, d in row if d]


async def test_admin_gets_the_draft_from_capaian(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        out = await b.kirim(tg, "/capaian 2024")
        assert "lj:d:2024" in _data(out[-1])
        out = await b.tekan(tg, "lj:d:2024")
        assert b.jawaban_terakhir() == tl.MENYIAPKAN
        assert out[-1].kind == "document" and out[-1].document_name == "draf-lkjip-2024.docx"
        assert out[-1].caption == tl.BERKAS_LKJIP.format(tahun=2024)
        doc = docx.Document(io.BytesIO(out[-1].document or b""))
        assert any(p.text.startswith("Tabel 3.15 ") for p in doc.paragraphs)
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:  # audited like every file the bot sends
        rec = (await audit.recent(conn, entity="dataset", limit=1))[0]
    assert rec.entity_id == "lkjip.docx" and rec.new["saringan"] == {"tahun": 2024} and rec.new["lewat"] == "bot"
    assert rec.actor_id is not None and isinstance(rec.new["baris"], int) and rec.new["baris"] > 0


async def test_pimpinan_gets_no_button_and_a_pressed_one_is_refused(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        out = await b.kirim(tg, "/capaian 2024")
        assert not any(d.startswith("lj:") for d in _data(out[-1]))
        n = len(b.api.messages(tg))
        await b.tekan(tg, "lj:d:2024")
        assert len(b.api.messages(tg)) == n and b.api.unanswered_callbacks() == []
        assert b.jawaban_terakhir() != tl.MENYIAPKAN


@pytest.mark.parametrize("data", ["lj:d:20x4", "lj:d:1999", "lj:d:2101", "lj:d", "lj:x:2024", "lj:d:2024:1",
                                  "lj:d:٢٠٢٤"])
async def test_forged_draft_buttons_get_kedaluwarsa(engine: AsyncEngine, data: str) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        await b.kirim(tg, "/capaian")
        n = len(b.api.messages(tg))
        await b.tekan(tg, data)
        assert b.jawaban_terakhir() == teks.KEDALUWARSA
        assert len(b.api.messages(tg)) == n and b.api.unanswered_callbacks() == []



def test_cli_writes_the_docx(cli, database_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["report", "lkjip", "--year", "2024", "--format", "docx", "--output", "draf.docx"]) == 0
    assert "Draf LKjIP 2024 ditulis: draf.docx" in capsys.readouterr().out
    doc = docx.Document(str(tmp_path / "draf.docx"))
    assert doc.paragraphs[0].text == "LAPORAN KINERJA INSTANSI PEMERINTAH"
    (pelaku, _, rec), = _ekspor_tercatat(database_url)
    assert pelaku == "cli" and rec["dataset"] == "lkjip" and rec["format"] == "docx" and rec["berkas"] == "draf.docx"
    assert cli(["report", "lkjip", "--format", "text"]) == 2
    assert "--format docx" in capsys.readouterr().err
    assert cli(["report", "capaian", "--format", "docx"]) == 2
    assert "hanya untuk laporan lkjip" in capsys.readouterr().err


def test_cli_pdf_without_libreoffice_says_so(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(lkjip_docx.shutil, "which", lambda _: None)
    assert cli(["report", "lkjip", "--format", "pdf", "--output", "draf.pdf"]) == 2
    assert "LibreOffice (soffice) tidak terpasang" in capsys.readouterr().err
    assert not (tmp_path / "draf.pdf").exists()


def test_pdf_conversion_runs_soffice_headless(monkeypatch: pytest.MonkeyPatch) -> None:
    """With LibreOffice present, the document goes through `soffice --headless --convert-to pdf`."""
    dipanggil: list[list[str]] = []

    def palsu(args: list[str], **_: object) -> None:
        dipanggil.append(args)
        outdir = Path(args[args.index("--outdir") + 1])
        (outdir / "lkjip.pdf").write_bytes(b"%PDF-1.7 palsu")

    monkeypatch.setattr(lkjip_docx.shutil, "which", lambda nama: "/usr/bin/soffice" if nama == "soffice" else None)
    monkeypatch.setattr(lkjip_docx.subprocess, "run", palsu)
    assert lkjip_docx.ke_pdf(b"PK docx") == b"%PDF-1.7 palsu"
    assert dipanggil[0][0] == "/usr/bin/soffice" and dipanggil[0][2:5] == ["--headless", "--convert-to", "pdf"]


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) tidak terpasang: apt-get install libreoffice-writer-nogui")
def test_cli_pdf_with_libreoffice(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["report", "lkjip", "--year", "2024", "--format", "pdf"]) == 0
    assert "Draf LKjIP 2024 ditulis: lkjip-2024.pdf" in capsys.readouterr().out
    isi = (tmp_path / "lkjip-2024.pdf").read_bytes()
    assert isi.startswith(b"%PDF-") and len(isi) > 100_000


def test_cli_on_an_empty_database_says_there_is_nothing_to_draft(empty_database_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["report", "lkjip", "--format", "docx"]) == 2
    assert capsys.readouterr().err.strip() == TANPA_DATA
    assert not list(tmp_path.glob("*.docx"))
