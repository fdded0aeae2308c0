"""The logistics report's level follows the organisation tree: per kab/kota within one province, per province
under a national root, and the drill-down from a national scope to a province and its kab/kota."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entitas import Unit
from reports import logistik
from storage import nasional, org

KECIL = 0.001  # 38 provinces, 514 kab/kota, 823 TPS


def _u(uid: int, parent: int | None, kind: str = "satker", kode: str | None = None) -> Unit:
    return Unit(uid, f"U{uid}", f"Unit {uid}", kind, parent, kode)


def test_rows_are_the_level_below_the_closest_common_ancestor() -> None:
    # 1 national root; 2 and 3 provinces; 10, 11 under 2; 20 under 3; 30 a kab/kota right under the root;
    # 40 a second root with kab/kota 41 (another organisation in the same database)
    pohon = logistik.Pohon([_u(1, None), _u(2, 1, kode="17"), _u(3, 1, kode="32"), _u(10, 2, "kabkota"),
                            _u(11, 2, "kabkota"), _u(20, 3, "kabkota"), _u(30, 1, "kabkota"), _u(40, None),
                            _u(41, 40, "kabkota"), _u(5, 2, "bagian")])
    assert pohon.kabkota(None) == [10, 11, 20, 30, 41]
    assert pohon.kabkota([10, 20, 5], di=None) == [10, 20] and pohon.kabkota(None, di=2) == [10, 11]
    assert pohon.kelompok([10, 11]) == {10: 10, 11: 11}  # one province: kab/kota one by one
    assert pohon.kelompok([10, 11, 20]) == {10: 2, 11: 2, 20: 3}  # two provinces: per province
    assert pohon.kelompok([10, 11, 20, 30]) == {10: 2, 11: 2, 20: 3, 30: 30}  # mixed levels
    assert pohon.kelompok([10, 41]) == {10: 1, 41: 40}  # no common ancestor: per root
    assert pohon.kelompok([20]) == {20: 20} and pohon.kelompok([]) == {}
    # a group may be drilled into only below the scope's common ancestor, and only if it holds kab/kota of it
    kab = [10, 11, 20]
    assert pohon.kelompok_dari(kab, 2) and pohon.kelompok_dari(kab, 3)
    assert not any(pohon.kelompok_dari(kab, u) for u in (1, 10, 5, 40, 999))
    assert not pohon.kelompok_dari([10, 11], 2)  # the province itself is the top of a province scope
    assert not pohon.kelompok_dari([20], 3)


def test_a_cyclic_tree_does_not_hang() -> None:
    pohon = logistik.Pohon([_u(1, 2), _u(2, 1), _u(3, 1, "kabkota")])
    assert pohon.rantai(3) == [2, 1, 3]


async def test_national_scope_is_per_province_and_drills_down(empty_engine: AsyncEngine) -> None:
    await nasional.generate(empty_engine, faktor=KECIL, seed=7)
    async with empty_engine.connect() as conn:
        units = {u.code: u for u in await org.units(conn)}
        prov32, ri = units["PROV-32"], units["RI"]
        kab32 = [u.id for u in units.values() if u.parent_id == prov32.id]
        lap = await logistik.build(conn)
        jabar = await logistik.build_wilayah(conn, None, prov32.id)
        cli_jabar = await logistik.build(conn, await org.descendants(conn, prov32.id))  # `--unit PROV-32`
        kab_3201 = [units["KAB-3201"].id]
        refused = [await logistik.build_wilayah(conn, scope, uid) for scope, uid in (
            (None, ri.id), (None, kab32[0]), (None, 999_999), (kab_3201, prov32.id),
            (kab32, units["PROV-33"].id), (kab32, prov32.id))]
        letak_kab = await logistik.letak(conn, None, kab32[0])
        letak_prov = await logistik.letak(conn, None, prov32.id)
        letak_jabar = await logistik.letak(conn, kab32, kab32[0])
    assert lap.tingkat == "provinsi" and len(lap.wilayah) == 38 and len(lap.kabkota) == 514
    assert [w.kode for w in lap.wilayah] == sorted(w.kode for w in lap.wilayah)
    assert all(w.tingkat == "provinsi" for w in lap.wilayah) and sum(w.jumlah_kabkota for w in lap.wilayah) == 514
    for name in ("tps", "sulit", "tiba", "tepat", "bermasalah", "terlambat", "belum", "eskalasi_terbuka"):
        assert sum(getattr(w, name) for w in lap.wilayah) == sum(getattr(k, name) for k in lap.kabkota), name
    row32 = next(w for w in lap.wilayah if w.unit_id == prov32.id)
    assert (row32.kode, row32.nama, row32.jumlah_kabkota) == ("PROV-32", "KPU Provinsi Jawa Barat", 27)
    assert row32.tps == sum(k.tps for k in lap.kabkota if k.unit_id in kab32)
    assert row32.tiba == sum(k.tiba for k in lap.kabkota if k.unit_id in kab32)
    assert jabar is not None and jabar.tingkat == "kabkota"
    assert (jabar.induk_id, jabar.induk) == (prov32.id, prov32.name)
    assert [w.unit_id for w in jabar.wilayah] == [k.unit_id for k in jabar.kabkota] and len(jabar.wilayah) == 27
    assert (jabar.total_tps, jabar.tiba, jabar.tepat) == (row32.tps, row32.tiba, row32.tepat)
    assert cli_jabar.tingkat == "kabkota" and cli_jabar.wilayah == jabar.wilayah and cli_jabar.induk is None
    assert refused == [None] * 6
    assert (letak_kab.atas_id, letak_kab.atas, letak_kab.tingkat) == (prov32.id, prov32.name, "provinsi")
    assert (letak_prov.atas_id, letak_prov.tingkat) == (None, "provinsi")
    assert (letak_jabar.atas_id, letak_jabar.tingkat) == (None, "kabkota")


async def test_a_province_scope_stays_per_kabkota(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await logistik.build(conn)
        prov = await org.unit_by_code(conn, "PROV")
        assert prov is not None
        assert await logistik.build_wilayah(conn, None, prov.id) is None
    assert lap.tingkat == "kabkota" and len(lap.wilayah) == len(lap.kabkota) == 10
    assert [w.model_dump(exclude={"tingkat", "jumlah_kabkota"}) for w in lap.wilayah] == [
        k.model_dump() for k in lap.kabkota]
    assert lap.induk is None


@pytest.mark.parametrize(("kode", "tingkat"), [("32", "provinsi"), ("32.01", "wilayah"), (None, "wilayah")])
def test_level_names(kode: str | None, tingkat: str) -> None:
    pohon = logistik.Pohon([_u(1, None), _u(2, 1, kode=kode), _u(3, 1, kode="33"), _u(4, 2, "kabkota"),
                            _u(5, 3, "kabkota")])
    assert logistik._tingkat(pohon.unit[pohon.kelompok([4, 5])[4]]) == tingkat
