"""Forbid network access in this process and in its children, and count the attempts.

``install(log)`` adds an audit hook (``sys.addaudithook``) that raises ``OSError`` on any
Python-level attempt to reach the network: a new AF_INET/AF_INET6/AF_PACKET socket, a connect or
send to an address of those families, and name lookups (``getaddrinfo``, ``gethostbyname``,
``gethostbyaddr``, ``getnameinfo``). Each attempt is recorded in ``attempts`` and appended to the
file ``log`` (one line: the process id and what was tried), so a test can also read the attempts
of child processes. AF_UNIX sockets stay allowed: they cannot leave the machine, and
multiprocessing's forkserver (the indexer's process pool) talks to its workers through one.

The hook catches code that holds the original ``socket.socket`` class (imported before a test
patched the module attribute). It cannot see sockets made by native code (Qt, PortAudio,
FluidSynth); ``network_sockets(pids)`` reads ``/proc`` for those.

Child processes: this file doubles as a ``sitecustomize`` module. Copied under that name into a
folder on ``PYTHONPATH``, with ``MOTIF_OFFLINE_LOG`` set, it installs itself when a child Python
starts (the forkserver, and the workers it forks inherit the hook) and appends ``guarded PID``
to ``MOTIF_OFFLINE_LOG + ".children"``, so the test knows the children ran guarded.
"""

from __future__ import annotations

import os
import socket
import sys

NETWORK_FAMILIES = {socket.AF_INET, socket.AF_INET6} | (
    {socket.AF_PACKET} if hasattr(socket, "AF_PACKET") else set()
)
_LOOKUPS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
            "socket.getnameinfo")  # fmt: skip
_ADDRESSED = ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind")

attempts: list[str] = []
_state = {"active": False, "log": None, "hooked": False}


class NetworkForbidden(OSError):
    """What a forbidden network call raises."""


def record(what: str) -> None:
    """Count one attempt (here and in the log file) and raise."""
    attempts.append(what)
    if _state["log"]:
        with open(_state["log"], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {what}\n")
    raise NetworkForbidden(f"network access forbidden in this test: {what}")


def _audit(event: str, args: tuple) -> None:
    if not _state["active"] or not event.startswith("socket."):
        return
    if event == "socket.__new__":
        family = args[1]
        if family in NETWORK_FAMILIES:
            record(f"socket({socket.AddressFamily(family).name})")
    elif event in _LOOKUPS:
        record(f"{event.removeprefix('socket.')}{args!r}")
    elif event in _ADDRESSED:
        sock = args[0]
        if getattr(sock, "family", None) in NETWORK_FAMILIES:
            record(f"{event.removeprefix('socket.')}{args[1:]!r}")


def install(log: str | os.PathLike | None = None) -> None:
    """Start forbidding network access in this process (the hook stays, ``uninstall`` stops
    it); ``log``: a file to append each attempt to."""
    _state["log"] = os.fspath(log) if log is not None else None
    _state["active"] = True
    if not _state["hooked"]:
        sys.addaudithook(_audit)  # audit hooks cannot be removed: ``active`` switches it off
        _state["hooked"] = True


def uninstall() -> None:
    """Allow network access again in this process."""
    _state["active"] = False


def network_sockets(pids) -> list[str]:
    """The open sockets of processes ``pids`` that are network sockets (TCP, UDP or raw, IPv4
    or IPv6), as ``"PID socket:[INODE] in /proc/net/tcp"``; native code's sockets included."""
    inodes: dict[str, int] = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    found = []
    if not inodes:
        return found
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        try:
            with open(f"/proc/net/{table}", encoding="ascii") as lines:
                next(lines, None)  # the header
                for line in lines:
                    inode = line.split()[9]
                    if inode in inodes:
                        found.append(f"{inodes[inode]} socket:[{inode}] in /proc/net/{table}")
        except OSError:
            continue
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from ``/proc/PID/task/*/children``)."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    todo.extend(int(child) for child in children.read().split())
            except OSError:
                continue
    return tree


if __name__ == "sitecustomize" and os.environ.get("MOTIF_OFFLINE_LOG"):
    install(os.environ["MOTIF_OFFLINE_LOG"])
    with open(os.environ["MOTIF_OFFLINE_LOG"] + ".children", "a", encoding="utf-8") as _log:
        _log.write(f"guarded {os.getpid()}\n")
