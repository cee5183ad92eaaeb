"""Line and sentence pieces: offsets into the text, cautious about abbreviations."""

from __future__ import annotations

import pytest

from spinscope.textspans import line_spans, sentence_pieces


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'He said: "It is a disgrace." Then Mr. Smith left.',
            ['He said: "It is a disgrace."', "Then Mr. Smith left."],
        ),
        (
            "The U.S. Government lied! Why? In 2024 it was worse.",
            ["The U.S. Government lied!", "Why?", "In 2024 it was worse."],
        ),
        (
            "Dr. J. Doe met Gen. Lee at 5 p.m. on Jan. 3",
            ["Dr. J. Doe met Gen. Lee at 5 p.m. on Jan. 3"],
        ),
        (
            "It ended (finally.) \u201cGood,\u201d she said.",
            ["It ended (finally.)", "\u201cGood,\u201d she said."],
        ),
        ("no capital after. so one piece", ["no capital after. so one piece"]),
        (
            "the \u2018big game\u2019. Russia waits . We know",
            ["the \u2018big game\u2019.", "Russia waits .", "We know"],
        ),
        ("", []),
    ],
)
def test_sentence_pieces_point_into_the_text(line, expected):
    text = f"\n  {line}\n"
    start, end = 3, 3 + len(line)
    pieces = sentence_pieces(text, start, end)
    assert [text[a:b] for a, b in pieces] == expected
    assert all(start <= a < b <= end for a, b in pieces)


def test_line_spans_trim_and_skip_blank_lines():
    text = "  one \n\n two\n"
    assert [text[a:b] for a, b in line_spans(text)] == ["one", "two"]
