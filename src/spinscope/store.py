"""The corpus store: one DuckDB file with documents, their spans, errors and runs.

Both engines produce the same *result rows* (one per input, child spans nested as
lists; :data:`RESULT_SCHEMA`), so a local run writes Arrow batches of them and a Ray
run writes Parquet shards of them, and both load through :meth:`Store.write`. One
load is one transaction: a document and all its spans land together or not at all,
which is what makes a run killed at any point resumable with every input stored once.
The schema is documented in ``docs/STORE.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa

from spinscope.document import Document
from spinscope.errors import SpinscopeError

STORE_VERSION = "1"

_SPAN = [("idx", pa.int32()), ("start_char", pa.int32()), ("end_char", pa.int32()),
         ("text", pa.string())]  # fmt: skip
TECHNIQUE_STRUCT = pa.struct(
    _SPAN
    + [
        ("label", pa.string()),
        ("name", pa.string()),
        ("confidence", pa.float64()),
        ("sentence", pa.int32()),
    ]
)
QUOTE_STRUCT = pa.struct(
    _SPAN + [("kind", pa.string()), ("speaker", pa.string()), ("speaker_type", pa.string()),
             ("anonymous", pa.bool_()), ("descriptor", pa.string()), ("paragraph", pa.int32())]
)  # fmt: skip
ENTITY_STRUCT = pa.struct(
    _SPAN + [("label", pa.string()), ("canonical", pa.string()), ("entity_id", pa.string())]
)

#: The columns of ``documents`` that result rows carry, in table order.
DOCUMENT_FIELDS: list[tuple[str, pa.DataType, str]] = [
    ("key", pa.string(), "VARCHAR PRIMARY KEY"),
    ("input_id", pa.string(), "VARCHAR"),
    ("origin", pa.string(), "VARCHAR"),
    ("kind", pa.string(), "VARCHAR"),
    ("url", pa.string(), "VARCHAR"),
    ("host", pa.string(), "VARCHAR"),
    ("outlet", pa.string(), "VARCHAR"),
    ("published", pa.date32(), "DATE"),
    ("crawled", pa.timestamp("us"), "TIMESTAMP"),
    ("month", pa.date32(), "DATE"),
    ("headline", pa.string(), "VARCHAR"),
    ("language", pa.string(), "VARCHAR"),
    ("author", pa.string(), "VARCHAR"),
    ("words", pa.int32(), "INTEGER"),
    ("sentences", pa.int32(), "INTEGER"),
    ("technique_spans", pa.int32(), "INTEGER"),
    ("sentences_with_technique", pa.int32(), "INTEGER"),
    ("technique_share", pa.float64(), "DOUBLE"),
    ("quotes", pa.int32(), "INTEGER"),
    ("sources", pa.int32(), "INTEGER"),
    ("single_source", pa.bool_(), "BOOLEAN"),
    ("entities", pa.int32(), "INTEGER"),
    ("warnings", pa.list_(pa.string()), "VARCHAR[]"),
    ("pipeline", pa.string(), "VARCHAR"),
    ("run_id", pa.int32(), "INTEGER"),
    ("analysed_at", pa.timestamp("us"), "TIMESTAMP"),
    ("summary", pa.string(), "JSON"),
    ("document", pa.string(), "JSON"),
]
RESULT_SCHEMA = pa.schema(
    [(name, typ) for name, typ, _ in DOCUMENT_FIELDS]
    + [
        ("error", pa.string()),
        ("technique_rows", pa.list_(TECHNIQUE_STRUCT)),
        ("quote_rows", pa.list_(QUOTE_STRUCT)),
        ("entity_rows", pa.list_(ENTITY_STRUCT)),
    ]
)
_CHILDREN = {
    "techniques": ("technique_rows", TECHNIQUE_STRUCT),
    "quotes": ("quote_rows", QUOTE_STRUCT),
    "entities": ("entity_rows", ENTITY_STRUCT),
}
_SQL_TYPES = {pa.int32(): "INTEGER", pa.string(): "VARCHAR", pa.float64(): "DOUBLE",
              pa.bool_(): "BOOLEAN"}  # fmt: skip


def _child_ddl(name: str, struct: pa.StructType) -> str:
    cols = ", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in struct)
    return f"CREATE TABLE IF NOT EXISTS {name} (key VARCHAR NOT NULL, {cols})"


SCHEMA_SQL = [
    "CREATE TABLE IF NOT EXISTS meta (name VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS documents ("
    + ", ".join(f"{name} {sql}" for name, _, sql in DOCUMENT_FIELDS)
    + ")",
    *(_child_ddl(name, struct) for name, (_, struct) in _CHILDREN.items()),
    "CREATE TABLE IF NOT EXISTS errors (key VARCHAR PRIMARY KEY, input_id VARCHAR, "
    "origin VARCHAR, reason VARCHAR, pipeline VARCHAR, run_id INTEGER, failed_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS runs (run_id INTEGER PRIMARY KEY, engine VARCHAR, "
    "pipeline VARCHAR, inputs VARCHAR[], started TIMESTAMP, finished TIMESTAMP, "
    "status VARCHAR, analysed INTEGER, errors INTEGER, skipped INTEGER, duplicates INTEGER)",
]
TABLES = ("documents", "techniques", "quotes", "entities", "errors", "runs")


# --------------------------------------------------------------------------- result rows


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _to_date(value: Any) -> date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _to_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _count(doc: Document, layer: str) -> int | None:
    return len(doc.layers[layer]) if layer in doc.layers else None


def source_of(attrs: dict[str, Any]) -> str | None:
    """Who a quote is from, for counting sources: the named speaker, else an anonymous
    descriptor ("officials"); an unattributed quote names no source."""
    speaker = attrs.get("speaker")
    if isinstance(speaker, str) and speaker.strip():
        return speaker.strip().casefold()
    if attrs.get("anonymous"):
        return "anonymous:" + str(attrs.get("descriptor") or "").strip().casefold()
    return None


def _span_base(doc: Document, i: int, span: Any) -> dict[str, Any]:
    return {"idx": i, "start_char": span.start, "end_char": span.end,
            "text": doc.text[span.start : span.end]}  # fmt: skip


def _technique_rows(doc: Document) -> list[dict[str, Any]]:
    rows = []
    for i, span in enumerate(sorted(doc.layers.get("techniques", []), key=lambda s: s.start)):
        sentence = span.attrs.get("sentence")
        rows.append(_span_base(doc, i, span) | {
            "label": span.label, "name": _str(span.attrs.get("name")),
            "confidence": span.attrs.get("confidence"),
            "sentence": sentence.get("index") if isinstance(sentence, dict) else None,
        })  # fmt: skip
    return rows


def _quote_rows(doc: Document) -> list[dict[str, Any]]:
    rows = []
    for i, span in enumerate(sorted(doc.layers.get("quotes", []), key=lambda s: s.start)):
        a = span.attrs
        paragraph = a.get("paragraph")
        rows.append(_span_base(doc, i, span) | {
            "kind": _str(a.get("kind")), "speaker": _str(a.get("speaker")),
            "speaker_type": _str(a.get("speaker_type")), "anonymous": bool(a.get("anonymous")),
            "descriptor": _str(a.get("descriptor")),
            "paragraph": paragraph if isinstance(paragraph, int) else None,
        })  # fmt: skip
    return rows


def _entity_rows(doc: Document) -> list[dict[str, Any]]:
    rows = []
    for i, span in enumerate(sorted(doc.layers.get("entities", []), key=lambda s: s.start)):
        a = span.attrs
        rows.append(_span_base(doc, i, span) | {
            "label": span.label, "canonical": _str(a.get("canonical")),
            "entity_id": _str(a.get("entity_id")),
        })  # fmt: skip
    return rows


def result_row(
    doc: Document, *, key: str, input_id: str, origin: str, kind: str,
    pipeline: str, run_id: int | None, crawled: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The store row of one analysed document (built in the worker, so the writer only
    copies)."""
    meta = doc.metadata
    url = _str(meta.get("url"))
    published = _to_date(meta.get("published"))
    crawled_at = _to_timestamp(crawled)
    when = published or (crawled_at.date() if crawled_at else None)
    techniques = doc.summary.get("techniques") if isinstance(doc.summary, dict) else None
    techniques = techniques if isinstance(techniques, dict) else {}
    quotes = doc.layers.get("quotes")
    sources = None
    if quotes is not None:
        sources = len({s for s in (source_of(q.attrs) for q in quotes) if s})
    return {
        "key": key, "input_id": input_id, "origin": origin, "kind": kind, "url": url,
        "host": _host(url), "outlet": _str(meta.get("outlet")) or _host(url),
        "published": published, "crawled": crawled_at,
        "month": when.replace(day=1) if when else None,
        "headline": _str(meta.get("headline")), "language": _str(meta.get("language")),
        "author": _str(meta.get("author")), "words": len(doc.text.split()),
        "sentences": _count(doc, "sentences"), "technique_spans": _count(doc, "techniques"),
        "sentences_with_technique": techniques.get("sentences_with_technique"),
        "technique_share": techniques.get("share_of_sentences_with_technique"),
        "quotes": _count(doc, "quotes"), "sources": sources,
        "single_source": None if sources is None else sources == 1,
        "entities": _count(doc, "entities"), "warnings": list(doc.warnings),
        "pipeline": pipeline, "run_id": run_id, "analysed_at": utcnow(),
        "summary": json.dumps(doc.summary, ensure_ascii=False),
        "document": doc.to_json(indent=None), "error": None,
        "technique_rows": _technique_rows(doc), "quote_rows": _quote_rows(doc),
        "entity_rows": _entity_rows(doc),
    }  # fmt: skip


def error_row(
    *, key: str, input_id: str, origin: str, kind: str, reason: str, pipeline: str,
    run_id: int | None,
) -> dict[str, Any]:  # fmt: skip
    """The row of an input that could not be analysed: it lands in ``errors``."""
    return {"key": key, "input_id": input_id, "origin": origin, "kind": kind,
            "error": reason or "unknown error", "pipeline": pipeline, "run_id": run_id,
            "analysed_at": utcnow()}  # fmt: skip


def rows_to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=RESULT_SCHEMA)


# --------------------------------------------------------------------------- the store


#: ``kind`` of a row that only says "this input was already stored" (Ray readers send
#: them so a run can report what it skipped); such rows are counted, never stored.
SKIPPED_KIND = "skipped"


@dataclass
class WriteCounts:
    analysed: int = 0
    errors: int = 0
    skipped: int = 0  # marker rows of inputs stored before this run
    duplicates: int = 0  # rows whose key was stored meanwhile (the same input twice)

    def __iadd__(self, other: WriteCounts) -> WriteCounts:
        self.analysed += other.analysed
        self.errors += other.errors
        self.skipped += other.skipped
        self.duplicates += other.duplicates
        return self


#: Rows per DuckDB row group in stores this process writes (DuckDB's default is 122,880;
#: 2,048 is its smallest). A checkpoint re-compresses the open row group, so the writer's
#: transient memory grows with the rows in it: small groups keep it bounded however large
#: the corpus gets (each row carries the whole document JSON).
WRITE_ROW_GROUP_SIZE = 2048


def connect(
    path: str | Path, *, read_only: bool = False, **config: Any
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file with errors a user can act on (missing, locked, not DuckDB).

    A writer attaches the file with a small row-group size (see ``WRITE_ROW_GROUP_SIZE``)
    and makes it the default catalog, so SQL names it as usual."""
    path = Path(path)
    if read_only and not path.exists():
        raise SpinscopeError(f"no store at {path} (run `spinscope batch ... --store {path}`)")
    try:
        if read_only:
            return duckdb.connect(str(path), read_only=True, config=config)
        con = duckdb.connect(":memory:", config=config)
        try:
            quoted = str(path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS store (ROW_GROUP_SIZE {WRITE_ROW_GROUP_SIZE})")
            con.execute("USE store")
        except BaseException:
            con.close()
            raise
        return con
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise SpinscopeError(
                f"{path} is in use by another process (is a batch still running?)"
            ) from None
        raise SpinscopeError(f"cannot open the store {path}: {exc}") from None
    except duckdb.Error as exc:
        raise SpinscopeError(f"{path} is not a spinscope store: {exc}") from None


class Store:
    """A DuckDB corpus store. One writer at a time (DuckDB locks the file)."""

    def __init__(
        self, path: str | Path, *, read_only: bool = False, threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:  # fmt: skip
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.path = Path(path)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect(self.path, read_only=read_only, **config)
        try:
            if not read_only:
                self._create()
            elif not self._has_table("documents"):
                raise SpinscopeError(f"{self.path} is a DuckDB file but not a spinscope store")
        except BaseException:
            self.con.close()
            raise

    def _has_table(self, name: str) -> bool:
        sql = (
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
            "AND table_catalog = current_database()"
        )
        return bool(self.con.execute(sql, [name]).fetchall()[0][0])

    def _create(self) -> None:
        tables = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database()"
        ).fetchall()[0][0]
        if tables and not self._has_table("meta"):
            raise SpinscopeError(f"{self.path} is a DuckDB database but not a spinscope store")
        try:
            self.con.execute("BEGIN")
            for statement in SCHEMA_SQL:
                self.con.execute(statement)
            self.con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('store_version', ?)", [STORE_VERSION]
            )
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise SpinscopeError(f"{self.path} is not a spinscope store: {exc}") from None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- runs

    def start_run(self, engine: str, pipeline: str, inputs: Sequence[str]) -> int:
        run_id = self.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchall()[0][0]
        self.con.execute(
            "INSERT INTO runs (run_id, engine, pipeline, inputs, started, status) "
            "VALUES (?, ?, ?, ?, ?, 'running')",
            [run_id, engine, pipeline, list(inputs), utcnow()],
        )
        return int(run_id)

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        self.con.execute(
            "UPDATE runs SET finished = ?, status = ?, analysed = ?, errors = ?, skipped = ?, "
            "duplicates = ? WHERE run_id = ?",
            [utcnow(), status, counts.get("analysed", 0), counts.get("errors", 0),
             counts.get("skipped", 0), counts.get("duplicates", 0), run_id],
        )  # fmt: skip

    # ---------------------------------------------------------------- resume

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are already stored, as documents or as errors."""
        keys = list(keys)
        if not keys:
            return set()
        sql = (
            "SELECT key FROM documents WHERE key IN (SELECT unnest($k)) "
            "UNION ALL SELECT key FROM errors WHERE key IN (SELECT unnest($k))"
        )
        return {row[0] for row in self.con.execute(sql, {"k": keys}).fetchall()}

    def clear_errors(self) -> int:
        """Forget recorded errors so their inputs are tried again."""
        count = self.con.execute("SELECT count(*) FROM errors").fetchall()[0][0]
        self.con.execute("DELETE FROM errors")
        return int(count)

    def done_keys(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT key FROM documents UNION ALL SELECT key FROM errors").fetchall()]  # fmt: skip

    # ---------------------------------------------------------------- writing

    def write(self, rows: Sequence[dict[str, Any]] | pa.Table) -> WriteCounts:
        """Store result rows in one transaction; inputs already stored are ignored."""
        table = rows if isinstance(rows, pa.Table) else rows_to_table(rows)
        if table.num_rows == 0:
            return WriteCounts()
        return self._load("incoming", table)

    def load_parquet(self, path: Path) -> WriteCounts:
        """Load one Parquet shard of result rows (a Ray run's output)."""
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        missing = [n for n in RESULT_SCHEMA.names if n not in table.column_names]
        if missing:
            raise SpinscopeError(f"{path} is not a spinscope result shard (no {missing[0]})")
        return self._load("incoming", table.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA))

    def _load(self, name: str, table: pa.Table) -> WriteCounts:
        con = self.con
        con.register(name, table)
        try:
            con.execute("BEGIN")
            skipped = con.execute(
                f"SELECT count(*) FROM {name} WHERE kind = '{SKIPPED_KIND}'"
            ).fetchall()[0][0]
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE fresh AS SELECT * FROM {name} "
                f"WHERE kind IS DISTINCT FROM '{SKIPPED_KIND}' "
                "QUALIFY row_number() OVER (PARTITION BY key ORDER BY error NULLS FIRST) = 1"
            )
            columns = ", ".join(n for n, _, _ in DOCUMENT_FIELDS)
            inserted = con.execute(
                f"INSERT OR IGNORE INTO documents SELECT {columns} FROM fresh "
                "WHERE error IS NULL RETURNING key"
            ).fetchall()
            con.execute(
                "CREATE OR REPLACE TEMP TABLE inserted AS SELECT unnest($k) AS key",
                {"k": [r[0] for r in inserted]},
            )
            con.execute("DELETE FROM errors WHERE key IN (SELECT key FROM inserted)")
            for child, (column, struct) in _CHILDREN.items():
                fields = ", ".join(f"c.{f.name}" for f in struct)
                con.execute(
                    f"INSERT INTO {child} SELECT key, {fields} FROM (SELECT key, "
                    f"unnest({column}) AS c FROM fresh WHERE key IN (SELECT key FROM inserted))"
                )
            errors: list = []
            if con.execute("SELECT count(*) FROM fresh WHERE error IS NOT NULL").fetchall()[0][0]:
                errors = con.execute(
                    "INSERT OR IGNORE INTO errors SELECT key, input_id, origin, error, pipeline, "
                    "run_id, analysed_at FROM fresh WHERE error IS NOT NULL AND key NOT IN "
                    "(SELECT key FROM documents WHERE key IN (SELECT key FROM fresh)) RETURNING key"
                ).fetchall()
            con.execute("DROP TABLE fresh")
            con.execute("DROP TABLE inserted")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister(name)
        duplicates = table.num_rows - skipped - len(inserted) - len(errors)
        return WriteCounts(len(inserted), len(errors), int(skipped), duplicates)

    # ---------------------------------------------------------------- reading

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise SpinscopeError(f"no table {table!r} (tables: {', '.join(TABLES)})")
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def open_store(path: str | Path) -> Store:
    """A read-only store, for stats, exports and plots."""
    return Store(path, read_only=True)


# --------------------------------------------------------------------------- export

EXPORT_FORMATS = ("parquet", "csv", "jsonl")
EXPORT_TABLES = (*TABLES, "documents-json")


def export_format(output: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file name says."""
    if fmt:
        return fmt
    name = output.name.lower()
    for suffix, found in ((".parquet", "parquet"), (".csv", "csv"), (".jsonl", "jsonl"),
                          (".ndjson", "jsonl"), (".json", "jsonl")):  # fmt: skip
        if name.endswith(suffix):
            return found
    choices = ", ".join(EXPORT_FORMATS)
    raise SpinscopeError(f"say --format ({choices}): {output.name} has no known suffix")


def export(
    store: Store, table: str, output: Path, fmt: str | None = None, with_document: bool = False
) -> int:
    """Write a whole table (no row cap) to Parquet, CSV or JSONL; returns the row count.
    ``documents-json`` writes each full Document JSON on its own line."""
    if table not in EXPORT_TABLES:
        raise SpinscopeError(f"no table {table!r} (choose {', '.join(EXPORT_TABLES)})")
    fmt = export_format(output, fmt)
    if fmt not in EXPORT_FORMATS:
        raise SpinscopeError(f"unknown format {fmt!r} (choose {', '.join(EXPORT_FORMATS)})")
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + ".part")
    if table == "documents-json":
        if fmt != "jsonl":
            raise SpinscopeError("documents-json is written as JSONL only")
        count = _export_documents_json(store, part)
    else:
        columns = "*"
        if table == "documents" and not with_document:
            columns = "* EXCLUDE (document)"
        options = {"parquet": "FORMAT parquet, COMPRESSION zstd", "csv": "FORMAT csv, HEADER",
                   "jsonl": "FORMAT json"}[fmt]  # fmt: skip
        order = "run_id" if table == "runs" else "key"
        if table in _CHILDREN:
            order = "key, idx"
        target = str(part).replace("'", "''")
        store.con.execute(
            f"COPY (SELECT {columns} FROM {table} ORDER BY {order}) TO '{target}' ({options})"
        )
        count = store.count(table)
    part.replace(output)
    return count


def _export_documents_json(store: Store, path: Path) -> int:
    cursor = store.con.execute("SELECT document FROM documents ORDER BY key")
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        while batch := cursor.fetchmany(500):
            for (document,) in batch:
                handle.write(document + "\n")
            count += len(batch)
    return count
