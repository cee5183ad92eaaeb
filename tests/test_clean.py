"""The plain-text cleaner: one role per scraped line, offsets into the input, scrape metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinscope.clean import ROLES, Block, classify_blocks, furniture_labels, scrape_metadata

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).parents[1].parent / "shared"
SAMPLE = SHARED / "samples" / "sputnik-nato-2023-11-30"
FIXTURES = sorted((HERE / "fixtures" / "scrapes").glob("*.scrape"))


def _load_fixture(path: Path) -> tuple[str, list[str], dict[str, str]]:
    """(scrape text, expected role per non-empty line, expected metadata) of a fixture."""
    lines, roles, meta = [], [], {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#"):
            key, _, value = raw[1:].partition(":")
            meta[key.strip()] = value.strip()
        elif not raw.strip():
            lines.append("")
        else:
            role, _, text = raw.partition("|")
            lines.append(text[1:])
            roles.append(role.strip())
    return "\n".join(lines) + "\n", roles, meta


def _assert_offsets(text: str, blocks: list[Block]) -> None:
    expected = [line.strip() for line in text.splitlines() if line.strip()]
    assert [text[b.start : b.end] for b in blocks] == expected
    assert all(b.role in ROLES and b.reason for b in blocks)


def _mismatches(text: str, blocks: list[Block], roles: list[str]) -> list[str]:
    return [
        f"{want} != {b.role} ({b.reason}): {text[b.start : b.end][:70]}"
        for b, want in zip(blocks, roles, strict=True)
        if b.role != want
    ]


@pytest.fixture(scope="module")
def sample() -> tuple[str, dict]:
    if not SAMPLE.with_suffix(".txt").is_file():
        pytest.skip("../shared is not available")
    text = SAMPLE.with_suffix(".txt").read_text(encoding="utf-8")
    gold = json.loads(SAMPLE.with_suffix(".roles.json").read_text(encoding="utf-8"))
    return text, gold


def test_sample_roles_match_gold(sample):
    text, gold = sample
    blocks = classify_blocks(text)
    _assert_offsets(text, blocks)
    line_of = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip()]
    want = {item["line"]: item["role"] for item in gold["lines"]}
    assert len(blocks) == len(want) == 26
    got = {line: b.role for line, b in zip(line_of, blocks, strict=True)}
    assert got == want
    for item in gold["lines"]:
        block = blocks[line_of.index(item["line"])]
        assert text[block.start : block.end].startswith(item["starts_with"])


def test_sample_metadata(sample):
    text, gold = sample
    meta = scrape_metadata(text, classify_blocks(text))
    assert meta == {
        "outlet": "Sputnik International",
        "published": "2023-11-30",
        "headline": gold["metadata"]["headline"],
    }


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_roles(path: Path):
    text, roles, _ = _load_fixture(path)
    blocks = classify_blocks(text)
    _assert_offsets(text, blocks)
    assert not _mismatches(text, blocks, roles)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_metadata(path: Path):
    text, _, meta = _load_fixture(path)
    got = scrape_metadata(text, classify_blocks(text))
    assert {k: got[k] for k in meta} == meta


def test_enough_fixture_layouts():
    assert len(FIXTURES) >= 8


def test_offsets_survive_indentation_crlf_and_blank_lines():
    text = (
        "  Menu  \r\n\r\nHome\r\n\t A long paragraph of article text that says something, "
        "and then says it again in other words so that it reads like prose.  \r\n\r\n"
        "Another paragraph follows here, with a full stop at the end of it as prose has.\r\n"
    )
    blocks = classify_blocks(text)
    _assert_offsets(text, blocks)
    assert [b.role for b in blocks][-2:] == ["body", "body"]


def test_empty_and_whitespace_input():
    assert classify_blocks("") == []
    assert classify_blocks(" \n\t\n") == []
    assert scrape_metadata("", []) == {"outlet": None, "published": None, "headline": None}


def test_link_density_marks_linked_lines_as_furniture():
    text = "\n".join(
        [
            "Opposition calls for inquiry into hospital waiting times",
            "Health ministry says figures will improve by spring, but doctors warn of a hard "
            "winter ahead as staff shortages persist across the region.",
            "Budget talks stall over pension reform",
            "The opposition wants an independent inquiry, its spokeswoman said on Monday, "
            "because the published figures do not match what patients report.",
        ]
    )
    plain = classify_blocks(text)
    linked = classify_blocks(text, link_density=[0.0, 0.0, 1.0, 0.0])
    assert plain[2].role == "body"
    assert linked[2].role != "body"
    with pytest.raises(ValueError):
        classify_blocks(text, link_density=[0.0])


def test_short_body_lines_are_kept():
    text = "\n".join(
        [
            "Home",
            "World",
            "Minister resigns over expenses claims",
            "LONDON (Reuters) -",
            "A senior minister resigned on Friday after a newspaper reported that he had claimed "
            "expenses for a second home that he rented out to tenants.",
            "He denied wrongdoing.",
            '"I have done nothing wrong," he said.',
            "His deputy will take over the department until a successor is named, a spokesman for "
            "the prime minister's office said in a statement.",
            "Privacy policy",
        ]
    )
    roles = [b.role for b in classify_blocks(text)]
    assert roles == [
        "site_chrome",
        "section_label",
        "headline",
        "body",
        "body",
        "body",
        "body",
        "body",
        "site_chrome",
    ]


def test_furniture_labels_on_extracted_paragraphs():
    paragraphs = [
        "The council voted on Tuesday to close the library, despite a petition signed by more "
        "than four thousand residents who asked it to stay open.",
        "Photo: Reuters",
        "Opponents said they would challenge the decision in court.",
    ]
    labels = furniture_labels(paragraphs)
    assert labels[0] is None and labels[2] is None
    assert labels[1] is not None and labels[1][0] == "photo_credit"
