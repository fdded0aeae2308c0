"""Working days with Indonesia's 2024–2025 holidays (from the holidays package): deadlines and the reminder policy."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.errors import ParseError
from domain.harikerja import HariLibur, Kalender, nama_pendek
from domain.pengingat import (
    Aturan,
    Kebijakan,
    akhir_hari,
    aturan_dari_isian,
    jadwal,
    langkah_jatuh_tempo,
    saat_kirim,
    sunyi,
)
from domain.periode import Periode, batas_lapor, batas_lapor_digeser
from storage.libur import libur_paket

WIB = "Asia/Jakarta"


@pytest.fixture(scope="module")
def kal() -> Kalender:
    return Kalender([*libur_paket(2024), *libur_paket(2025)])


def wib(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=ZoneInfo(WIB)).astimezone(UTC)


def lokal(dt: datetime) -> str:
    return dt.astimezone(ZoneInfo(WIB)).strftime("%d-%m %H.%M")


def test_the_package_gives_indonesia_2025_with_eleven_days_of_cuti_bersama() -> None:
    hari = {h.tanggal: h for h in libur_paket(2025)}
    cuti = sorted(d for d, h in hari.items() if h.jenis == "cuti_bersama")
    assert len(cuti) == 11
    assert hari[date(2025, 3, 31)].nama == "Hari Raya Idul Fitri" and hari[date(2025, 3, 31)].jenis == "nasional"
    assert [d.day for d in cuti if d.month == 4] == [2, 3, 4, 7]  # Lebaran leave: 2–4 and 7 April
    assert hari[date(2025, 8, 17)].nama == "Hari Kemerdekaan Republik Indonesia"
    assert hari[date(2025, 8, 18)].jenis == "cuti_bersama"
    assert hari[date(2025, 1, 1)].nama == "Tahun Baru Masehi"
    # the 2024 Pilkada voting day was a national holiday
    assert {h.tanggal: h for h in libur_paket(2024)}[date(2024, 11, 27)].jenis == "nasional"


def test_q1_2025_report_is_due_on_14_april_not_7_april(kal: Kalender) -> None:
    q1 = Periode(tahun=2025, jenis="triwulan", ke=1)
    assert batas_lapor(q1, 5) == date(2025, 4, 7)  # what a calendar without holidays says
    assert batas_lapor(q1, 5, kal) == date(2025, 4, 14)
    assert batas_lapor_digeser(q1, 5, kal) == ["Idul Fitri"]
    assert batas_lapor_digeser(Periode(tahun=2025, jenis="triwulan", ke=2), 5, kal) == []


def test_q4_2024_report_skips_new_year(kal: Kalender) -> None:
    q4 = Periode(tahun=2024, jenis="triwulan", ke=4)
    assert batas_lapor(q4, 5, kal) == date(2025, 1, 8)
    assert batas_lapor_digeser(q4, 5, kal) == ["Tahun Baru Masehi"]


def test_a_weekend_holiday_moves_nothing_but_the_day_after_does(kal: Kalender) -> None:
    juli = Periode(tahun=2025, jenis="bulan", ke=7)
    # 17 August 2025 is a Sunday; its cuti bersama on Monday the 18th is what pushes the count
    assert kal.hari_kerja(date(2025, 8, 15)) and not kal.hari_kerja(date(2025, 8, 18))
    agustus_awal = kal.tambah_hari_kerja(date(2025, 8, 14), 2)
    assert agustus_awal == date(2025, 8, 19)
    assert batas_lapor(juli, 5, kal) == date(2025, 8, 7)
    assert kal.digeser_karena(date(2025, 8, 14), date(2025, 8, 19)) == ["Hari Kemerdekaan Republik Indonesia"]


def test_short_names_are_what_people_say() -> None:
    assert nama_pendek("Cuti Bersama Hari Raya Idul Fitri") == "Idul Fitri"
    assert nama_pendek("Hari kedua dari Hari Raya Idul Fitri") == "Idul Fitri"
    assert nama_pendek("Cuti Bersama Hari Suci Nyepi") == "Nyepi"
    assert nama_pendek("Tahun Baru Masehi") == "Tahun Baru Masehi"


def test_a_step_on_a_holiday_goes_out_the_day_before(kal: Kalender) -> None:
    batas = akhir_hari(date(2025, 4, 14), WIB)  # the Q1 2025 deadline
    steps = jadwal(Aturan(), batas, WIB, kal)["penanggung"]
    # H-7 is Monday 7 April (cuti bersama): the day before, a Sunday, has reminders under the default rule
    assert [(x.kode, lokal(x.waktu), x.digeser) for x in steps[:4]] == [
        ("h7", "06-04 07.00", "Cuti Bersama Hari Raya Idul Fitri"), ("h3", "11-04 07.00", None),
        ("h1", "13-04 07.00", None), ("h0", "14-04 07.00", None)]
    assert steps[0].hari == -8  # the message counts the real days
    # under a working-days rule it is the working day before: 28 March is Nyepi leave, 31 March–4 April Lebaran
    kerja = jadwal(Aturan(hari_kirim="hari_kerja"), batas, WIB, kal)["penanggung"]
    assert [(x.kode, lokal(x.waktu)) for x in kerja[:2]] == [("h7", "27-03 07.00"), ("h3", "11-04 07.00")]


def test_a_step_moved_onto_an_earlier_one_is_left_out(kal: Kalender) -> None:
    # A deadline on Tuesday 8 April 2025: H-7 (1 April) and H-1 (7 April) are holidays
    steps = jadwal(Aturan(), akhir_hari(date(2025, 4, 8), WIB), WIB, kal)["penanggung"]
    assert [(x.kode, lokal(x.waktu)) for x in steps[:4]] == [("h7", "30-03 07.00"), ("h3", "05-04 07.00"),
                                                             ("h1", "06-04 07.00"), ("h0", "08-04 07.00")]
    # with working days only, H-3 and H-1 both fall back to 27 March, where H-7 already is: one reminder
    kerja = Aturan(hari_kirim="hari_kerja")
    steps = jadwal(kerja, akhir_hari(date(2025, 4, 8), WIB), WIB, kal)["penanggung"]
    assert [(x.kode, lokal(x.waktu)) for x in steps[:2]] == [("h7", "27-03 07.00"), ("h0", "08-04 07.00")]
    assert all(a.waktu < b.waktu and a.akhir == b.waktu for a, b in itertools.pairwise(steps))


def test_overdue_and_escalation_days_skip_holidays(kal: Kalender) -> None:
    tiers = jadwal(Aturan(), akhir_hari(date(2025, 8, 15), WIB), WIB, kal)
    # Saturday 16 is overdue day 1; Sunday 17 and Monday 18 August are holidays: day 2 is Tuesday 19
    assert [lokal(x.waktu) for x in tiers["penanggung"][4:7]] == ["16-08 07.00", "19-08 07.00", "20-08 07.00"]
    assert lokal(tiers["kepala"][0].waktu) == "19-08 07.00"
    assert lokal(tiers["pimpinan"][0].waktu) == "21-08 07.00"
    kerja = jadwal(Aturan(hari_kirim="hari_kerja"), akhir_hari(date(2025, 8, 15), WIB), WIB, kal)
    assert lokal(kerja["kepala"][0].waktu) == "20-08 07.00"  # working days: 19 and 20 August
    # the logistics rule sends on any day: voting day is a holiday and the day that matters most
    logistik = jadwal(Kebijakan().untuk("logistik"), akhir_hari(date(2024, 11, 26), WIB), WIB, kal)
    assert lokal(logistik["kepala"][0].waktu) == "27-11 07.00"


def test_nothing_goes_out_on_17_august_and_a_window_waits_for_the_next_day(kal: Kalender) -> None:
    aturan = Aturan()
    assert sunyi(wib(2025, 8, 17, 10), aturan, WIB, kal) and sunyi(wib(2025, 8, 18, 10), aturan, WIB, kal)
    assert not sunyi(wib(2025, 8, 19, 10), aturan, WIB, kal)
    assert not sunyi(wib(2025, 8, 17, 10), Kebijakan().untuk("logistik"), WIB, kal)
    # a manual deadline at noon on 18 August: its day-of step moves to Friday the 15th; a sweep on the 17th is quiet
    tiers = jadwal(aturan, wib(2025, 8, 18, 12), WIB, kal)
    steps = tiers["penanggung"]
    assert [(x.kode, lokal(x.waktu)) for x in steps[:4]] == [("h7", "11-08 07.00"), ("h3", "15-08 07.00"),
                                                             ("h1", "16-08 07.00"), ("t1", "19-08 07.00")]
    assert langkah_jatuh_tempo(steps, wib(2025, 8, 17, 7), aturan, WIB, kalender=kal) is None
    assert langkah_jatuh_tempo(steps, wib(2025, 8, 16, 7), aturan, WIB, kalender=kal) == steps[2]
    # a snooze that ends on the holiday defers to the next day's end of the quiet hours, inside the window
    assert saat_kirim(steps[2], aturan, WIB, wib(2025, 8, 17, 7), kal) is None  # h1's window ends on the 19th 07.00
    assert lokal(saat_kirim(steps[3], aturan, WIB, None, kal) or wib(2000, 1, 1)) == "19-08 07.00"


def test_a_calendar_from_dates_or_names() -> None:
    assert not Kalender({date(2025, 5, 1): "Hari Buruh"}).hari_kerja(date(2025, 5, 1))
    assert Kalender([date(2025, 5, 1)]).libur(date(2025, 5, 1)) == HariLibur(date(2025, 5, 1), "hari libur")
    assert Kalender().tambah_hari_kerja(date(2025, 5, 2), -1) == date(2025, 5, 1)


def test_the_rules_form_reads_the_days_reminders_go_out_on() -> None:
    isian = {"sebelum": "H-3, H", "jam_pagi": "07.00", "lewat_hari": "2", "eskalasi_kepala": "",
             "eskalasi_pimpinan": "", "sunyi_mulai": "21.00", "sunyi_selesai": "06.00"}
    assert aturan_dari_isian(isian).hari_kirim == "bukan_libur"
    assert aturan_dari_isian({**isian, "hari_kirim": "hari_kerja"}).hari_kirim == "hari_kerja"
    with pytest.raises(ParseError, match="Hari pengiriman"):
        aturan_dari_isian({**isian, "hari_kirim": "minggu"})
