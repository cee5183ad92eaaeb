"""Speed and memory of the full ``analyze`` pipeline on the PTC dev articles.

Prints model load time, articles per second and peak RSS for one process analysing the 64
dev articles (each file read from disk, cleaned and analysed exactly as the CLI does).

    .venv/bin/python benchmarks/analyze_speed.py [--data ../shared/data/ptc] [--split dev]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

from spinscope.pipeline import Analyzer
from spinscope.training.ptc import read_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "ptc"
    )
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="inputs per batch (default: analyze_many's)"
    )
    args = parser.parse_args()
    paths = [args.data / "articles" / f"article{i}.txt" for i in read_ids(args.data, args.split)]
    paths = paths[: args.limit] if args.limit else paths

    started = time.perf_counter()
    analyzer = Analyzer()
    warm = analyzer.analyze(
        "Warm-up: the minister said the plan was a disgrace.\n\nIt was rejected."
    )
    load_seconds = time.perf_counter() - started

    chars = 0
    spans = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    batching = {"batch_size": args.batch_size} if args.batch_size else {}
    for path, doc in analyzer.analyze_many(paths, **batching):  # what `spinscope analyze` runs
        if isinstance(doc, Exception):
            raise SystemExit(f"{path}: {doc}")
        chars += len(doc.text)
        spans += len(doc.layers.get("techniques", []))
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "articles": len(paths),
        "characters": chars,
        "technique_spans": spans,
        "model_load_and_first_doc_s": round(load_seconds, 2),
        "seconds": round(seconds, 2),
        "articles_per_s": round(len(paths) / seconds, 2),
        "cpu_s_per_article": round(cpu_seconds / len(paths), 3),  # all threads together
        "peak_rss_mb": round(peak_mb, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}",
        "warm_up_warnings": warm.warnings,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
