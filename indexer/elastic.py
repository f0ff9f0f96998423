"""The Elasticsearch backend: the embedded backend's contract on an Elasticsearch or OpenSearch cluster.

- ``es_client``: connecting, distribution detection, one-line errors;
- ``es_store``: the cluster under this class: indices, bulk, reads, refreshes;
- ``es_mapping``: index names, templates, the Persian analysis chain, documents;
- ``es_query``: search and directive queries as pure dicts;
- ``es_sync``: what a write means, as bulk actions;
- ``es_spool``: records the cluster did not take, kept until it does.

Writes are bulk actions with deterministic ``_id``s, so running an ingest
twice changes nothing; what the cluster does not take is spooled, reported,
and sent again later. ``close`` refreshes, so the next process sees the writes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from elastic_transport import ApiError, ConnectionError, ConnectionTimeout, TransportError

from extractor.errors import BackendError

from . import es_mapping as m
from . import es_query as eq
from . import es_sync, tracking
from .base import DirectiveQuery, Hit, SearchQuery, SearchResult, check_record, search_terms
from .errors import ConflictError, NotFound, NotIndexed
from .es_client import backend_error
from .es_store import COOL_DOWN, ElasticStore
from .snippets import snippet

log = logging.getLogger("dastur.elastic")

BATCH = 500  # records planned together: one mget of hashes and one of directives per batch
PAGE = 1000  # hits per page when walking a result set
CONFLICT_ROUNDS = 3  # a record whose directives keep changing under us is re-read this often
HIGHLIGHT_TRIALS = 20  # server highlights refused in a row before the server is no longer asked for them




class ElasticBackend(ElasticStore):
    """``ElasticBackend("http://127.0.0.1:9200")``; ``api_key``/``basic_auth``/``ca_certs`` for real clusters.

    The other options are ``ElasticStore``'s. Records spooled earlier for this
    cluster are sent when it connects (``retry_spool=False`` leaves them).

    Example:
        with ElasticBackend("https://es.example.ir:9200", api_key="…") as backend:
            backend.upsert(record)
    """

    name = "elasticsearch"

    def __init__(self, url: str | None = None, *, retry_spool: bool = True, **options: Any) -> None:
        super().__init__(url, **options)
        if retry_spool and not self.offline and self.spool.pending():
            try:
                self.retry_spooled()
            except BackendError as e:  # still failing: they stay spooled; connecting goes on
                log.warning("spooled records not sent yet: %s", e)

    # --- records ------------------------------------------------------------------------

    def upsert(self, record: dict[str, Any]) -> str:
        """Store or replace one record: "created", "updated" or "unchanged". Raises NotIndexed (spooled)."""
        check_record(record)
        statuses, failures = self._write([record])
        if failures:
            self.spool.add(failures)
            raise NotIndexed([(r["id"], why) for r, why in failures], self.where, str(self.spool.path))
        return statuses[record["id"]]

    def upsert_many(self, records: Iterable[dict[str, Any]]) -> dict[str, int]:
        """Index in batches. Records the cluster did not take are spooled, then reported in one NotIndexed
        (with the counts of the others); a malformed record raises after the ones before it are written."""
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        failures: list[tuple[dict[str, Any], str]] = []
        batch: dict[str, dict[str, Any]] = {}

        def flush() -> None:
            statuses, failed = self._write(list(batch.values()))
            for status in statuses.values():
                counts[status] += 1
            self.spool.add(failed)
            failures.extend(failed)
            batch.clear()

        for rec in records:
            try:
                check_record(rec)
            except BackendError:
                flush()
                raise
            if rec["id"] in batch or len(batch) >= BATCH:  # a repeated id is written after the first, as in turn
                flush()
            batch[rec["id"]] = rec
        flush()
        if failures:
            raise NotIndexed([(r["id"], why) for r, why in failures], self.where, str(self.spool.path), counts)
        return counts

    def _write(self, records: list[dict[str, Any]]) -> tuple[dict[str, str], list[tuple[dict[str, Any], str]]]:
        """Statuses of the records written, and (record, reason) of those that were not."""
        if time.monotonic() < self._down_until:
            why = self.offline.problem if self.offline else "the cluster was unreachable moments ago"
            return {}, [(r, why) for r in records]
        statuses: dict[str, str] = {}
        failures: list[tuple[dict[str, Any], str]] = []
        pending = list({r["id"]: r for r in records}.values())  # a repeated id: its last version
        for _ in range(CONFLICT_ROUNDS):
            try:
                pending = self._write_round(pending, statuses, failures)
            except BackendError as e:  # the reads before the bulk failed: nothing of these was written
                if isinstance(e.__cause__, ConnectionError | ConnectionTimeout):
                    self._down_until = time.monotonic() + COOL_DOWN
                failures += [(r, e.problem) for r in pending]
                pending = []
            if not pending:
                break
        failures += [(r, "its directives kept changing during the write (version conflicts)") for r in pending]
        self.spool.forget(set(statuses))
        return statuses, failures

    def _write_round(self, records: list[dict[str, Any]], statuses: dict[str, str],
                     failures: list[tuple[dict[str, Any], str]]) -> list[dict[str, Any]]:
        """One read-plan-write pass; returns the records to try again (version conflicts)."""
        olds = self._mget("documents", [r["id"] for r in records],
                          ["sha256", "directive_ids", "ingested", "created_at"])
        wanted = [d for r in records for d in es_sync.directives_to_read(r, olds[r["id"]].source
                                                                          if r["id"] in olds else None)]
        stored = self._mget("directives", wanted)
        now, now_ns = tracking.now_iso(), time.time_ns()
        plans, later = [], []
        seen: set[str] = set()
        for i, r in enumerate(records):  # now_ns + i: a batch keeps its order in ``ingested``
            plan = es_sync.plan_record(r, olds[r["id"]].source if r["id"] in olds else None, stored,
                                       self.indices, now, now_ns + i)
            ids = {op["_id"] for op in plan.directive_ops}
            if ids & seen:  # two records of the batch share a directive: the second waits a round
                later.append(r)
                continue
            seen |= ids
            plans.append((r, plan))
        failed = self._bulk([op for _, p in plans for op in p.directive_ops])
        final, retry = [], list(later)
        for r, p in plans:
            errors = [failed[("directives", op["_id"])] for op in p.directive_ops
                      if ("directives", op["_id"]) in failed]
            if not errors:
                final.append((r, p))
            elif all(status == 409 for status, _ in errors):
                retry.append(r)
            else:
                failures.append((r, next(why for status, why in errors if status != 409)))
        failed = self._bulk([op for _, p in final for op in p.final_ops])
        for r, p in final:
            if ("documents", r["id"]) in failed:
                failures.append((r, failed[("documents", r["id"])][1]))
            else:
                statuses[r["id"]] = p.status
        if any(k[0] == "audit" for k in failed):  # the rows also ride on their directive (pending_audit)
            log.warning("audit rows not written yet: %s", next(v for k, v in failed.items() if k[0] == "audit"))
        return retry

    def retry_spooled(self) -> dict[str, int]:
        """Send the spooled records of this cluster again; those still refused stay (and are reported)."""
        entries = self.spool.pending()
        if not entries:
            return {"sent": 0}
        statuses, failures = self._write([e["record"] for e in entries])
        self.spool.add(failures)  # first keep what failed again, then drop what was tried
        self.spool.remove({k for e in entries for k in e["keys"]})
        counts = {"sent": len(statuses)}
        for status in statuses.values():
            counts[status] = counts.get(status, 0) + 1
        if failures:
            raise NotIndexed([(r["id"], why) for r, why in failures], self.where, str(self.spool.path), counts)
        return counts

    def get(self, record_id: str) -> dict[str, Any] | None:
        with self._errors():
            resp = self.client.options(ignore_status=404).get(index=self.indices["documents"], id=record_id,
                                                              source_includes=["record"])
        return resp["_source"]["record"] if resp.get("found") else None

    def delete(self, record_id: str) -> bool:
        """Remove a record and its directives; the audit log keeps their last state."""
        old = self._mget("documents", [record_id], ["directive_ids"]).get(record_id)
        if old is None:
            return False
        self._refresh()
        with self._errors():
            resp = self.client.search(index=self.indices["directives"], body={
                "query": {"term": {"record_id": record_id}}, "size": PAGE, "_source": False})
        ids = [*(old.source.get("directive_ids") or []), *(h["_id"] for h in resp["hits"]["hits"])]
        stored = self._mget("directives", ids)
        rows, deletes = es_sync.plan_delete(record_id, stored, self.indices, tracking.now_iso(), time.time_ns())
        for step in (rows, deletes):
            failed = self._bulk(step)
            if failed:
                (_, doc_id), (_, why) = next(iter(failed.items()))
                raise BackendError(f"record {record_id}", f"was not deleted from {self.where} ({doc_id}: {why})",
                                   "try again: deleting twice is safe")
        return True

    def count(self) -> int:
        self._refresh()
        with self._errors():
            return int(self.client.count(index=self.indices["documents"])["count"])

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """All records in ingestion order, a page at a time."""
        self._refresh()
        after = None
        while True:
            with self._errors():
                hits = self.client.search(index=self.indices["documents"],
                                          body=eq.records_page_body(PAGE, after))["hits"]["hits"]
            yield from (h["_source"]["record"] for h in hits)
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    # --- search -------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        terms, known = search_terms(query)
        if known is not None:
            return known
        cursor = getattr(query, "cursor", None)
        after = eq.decode_cursor(cursor) if cursor else None
        self._refresh()
        if after is None and query.offset + query.limit > eq.MAX_WINDOW:
            after = self._skip(query, terms)  # past the result window: walk there by search_after
        body = eq.search_body(query, terms, search_after=after, stem=self.stem, highlight=self.highlight)
        with self._errors():
            resp = self.client.search(index=self.indices["documents"], body=body)
        hits = []
        for h in resp["hits"]["hits"]:
            rec = h["_source"]["record"]
            text = self._server_snippet(h, rec, terms)
            hits.append(Hit(id=rec["id"], title=rec.get("title"), score=float(h.get("_score") or 0.0) if terms else 0.0,
                            snippet=text or snippet([rec.get("lead"), rec.get("text")], terms),
                            published=rec.get("published"), agency=rec.get("agency"),
                            source=rec.get("source") or {}))
        total = int(resp["hits"]["total"]["value"])
        facets = eq.merge_facets(resp.get("aggregations") or {}) if query.facets else {}
        last = resp["hits"]["hits"][-1]["sort"] if resp["hits"]["hits"] else None
        more = len(hits) == query.limit and (after is not None or query.offset + len(hits) < total)
        return SearchResult(total=total, hits=hits, facets=facets,
                            next=eq.encode_cursor(last) if more and last is not None else None)

    def _server_snippet(self, hit: dict[str, Any], rec: dict[str, Any], terms: list[Any]) -> str | None:
        """The server's highlight when it passes ``es_query.server_snippet``'s checks. A server whose
        highlights never pass (osmem marks byte ranges in Persian) is not asked again."""
        if not hit.get("highlight"):
            return None
        text = eq.server_snippet(hit["highlight"], {"lead": rec.get("lead"), "text": rec.get("text")}, terms)
        self._highlights[text is not None] += 1
        if self.highlight and not self._highlights[True] and self._highlights[False] >= HIGHLIGHT_TRIALS:
            self.highlight = False
            log.info("%s: its highlights never match the text; dastur cuts snippets itself", self.where)
        return text

    def _skip(self, query: SearchQuery, terms: list[Any]) -> list[Any] | None:
        """The sort values of the hit just before ``query.offset``, found page by page."""
        after, remaining = None, query.offset
        while remaining > 0:
            body = eq.search_body(SearchQuery(**{**vars(query), "limit": min(remaining, PAGE), "facets": False}),
                                  terms, search_after=after, highlight=False)
            body.update({"_source": False, "track_total_hits": False})
            body.pop("from", None)
            with self._errors():
                hits = self.client.search(index=self.indices["documents"], body=body)["hits"]["hits"]
            if not hits:
                break
            after, remaining = hits[-1]["sort"], remaining - len(hits)
        return after

    # --- directive tracking -------------------------------------------------------------

    def list_directives(self, query: DirectiveQuery) -> list[dict[str, Any]]:
        today = query.today or dt.date.today()
        body = eq.directives_body(query, today)
        self._refresh()
        with self._errors():
            hits = self.client.search(index=self.indices["directives"], body=body)["hits"]["hits"]
        return [self._view(h["_source"], today) for h in hits]

    @staticmethod
    def _view(source: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
        overdue = tracking.is_overdue(source.get("status") or "", source.get("due"), today or dt.date.today())
        return m.directive_view(source, overdue)

    def get_directive(self, directive_id: str) -> dict[str, Any] | None:
        found = self._mget("directives", [directive_id]).get(directive_id)
        return self._view(found.source) if found else None

    def update_directive(self, directive_id: str, changes: dict[str, Any], who: str,
                         expected_version: int | None = None) -> dict[str, Any]:
        """Apply a person's changes, guarded by ``if_seq_no``/``if_primary_term``.

        Raises NotFound, ConflictError (``expected_version`` is stale, or somebody wrote
        in between) or InvalidChange. Without ``expected_version``, a concurrent write
        makes it re-read and apply the changes on top, never over it.
        """
        for _ in range(5):
            have = self._mget("directives", [directive_id]).get(directive_id)
            if have is None:
                raise NotFound("directive", directive_id)
            version = int(have.source.get("version") or 1)
            if expected_version is not None and expected_version != version:
                raise ConflictError(directive_id, expected_version, version)
            new, rows = es_sync.plan_update(have.source, changes, who, tracking.now_iso(), time.time_ns())
            if new is None:
                return self._view(have.source)
            try:
                self.client.index(index=self.indices["directives"], id=directive_id, document=new,
                                  if_seq_no=have.seq_no, if_primary_term=have.primary_term)
            except ApiError as e:
                if e.meta.status == 409:
                    continue  # written in between: re-read (and raise above if the version moved)
                raise backend_error(e, self.where) from e
            except TransportError as e:
                raise backend_error(e, self.where) from e
            self._dirty = True
            previous = have.source.get("pending_audit") or []
            failed = self._bulk(es_sync.audit_ops(self.indices["audit"], [*previous, *rows]))
            if failed:
                log.warning("audit rows of %s kept on the directive for now: %s", directive_id,
                            next(iter(failed.values()))[1])
            return self._view(new)
        raise ConflictError(directive_id, expected_version or 0, version)

    def directive_history(self, directive_id: str) -> list[dict[str, Any]]:
        """Audit rows, oldest first. They outlive a deleted record, so only an unknown id raises."""
        self._refresh()
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        after = None
        while True:
            with self._errors():
                hits = self.client.search(index=self.indices["audit"],
                                          body=eq.history_body(directive_id, PAGE, after))["hits"]["hits"]
            rows.update({(h["_source"]["version"], h["_source"]["n"]): h["_source"] for h in hits})
            if len(hits) < PAGE:
                break
            after = hits[-1]["sort"]
        have = self._mget("directives", [directive_id]).get(directive_id)
        for row in (have.source.get("pending_audit") or []) if have else []:
            rows.setdefault((row["version"], row["n"]), row)
        if not rows and have is None:
            raise NotFound("directive", directive_id)
        return [{k: rows[key].get(k) for k in m.AUDIT_KEYS} for key in sorted(rows)]

    # --- reindex ------------------------------------------------------------------------

    def reindex(self, *, keep_old: bool = False) -> dict[str, str]:
        """Build the next version of every index and swap the aliases to it atomically. See es_reindex."""
        from .es_reindex import reindex

        self._refresh()
        with self._errors():
            return reindex(self, keep_old=keep_old)
