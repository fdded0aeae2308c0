"""`pantau tahun`: open (idempotent), the readiness checklist as text and JSON, close, reopen with a reason."""

from __future__ import annotations

import json

import pytest


def test_tahun_open_status_close_reopen(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["tahun", "status", "2025", "--format", "json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert (js["status"], js["siap"]) == ("belum_dibuka", False)
    assert [b["kode"] for b in js["baris"]] == ["pk", "target", "anggaran", "rencana_aksi", "periode", "tahapan",
                                              "tenggat", "pengguna"]
    assert cli(["tahun", "buka", "2025"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Tahun anggaran 2025 dibuka dari 2024: draf PK untuk 15 unit")
    assert "✗ Mata anggaran (DIPA/POK): 0 mata anggaran" in out and "→ impor DIPA/POK" in out
    assert cli(["tahun", "buka", "2025", "--dari", "2024"]) == 0
    assert capsys.readouterr().out.strip() == "Tahun anggaran 2025 sudah dibuka; tidak ada yang diubah."
    assert cli(["tahun", "status", "2024"]) == 0
    assert "✓ Mata anggaran (DIPA/POK)" in capsys.readouterr().out
    assert cli(["tahun", "tutup", "2024"]) == 0
    assert "Tahun anggaran 2024 ditutup: " in capsys.readouterr().out
    assert cli(["tahun", "tutup", "2024"]) == 2
    assert "sudah ditutup" in capsys.readouterr().err
    assert cli(["report", "anggaran", "--year", "2024"]) == 0
    assert "Rp142.297.821.000" in capsys.readouterr().out  # read from the stored final values
    assert cli(["tahun", "buka-kembali", "2024", "--alasan", "  "]) == 2
    assert "perlu alasan" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli(["tahun", "buka-kembali", "2024"])  # --alasan is required
    capsys.readouterr()
    assert cli(["tahun", "buka-kembali", "2024", "--alasan", "koreksi opini BPK"]) == 0
    assert "dibuka kembali" in capsys.readouterr().out
    assert cli(["tahun", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [x.split()[:2] for x in lines] == [["2025", "dibuka"], ["2024", "dibuka"]]
