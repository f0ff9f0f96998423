"""The Backend protocol: what every search backend (embedded SQLite, Elasticsearch) provides.

The core never imports a backend; it gets one from ``indexer.open_backend``.
Records cross this boundary as plain dicts in the Record format of DESIGN.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

DIRECTIVE_STATUSES = ("open", "in_progress", "done", "dropped")
FACET_FIELDS = ("topic", "place", "organization", "official")


@dataclass
class SearchQuery:
    """A search as pure data. Text and filter values are raw user input; backends fold them."""

    text: str = ""
    official: str | None = None
    org: str | None = None
    place: str | None = None
    topic: str | None = None
    since: dt.date | None = None  # on the published date (Gregorian)
    until: dt.date | None = None
    sort: str = "relevance"  # relevance | date
    limit: int = 10
    offset: int = 0
    facets: bool = True
    # Deep pagination: ``SearchResult.next`` of the previous page. Backends that page by
    # ``search_after`` (Elasticsearch) honour it instead of ``offset``; others leave ``next`` None.
    cursor: str | None = None


@dataclass
class Hit:
    id: str
    title: str | None
    score: float
    snippet: str  # original text with <mark>…</mark> around matched words
    published: dict[str, Any] | None = None
    agency: str | None = None
    source: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "score": self.score, "snippet": self.snippet,
                "published": self.published, "agency": self.agency, "source": self.source}


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    next: str | None = None  # cursor of the page after this one, where the backend supports it

    def to_dict(self) -> dict[str, Any]:
        out = {"total": self.total, "hits": [h.to_dict() for h in self.hits],
               "facets": {k: [{"value": v, "count": c} for v, c in vs] for k, vs in self.facets.items()}}
        if self.next is not None:
            out["next"] = self.next
        return out


@dataclass
class DirectiveQuery:
    status: str | None = None  # one of DIRECTIVE_STATUSES, or "overdue"
    owner: str | None = None
    topic: str | None = None
    official: str | None = None
    place: str | None = None
    overdue: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    today: dt.date | None = None  # for "overdue"; defaults to the real today
    limit: int = 100
    offset: int = 0


SORTS = ("relevance", "date")


def search_terms(query: SearchQuery) -> tuple[list[Any], SearchResult | None]:
    """The query's terms, or the result already known without asking the index.

    Every backend checks the sort order the same way, and answers a query made
    only of punctuation with nothing (rather than listing everything).
    """
    from extractor.errors import BackendError

    from .snippets import query_terms

    if query.sort not in SORTS:
        raise BackendError(f"sort {query.sort!r}", "is not a sort order", "use " + " or ".join(SORTS))
    terms = query_terms(query.text)
    if query.text.strip() and not terms:
        return terms, SearchResult(0, [], {f: [] for f in FACET_FIELDS} if query.facets else {})
    return terms, None


def check_record(record: Any) -> str:
    """The record's id, after checking it is a Record at all (every backend refuses the same way)."""
    from extractor.errors import BackendError

    rid = record.get("id") if isinstance(record, dict) else None
    if not isinstance(rid, str) or not rid or not isinstance(record.get("text"), str):
        raise BackendError(f"record {rid or '?'}", "has no string 'id' and 'text'",
                           "index Records made by `dastur extract` (DESIGN.md, 'The Record')")
    return rid


@runtime_checkable
class Backend(Protocol):
    name: str

    def upsert(self, record: dict[str, Any]) -> str:
        """Store or replace one record; returns "created", "updated" or "unchanged".
        Tracking state of the record's directives is never reset."""

    def upsert_many(self, records: Iterable[dict[str, Any]]) -> dict[str, int]: ...

    def get(self, record_id: str) -> dict[str, Any] | None: ...

    def delete(self, record_id: str) -> bool: ...

    def count(self) -> int: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def iter_records(self) -> Iterator[dict[str, Any]]: ...

    # directive tracking
    def list_directives(self, query: DirectiveQuery) -> list[dict[str, Any]]: ...

    def get_directive(self, directive_id: str) -> dict[str, Any] | None: ...

    def update_directive(self, directive_id: str, changes: dict[str, Any], who: str,
                         expected_version: int | None = None) -> dict[str, Any]: ...

    def directive_history(self, directive_id: str) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...
