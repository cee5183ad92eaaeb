"""The questions researchers ask of a corpus store, as SQL they never have to write.

Every report is a :class:`Report` (columns and rows), so the CLI can print it as a
table, CSV or JSON, and ``plot`` can chart it. Shares are over the articles analysed
for that question: an extract-only row has no techniques or quotes and is left out
rather than counted as "none".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from spinscope.errors import SpinscopeError

REPORTS = ("overview", "techniques", "sourcing", "speakers")
GROUPINGS = {"outlet": ("outlet",), "month": ("month",), "outlet-month": ("outlet", "month"),
             "all": ()}  # fmt: skip
_GROUP_SQL = {
    "outlet": "coalesce(d.outlet, '(unknown)')",
    "month": "coalesce(strftime(d.month, '%Y-%m'), '(undated)')",
}


@dataclass
class Report:
    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass
class Filters:
    """Which documents a report covers."""

    outlets: Sequence[str] = ()
    since: date | None = None
    until: date | None = None
    params: dict[str, Any] = field(default_factory=dict, init=False)

    def where(self) -> str:
        clauses = ["TRUE"]
        self.params = {}
        if self.outlets:
            clauses.append("d.outlet IN (SELECT unnest($outlets))")
            self.params["outlets"] = list(self.outlets)
        when = "coalesce(d.published, CAST(d.crawled AS DATE))"
        if self.since:
            clauses.append(f"{when} >= $since")
            self.params["since"] = self.since
        if self.until:
            clauses.append(f"{when} <= $until")
            self.params["until"] = self.until
        return " AND ".join(clauses)


def _run(con: duckdb.DuckDBPyConnection, name: str, sql: str, params: dict) -> Report:
    try:
        cursor = con.execute(sql, params)
    except duckdb.Error as exc:
        raise SpinscopeError(f"cannot compute {name}: {exc}") from None
    columns = [d[0] for d in cursor.description]
    return Report(name, columns, [tuple(r) for r in cursor.fetchall()])


def _groups(by: str) -> tuple[list[str], str, str]:
    """Select list, GROUP BY list and ORDER BY prefix for a grouping name."""
    if by not in GROUPINGS:
        raise SpinscopeError(f"cannot group by {by!r} (choose {', '.join(GROUPINGS)})")
    names = GROUPINGS[by]
    select = [f"{_GROUP_SQL[n]} AS {n}" for n in names]
    return select, ", ".join(names), ", ".join(names)


def overview(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> Report:
    """Per outlet: articles, dates, how often techniques appear, and sourcing."""
    filters = filters or Filters()
    sql = f"""
        SELECT coalesce(d.outlet, '(unknown)') AS outlet,
               count(*) AS articles,
               min(coalesce(d.published, CAST(d.crawled AS DATE))) AS first_date,
               max(coalesce(d.published, CAST(d.crawled AS DATE))) AS last_date,
               round(avg(CASE WHEN d.technique_spans IS NULL THEN NULL
                              ELSE CAST(d.technique_spans > 0 AS INTEGER) END), 3)
                   AS share_with_technique,
               round(avg(d.technique_share), 3) AS mean_share_of_sentences,
               round(avg(CAST(d.single_source AS INTEGER)), 3) AS share_single_source,
               round(avg(d.quotes), 2) AS quotes_per_article
        FROM documents d WHERE {filters.where()}
        GROUP BY ALL ORDER BY articles DESC, outlet
    """
    return _run(con, "overview", sql, filters.params)


def technique_prevalence(
    con: duckdb.DuckDBPyConnection, by: str = "outlet-month", filters: Filters | None = None
) -> Report:
    """Share of articles with at least one span of each technique, per group; groups
    where a technique never occurs get a 0 row, so trends show the zeros."""
    filters = filters or Filters()
    select, group, order = _groups(by)
    keys = [s.split(" AS ")[1] for s in select]
    g_select = ", ".join(select) + ("," if select else "")
    g_group = f"GROUP BY {group}" if group else ""
    join_on = " AND ".join(f"g.{k} = p.{k}" for k in keys) or "TRUE"
    g_cols = ", ".join(f"g.{k}" for k in keys) + ("," if keys else "")
    sql = f"""
        WITH docs AS (
            SELECT * FROM documents d WHERE technique_spans IS NOT NULL AND {filters.where()}
        ),
        groups AS (SELECT {g_select} count(*) AS articles FROM docs d {g_group}),
        labels AS (SELECT DISTINCT label FROM techniques WHERE key IN (SELECT key FROM docs)),
        per AS (
            SELECT {g_select} t.label, count(DISTINCT t.key) AS with_technique,
                   count(*) AS spans
            FROM techniques t JOIN docs d USING (key)
            GROUP BY {", ".join([*keys, "t.label"])}
        )
        SELECT {g_cols} l.label AS technique, g.articles,
               coalesce(p.with_technique, 0) AS articles_with_technique,
               round(coalesce(p.with_technique, 0) / g.articles, 4) AS share,
               coalesce(p.spans, 0) AS spans
        FROM groups g CROSS JOIN labels l
        LEFT JOIN per p ON {join_on} AND p.label = l.label
        ORDER BY {order + ", " if order else ""}share DESC, technique
    """
    return _run(con, "techniques", sql, filters.params)


def sourcing(
    con: duckdb.DuckDBPyConnection, by: str = "outlet", filters: Filters | None = None
) -> Report:
    """Share of single-source articles (exactly one distinct named or anonymous source
    quoted), also among articles that quote anyone at all."""
    filters = filters or Filters()
    select, group, order = _groups(by)
    g_select = ", ".join(select) + ("," if select else "")
    sql = f"""
        SELECT {g_select}
               count(*) AS articles,
               count(*) FILTER (WHERE d.sources > 0) AS articles_quoting,
               count(*) FILTER (WHERE d.single_source) AS single_source,
               round(avg(CAST(d.single_source AS INTEGER)), 4) AS share_single_source,
               round(count(*) FILTER (WHERE d.single_source)
                     / nullif(count(*) FILTER (WHERE d.sources > 0), 0), 4)
                   AS share_single_source_of_quoting,
               round(avg(d.sources), 2) AS mean_sources
        FROM documents d WHERE d.sources IS NOT NULL AND {filters.where()}
        {"GROUP BY " + group if group else ""}
        {"ORDER BY " + order if order else ""}
    """
    return _run(con, "sourcing", sql, filters.params)


def top_speakers(
    con: duckdb.DuckDBPyConnection, top: int = 10, filters: Filters | None = None
) -> Report:
    """The most quoted named speakers of each outlet (by quotations, then articles)."""
    filters = filters or Filters()
    sql = f"""
        WITH counted AS (
            SELECT coalesce(d.outlet, '(unknown)') AS outlet, q.speaker,
                   count(*) AS quotes, count(DISTINCT q.key) AS articles
            FROM quotes q JOIN documents d USING (key)
            WHERE q.speaker IS NOT NULL AND NOT coalesce(q.anonymous, FALSE)
              AND {filters.where()}
            GROUP BY ALL
        )
        SELECT outlet,
               CAST(row_number() OVER (PARTITION BY outlet ORDER BY quotes DESC,
                    articles DESC, speaker) AS INTEGER) AS rank,
               speaker, quotes, articles
        FROM counted
        QUALIFY rank <= $top
        ORDER BY outlet, rank
    """
    return _run(con, "speakers", sql, {**filters.params, "top": top})


def report(
    con: duckdb.DuckDBPyConnection, name: str, *, by: str | None = None, top: int = 10,
    filters: Filters | None = None,
) -> Report:  # fmt: skip
    """One named report (see :data:`REPORTS`)."""
    if name == "overview":
        return overview(con, filters)
    if name == "techniques":
        return technique_prevalence(con, by or "outlet-month", filters)
    if name == "sourcing":
        return sourcing(con, by or "outlet", filters)
    if name == "speakers":
        return top_speakers(con, top, filters)
    raise SpinscopeError(f"no report {name!r} (choose {', '.join(REPORTS)})")
