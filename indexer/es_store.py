"""The Elasticsearch backend's connection to its cluster: indices, bulk writes, reads, refreshes.

``ElasticStore`` is what ``ElasticBackend`` (``elastic.py``) stands on: it
connects (``es_client``), makes sure the templates and the aliased indices
exist (``es_mapping``), runs bulk actions with ``helpers.streaming_bulk``
(429s retried with backoff) and reports each failed action, reads documents
with their sequence numbers, and refreshes before a read that follows a
write of this process, as the embedded backend's reads see its writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from elastic_transport import ApiError, ConnectionError, ConnectionTimeout, TransportError

from extractor.errors import BackendError

from . import es_mapping as m
from . import es_sync
from .es_client import ServerInfo, backend_error, connect, safe_url
from .es_spool import Spool, default_spool_path

log = logging.getLogger("dastur.elastic")

COOL_DOWN = 30.0  # seconds during which writes go straight to the spool after the cluster was unreachable


class ElasticStore:
    """A cluster, its three aliased indices, and the spool of what it did not take.

    - ``url`` or ``client`` (a preconfigured ``Elasticsearch``); ``api_key``,
      ``basic_auth=(user, password)``, ``ca_certs``, ``verify_certs``;
    - ``index_prefix``: ``dastur`` gives ``dastur-documents`` and so on;
    - ``chunk_size``, ``max_chunk_bytes``, ``max_retries``, ``initial_backoff``:
      ``streaming_bulk``'s chunking and its retries of 429s;
    - ``spool_path``: the spool file (``es_spool.default_spool_path()``);
    - ``highlight``: ask the server for highlights (checked before use);
    - ``shards``, ``replicas``: settings of new indices;
    - ``buffer_when_unreachable``: a cluster that is down at connect does not
      raise; writes go to the spool, reads raise the one-line error.
    """

    def __init__(self, url: str | None = None, *, api_key: str | tuple[str, str] | None = None,
                 basic_auth: tuple[str, str] | None = None, ca_certs: str | None = None,
                 verify_certs: bool = True, client: Any = None, index_prefix: str = "dastur",
                 spool_path: str | Path | None = None, chunk_size: int = 500,
                 max_chunk_bytes: int = 10 * 1024 * 1024, max_retries: int = 3, initial_backoff: float = 1.0,
                 request_timeout: float = 30.0, highlight: bool = True,
                 shards: int | None = None, replicas: int | None = None,
                 buffer_when_unreachable: bool = False) -> None:
        self.url = safe_url(url) if url else "(client)"
        self.where = f"elasticsearch at {self.url}"
        self.spool = Spool(spool_path or default_spool_path(), f"{self.url}#{index_prefix}")
        self.offline: BackendError | None = None  # why writes go to the spool and reads fail
        self.server: ServerInfo | None
        try:
            self.client, self.server = connect(url, client=client, api_key=api_key, basic_auth=basic_auth,
                                               ca_certs=ca_certs, verify_certs=verify_certs,
                                               request_timeout=request_timeout)
        except BackendError as e:
            if not (buffer_when_unreachable and isinstance(e.__cause__, ConnectionError | ConnectionTimeout)):
                raise
            # An ingest while the cluster is down: every record goes to the spool, for the next connect.
            self.offline, self.client, self.server = e, None, None
        self.prefix = index_prefix
        self.indices = {kind: m.alias(index_prefix, kind) for kind in m.KINDS}
        self.bulk_options: dict[str, Any] = {"chunk_size": chunk_size, "max_chunk_bytes": max_chunk_bytes,
                             "max_retries": max_retries, "initial_backoff": initial_backoff}
        self.highlight = highlight
        self._highlights = {True: 0, False: 0}  # server highlights used / refused
        self._dirty = False
        self._down_until = float("inf") if self.offline else 0.0
        self.stem = False
        if self.offline:
            return
        with self._errors():
            self.stem = self._detect_stem()
            self._ensure_indices(shards, replicas)

    # --- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        if self.offline is not None:
            raise self.offline
        try:
            yield
        except (TransportError, ApiError) as e:
            raise backend_error(e, self.where) from e

    def _detect_stem(self) -> bool:
        """``persian_stem`` exists since Elasticsearch 8.? and some OpenSearch 2.x; osmem lacks it. Ask."""
        try:
            self.client.indices.analyze(tokenizer="standard", filter=["persian_stem"], text="کتاب‌ها")
        except ApiError:
            return False
        return True

    def _ensure_indices(self, shards: int | None, replicas: int | None) -> None:
        """Templates for the current mapping, and a first index behind each alias that has none."""
        have = self.client.options(ignore_status=404).indices.get_index_template(name=f"{self.prefix}-*")
        metas = {t["name"]: t["index_template"].get("_meta") for t in have.body.get("index_templates", [])}
        for kind in m.KINDS:
            name = self.indices[kind]
            if metas.get(name) != m.template_meta(self.stem):
                body = m.index_template(self.prefix, kind, stem=self.stem, shards=shards, replicas=replicas)
                self.client.indices.put_index_template(name=name, body=body)
        current = self._current_indices()
        for kind, index in current.items():
            if index is None:
                first = m.index_name(self.prefix, kind, 1)
                resp = self.client.options(ignore_status=400).indices.create(
                    index=first, aliases={self.indices[kind]: {}})
                if resp.meta.status == 400 and self._current_indices()[kind] is None:
                    raise BackendError(f"{self.where}: index {first}", "exists without its alias "
                                       f"{self.indices[kind]}", f"delete {first} or add the alias to it")

    def _current_indices(self) -> dict[str, str | None]:
        """The index behind each alias, None where the alias does not exist yet."""
        resp = self.client.options(ignore_status=404).indices.get_alias(name=list(self.indices.values()))
        found: dict[str, str] = {}
        for index, data in resp.body.items():
            if isinstance(data, dict):
                for name in data.get("aliases") or {}:
                    found[name] = index
        return {kind: found.get(alias) for kind, alias in self.indices.items()}

    def _refresh(self) -> None:
        if self._dirty:
            with self._errors():
                self.client.indices.refresh(index=list(self.indices.values()))
            self._dirty = False

    def _kind(self, index: str | None) -> str:
        for kind, alias in self.indices.items():
            if index == alias or str(index).startswith(alias + "-v"):
                return kind
        return "?"

    def _bulk(self, actions: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, str]]:
        """Run bulk actions; the failures, by (kind, _id), after streaming_bulk's retries on 429."""
        from elasticsearch import helpers

        if not actions:
            return {}
        failed: dict[tuple[str, str], tuple[int, str]] = {}
        answered: set[tuple[str, str]] = set()
        sent = {str(a["_id"]): self._kind(a["_index"]) for a in actions}  # for answers without a known index
        self._dirty = True
        try:
            for ok, item in helpers.streaming_bulk(self.client, actions, raise_on_error=False,
                                                   raise_on_exception=False, **self.bulk_options):
                op, info = next(iter(item.items()))
                kind = self._kind(info.get("_index"))
                key = (kind if kind != "?" else sent.get(str(info.get("_id")), kind), str(info.get("_id")))
                answered.add(key)
                status = info.get("status") if isinstance(info.get("status"), int) else 0
                if not ok and not (op == "delete" and status == 404):
                    error = info.get("error")
                    reason = (f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict)
                              else str(error))
                    failed[key] = (status, " ".join(reason.split())[:300])
        except TransportError as e:  # the cluster went away mid-stream: whatever did not answer failed
            self._down_until = time.monotonic() + COOL_DOWN
            reason = str(backend_error(e, self.where).problem)
            for a in actions:
                key = (self._kind(a["_index"]), str(a["_id"]))
                if key not in answered:
                    failed[key] = (0, reason)
        return failed

    def _mget(self, kind: str, ids: list[str], includes: list[str] | None = None) -> dict[str, es_sync.Stored]:
        if not ids:
            return {}
        options: dict[str, Any] = {"source_includes": includes} if includes else {}
        with self._errors():
            resp = self.client.mget(index=self.indices[kind], ids=list(dict.fromkeys(ids)), **options)
        return {d["_id"]: es_sync.Stored(d.get("_source") or {}, d.get("_seq_no", 0), d.get("_primary_term", 1))
                for d in resp["docs"] if d.get("found")}

    def close(self) -> None:
        try:
            self._refresh()
        except BackendError as e:
            log.warning("%s", e)
        if self.client is not None:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
