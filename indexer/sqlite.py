"""The embedded backend: one SQLite file with the records, an FTS5 index, facets and directive tracking.

- Every write for one record (the record, its FTS row, its facet rows, its
  directives) is one transaction: a crash leaves the old record or the new
  one, never half of each.
- Text is indexed FOLDED (``extractor.normalize.fold``), and queries are
  folded the same way, so «مديركل», «مدیرکل», «۱۴۰۲» and «1402» meet.
- Thread safety: one connection (``check_same_thread=False``) guarded by a
  re-entrant lock; every statement runs under it. Simple, and right for
  ``:memory:`` too. Writes use ``BEGIN IMMEDIATE`` so another process on the
  same file waits instead of failing halfway.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from extractor.errors import BackendError
from extractor.normalize import fold

from . import tracking
from .base import FACET_FIELDS, DirectiveQuery, Hit, SearchQuery, SearchResult, check_record, search_terms
from .errors import ConflictError, NotFound
from .record_fields import canonical_sha256, facet_rows, published_iso
from .snippets import snippet
from .sqlite_query import directive_filters, search_sql, top_facets
from .sqlite_schema import migrate
from .sqlite_tx import immediate

BATCH = 500  # records per transaction in upsert_many: one fsync per batch, not per record
CACHE_KIB = 32768  # page cache per connection; with SQLite's 2 MB, facet counts re-read pages
_JSON = {"separators": (",", ":"), "ensure_ascii": False}


def _dumps(value: Any) -> str:
    return json.dumps(value, **_JSON)  # type: ignore[arg-type]


def _audit(c: sqlite3.Connection, rows: list[tuple[str, str, str, str, Any, Any]]) -> None:
    """Append (directive_id, at, who, field, old, new) rows; triggers refuse any UPDATE or DELETE."""
    c.executemany("INSERT INTO directive_audit (directive_id, at, who, field, old, new) "
                  "VALUES (?, ?, ?, ?, ?, ?)", rows)


def _value_id(c: sqlite3.Connection, field: str, value: str, folded: str) -> int:
    """The facet_values row of (field, folded), made on first sight. Not cached: a rollback would stale it."""
    row = c.execute("SELECT vid FROM facet_values WHERE field = ? AND folded = ?", (field, folded)).fetchone()
    if row is not None:
        return int(row[0])
    return int(c.execute("INSERT INTO facet_values (field, value, folded) VALUES (?, ?, ?)",
                         (field, value, folded)).lastrowid or 0)




class SQLiteBackend:
    """``SQLiteBackend("dastur.db")``, or ``SQLiteBackend(":memory:")`` / ``memory=True`` for tests."""

    name = "embedded"

    def __init__(self, path: str | Path = ":memory:", *, memory: bool = False) -> None:
        self.path = ":memory:" if memory or str(path) == ":memory:" else str(path)
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._conn.row_factory = sqlite3.Row
            self._conn.create_function("dastur_fold", 1, lambda s: fold(str(s)) if s else "", deterministic=True)
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            migrate(self._conn, self.path)
        except sqlite3.DatabaseError as e:
            raise BackendError(self.path, f"cannot be opened as a dastur database ({e})",
                               "point --db or DASTUR_DB at a dastur database or at a new file") from e

    # --- plumbing -------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate(self._conn) as conn:
            yield conn

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- records --------------------------------------------------------------

    def upsert(self, record: dict[str, Any]) -> str:
        """Store or replace one record in one transaction: "created", "updated" or "unchanged"."""
        with self._tx() as c:
            return self._write(c, record)

    def upsert_many(self, records: Iterable[dict[str, Any]]) -> dict[str, int]:
        """Batches of BATCH records per transaction, each record in its own savepoint.

        On a bad record, the records before it are committed, it is not, and the error is raised.
        """
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        it = iter(records)
        while batch := list(islice(it, BATCH)):
            error: BaseException | None = None
            with self._tx() as c:
                for record in batch:
                    c.execute("SAVEPOINT one")
                    try:
                        counts[self._write(c, record)] += 1
                    except Exception as e:
                        c.execute("ROLLBACK TO one")
                        error = e
                        break
                    finally:
                        c.execute("RELEASE one")
            if error is not None:
                raise error
        return counts

    def _write(self, c: sqlite3.Connection, record: dict[str, Any]) -> str:
        rid = check_record(record)
        sha = canonical_sha256(record)
        old = c.execute("SELECT doc, sha256 FROM records WHERE id = ?", (rid,)).fetchone()
        if old is not None and old["sha256"] == sha:
            return "unchanged"
        now = tracking.now_iso()
        values = (_dumps(record), record.get("title"), published_iso(record), sha, now)
        if old is None:
            doc = c.execute("INSERT INTO records (json, title, published_gregorian, sha256, updated_at, "
                            "created_at, id) VALUES (?, ?, ?, ?, ?, ?, ?)", (*values, now, rid)).lastrowid
        else:
            doc = old["doc"]
            c.execute("UPDATE records SET json = ?, title = ?, published_gregorian = ?, sha256 = ?, "
                      "updated_at = ? WHERE doc = ?", (*values, doc))
            c.execute("DELETE FROM records_fts WHERE rowid = ?", (doc,))
            c.execute("DELETE FROM facets WHERE doc = ?", (doc,))
        body = "\n".join(t for t in (record.get("lead"), record["text"]) if t)
        c.execute("INSERT INTO records_fts (rowid, title, body) VALUES (?, ?, ?)",
                  (doc, fold(record.get("title") or ""), fold(body)))
        c.executemany("INSERT INTO facets (doc, vid, in_facets) VALUES (?, ?, ?)",
                      [(doc, _value_id(c, f, v, folded), n) for f, v, folded, n in facet_rows(record)])
        self._sync_directives(c, record, now)
        return "created" if old is None else "updated"

    def _sync_directives(self, c: sqlite3.Connection, record: dict[str, Any], now: str) -> None:
        """Refresh what the extractor says; keep what people said; mark vanished items orphaned."""
        rid = record["id"]
        before = {r["id"]: r["orphaned"] for r in
                  c.execute("SELECT id, orphaned FROM directives WHERE record_id = ?", (rid,))}
        seen: set[str] = set()
        for i, item in enumerate(record.get("action_items") or []):
            did = tracking.directive_id(item, rid, i)
            if did in seen:
                continue
            seen.add(did)
            ext = tracking.extracted_fields(item, record)
            cols = (ext["record_id"], ext["text"], _dumps(ext["span"]), ext["issuer"], ext["actor"],
                    _dumps(ext["topics"]), _dumps(ext["deadline"]))
            row = c.execute("SELECT orphaned FROM directives WHERE id = ?", (did,)).fetchone()
            if row is None:
                st = tracking.initial_state(item)
                c.execute("INSERT INTO directives (record_id, text, span, issuer, actor, topics, deadline, "
                          "status, owner, due, version, created_at, updated_at, id) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (*cols, st["status"], st["owner"], st["due"], st["version"], now, now, did))
                continue
            c.execute("UPDATE directives SET record_id = ?, text = ?, span = ?, issuer = ?, actor = ?, "
                      "topics = ?, deadline = ? WHERE id = ?", (*cols, did))
            if row["orphaned"]:
                self._set_orphaned(c, did, 0, now)
        for did, orphaned in before.items():
            if did not in seen and not orphaned:
                self._set_orphaned(c, did, 1, now)

    @staticmethod
    def _set_orphaned(c: sqlite3.Connection, did: str, flag: int, now: str) -> None:
        c.execute("UPDATE directives SET orphaned = ?, version = version + 1, updated_at = ? WHERE id = ?",
                  (flag, now, did))
        _audit(c, [(did, now, "system:ingest", "orphaned", str(1 - flag), str(flag))])

    def get(self, record_id: str) -> dict[str, Any] | None:
        rows = self._read("SELECT json FROM records WHERE id = ?", (record_id,))
        return json.loads(rows[0]["json"]) if rows else None

    def delete(self, record_id: str) -> bool:
        """Remove a record, its index rows and its directives; the audit log keeps their last state."""
        with self._tx() as c:
            row = c.execute("SELECT doc FROM records WHERE id = ?", (record_id,)).fetchone()
            if row is None:
                return False
            now = tracking.now_iso()
            for d in c.execute("SELECT id, status, owner, due, version FROM directives WHERE record_id = ?",
                               (record_id,)).fetchall():
                state = {k: d[k] for k in ("status", "owner", "due", "version")}
                _audit(c, [(d["id"], now, "system:delete", "deleted", _dumps(state), None)])
            c.execute("DELETE FROM records_fts WHERE rowid = ?", (row["doc"],))
            c.execute("DELETE FROM records WHERE doc = ?", (row["doc"],))  # facets and directives cascade
            return True

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM records")[0][0])

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """All records in insertion order, read in chunks so the lock is never held while yielding."""
        last = 0
        sql = "SELECT doc, json FROM records WHERE doc > ? ORDER BY doc LIMIT ?"
        while rows := self._read(sql, (last, BATCH)):
            last = rows[-1]["doc"]
            yield from (json.loads(r["json"]) for r in rows)

    # --- search ---------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        terms, known = search_terms(query)
        if known is not None:
            return known
        sql = search_sql(query, terms)
        with self._lock:
            ranked = self._conn.execute(sql.page.text, sql.page.params).fetchall()
            if query.offset == 0 and len(ranked) < query.limit:
                total = len(ranked)  # the page holds everything: no need to count
            else:
                total = self._conn.execute(sql.count.text, sql.count.params).fetchone()[0]
            counted = self._conn.execute(sql.facets.text, sql.facets.params).fetchall() if sql.facets else []
            marks = ", ".join("?" * len(ranked))
            stored = {r["doc"]: json.loads(r["json"]) for r in
                      self._conn.execute(f"SELECT doc, json FROM records WHERE doc IN ({marks})",
                                         [r["doc"] for r in ranked])}
        hits = []
        for row in ranked:
            rec = stored[row["doc"]]
            score = -float(row["score"]) if terms else 0.0  # bm25: lower is better; Hit.score: higher
            hits.append(Hit(id=rec["id"], title=rec.get("title"), score=score,
                            snippet=snippet([rec.get("lead"), rec.get("text")], terms),
                            published=rec.get("published"), agency=rec.get("agency"),
                            source=rec.get("source") or {}))
        facets = top_facets([tuple(r) for r in counted], FACET_FIELDS) if query.facets else {}
        return SearchResult(total=int(total), hits=hits, facets=facets)

    # --- directive tracking -----------------------------------------------------

    _SELECT_DIRECTIVE = ("SELECT d.*, r.title AS record_title "
                         "FROM directives d JOIN records r ON r.id = d.record_id")

    @staticmethod
    def _directive(row: sqlite3.Row, today: dt.date | None = None) -> dict[str, Any]:
        d = {k: row[k] for k in ("id", "record_id", "record_title", "text", "issuer", "actor", "status",
                                 "owner", "due", "version", "created_at", "updated_at")}
        for k in ("span", "topics", "deadline", "notes", "evidence"):
            d[k] = json.loads(row[k]) if row[k] is not None else None
        d["orphaned"] = bool(row["orphaned"])
        d["overdue"] = tracking.is_overdue(row["status"], row["due"], today or dt.date.today())
        return d

    def list_directives(self, query: DirectiveQuery) -> list[dict[str, Any]]:
        today = query.today or dt.date.today()
        where, params = directive_filters(query, today)
        sql = (f"{self._SELECT_DIRECTIVE}{' WHERE ' + ' AND '.join(where) if where else ''} "
               "ORDER BY d.due IS NULL, d.due, d.created_at, d.id LIMIT ? OFFSET ?")
        rows = self._read(sql, (*params, max(query.limit, 0), max(query.offset, 0)))
        return [self._directive(r, today) for r in rows]

    def get_directive(self, directive_id: str) -> dict[str, Any] | None:
        rows = self._read(f"{self._SELECT_DIRECTIVE} WHERE d.id = ?", (directive_id,))
        return self._directive(rows[0]) if rows else None

    def update_directive(self, directive_id: str, changes: dict[str, Any], who: str,
                         expected_version: int | None = None) -> dict[str, Any]:
        """Apply a person's changes: one audit row per changed field, version + 1, all in one transaction.

        Raises NotFound, ConflictError (``expected_version`` is stale) or InvalidChange.
        """
        with self._tx() as c:
            row = c.execute(f"{self._SELECT_DIRECTIVE} WHERE d.id = ?", (directive_id,)).fetchone()
            if row is None:
                raise NotFound("directive", directive_id)
            if expected_version is not None and expected_version != row["version"]:
                raise ConflictError(directive_id, expected_version, row["version"])
            current = {"status": row["status"], "owner": row["owner"], "due": row["due"],
                       "notes": json.loads(row["notes"]), "evidence": json.loads(row["evidence"])}
            at = tracking.now_iso()
            updates, audit = tracking.apply_changes(current, changes, who, at)
            if not updates:
                return self._directive(row)
            values = [_dumps(v) if k in ("notes", "evidence") else v for k, v in updates.items()]
            sets = ", ".join(f"{k} = ?" for k in updates)
            c.execute(f"UPDATE directives SET {sets}, version = version + 1, updated_at = ? WHERE id = ?",
                      (*values, at, directive_id))
            _audit(c, [(directive_id, at, who, f, o, n) for f, o, n in audit])
            row = c.execute(f"{self._SELECT_DIRECTIVE} WHERE d.id = ?", (directive_id,)).fetchone()
            return self._directive(row)

    def directive_history(self, directive_id: str) -> list[dict[str, Any]]:
        """The audit rows, oldest first. They outlive a deleted record, so only an unknown id raises."""
        rows = self._read("SELECT directive_id, at, who, field, old, new FROM directive_audit "
                          "WHERE directive_id = ? ORDER BY seq", (directive_id,))
        if not rows and self.get_directive(directive_id) is None:
            raise NotFound("directive", directive_id)
        return [dict(r) for r in rows]

