"""``stats``, ``export`` and ``plot`` on a small store whose answers are known by design."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_batch import fake_spec, write_jsonl
from typer.testing import CliRunner

from spinscope.batch import BatchOptions, run_local
from spinscope.cli import app
from spinscope.stats import Filters, report
from spinscope.store import open_store

runner = CliRunner()


def text(i: int, words: str, speakers: list[str]) -> str:
    quotes = " ".join(f"“We will look at case {i} again,” said {s}." for s in speakers)
    return (
        f"Regional council reviews case number {i} in the annual budget debate\n\n"
        f"Opponents of the plan for case {i} {words} and asked the council to think again "
        f"before the vote that is expected at the end of the month.\n\n{quotes}\n\n"
        f"The finance committee will publish its report on case {i} before the next session "
        f"of the regional council, officials confirmed on Monday afternoon.\n"
    )


def design() -> list[dict]:
    """Outlet A: every article loaded language, 'always' (exaggeration) in January only,
    one source. Outlet B: loaded language in half of each month, one or two sources."""
    records = []
    for i in range(24):
        outlet, month = ("A" if i < 12 else "B"), 1 + i % 3
        if outlet == "A":
            words = "called it a disaster" + (" that always fails" if i % 3 == 0 else "")
            speakers = ["Anna Berg"]
        else:
            words = "called it a disaster" if i % 2 == 0 else "called it a change"
            speakers = ["Anna Berg", "Tom Reed"] if i % 2 == 0 else ["Anna Berg"]
        records.append({"id": f"d{i}", "outlet": outlet, "published": f"2024-{month:02d}-10",
                        "text": text(i, words, speakers)})  # fmt: skip
    return records


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stats")
    feed = write_jsonl(root / "feed.jsonl", design())
    path = root / "s.duckdb"
    counts = run_local([str(feed)], path, fake_spec(), BatchOptions(workers=0))
    assert (counts.analysed, counts.errors) == (24, 0)
    return path


def by(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys): r for r in rows}


def test_technique_prevalence_per_outlet_and_month(store: Path) -> None:
    with open_store(store) as s:
        per_month = by(report(s.con, "techniques").records(), "outlet", "month", "technique")
        per_outlet = by(report(s.con, "techniques", by="outlet").records(), "outlet", "technique")
        b_only = report(s.con, "techniques", by="month", filters=Filters(outlets=["B"]))
    exaggeration = "Exaggeration,Minimisation"
    assert per_month[("A", "2024-01", exaggeration)]["share"] == 1.0
    assert per_month[("A", "2024-02", exaggeration)]["share"] == 0.0  # zeros are rows too
    assert per_month[("B", "2024-03", "Loaded_Language")]["articles"] == 4
    assert per_month[("B", "2024-03", "Loaded_Language")]["share"] == 0.5
    assert per_outlet[("A", exaggeration)]["share"] == round(4 / 12, 4)
    assert per_outlet[("A", "Loaded_Language")]["articles_with_technique"] == 12
    assert per_outlet[("B", exaggeration)]["share"] == 0.0
    assert {r["share"] for r in b_only.records() if r["technique"] == "Loaded_Language"} == {0.5}


def test_sourcing_and_speakers(store: Path) -> None:
    with open_store(store) as s:
        sourcing = by(report(s.con, "sourcing").records(), "outlet")
        speakers = report(s.con, "speakers", top=1).records()
        overview = by(report(s.con, "overview").records(), "outlet")
    assert sourcing[("A",)]["share_single_source"] == 1.0
    assert sourcing[("B",)]["share_single_source"] == 0.5
    assert sourcing[("B",)]["mean_sources"] == 1.5
    assert [(r["outlet"], r["speaker"], r["quotes"]) for r in speakers] == [
        ("A", "Anna Berg", 12), ("B", "Anna Berg", 12)]  # fmt: skip
    assert overview[("B",)]["share_with_technique"] == 0.5
    assert overview[("A",)]["articles"] == 12


def test_stats_cli_formats(store: Path) -> None:
    result = runner.invoke(app, ["stats", "speakers", "--store", str(store), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["outlet"], r["speaker"]) for r in rows} >= {("B", "Tom Reed")}
    result = runner.invoke(app, ["stats", "techniques", "--store", str(store), "--by", "outlet",
                                 "--format", "csv"])  # fmt: skip
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert table[0].keys() >= {"outlet", "technique", "share", "articles"}
    result = runner.invoke(app, ["stats", "--store", str(store)])
    assert result.exit_code == 0 and "overview" in result.stdout and "│ B " in result.stdout
    missing = runner.invoke(app, ["stats", "--store", str(store.parent / "none.duckdb")])
    assert missing.exit_code == 1 and "no store at" in missing.output
    bad = runner.invoke(app, ["stats", "--store", str(store), "--since", "last week"])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output


def test_export_cli_writes_every_row(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "techniques.parquet"
    args = ["export", "--store", str(store), "-t", "techniques", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows == 12 + 4 + 6
    docs = tmp_path / "docs.jsonl"
    result = runner.invoke(app, ["export", "--store", str(store), "-t", "documents-json",
                                 "-o", str(docs)])  # fmt: skip
    assert len(docs.read_text(encoding="utf-8").splitlines()) == 24


def test_plot_writes_png_and_html(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "charts"
    result = runner.invoke(app, ["plot", "--store", str(store), "--out", str(out), "--top", "2"])
    assert result.exit_code == 0, result.output
    png, html = out / "technique_trends.png", out / "technique_trends.html"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    page = html.read_text(encoding="utf-8")
    assert "plotly" in page and "Loaded language" in page and "Exaggeration" in page
    unknown = runner.invoke(app, ["plot", "--store", str(store), "--out", str(out),
                                  "--technique", "Nonsense"])  # fmt: skip
    assert unknown.exit_code == 1 and "no spans of Nonsense" in unknown.output
