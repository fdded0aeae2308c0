"""The one scope rule: which units, KPU kab/kota and TPS a user may see, and which of them they may act on.

Several organisations (top-level units) may share one installation; nobody but an admin sees past the tree of
their own organisation. A user's unit anchors the rule:

- **units** (PK, realisations, action plan, deadlines): the user's unit and every unit below it;
- **organisation** (budget lines): the tree of the nearest satker or KPU kab/kota at or above the user's unit;
- **kab/kota** (TPS, arrival reports and photos, escalations, warehouse, voter-list stages): a KPU kab/kota's own
  staff their kab/kota; a satker's staff the KPU kab/kota below that satker; a petugas the kab/kota of their TPS;
- **TPS**: a petugas reports only for the TPS assigned to them; others see every TPS of their kab/kota;
- **strategic indicators** (IKU): admins, and leaders at the top of the organisation that holds them.

Admins see and act on everything. Acting on field data (marking an escalation handled) needs the kab/kota in
scope and a role that may press the button (``domain.akses``). A revoked, pending or unknown account has no scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.entitas import Pengguna, Unit

BERTINDAK_DI_LAPANGAN = frozenset({"admin", "pimpinan", "operator"})


@dataclass(frozen=True)
class Cakupan:
    """What one user may see and act on; None stands for everything in the installation."""

    peran: str | None
    unit_ids: frozenset[int] | None
    organisasi_ids: frozenset[int] | None
    kabkota_ids: frozenset[int] | None
    tps_ids: frozenset[int] | None  # a petugas: their TPS; everyone else: None (every TPS of their kab/kota)
    iku: bool
    satker_id: int | None = None  # the satker anchoring a satker's staff (a province's secretariat), else None

    def lihat_unit(self, unit_id: int | None) -> bool:
        """Whether the user may see this unit's data."""
        return self.unit_ids is None or (unit_id is not None and unit_id in self.unit_ids)

    def lihat_organisasi(self, unit_id: int | None) -> bool:
        """Whether the user may see organisation-wide data (a budget line) held by this unit."""
        return self.organisasi_ids is None or (unit_id is not None and unit_id in self.organisasi_ids)

    def lihat_kabkota(self, kabkota_id: int | None) -> bool:
        """Whether the user may see this KPU kab/kota's field data."""
        return self.kabkota_ids is None or (kabkota_id is not None and kabkota_id in self.kabkota_ids)

    def lihat_tps(self, tps_id: int, kabkota_id: int) -> bool:
        """Whether the user may see this TPS."""
        return self.lihat_kabkota(kabkota_id) and (self.tps_ids is None or tps_id in self.tps_ids)

    def tindak_kabkota(self, kabkota_id: int | None) -> bool:
        """Whether the user may act on this kab/kota's field data (escalations, warehouse, stages)."""
        return self.peran in BERTINDAK_DI_LAPANGAN and self.lihat_kabkota(kabkota_id)

    def tindak_tps(self, tps_id: int) -> bool:
        """Whether the user may report arrivals at this TPS (only a petugas, only their own TPS)."""
        return self.peran == "petugas" and self.tps_ids is not None and tps_id in self.tps_ids

    @property
    def unit_list(self) -> list[int] | None:
        """The unit ids sorted, for queries (None: all)."""
        return None if self.unit_ids is None else sorted(self.unit_ids)

    @property
    def organisasi_list(self) -> list[int] | None:
        """The organisation's unit ids sorted, for queries (None: all)."""
        return None if self.organisasi_ids is None else sorted(self.organisasi_ids)

    @property
    def kabkota_list(self) -> list[int] | None:
        """The kab/kota ids sorted, for queries (None: all)."""
        return None if self.kabkota_ids is None else sorted(self.kabkota_ids)


KOSONG = Cakupan(None, frozenset(), frozenset(), frozenset(), frozenset(), False)
SEMUA = Cakupan("admin", None, None, None, None, True)


def boleh_lapor_tps(p: Pengguna, tps_id: int) -> bool:
    """Whether an account may report arrivals at a TPS: an active petugas, at a TPS assigned to them."""
    return p.aktif and p.role == "petugas" and tps_id in p.tps_ids


def _turunan(unit_id: int, anak: Mapping[int | None, list[int]]) -> frozenset[int]:
    out: set[int] = set()
    stack = [unit_id]
    while stack:
        u = stack.pop()
        if u not in out:
            out.add(u)
            stack.extend(anak.get(u, []))
    return frozenset(out)


def _jangkar(unit: Unit, semua: Mapping[int, Unit]) -> Unit:
    """The nearest satker or KPU kab/kota at or above the unit (the unit itself when there is none)."""
    u, seen = unit, set()
    while u.kind not in ("satker", "kabkota") and u.parent_id is not None and u.parent_id in semua \
            and u.id not in seen:
        seen.add(u.id)
        u = semua[u.parent_id]
    return u if u.kind in ("satker", "kabkota") else unit


def _akar(unit: Unit, semua: Mapping[int, Unit]) -> Unit:
    u, seen = unit, set()
    while u.parent_id is not None and u.parent_id in semua and u.id not in seen:
        seen.add(u.id)
        u = semua[u.parent_id]
    return u


def _atau_semua(ids: frozenset[int], semua: Iterable[int]) -> frozenset[int] | None:
    """None when the set is everything there is (so queries need no filter), else the set."""
    return None if ids >= frozenset(semua) else ids


def hitung(p: Pengguna | None, units: Iterable[Unit], tps_kabkota: Mapping[int, int],
           iku_unit_ids: Iterable[int | None] = ()) -> Cakupan:
    """The scope of a user, from the unit tree, the kab/kota of the user's TPS and the units holding the IKU."""
    if p is None or not p.aktif:
        return KOSONG
    if p.role == "admin":
        return SEMUA
    semua = {u.id: u for u in units}
    anak: dict[int | None, list[int]] = {}
    for u in semua.values():
        anak.setdefault(u.parent_id, []).append(u.id)
    kab_semua = [u.id for u in semua.values() if u.kind == "kabkota"]
    unit = semua.get(p.unit_id) if p.unit_id is not None else None
    unit_ids = _turunan(unit.id, anak) if unit else frozenset()
    jangkar = _jangkar(unit, semua) if unit else None
    organisasi = _turunan(jangkar.id, anak) if jangkar else frozenset()
    if p.role == "petugas":
        kab = frozenset(k for t, k in tps_kabkota.items() if t in p.tps_ids)
    else:
        kab = frozenset(u for u in organisasi if semua[u].kind == "kabkota")
    # The IKU belong to the organisation whose tree holds them; IKU without a unit (or none yet) to every root.
    pemilik = list(iku_unit_ids)
    akar_iku = {_akar(semua[i], semua).id for i in pemilik if i in semua}
    iku = (p.role == "pimpinan" and unit is not None and unit.parent_id is None
           and (unit.id in akar_iku or not pemilik or None in pemilik))
    return Cakupan(
        peran=p.role, unit_ids=_atau_semua(unit_ids, semua), organisasi_ids=_atau_semua(organisasi, semua),
        kabkota_ids=_atau_semua(kab, kab_semua) if kab else frozenset(),
        tps_ids=frozenset(p.tps_ids) if p.role == "petugas" else None, iku=iku,
        satker_id=jangkar.id if jangkar is not None and jangkar.kind == "satker" and p.role != "petugas" else None)
