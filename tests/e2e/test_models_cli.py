"""`gim models` as a guide uses it: list, add, remove, and get from a model hub that is a
local HTTP server on 127.0.0.1 (HF_ENDPOINT) serving the real tiny.en files."""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gim.transcribe.models import bundled_model_path

ROOT = Path(__file__).resolve().parents[2]
REPO = "Systran/faster-whisper-small.en"
"""The files served are tiny.en's (small enough for a test), under small.en's name."""


def gim(*args: str | Path, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {"GIM_HOME": str(home), "PATH": "/usr/bin:/bin", **env}
    return subprocess.run(
        [sys.executable, "-m", "gim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=600,
    )


class Hub(http.server.ThreadingHTTPServer):
    """The hub's tree listing and file downloads, with faults on request."""

    files: dict[str, bytes]
    cut: int | None = None
    """Close model.bin's first answer after this many bytes (once)."""
    corrupt: bool = False
    """Serve model.bin with one byte changed."""
    ranges: list[str]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Hub

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        hub = self.server
        if self.path == f"/api/models/{REPO}/tree/main":
            self._send(200, json.dumps(listing(hub.files)).encode(), "application/json")
            return
        prefix = f"/{REPO}/resolve/main/"
        name = self.path.removeprefix(prefix)
        if not self.path.startswith(prefix) or name not in hub.files:
            self._send(404, b"not found", "text/plain")
            return
        body = hub.files[name]
        if name == "model.bin" and hub.corrupt:
            body = body[:1000] + bytes([body[1000] ^ 0xFF]) + body[1001:]
        start = 0
        wanted = self.headers.get("Range")
        if wanted:
            hub.ranges.append(wanted)
            start = int(wanted.removeprefix("bytes=").split("-")[0])
        self.send_response(206 if wanted else 200)
        self.send_header("Content-Length", str(len(body) - start))
        if wanted:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if name == "model.bin" and hub.cut is not None:
            self.wfile.write(body[start : start + hub.cut])
            hub.cut = None
            self.close_connection = True
            return
        self.wfile.write(body[start:])

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def listing(files: dict[str, bytes]) -> list[dict[str, Any]]:
    """What the hub's tree API says: sha256 for the large file, git blob hashes otherwise."""
    rows: list[dict[str, Any]] = [{"type": "directory", "path": "docs", "oid": "0"}]
    for name, body in files.items():
        blob = hashlib.sha1(f"blob {len(body)}\0".encode() + body).hexdigest()
        row: dict[str, Any] = {"type": "file", "path": name, "size": len(body), "oid": blob}
        if name == "model.bin":
            row["lfs"] = {"oid": hashlib.sha256(body).hexdigest(), "size": len(body)}
        rows.append(row)
    rows.append({"type": "file", "path": "README.md", "size": 3, "oid": "x"})
    return rows


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    server = Hub(("127.0.0.1", 0), Handler)
    server.files = {f.name: f.read_bytes() for f in bundled_model_path().iterdir()}
    server.ranges = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def endpoint(hub: Hub) -> str:
    return f"http://127.0.0.1:{hub.server_address[1]}"


def test_list_shows_the_bundled_and_a_multilingual_model(tmp_path: Path) -> None:
    done = gim("models", "list", "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    models = json.loads(done.stdout)
    assert len(models) >= 2
    assert [m["name"] for m in models][:2] == ["tiny.en", "base"]
    assert models[0]["languages"] == ["en"] and not models[0]["multilingual"]
    assert models[1]["multilingual"] and {"fr", "da", "de"} <= set(models[1]["languages"])
    text = gim("models", "list", home=tmp_path)
    assert "multilingual" in text.stdout and "* tiny.en" in text.stdout


def test_add_validates_and_remove_forgets(tmp_path: Path) -> None:
    junk = tmp_path / "not-a-model"
    junk.mkdir()
    refused = gim("models", "add", junk, home=tmp_path / "home")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "is not a Whisper model" in refused.stderr
    added = gim("models", "add", bundled_model_path(), "--name", "mine", home=tmp_path / "home")
    assert added.returncode == 0, added.stderr
    listed = json.loads(gim("models", "list", "--json", home=tmp_path / "home").stdout)
    assert {"name": "mine", "source": "added"}.items() <= listed[-1].items()
    removed = gim("models", "remove", "mine", home=tmp_path / "home")
    assert removed.returncode == 0 and "files stay" in removed.stdout
    assert bundled_model_path().joinpath("model.bin").is_file()
    again = gim("models", "remove", "mine", home=tmp_path / "home")
    assert again.returncode == 2 and "gim models list" in again.stderr


def test_get_announces_then_downloads_and_verifies(hub: Hub, tmp_path: Path) -> None:
    done = gim(
        "models", "get", "small.en", "--name", "got", home=tmp_path, HF_ENDPOINT=endpoint(hub)
    )
    assert done.returncode == 0, done.stderr
    size_mb = round(sum(len(b) for b in hub.files.values()) / 1e6)
    announced = done.stderr.index(f"4 files, {size_mb} MB")
    assert announced < done.stderr.index("Downloading   0%") < done.stderr.index("Downloading 100%")
    folder = tmp_path / "models" / "got"
    assert {f.name: f.read_bytes() for f in folder.iterdir()} == hub.files
    listed = json.loads(gim("models", "list", "--json", home=tmp_path).stdout)
    assert {"name": "got", "source": "downloaded", "where": str(folder)}.items() <= listed[
        -1
    ].items()
    removed = gim("models", "remove", "got", home=tmp_path)
    assert removed.returncode == 0 and not folder.exists()


def test_an_interrupted_download_resumes(hub: Hub, tmp_path: Path) -> None:
    hub.cut = 5_000_000
    hub.ranges.clear()
    first = gim("models", "get", "small.en", home=tmp_path, HF_ENDPOINT=endpoint(hub))
    assert first.returncode == 1
    assert "run gim models get small.en again to resume" in first.stderr
    partial = tmp_path / "models" / "small.en" / "model.bin.part"
    kept = partial.stat().st_size
    assert 0 < kept <= 5_000_000
    second = gim("models", "get", "small.en", home=tmp_path, HF_ENDPOINT=endpoint(hub))
    assert second.returncode == 0, second.stderr
    assert hub.ranges == [f"bytes={kept}-"]
    got = (tmp_path / "models" / "small.en" / "model.bin").read_bytes()
    assert got == hub.files["model.bin"] and not partial.exists()


def test_a_corrupted_file_is_refused(hub: Hub, tmp_path: Path) -> None:
    hub.corrupt = True
    try:
        done = gim("models", "get", "small.en", home=tmp_path, HF_ENDPOINT=endpoint(hub))
    finally:
        hub.corrupt = False
    assert done.returncode == 1
    assert "does not match what the hub lists" in done.stderr
    folder = tmp_path / "models" / "small.en"
    assert not (folder / "model.bin").exists() and not (folder / "model.bin.part").exists()
    listed = json.loads(gim("models", "list", "--json", home=tmp_path).stdout)
    assert "downloaded" not in {m["source"] for m in listed}


def test_get_without_a_hub_is_one_sentence(tmp_path: Path) -> None:
    done = gim("models", "get", "small.en", home=tmp_path, HF_ENDPOINT="http://127.0.0.1:9")
    assert done.returncode == 1
    assert "gim: Cannot reach the model hub at http://127.0.0.1:9" in done.stderr


@pytest.mark.whisper
@pytest.mark.slow
def test_check_measures_the_speed_here_and_list_shows_it(tmp_path: Path) -> None:
    done = gim("models", "check", "tiny.en", home=tmp_path)
    assert done.returncode == 0, done.stderr
    # What the model heard of the demo's clip ("I am standing at the edge of a forest. The
    # light is soft and golden. ..."): its words, not one exact phrase (a decoder's wording
    # of a word or two changes with the CPU and library versions).
    heard = set(re.findall(r"[a-z]+", done.stdout.lower()))
    assert len(heard & {"standing", "forest", "light", "soft", "golden", "path", "trees"}) >= 6
    assert "Real-time factor: live pass" in done.stdout
    assert "live pass keeps up" in done.stdout or "live pass falls behind" in done.stdout
    listed = json.loads(gim("models", "list", "--json", home=tmp_path).stdout)
    speed = listed[0]["speed"]
    assert speed["live_rtf"] > 0 and speed["final_rtf"] > 0
    missing = gim("models", "check", "nothing", home=tmp_path)
    assert missing.returncode == 2 and "gim models list" in missing.stderr
