"""Generate a benchmark corpus from the PTC dev articles (never committed: it is derived
from research data; it goes to benchmarks/.cache/, which git ignores).

Each generated article is a dev article whose body sentences are rotated by a different
amount, so every text is distinct (distinct content keys) but keeps the length and
language of real news; outlets and publication months are assigned round-robin so that
``stats`` and ``plot`` have something to group.

    python benchmarks/make_corpus.py --docs 10000              # JSONL
    python benchmarks/make_corpus.py --docs 2000 --format warc  # WARC.gz of HTML pages
"""

from __future__ import annotations

import argparse
import html
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PTC = HERE.parent.parent / "shared" / "data" / "ptc"
OUTLETS = ("Northern Courier", "Daily Ledger", "Harbour Times", "Metro Wire", "Plains Post")


def dev_articles(ptc: Path) -> list[tuple[str, list[str]]]:
    """(title, body sentences) of each dev article, in id order."""
    ids = (ptc / "dev.ids").read_text(encoding="utf-8").split()
    articles = []
    for article_id in sorted(ids):
        lines = (ptc / "articles" / f"article{article_id}.txt").read_text(encoding="utf-8")
        title, *body = lines.splitlines()
        articles.append((title.strip(), [s for s in body if s.strip()]))
    return articles


def records(ptc: Path, docs: int) -> Iterator[dict]:
    articles = dev_articles(ptc)
    for i in range(docs):
        title, body = articles[i % len(articles)]
        shift = (i // len(articles)) % max(1, len(body))
        rotated = body[shift:] + body[:shift]
        month = i % 12 + 1
        yield {
            "id": f"bench-{i:06d}",
            "url": f"https://news{i % len(OUTLETS)}.example/{2023 + (i // 12) % 2}/{i}",
            "outlet": OUTLETS[i % len(OUTLETS)],
            "published": f"{2023 + (i // 12) % 2}-{month:02d}-{1 + i % 28:02d}",
            "text": title + "\n\n" + "\n".join(rotated) + "\n",
        }


def write_jsonl(path: Path, rows: Iterator[dict]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_warc(path: Path, rows: Iterator[dict]) -> int:
    """Each article as an HTML page in a ``response`` record, as a crawl would store it."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    count = 0
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for row in rows:
            title, _, body = row["text"].partition("\n\n")
            paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.splitlines())
            page = (
                f"<!doctype html><html><head><title>{html.escape(title)}</title>"
                f'<meta property="og:site_name" content="{row["outlet"]}">'
                f'<meta property="article:published_time" content="{row["published"]}">'
                f"</head><body><nav>Home | World | Sport</nav><article>"
                f"<h1>{html.escape(title)}</h1>{paragraphs}</article>"
                f"<footer>© {row['outlet']}</footer></body></html>"
            ).encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")  # fmt: skip
            date = datetime.fromisoformat(row["published"]).replace(tzinfo=UTC)
            writer.write_record(writer.create_warc_record(
                row["url"], "response", payload=io.BytesIO(page), http_headers=headers,
                warc_headers_dict={"WARC-Date": date.strftime("%Y-%m-%dT%H:%M:%SZ")},
            ))  # fmt: skip
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--format", choices=("jsonl", "warc"), default="jsonl")
    parser.add_argument("--ptc", type=Path, default=PTC, help="PTC directory (with dev.ids)")
    parser.add_argument("--out", type=Path, help="output file (default: benchmarks/.cache/)")
    args = parser.parse_args()
    suffix = ".jsonl" if args.format == "jsonl" else ".warc.gz"
    out = args.out or HERE / ".cache" / f"corpus-{args.docs}{suffix}"
    out.parent.mkdir(parents=True, exist_ok=True)
    write = write_jsonl if args.format == "jsonl" else write_warc
    count = write(out, records(args.ptc, args.docs))
    print(f"{out}\t{count} documents\t{out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
