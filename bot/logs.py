"""Structured logging (key=value lines) that never writes the bot token."""

from __future__ import annotations

import logging
import sys


class _Redact(logging.Filter):
    """Replace secrets anywhere in a record's final message (httpx logs request URLs with the token)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        for s in self.secrets:
            msg = msg.replace(s, "[RAHASIA]")
        record.msg, record.args = msg, None
        return True


class _Format(logging.Formatter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        base = f"waktu={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} level={record.levelname} modul={record.name}"
        text = super().format(record)
        # The filter cleaned the message; a traceback (exc_info) is only formatted here, so it is cleaned here.
        for s in self.secrets:
            text = text.replace(s, "[RAHASIA]")
        return f"{base} pesan={text!r}" if "\n" in text else f"{base} pesan=\"{text}\""


def setup(secrets: list[str], level: int = logging.INFO) -> None:
    """Log to stderr; quiet the HTTP client (its URLs carry the token) and redact secrets everywhere."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Format(secrets))
    handler.addFilter(_Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
