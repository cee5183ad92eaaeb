"""Local corpus runs: a reader, N worker processes, one writer, all with bounded memory.

The main process streams inputs (``ingest.corpus``), drops those the store already
has, hands each worker at most ``prefetch`` inputs at a time, and writes result rows
in small transactions. Workers load the models once and return finished store rows,
so the main process only copies. Nothing is ever held for the whole corpus: memory
is bounded by the read chunk, the inputs in flight and the unflushed rows.

Resume and crash safety follow from the store: a row is committed with all its spans
in one transaction and inputs are keyed by content, so a run killed at any point and
started again skips what was committed and redoes only what was in flight.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from spinscope.errors import SpinscopeError
from spinscope.ingest.corpus import CorpusItem, check_inputs, count_inputs, iter_inputs, to_loaded
from spinscope.ingest.load import DEFAULT_MAX_BYTES

#: A short English article every worker analyses first: it loads every model up front,
#: so a broken install or a missing model stops the run instead of failing each input.
WARMUP_TEXT = (
    "Ministers met on Monday.\n\n"
    "\u201cWe will not give up,\u201d said Anna Berg, the chair of the committee. "
    "Critics called the plan a disaster for the country.\n"
)
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
READ_CHUNK = 256


def default_workers() -> int:
    """One worker per core, at most 4 (each holds its own models in memory)."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class ComponentSpec:
    """Which components a worker builds: picklable, so each process builds its own."""

    extract_only: bool = False
    skip: tuple[str, ...] = ()
    model_dir: str | None = None
    factory: str | None = None  # "module:function" returning a component list

    def build(self) -> list:
        if self.extract_only:
            return []
        if self.factory:
            module_name, _, function = self.factory.partition(":")
            try:
                make = getattr(importlib.import_module(module_name), function or "components")
            except (ImportError, AttributeError) as exc:
                raise SpinscopeError(f"cannot load components {self.factory!r}: {exc}") from None
            components = list(make())
        else:
            from spinscope.components.registry import analysis_components

            components = analysis_components(skip=frozenset(self.skip), model_dir=self.model_dir)
        return [c for c in components if c.name not in self.skip]

    def describe(self) -> str:
        """What the store records as ``pipeline`` for each row."""
        if self.extract_only:
            return "extract"
        name = f"components {self.factory}" if self.factory else "full"
        if self.skip:
            name += " without " + ",".join(sorted(self.skip))
        if self.model_dir:
            name += f" model={self.model_dir}"
        return name


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs besides the components."""

    pipeline: str
    run_id: int | None
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 15.0


@dataclass
class RunCounts:
    """What a run did so far; ``total`` is filled in by a background count."""

    total: int | None = None
    analysed: int = 0
    errors: int = 0
    skipped: int = 0  # already in the store
    duplicates: int = 0  # the same key twice in this run
    started: float = field(default_factory=time.monotonic)
    passed_over: dict[str, int] = field(default_factory=dict)
    #: (time, inputs finished) samples of the last minute: the rate ignores model loading
    #: and inputs skipped at the start, and follows the corpus as it changes.
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=600))

    @property
    def done(self) -> int:
        return self.analysed + self.errors + self.skipped + self.duplicates

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def sample(self) -> None:
        now, finished = time.monotonic(), self.analysed + self.errors
        if not self.samples or finished != self.samples[-1][1]:
            self.samples.append((now, finished))
        while len(self.samples) > 2 and now - self.samples[0][0] > 60:
            self.samples.popleft()

    def rate(self) -> float:
        """Inputs analysed (or failed) per second over the last minute."""
        if len(self.samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self.samples[0], self.samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def eta(self) -> float | None:
        rate = self.rate()
        if self.total is None or rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / rate)

    def as_dict(self) -> dict[str, Any]:
        return {"analysed": self.analysed, "errors": self.errors, "skipped": self.skipped,
                "duplicates": self.duplicates, "total": self.total,
                "seconds": round(self.elapsed, 3)}  # fmt: skip


# --------------------------------------------------------------------------- one input


def _apply_metadata(doc: Any, item: CorpusItem) -> None:
    """Metadata the container states (JSONL fields, the WARC URL) beats scraped metadata."""
    for name, value in item.metadata.items():
        if name != "crawled" and value not in (None, ""):
            doc.metadata[name] = str(value)
    if item.url and item.kind != "url":
        doc.metadata["url"] = item.url


def analyse_item(analyzer: Any, item: CorpusItem, settings: Settings) -> dict[str, Any]:
    """The store row of one input; never raises: a failure becomes an error row."""
    from spinscope.components.language import LanguageDetector
    from spinscope.pipeline import document_from_input
    from spinscope.store import error_row, result_row

    ident = {"key": item.key, "input_id": item.input_id, "origin": item.origin, "kind": item.kind}
    try:
        loaded = to_loaded(item, max_bytes=settings.max_bytes, timeout=settings.timeout)
        doc = document_from_input(loaded, clean=analyzer.clean)
        _apply_metadata(doc, item)
        LanguageDetector()(doc)
        analyzer.run_components(doc)
        crawled = item.metadata.get("crawled")
        return result_row(
            doc, **ident, pipeline=settings.pipeline, run_id=settings.run_id, crawled=crawled
        )
    except SpinscopeError as exc:
        reason = str(exc)
    except Exception as exc:  # one odd input (or a component bug) must not end a corpus run
        reason = f"{type(exc).__name__}: {exc}"
    return error_row(**ident, reason=reason, pipeline=settings.pipeline, run_id=settings.run_id)


def make_analyzer(spec: ComponentSpec, settings: Settings) -> Any:
    """Build and warm up an analyzer: every model is loaded before the first input."""
    from spinscope.pipeline import Analyzer

    analyzer = Analyzer(
        components=spec.build(), max_bytes=settings.max_bytes, timeout=settings.timeout
    )
    try:
        analyzer.analyze(WARMUP_TEXT)
    except SpinscopeError:
        raise
    except Exception as exc:
        raise SpinscopeError(f"the pipeline fails to start: {type(exc).__name__}: {exc}") from None
    return analyzer


# --------------------------------------------------------------------------- executors


class InlineExecutor:
    """Analyses in the main process (``--workers 0``): simplest to debug and profile."""

    def __init__(self, spec: ComponentSpec, settings: Settings) -> None:
        self.analyzer = make_analyzer(spec, settings)
        self.settings = settings
        self.done: deque[dict[str, Any]] = deque()
        self.in_flight: set[str] = set()

    def has_capacity(self) -> bool:
        return not self.done

    def idle(self) -> bool:
        return not self.done

    def submit(self, item: CorpusItem) -> None:
        self.done.append(analyse_item(self.analyzer, item, self.settings))

    def poll(self, timeout: float) -> tuple[list[dict[str, Any]], list[CorpusItem]]:
        rows = list(self.done)
        self.done.clear()
        return rows, []

    def close(self) -> None:
        pass


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the main process dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_main(
    spec: ComponentSpec, settings: Settings, tasks: Any, results: Connection, parent: int
) -> None:
    _die_with_parent()
    if os.getppid() != parent:  # the main process died before the line above took effect
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    try:
        try:
            analyzer = make_analyzer(spec, settings)
        except SpinscopeError as exc:
            results.send(("fatal", str(exc)))
            return
        results.send(("ready", os.getpid()))
    except (BrokenPipeError, OSError):  # the main process is gone
        return
    while True:
        try:
            item = tasks.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if item is None:
            return
        try:
            results.send(("row", analyse_item(analyzer, item, settings)))
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: Any
    tasks: Any
    results: Connection
    assigned: deque[CorpusItem] = field(default_factory=deque)
    ready: bool = False
    since: float = 0.0  # when the input at the head of ``assigned`` was started (about)
    timed_out: bool = False


class ProcessExecutor:
    """N spawned worker processes. Tasks go through a queue per worker (so the main
    process never blocks sending), results through a pipe per worker (so a worker that
    dies cannot corrupt another's channel, and its death is seen as end-of-file)."""

    def __init__(
        self, workers: int, spec: ComponentSpec, settings: Settings, prefetch: int = 2,
        threads_per_worker: int = 1, input_timeout: float | None = None,
    ) -> None:  # fmt: skip
        self.input_timeout = input_timeout
        self.ctx = mp.get_context("spawn")
        self.spec, self.settings, self.prefetch = spec, settings, prefetch
        self.threads, self.size = threads_per_worker, workers
        self.workers: list[_Worker] = []  # started on the first input, not for a run that skips all

    def _start(self) -> _Worker:
        tasks = self.ctx.Queue()
        tasks.cancel_join_thread()  # never wait on a dead worker's queue at exit
        reader, writer = self.ctx.Pipe(duplex=False)
        process = self.ctx.Process(
            target=_worker_main, args=(self.spec, self.settings, tasks, writer, os.getpid()),
            daemon=True, name="spinscope-worker",
        )  # fmt: skip
        saved = {k: os.environ.get(k) for k in ("SPINSCOPE_THREADS", *_THREAD_ENV)}
        for name in saved:  # cap model threads so N workers do not oversubscribe the cores
            os.environ.setdefault(name, str(self.threads))
        try:
            process.start()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
        writer.close()
        return _Worker(process, tasks, reader)

    def has_capacity(self) -> bool:
        return not self.workers or any(len(w.assigned) < self.prefetch for w in self.workers)

    def idle(self) -> bool:
        return not any(w.assigned for w in self.workers)

    def submit(self, item: CorpusItem) -> None:
        if not self.workers:
            self.workers = [self._start() for _ in range(self.size)]
        worker = min(self.workers, key=lambda w: len(w.assigned))
        if not worker.assigned:
            worker.since = time.monotonic()
        worker.assigned.append(item)
        worker.tasks.put(item)

    def poll(self, timeout: float) -> tuple[list[dict[str, Any]], list[CorpusItem]]:
        """Finished rows, and inputs to hand out again because their worker died."""
        rows: list[dict[str, Any]] = []
        retry: list[CorpusItem] = []
        self._stop_overdue()
        by_conn = {w.results: w for w in self.workers}
        for conn in wait(list(by_conn), timeout=timeout):
            worker = by_conn[conn]
            try:
                while conn.poll():
                    self._receive(worker, conn.recv(), rows)
            except (EOFError, OSError):
                rows_lost, again = self._replace(worker)
                rows.extend(rows_lost)
                retry.extend(again)
        return rows, retry

    def _stop_overdue(self) -> None:
        """Kill a worker stuck on one input (a pathological page) so the run goes on."""
        if not self.input_timeout:
            return
        now = time.monotonic()
        for worker in self.workers:
            overdue = now - worker.since > self.input_timeout
            if worker.ready and worker.assigned and overdue and not worker.timed_out:
                worker.timed_out = True
                worker.process.kill()

    def _receive(self, worker: _Worker, message: tuple, rows: list[dict[str, Any]]) -> None:
        kind = message[0]
        if kind == "row":
            row = message[1]
            if worker.assigned and worker.assigned[0].key == row["key"]:
                worker.assigned.popleft()
            worker.since = time.monotonic()
            rows.append(row)
        elif kind == "ready":
            worker.ready = True
            worker.since = time.monotonic()
        elif kind == "fatal":
            raise SpinscopeError(message[1])

    def _replace(self, worker: _Worker) -> tuple[list[dict[str, Any]], list[CorpusItem]]:
        """A worker died: the input it was on is recorded as an error, the rest retried."""
        from spinscope.store import error_row

        worker.process.join(timeout=5)
        code = worker.process.exitcode
        if not worker.ready:
            raise SpinscopeError(f"a worker process failed to start (exit code {code})")
        rows = []
        if worker.assigned:
            item = worker.assigned.popleft()
            reason = f"the worker process died (exit code {code}) while analysing this input"
            if worker.timed_out:
                reason = f"stopped after {self.input_timeout:g} s (--input-timeout)"
            rows.append(error_row(
                key=item.key, input_id=item.input_id, origin=item.origin, kind=item.kind,
                reason=reason, pipeline=self.settings.pipeline, run_id=self.settings.run_id,
            ))  # fmt: skip
        retry = list(worker.assigned)
        worker.results.close()
        worker.tasks.close()
        self.workers[self.workers.index(worker)] = self._start()
        return rows, retry

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.tasks.put(None)
        deadline = time.monotonic() + 10
        for worker in self.workers:
            worker.process.join(timeout=max(0.1, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            with contextlib.suppress(Exception):
                worker.results.close()
                worker.tasks.close()


# --------------------------------------------------------------------------- the run


@dataclass
class BatchOptions:
    workers: int = 1
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 15.0
    retry_errors: bool = False
    threads_per_worker: int = 1
    input_timeout: float | None = 600.0  # seconds one input may take (worker processes only)
    flush_rows: int = 64
    # A transaction costs the writer ~55 ms of CPU whatever its size: flushing every second
    # at 2 documents/s took 6% of a core from the workers (1-2% at 5 s).
    flush_seconds: float = 5.0
    count_total: bool = True


ProgressCallback = Callable[[RunCounts], None]


class _Run:
    """The main loop: read, drop known inputs, dispatch, collect, write."""

    def __init__(self, store: Any, executor: Any, settings: Settings, options: BatchOptions,
                 counts: RunCounts, progress: ProgressCallback | None) -> None:  # fmt: skip
        self.store, self.executor, self.settings = store, executor, settings
        self.options, self.counts, self.progress = options, counts, progress
        self.pending: deque[CorpusItem] = deque()
        self.active: set[str] = set()  # keys pending, in flight or unflushed
        self.buffer: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        self.last_progress = 0.0

    def run(self, stream: Iterator[CorpusItem]) -> None:
        exhausted = False
        while True:
            if not self.pending and not exhausted:
                chunk = list(islice(stream, READ_CHUNK))
                exhausted = not chunk
                self._enqueue(chunk)
            self._dispatch()
            if exhausted and not self.pending and self.executor.idle():
                break
            more_to_do = self.executor.has_capacity() and (self.pending or not exhausted)
            rows, retry = self.executor.poll(0.0 if more_to_do else 0.2)
            self.pending.extendleft(reversed(retry))
            self._collect(rows)
            if len(self.buffer) >= self.options.flush_rows or (
                self.buffer and time.monotonic() - self.last_flush >= self.options.flush_seconds
            ):
                self.flush()
            self._report()
        self.flush()
        self._report(force=True)

    def _enqueue(self, chunk: list[CorpusItem]) -> None:
        known = self.store.known_keys({item.key for item in chunk})
        for item in chunk:
            if item.key in known:
                self.counts.skipped += 1
            elif item.key in self.active:
                self.counts.duplicates += 1
            else:
                self.active.add(item.key)
                self.pending.append(item)

    def _dispatch(self) -> None:
        from spinscope.store import error_row

        while self.pending and self.executor.has_capacity():
            item = self.pending.popleft()
            if item.error:  # a damaged container: nothing to analyse, record it
                self._collect([error_row(
                    key=item.key, input_id=item.input_id, origin=item.origin, kind=item.kind,
                    reason=item.error, pipeline=self.settings.pipeline,
                    run_id=self.settings.run_id,
                )])  # fmt: skip
                continue
            self.executor.submit(item)

    def _collect(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if row.get("error"):
                self.counts.errors += 1
            else:
                self.counts.analysed += 1
        if rows:
            self.counts.sample()
        self.buffer.extend(rows)

    def flush(self) -> None:
        if self.buffer:
            self.store.write(self.buffer)
            self.active.difference_update(row["key"] for row in self.buffer)
            self.buffer = []
        self.last_flush = time.monotonic()

    def _report(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress and (force or now - self.last_progress >= 0.2):
            self.last_progress = now
            self.progress(self.counts)


def run_local(
    inputs: Sequence[str], store_path: str | Path, spec: ComponentSpec,
    options: BatchOptions | None = None, progress: ProgressCallback | None = None,
) -> RunCounts:  # fmt: skip
    """Analyse a corpus into the store at ``store_path`` with local worker processes."""
    from spinscope.store import Store

    options = options or BatchOptions()
    check_inputs(inputs)
    counts = RunCounts()
    if options.count_total:
        threading.Thread(target=_count, args=(inputs, options, counts), daemon=True).start()
    store = Store(store_path, threads=1, memory_limit="1GB")
    executor = None
    status = "failed"
    try:
        store.con.execute("UPDATE runs SET status = 'killed' WHERE status = 'running'")
        if options.retry_errors:
            store.clear_errors()
        settings = Settings(spec.describe(), None, options.max_bytes, options.timeout)
        run_id = store.start_run("local", settings.pipeline, inputs)
        settings = Settings(settings.pipeline, run_id, options.max_bytes, options.timeout)
        if options.workers <= 0:
            executor = InlineExecutor(spec, settings)
        else:
            executor = ProcessExecutor(
                options.workers, spec, settings, threads_per_worker=options.threads_per_worker,
                input_timeout=options.input_timeout,
            )  # fmt: skip
        loop = _Run(store, executor, settings, options, counts, progress)
        try:
            loop.run(iter_inputs(inputs, max_bytes=options.max_bytes, counters=counts.passed_over))
            status = "done"
        except KeyboardInterrupt:
            loop.flush()  # keep what was finished; the rest is redone on the next run
            status = "interrupted"
            raise
        finally:
            store.finish_run(run_id, status, counts.as_dict())
    finally:
        if executor is not None:
            executor.close()
        store.close()
    return counts


def _count(inputs: Sequence[str], options: BatchOptions, counts: RunCounts) -> None:
    with contextlib.suppress(Exception):
        counts.total = count_inputs(inputs, max_bytes=options.max_bytes)
