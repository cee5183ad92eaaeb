"""Reading the PTC corpus layout: ``articles/article<ID>.txt``, ``labels.tsv``, ``<split>.ids``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from spinscope.errors import InputError

#: The 14 PTC technique classes, spelled as in ``labels.tsv``, most frequent first.
TECHNIQUES: tuple[str, ...] = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Doubt",
    "Exaggeration,Minimisation",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Slogans",
    "Appeal_to_Authority",
    "Whataboutism,Straw_Men,Red_Herring",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Bandwagon,Reductio_ad_hitlerum",
)


@dataclass(frozen=True)
class GoldSpan:
    technique: str
    start: int
    end: int


@dataclass
class Article:
    article_id: str
    text: str
    spans: list[GoldSpan] = field(default_factory=list)


def read_ids(data_dir: Path, split: str) -> list[str]:
    path = Path(data_dir) / f"{split}.ids"
    if not path.is_file():
        raise InputError(f"no split file {path}")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def read_labels(path: Path) -> dict[str, list[GoldSpan]]:
    """Parse a PTC label file (``id  technique  start  end`` per line)."""
    spans: dict[str, list[GoldSpan]] = defaultdict(list)
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise InputError(f"{path}:{n}: expected 4 tab-separated fields, got {len(parts)}")
        article_id, technique, start, end = parts
        spans[article_id].append(GoldSpan(technique, int(start), int(end)))
    return dict(spans)


def load_split(data_dir: str | Path, split: str) -> list[Article]:
    """Articles of one split with their gold spans, each text read exactly as stored."""
    data_dir = Path(data_dir)
    labels_path = data_dir / "labels.tsv"
    labels = read_labels(labels_path) if labels_path.is_file() else {}
    articles = []
    for article_id in read_ids(data_dir, split):
        path = data_dir / "articles" / f"article{article_id}.txt"
        if not path.is_file():
            raise InputError(f"missing article file {path}")
        # newline="" keeps "\r\n" so offsets match the file exactly.
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        articles.append(Article(article_id, text, labels.get(article_id, [])))
    return articles
