"""SearchQuery and DirectiveQuery as SQL for the embedded backend: pure functions, no connection.

Like sqlite-utils' ``search_sql()``, the SQL is built here and run in
``sqlite.py``, so tests can assert on what a query becomes.

User text never reaches FTS5's query language: every term is a quoted
string (``"…"``, inner quotes doubled), terms are ANDed, and only a ``*``
at the end of a word survives, as a prefix search. So ``"``, ``(``, ``OR``
or ``NEAR`` typed by a user are searched as words or dropped, and never
raise a syntax error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from extractor.normalize import fold, normalize

from . import tracking
from .base import DirectiveQuery, SearchQuery
from .dedup import canonical_only_sql
from .snippets import Term

TITLE_WEIGHT = 5.0  # bm25 column weights: a word in the title counts five times one in the body
BODY_WEIGHT = 1.0
SCORE = f"bm25(records_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})"
FACET_TOP = 10

# SearchQuery attribute → facet_values.field it filters on. «org» also finds officials'
# organizations (counted as organizations) and the agency (a filter-only row, in_facets = 0).
FILTER_FIELDS = {"official": "official", "org": "organization", "place": "place", "topic": "topic"}


@dataclass(frozen=True)
class SQL:
    text: str
    params: tuple[Any, ...]


@dataclass(frozen=True)
class SearchSQL:
    page: SQL  # rows: doc, score, best first; the caller reads those records
    count: SQL  # one row: total
    facets: SQL | None  # rows: field, value, count; top values per field are cut in Python


def fold_value(value: str) -> str:
    """Filter values and facet values are compared folded, like the text."""
    return fold(normalize(value))


def quote_term(term: Term) -> str:
    phrase = " ".join(t.replace('"', '""') for t in term.tokens)
    return f'"{phrase}"' + ("*" if term.prefix else "")


def match_expression(terms: list[Term]) -> str | None:
    """The FTS5 MATCH string: every term quoted, all of them required. None when nothing is searchable."""
    return " AND ".join(quote_term(t) for t in terms) or None


def docs_with(field: str, value: str) -> SQL:
    """Docs having a value of ``field`` equal to ``value`` folded, or holding it as whole tokens
    («پاک سرشت» in «سلیمان پاک سرشت», not «کرمان» in «کرمانشاه»)."""
    folded = fold_value(value)
    return SQL("SELECT f.doc FROM facet_values v JOIN facets f ON f.vid = v.vid WHERE v.field = ? AND "
               "(v.folded = ? OR instr(' ' || v.folded || ' ', ?) > 0)", (field, folded, f" {folded} "))


def facet_clause(field: str, value: str) -> SQL:
    docs = docs_with(field, value)
    return SQL(f"r.doc IN ({docs.text})", docs.params)


def filter_clauses(q: SearchQuery) -> list[SQL]:
    clauses = [facet_clause(field, getattr(q, attr))
               for attr, field in FILTER_FIELDS.items() if getattr(q, attr)]
    if q.since:
        clauses.append(SQL("r.published_gregorian >= ?", (q.since.isoformat(),)))
    if q.until:
        clauses.append(SQL("r.published_gregorian <= ?", (q.until.isoformat(),)))
    return clauses


def _where(match: str | None, clauses: list[SQL]) -> SQL:
    parts = (["records_fts MATCH ?"] if match else []) + [c.text for c in clauses]
    params = ((match,) if match else ()) + tuple(p for c in clauses for p in c.params)
    return SQL(" WHERE " + " AND ".join(parts) if parts else "", params)


def search_sql(q: SearchQuery, terms: list[Term]) -> SearchSQL:
    """The page, count and facet queries for ``q``. With no searchable terms, records are listed by date.

    Relevance ties go to the newest ingested record (the higher doc number), so that a
    query without filters is answered from the FTS index alone, never visiting
    ``records``; the page's JSON is read afterwards, for the page only.
    """
    match = match_expression(terms)
    clauses = filter_clauses(q)
    by_date = not match or q.sort == "date"
    fts_only = bool(match) and not clauses and not by_date  # filters and dates live in records
    if not match:
        source, doc, score = "records r", "r.doc", "0.0"
    elif fts_only:
        source, doc, score = "records_fts", "records_fts.rowid", SCORE
    else:
        source, doc, score = "records_fts JOIN records r ON r.doc = records_fts.rowid", "r.doc", SCORE
    order = f"r.published_gregorian DESC NULLS LAST, {doc} DESC" if by_date else f"score, {doc} DESC"
    originals = SQL(canonical_only_sql(doc), ())  # a republished copy counts once, as its original
    clauses = [*clauses, originals]
    where = _where(match, clauses)
    page = SQL(f"SELECT {doc} AS doc, {score} AS score FROM {source}{where.text} "
               f"ORDER BY {order} LIMIT ? OFFSET ?", (*where.params, max(q.limit, 0), max(q.offset, 0)))
    count = SQL(f"SELECT count(*) FROM {source}{where.text}", where.params)
    facets = None
    if q.facets:
        fw = _where(match, [*clauses, SQL("f.in_facets = 1", ())])
        facets = SQL(f"SELECT v.field, v.value, c.n FROM (SELECT f.vid AS vid, count(*) AS n FROM {source} "
                     f"JOIN facets f ON f.doc = {doc}{fw.text} GROUP BY f.vid) c "
                     "JOIN facet_values v ON v.vid = c.vid ORDER BY v.field, c.n DESC, v.folded", fw.params)
    return SearchSQL(page, count, facets)


def top_facets(rows: list[tuple[str, str, int]], fields: tuple[str, ...]) -> dict[str, list[tuple[str, int]]]:
    """Rows come ordered by field and count; keep the first FACET_TOP of each field."""
    out: dict[str, list[tuple[str, int]]] = {f: [] for f in fields}
    for field, value, n in rows:
        bucket = out.setdefault(field, [])
        if len(bucket) < FACET_TOP:
            bucket.append((value, n))
    return out


def directive_filters(q: DirectiveQuery, today: dt.date) -> tuple[list[str], list[Any]]:
    """WHERE clauses for a DirectiveQuery. Names (owner, issuer, place) match folded whole tokens."""
    where: list[str] = []
    params: list[Any] = []

    def tokens_in(column: str, value: str) -> None:
        where.append(f"instr(' ' || dastur_fold({column}) || ' ', ?) > 0")
        params.append(f" {fold_value(value)} ")

    if q.status and q.status != "overdue":
        where.append("d.status = ?")
        params.append(tracking.validate_status(q.status))
    if q.overdue or q.status == "overdue":
        where.append(f"d.due < ? AND d.status NOT IN {tracking.CLOSED_STATUSES!r}")
        params.append(today.isoformat())
    if q.owner:
        tokens_in("d.owner", q.owner)
    if q.official:
        tokens_in("d.issuer", q.official)
    if q.place:
        docs = docs_with("place", q.place)
        where.append(f"d.record_id IN (SELECT id FROM records WHERE doc IN ({docs.text}))")
        params += docs.params
    if q.topic:  # the action item's own topics; the record's when the item has none
        docs = docs_with("topic", q.topic)
        where.append("(EXISTS (SELECT 1 FROM json_each(d.topics) WHERE dastur_fold(value) = ?) OR "
                     "(json_array_length(d.topics) = 0 AND d.record_id IN "
                     f"(SELECT id FROM records WHERE doc IN ({docs.text}))))")
        params += [fold_value(q.topic), *docs.params]
    if q.since:
        where.append("d.due >= ?")
        params.append(q.since.isoformat())
    if q.until:
        where.append("d.due <= ?")
        params.append(q.until.isoformat())
    return where, params
