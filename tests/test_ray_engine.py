"""``--engine ray`` on a local Ray instance that the run starts and stops itself: same
rows as a local run, inputs already stored are skipped, bad inputs recorded, shards
loaded and removed. Skipped only when Ray cannot be imported."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import duckdb
import pytest
from test_batch import article, corpus, fake_spec
from test_crash_safety import command, environment

from spinscope.batch import BatchOptions, run_local

pytest.importorskip("ray.data", reason="Ray is not installed (pip install 'spinscope[ray]')")


def test_ray_engine_analyses_what_is_not_stored(tmp_path: Path) -> None:
    feed = corpus(tmp_path / "feed.jsonl", 24)
    lines = feed.read_text(encoding="utf-8").splitlines(keepends=True)
    head = tmp_path / "head.jsonl"
    head.write_text("".join(lines[:8]), encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(article(100 + i), encoding="utf-8")
    (folder / "broken.jsonl").write_text("{oops\n", encoding="utf-8")
    store = tmp_path / "corpus.duckdb"
    run_local([str(head)], store, fake_spec(), BatchOptions(workers=0))

    args = command(feed, store, 1)
    args = [*args[:3], str(folder), *args[3:], "--engine", "ray"]
    process = subprocess.Popen(args, env=environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    try:
        _, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the run and the Ray processes it started
        process.communicate()
        pytest.fail("the Ray run did not finish in 300 s")
    log = stderr.decode(errors="replace")
    assert process.returncode == 0, log[-3000:]
    assert "19 analysed, 8 already stored" in log and "1 errors" in log, log[-2000:]

    con = duckdb.connect(str(store), read_only=True)
    try:
        sql = con.execute
        assert sql("SELECT count(*), count(DISTINCT key) FROM documents").fetchall() == [(27, 27)]
        assert sql("SELECT count(*) FROM documents WHERE run_id = 1").fetchall() == [(8,)]
        assert sql("SELECT engine, status, analysed FROM runs ORDER BY run_id").fetchall() == [
            ("local", "done", 8), ("ray", "done", 19)]  # fmt: skip
        assert sql("SELECT sum(technique_spans) FROM documents").fetchall() == sql(
            "SELECT count(*) FROM techniques").fetchall()  # fmt: skip
        assert "not valid JSON" in sql("SELECT reason FROM errors").fetchall()[0][0]
    finally:
        con.close()
    assert not store.with_name(store.name + ".shards").exists()
