"""One date normaliser for every metadata source (JSONL fields, WARC headers, HTML pages)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def normalise_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` from an ISO date or timestamp (or a string starting with one)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, int | float):  # a Unix timestamp
        try:
            return datetime.fromtimestamp(float(value)).strftime("%Y-%m-%d")
        except (OverflowError, OSError, ValueError):
            return None
    match = _DATE.search(str(value))
    if not match:
        return None
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None
