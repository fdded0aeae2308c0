"""The reminder policy: steps, windows, quiet hours, snoozes, catch-up, and the configuration an admin may set."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.errors import ParseError
from domain.pengingat import (
    ISIAN_ATURAN,
    Aturan,
    Kebijakan,
    akhir_hari,
    akhir_sunyi,
    aturan_dari_isian,
    jadwal,
    langkah_jatuh_tempo,
    pagi_berikutnya,
    rentang,
    saat_kirim,
    sunyi,
)
from tests.domain.bantuan import CEPAT, pesan_galat

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"


def wib(y: int, m: int, d: int, h: int = 0, mi: int = 0, zona: str = WIB) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=ZoneInfo(zona)).astimezone(UTC)


def lokal(dt: datetime, zona: str = WIB) -> str:
    return dt.astimezone(ZoneInfo(zona)).strftime("%d-%m %H.%M")


def test_a_deadline_at_the_end_of_a_day_gets_every_step_at_seven_in_the_morning() -> None:
    batas = wib(2024, 4, 5, 23, 59)
    tiers = jadwal(Aturan(), batas, WIB)
    assert [(x.kode, lokal(x.waktu), x.hari) for x in tiers["penanggung"]] == [
        ("h7", "29-03 07.00", -7), ("h3", "02-04 07.00", -3), ("h1", "04-04 07.00", -1), ("h0", "05-04 07.00", 0),
        ("t1", "06-04 07.00", 1), ("t2", "07-04 07.00", 2), ("t3", "08-04 07.00", 3), ("t4", "09-04 07.00", 4),
        ("t5", "10-04 07.00", 5), ("t6", "11-04 07.00", 6), ("t7", "12-04 07.00", 7)]
    assert [(x.kode, lokal(x.waktu)) for x in tiers["kepala"]] == [("e1", "07-04 07.00")]
    assert [(x.kode, lokal(x.waktu)) for x in tiers["pimpinan"]] == [("e2", "09-04 07.00")]
    steps = tiers["penanggung"]
    # Windows are contiguous: each step owns the time until the next; the last closes the reminder period.
    assert all(a.akhir == b.waktu for a, b in itertools.pairwise(steps))
    assert lokal(steps[-1].akhir) == "13-04 07.00"
    assert lokal(tiers["kepala"][0].akhir) == lokal(tiers["pimpinan"][0].akhir) == "13-04 07.00"
    assert not any(x.eskalasi for x in steps) and tiers["kepala"][0].eskalasi


def test_a_deadline_before_seven_in_the_morning_has_no_morning_of_reminder() -> None:
    steps = jadwal(Aturan(), wib(2024, 4, 5, 6, 30), WIB)["penanggung"]
    assert [x.kode for x in steps][:4] == ["h7", "h3", "h1", "t1"]
    exactly_at_seven = jadwal(Aturan(), wib(2024, 4, 5, 7, 0), WIB)["penanggung"]
    assert "h0" not in [x.kode for x in exactly_at_seven]  # a reminder at the very moment of the deadline is useless


@pytest.mark.parametrize(("zona", "utc_hour"), [(WIB, 0), (WITA, 23), (WIT, 22)])
def test_the_morning_is_local_to_the_unit(zona: str, utc_hour: int) -> None:
    h0 = jadwal(Aturan(), akhir_hari(datetime(2024, 11, 26).date(), zona), zona)["penanggung"][3]
    assert h0.kode == "h0" and h0.waktu.hour == utc_hour
    assert h0.waktu.astimezone(ZoneInfo(zona)).time() == time(7, 0)


def test_logistics_rule_is_short_and_escalates_at_once() -> None:
    rule = Kebijakan().untuk("logistik")
    tiers = jadwal(rule, wib(2024, 11, 26, 23, 59), WIB)
    assert [x.kode for x in tiers["penanggung"]] == ["h3", "h1", "h0", "t1"]
    assert lokal(tiers["kepala"][0].waktu) == lokal(tiers["pimpinan"][0].waktu) == "27-11 07.00"
    assert rentang(rule) == (timedelta(days=4), timedelta(days=3))


def test_no_escalation_and_no_overdue_when_configured_so() -> None:
    tiers = jadwal(Aturan(sebelum=(2,), lewat_hari=0, eskalasi_kepala=None, eskalasi_pimpinan=None),
                   wib(2024, 4, 5, 23, 59), WIB)
    assert [x.kode for x in tiers["penanggung"]] == ["h2"]
    assert tiers["kepala"] == [] and tiers["pimpinan"] == []
    assert lokal(tiers["penanggung"][0].akhir) == "06-04 07.00"


@pytest.mark.parametrize(("jam", "tenang"), [
    ((20, 59), False), ((21, 0), True), ((23, 30), True), ((0, 0), True), ((5, 59), True), ((6, 0), False),
    ((7, 0), False), ((12, 0), False)])
def test_quiet_hours_default_nine_in_the_evening_to_six_in_the_morning(jam: tuple[int, int], tenang: bool) -> None:
    assert sunyi(wib(2024, 5, 1, *jam), Aturan(), WIB) is tenang
    assert sunyi(wib(2024, 5, 1, *jam, zona=WIT), Aturan(), WIT) is tenang  # local to the unit, not to UTC


def test_quiet_hours_end_the_next_morning_or_the_same_morning() -> None:
    rule = Aturan()
    assert lokal(akhir_sunyi(wib(2024, 5, 1, 22, 15), rule, WIB)) == "02-05 06.00"
    assert lokal(akhir_sunyi(wib(2024, 5, 2, 3, 0), rule, WIB)) == "02-05 06.00"
    noon = wib(2024, 5, 2, 12, 0)
    assert akhir_sunyi(noon, rule, WIB) == noon
    daytime = Aturan(sunyi_mulai=time(12, 0), sunyi_selesai=time(13, 0), jam_pagi=time(7, 0))
    assert sunyi(wib(2024, 5, 2, 12, 30), daytime, WIB) and not sunyi(wib(2024, 5, 2, 13, 0), daytime, WIB)
    never = Aturan(sunyi_mulai=time(0, 0), sunyi_selesai=time(0, 0))
    assert not sunyi(wib(2024, 5, 2, 3, 0), never, WIB)


def test_a_step_deferred_by_quiet_hours_is_sent_when_they_end_never_dropped() -> None:
    rule = Aturan(jam_pagi=time(20, 0), sunyi_mulai=time(20, 30), sunyi_selesai=time(6, 0))
    step = jadwal(rule, wib(2024, 5, 10, 23, 59), WIB)["penanggung"][0]
    assert lokal(step.waktu) == "03-05 20.00"
    assert saat_kirim(step, rule, WIB) == step.waktu
    # snoozed until 22.00: quiet then, so at 06.00 the next day, still inside the step's window
    assert lokal(saat_kirim(step, rule, WIB, wib(2024, 5, 3, 22, 0))) == "04-05 06.00"  # type: ignore[arg-type]
    # a snooze past the window drops nothing but that step: the next step carries on
    assert saat_kirim(step, rule, WIB, wib(2024, 5, 8, 0, 0)) is None


def test_the_sweep_sends_the_step_whose_window_holds_now_and_only_when_allowed() -> None:
    rule = Aturan()
    steps = jadwal(rule, wib(2024, 4, 5, 23, 59), WIB)["penanggung"]
    assert langkah_jatuh_tempo(steps, wib(2024, 3, 29, 6, 59), rule, WIB) is None  # before H-7
    assert langkah_jatuh_tempo(steps, wib(2024, 3, 29, 7, 0), rule, WIB).kode == "h7"  # type: ignore[union-attr]
    # after downtime covering H-3 and H-1: only the latest due step
    assert langkah_jatuh_tempo(steps, wib(2024, 4, 4, 15, 0), rule, WIB).kode == "h1"  # type: ignore[union-attr]
    assert langkah_jatuh_tempo(steps, wib(2024, 4, 4, 22, 0), rule, WIB) is None  # quiet hours
    assert langkah_jatuh_tempo(steps, wib(2024, 4, 5, 8, 0), rule, WIB, wib(2024, 4, 6, 7, 0)) is None  # snoozed
    assert langkah_jatuh_tempo(steps, wib(2024, 4, 12, 20, 0), rule, WIB).kode == "t7"  # type: ignore[union-attr]
    assert langkah_jatuh_tempo(steps, wib(2024, 4, 13, 7, 0), rule, WIB) is None  # the reminder period is over


def _simulate(rule: Aturan, batas: datetime, ticks: list[datetime]) -> list[tuple[str, datetime]]:
    sent: list[tuple[str, datetime]] = []
    for tier in jadwal(rule, batas, WIB).values():
        done: set[str] = set()
        for now in ticks:
            step = langkah_jatuh_tempo(tier, now, rule, WIB)
            if step is not None and step.kode not in done:
                done.add(step.kode)
                sent.append((step.kode, now))
    return sorted(sent, key=lambda x: (x[1], x[0]))


@pytest.mark.parametrize(("batas", "n"), [(wib(2024, 4, 5, 23, 59), 13), (wib(2024, 11, 26, 6, 0), 12),
                                          (wib(2024, 2, 29, 12, 0), 13)])
def test_a_sweep_every_ten_minutes_sends_each_step_once_at_the_time_the_preview_gives(batas: datetime, n: int) -> None:
    rule = Aturan()
    start = (batas - timedelta(days=9)).replace(minute=0)
    ticks = [start + timedelta(minutes=10 * i) for i in range(6 * 24 * 20)]
    sent = _simulate(rule, batas, ticks)
    preview = sorted(((x.kode, saat_kirim(x, rule, WIB)) for tier in jadwal(rule, batas, WIB).values() for x in tier),
                     key=lambda x: (x[1], x[0]))  # type: ignore[arg-type, return-value]
    assert sent == preview
    assert len({k for k, _ in sent}) == len(sent) == n
    assert not any(sunyi(at, rule, WIB) for _, at in sent)


def test_an_outage_catches_up_once_with_the_latest_step_not_a_burst() -> None:
    rule = Aturan()
    batas = wib(2024, 4, 5, 23, 59)
    ticks = [wib(2024, 3, 29, 7, 0), wib(2024, 4, 5, 9, 0), wib(2024, 4, 5, 9, 1), wib(2024, 4, 8, 12, 0)]
    # down from 29 March 07.00 to 5 April 09.00: h3 and h1 are skipped, h0 goes once; then t3 and e1 on the 8th
    assert [(k, lokal(w)) for k, w in _simulate(rule, batas, ticks)] == [
        ("h7", "29-03 07.00"), ("h0", "05-04 09.00"), ("e1", "08-04 12.00"), ("t3", "08-04 12.00")]


def test_snooze_means_tomorrow_morning_in_the_units_zone() -> None:
    assert lokal(pagi_berikutnya(wib(2024, 4, 4, 7, 5), Aturan(), WIB)) == "05-04 07.00"
    assert lokal(pagi_berikutnya(wib(2024, 4, 4, 23, 30), Aturan(), WIB)) == "05-04 07.00"
    assert lokal(pagi_berikutnya(wib(2024, 4, 4, 6, 0, zona=WITA), Aturan(), WITA), WITA) == "05-04 07.00"


def test_policy_overrides_from_the_admin_settings() -> None:
    k = Kebijakan.dari_setelan({"pelaporan": {"lewat_hari": 3, "sebelum": [14, 7, 0, 7]},
                                "semua": {"sunyi_mulai": "22:00"}})
    assert k.untuk("pelaporan").lewat_hari == 3 and k.untuk("pelaporan").sebelum == (14, 7, 0)
    assert k.untuk("pelaporan").sunyi_mulai == time(22, 0) == k.untuk("logistik").sunyi_mulai
    assert k.untuk("logistik").lewat_hari == 1  # the kind's own default survives a general override
    assert k.untuk("tidak-dikenal") == k.untuk("manual")
    assert Kebijakan.dari_setelan(None) == Kebijakan() == Kebijakan.dari_setelan({})


@pytest.mark.parametrize(("setelan", "pesan"), [
    ({"pelaporan": {"lewat_hari": -1}}, "pelaporan.lewat_hari"),
    ({"pelaporan": {"lewat_hari": "tujuh"}}, "pelaporan.lewat_hari"),
    ({"pelaporan": {"sebelum": [100]}}, "pelaporan.sebelum"),
    ({"pelaporan": {"jam_pagi": "25:00"}}, "pelaporan.jam_pagi"),
    ({"pelaporan": {"jam_pagi": "05:00"}}, "jam tenang"),
    ({"pelaporan": {"warna": "merah"}}, "pelaporan.warna"),
    ({"ulang_tahun": {}}, "tidak dikenal"),
    (["bukan", "objek"], "objek"),
])
def test_wrong_policy_settings_are_refused_in_indonesian(setelan: object, pesan: str) -> None:
    with pytest.raises(ParseError) as err:
        Kebijakan.dari_setelan(setelan)  # type: ignore[arg-type]
    assert pesan in err.value.pesan


def test_a_rule_is_checked_when_built() -> None:
    with pytest.raises(ValidationError):
        Aturan(jam_pagi=time(22, 0))
    with pytest.raises(ValidationError):
        Aturan(eskalasi_kepala=0)
    with pytest.raises(ValueError, match="berzona"):
        jadwal(Aturan(), datetime(2024, 1, 1), WIB)


# --- the admin's form for one kind's rule ---------------------------------------------------------------------

ISIAN = {"sebelum": "H-7, H-3, H-1, H", "jam_pagi": "07.00", "lewat_hari": "7", "eskalasi_kepala": "2",
         "eskalasi_pimpinan": "4", "sunyi_mulai": "21.00", "sunyi_selesai": "06.00"}


def test_form_fields_read_as_the_default_rule() -> None:
    assert aturan_dari_isian(ISIAN) == Aturan()


@pytest.mark.parametrize(("sebelum", "hari"), [
    ("H-7, H-3, H-1, H", (7, 3, 1, 0)), ("7,3,1,0", (7, 3, 1, 0)), ("h - 5 h-2 H", (5, 2, 0)),
    ("H-1; H-1; H", (1, 0)), ("", ()), ("  ", ()), ("H-60", (60,)), ("0", (0,)),
])
def test_days_before_the_deadline_in_the_forms_people_write(sebelum: str, hari: tuple[int, ...]) -> None:
    assert aturan_dari_isian({**ISIAN, "sebelum": sebelum}).sebelum == hari


def test_optional_escalations_and_times() -> None:
    a = aturan_dari_isian({**ISIAN, "eskalasi_kepala": "", "eskalasi_pimpinan": "tidak", "jam_pagi": "pukul 8:30",
                           "sunyi_mulai": "22.00 WIB", "lewat_hari": "0"})
    assert (a.eskalasi_kepala, a.eskalasi_pimpinan, a.jam_pagi, a.sunyi_mulai, a.lewat_hari) == (
        None, None, time(8, 30), time(22, 0), 0)


@pytest.mark.parametrize(("nama", "nilai", "potongan"), [
    ("sebelum", "seminggu", "Hari pengingat 'seminggu' tidak dikenali"),
    ("sebelum", "H-61", "paling awal H-60"),
    ("sebelum", "H-٣", "tidak dikenali"),  # Arabic-Indic digit
    ("sebelum", "H-7; DROP TABLE deadlines", "tidak dikenali"),
    ("sebelum", "H-1, " * 60, "terlalu panjang"),
    ("jam_pagi", "", "Jam pengingat: Jam belum diisi"),
    ("jam_pagi", "25.00", "jam harus 00 sampai 23"),
    ("jam_pagi", "22.00", "jatuh di jam tenang (21.00–06.00)"),
    ("lewat_hari", "", "belum diisi"),
    ("lewat_hari", "1.000", "melebihi batas maksimum 60"),
    ("lewat_hari", "1,5", "bilangan bulat"),
    ("lewat_hari", "-1", "tidak boleh negatif"),
    ("lewat_hari", "tujuh", "Pengingat harian setelah lewat batas:"),
    ("eskalasi_kepala", "0", "kosongkan bila tidak ada eskalasi"),
    ("eskalasi_pimpinan", "61", "melebihi batas maksimum 60"),
    ("sunyi_selesai", "13 pagi", "Jam tenang selesai:"),
])
def test_wrong_form_input_is_refused_in_indonesian(nama: str, nilai: str, potongan: str) -> None:
    assert potongan in pesan_galat(aturan_dari_isian, {**ISIAN, nama: nilai})


@CEPAT
@given(st.dictionaries(st.sampled_from(ISIAN_ATURAN), st.text(max_size=300)))
def test_any_form_input_is_a_rule_or_a_parse_error(acak: dict[str, str]) -> None:
    try:
        a = aturan_dari_isian({**ISIAN, **acak})
    except ParseError as exc:
        assert exc.pesan.strip()
    else:
        assert Kebijakan.dari_setelan({"manual": a.model_dump(mode="json")}).untuk("manual") == a
