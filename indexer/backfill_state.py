"""Where a backfill keeps its checkpoints: jobs, their items, and the duplicate fingerprints.

The state lives in the backend's own store when the backend is a SQLite file
(its ``.path``): our tables sit beside the records, so a copy of the file
carries both. Other backends (Elasticsearch) keep it in a
``backfill-<hash of the target>.db`` in the user state directory. Tables are ours alone, created
with ``IF NOT EXISTS``; the backend's schema version is not touched.

An item moves ``pending → indexing → done``, or to ``failed`` (with the
reason) or ``skipped`` (an exact duplicate, linked to its original).
``indexing`` holds the extracted Record until the backend has it: a crash
between the two writes replays it from here instead of fetching it again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.errors import BackendError

from . import dedup
from .sqlite_tx import immediate
from .tracking import now_iso

STATUSES = ("pending", "indexing", "done", "failed", "skipped")
_STATUS_LIST = ", ".join(f"'{s}'" for s in STATUSES)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS backfill_jobs (
        job TEXT PRIMARY KEY,
        source_kind TEXT NOT NULL,          -- feed | sitemap | listing | urls | dir
        source TEXT NOT NULL,
        pages INTEGER,                      -- listing pages to read
        item_limit INTEGER,                 -- at most this many items are discovered
        discovered INTEGER NOT NULL DEFAULT 0,  -- 1 once discovery ran to its end
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS backfill_items (
        seq INTEGER PRIMARY KEY,            -- discovery order
        job TEXT NOT NULL REFERENCES backfill_jobs(job),
        url TEXT NOT NULL,                  -- or a file path, for --dir
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ({_STATUS_LIST})),
        reason TEXT,                        -- why it failed or was skipped
        attempts INTEGER NOT NULL DEFAULT 0,
        content_sha256 TEXT,
        record_id TEXT,
        duplicate_of TEXT,
        staged TEXT,                        -- the Record's JSON while 'indexing'
        updated_at TEXT NOT NULL,
        UNIQUE (job, url))""",
    "CREATE INDEX IF NOT EXISTS backfill_items_status ON backfill_items(job, status, seq)",
)


class JobError(BackendError):
    """A backfill job cannot be started or resumed as asked."""

    code = "E210"


@dataclass(frozen=True)
class Job:
    name: str
    kind: str
    source: str
    pages: int | None
    limit: int | None
    discovered: bool


def state_path(backend: Any) -> str:
    """The backend's SQLite file when it has one, else a backfill-<target>.db in the user state directory."""
    path = getattr(backend, "path", None)
    if isinstance(path, str) and path:
        return path  # ":memory:" too: a state that outlived an in-memory index would lie on resume
    import hashlib

    import platformdirs

    # One file per index (cluster URL and all): job "news" on a test cluster is not job "news" in production.
    target = str(getattr(backend, "where", None) or getattr(backend, "name", "backend"))
    digest = hashlib.sha1(target.encode()).hexdigest()[:12]
    return str(Path(platformdirs.user_state_dir("dastur")) / f"backfill-{digest}.db")


class BackfillState:
    """Jobs and items in SQLite. Used from one thread at a time (the backfill's main loop)."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode = WAL")  # the backend's readers never wait for us
            # No fsync per commit (two commits an item made the disk the bottleneck: 12 docs/s).
            # In WAL mode NORMAL survives any crash of the process (SIGKILL included); an OS
            # crash may drop the last commits, in order, so "done" never outlives its record.
            self._conn.execute("PRAGMA synchronous = NORMAL")
            with self.transaction() as c:
                for statement in (*SCHEMA, *dedup.SCHEMA):
                    c.execute(statement)
        except sqlite3.DatabaseError as e:
            raise BackendError(path, f"cannot hold backfill state ({e})",
                               "point --db at a dastur database or a new file") from e

    @classmethod
    def for_backend(cls, backend: Any) -> BackfillState:
        return cls(state_path(backend))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with immediate(self._conn) as conn:
            yield conn

    def close(self) -> None:
        self._conn.close()

    # --- jobs ---------------------------------------------------------------------------------

    def job(self, name: str) -> Job | None:
        row = self._conn.execute("SELECT job, source_kind, source, pages, item_limit, discovered "
                                 "FROM backfill_jobs WHERE job = ?", (name,)).fetchone()
        return Job(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None

    def jobs(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT job FROM backfill_jobs ORDER BY created_at, job")]

    def create_job(self, name: str, kind: str, source: str, *, pages: int | None = None,
                   limit: int | None = None) -> Job:
        now = now_iso()
        with self.transaction() as c:
            if c.execute("SELECT 1 FROM backfill_jobs WHERE job = ?", (name,)).fetchone():
                raise JobError(f"backfill job {name!r}", "already exists",
                               "add --resume to continue it, or pass --job NEW_NAME to start another")
            c.execute("INSERT INTO backfill_jobs (job, source_kind, source, pages, item_limit, created_at, "
                      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (name, kind, source, pages, limit, now, now))
        job = self.job(name)
        assert job is not None
        return job

    def mark_discovered(self, name: str) -> None:
        with self.transaction() as c:
            c.execute("UPDATE backfill_jobs SET discovered = 1, updated_at = ? WHERE job = ?",
                      (now_iso(), name))

    # --- items --------------------------------------------------------------------------------

    def enqueue(self, job: str, url: str) -> int | None:
        """Add a discovered item; its seq, or None when the job already has it."""
        with self.transaction() as c:
            cur = c.execute("INSERT OR IGNORE INTO backfill_items (job, url, updated_at) VALUES (?, ?, ?)",
                            (job, url, now_iso()))
            return cur.lastrowid if cur.rowcount else None

    def count(self, job: str) -> int:
        row = self._conn.execute("SELECT count(*) FROM backfill_items WHERE job = ?", (job,)).fetchone()
        return int(row[0])

    def counts(self, job: str) -> dict[str, int]:
        found = dict(self._conn.execute("SELECT status, count(*) FROM backfill_items WHERE job = ? "
                                        "GROUP BY status", (job,)).fetchall())
        return {s: int(found.get(s, 0)) for s in STATUSES}

    def last_seq(self, job: str) -> int:
        row = self._conn.execute("SELECT max(seq) FROM backfill_items WHERE job = ?", (job,)).fetchone()
        return int(row[0] or 0)

    def pending(self, job: str, after: int, upto: int, limit: int = 200) -> list[tuple[int, str]]:
        """A page of pending items in discovery order: read in pages, so memory stays flat."""
        return [(int(r[0]), r[1]) for r in self._conn.execute(
            "SELECT seq, url FROM backfill_items WHERE job = ? AND status = 'pending' "
            "AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?", (job, after, upto, limit))]

    def staged(self, job: str) -> list[tuple[int, dict[str, Any]]]:
        return [(int(r[0]), json.loads(r[1])) for r in self._conn.execute(
            "SELECT seq, staged FROM backfill_items WHERE job = ? AND status = 'indexing' ORDER BY seq",
            (job,))]

    def stage(self, c: sqlite3.Connection, seq: int, record: dict[str, Any], sha256: str) -> None:
        """Keep the extracted Record until the backend has it (inside the caller's transaction)."""
        dup = (record.get("source") or {}).get("metadata", {}).get("duplicate_of")
        c.execute("UPDATE backfill_items SET status = 'indexing', staged = ?, content_sha256 = ?, "
                  "record_id = ?, duplicate_of = ?, reason = NULL, attempts = attempts + 1, updated_at = ? "
                  "WHERE seq = ?",
                  (json.dumps(record, ensure_ascii=False), sha256, record["id"], dup, now_iso(), seq))

    def finish(self, seq: int) -> None:
        with self.transaction() as c:
            c.execute("UPDATE backfill_items SET status = 'done', staged = NULL, updated_at = ? "
                      "WHERE seq = ?", (now_iso(), seq))

    def skip(self, c: sqlite3.Connection, seq: int, reason: str, duplicate_of: str, sha256: str) -> None:
        c.execute("UPDATE backfill_items SET status = 'skipped', reason = ?, duplicate_of = ?, "
                  "content_sha256 = ?, attempts = attempts + 1, updated_at = ? WHERE seq = ?",
                  (reason, duplicate_of, sha256, now_iso(), seq))

    def fail(self, seq: int, reason: str) -> None:
        with self.transaction() as c:
            c.execute("UPDATE backfill_items SET status = 'failed', reason = ?, attempts = attempts + 1, "
                      "updated_at = ? WHERE seq = ?", (reason, now_iso(), seq))

    def failures(self, job: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT job, url, reason, attempts, updated_at FROM backfill_items WHERE status = 'failed'"
               + (" AND job = ?" if job else "") + " ORDER BY job, seq")
        cols = ("job", "url", "reason", "attempts", "updated_at")
        return [dict(zip(cols, r, strict=True)) for r in self._conn.execute(sql, (job,) if job else ())]

    def requeue_failed(self, job: str) -> int:
        """Failed items back to pending, for `dastur failures retry`; their reasons stay until retried."""
        with self.transaction() as c:
            return c.execute("UPDATE backfill_items SET status = 'pending', updated_at = ? "
                             "WHERE job = ? AND status = 'failed'", (now_iso(), job)).rowcount

    def items(self, job: str) -> list[dict[str, Any]]:
        """Every item of a job (tests, reports); not for million-item jobs."""
        cols = ("seq", "url", "status", "reason", "attempts", "content_sha256", "record_id", "duplicate_of")
        return [dict(zip(cols, r, strict=True)) for r in self._conn.execute(
            f"SELECT {', '.join(cols)} FROM backfill_items WHERE job = ? ORDER BY seq", (job,))]


__all__ = ["STATUSES", "BackfillState", "Job", "JobError", "state_path"]
