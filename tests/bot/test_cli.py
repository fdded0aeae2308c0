import asyncio
import csv
import io
import json
from datetime import UTC, datetime

import pytest

from bot.cli import build_parser
from storage import arrivals, pemilihan, users
from storage.db import create_engine


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    for cmd in ("db", "demo", "tps", "report", "run"):
        assert cmd in out


def test_report_anggaran_prints_the_seed_figures(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["report", "anggaran", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    for s in ("Rp142.297.821.000", "Rp128.414.940.749", "90,24 %", "99,91 %", "89,58 %"):
        assert s in out


def test_report_json_keys(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["report", "anggaran", "--format", "json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert (js["tahun"], js["pagu"], js["realisasi"], js["penyerapan_persen"]) == (
        2024, 142297821000, 128414940749, 90.24)
    assert [(p["kode"], p["penyerapan_persen"]) for p in js["program"]] == [("WA", 99.91), ("CQ", 89.58)]
    assert cli(["report", "capaian", "--year", "2024", "--format", "json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in js["indikator"]].count("menunggu") == 1
    assert cli(["report", "logistik", "--format", "json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert (js["total_tps"], js["tps_sulit"], js["tiba"], len(js["kabkota"])) == (3452, 93, 0, 10)


def test_report_text_and_csv(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["report", "capaian", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "IK3b" in out and "Proses" in out and "menunggu" in out and "100,00 %" in out
    assert cli(["report", "capaian", "--unit", "KUL", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("tahun,kode,sasaran")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert any(r["kode"] == "KUL-UML-1" and r["induk"] == "KUL-4" for r in rows)
    for name in ("pemutakhiran", "rencana-aksi", "logistik"):
        assert cli(["report", name]) == 0
    assert "Rp17.470.049.000" in capsys.readouterr().out


def test_tps_list_filters(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["tps", "list", "--kabkota", "KAB-1705", "--sulit", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 38 and all(r["sulit"] for r in rows)
    assert set(rows[0]) == {"kode", "nama", "kabkota", "kecamatan", "desa", "dpt", "sulit", "demo"}
    assert all(r["demo"] for r in rows)  # generated: the source has counts per kab/kota only
    assert cli(["tps", "list", "--format", "csv", "--limit", "2"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "capaian", "--unit", "NOPE"], "tidak dikenal"),
        (["tps", "list", "--kabkota", "KAB-9999"], "tidak dikenal"),
        (["report", "capaian", "--period", "2024-Q5"], ""),
    ],
)
def test_wrong_input_is_one_clear_line(cli, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    assert cli(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


@pytest.mark.parametrize(
    ("var", "value"),
    [("PANTAU_WEB_PORT", "abc"), ("PANTAU_TIMEZONE", "Mars/Olympus"), ("DATABASE_URL", "mysql://x"),
     ("PANTAU_ADMIN_IDS", "1,dua"), ("TELEGRAM_BOT_TOKEN", "not-a-token")],
)
def test_bad_setting_stops_with_one_line_naming_it(cli, capsys, monkeypatch, var: str, value: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(var, value)
    assert cli(["report", "anggaran"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and var in err and err.startswith("Konfigurasi salah")


def test_invite_create_prints_code_and_deep_link_then_revoke(cli, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "kpu_bengkulu_bot")
    assert cli(["invite", "create", "--role", "petugas", "--unit", "KAB-1771", "--tps",
                "17.71.01.2001-001,17.71.01.2001-002", "--uses", "2"]) == 0
    out = capsys.readouterr().out
    code = out.split("Kode: ", 1)[1].split()[0]
    assert f"https://t.me/kpu_bengkulu_bot?start={code}" in out and "2× pakai" in out
    assert cli(["invite", "revoke", code]) == 0
    assert cli(["invite", "revoke", code]) == 2
    assert "sudah dicabut" in capsys.readouterr().err
    assert cli(["invite", "create", "--role", "operator"]) == 2
    assert "harus menyebut unitnya" in capsys.readouterr().err
    assert cli(["invite", "create", "--role", "petugas", "--unit", "KAB-1771", "--tps", "99.99"]) == 2
    assert "tidak dikenal" in capsys.readouterr().err


def test_user_list_and_revoke(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli(["user", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    petugas = next(r for r in rows if r["peran"] == "petugas")
    assert petugas["tps"] == 3 and petugas["status"] == "aktif"
    assert cli(["user", "revoke", str(petugas["id"])]) == 0
    assert "dicabut" in capsys.readouterr().out
    assert cli(["user", "revoke", str(petugas["id"])]) == 2
    assert cli(["user", "revoke", "99999"]) == 2
    assert cli(["user", "list"]) == 0
    assert "dicabut" in capsys.readouterr().out


def test_periode_close_list_reopen(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli(["periode", "list"]) == 0
    assert "Tidak ada periode yang ditutup" in capsys.readouterr().out
    assert cli(["periode", "tutup", "TW I 2024"]) == 0
    assert cli(["periode", "tutup", "2024-M03"]) == 0
    out = capsys.readouterr().out
    assert "Maret 2024 (2024-M03), Triwulan I 2024 (2024-Q1)" in out
    assert cli(["periode", "tutup", "kuartal lima"]) == 2
    assert "tidak dikenali" in capsys.readouterr().err
    assert cli(["periode", "buka", "2024-Q1"]) == 0
    assert cli(["periode", "list"]) == 0
    out = capsys.readouterr().out
    assert "Maret 2024" in out and "Triwulan I 2024" not in out


def test_invite_uses_the_name_the_bot_learned_and_local_time(cli, capsys, database_url: str) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from storage import identitas
    from storage.db import create_engine

    async def belajar() -> None:  # what the bot's start-up stores after getMe
        eng = create_engine(database_url)
        async with eng.begin() as conn:
            await identitas.simpan_username(conn, "pantau_demo_bot")
        await eng.dispose()

    asyncio.run(belajar())
    assert cli(["invite", "create", "--role", "operator", "--unit", "KUL-UML", "--days", "3"]) == 0
    out = capsys.readouterr().out
    assert "https://t.me/pantau_demo_bot?start=" in out
    berlaku = out.split("Berlaku sampai: ", 1)[1].splitlines()[0]
    assert " WIB, 1× pakai" in berlaku and " pukul " in berlaku and "UTC" not in berlaku and "-" not in berlaku


def test_the_bot_remembers_the_name_getme_gave_it_for_the_invite_links(cli, capsys, database_url: str,  # type: ignore[no-untyped-def]
                                                                         monkeypatch) -> None:
    from bot.fakebotapi import FakeBotApi
    from tests.bot.harness import bot_uji

    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)

    async def jalankan_bot() -> None:  # the bot starts once; Telegram's getMe answers with its real name
        eng = create_engine(database_url)
        async with bot_uji(eng, api=FakeBotApi(bot_username="kpu_kota_uji_bot")):
            pass
        await eng.dispose()

    asyncio.run(jalankan_bot())
    assert cli(["invite", "create", "--role", "operator", "--unit", "KUL-UML"]) == 0
    out = capsys.readouterr().out
    assert "https://t.me/kpu_kota_uji_bot?start=" in out and "pantau_bot" not in out


def test_db_upgrade_says_what_it_did(cli, capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'baru.db'}")
    assert cli(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("Basis data baru dibuat dengan skema revisi ")
    assert cli(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("Skema basis data sudah terbaru (revisi ")


def test_export_into_a_closed_pipe_exits_quietly(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    with subprocess.Popen([sys.executable, "-m", "bot.cli", "export", "tps", "--format", "csv"], cwd=tmp_path,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        assert p.stdout is not None and p.stderr is not None
        assert p.stdout.readline().startswith(b"Kode TPS,")  # as `| head -1` reads, then goes away
        p.stdout.close()
        err = p.stderr.read().decode()
        assert p.wait(timeout=60) == 141 and err == ""  # 128 + SIGPIPE, no traceback


def test_a_taken_web_port_is_one_line_naming_who_holds_it() -> None:
    import os
    import socket

    from bot import port

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        nomor = s.getsockname()[1]
        with pytest.raises(port.PortTerpakai) as info:
            port.pastikan_bebas("127.0.0.1", nomor)
    pesan = str(info.value)
    assert "\n" not in pesan and f"Port {nomor} di 127.0.0.1 sudah dipakai oleh PID {os.getpid()} (" in pesan
    port.pastikan_bebas("127.0.0.1", nomor)  # free again once closed


def test_pantau_run_on_a_taken_port_stops_with_that_line_before_starting(cli, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import logging
    import socket

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            monkeypatch.setenv("PANTAU_WEB_PORT", str(s.getsockname()[1]))
            assert cli(["run", "--no-demo"]) == 1
    finally:
        root.handlers[:], root.level = handlers, level
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sudah dipakai oleh PID" in err and "Traceback" not in err


def test_report_logistik_counts_one_event(cli, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(_lapor_2024(database_url))
    assert cli(["report", "logistik", "--pemilihan", "PILKADA-2024", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["tiba"] == 1
    # Without --pemilihan: the running event, else the last one started (here the Pilkada 2024).
    assert cli(["report", "logistik", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["tiba"] == 1
    asyncio.run(_psu(database_url))
    assert cli(["report", "logistik", "--pemilihan", "PSU-UJI", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["tiba"] == 0  # the 2024 report is no arrival of the re-vote
    assert cli(["report", "logistik", "--pemilihan", "TIDAK-ADA"]) == 2
    assert "Pemilihan 'TIDAK-ADA' tidak dikenal." in capsys.readouterr().err


async def _lapor_2024(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            p = await users.by_demo_key(conn, "petugas")
            assert p is not None
            h1 = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)
            await arrivals.simpan_laporan(conn, arrivals.MasukanTiba(
                tps_id=min(p.tps_ids), jenis="baru", baris=(), tiba_pada=h1, moda="PICKUP", foto_file_id="f"),
                pelapor=p, now=h1)
    finally:
        await engine.dispose()


async def _psu(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await pemilihan.simpan(conn, pemilihan.MasukanPemilihan("PSU-UJI", "PSU uji", "psu", 2025, []),
                                   actor="uji", now=datetime(2025, 1, 1, tzinfo=UTC))
    finally:
        await engine.dispose()
