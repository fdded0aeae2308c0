"""Verification by the unit head through the real Application: return for revision, who may verify, races."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit
from storage import tables as t
from tests.bot.bantuan_kinerja import baris, data_tombol, laporan_json, tekan_paksa
from tests.bot.harness import bot_uji, demo_tg
from tests.bot.test_realisasi import _lapor, _rows


async def test_return_for_revision_then_resubmit(engine: AsyncEngine, database_url: str,
                                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    async with bot_uji(engine) as b:
        op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        await _lapor(b, op, "KUL-UML-2", "2024-Q4", "70")
        assert await b.kirim_outbox() == 1
        rid = (await _rows(engine, "KUL-UML-2"))[0].id
        await b.tekan(kabag, f"vf:kb:{rid}")
        assert "Tulis alasan pengembalian" in b.api.last(kabag).content
        out = await b.kirim(kabag, "ok")
        assert "terlalu singkat" in out[-1].content
        out = await b.kirim(kabag, "Bukti kontrak pengadaan belum dilampirkan")
        assert "dikembalikan ke pelapor" in out[-1].content
        original = next(m for m in b.api.messages(kabag) if "menunggu verifikasi Anda" in (m.text or ""))
        assert "→ Dikembalikan oleh Kepala Bagian KUL Demo" in original.content and not original.buttons
        assert "sudah diverifikasi" in (await tekan_paksa(b, kabag, f"vf:ok:{rid}") or "")
        assert await b.kirim_outbox() == 1
        told = b.api.last(op).content
        assert "dikembalikan oleh Kepala Bagian KUL Demo" in told and "Bukti kontrak pengadaan" in told
        row = (await _rows(engine, "KUL-UML-2"))[0]
        assert (row.status, row.verify_note) == ("dikembalikan", "Bukti kontrak pengadaan belum dilampirkan")
        assert row.verified_by is not None and row.verified_at is not None
        js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--unit", "KUL-UML")
        r = baris(js, "KUL-UML-2")  # a returned value is not a realisation
        assert (r["realisasi"], r["status"], r["menunggu_verifikasi"], r["realisasi_diajukan"]) == (
            None, "menunggu", False, None)
        # the operator corrects it: a new version, with the head's note in the history
        await b.kirim(op, "/realisasi")
        await b.tekan(op, data_tombol(b, op, "KUL-UML-2 ·"))
        assert "versi 1 · 70 % · dikembalikan — catatan: Bukti kontrak" in b.api.last(op).content
        await b.tekan(op, "rl:p:2024-Q4")
        await b.kirim(op, "Kontrak sudah dilampirkan")
        await b.kirim(op, "75")
        for _ in range(3):
            await b.tekan(op, "rl:lanjut")
        await b.tekan(op, "rl:kirim")
        await b.kirim_outbox()
        await b.tekan(kabag, data_tombol(b, kabag, "✅ Setujui"))
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--unit", "KUL-UML")
    assert (baris(js, "KUL-UML-2")["realisasi"], baris(js, "KUL-UML-2")["capaian_persen"]) == ("75", 75.0)
    async with engine.connect() as conn:
        actions = [x.action for x in await audit.recent(conn, entity="realisasi")]
    assert actions[:4] == ["setujui", "koreksi", "kembalikan", "lapor"]


async def test_who_may_verify_and_where_the_message_goes(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op_uml, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        pimpinan, op = await demo_tg(engine, "pimpinan"), await demo_tg(engine, "operator")
        # PDI has no head in the demo: the Sekretaris (head of PROV, above PDI) verifies PDI-DATIN's reports
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "100")
        assert "dikirim ke Sekretaris Demo untuk diverifikasi" in b.api.last(op).content
        assert await b.kirim_outbox() == 1
        assert "PDI-DATIN-2" in b.api.last(pimpinan).content
        rid = (await _rows(engine, "PDI-DATIN-2"))[0].id
        # the head of KUL is not over PDI; an operator is nobody's head
        await b.kirim(kabag, "/start")
        await b.kirim(op_uml, "/start")
        assert "bukan kepala unit" in (await tekan_paksa(b, kabag, f"vf:ok:{rid}") or "")
        assert "bukan kepala unit" in (await tekan_paksa(b, op_uml, f"vf:kb:{rid}") or "")
        for forged in ("vf:ok:abc", "vf:ok", "vf:ok:99999999", "vf:hapus:1", "vf:ok:2147483648", "vf:kb:99999999999"):
            answer = await tekan_paksa(b, pimpinan, forged) or ""
            assert "kedaluwarsa" in answer or "tidak ditemukan" in answer, forged
        # a correction submitted before the head decided supersedes the first version
        await _lapor(b, op, "PDI-DATIN-2", "2024-Q3", "95", alasan="Angka TW III diperbarui")
        assert "digantikan versi 2" in (await tekan_paksa(b, pimpinan, f"vf:ok:{rid}") or "")
        await b.kirim_outbox()
        # Kembalikan, then /batal: nothing changes
        await b.tekan(pimpinan, data_tombol(b, pimpinan, "↩️ Kembalikan"))
        out = await b.kirim(pimpinan, "/batal")
        assert "Dibatalkan" in out[-1].content
        assert [r.status for r in await _rows(engine, "PDI-DATIN-2")] == ["diajukan", "diajukan"]
        await b.tekan(pimpinan, data_tombol(b, pimpinan, "✅ Setujui"))
        assert [r.status for r in await _rows(engine, "PDI-DATIN-2")] == ["diajukan", "disetujui"]


async def test_without_any_head_the_report_waits(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(t.users.update().values(is_head=False))
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator")
        await b.kirim(op, "/realisasi")
        await b.tekan(op, data_tombol(b, op, "PDI-DATIN-1 ·"))
        await b.tekan(op, "rl:p:2024-Q4")
        await b.kirim(op, "100")
        for _ in range(3):
            await b.tekan(op, "rl:lanjut")
        await b.tekan(op, "rl:kirim")
        assert "Belum ada kepala unit terdaftar" in b.api.last(op).content
        assert await b.kirim_outbox() == 0
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(t.realisations)
                                .where(t.realisations.c.status == "diajukan"))).scalar_one()
    assert n == 1
