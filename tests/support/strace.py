"""Run a command under ``strace -f`` and read back what it did to the network and the disk.

A Python audit hook sees only sockets Python opens; libraries in C++ (onnxruntime's
telemetry) open their own. strace sees every process and thread at the system call.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

SYSCALLS = (
    "connect,sendto,sendmsg,sendmmsg,open,openat,creat,mkdir,mkdirat,rename,renameat,"
    "renameat2,link,linkat,symlink,symlinkat,truncate"
)
"""Every call that reaches the network or creates, writes or names a file."""

_LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<call>\w+)\((?P<args>.*)\)\s+=\s+(?P<ret>-?\d+|\?)")
_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC")
_FAMILY = re.compile(r"sa_family=(AF_\w+)")


@dataclass(frozen=True)
class Call:
    """One finished system call."""

    pid: int
    name: str
    args: str
    ret: int | None

    def __str__(self) -> str:
        return f"{self.pid} {self.name}({self.args[:300]}) = {self.ret}"


def strace_path() -> str:
    """The strace executable; fails the test when it is missing (CI installs it)."""
    found = shutil.which("strace")
    if found is None:
        pytest.fail("strace is not installed: run scripts/system-deps.sh test")
    return found


def traced(command: Sequence[str], log: Path) -> list[str]:
    """``command`` prefixed to run under ``strace -f`` writing its log to ``log``."""
    # --seccomp-bpf stops the process only at the traced calls: the demo keeps its pace.
    return [
        strace_path(),
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-y",
        "-s",
        "256",
        "-e",
        f"trace={SYSCALLS}",
        "-e",
        "signal=none",
        "-o",
        str(log),
        *command,
    ]


def read_calls(log: Path) -> list[Call]:
    """The finished calls in an strace log, each call's split halves joined."""
    pending: dict[str, str] = {}
    calls = []
    for raw in log.read_text(errors="replace").splitlines():
        pid, _, rest = raw.partition(" ")
        rest = rest.lstrip()
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest.removesuffix("<unfinished ...>").rstrip()
            continue
        resumed = re.match(r"<\.\.\. \w+ resumed>\s*(.*)", rest)
        if resumed:
            rest = pending.pop(pid, "") + resumed.group(1)
        match = _LINE.match(f"{pid} {rest}")
        if match:
            ret = match["ret"]
            calls.append(
                Call(int(pid), match["call"], match["args"], None if ret == "?" else int(ret))
            )
    return calls


def network(calls: Iterable[Call]) -> list[Call]:
    """Calls that reach beyond a local (AF_UNIX) socket, or look a name up (port 53)."""
    out = []
    for call in calls:
        if call.name == "connect":
            family = _FAMILY.search(call.args)
            if family is None or family.group(1) != "AF_UNIX":
                out.append(call)
        elif call.name.startswith("send"):
            families = set(_FAMILY.findall(call.args))
            if families - {"AF_UNIX", "AF_NETLINK"} or "htons(53)" in call.args:
                out.append(call)
    return out


def written_paths(calls: Iterable[Call], cwd: Path) -> list[tuple[Path, Call]]:
    """Every path a successful call created, wrote or renamed, made absolute."""
    out = []
    for call in calls:
        if call.ret is None or call.ret < 0:
            continue
        if call.name in ("open", "openat", "creat"):
            if call.name != "creat" and not _WRITE_FLAGS.search(call.args):
                continue
            named = _named(call.args, cwd)[:1]
        elif call.name in ("symlink", "symlinkat", "link", "linkat", "truncate"):
            named = _named(call.args, cwd)[-1:]  # a symlink's first string is its content
        elif call.name in ("mkdir", "mkdirat", "rename", "renameat", "renameat2"):
            named = _named(call.args, cwd)
        else:
            continue
        out += [(path, call) for path in named]
    return out


def _named(args: str, cwd: Path) -> list[Path]:
    """The paths in a call's arguments, a path relative to a directory fd joined to it."""
    paths = []
    for match in re.finditer(r'(?:(?P<fd>\d+)<(?P<dir>[^>]*)>,\s*)?"(?P<path>[^"]*)"', args):
        path = Path(match["path"])
        if not path.is_absolute():
            path = Path(match["dir"]) / path if match["dir"] else cwd / path
        paths.append(path)
    return paths


def outside(
    written: Iterable[tuple[Path, Call]], allowed: Iterable[Path]
) -> list[tuple[Path, Call]]:
    """Written paths under none of ``allowed``; Python's own bytecode caches and devices
    (/dev/null, shared memory) are not data and pass."""
    roots = [Path(a) for a in allowed]
    out = []
    for path, call in written:
        if "__pycache__" in (path.name, path.parent.name) or path.parts[:2] == ("/", "dev"):
            continue
        if not any(path == root or root in path.parents for root in roots):
            out.append((path, call))
    return out


def run_traced(
    command: Sequence[str], log: Path, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` under strace (``kwargs`` as for `subprocess.run`, text captured)."""
    return subprocess.run(traced(command, log), capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]
