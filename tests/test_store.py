"""The DuckDB store: rows land whole and once, errors, shards, exports, clear failures."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from spinscope.document import Document, Span
from spinscope.errors import SpinscopeError
from spinscope.store import (
    RESULT_SCHEMA,
    SKIPPED_KIND,
    WRITE_ROW_GROUP_SIZE,
    Store,
    error_row,
    export,
    open_store,
    result_row,
    rows_to_table,
)


def make_doc(i: int, speakers: tuple[str | None, ...] = ("Anna Berg",)) -> Document:
    text = f"Article {i} is a disaster. “Yes,” said someone. “No,” said another."
    doc = Document(source_text=text, text=text)
    doc.metadata.update(outlet="Daily", published="2024-03-09", url=f"https://www.d.example/{i}")
    doc.layers["sentences"] = [Span(0, 27, "sentence"), Span(28, len(text), "sentence")]
    doc.layers["techniques"] = [
        Span(text.index("disaster"), text.index("disaster") + 8, "Loaded_Language",
             {"name": "Loaded language", "confidence": 0.8, "sentence": {"index": 0}})
    ]  # fmt: skip
    doc.layers["quotes"] = [
        Span(29, 32, "quote", {"speaker": s, "kind": "direct"}) for s in speakers
    ]
    doc.layers["entities"] = [Span(0, 7, "ORG", {"canonical": "Article", "entity_id": "E1"})]
    doc.summary = {"techniques": {"sentences_with_technique": 1,
                                  "share_of_sentences_with_technique": 0.5}}  # fmt: skip
    return doc


def row(i: int, **kwargs) -> dict:
    return result_row(make_doc(i, **kwargs), key=f"k{i}", input_id=f"id{i}", origin=f"f:{i}",
                      kind="jsonl", pipeline="test", run_id=1)  # fmt: skip


def err(i: int) -> dict:
    return error_row(key=f"k{i}", input_id=f"id{i}", origin=f"f:{i}", kind="jsonl",
                     reason="broken", pipeline="test", run_id=1)  # fmt: skip


def test_result_rows_carry_the_columns_researchers_filter_on() -> None:
    r = row(1, speakers=("Anna Berg", "anna berg", None))
    assert (r["outlet"], r["host"], str(r["published"]), str(r["month"])) == (
        "Daily", "d.example", "2024-03-09", "2024-03-01")  # fmt: skip
    assert (r["sentences"], r["technique_spans"], r["technique_share"]) == (2, 1, 0.5)
    assert (r["quotes"], r["sources"], r["single_source"]) == (3, 1, True)
    assert r["technique_rows"][0] | {} == {
        "idx": 0, "start_char": 15, "end_char": 23, "text": "disaster", "label": "Loaded_Language",
        "name": "Loaded language", "confidence": 0.8, "sentence": 0}  # fmt: skip
    assert json.loads(r["document"])["metadata"]["outlet"] == "Daily"
    assert rows_to_table([r]).schema == RESULT_SCHEMA
    two = row(2, speakers=("Anna Berg", "Tom Reed"))
    assert (two["sources"], two["single_source"]) == (2, False)
    bare = result_row(Document(source_text="x", text="x"), key="b", input_id="b", origin="b",
                      kind="file", pipeline="extract", run_id=None)  # fmt: skip
    assert (bare["quotes"], bare["sources"], bare["single_source"]) == (None, None, None)


def test_writes_are_whole_and_once(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        counts = store.write([row(1), row(2), err(3), row(2)])
        assert (counts.analysed, counts.errors) == (2, 1)
        again = store.write([row(1), err(3), row(4)])
        assert (again.analysed, again.errors) == (1, 0)
        assert store.count("documents") == 3 and store.count("techniques") == 3
        assert store.count("quotes") == 3 and store.count("entities") == 3
        assert store.known_keys(["k1", "k3", "k9"]) == {"k1", "k3"}
        broken = row(5)
        broken["technique_rows"] = "not a list"
        with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
            store.write([row(6), broken])
        assert store.known_keys(["k5", "k6"]) == set()
        assert store.count("techniques") == 3
        fixed = store.write([row(3)])  # a retried input that now works replaces its error
        assert fixed.analysed == 1 and store.count("errors") == 0


def test_writer_keeps_row_groups_small(tmp_path: Path) -> None:
    """A checkpoint re-compresses the open row group; with DuckDB's default (122,880 rows
    of whole document JSON) the writer's memory grew with the corpus. The writer must use
    WRITE_ROW_GROUP_SIZE-row groups, and a reader must see the file as a normal store."""
    base = row(0)
    rows = [
        {**base, "key": f"k{i}", "input_id": f"id{i}"} for i in range(2 * WRITE_ROW_GROUP_SIZE + 5)
    ]
    with Store(tmp_path / "s.duckdb") as store:
        for start in range(0, len(rows), 512):
            store.write(rows[start : start + 512])
        store.con.execute("CHECKPOINT")
        groups = store.con.execute(
            "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('documents')"
        ).fetchall()[0][0]
    assert groups >= 3
    with open_store(tmp_path / "s.duckdb") as reader:
        assert reader.count("documents") == len(rows)


def test_parquet_shards_load_with_skip_markers(tmp_path: Path) -> None:
    shard = tmp_path / "shard.parquet"
    marker = {"key": "k1", "input_id": "id1", "origin": "f:1", "kind": SKIPPED_KIND}
    pq.write_table(rows_to_table([row(2), err(3), marker, row(2)]), shard)
    with Store(tmp_path / "s.duckdb") as store:
        store.write([row(1)])
        counts = store.load_parquet(shard)
        assert (counts.analysed, counts.errors, counts.skipped, counts.duplicates) == (1, 1, 1, 1)
        assert store.count("documents") == 2
        bad = tmp_path / "bad.parquet"
        pq.write_table(rows_to_table([row(9)]).drop(["document"]), bad)
        with pytest.raises(SpinscopeError, match="not a spinscope result shard"):
            store.load_parquet(bad)


def test_exports_have_every_row(tmp_path: Path) -> None:
    store_path = tmp_path / "s.duckdb"
    with Store(store_path) as store:
        store.write([row(i) for i in range(120)] + [err(500)])
    with open_store(store_path) as store:
        assert export(store, "documents", tmp_path / "d.parquet") == 120
        assert pq.read_table(tmp_path / "d.parquet").num_rows == 120
        assert "document" not in pq.read_table(tmp_path / "d.parquet").column_names
        export(store, "documents", tmp_path / "full.parquet", with_document=True)
        assert "document" in pq.read_table(tmp_path / "full.parquet").column_names
        assert export(store, "techniques", tmp_path / "t.csv") == 120
        assert len((tmp_path / "t.csv").read_text().splitlines()) == 121
        assert export(store, "errors", tmp_path / "e.jsonl") == 1
        assert json.loads((tmp_path / "e.jsonl").read_text())["reason"] == "broken"
        assert export(store, "documents-json", tmp_path / "docs.jsonl") == 120
        lines = (tmp_path / "docs.jsonl").read_text(encoding="utf-8").splitlines()
        assert json.loads(lines[0])["schema_version"] == "1.0" and len(lines) == 120
        with pytest.raises(SpinscopeError, match="say --format"):
            export(store, "quotes", tmp_path / "q.xlsx")
        with pytest.raises(SpinscopeError, match="no table"):
            export(store, "secrets", tmp_path / "q.csv")
    assert not list(tmp_path.glob("*.part"))


def test_opening_fails_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(SpinscopeError, match="no store at"):
        open_store(tmp_path / "missing.duckdb")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(SpinscopeError, match="not a spinscope store"):
        open_store(other)
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE mine (x INTEGER)")
    con.close()
    with pytest.raises(SpinscopeError, match="not a spinscope store"):
        Store(other)  # a batch never writes into someone else's database
    text = tmp_path / "text.duckdb"
    text.write_text("hello, not a database")
    with pytest.raises(SpinscopeError):
        open_store(text)
