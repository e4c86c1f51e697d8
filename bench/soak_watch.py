"""What the soak benchmark watches while a long session runs, and the figures it makes of it:
the memory of a process and its children (/proc), the live lines as they reach the
database (read-only), the database's files, and the machine's load."""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

WARM_UP = 300.0
"""Seconds at the start left out of the memory slope (models load, caches fill)."""
BUCKET = 600.0
"""Seconds of session time per latency bucket."""


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (0 when it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def name(pid: int) -> str:
    """A short name for ``pid``: the module a Python child runs, else the program."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    words = [a.decode(errors="replace") for a in args if a]
    if not words:
        return "gone"
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1].rsplit(".", 1)[-1]
    if "-c" in words:  # multiprocessing's spawned children
        return "spawned child"
    return Path(words[0]).name


def file_mb(path: Path) -> float:
    """Size of ``path`` in MB (0 when missing)."""
    try:
        return path.stat().st_size / 1e6
    except OSError:
        return 0.0


@dataclass
class Utterance:
    """One clip played into the room: its session times and when its first line appeared."""

    clip: str
    start: float
    end: float
    seen: float | None = None
    """Session time (wall-clock, from "started") the first overlapping live line was read."""

    def latency(self) -> float | None:
        """Seconds from the utterance's end to its first live line."""
        return None if self.seen is None else self.seen - self.end


@dataclass
class Watch:
    """Samples of one session run: memory per process, files, load, lines."""

    db: Path
    samples: list[dict[str, float]] = field(default_factory=list)
    utterances: list[Utterance] = field(default_factory=list)

    def sample(self, at: float, pid: int, folder: Path | None) -> dict[str, float]:
        """Memory of ``pid``'s tree, the data files and the load at session time ``at``."""
        row: dict[str, float] = {"t": at, "load": os.getloadavg()[0]}
        for p in tree(pid):
            key = f"rss {name(p)}" if p != pid else "rss gim"
            row[key] = row.get(key, 0.0) + rss_mb(p)
        row["rss total"] = sum(v for k, v in row.items() if k.startswith("rss "))
        for suffix in ("", "-wal", "-journal"):
            row[f"db{suffix}"] = file_mb(self.db.with_name(self.db.name + suffix))
        if folder is not None:
            row["journal.jsonl"] = file_mb(folder / "journal.jsonl")
        self.samples.append(row)
        return row

    def poll_lines(self, at: float) -> None:
        """Mark the utterances a stored line now overlaps as seen at session time ``at``."""
        waiting = [u for u in self.utterances if u.seen is None]
        if not waiting or not self.db.exists():
            return
        try:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=1)
            try:
                spans = con.execute('SELECT start, "end" FROM segments').fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            return
        for u in waiting:
            if any(s < u.end + 1.5 and e > u.start - 1.5 for s, e in spans):
                u.seen = at


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per hour."""
    if len(points) < 2:
        return float("nan")
    xs, ys = [p[0] / 3600 for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def memory_figures(samples: list[dict[str, float]], warm_up: float) -> list[tuple[str, str]]:
    """Growth (MB/h after ``warm_up``) and the largest RSS, of the tree and each process."""
    later = [s for s in samples if s["t"] >= warm_up] or samples
    keys = sorted({k for s in samples for k in s if k.startswith("rss ")})
    out = []
    for key in keys:
        growth = slope_per_hour([(s["t"], s[key]) for s in later if key in s])
        top = max(s.get(key, 0.0) for s in samples)
        out.append((f"{key} growth / max", f"{growth:+.1f} MB/h / {top:.0f} MB"))
    # A fit from the warm-up overstates a growth that levels off (the models' buffers for
    # each new input length, the allocator's arenas; the rolling child's working set also
    # swings ~100 MB with its windows): the medians and peaks per 10 minutes show its shape.
    totals = [(s["t"], s["rss total"]) for s in samples if "rss total" in s]
    for name, pick in (("median", statistics.median), ("peak", max)):
        shape = " ".join(f"{pick(b):.0f}" for b in per_bucket(totals))
        out.append((f"rss total per 10 min, {name}", f"{shape} MB"))
    return out


def per_bucket(points: list[tuple[float, float]]) -> list[list[float]]:
    """The values of (seconds, value) points, per `BUCKET` seconds (empty ones left out)."""
    buckets: dict[int, list[float]] = {}
    for t, v in points:
        buckets.setdefault(int(t // BUCKET), []).append(v)
    return [buckets[b] for b in sorted(buckets)]


def latency_figures(utterances: list[Utterance]) -> list[tuple[str, str]]:
    """Live latency per bucket of session time: median and worst; utterances found."""
    out = []
    buckets: dict[int, list[float]] = {}
    for u in utterances:
        late = u.latency()
        if late is not None:
            buckets.setdefault(int(u.end // BUCKET), []).append(late)
    for b in sorted(buckets):
        vals = buckets[b]
        label = f"live latency {b * BUCKET / 60:.0f}-{(b + 1) * BUCKET / 60:.0f} min"
        out.append((label, f"median {statistics.median(vals):.1f} s, worst {max(vals):.1f} s"))
    live = sum(u.seen is not None for u in utterances)
    out.append(("utterances with a live line", f"{live} of {len(utterances)}"))
    return out


def file_figures(samples: list[dict[str, float]]) -> list[tuple[str, str]]:
    """The data files' final and largest sizes, and the load average while it ran."""
    if not samples:
        return []
    last = samples[-1]
    out = []
    for key in ("db", "db-wal", "db-journal", "journal.jsonl"):
        if key in last:
            top = max(s.get(key, 0.0) for s in samples)
            out.append((f"{key} size last / max", f"{last[key]:.2f} / {top:.2f} MB"))
    loads = [s["load"] for s in samples]
    load = f"{statistics.fmean(loads):.1f} / {max(loads):.1f}"
    out.append(("load average (1 min) mean / max", load))
    return out


def wait_until(deadline: float) -> None:
    """Sleep until monotonic time ``deadline``."""
    time.sleep(max(0.0, deadline - time.monotonic()))


def summary(
    samples: list[dict[str, float]], spoken: list[Utterance], seconds: float
) -> list[tuple[str, str]]:
    """Memory while recording (after the warm-up), the largest RSS after it, latency."""
    during = [s for s in samples if s["t"] <= seconds]
    figures = memory_figures(during, min(WARM_UP, seconds / 4))
    after = [s["rss total"] for s in samples if s["t"] > seconds]
    if after:
        figures.append(("rss total after the end (max)", f"{max(after):.0f} MB"))
    return figures + latency_figures(spoken)
