"""Quote-span precision/recall and speaker accuracy on the hand-labelled quote sets.

A predicted quote matches a gold one when they overlap by at least half of the shorter
of the two (one-to-one, greedy by overlap). Speaker accuracy is over matched pairs: a
named gold speaker must equal the predicted canonical name (case-insensitive); an
unnamed gold source ("officials", "former colleague") matches a predicted speaker that
contains its head word.

    .venv/bin/python benchmarks/quotes_eval.py            # summary table
    .venv/bin/python benchmarks/quotes_eval.py --verbose  # every miss and false alarm
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "quotes"
SAMPLES = ROOT.parent / "shared" / "samples"
REAL = FIXTURES / "real"
PAGES = ROOT.parent / "shared" / "data" / "extraction-eval"
SAMPLE = "sputnik-nato-2023-11-30"
_CLOSERS = "”\"»’'“«"


@dataclass
class Gold:
    start: int
    end: int
    speaker: str
    kind: str
    anonymous: bool = False


@dataclass
class Article:
    id: str
    text: str
    gold: list[Gold]
    not_quotes: list[tuple[int, int]] = field(default_factory=list)
    split: str = "dev"


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    speaker_ok: int = 0
    kind_ok: int = 0
    titles_taken: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("gold", "predicted", "matched", "speaker_ok", "kind_ok", "titles_taken"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_ok / self.matched if self.matched else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.kind_ok / self.matched if self.matched else 0.0


# --------------------------------------------------------------------------- loading


def load_fixture(path: Path) -> Article:
    data = json.loads(path.read_text(encoding="utf-8"))
    text = data["separator"].join(data["paragraphs"])
    gold = [_locate(text, q) for q in data["quotes"]]
    not_quotes = [_locate_marked(text, s) for s in data.get("not_quotes", [])]
    return Article(data["id"], text, gold, not_quotes, data.get("split", "dev"))


def _locate(text: str, q: dict) -> Gold:
    if "text" in q:
        start = text.index(q["text"])
        end = start + len(q["text"])
    else:
        start = text.index(q["starts_with"])
        end = text.index(q["ends_with"], start) + len(q["ends_with"])
    return Gold(start, end, q["speaker"], q["kind"], bool(q.get("anonymous")))


def _locate_marked(text: str, s: str) -> tuple[int, int]:
    """A not-quote string where it stands between quote marks."""
    for match in re.finditer(re.escape(s), text):
        if match.start() > 0 and text[match.start() - 1] in "“\"«»‘'„":
            return match.start(), match.end()
    start = text.index(s)
    return start, start + len(s)


def load_real(path: Path) -> Article | None:
    """A real page of the shared extraction corpus, as trafilatura extracts it, with hand
    labels; None when ../shared is not there."""
    import gzip

    import trafilatura

    labels = json.loads(path.read_text(encoding="utf-8"))
    annotations = PAGES / "annotations.json"
    if not annotations.exists():
        return None
    entry = json.loads(annotations.read_text(encoding="utf-8"))[labels["url"]]
    with gzip.open(PAGES / entry["file"]) as handle:
        text = trafilatura.extract(handle.read()) or ""
    gold = [_locate(text, q) for q in labels["quotes"]]
    return Article(labels["id"], text, gold, [], "real")


def load_sample(body_only: bool = True) -> Article:
    """The scraped sample: its body lines (as a cleaner would keep them) or the raw scrape."""
    raw = (SAMPLES / f"{SAMPLE}.txt").read_text(encoding="utf-8")
    quotes = json.loads((SAMPLES / f"{SAMPLE}.quotes.json").read_text(encoding="utf-8"))
    lines = raw.split("\n")
    if body_only:
        roles = json.loads((SAMPLES / f"{SAMPLE}.roles.json").read_text(encoding="utf-8"))
        keep = [r["line"] for r in roles["lines"] if r["role"] == "body"]
    else:
        keep = [i + 1 for i, line in enumerate(lines) if line.strip()]
    offsets, parts, pos = {}, [], 0
    for number in keep:
        offsets[number] = pos
        parts.append(lines[number - 1])
        pos += len(lines[number - 1]) + 2
    text = "\n\n".join(parts)
    gold = [
        _sample_gold(text, offsets[q["line"]], lines[q["line"] - 1], q) for q in quotes["quotes"]
    ]
    not_quotes = []
    for nq in quotes.get("not_quotes", []):
        start = offsets[nq["line"]] + lines[nq["line"] - 1].index(nq["text"])
        not_quotes.append((start, start + len(nq["text"])))
    name = "sample (body lines)" if body_only else "sample (raw scrape)"
    return Article(name, text, gold, not_quotes)


def _sample_gold(text: str, line_start: int, line: str, q: dict) -> Gold:
    """The sample labels only where a quote starts; it ends at the next closing mark
    (direct) or at the end of its sentence (reported)."""
    start = line_start + line.index(q["starts_with"])
    rest = line[start - line_start :]
    if q["kind"] == "direct":
        ends = [rest.find(c, len(q["starts_with"]) - 1) for c in '”"»']
        ends = [e for e in ends if e >= 0]
        length = min(ends) if ends else len(rest)
    else:
        match = re.search(r"[.!?](\s|$)", rest)
        length = match.start() if match else len(rest)
    return Gold(start, start + length, q["speaker"], q["kind"])


# --------------------------------------------------------------------------- scoring


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return inter / shorter if inter > 0 and shorter > 0 else 0.0


def speaker_matches(gold: Gold, predicted: str | None) -> bool:
    if not predicted:
        return False
    if gold.anonymous:
        head = gold.speaker.split()[-1].casefold()
        return head in re.findall(r"[\w-]+", predicted.casefold())
    return gold.speaker.casefold() == predicted.casefold()


def score(article: Article, spans, verbose: bool = False) -> Score:
    result = Score(gold=len(article.gold), predicted=len(spans))
    pairs = sorted(
        (
            (overlap((g.start, g.end), (p.start, p.end)), gi, pi)
            for gi, g in enumerate(article.gold)
            for pi, p in enumerate(spans)
        ),
        reverse=True,
    )
    used_g, used_p = set(), set()
    for ov, gi, pi in pairs:
        if ov < 0.5 or gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        gold, pred = article.gold[gi], spans[pi]
        result.matched += 1
        result.kind_ok += gold.kind == pred.attrs["kind"]
        if speaker_matches(gold, pred.attrs.get("speaker")):
            result.speaker_ok += 1
        else:
            result.misses.append(
                f"{article.id}: SPEAKER {pred.attrs.get('speaker')!r} != {gold.speaker!r}: "
                f"{article.text[gold.start : gold.end][:70]!r}"
            )
    for gi, gold in enumerate(article.gold):
        if gi not in used_g:
            result.misses.append(
                f"{article.id}: MISSED ({gold.kind}) {article.text[gold.start : gold.end][:80]!r}"
            )
    for pi, pred in enumerate(spans):
        if pi not in used_p:
            result.misses.append(
                f"{article.id}: EXTRA ({pred.attrs['kind']}, {pred.attrs.get('speaker')!r}) "
                f"{article.text[pred.start : pred.end][:80]!r}"
            )
    result.titles_taken = sum(
        any(overlap(nq, (p.start, p.end)) >= 0.5 for p in spans) for nq in article.not_quotes
    )
    return result


def evaluate(articles: list[Article]) -> Score:
    from spinscope.components.nlp import load_spacy
    from spinscope.components.quotes import find_quotes

    nlp = load_spacy()
    total = Score()
    for article in articles:
        spans = find_quotes(article.text, nlp(article.text))
        total.add(score(article, spans))
    return total


def _row(name: str, s: Score) -> str:
    return (
        f"| {name} | {s.gold} | {s.predicted} | {s.precision:.3f} | {s.recall:.3f} | "
        f"{s.speaker_accuracy:.3f} | {s.kind_accuracy:.3f} | {s.titles_taken} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args(argv)
    fixtures = [load_fixture(p) for p in sorted(FIXTURES.glob("*.json"))]
    dev = [a for a in fixtures if a.split == "dev"]
    heldout = [a for a in fixtures if a.split == "heldout"]
    blind = [a for a in fixtures if a.split == "blind"]
    sets = [
        (f"dev set ({len(dev)} articles)", dev),
        (f"held-out set ({len(heldout)} articles)", heldout),
        (f"blind set ({len(blind)} articles)", blind),
        (f"all written articles ({len(fixtures)})", fixtures),
    ]
    real = [a for a in (load_real(p) for p in sorted(REAL.glob("*.json"))) if a is not None]
    if real:
        sets.append((f"real pages, hand-labelled ({len(real)} articles)", real))
    if (SAMPLES / f"{SAMPLE}.txt").exists():
        sets += [
            ("sample, body lines", [load_sample(True)]),
            ("sample, raw scrape", [load_sample(False)]),
        ]
    print(
        "| set | gold | predicted | precision | recall | speaker acc. | kind acc. "
        "| titles taken as quotes |"
    )
    print("|---|---|---|---|---|---|---|---|")
    details = []
    for name, articles in sets:
        result = evaluate(articles)
        print(_row(name, result))
        details.extend(result.misses)
    if args.verbose:
        print()
        print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
