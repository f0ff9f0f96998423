"""Backfill: sources, failures, dedup, checkpoints, and a resume after SIGKILL and SIGINT."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from cli import main
from indexer.backfill import open_backfill
from indexer.backfill_state import JobError, state_path
from indexer.progress import RichProgress
from indexer.sqlite import SQLiteBackend
from tests.crawl_site import ARTICLES, Site, release, serve

ROOT = Path(__file__).resolve().parents[1]
FAST = {"allow_private": True, "rate": 500.0, "backoff": 0.01, "timeout": 0.5, "max_bytes": 1024 * 1024}


@pytest.fixture()
def site() -> Iterator[Site]:
    with serve(Site()) as s:
        yield s


@pytest.fixture()
def db(tmp_path: Path) -> str:
    return str(tmp_path / "dastur.db")


def backfill(db: str, kind: str, source: str, *, job: str = "t", resume: bool = False,
             retry: bool = False, **options: Any) -> tuple[Any, list[dict], dict[str, dict]]:
    """Run one backfill in-process; (summary, the job's items, the index's records by URL or path)."""
    backend = SQLiteBackend(db)
    try:
        with open_backfill(backend, **(FAST | options)) as run:
            summary = run.retry_failures(job) if retry else run.start(job, kind, source, resume=resume)
            items = run.state.items(job)
        records = {r["source"]["url"] or r["source"]["path"]: r for r in backend.iter_records()}
        return summary, items, records
    finally:
        backend.close()


def by_path(site: Site, items: list[dict]) -> dict[str, dict]:
    return {i["url"].removeprefix(site.base): i for i in items}


def test_backfill_sitemap_indexes_each_page_once_and_records_why_others_failed(site: Site, db: str) -> None:
    summary, items, records = backfill(db, "sitemap", site.url("/sitemap.xml"))
    state = by_path(site, items)
    assert summary.counts == {"pending": 0, "indexing": 0, "done": 16, "failed": 4, "skipped": 1}
    assert len(records) == 16
    reasons = {p: i["reason"] for p, i in state.items() if i["status"] == "failed"}
    assert reasons.keys() == {"/news/broken", "/private/secret", "/news/slow", "/news/huge"}
    assert reasons["/news/broken"].startswith("E113") and "HTTP 500" in reasons["/news/broken"]
    assert reasons["/private/secret"].startswith("E112")
    assert "no answer within" in reasons["/news/slow"] and "larger than 1 MB" in reasons["/news/huge"]
    # Every article fetched exactly once; the 429 page once more after its retry; robots' path never.
    assert all(site.hits[f"/news/{i}"] == 1 for i in range(1, ARTICLES + 1))
    assert site.hits["/news/busy"] == 2 and site.hits["/private/secret"] == 0 and site.hits["/news/broken"] == 3
    assert state["/news/busy"]["status"] == "done"


def test_backfill_links_exact_and_near_duplicates_to_the_original(site: Site, db: str) -> None:
    _, items, records = backfill(db, "sitemap", site.url("/sitemap.xml"))
    state = by_path(site, items)
    copy1, copy2 = state["/news/copy-1"], state["/news/copy-2"]
    assert copy2["status"] == "skipped" and copy2["duplicate_of"] == copy1["record_id"]
    assert copy2["reason"] == f"exact duplicate of record {copy1['record_id']}"
    assert site.url("/news/copy-2") not in records
    a, b = records[site.url("/news/dup-a")], records[site.url("/news/dup-b")]
    assert "duplicate_of" not in a["source"].get("metadata", {})
    assert b["source"]["metadata"]["duplicate_of"] == a["id"]
    assert float(b["source"]["metadata"]["duplicate_similarity"]) >= 0.8
    # Different releases of the site are never linked.
    assert sum("duplicate_of" in r["source"].get("metadata", {}) for r in records.values()) == 1


def test_backfill_failures_retry_fetches_only_the_failed_items(site: Site, db: str) -> None:
    backfill(db, "sitemap", site.url("/sitemap.xml"))
    site.broken_heals, site.slow_seconds, site.huge_bytes = True, 0.0, 0
    before = site.hits.copy()
    summary, items, records = backfill(db, "", "", retry=True)
    state = by_path(site, items)
    assert summary.counts["done"] == 19 and summary.counts["failed"] == 1 and len(records) == 19
    assert state["/news/broken"]["attempts"] == 2 and state["/news/broken"]["status"] == "done"
    assert state["/private/secret"]["status"] == "failed"  # robots.txt still says no
    fetched_again = {p for p in site.hits if site.hits[p] > before.get(p, 0)} - {"/robots.txt"}
    assert fetched_again == {"/news/broken", "/news/slow", "/news/huge"}


@pytest.mark.parametrize(("kind", "start", "expected"), [
    ("feed", "/feed.rss", range(1, 6)),
    ("feed", "/feed.atom", range(6, 10)),
    ("listing", "/archive", range(1, 9)),  # --pages 2
    ("urls", "", (3, 11)),
])
def test_backfill_reads_every_kind_of_source(site: Site, db: str, tmp_path: Path, kind: str, start: str,
                                             expected: Any) -> None:
    source = site.url(start)
    if kind == "urls":
        source = str(tmp_path / "urls.txt")
        Path(source).write_text(f"# two releases\n{site.url('/news/3')}\n\n{site.url('/news/11')}\n")
    backend = SQLiteBackend(db)
    with open_backfill(backend, **FAST) as run:
        summary = run.start("t", kind, source, pages=2 if kind == "listing" else None)
    urls = {r["source"]["url"] for r in backend.iter_records()}
    backend.close()
    assert urls == {site.url(f"/news/{i}") for i in expected}
    assert summary.counts["done"] == len(urls) and summary.fetched == len(urls)


def test_backfill_dir_source_reads_local_files(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "releases"
    folder.mkdir()
    for i in (1, 2):
        title, paras = release(i)
        (folder / f"r{i}.txt").write_text("\n\n".join([title, *paras]), encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"\x00\x01")  # not a readable suffix: not an item
    summary, items, records = backfill(db, "dir", str(folder))
    assert sorted(Path(p).name for p in records) == ["r1.txt", "r2.txt"]
    assert summary.counts["done"] == 2 and len(items) == 2


def test_backfill_limit_caps_discovery(site: Site, db: str) -> None:
    backend = SQLiteBackend(db)
    with open_backfill(backend, **FAST) as run:
        summary = run.start("t", "sitemap", site.url("/sitemap.xml"), limit=3)
    backend.close()
    assert summary.counts["done"] == 3 and sum(summary.counts.values()) == 3
    assert site.hits["/sitemaps/two.xml.gz"] == 0  # discovery stopped before the second sitemap


def test_backfill_job_names_guard_against_mixups(site: Site, db: str) -> None:
    backfill(db, "feed", site.url("/feed.rss"))
    with pytest.raises(JobError, match="already exists — add --resume"):
        backfill(db, "feed", site.url("/feed.rss"))
    with pytest.raises(JobError, match="reads feed"):
        backfill(db, "sitemap", site.url("/sitemap.xml"), resume=True)
    summary, _, _ = backfill(db, "feed", site.url("/feed.rss"), resume=True)  # nothing left to do
    assert summary.processed == 0 and summary.fetched == 0
    assert all(site.hits[f"/news/{i}"] == 1 for i in range(1, 6))


def test_backfill_replays_a_staged_record_without_fetching_it(site: Site, db: str) -> None:
    """A crash between staging a Record and the backend write: resume indexes it, no fetch."""
    backend = SQLiteBackend(db)
    real_upsert, calls = backend.upsert, []

    def crash_on_third(record: dict) -> str:
        calls.append(record["id"])
        if len(calls) == 3:
            raise SystemExit("simulated crash")
        return real_upsert(record)

    backend.upsert = crash_on_third  # type: ignore[method-assign]
    with open_backfill(backend, **FAST) as run, pytest.raises(SystemExit):
        run.start("t", "feed", site.url("/feed.rss"))
    backend.close()
    state = sqlite3.connect(db)
    statuses = [r[0] for r in state.execute("SELECT status FROM backfill_items ORDER BY seq")]
    state.close()
    assert statuses == ["done", "done", "indexing"]  # items are discovered as the work goes on
    hits = site.hits.copy()
    _, items, records = backfill(db, "feed", site.url("/feed.rss"), resume=True)
    assert [i["status"] for i in items] == ["done"] * 5 and len(records) == 5
    assert site.hits["/news/3"] == hits["/news/3"] == 1  # replayed from the checkpoint
    assert all(site.hits[f"/news/{i}"] == 1 for i in range(1, 6))


def test_backfill_state_lives_in_the_backend_file(site: Site, db: str) -> None:
    backfill(db, "feed", site.url("/feed.rss"))
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert {"records", "backfill_jobs", "backfill_items", "backfill_fingerprints", "backfill_lsh"} <= tables


class _DictBackend:
    """A backend without a SQLite file, like Elasticsearch: the state goes to the user state directory."""

    name = "elasticsearch"

    def __init__(self, where: str) -> None:
        self.where = where
        self.records: dict[str, dict] = {}

    def upsert(self, record: dict) -> str:
        status = "updated" if record["id"] in self.records else "created"
        self.records[record["id"]] = record
        return status


def test_backfill_state_of_other_backends_is_kept_per_target(site: Site, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    production, test = _DictBackend("elasticsearch at https://es.prod:9200"), _DictBackend("elasticsearch at x")
    assert state_path(production) != state_path(test)
    assert Path(state_path(production)).parent == tmp_path / "state" / "dastur"
    with open_backfill(production, **FAST) as run:
        summary = run.start("news", "feed", site.url("/feed.rss"))
    assert summary.counts["done"] == 5 and len(production.records) == 5
    assert Path(state_path(production)).exists() and not Path(state_path(test)).exists()


def test_backfill_progress_bar_shows_counts_rate_and_failures(site: Site, db: str) -> None:
    out = io.StringIO()
    backend = SQLiteBackend(db)
    with RichProgress("t", Console(file=out, force_terminal=True, width=120)) as bar, \
            open_backfill(backend, progress=bar, **FAST) as run:
        run.start("t", "urls", _urls_file(db, [site.url("/news/1"), site.url("/private/secret")]))
    backend.close()
    shown = out.getvalue()
    assert "2/2" in shown and re.search(r"\d\.\d docs/s", shown) and "1 failed" in shown
    quiet = io.StringIO()
    with RichProgress("t", Console(file=quiet)) as bar:  # not a terminal: nothing printed
        bar.started(2, 0, 0)
        bar.advanced("done")
    assert quiet.getvalue() == ""


def _urls_file(db: str, urls: list[str]) -> str:
    path = Path(db).with_suffix(".urls")
    path.write_text("\n".join(urls))
    return str(path)


# --- the command line ------------------------------------------------------------------------


def cli(db: str, *args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"DASTUR_DB": db}, catch_exceptions=False)


def test_backfill_cli_refuses_loopback_without_allow_private(site: Site, db: str) -> None:
    result = cli(db, "backfill", "--feed", site.url("/feed.rss"))
    assert result.exit_code == 1
    assert "E111" in result.stderr and "--allow-private" in result.stderr
    assert sum(site.hits.values()) == 0


def test_backfill_cli_failures_list_and_retry(site: Site, db: str) -> None:
    urls = _urls_file(db, [site.url("/news/1"), site.url("/news/missing"), site.url("/private/secret")])
    result = cli(db, "backfill", "--urls", urls, "--job", "j", "--allow-private", "--rate", "500")
    assert result.exit_code == 1 and "1 done" in result.stderr and "2 failed" in result.stderr
    listed = json.loads(cli(db, "failures", "list", "--job", "j", "--json").stdout)
    assert [(r["url"].removeprefix(site.base), r["reason"][:4], r["attempts"]) for r in listed] == [
        ("/news/missing", "E113", 1), ("/private/secret", "E112", 1)]
    retried = cli(db, "failures", "retry", "--allow-private", "--rate", "500")
    assert retried.exit_code == 1
    assert [r["attempts"] for r in json.loads(cli(db, "failures", "list", "--json").stdout)] == [2, 2]
    assert site.hits["/news/1"] == 1 and site.hits["/news/missing"] == 2
    unknown = cli(db, "failures", "list", "--job", "nope")
    assert unknown.exit_code == 1 and "E210" in unknown.stderr


def test_backfill_cli_needs_exactly_one_source(db: str) -> None:
    result = cli(db, "backfill", "--feed", "https://a.ir/rss", "--sitemap", "https://a.ir/sitemap.xml")
    assert result.exit_code == 2 and "give one source" in result.stderr


# --- killed mid-way, resumed -----------------------------------------------------------------

BULK = 40


def _dastur(db: str, *args: str) -> subprocess.Popen:
    script = Path(sys.executable).with_name("dastur")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]
    return subprocess.Popen([*command, "--db", db, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _done(db: str) -> set[str]:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return {r[0] for r in conn.execute("SELECT url FROM backfill_items WHERE status = 'done'")}
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the file or the tables are not there yet
        return set()


def _wait_for_done(db: str, n: int, proc: subprocess.Popen, timeout: float = 90) -> set[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = _done(db)
        if len(done) >= n:
            return done
        if proc.poll() is not None:
            pytest.fail(f"backfill ended early: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("backfill made no progress")


@pytest.mark.slow
def test_backfill_resumes_after_sigkill_and_sigint_without_loss_or_refetch(db: str) -> None:
    with serve(Site(bulk=BULK)) as site:
        every = {site.url(f"/bulk/{i}") for i in range(1, BULK + 1)}
        # 1. SIGKILL of a real `dastur backfill` process (one worker): what was in flight is
        #    lost, nothing done is.
        first = _dastur(db, "backfill", "--sitemap", site.url("/bulk.xml"), "--job", "bulk",
                        "--rate", "20", "--allow-private")
        _wait_for_done(db, 5, first)
        first.kill()
        first.wait()
        done_at_kill = _done(db)
        assert 5 <= len(done_at_kill) < BULK
        hits_at_kill = site.hits.copy()

        # 2. Resumed with two workers, then Ctrl-C: a real SIGINT, sent to this process (a second
        #    `dastur` process would pay ten more seconds of start-up), once five more are done.
        #    The items in flight are finished and saved; exit 130 and a line on how to resume.
        ctrl_c = threading.Thread(target=_interrupt_when_done, args=(db, len(done_at_kill) + 5))
        ctrl_c.start()
        second = cli(db, "backfill", "--job", "bulk", "--resume", "--workers", "2", "--rate", "20",
                     "--allow-private")
        ctrl_c.join()
        assert second.exit_code == 130, second.stderr
        assert "interrupted" in second.stderr
        assert "dastur backfill --job bulk --resume --workers 2 --rate 20.0 --allow-private" in second.stderr
        done_at_sigint = _done(db)
        assert len(done_at_kill) + 5 <= len(done_at_sigint) < BULK
        assert _statuses(db) <= {"done", "pending"}  # nothing left half-way
        hits_at_sigint = site.hits.copy()

        # 3. Resumed to the end.
        last = cli(db, "backfill", "--job", "bulk", "--resume", "--rate", "20", "--allow-private")
        assert last.exit_code == 0, last.stderr

    backend = SQLiteBackend(db)
    urls = [r["source"]["url"] for r in backend.iter_records()]
    backend.close()
    assert sorted(urls) == sorted(every)  # no loss, no duplicates
    per_url = {u: site.hits[u.removeprefix(site.base)] for u in every}
    assert all(n >= 1 for n in per_url.values())
    # Done items were never fetched again. Only what SIGKILL cut off in flight (one worker: at
    # most the item it was on) was fetched twice; after SIGINT, nothing was.
    for u in done_at_kill:
        assert per_url[u] == hits_at_kill[u.removeprefix(site.base)] == 1
    twice = {u for u, n in per_url.items() if n > 1}
    assert len(twice) <= 1 and not twice & done_at_kill
    for u in every:
        path = u.removeprefix(site.base)
        assert not (hits_at_sigint[path] > hits_at_kill[path] and site.hits[path] > hits_at_sigint[path])


def _interrupt_when_done(db: str, n: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while len(_done(db)) < n:
        if time.monotonic() > deadline:
            return  # no Ctrl-C at all: the test then fails on the exit code, pytest lives on
        time.sleep(0.02)
    os.kill(os.getpid(), signal.SIGINT)


def _statuses(db: str) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT DISTINCT status FROM backfill_items")}
    finally:
        conn.close()
