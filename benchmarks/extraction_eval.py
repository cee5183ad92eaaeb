"""Main-text extraction quality on the 949 pages of ``shared/data/extraction-eval``.

Three methods are scored on the same pages with the same scorer, so the figures compare:

- ``cleaner``: the page turned into a naive plain-text scrape (``shared/tools/html_to_scrape.py``,
  cached under ``benchmarks/.cache/``), then ``spinscope.clean.classify_blocks``; the clean text
  is the headline and body blocks joined by blank lines.
- ``spinscope-html``: ``spinscope.ingest.html.extract_html`` (headline + body blocks).
- ``trafilatura``: plain ``trafilatura.extract(html)`` with default settings.
- ``cleaner-links`` (optional): the cleaner on spinscope's own visible-text blocks of the page
  (``spinscope.ingest.html.visible_blocks``), with each block's link density as a cue.

All methods get the same decoded page (``spinscope.ingest.decode.decode_bytes``).

A page's score is the share of its ``with`` strings present and ``without`` strings absent
(whitespace runs collapsed on both sides, so a string may span a paragraph break). Pages are split
into a development part and a held-out part by a hash of the URL, so the split is stable and
independent of any tuning.

Usage: ``.venv/bin/python benchmarks/extraction_eval.py [--limit N] [--methods cleaner,...]``
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EVAL_DIR = SHARED / "data" / "extraction-eval"
SCRAPER = SHARED / "tools" / "html_to_scrape.py"
CACHE = REPO / "benchmarks" / ".cache" / "scrapes"
HELD_OUT_SHARE = 0.3
METHODS = ("cleaner", "spinscope-html", "trafilatura")

sys.path.insert(0, str(REPO / "src"))


@dataclass
class Page:
    """One evaluation page and its must-contain / must-not-contain strings."""

    url: str
    file: Path
    with_: list[str]
    without: list[str]

    @property
    def part(self) -> str:
        return split_of(self.url)

    @property
    def scrape_path(self) -> Path:
        return CACHE / (re.sub(r"(\.html?)?(\.gz)?$", "", self.file.name) + ".txt")


@dataclass
class Tally:
    """Running means of page scores for one method on one part."""

    pages: int = 0
    score: float = 0.0
    with_share: float = 0.0
    without_share: float = 0.0
    errors: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def add(self, scores: tuple[float, float, float]) -> None:
        self.pages += 1
        self.score += scores[0]
        self.with_share += scores[1]
        self.without_share += scores[2]

    def row(self) -> str:
        n = max(self.pages, 1)
        return (
            f"{self.score / n:6.3f}  {self.with_share / n:6.3f}  {self.without_share / n:8.3f}"
            f"  {self.pages:5d}  {self.errors:4d}  {self.seconds:7.1f}"
        )


def split_of(url: str) -> str:
    """'dev' or 'held-out', from a hash of the URL (stable across runs and machines)."""
    bucket = int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "held-out" if bucket < HELD_OUT_SHARE else "dev"


def load_pages(limit: int | None = None) -> list[Page]:
    data = json.loads((EVAL_DIR / "annotations.json").read_text(encoding="utf-8"))
    pages = [
        Page(url, EVAL_DIR / item["file"], list(item["with"]), list(item["without"]))
        for url, item in sorted(data.items())
    ]
    return pages[:limit] if limit else pages


def ensure_scrapes(pages: Iterable[Page]) -> None:
    """Make the naive scrapes that are not cached yet, with the shared tool itself."""
    missing = [str(p.file) for p in pages if not p.scrape_path.exists()]
    for i in range(0, len(missing), 200):
        cmd = [sys.executable, str(SCRAPER), str(CACHE), *missing[i : i + 200]]
        subprocess.run(cmd, check=True)


def read_html(path: Path) -> str:
    """Decode a stored page as spinscope's ingest does (BOM, UTF-8, declared charset, detection)."""
    from spinscope.ingest.decode import decode_bytes

    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return decode_bytes(raw)[0]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def score_page(text: str, page: Page) -> tuple[float, float, float]:
    """(page score, share of `with` present, share of `without` absent)."""
    text = _norm(text)
    hits = [_norm(s) in text for s in page.with_]
    misses = [_norm(s) not in text for s in page.without]
    total = len(hits) + len(misses)
    score = (sum(hits) + sum(misses)) / total if total else 1.0
    with_share = sum(hits) / len(hits) if hits else 1.0
    without_share = sum(misses) / len(misses) if misses else 1.0
    return score, with_share, without_share


def run_cleaner(page: Page) -> str:
    from spinscope.clean import classify_blocks

    text = page.scrape_path.read_text(encoding="utf-8")
    blocks = classify_blocks(text)
    return "\n\n".join(text[b.start : b.end] for b in blocks if b.role in ("headline", "body"))


def run_spinscope_html(page: Page) -> str:
    from spinscope.errors import InputError
    from spinscope.ingest.html import extract_html

    try:
        ext = extract_html(read_html(page.file), url=page.url)
    except InputError:
        return ""
    src = ext.source_text
    return "\n\n".join(src[b.start : b.end] for b in ext.blocks if b.role in ("headline", "body"))


def run_cleaner_links(page: Page) -> str:
    from spinscope.clean import classify_blocks
    from spinscope.ingest.html import visible_blocks

    pairs = visible_blocks(read_html(page.file))
    text = "\n".join(t for t, _ in pairs)
    blocks = classify_blocks(text, [d for _, d in pairs])
    return "\n\n".join(text[b.start : b.end] for b in blocks if b.role in ("headline", "body"))


def run_trafilatura(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(read_html(page.file)) or ""


RUNNERS: dict[str, Callable[[Page], str]] = {
    "cleaner": run_cleaner,
    "cleaner-links": run_cleaner_links,
    "spinscope-html": run_spinscope_html,
    "trafilatura": run_trafilatura,
}


def evaluate(pages: list[Page], methods: list[str]) -> dict[tuple[str, str], Tally]:
    tallies: dict[tuple[str, str], Tally] = {}
    for method in methods:
        runner = RUNNERS[method]
        for page in pages:
            for part in (page.part, "overall"):
                tallies.setdefault((method, part), Tally())
            started = time.perf_counter()
            try:
                scores = score_page(runner(page), page)
            except Exception as exc:  # a crash scores zero but must not stop the benchmark
                print(f"{method}: {page.url}: {type(exc).__name__}: {exc}", file=sys.stderr)
                scores = (0.0, 0.0, 0.0)
                tallies[(method, "overall")].errors += 1
            elapsed = time.perf_counter() - started
            for part in (page.part, "overall"):
                tallies[(method, part)].add(scores)
                tallies[(method, part)].seconds += elapsed
                if scores[0] < 1.0:
                    tallies[(method, part)].failures.append(page.url)
    return tallies


def report(tallies: dict[tuple[str, str], Tally], methods: list[str]) -> str:
    head = (
        f"{'part':9s} {'method':15s} {'score':>6s}  {'with':>6s}  {'without':>8s}"
        "  pages  errs  seconds"
    )
    rows = [head, "-" * len(head)]
    for part in ("dev", "held-out", "overall"):
        for method in methods:
            if (method, part) in tallies:
                rows.append(f"{part:9s} {method:15s} {tallies[(method, part)].row()}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N pages (by URL) only")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    parser.add_argument("--part", choices=("dev", "held-out", "all"), default="all")
    parser.add_argument("--failures", type=Path, help="write failing URLs per method (JSON)")
    args = parser.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(RUNNERS)
    if unknown:
        parser.error(f"unknown methods: {', '.join(sorted(unknown))}")
    pages = load_pages(args.limit)
    if args.part != "all":
        pages = [p for p in pages if p.part == args.part]
    if "cleaner" in methods:
        ensure_scrapes(pages)
    tallies = evaluate(pages, methods)
    print(report(tallies, methods))
    if args.failures:
        fails = {m: tallies[(m, "overall")].failures for m in methods}
        args.failures.write_text(json.dumps(fails, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
