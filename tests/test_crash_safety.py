"""A real ``spinscope batch`` process killed with SIGKILL at varied points, then started
again, ends with every input analysed exactly once, every span once, and no errors."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from test_batch import FACTORY, TESTS, corpus

N = 300
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def command(feed: Path, store: Path, workers: int) -> list[str]:
    script = shutil.which("spinscope", path=str(Path(sys.executable).parent))
    base = [script] if script else [sys.executable, "-m", "spinscope.cli"]
    return [*base, "batch", str(feed), "--store", str(store), "--workers", str(workers),
            "--components", FACTORY, "--log-every", "0.1"]  # fmt: skip


def environment() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "SPINSCOPE_TEST_DELAY": "0.01"}


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (OSError, IndexError):
        return False


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "?"


def stored(store: Path) -> int:
    if not store.exists():
        return 0
    con = duckdb.connect(str(store), read_only=True)  # replays the WAL a kill left behind
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
                  .fetchall()}  # fmt: skip
        return con.execute("SELECT count(*) FROM documents").fetchall()[0][0] if (
            "documents" in tables) else 0  # fmt: skip
    finally:
        con.close()


def watch(process: subprocess.Popen) -> list[int]:
    """Inputs analysed by this run so far, from the progress lines it logs (done minus
    already stored), read by a thread."""
    seen = [0]

    def number(pattern: bytes, line: bytes) -> int:
        match = re.search(pattern, line)
        return int(match.group(1).replace(b",", b"")) if match else 0

    def read() -> None:
        for line in process.stderr:
            if line.startswith(b"batch: "):
                seen.append(number(rb"^batch: ([\d,]+)", line)
                            - number(rb"([\d,]+) already stored", line))  # fmt: skip

    threading.Thread(target=read, daemon=True).start()
    return seen


def kill_when(process: subprocess.Popen, how: str, limit: float = 120.0) -> bool:
    """SIGKILL ``process`` at the point ``how`` names; False if it finished first."""
    start, seen = time.monotonic(), watch(process)
    first_done = None
    while process.poll() is None and time.monotonic() - start < limit:
        if first_done is None and seen[-1] > seen[0]:
            first_done = time.monotonic()
        if (
            (how == "startup" and time.monotonic() - start >= 0.3)
            or (how == "first-input" and first_done)
            or (how == "mid-run" and first_done and time.monotonic() - first_done >= 0.7)
            or (how == "later" and first_done and time.monotonic() - first_done >= 1.5)
        ):
            workers = children(process.pid)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            deadline = time.monotonic() + 15
            while any(alive(w) for w in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = {w: cmdline(w) for w in workers if alive(w)}
            assert not left, f"{how}: processes outlived their killed parent: {left}"
            return True
        time.sleep(0.02)
    process.wait(timeout=120)
    return False


def test_sigkill_at_varied_points_then_resume(tmp_path: Path) -> None:
    feed = corpus(tmp_path / "feed.jsonl", N)
    store = tmp_path / "corpus.duckdb"
    env = environment()
    partial = []
    for how, workers in (("startup", 2), ("first-input", 2), ("mid-run", 1),
                         ("later", 2), ("first-input", 0)):  # fmt: skip
        process = subprocess.Popen(command(feed, store, workers), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        if not kill_when(process, how):
            break
        partial.append(stored(store))
    assert any(0 < n < N for n in partial), f"no kill landed mid-run: {partial}"
    final = subprocess.run(command(feed, store, 2), env=env, capture_output=True, timeout=300)
    assert final.returncode == 0, final.stderr.decode()[-2000:]
    assert "done:" in final.stderr.decode()

    con = duckdb.connect(str(store), read_only=True)
    try:
        one = con.execute
        assert one("SELECT count(*), count(DISTINCT key), count(DISTINCT input_id) "
                   "FROM documents").fetchall() == [(N, N, N)]  # fmt: skip
        assert one("SELECT count(*) FROM errors").fetchall() == [(0,)]
        assert one("SELECT sum(technique_spans) FROM documents").fetchall() == one(
            "SELECT count(*) FROM techniques").fetchall()  # fmt: skip
        assert one("SELECT sum(quotes) FROM documents").fetchall() == one(
            "SELECT count(*) FROM quotes").fetchall()  # fmt: skip
        for table in ("techniques", "quotes", "entities"):
            dupes = one(f"SELECT count(*) FROM (SELECT key, idx FROM {table} "
                        "GROUP BY ALL HAVING count(*) > 1)").fetchall()  # fmt: skip
            assert dupes == [(0,)], table
        statuses = [r[0] for r in one("SELECT status FROM runs ORDER BY run_id").fetchall()]
        assert statuses[-1] == "done" and set(statuses[:-1]) <= {"killed"}
    finally:
        con.close()
