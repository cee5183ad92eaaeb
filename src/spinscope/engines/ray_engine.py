"""``--engine ray``: the same pipeline on a Ray cluster, through Ray Data.

Read tasks stream the corpus with the same readers as a local run (so inputs must be
readable on every node: shared storage), actors hold the loaded models and turn items
into the same result rows, and the rows are written as Parquet shards that the driver
then loads into the DuckDB store, shard by shard, each in one transaction. Shards left
by a run that was killed are loaded first when the run starts again, so nothing that
was finished is redone, and inputs already stored are skipped by the readers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from spinscope.batch import ComponentSpec, RunCounts, Settings, analyse_item, make_analyzer
from spinscope.errors import SpinscopeError
from spinscope.ingest.corpus import (
    CorpusItem,
    _wanted_in_directory,
    check_inputs,
    classify,
    iter_path,
    url_item,
    walk,
)
from spinscope.ingest.load import DEFAULT_MAX_BYTES
from spinscope.ingest.url import is_url
from spinscope.store import SKIPPED_KIND, Store, WriteCounts, error_row, rows_to_table

BLOCK_ITEMS = 32  # inputs per block a read task yields (bounded memory per task)
FILES_PER_TASK = 256  # single-article files grouped into one read task
_ITEM_FIELDS = ("key", "input_id", "origin", "kind", "payload", "url", "fmt", "charset",
                "metadata", "error", "skip")  # fmt: skip
_THREAD_ENV = ("SPINSCOPE_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise SpinscopeError(
            "--engine ray needs Ray Data: pip install 'spinscope[ray]' (or 'ray[data]')"
        ) from None
    return ray


# --------------------------------------------------------------------------- reading


def plan_units(inputs: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Read units: ("urls", [url...]), ("path", [file]) for a container or
    ("files", [file...]) for a group of single-article files."""
    units: list[tuple[str, list[str]]] = []
    urls = [value.strip() for value in inputs if is_url(value)]
    if urls:
        units.append(("urls", urls))
    for value in inputs:
        if is_url(value):
            continue
        path = Path(value)
        files = [f for f in walk(path) if _wanted_in_directory(f)] if path.is_dir() else [path]
        group: list[str] = []
        for file in files:
            if classify(file) == "file":
                group.append(str(file))
                if len(group) >= FILES_PER_TASK:
                    units.append(("files", group))
                    group = []
            else:
                units.append(("path", [str(file)]))
        if group:
            units.append(("files", group))
    return units


def _unit_items(kind: str, values: list[str], max_bytes: int) -> Iterator[CorpusItem]:
    if kind == "urls":
        for url in values:
            yield url_item(url, url)
    else:
        for value in values:
            yield from iter_path(Path(value), max_bytes=max_bytes)


def _item_block(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    schema = pa.schema([
        ("key", pa.string()), ("input_id", pa.string()), ("origin", pa.string()),
        ("kind", pa.string()), ("payload", pa.binary()), ("url", pa.string()),
        ("fmt", pa.string()), ("charset", pa.string()), ("metadata", pa.string()),
        ("error", pa.string()), ("skip", pa.bool_()),
    ])  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema)


def read_unit(kind: str, values: list[str], max_bytes: int, done: Any) -> Iterator[Any]:
    """Blocks of items of one unit; stored inputs become payload-free skip markers."""
    import numpy as np

    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for item in _unit_items(kind, values, max_bytes):
        if item.key in seen:
            continue
        seen.add(item.key)
        i = int(np.searchsorted(done, item.key.encode()))
        stored = i < len(done) and done[i] == item.key.encode()
        rows.append({
            "key": item.key, "input_id": item.input_id, "origin": item.origin,
            "kind": item.kind, "payload": None if stored else item.payload, "url": item.url,
            "fmt": item.fmt, "charset": item.charset, "metadata": json.dumps(item.metadata),
            "error": item.error, "skip": stored,
        })  # fmt: skip
        if len(rows) >= BLOCK_ITEMS:
            yield _item_block(rows)
            rows = []
    if rows:
        yield _item_block(rows)


def _unknown_metadata(cls: Any) -> Any:
    """Block metadata with nothing known ahead (its fields differ across Ray versions)."""
    import dataclasses

    return cls(
        **{
            f.name: None
            for f in dataclasses.fields(cls)
            if f.init
            and (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        }
    )


def corpus_datasource(inputs: Sequence[str], max_bytes: int, done_ref: Any) -> Any:
    """A Ray Data datasource with one read task per read unit."""
    import ray
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    units = plan_units(inputs)

    class CorpusDatasource(Datasource):
        def estimate_inmemory_data_size(self) -> int | None:
            return None

        def get_read_tasks(self, parallelism: int, **kwargs: Any) -> list[ReadTask]:
            tasks = []
            for kind, values in units:

                def read(kind: str = kind, values: list[str] = values) -> Iterator[Any]:
                    yield from read_unit(kind, values, max_bytes, ray.get(done_ref))

                tasks.append(ReadTask(read, _unknown_metadata(BlockMetadata)))
            return tasks

    return CorpusDatasource()


# --------------------------------------------------------------------------- analysing


class AnalyseBatch:
    """A Ray actor: loads the models once, turns item blocks into result-row blocks."""

    def __init__(self, spec: ComponentSpec, settings: Settings) -> None:
        self.settings = settings
        self.analyzer = make_analyzer(spec, settings)

    def __call__(self, batch: Any) -> Any:
        rows = []
        s = self.settings
        for rec in batch.to_pylist():
            ident = {k: rec[k] for k in ("key", "input_id", "origin")}
            if rec["skip"]:
                rows.append({**ident, "kind": SKIPPED_KIND})
                continue
            item = CorpusItem(**{k: rec[k] for k in _ITEM_FIELDS if k not in ("skip",)}
                              | {"metadata": json.loads(rec["metadata"] or "{}")})  # fmt: skip
            if item.error:
                rows.append(error_row(**ident, kind=item.kind, reason=item.error,
                                      pipeline=s.pipeline, run_id=s.run_id))  # fmt: skip
            else:
                rows.append(analyse_item(self.analyzer, item, s))
        return rows_to_table(rows)


# --------------------------------------------------------------------------- the run


def load_shards(store: Store, directory: Path) -> WriteCounts:
    """Load every Parquet shard under ``directory`` into the store, then delete it.
    A shard that cannot be read (cut off by a kill) is dropped: its inputs are redone."""
    counts = WriteCounts()
    if not directory.is_dir():
        return counts
    for shard in sorted(directory.rglob("*.parquet")):
        try:
            counts += store.load_parquet(shard)
        except SpinscopeError:
            raise
        except Exception as exc:  # a partial file from a killed run
            logging.getLogger(__name__).warning("dropping unreadable shard %s: %s", shard, exc)
        shard.unlink(missing_ok=True)
    shutil.rmtree(directory, ignore_errors=True)
    return counts


def _init_ray(ray: Any, address: str | None, threads: int) -> bool:
    """Connect to ``address`` or start a local instance; True when we started it."""
    if ray.is_initialized():
        return False
    env = {name: os.environ.get(name, str(threads)) for name in _THREAD_ENV}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    options: dict[str, Any] = {"runtime_env": {"env_vars": env}, "log_to_driver": False,
                               "logging_level": logging.WARNING}  # fmt: skip
    if address:
        options["address"] = address
    else:
        options.update(include_dashboard=False, object_store_memory=512 * 1024 * 1024)
    for attempt in (1, 2):
        try:
            ray.init(**options)
            return True
        except Exception as exc:  # Ray raises plain Exception for a node that fails to start
            with contextlib.suppress(Exception):
                ray.shutdown()
            if address or attempt == 2:  # a local node gets a second try (busy machine)
                where = f"reach the Ray cluster at {address}" if address else (
                    "start a local Ray instance")  # fmt: skip
                raise SpinscopeError(f"cannot {where}: {exc}") from None
    return True


def run_ray(
    inputs: Sequence[str], store_path: str | Path, spec: ComponentSpec, *,
    address: str | None = None, workers: int | None = None, shards_dir: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 15.0, retry_errors: bool = False,
    threads_per_worker: int = 1, progress: Callable[[RunCounts], None] | None = None,
) -> RunCounts:  # fmt: skip
    """Analyse a corpus on Ray (a cluster at ``address``, else a local instance)."""
    ray = _import_ray()
    check_inputs(inputs)
    store_path = Path(store_path)
    shards_dir = Path(shards_dir or store_path.with_name(store_path.name + ".shards"))
    counts = RunCounts()
    store = Store(store_path)
    started = False
    status = "failed"
    run_id = None
    try:
        load_shards(store, shards_dir)  # what a killed run finished
        store.con.execute("UPDATE runs SET status = 'killed' WHERE status = 'running'")
        if retry_errors:
            store.clear_errors()
        settings = Settings(spec.describe(), None, max_bytes, timeout)
        run_id = store.start_run("ray", settings.pipeline, inputs)
        settings = Settings(settings.pipeline, run_id, max_bytes, timeout)
        import numpy as np

        done = np.array(sorted(k.encode() for k in store.done_keys()), dtype="S32")
        started = _init_ray(ray, address, threads_per_worker)
        if workers is None:
            workers = max(1, int(ray.cluster_resources().get("CPU", 2)) - 1)
        workers = max(1, workers)
        dataset = ray.data.read_datasource(
            corpus_datasource(inputs, max_bytes, ray.put(done)), num_cpus=0.25
        ).map_batches(
            AnalyseBatch, fn_constructor_kwargs={"spec": spec, "settings": settings},
            batch_size=4, batch_format="pyarrow", concurrency=workers,
            num_cpus=threads_per_worker,
        )  # fmt: skip
        dataset.write_parquet(str(shards_dir / f"run-{run_id}"))
        loaded = load_shards(store, shards_dir)
        counts.analysed, counts.errors = loaded.analysed, loaded.errors
        counts.skipped, counts.duplicates = loaded.skipped, loaded.duplicates
        counts.total = counts.done
        status = "done"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except SpinscopeError:
        raise
    except Exception as exc:  # Ray reports task failures as its own exception types
        raise SpinscopeError(f"the Ray run failed: {type(exc).__name__}: {exc}") from None
    finally:
        if run_id is not None:
            with contextlib.suppress(Exception):
                store.finish_run(run_id, status, counts.as_dict())
        store.close()
        if started:
            ray.shutdown()
    if progress:
        progress(counts)
    return counts
