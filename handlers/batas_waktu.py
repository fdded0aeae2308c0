"""Conversation timeouts with one sweep per Application instead of one scheduler job per conversation step.

PTB's ConversationHandler with ``conversation_timeout`` adds an APScheduler job at every step of every
conversation and removes the previous one; at a few hundred updates a second that bookkeeping is a measurable
share of the bot's CPU. :class:`Percakapan` keeps PTB's behaviour but, at each step, only records *when* the
conversation falls due and what PTB's timeout needs (the update, the Application, the step's context) in
``timeout_jobs[key]`` as a :class:`BatasWaktu`. One repeating job per Application (:func:`pasang_sapu`, added on
first use) looks every :data:`SAPU_DETIK` seconds for entries that fell due and fires each one as PTB's
``_trigger_timeout`` does: the TIMEOUT handlers run with that update and context, and the conversation ends.

* **Granularity.** A conversation times out between its timeout and :data:`SAPU_DETIK` seconds later (Pantau's
  timeouts are 15 to 30 minutes). A step taken in that window still counts, as it would have had it come a few
  seconds earlier.
* **Each entry once.** A step pops the entry (PTB's ``handle_update`` calls ``schedule_removal`` on it) and records
  a new one; the sweep fires an entry only while it is still the one recorded for its key, and marks it taken
  so an overlapping sweep does not fire it again.
* **Failures stay local.** A timeout that raises is handed to the Application's error handlers (as PTB does for a
  failing job, without the update); the other timeouts due in the same sweep still fire. One that failed before
  it fired (a guard without its database) is still recorded and the next sweep tries it again; one whose TIMEOUT
  handler raised is gone, as in PTB.
* **A guard.** When the Application's JobQueue is a :class:`PenjagaBatasWaktu` (worker mode, bot/pekerja.py),
  every timeout goes through its ``jaga_batas_waktu``, which decides whether and how to fire it.
* **No running JobQueue.** As in PTB, the timeout is then ignored with a warning (PTB checks that before it asks
  for the entry).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from telegram.ext import ConversationHandler

if TYPE_CHECKING:
    from telegram.ext import Job

log = logging.getLogger("pantau.batas_waktu")

SAPU_DETIK = 10.0  # how often the sweep looks for conversations that fell due
NAMA_SAPU = "sapu-batas-waktu-percakapan"


class BatasWaktu:
    """One conversation's pending timeout: when it falls due and what PTB's timeout callback needs.

    It stands where PTB keeps a Job in ``ConversationHandler.timeout_jobs``, with the part of a Job's interface
    that is used there: ``schedule_removal()``, ``removed``, ``data`` (PTB's ``_ConversationTimeoutContext``)
    and ``run(application)`` (fire it now, through the Application's guard).
    """

    __slots__ = ("data", "diambil", "handler", "removed", "tenggat")

    def __init__(self, handler: Percakapan, data: Any, tenggat: float) -> None:
        self.handler = handler
        self.data = data  # update, application, callback_context, conversation_key
        self.tenggat = tenggat  # time.monotonic() when it falls due
        self.removed = False
        self.diambil = False  # a sweep has taken it and is firing it

    @property
    def conversation_key(self) -> Any:
        """The key of the conversation this timeout ends."""
        return self.data.conversation_key

    def schedule_removal(self) -> None:
        """Called by PTB when the conversation took a step: this entry never fires."""
        self.removed = True

    async def run(self, application: Any) -> None:
        """Fire now, through the Application's guard if it has one; a failure goes to its error handlers."""
        try:
            jq = application.job_queue
            if isinstance(jq, PenjagaBatasWaktu):
                await jq.jaga_batas_waktu(self)
            else:
                await self.picu()
        except Exception as exc:  # as PTB does for a failing job: to the error handlers, without the update
            self.diambil = False  # still recorded (it failed before firing, e.g. in the guard): the next sweep retries
            await application.process_error(None, exc)

    async def picu(self) -> None:
        """Fire exactly as PTB's ``_trigger_timeout`` does (nothing when a later step replaced this entry)."""
        if self.removed:
            return
        await self.handler._trigger_timeout(cast(Any, _KonteksPicu(self)))

    async def buang(self) -> None:
        """Drop this entry without firing it (if it is still the one recorded for its conversation)."""
        h = self.handler
        async with h._timeout_jobs_lock:
            if h.timeout_jobs.get(self.conversation_key) is cast(Any, self):
                del h.timeout_jobs[self.conversation_key]


class _KonteksPicu:
    """What ``ConversationHandler._trigger_timeout`` reads from its context: the job, whose ``data`` it uses."""

    __slots__ = ("job",)

    def __init__(self, job: BatasWaktu) -> None:
        self.job = job


@runtime_checkable
class PenjagaBatasWaktu(Protocol):
    """A JobQueue that decides how a conversation timeout fires (bot/pekerja.py: across workers)."""

    async def jaga_batas_waktu(self, batas: BatasWaktu) -> None:
        """Fire the timeout (``batas.picu()``), drop it (``batas.buang()``), or both around other work."""


class Percakapan(ConversationHandler[Any]):
    """A ConversationHandler whose timeouts are swept (see the module docstring) rather than scheduled per step."""

    __slots__ = ()

    def _schedule_job(self, new_state: object, application: Any, update: Any, context: Any,
                      conversation_key: Any) -> None:
        # PTB calls this under _timeout_jobs_lock, after it checked the timeout and a running JobQueue.
        if new_state == self.END:
            return
        try:
            batas = self.conversation_timeout
            detik = batas.total_seconds() if isinstance(batas, timedelta) else float(batas or 0)
            data = _konteks_habis(conversation_key, update, application, context)
            self.timeout_jobs[conversation_key] = cast(Any, BatasWaktu(self, data, time.monotonic() + detik))
            pasang_sapu(application)
        except Exception:
            log.exception("batas waktu percakapan %s tidak dapat dicatat", self.name)

    def jatuh_tempo(self, sekarang: float) -> list[BatasWaktu]:
        """The entries due at `sekarang` that no sweep has taken yet (they are marked taken)."""
        due: list[BatasWaktu] = []
        for b in self.timeout_jobs.values():
            if isinstance(b, BatasWaktu) and not b.diambil and not b.removed and b.tenggat <= sekarang:
                b.diambil = True
                due.append(b)
        return due


def _konteks_habis(key: Any, update: Any, application: Any, context: Any) -> Any:
    # The object PTB's _trigger_timeout reads (private in PTB, hence looked up here, in one place).
    from telegram.ext._handlers.conversationhandler import _ConversationTimeoutContext

    return _ConversationTimeoutContext(key, update, application, context)


# One sweep job per Application, added when its first conversation records a timeout.
_sapu: weakref.WeakKeyDictionary[Any, Job[Any]] = weakref.WeakKeyDictionary()


def pasang_sapu(application: Any) -> None:
    """Make sure the Application's JobQueue runs the sweep (once per Application)."""
    job = _sapu.get(application)
    if job is not None and not job.removed:
        return
    jq = application.job_queue
    if jq is None:
        return
    _sapu[application] = jq.run_repeating(_job_sapu, interval=SAPU_DETIK, first=SAPU_DETIK, name=NAMA_SAPU)


async def _job_sapu(context: Any) -> None:
    # Fire in a task of the Application (awaited when it stops), so a slow timeout (a guard waiting for a lock)
    # never holds the job; while the Application is stopping, right here.
    application = context.application
    due = _jatuh_tempo(application, time.monotonic())
    if not due:
        return
    if application.running:
        application.create_task(_picu_semua(application, due), name=NAMA_SAPU)
    else:
        await _picu_semua(application, due)


def _jatuh_tempo(application: Any, sekarang: float) -> list[BatasWaktu]:
    return [b for group in application.handlers.values() for h in group if isinstance(h, Percakapan)
            for b in h.jatuh_tempo(sekarang)]


async def _picu_semua(application: Any, due: list[BatasWaktu]) -> None:
    # run() hands its own failures to the error handlers; whatever still escapes must not stop the others
    for hasil in await asyncio.gather(*(b.run(application) for b in due), return_exceptions=True):
        if isinstance(hasil, BaseException):
            log.error("batas waktu percakapan gagal", exc_info=hasil)


async def sapu(application: Any, sekarang: float | None = None) -> int:
    """Fire every conversation timeout of the Application due at `sekarang` (default: now, time.monotonic());
    returns how many were fired. The sweep job does this every SAPU_DETIK seconds."""
    due = _jatuh_tempo(application, time.monotonic() if sekarang is None else sekarang)
    await _picu_semua(application, due)
    return len(due)
