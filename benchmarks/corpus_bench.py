"""Corpus-scale benchmark: documents per second with N workers, and peak memory.

Runs the real ``spinscope batch`` command on a corpus made by ``make_corpus.py`` (from
the PTC dev articles) into a fresh store, samples the resident memory of the whole
process tree (main process + workers) every 0.2 s, and reads the steady-state rate from
the store's ``analysed_at`` timestamps (model loading excluded). Linux only (/proc).

    python benchmarks/corpus_bench.py --docs 10000 --workers 1 2 --extract-only
    python benchmarks/corpus_bench.py --docs 300 --workers 1 2 --model-dir runs/techniques

Without ``--extract-only`` the full pipeline runs; when some component module has not
landed yet, the components that import are used and the result says which.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE))


def available_components() -> list:
    """The registry's pipeline without the modules that do not import yet."""
    from spinscope.components import registry
    from spinscope.components.segment import Segmenter
    from spinscope.components.summary import Summarizer
    from spinscope.components.techniques import TechniqueTagger

    components = [Segmenter(), TechniqueTagger(os.environ.get("BENCH_MODEL_DIR") or None)]
    for module_name, class_name in registry._LATER:
        try:
            components.append(getattr(importlib.import_module(module_name), class_name)())
        except (ImportError, AttributeError):
            continue
    return [*components, Summarizer()]


def pipeline_args(args: argparse.Namespace) -> tuple[list[str], dict[str, str], str]:
    """CLI arguments, extra environment and a description of the pipeline that runs."""
    if args.extract_only:
        return ["--extract-only"], {}, "extract (ingest, clean, language)"
    model = ["--model-dir", str(args.model_dir)] if args.model_dir else []
    try:
        from spinscope.components.registry import analysis_components

        names = [c.name for c in analysis_components(model_dir=str(args.model_dir or "") or None)]
        return model, {}, "full: " + ", ".join(names)
    except ImportError:
        env = {"PYTHONPATH": str(HERE), "BENCH_MODEL_DIR": str(args.model_dir or "")}
        names = [c.name for c in available_components()]
        return ["--components", "corpus_bench:available_components"], env, (
            "full (modules that import): " + ", ".join(names))  # fmt: skip


def tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return pids


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (from /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def quarter_peaks(samples: list[tuple[float, float, float]]) -> list[list[int]]:
    """[main, total] peak RSS in each quarter of the run: flat rows mean memory does not
    grow as the store fills."""
    if not samples:
        return []
    end = samples[-1][0] or 1.0
    peaks = [[0, 0] for _ in range(4)]
    for t, main, total in samples:
        q = min(3, int(4 * t / end))
        peaks[q] = [max(peaks[q][0], round(main)), max(peaks[q][1], round(total))]
    return peaks


def run_once(corpus: Path, workers: int, args: argparse.Namespace) -> dict:
    extra, env_extra, pipeline = pipeline_args(args)
    store = CACHE / f"bench-{corpus.stem}-{'x' if args.extract_only else 'f'}-{workers}w.duckdb"
    for path in (store, store.with_name(store.name + ".wal")):
        path.unlink(missing_ok=True)
    spinscope = Path(sys.executable).parent / "spinscope"
    command = [str(spinscope), "batch", str(corpus), "--store", str(store),
               "--workers", str(workers), "--quiet", *extra]  # fmt: skip
    env = {**os.environ, **env_extra}
    load_before = os.getloadavg()
    start = time.monotonic()
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    peak_total = peak_main = main_cpu = 0.0
    worker_cpu: dict[int, float] = {}
    samples: list[tuple[float, float, float]] = []
    while process.poll() is None:
        pids = tree(process.pid)
        sizes = [rss_mb(p) for p in pids]
        peak_total = max(peak_total, sum(sizes))
        peak_main = max(peak_main, sizes[0] if sizes else 0.0)
        samples.append((time.monotonic() - start, sizes[0] if sizes else 0.0, sum(sizes)))
        main_cpu = max(main_cpu, cpu_seconds(process.pid))
        for pid in pids[1:]:
            worker_cpu[pid] = max(worker_cpu.get(pid, 0.0), cpu_seconds(pid))
        time.sleep(0.2)
    wall = time.monotonic() - start
    stderr = process.stderr.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"batch failed ({process.returncode}):\n{stderr[-3000:]}")
    con = duckdb.connect(str(store), read_only=True)
    n, first, last = con.execute(
        "SELECT count(*), min(analysed_at), max(analysed_at) FROM documents"
    ).fetchall()[0]
    errors = con.execute("SELECT count(*) FROM errors").fetchall()[0][0]
    con.close()
    steady = (n - 1) / (last - first).total_seconds() if n > 1 and last > first else 0.0
    return {
        "docs": n, "errors": errors, "workers": workers, "pipeline": pipeline,
        "wall_s": round(wall, 1), "docs_per_s_wall": round(n / wall, 2),
        "docs_per_s_steady": round(steady, 2), "peak_rss_total_mb": round(peak_total),
        "peak_rss_main_mb": round(peak_main),
        "peak_rss_by_quarter_main_total_mb": quarter_peaks(samples),
        "cpu_s_main": round(main_cpu, 1), "cpu_s_workers": round(sum(worker_cpu.values()), 1),
        "store_mb": round(store.stat().st_size / 1e6, 1),
        "load_before": [round(x, 2) for x in load_before], "load_after": [
            round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(), "corpus": corpus.name,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--extract-only", action="store_true")
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--out", type=Path, default=CACHE / "corpus_bench.jsonl")
    args = parser.parse_args()
    from make_corpus import PTC, records, write_jsonl

    CACHE.mkdir(exist_ok=True)
    corpus = CACHE / f"corpus-{args.docs}.jsonl"
    if not corpus.exists():
        write_jsonl(corpus, records(PTC, args.docs))
    results = []
    for workers in args.workers:
        result = run_once(corpus, workers, args)
        results.append(result)
        print(json.dumps(result), flush=True)
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(result) + "\n")
    if len(results) > 1 and results[0]["docs_per_s_steady"]:
        base = results[0]["docs_per_s_steady"]
        for r in results[1:]:
            print(
                f"{r['workers']} workers / {results[0]['workers']}: "
                f"{r['docs_per_s_steady'] / base:.2f}x (steady), "
                f"{r['docs_per_s_wall'] / results[0]['docs_per_s_wall']:.2f}x (wall)"
            )


if __name__ == "__main__":
    main()
