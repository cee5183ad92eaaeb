"""Which outlet published an article, and who owns it.

Profiles come from ``data/outlets.json`` (name, aliases, domains, country, ownership type,
owner, and a public source for the ownership). An outlet is recognised, most reliable
first, from the URL's domain, from the outlet name the metadata already has, or from its
signature in the scraped page: the name in the page's first or last lines, in a dateline
("LONDON (Reuters) -"), a copyright line or a caption credit ("- Sputnik International,
1920"). Mentions in the body ("told Reuters") count for little and photo credits
("AP Photo") for nothing, so an article is not taken for the agency it quotes. The same
rules apply to every outlet; nothing here names one.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from spinscope.document import Document

#: Aliases shorter than this are matched in URLs and names only, never in free text
#: ("AP", "RT", "FT" are too ambiguous there).
MIN_TEXT_ALIAS = 3
#: Lines at either end of the page that count as page chrome.
CHROME_LINES = 3
#: Score a text signature needs; body mentions count 1, chrome and caption credits 2,
#: datelines and copyright lines 4. Body mentions alone never suffice.
MIN_TEXT_SCORE = 4
_BODY, _CHROME, _STRONG = 1, 2, 4

_CREDIT_AFTER = re.compile(r"\s*(?:Photo|Images|Video|/|via\b)", re.IGNORECASE)


@lru_cache(maxsize=1)
def load_outlets() -> list[dict[str, Any]]:
    """The curated outlet profiles shipped with the package."""
    raw = resources.files("spinscope").joinpath("data/outlets.json").read_text(encoding="utf-8")
    return json.loads(raw)["outlets"]


def outlet_names() -> list[str]:
    """Every name and alias long enough to be looked for in text."""
    names = {n for o in load_outlets() for n in [o["name"], *o["aliases"]]}
    return sorted(n for n in names if len(n) >= MIN_TEXT_ALIAS)


def recognise_outlet(url: str | None, text: str, name_hint: str | None) -> dict[str, Any] | None:
    """The profile of the article's outlet, with how it was recognised, or None."""
    for method, found in (
        ("url", _by_url(url)),
        ("name", _by_name(name_hint)),
        ("text", _by_text(text or "")),
    ):
        if found is not None:
            outlet, evidence = found
            return _profile(outlet, method, evidence)
    return None


def _profile(outlet: dict[str, Any], method: str, evidence: str) -> dict[str, Any]:
    keys = ("name", "country", "ownership", "owner", "source", "domains")
    return {k: outlet.get(k) for k in keys} | {"matched_by": method, "evidence": evidence}


# --------------------------------------------------------------------------- by URL, by name


def _host(url: str) -> str:
    parts = urlsplit(url if "//" in url else f"//{url}")
    return (parts.hostname or "").lower().removeprefix("www.")


def _by_url(url: str | None) -> tuple[dict, str] | None:
    """The outlet whose domain is the URL's host or a parent of it (longest wins)."""
    host = _host(url) if url else ""
    if not host:
        return None
    best = None
    for outlet in load_outlets():
        for domain in outlet["domains"]:
            if (host == domain or host.endswith("." + domain)) and (
                best is None or len(domain) > len(best[1])
            ):
                best = (outlet, domain)
    return best


def _by_name(hint: str | None) -> tuple[dict, str] | None:
    """An outlet named by the metadata: an exact alias, else the longest alias inside it."""
    if not hint or not hint.strip():
        return None
    folded = hint.strip().casefold()
    for outlet in load_outlets():
        if folded in (n.casefold() for n in [outlet["name"], *outlet["aliases"]]):
            return outlet, hint.strip()
    best = None
    for outlet in load_outlets():
        for alias in [outlet["name"], *outlet["aliases"]]:
            longer = best is None or len(alias) > len(best[1])
            if longer and len(alias) >= MIN_TEXT_ALIAS and _contains(hint, alias):
                best = (outlet, alias)
    return best


def _contains(text: str, alias: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", text) is not None


# --------------------------------------------------------------------------- by text


@lru_cache(maxsize=1)
def _alias_pattern() -> tuple[re.Pattern[str], dict[str, dict]]:
    """One regex over all text aliases, longest first, so "The Times of India" wins over
    "The Times" at the same position."""
    owner: dict[str, dict] = {}
    for outlet in load_outlets():
        for alias in [outlet["name"], *outlet["aliases"]]:
            if len(alias) >= MIN_TEXT_ALIAS:
                owner.setdefault(alias, outlet)
    ordered = sorted(owner, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in ordered) + r")(?![\w-])")
    return pattern, owner


def _by_text(text: str) -> tuple[dict, str] | None:
    """The outlet whose signature dominates the page, if any clearly does."""
    pattern, owner = _alias_pattern()
    chrome = _chrome_ranges(text)
    scores: dict[str, int] = {}
    evidence: dict[str, str] = {}
    for match in pattern.finditer(text):
        weight = _weight(text, match, chrome)
        name = owner[match.group()]["name"]
        scores[name] = scores.get(name, 0) + weight
        if weight > _BODY and name not in evidence:
            evidence[name] = _context(text, match)
    scores = {name: score for name, score in scores.items() if name in evidence}
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if score < MIN_TEXT_SCORE or score < 2 * runner_up:
        return None
    outlet = next(o for o in load_outlets() if o["name"] == best)
    return outlet, evidence.get(best, best)


def _weight(text: str, match: re.Match[str], chrome: list[tuple[int, int]]) -> int:
    """0 for a photo credit; strong for a dateline or copyright line; chrome for the
    page's first and last lines and caption credits; body otherwise."""
    if _CREDIT_AFTER.match(text, match.end()):
        return 0
    before = text[max(0, match.start() - 12) : match.start()]
    after = text[match.end() : match.end() + 4]
    if re.search(r"\($", before) and re.match(r"\)\s*[-–—:]", after):  # LONDON (Reuters) -
        return _STRONG
    if re.search(r"(?:©|\(c\)|[Cc]opyright)\s*(?:\d{4}\s*)?$", before):
        return _STRONG
    if re.search(r"(?:^|\s)[-—|]\s$", before) or any(lo <= match.start() < hi for lo, hi in chrome):
        return _CHROME  # caption credit "- X, 1920", or the page's first/last lines
    return _BODY


def _chrome_ranges(text: str) -> list[tuple[int, int]]:
    """The first and last few non-empty lines of the page."""
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    if len(spans) <= 2 * CHROME_LINES:  # too short to tell chrome from body
        return []
    return spans[:CHROME_LINES] + spans[-CHROME_LINES:]


def _context(text: str, match: re.Match[str]) -> str:
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    return line[:120]


class OutletRecogniser:
    """Writes ``metadata["outlet_profile"]`` and fills ``metadata["outlet"]`` if empty."""

    name = "outlet"

    def __call__(self, doc: Document) -> None:
        profile = recognise_outlet(
            doc.metadata.get("url"), doc.source_text, doc.metadata.get("outlet")
        )
        doc.metadata["outlet_profile"] = profile
        if profile is not None and not doc.metadata.get("outlet"):
            doc.metadata["outlet"] = profile["name"]
