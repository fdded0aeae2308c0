"""Is the web port free? If not, say in one line which program holds it (Linux: from /proc), before anything starts."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path


class PortTerpakai(RuntimeError):
    """The admin web's port is taken by another program."""


def pastikan_bebas(host: str, port: int) -> None:
    """Raise PortTerpakai with an Indonesian one-liner when (host, port) cannot be bound."""
    keluarga = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(keluarga, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT does not count
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise PortTerpakai(f"Port {port} di {host} tidak dapat dipakai: {exc.strerror}.") from None
            siapa = pemakai(port)
            oleh = f" oleh {siapa}" if siapa else " oleh program lain"
            raise PortTerpakai(f"Port {port} di {host} sudah dipakai{oleh}; hentikan program itu atau pilih port "
                               f"lain dengan PANTAU_WEB_PORT.") from None


def pemakai(port: int, proc: Path = Path("/proc")) -> str | None:
    """'PID 1234 (pantau run)' for the process listening on `port`, or None where that cannot be read."""
    inode = _inode_dengar(port, proc)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            fds = list((pid_dir / "fd").iterdir())
            if any(os.readlink(fd) == target for fd in fds):
                perintah = (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                return f"PID {pid_dir.name} ({_ringkas_perintah(perintah)})"
        except OSError:  # another user's process, or one that just ended
            continue
    return None


def _ringkas_perintah(perintah: str) -> str:
    kata = perintah.split()
    # "…/python …/bin/pantau run" reads best as "pantau run"
    for i, k in enumerate(kata):
        if Path(k).name == "pantau":
            return " ".join(["pantau", *kata[i + 1:]])
    return perintah[:80] or "?"


def _inode_dengar(port: int, proc: Path) -> str | None:
    for nama in ("net/tcp", "net/tcp6"):
        try:
            baris = (proc / nama).read_text().splitlines()[1:]
        except OSError:
            continue
        for b in baris:
            kolom = b.split()
            # local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is the tenth column
            if len(kolom) > 9 and kolom[3] == "0A" and int(kolom[1].rsplit(":", 1)[1], 16) == port:
                return kolom[9]
    return None
