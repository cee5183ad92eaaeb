"""Outlet profiles: the curated data file and recognition from URL, name and page text."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from spinscope.document import Document
from spinscope.outlets import OutletRecogniser, load_outlets, recognise_outlet

FIELDS = ("name", "aliases", "domains", "country", "ownership", "owner", "source")


def _data() -> dict:
    return json.loads(
        resources.files("spinscope").joinpath("data/outlets.json").read_text(encoding="utf-8")
    )


def test_data_file_is_complete_and_consistent() -> None:
    data = _data()
    outlets = data["outlets"]
    assert len(outlets) >= 40
    assert len({o["country"] for o in outlets}) >= 15
    types = set(data["ownership_types"])
    assert {o["ownership"] for o in outlets} == types  # every type is used, none undefined
    for outlet in outlets:
        assert all(outlet.get(f) for f in FIELDS), outlet["name"]
        assert outlet["source"].startswith("https://"), outlet["name"]
        assert all("/" not in d and "." in d and d == d.lower() for d in outlet["domains"])
    domains = [d for o in outlets for d in o["domains"]]
    assert len(domains) == len(set(domains))
    names = [n for o in outlets for n in {x.casefold() for x in [o["name"], *o["aliases"]]}]
    assert len(names) == len(set(names)), "an alias must name one outlet only"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.reuters.com/world/europe/story-2023-11-30/", "Reuters"),
        ("https://edition.cnn.com/2023/11/30/politics/x", "CNN"),
        ("sputnikglobe.com/20231130/nato-1115316.html", "Sputnik"),
        ("https://timesofindia.indiatimes.com/india/x", "The Times of India"),
    ],
)
def test_recognised_by_url(url: str, expected: str) -> None:
    profile = recognise_outlet(url, "", None)
    assert profile is not None and profile["name"] == expected and profile["matched_by"] == "url"


def test_unknown_url_falls_back_to_name_hint() -> None:
    profile = recognise_outlet("https://example.org/x", "", "Sputnik International")
    assert profile["name"] == "Sputnik" and profile["matched_by"] == "name"
    assert recognise_outlet("https://example.org/x", "", "Some Blog") is None


def test_sample_is_sputnik(shared_dir) -> None:
    text = (shared_dir / "samples" / "sputnik-nato-2023-11-30.txt").read_text(encoding="utf-8")
    profile = recognise_outlet(None, text, None)
    assert profile["name"] == "Sputnik" and profile["matched_by"] == "text"
    assert profile["ownership"] == "state-controlled" and profile["country"] == "Russia"
    assert profile["source"].startswith("https://")


def test_dateline_and_copyright_signatures() -> None:
    assert (
        recognise_outlet(None, "LONDON (Reuters) - Rates rose.\nMore.", None)["name"] == "Reuters"
    )
    assert (
        recognise_outlet(None, "Text.\n© 2024 The New York Times Company", None)["name"]
        == "The New York Times"
    )


def test_quoted_agencies_and_photo_credits_are_not_the_outlet() -> None:
    body = "\n".join(
        ["Headline", "By a reporter", "Intro line."]
        + ["The minister told Reuters on Monday that Reuters had it right."] * 3
        + ["© AP Photo / Someone", "Caption. (AP Photo/Someone)", "End."]
    )
    assert recognise_outlet(None, body, None) is None


def test_component_writes_profile_and_fills_outlet(shared_dir) -> None:
    text = (shared_dir / "samples" / "sputnik-nato-2023-11-30.txt").read_text(encoding="utf-8")
    doc = Document(source_text=text, text=text)
    OutletRecogniser()(doc)
    assert doc.metadata["outlet_profile"]["name"] == "Sputnik"
    assert doc.metadata["outlet"] == "Sputnik"
    kept = Document(source_text=text, text=text)
    kept.metadata["outlet"] = "Sputnik International"
    OutletRecogniser()(kept)
    assert kept.metadata["outlet"] == "Sputnik International"


def test_load_outlets_is_cached() -> None:
    assert load_outlets() is load_outlets()
