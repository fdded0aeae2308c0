"""Per-user flood control: a sliding window of recent updates per user."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

Putusan = Literal["lanjut", "tegur", "abaikan"]


@dataclass
class PembatasLaju:
    """At most `batas` updates per user in any `jendela` seconds; the first excess update is answered politely."""

    batas: int = 20
    jendela: float = 10.0
    _riwayat: dict[int, deque[float]] = field(default_factory=dict)
    _ditegur: dict[int, float] = field(default_factory=dict)

    def periksa(self, user_id: int, now: float) -> Putusan:
        """Record an update at `now` (seconds) and say whether to handle it, warn once, or drop it."""
        q = self._riwayat.setdefault(user_id, deque())
        while q and q[0] <= now - self.jendela:
            q.popleft()
        if len(q) < self.batas:
            q.append(now)
            self._ditegur.pop(user_id, None)
            return "lanjut"
        if user_id in self._ditegur and self._ditegur[user_id] > now - self.jendela:
            return "abaikan"
        self._ditegur[user_id] = now
        return "tegur"

    def bersihkan(self, now: float) -> None:
        """Forget users idle for a whole window, so memory stays bounded."""
        for uid in [u for u, q in self._riwayat.items() if not q or q[-1] <= now - self.jendela]:
            del self._riwayat[uid]
            self._ditegur.pop(uid, None)
