"""Backfill: discover a source's articles, fetch and extract them in parallel, index each exactly once.

    discover   extractor.crawl.discover   (feed, sitemap, listing pages, URL file, folder) → pending items
    work       worker threads             fetch (robots.txt, rate limit) → Document → Record → fingerprint
    commit     the calling thread, alone  dedup → stage in state → backend.upsert → done

Why it can be trusted:

- Every step is checkpointed in ``BackfillState`` (the backend's own SQLite
  file when it has one). Done items are never fetched again; a resumed job
  picks up the pending ones, then goes on discovering.
- The commit order (stage the Record, upsert it, mark it done) means a crash
  at any point loses nothing: a staged Record is replayed on resume without
  fetching, and the upsert is idempotent (a stable id), so nothing is indexed
  twice.
- Commits happen in one thread, so two copies of a release arriving at once
  cannot both become "the original".
- SIGINT/SIGTERM stop it gracefully: no new items start, the ones in flight
  are finished and saved, and ``Summary.interrupted`` says so. A second
  Ctrl-C aborts at once; the checkpoints still hold.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from extractor.crawl import Crawler, discover
from extractor.errors import DasturError

from . import dedup
from .backfill_state import BackfillState, Job, JobError

QUEUE_PER_WORKER = 2  # items handed out ahead per worker: enough to keep every worker busy


@dataclass
class Outcome:
    record: dict[str, Any] | None = None
    fingerprint: dedup.Fingerprint | None = None
    error: str | None = None


@dataclass
class Summary:
    job: str
    counts: dict[str, int]  # items per status, for the whole job
    processed: int = 0  # items finished in this run
    fetched: int = 0  # documents read in this run (each at most once)
    elapsed: float = 0.0
    interrupted: int | None = None  # the signal that stopped the run (SIGINT for stop()), if one did
    discovery_error: str | None = None  # discovery stopped here; the items found before it were done

    @property
    def pending(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("indexing", 0)


class Progress(Protocol):
    def started(self, total: int, completed: int, failed: int) -> None: ...

    def grew(self, total: int) -> None: ...

    def advanced(self, status: str) -> None: ...


class NoProgress:
    def started(self, total: int, completed: int, failed: int) -> None:
        pass

    def grew(self, total: int) -> None:
        pass

    def advanced(self, status: str) -> None:
        pass


@dataclass
class Backfill:
    """One backfill runner over a backend, its state, and a crawler. Not reentrant."""

    backend: Any
    state: BackfillState
    crawler: Crawler
    workers: int = 1
    threshold: float = dedup.NEAR_THRESHOLD
    progress: Progress = field(default_factory=NoProgress)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._signal: int | None = None
        self._fetched = 0
        self._discovery_error: str | None = None
        self._lock = threading.Lock()

    # --- entry points ---------------------------------------------------------------------------

    def start(self, name: str, kind: str, source: str, *, pages: int | None = None, limit: int | None = None,
              resume: bool = False) -> Summary:
        """Run a new job; with ``resume``, continue the job of that name if there is one."""
        job = self.state.job(name)
        if job is None:
            job = self.state.create_job(name, kind, source, pages=pages, limit=limit)
        elif not resume:
            raise JobError(f"backfill job {name!r}", "already exists",
                           "add --resume to continue it, or pass --job NEW_NAME to start another")
        elif (job.kind, job.source) != (kind, source):
            raise JobError(f"backfill job {name!r}", f"reads {job.kind} {job.source}, not {kind} {source}",
                           "resume it without a source, or pass --job NEW_NAME")
        return self._run(job)

    def resume(self, name: str) -> Summary:
        job = self.state.job(name)
        if job is None:
            raise JobError(f"backfill job {name!r}", "does not exist",
                           "start it with a source (--feed, --sitemap, --listing, --urls or --dir)")
        return self._run(job)

    def retry_failures(self, name: str) -> Summary:
        job = self.state.job(name)
        if job is None:
            raise JobError(f"backfill job {name!r}", "does not exist",
                           "list jobs with `dastur failures list`")
        self.state.requeue_failed(name)
        return self._run(job)

    def stop(self, signum: int = signal.SIGINT) -> None:
        """Finish the items in flight, then return (from a signal handler or another thread).

        A stop without a signal counts as Ctrl-C. Once stopped, later runs of this Backfill do nothing.
        """
        self._signal = signum
        self._stop.set()

    # --- the run --------------------------------------------------------------------------------

    def _run(self, job: Job) -> Summary:
        began = time.monotonic()
        self._fetched, self._discovery_error = 0, None
        counts = self.state.counts(job.name)
        total = sum(counts.values())
        self.progress.started(total, total - counts["pending"] - counts["indexing"], counts["failed"])
        processed = self._replay_staged(job.name)
        items = self._items(job)
        with _stop_on_signals(self.stop):
            if self.workers <= 1:
                processed += self._run_inline(items)
            else:
                processed += self._run_pool(items)
        return Summary(job.name, self.state.counts(job.name), processed, self._fetched,
                       time.monotonic() - began, self._signal if self._stop.is_set() else None,
                       self._discovery_error)

    def _run_inline(self, items: Iterator[tuple[int, str]]) -> int:
        # One worker works in the calling thread: hazm's Normalizer and the spaCy pipeline are
        # built once per thread (several seconds), and this thread usually has them already.
        done = 0
        for seq, url in items:
            self._commit(seq, url, self._work(url))
            done += 1
            if self._stop.is_set():
                break
        return done

    def _run_pool(self, items: Iterator[tuple[int, str]]) -> int:
        done = 0
        with ThreadPoolExecutor(self.workers, thread_name_prefix="backfill") as pool:
            inflight: dict[Future[Outcome], tuple[int, str]] = {}
            exhausted, depth = False, self.workers * QUEUE_PER_WORKER
            while True:
                while not exhausted and not self._stop.is_set() and len(inflight) < depth:
                    item = next(items, None)
                    if item is None:
                        exhausted = True
                        break
                    inflight[pool.submit(self._work, item[1])] = item
                if not inflight:
                    return done
                # A timeout, so a signal's stop flag is seen even while every worker is busy.
                finished, _ = wait(inflight, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in finished:
                    seq, url = inflight.pop(fut)
                    self._commit(seq, url, fut.result())
                    done += 1

    def _items(self, job: Job) -> Iterator[tuple[int, str]]:
        """Pending items known at the start (in pages), then newly discovered ones as they come."""
        upto, after = self.state.last_seq(job.name), 0
        while batch := self.state.pending(job.name, after, upto):
            for seq, url in batch:
                if self._stop.is_set():
                    return
                yield seq, url
                after = seq
        if job.discovered:
            return
        known = self.state.count(job.name)
        found = discover(self.crawler, job.kind, job.source, pages=job.pages)
        while not (job.limit is not None and known >= job.limit):
            try:
                new_url = next(found, None)
            except DasturError as exc:
                # Not raised from here: the items in flight are finished and saved first.
                self._discovery_error = str(exc)
                return
            if new_url is None:
                break
            if self._stop.is_set():
                return  # discovery is not marked finished: a resume runs it again and skips known items
            new_seq = self.state.enqueue(job.name, new_url)
            if new_seq is not None:
                known += 1
                self.progress.grew(known)
                yield new_seq, new_url
        self.state.mark_discovered(job.name)

    # --- one item -------------------------------------------------------------------------------

    def _work(self, url: str) -> Outcome:
        """Fetch (or read), extract and fingerprint one item; runs in a worker thread."""
        from extractor.pipeline import build_record
        from extractor.sources import document_from_bytes, is_url, read_path

        try:
            if is_url(url):
                resp = self.crawler.get(url)
                with self._lock:
                    self._fetched += 1
                doc = document_from_bytes(resp.content, url=resp.url, content_type=resp.content_type,
                                          charset=resp.charset, fetched_at=resp.fetched_at)
            else:
                doc = read_path(url)
                with self._lock:
                    self._fetched += 1
            record = build_record(doc).to_dict()
            return Outcome(record=record, fingerprint=dedup.fingerprint(record["text"]))
        except DasturError as exc:
            return Outcome(error=str(exc))
        except Exception as exc:  # one odd page must not end a ten-year backfill; the reason is kept
            return Outcome(error=f"E199 {url}: {type(exc).__name__}: {exc}")

    def _commit(self, seq: int, url: str, out: Outcome) -> None:
        """Dedup, stage, index, mark done: in this order, so a crash anywhere loses nothing."""
        if out.record is None or out.fingerprint is None:
            self.state.fail(seq, out.error or f"E199 {url}: no record")
            self.progress.advanced("failed")
            return
        record, fp = out.record, out.fingerprint
        with self.state.transaction() as c:
            original = dedup.find_exact(c, fp, record["id"])
            if original is not None:
                self.state.skip(c, seq, f"exact duplicate of record {original}", original, fp.sha256)
                self.progress.advanced("skipped")
                return
            near = dedup.find_near(c, fp, record["id"], self.threshold)
            if near is not None:
                meta = record["source"].setdefault("metadata", {})
                meta["duplicate_of"] = near.record_id
                meta["duplicate_similarity"] = f"{near.similarity:.2f}"
            dedup.remember(c, record["id"], fp, near.record_id if near else None, self.threshold)
            self.state.stage(c, seq, record, fp.sha256)
        self.backend.upsert(record)
        self.state.finish(seq)
        self.progress.advanced("done")

    def _replay_staged(self, job: str) -> int:
        """Records extracted before a crash but maybe not indexed: upsert them again, no fetch."""
        staged = self.state.staged(job)
        for seq, record in staged:
            self.backend.upsert(record)
            self.state.finish(seq)
            self.progress.advanced("done")
        return len(staged)


@contextmanager
def _stop_on_signals(stop: Any) -> Iterator[None]:
    """The first SIGINT or SIGTERM asks for a graceful stop; a second SIGINT interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install handlers; the caller stops us with .stop()
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, _frame: Any) -> None:
        stop(signum)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    for s in previous:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextmanager
def open_backfill(backend: Any, *, workers: int = 1, progress: Progress | None = None,
                  **crawler_options: Any) -> Iterator[Backfill]:
    """A Backfill over ``backend``, its state in the backend's store, and a Crawler.

    ``crawler_options`` go to ``Crawler``: allow_private, rate, timeout, max_bytes, retries, backoff.
    """
    state = BackfillState.for_backend(backend)
    try:
        with Crawler(**crawler_options) as crawler:
            yield Backfill(backend, state, crawler, workers=workers, progress=progress or NoProgress())
    finally:
        state.close()


def list_failures(backend: Any, job: str | None = None) -> list[dict[str, Any]]:
    """Failed items (job, url, reason, attempts, updated_at), of one job or of all."""
    state = BackfillState.for_backend(backend)
    try:
        if job is not None and state.job(job) is None:
            raise JobError(f"backfill job {job!r}", "does not exist",
                           "run `dastur failures list` without --job to see every job's failures")
        return state.failures(job)
    finally:
        state.close()


def default_job_name(kind: str, source: str) -> str:
    return f"{kind}:{source}"


def describe(summary: Summary) -> str:
    """The one-line summary the CLI prints."""
    c = summary.counts
    rate = summary.processed / summary.elapsed if summary.elapsed > 0 else 0.0
    return (f"backfill {summary.job}: {c['done']} done, {c['skipped']} skipped as duplicates, "
            f"{c['failed']} failed, {summary.pending} pending; this run: {summary.processed} item(s), "
            f"{summary.fetched} fetched, {summary.elapsed:.1f} s ({rate:.1f} docs/s)")


__all__ = ["Backfill", "NoProgress", "Outcome", "Progress", "Summary", "default_job_name", "describe",
           "list_failures", "open_backfill"]
