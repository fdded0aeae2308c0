"""The demo's whole year 2024 on a controllable clock: every reminder of every deadline, per recipient.

Deadlines come from the demo (rencana aksi, quarterly reporting, the 20 voter-list stages for 10 kab/kota and
the province, the logistics H-1 cut-off and the earlier one for TPS sulit). Reports "land" (the rows the
reporting flows write) on a plan: most the day before the deadline at 10.00, some late, one never. The sweep
runs on a tick list (every morning at 07.00, some middays and late evenings, none during a 2-day outage), the
real outbox sender delivers to the fake Bot API, and the result is compared with an oracle written here from
the rules in the issue — not with the policy module — so a wrong step, a missing, duplicated, quiet-hours or
after-the-report reminder fails the test.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot import pengingat
from storage import tables as t
from storage import tenggat
from tests.bot.pengingat_uji import (
    Jam,
    baris_outbox,
    lapor_realisasi,
    lapor_tiba,
    lokal,
    pengirim,
    progres_rencana,
    selesaikan_tahapan,
    tambah_pengguna,
    tps_kab,
)

WIB = ZoneInfo("Asia/Jakarta")
ZONA = "Asia/Jakarta"
MULAI, AKHIR = date(2023, 12, 17), date(2025, 1, 25)
SEKRETARIS, KABAG, OP_DATIN, OP_UML, OP_KOTA, PETUGAS = 910002, 910003, 910004, 910005, 910006, 910007
OP_KAB = {f"KAB-17{n:02d}": 920000 + n for n in range(1, 10)}  # one operator per kabupaten (added here)
OP_KAB["KAB-1771"] = OP_KOTA
GABUNG = {OP_KAB["KAB-1705"]: lokal(date(2024, 8, 10), 8)}  # joins mid-year
DICABUT = {OP_KAB["KAB-1702"]: lokal(date(2024, 9, 1), 12)}  # revoked mid-year
SELAMANYA = datetime(9999, 1, 1, tzinfo=UTC)
PADAM = (lokal(date(2024, 6, 10), 5), lokal(date(2024, 6, 12), 9))  # the bot is down (no sweeps)


@dataclass(frozen=True)
class Tg:
    """A deadline as the oracle sees it."""

    id: int
    jenis: str
    ref: str
    unit: str
    batas: datetime


def _penanggung(d: Tg) -> list[int]:
    ops = {**OP_KAB, "PDI-DATIN": OP_DATIN, "KUL-UML": OP_UML, "KUL": OP_UML, "PDI": OP_DATIN}
    out = [ops[d.unit]] if d.unit in ops else []
    if d.jenis == "logistik" and d.unit == "KAB-1771" and d.ref == "h1":
        out.append(PETUGAS)
    return out


def _kepala(d: Tg) -> list[int]:
    if d.unit.startswith("BTENG"):
        return []
    return [KABAG] if d.unit.startswith("KUL") else [SEKRETARIS]


def _pimpinan(d: Tg) -> list[int]:
    return [] if d.unit.startswith("BTENG") else [SEKRETARIS]


def _langkah(d: Tg) -> dict[str, list[tuple[str, datetime]]]:
    """The steps per tier from the issue's rules: H-7/H-3/H-1/day at 07.00, daily overdue, escalations."""
    hari = d.batas.astimezone(WIB).date()
    logistik = d.jenis == "logistik"
    sebelum, lewat, e1, e2 = ((3, 1, 0), 1, 1, 1) if logistik else ((7, 3, 1, 0), 7, 2, 4)

    def pagi(k: int) -> datetime:
        return lokal(hari + timedelta(days=k), 7)

    pre = [(f"h{h}", pagi(-h)) for h in sebelum if pagi(-h) < d.batas]
    return {"penanggung": pre + [(f"t{k}", pagi(k)) for k in range(1, lewat + 1)],
            "kepala": [("e1", pagi(e1))], "pimpinan": [("e2", pagi(e2))],
            "_akhir": [("", pagi(max(lewat, e1, e2) + 1))]}


def _sunyi(at: datetime) -> bool:
    jam = at.astimezone(WIB).time()
    return jam >= time(21, 0) or jam < time(6, 0)


def _oracle(ds: list[Tg], lapor: dict[tuple[int, int | None], datetime], ticks: list[datetime]
            ) -> dict[int, list[tuple[int, str, datetime]]]:
    """Per chat: (deadline, step, tick) a minute-by-minute-faithful sweep on these ticks must send."""
    out: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for d in ds:
        steps = _langkah(d)
        akhir = steps["_akhir"][0][1]
        seen: set[int] = set()
        tiers = []
        for tier, people in (("penanggung", _penanggung(d)), ("kepala", _kepala(d)), ("pimpinan", _pimpinan(d))):
            people = [p for p in people if p not in seen]  # each person once, at their lowest tier
            seen |= set(people)
            tiers.append((tier, people))
        for tier, people in tiers:
            sched = steps[tier]
            for who in people:
                landed = lapor.get((d.id, who), lapor.get((d.id, None)))
                sent: set[str] = set()
                for tick in ticks[bisect_left(ticks, sched[0][1]) if sched else len(ticks):]:
                    if tick >= akhir or (landed is not None and tick >= landed):
                        break
                    if _sunyi(tick) or tick < GABUNG.get(who, tick) or tick >= DICABUT.get(who, SELAMANYA):
                        continue
                    for i, (kode, mulai) in enumerate(sched):
                        ujung = sched[i + 1][1] if i + 1 < len(sched) else akhir
                        if mulai <= tick < ujung and kode not in sent:
                            sent.add(kode)
                            out[who].append((d.id, kode, tick))
    return out


def _ticks(*, semua_pagi: bool = True) -> list[datetime]:
    out: set[datetime] = set()
    day = MULAI
    n = 0
    while day <= AKHIR:
        if semua_pagi:
            out.add(lokal(day, 7))
        if n % 7 == 0:
            out |= {lokal(day, 12), lokal(day, 22, 30)}
        day += timedelta(days=1)
        n += 1
    out |= {PADAM[1], *GABUNG.values(), *DICABUT.values()}
    return sorted(x for x in out if not PADAM[0] <= x < PADAM[1])


async def test_the_whole_year_2024_reminds_exactly_as_the_rules_say(engine: AsyncEngine) -> None:
    t0 = lokal(MULAI, 0)
    async with engine.begin() as conn:
        await conn.execute(t.stage_completions.delete())  # the demo marks past stages done; here they are live
        # The oracle below knows the calendar days of the reminder rules; holidays (which move steps and skip days)
        # are tested against their own rules in tests/*/test_libur.py and tests/domain/test_harikerja.py.
        await conn.execute(t.holidays.delete())
        for unit, tg in OP_KAB.items():
            if tg != OP_KOTA:
                await tambah_pengguna(conn, tg=tg, nama=f"Operator {unit}", peran="operator", unit=unit,
                                      now=GABUNG.get(tg, t0))
        # Join later: inactive until then (a pending request the admin approves at GABUNG).
        await conn.execute(t.users.update().where(t.users.c.telegram_id.in_(list(GABUNG))).values(status="menunggu"))
        await tenggat.sinkronkan(conn, zona=ZONA, now=t0)
        rows = (await conn.execute(sa.select(t.deadlines.c.id, t.deadlines.c.jenis, t.deadlines.c.ref,
                                             t.units.c.code, t.deadlines.c.batas)
                                   .join(t.units, t.units.c.id == t.deadlines.c.unit_id))).all()
        stage_no = dict((await conn.execute(sa.select(t.voter_stages.c.id, t.voter_stages.c.no))).all())
        ra_kode = dict((await conn.execute(sa.select(t.rencana_aksi.c.id, t.rencana_aksi.c.kode))).all())
        user_of = dict((await conn.execute(sa.select(t.users.c.telegram_id, t.users.c.id))).all())
        tps_petugas = list((await conn.execute(sa.select(t.user_tps.c.tps_id).where(
            t.user_tps.c.user_id == user_of[PETUGAS]))).scalars().all())
    ds = [Tg(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    assert {d.jenis for d in ds} == {"rencana_aksi", "pelaporan", "pemutakhiran", "logistik"}
    assert sum(1 for d in ds if d.jenis == "pemutakhiran" and d.unit.startswith("KAB-")) == 16 * 10

    # --- when each report lands (None key: for everyone; (deadline, chat): for one person) -----------------
    lapor: dict[tuple[int, int | None], datetime] = {}
    tindakan: list[tuple[datetime, str, Tg, list[int]]] = []
    for d in ds:
        hari = d.batas.astimezone(WIB).date()
        landed: datetime | None = lokal(hari - timedelta(days=1), 10)
        if d.jenis == "pelaporan" and (d.unit, d.ref) == ("KUL-UML", "2024-Q2"):
            landed = lokal(hari + timedelta(days=5), 10)
        elif d.jenis == "pemutakhiran" and d.unit == "KAB-1701" and stage_no[int(d.ref.split(":")[1])] == 5:
            landed = lokal(hari + timedelta(days=3), 10)
        elif d.jenis == "rencana_aksi" and d.ref.endswith(":selesai") and \
                ra_kode[int(d.ref.split(":")[1])] == "6871.QGE.002":
            landed = None  # never finished
        elif d.jenis == "logistik" and (d.unit, d.ref) == ("KAB-1703", "h1"):
            landed = lokal(hari + timedelta(days=1), 10)
        elif d.jenis == "logistik" and (d.unit, d.ref) == ("KAB-1771", "h1"):
            landed = lokal(hari, 10)
            lapor[(d.id, PETUGAS)] = lokal(hari - timedelta(days=1), 10)  # the petugas' own 3 TPS, a day earlier
        if landed is not None:
            lapor[(d.id, None)] = landed
            tindakan.append((landed, "lapor", d, []))
    tindakan.sort(key=lambda x: (x[0], x[2].id))
    petugas_landed = next(v for (_, who), v in lapor.items() if who == PETUGAS)

    # --- run the year -----------------------------------------------------------------------------------------
    # Tick every morning either side expects something (the oracle without any report, and the policy's own
    # preview of the year), some middays and late evenings, and the special moments; never during the outage.
    async with engine.connect() as conn:
        preview = await tenggat.pratinjau(conn, dari=t0, sampai=lokal(AKHIR, 23), now=t0, zona=ZONA)
    pagi = {w for v in _oracle(ds, {}, _ticks()).values() for _, _, w in v} | {r.waktu for r in preview}
    ticks = sorted(x for x in set(_ticks(semua_pagi=False)) | pagi if not PADAM[0] <= x < PADAM[1])
    jam = Jam(t0)
    async with pengirim(engine, jam, [SEKRETARIS, KABAG, OP_DATIN, OP_UML, PETUGAS, *OP_KAB.values()]) as kirim:
        i = 0
        petugas_done = False
        for tick in ticks:
            jam.now = tick
            if (i < len(tindakan) and tindakan[i][0] <= tick) or tick in GABUNG.values() or tick in DICABUT.values() \
                    or (not petugas_done and tick >= petugas_landed):
                async with engine.begin() as conn:
                    if not petugas_done and tick >= petugas_landed:
                        await lapor_tiba(conn, tps_petugas, petugas_landed)
                        petugas_done = True
                    while i < len(tindakan) and tindakan[i][0] <= tick:
                        at, _, d, _ = tindakan[i]
                        await _mendarat(conn, d, at, tps_petugas)
                        i += 1
                    for tg, at in GABUNG.items():
                        if tick == at:
                            await conn.execute(t.users.update().where(t.users.c.telegram_id == tg)
                                               .values(status="aktif"))
                    for tg, at in DICABUT.items():
                        if tick == at:
                            await conn.execute(t.users.update().where(t.users.c.telegram_id == tg)
                                               .values(status="dicabut"))
            hasil = await pengingat.sapu(engine, now=tick, zona=ZONA, sinkron=False)
            if hasil.diantrekan:
                await kirim.kirim_semua()
        api = kirim.api

    # --- compare ----------------------------------------------------------------------------------------------
    sent = await baris_outbox(engine)
    assert {r.status for r in sent} == {"terkirim"}
    chat_of = {v: k for k, v in user_of.items()}
    actual: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for r in sent:
        deadline_id, user_id, step = tenggat.urai_kunci(r.dedup_key)  # type: ignore[misc]
        assert chat_of[user_id] == r.chat_id
        actual[r.chat_id].append((deadline_id, step, r.created_at))
        assert r.sent_at - r.created_at < timedelta(minutes=1)
        assert not _sunyi(r.sent_at), f"sent in quiet hours: {r.dedup_key} at {r.sent_at}"
        landed = lapor.get((deadline_id, r.chat_id), lapor.get((deadline_id, None)))
        assert landed is None or r.created_at < landed, f"sent after the report landed: {r.dedup_key}"
    expected = _oracle(ds, lapor, ticks)
    for chat in sorted(set(expected) | set(actual)):
        a_, e_ = set(actual[chat]), set(expected[chat])
        assert sorted(actual[chat]) == sorted(expected[chat]), (chat, sorted(a_ - e_), sorted(e_ - a_))
        # exactly once at the Bot API: one message per outbox row, none twice
        assert len(api.messages(chat)) == len(actual[chat])
    assert sum(len(v) for v in expected.values()) > 500

    # --- spot checks, written out ----------------------------------------------------------------------------
    def langkah_untuk(chat: int, pred: object) -> list[tuple[str, str]]:
        return [(s, f"{w.astimezone(WIB):%Y-%m-%d %H.%M}") for d_id, s, w in sorted(actual[chat], key=lambda x: x[2])
                if pred(next(d for d in ds if d.id == d_id))]  # type: ignore[operator]

    def q2(d: Tg) -> bool:
        return (d.jenis, d.unit, d.ref) == ("pelaporan", "KUL-UML", "2024-Q2")

    # Q2 ends Sunday 30 June; five working days later is Friday 5 July 23.59 WIB; the report lands on the 10th.
    assert langkah_untuk(OP_UML, q2) == [
        ("h7", "2024-06-28 07.00"), ("h3", "2024-07-02 07.00"), ("h1", "2024-07-04 07.00"),
        ("h0", "2024-07-05 07.00"), ("t1", "2024-07-06 07.00"), ("t2", "2024-07-07 07.00"),
        ("t3", "2024-07-08 07.00"), ("t4", "2024-07-09 07.00"), ("t5", "2024-07-10 07.00")]
    assert langkah_untuk(KABAG, q2) == [("e1", "2024-07-07 07.00")]
    assert langkah_untuk(SEKRETARIS, q2) == [("e2", "2024-07-09 07.00")]

    def kota(d: Tg) -> bool:
        return (d.jenis, d.unit, d.ref) == ("logistik", "KAB-1771", "h1")

    assert langkah_untuk(OP_KOTA, kota) == [("h3", "2024-11-23 07.00"), ("h1", "2024-11-25 07.00"),
                                            ("h0", "2024-11-26 07.00")]
    assert langkah_untuk(PETUGAS, kota) == [("h3", "2024-11-23 07.00"), ("h1", "2024-11-25 07.00")]

    def bengkulu_utara(d: Tg) -> bool:
        return (d.jenis, d.unit, d.ref) == ("logistik", "KAB-1703", "h1")

    # Late on voting day: one overdue reminder, and the head (the Sekretaris, who is also the pimpinan) told once.
    assert langkah_untuk(OP_KAB["KAB-1703"], bengkulu_utara)[-1] == ("t1", "2024-11-27 07.00")
    assert langkah_untuk(SEKRETARIS, bengkulu_utara) == [("e1", "2024-11-27 07.00")]

    def tahap(no: int) -> object:
        return lambda d: d.jenis == "pemutakhiran" and d.unit == "KAB-1705" and stage_no[int(d.ref.split(":")[1])] == no

    # The operator who joined on 10 August 08.00 gets stage 9's current step (H-1) at once, nothing from before.
    assert langkah_untuk(OP_KAB["KAB-1705"], tahap(8)) == []
    assert langkah_untuk(OP_KAB["KAB-1705"], tahap(9)) == [("h1", "2024-08-10 08.00")]
    # The outage (10 June 05.00 to 12 June 09.00): stage 3's H-3 is skipped, its H-1 caught up once at 09.00.
    assert langkah_untuk(OP_KAB["KAB-1701"], tahap_unit("KAB-1701", 3, stage_no)) == [
        ("h7", "2024-06-06 07.00"), ("h1", "2024-06-12 09.00")]
    assert langkah_untuk(OP_KAB["KAB-1701"], tahap_unit("KAB-1701", 4, stage_no)) == [
        ("h7", "2024-06-07 07.00"), ("h3", "2024-06-12 09.00"), ("h1", "2024-06-13 07.00")]
    # The revoked operator gets nothing after 1 September.
    assert all(w < DICABUT[OP_KAB["KAB-1702"]] for _, _, w in actual[OP_KAB["KAB-1702"]])
    assert any(w > lokal(date(2024, 9, 1), 0) for _, _, w in actual[OP_KAB["KAB-1703"]])


def tahap_unit(unit: str, no: int, stage_no: dict[int, int]) -> object:
    """A predicate: the stage deadline of one unit."""
    return lambda d: d.jenis == "pemutakhiran" and d.unit == unit and stage_no[int(d.ref.split(":")[1])] == no


async def _mendarat(conn: AsyncConnection, d: Tg, at: datetime, tps_petugas: list[int]) -> None:
    """Write the rows the reporting flow writes when this deadline's report lands."""
    if d.jenis == "pelaporan":
        await lapor_realisasi(conn, d.unit, d.ref, at)
    elif d.jenis == "pemutakhiran":
        # /tahapan marks the province's own stages (reminded to its data section) for the province unit
        await selesaikan_tahapan(conn, int(d.ref.split(":")[1]), d.unit if d.unit.startswith("KAB-") else "PROV", at)
    elif d.jenis == "rencana_aksi":
        await progres_rencana(conn, int(d.ref.split(":")[1]), "berjalan" if d.ref.endswith(":mulai") else "selesai", at)
    elif d.jenis == "logistik":
        sulit = d.ref == "h1-sulit"
        ids = await tps_kab(conn, d.unit, sulit=sulit)
        await lapor_tiba(conn, [i for i in ids if i not in tps_petugas], at)


def test_oracle_helpers_agree_on_a_plain_deadline() -> None:
    """The oracle itself: a 23.59 deadline gets H-7/H-3/H-1/day mornings, 7 overdue days, e1 on day 2, e2 on day 4."""
    d = Tg(1, "manual", "x", "KUL", lokal(date(2024, 3, 15), 23, 59))
    steps = _langkah(d)
    assert [k for k, _ in steps["penanggung"]] == ["h7", "h3", "h1", "h0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"]
    assert steps["kepala"] == [("e1", datetime(2024, 3, 17, 0, 0, tzinfo=UTC))]
    assert steps["_akhir"][0][1] == datetime(2024, 3, 23, 0, 0, tzinfo=UTC)
