"""SearchQuery and DirectiveQuery as Elasticsearch request bodies: pure functions, no client.

Like ``sqlite_query.py`` for the embedded backend, every body is built here
and sent in ``elastic.py``, so tests assert on the dicts. The semantics are
the embedded backend's:

- a query is cut into terms by ``indexer.snippets.query_terms``; every term
  must match the folded title or body, as a phrase of its tokens, or as a
  prefix when it ends in ``*``; the title weighs TITLE_WEIGHT times the body;
- filters (official, organization, place, topic) match a folded value whole
  or as a run of whole tokens («پاک سرشت» in «سلیمان پاک سرشت», not
  «کرمان» in «کرمانشاه»);
- without terms, records are listed newest first, undated last.

User text never reaches a query language: terms become ``match_phrase`` /
``prefix`` clauses, never ``query_string``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import html
import json
import re
from typing import Any

from extractor.errors import BackendError
from extractor.normalize import fold, normalize

from . import tracking
from .base import FACET_FIELDS, DirectiveQuery, SearchQuery
from .snippets import TOKEN, Term

TITLE_WEIGHT = 5.0  # as in the embedded backend: a word in the title counts five times one in the body
FACET_TOP = 10
FACET_FETCH = 3 * FACET_TOP  # buckets asked per facet: variants of one folded value are merged afterwards
PREFIX_EXPANSIONS = 1000  # match_phrase_prefix's last-token expansions (its default of 50 loses hits)
FRAGMENT_CHARS = 240  # about SNIPPET_WORDS (30) Persian words
MAX_WINDOW = 10_000  # index.max_result_window: from + size beyond it needs the cursor
FILTER_FIELDS = {"official": "official", "org": "organization", "place": "place", "topic": "topic"}
DOCUMENT_SOURCE_EXCLUDES = ["title_folded", "body_folded", "filters", "facets", "title", "lead", "text"]


def fold_value(value: str) -> str:
    """Filter values are compared folded, like the text (same as ``sqlite_query.fold_value``)."""
    return fold(normalize(value))


# --- full text ---------------------------------------------------------------------


def term_clause(term: Term, field: str, boost: float = 1.0) -> dict[str, Any]:
    """One term on one folded field: its tokens as a phrase, the last one a prefix when it ends in ``*``."""
    text = " ".join(term.tokens)
    if term.prefix and len(term.tokens) == 1:
        return {"prefix": {field: {"value": text, "boost": boost}}}
    if term.prefix:
        return {"match_phrase_prefix": {field: {"query": text, "boost": boost,
                                                "max_expansions": PREFIX_EXPANSIONS}}}
    return {"match_phrase": {field: {"query": text, "boost": boost}}}


def text_clause(term: Term) -> dict[str, Any]:
    """The term in the title or in the body (lead and text)."""
    return {"bool": {"should": [term_clause(term, "title_folded", TITLE_WEIGHT), term_clause(term, "body_folded")],
                     "minimum_should_match": 1}}


def filter_clauses(q: SearchQuery) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    for attr, field in FILTER_FIELDS.items():
        value = getattr(q, attr)
        if value:
            clauses.append({"match_phrase": {f"filters.{field}": fold_value(value)}})
    if q.since or q.until:
        clauses.append(date_range("published", q.since, q.until))
    return clauses


def sort_clause(q: SearchQuery, has_terms: bool) -> list[Any]:
    """By relevance when there are terms and the user wants it, else newest published first (undated
    last); ties go to the newest ingested, as in the embedded backend. ``id`` last makes every
    sort total, as ``search_after`` needs."""
    newest = [{"ingested": {"order": "desc"}}, {"id": {"order": "desc"}}]
    if has_terms and q.sort != "date":
        return ["_score", *newest]
    return [{"published": {"order": "desc", "missing": "_last"}}, *newest]


def facet_aggs() -> dict[str, Any]:
    return {f: {"terms": {"field": f"facets.{f}", "size": FACET_FETCH,
                          "order": [{"_count": "desc"}, {"_key": "asc"}]}} for f in FACET_FIELDS}


def highlight_spec(terms: list[Term]) -> dict[str, Any]:
    """Server highlights of the ORIGINAL lead and text; ``server_snippet`` checks them before use."""
    words = " ".join(t for term in terms for t in term.tokens)
    fields = {f: {"highlight_query": {"match": {f: {"query": words}}}} for f in ("lead", "text")}
    return {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html", "number_of_fragments": 1,
            "fragment_size": FRAGMENT_CHARS, "no_match_size": 0, "fields": fields}


def search_body(q: SearchQuery, terms: list[Term], *, search_after: list[Any] | None = None,
                stem: bool = False, highlight: bool = True) -> dict[str, Any]:
    """The body of one ``_search`` for ``q``: page, exact total, facets and highlights together."""
    query: dict[str, Any] = {"bool": {}}
    if terms:
        query["bool"]["must"] = [text_clause(t) for t in terms]
        if stem:  # ranks stem matches higher; the folded clauses above alone decide what matches
            words = " ".join(t for term in terms for t in term.tokens)
            query["bool"]["should"] = [{"multi_match": {"query": words, "fields": [f"title^{TITLE_WEIGHT}",
                                                                                  "lead", "text"]}}]
    filters = filter_clauses(q)
    if filters:
        query["bool"]["filter"] = filters
    # A release republished by another office (linked by the backfill) counts once, as its original.
    query["bool"]["must_not"] = [{"exists": {"field": "duplicate_of"}}]
    body: dict[str, Any] = {"query": query, "sort": sort_clause(q, bool(terms)), "size": max(q.limit, 0),
                            "track_total_hits": True, "_source": {"excludes": DOCUMENT_SOURCE_EXCLUDES}}
    if search_after is not None:
        body["search_after"] = search_after
    else:
        body["from"] = max(q.offset, 0)
    if terms:
        body["track_scores"] = True  # scores even when sorted by date, as the embedded backend gives them
        if highlight:
            body["highlight"] = highlight_spec(terms)
    if q.facets:
        body["aggs"] = facet_aggs()
    return body


def merge_facets(aggregations: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """Buckets of display values → top FACET_TOP per field, variants that fold alike counted as one.

    A record holds each folded value once, so the counts of variants add up exactly.
    The variant with the most records is shown.
    """
    out: dict[str, list[tuple[str, int]]] = {}
    for field in FACET_FIELDS:
        merged: dict[str, list[Any]] = {}
        for bucket in (aggregations.get(field) or {}).get("buckets", []):
            key = fold(str(bucket["key"]))
            if key in merged:
                merged[key][1] += int(bucket["doc_count"])
            else:
                merged[key] = [str(bucket["key"]), int(bucket["doc_count"])]
        ranked = sorted(merged.items(), key=lambda kv: (-kv[1][1], kv[0]))
        out[field] = [(value, n) for _, (value, n) in ranked[:FACET_TOP]]
    return out


# --- cursors --------------------------------------------------------------------------


def encode_cursor(sort_values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error) as e:
        raise BackendError(f"cursor {cursor[:20]!r}", "is not a cursor of this search",
                           "start again without a cursor") from e
    if not isinstance(values, list):
        raise BackendError(f"cursor {cursor[:20]!r}", "is not a cursor of this search",
                           "start again without a cursor")
    return values


# --- snippets from server highlights ------------------------------------------------------

_MARKED = re.compile(r"<mark>(.*?)</mark>", re.S)
_ZWNJ_JOIN = re.compile("</mark>(\u200c)<mark>")


def _pieces(fragment: str) -> list[tuple[str, bool]]:
    """(text, marked) pieces of a highlighter fragment, HTML-unescaped; marks split by ZWNJ are joined."""
    fragment = _ZWNJ_JOIN.sub(r"\1", fragment)
    pieces, last = [], 0
    for m in _MARKED.finditer(fragment):
        pieces.append((html.unescape(fragment[last:m.start()]), False))
        pieces.append((html.unescape(m.group(1)), True))
        last = m.end()
    pieces.append((html.unescape(fragment[last:]), False))
    return [(t, marked) for t, marked in pieces if t]


def server_snippet(fragments: dict[str, list[str]], texts: dict[str, str | None], terms: list[Term]) -> str | None:
    """A snippet from the server's highlights, or None when they cannot be trusted.

    A fragment is used only when it is a piece of the stored text, and every
    marked run starts a word and folds to words that start with a query token.
    (osmem's highlighter marks byte ranges in Persian text, so it fails this
    check, and the caller falls back to ``indexer.snippets``.)
    """
    keys = tuple(sorted({t for term in terms for t in term.tokens}))
    best: tuple[int, str] | None = None
    for field, frags in fragments.items():
        source = texts.get(field) or ""
        for frag in frags[:1]:
            pieces = _pieces(frag)
            plain = "".join(t for t, _ in pieces)
            start = source.find(plain)
            if not keys or not plain or start < 0:
                continue
            ok, offset, marks = True, start, 0
            for text, marked in pieces:
                if marked:
                    before = source[offset - 1] if offset > 0 else " "
                    tokens = TOKEN.findall(fold(text))
                    if before.isalnum() or not tokens or not all(t.startswith(keys) for t in tokens):
                        ok = False
                        break
                    marks += 1
                offset += len(text)
            if not ok or not marks:
                continue
            rendered = "".join(f"<mark>{html.escape(t)}</mark>" if m else html.escape(t) for t, m in pieces)
            snippet = ("… " if start > 0 else "") + rendered.strip() + (
                " …" if start + len(plain) < len(source.rstrip()) else "")
            if best is None or marks > best[0]:
                best = (marks, snippet)
    return best[1] if best else None


# --- directives -------------------------------------------------------------------------


def directive_filters(q: DirectiveQuery, today: dt.date) -> list[dict[str, Any]]:
    """The embedded backend's directive filters, on the directives index."""
    clauses: list[dict[str, Any]] = []
    if q.status and q.status != "overdue":
        clauses.append({"term": {"status": tracking.validate_status(q.status)}})
    if q.overdue or q.status == "overdue":
        clauses.append({"range": {"due": {"lt": today.isoformat()}}})
        clauses.append({"bool": {"must_not": [{"terms": {"status": list(tracking.CLOSED_STATUSES)}}]}})
    if q.owner:
        clauses.append({"match_phrase": {"owner_folded": fold_value(q.owner)}})
    if q.official:
        clauses.append({"match_phrase": {"issuer_folded": fold_value(q.official)}})
    if q.place:
        clauses.append({"match_phrase": {"record_places": fold_value(q.place)}})
    if q.topic:  # the action item's own topics; the record's when the item has none
        topic = fold_value(q.topic)
        clauses.append({"bool": {"should": [
            {"term": {"topics_folded": topic}},
            {"bool": {"filter": [{"term": {"has_topics": False}}, {"match_phrase": {"record_topics": topic}}]}},
        ], "minimum_should_match": 1}})
    if q.since or q.until:
        clauses.append(date_range("due", q.since, q.until))
    return clauses


def date_range(field: str, since: Any, until: Any) -> dict[str, Any]:
    """A range filter on a date field, open at either end."""
    bounds = {}
    if since:
        bounds["gte"] = since.isoformat()
    if until:
        bounds["lte"] = until.isoformat()
    return {"range": {field: bounds}}


def directives_body(q: DirectiveQuery, today: dt.date) -> dict[str, Any]:
    """By due date (undated last), then by creation, then id: the embedded backend's order."""
    filters = directive_filters(q, today)
    return {"query": {"bool": {"filter": filters}} if filters else {"match_all": {}},
            "sort": [{"due": {"order": "asc", "missing": "_last"}}, {"created_at": {"order": "asc"}},
                     {"id": {"order": "asc"}}],
            "from": max(q.offset, 0), "size": max(q.limit, 0), "_source": {"excludes": ["pending_audit"]}}


def history_body(directive_id: str, size: int, search_after: list[Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"query": {"term": {"directive_id": directive_id}}, "size": size,
                            "sort": [{"version": "asc"}, {"n": "asc"}]}
    if search_after:
        body["search_after"] = search_after
    return body


def records_page_body(size: int, search_after: list[Any] | None = None) -> dict[str, Any]:
    """Every record in ingestion order, a page at a time (``iter_records``)."""
    body: dict[str, Any] = {"query": {"match_all": {}}, "size": size, "_source": ["record"],
                            "sort": [{"ingested": "asc"}, {"id": "asc"}]}
    if search_after:
        body["search_after"] = search_after
    return body
