"""The Elasticsearch side of the schema: index names, templates, the Persian analysis chain, and documents.

Three kinds of index, each versioned behind an alias, each made from an
index template (``dastur-documents-v1`` behind ``dastur-documents``):

- ``documents``: one per Record, ``_id`` = record id;
- ``directives``: one per action item with its tracking state, ``_id`` = directive id;
- ``audit``: one per change a person (or the ingester) made to a directive.

Every text field exists twice. The ORIGINAL text goes through the Persian
chain of DESIGN.md (it ranks and highlights); the FOLDED text
(``extractor.normalize.fold``, cut into tokens the way ``indexer.snippets``
cuts queries) decides what matches. osmem ignores the normalization filters,
and the embedded backend matches on folded text: matching on the folded copy
gives the same hits on both backends and on every server.

To change a mapping, bump MAPPING_VERSION and run ``dastur reindex``.
Everything here is pure: dicts in, dicts out.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from extractor.normalize import fold

from . import tracking
from .base import FACET_FIELDS
from .record_fields import canonical_sha256, facet_rows, published_iso
from .snippets import TOKEN

MAPPING_VERSION = 2  # 2: duplicate_of (a republished release counts once)
KINDS = ("documents", "directives", "audit")
TEMPLATE_PRIORITY = 200  # above the built-in templates (priority 100) so ours wins on its names
ZWNJ = "\u200c"

# --- names ----------------------------------------------------------------------


def alias(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}"


def index_name(prefix: str, kind: str, generation: int) -> str:
    return f"{prefix}-{kind}-v{generation}"


def generation(index: str) -> int:
    """``dastur-documents-v3`` → 3; 0 for a name that is not versioned."""
    m = re.search(r"-v(\d+)$", index)
    return int(m.group(1)) if m else 0


def swap_actions(prefix: str, current: dict[str, str | None], new: dict[str, str]) -> list[dict[str, Any]]:
    """One ``_aliases`` body that moves every alias to its new index at once: readers never see a gap."""
    actions: list[dict[str, Any]] = []
    for kind, index in new.items():
        name = alias(prefix, kind)
        if current.get(kind):
            actions.append({"remove": {"index": current[kind], "alias": name}})
        actions.append({"add": {"index": index, "alias": name}})
    return actions


# --- analysis -------------------------------------------------------------------


def analysis(stem: bool) -> dict[str, Any]:
    """The Persian chain of Elasticsearch's own ``persian`` analyzer, built from standard parts,
    plus ``dastur_folded`` for text that is already folded and cut into tokens."""
    filters = ["lowercase", "decimal_digit", "arabic_normalization", "persian_normalization", "dastur_persian_stop"]
    if stem:
        filters.append("persian_stem")  # only where the server has it: detected at connect
    return {
        "char_filter": {"dastur_zwnj": {"type": "pattern_replace", "pattern": ZWNJ, "replacement": " "}},
        "filter": {"dastur_persian_stop": {"type": "stop", "stopwords": "_persian_"}},
        "analyzer": {
            "dastur_persian": {"type": "custom", "char_filter": ["dastur_zwnj"], "tokenizer": "standard",
                               "filter": filters},
            "dastur_folded": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
        },
    }


KEYWORD = {"type": "keyword"}
STORED = {"type": "keyword", "index": False, "doc_values": False}  # in _source only
STORED_TEXT = {"type": "text", "index": False}
OPAQUE = {"type": "object", "enabled": False}  # kept as JSON, never parsed
PERSIAN = {"type": "text", "analyzer": "dastur_persian"}
HIGHLIGHTED = {**PERSIAN, "index_options": "offsets"}  # offsets: fast highlights of long texts
# Values of one field are kept apart, so a filter phrase never spans two of them.
FOLDED = {"type": "text", "analyzer": "dastur_folded", "position_increment_gap": 100}
DATE = {"type": "date"}
DAY = {"type": "date", "format": "strict_date"}
LONG = {"type": "long"}

_PROPERTIES: dict[str, dict[str, Any]] = {
    "documents": {
        "id": KEYWORD, "record": OPAQUE, "title": PERSIAN, "lead": HIGHLIGHTED, "text": HIGHLIGHTED,
        "title_folded": FOLDED, "body_folded": FOLDED, "published": DAY,
        "facets": {"properties": {f: KEYWORD for f in FACET_FIELDS}},  # display values, counted
        "filters": {"properties": {f: FOLDED for f in FACET_FIELDS}},  # folded values, matched
        "sha256": STORED, "directive_ids": STORED, "duplicate_of": KEYWORD,
        "ingested": LONG, "touched": LONG, "created_at": DATE, "updated_at": DATE,
    },
    "directives": {
        "id": KEYWORD, "record_id": KEYWORD, "record_title": STORED, "text": PERSIAN,
        "span": {"type": "integer", "index": False}, "issuer": KEYWORD, "actor": KEYWORD, "topics": KEYWORD,
        "deadline": OPAQUE, "status": KEYWORD, "owner": KEYWORD, "due": DAY, "notes": OPAQUE, "evidence": OPAQUE,
        "version": {"type": "integer"}, "orphaned": {"type": "boolean"}, "created_at": DATE, "updated_at": DATE,
        "issuer_folded": FOLDED, "owner_folded": FOLDED, "topics_folded": KEYWORD,
        "has_topics": {"type": "boolean"}, "record_places": FOLDED, "record_topics": FOLDED,
        "pending_audit": OPAQUE, "touched": LONG,
    },
    "audit": {
        "directive_id": KEYWORD, "at": DATE, "who": KEYWORD, "field": KEYWORD, "old": STORED_TEXT,
        "new": STORED_TEXT, "version": {"type": "integer"}, "n": {"type": "integer"}, "touched": LONG,
    },
}


def mappings(kind: str) -> dict[str, Any]:
    return {"dynamic": "strict", "_meta": {"dastur_mapping": MAPPING_VERSION},
            "properties": _PROPERTIES[kind]}


def template_meta(stem: bool) -> dict[str, Any]:
    return {"dastur_mapping": MAPPING_VERSION, "persian_stem": stem}


def index_template(prefix: str, kind: str, *, stem: bool, shards: int | None = None,
                   replicas: int | None = None) -> dict[str, Any]:
    """The body of ``PUT _index_template/{prefix}-{kind}``: every ``{prefix}-{kind}-v*`` index is made from it."""
    settings: dict[str, Any] = {"analysis": analysis(stem)}
    if shards:
        settings["number_of_shards"] = shards
    if replicas is not None:
        settings["number_of_replicas"] = replicas
    return {"index_patterns": [f"{alias(prefix, kind)}-v*"], "priority": TEMPLATE_PRIORITY,
            "template": {"settings": settings, "mappings": mappings(kind)}, "_meta": template_meta(stem)}


# --- documents ------------------------------------------------------------------


def fold_tokens(text: str | None) -> str:
    """Folded text as the tokens ``indexer.snippets.query_terms`` makes of a query, space-separated."""
    return " ".join(TOKEN.findall(fold(text or "")))


def record_doc(record: dict[str, Any], *, directive_ids: list[str], ingested: int, created_at: str,
               now: str, now_ns: int) -> dict[str, Any]:
    """The documents-index source of a Record."""
    facets: dict[str, list[str]] = {f: [] for f in FACET_FIELDS}
    filters: dict[str, list[str]] = {f: [] for f in FACET_FIELDS}
    for field, value, folded, in_facets in facet_rows(record):
        filters[field].append(folded)
        if in_facets:
            facets[field].append(value)
    body = "\n".join(t for t in (record.get("lead"), record.get("text")) if t)
    return {
        "id": record["id"], "record": record,
        "title": record.get("title") or "", "lead": record.get("lead") or "", "text": record.get("text") or "",
        "title_folded": fold_tokens(record.get("title")), "body_folded": fold_tokens(body),
        "published": _day(published_iso(record)), "facets": facets, "filters": filters,
        "sha256": canonical_sha256(record), "directive_ids": directive_ids,
        "duplicate_of": ((record.get("source") or {}).get("metadata") or {}).get("duplicate_of"),
        "ingested": ingested, "touched": now_ns, "created_at": created_at, "updated_at": now,
    }


def _day(value: str | None) -> str | None:
    """An ISO day the date field accepts; an impossible one («2023-02-31») is no date at all, rather
    than a record the cluster refuses."""
    try:
        return dt.date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def record_context(record: dict[str, Any]) -> dict[str, Any]:
    """What directives copy from their record: its title, places and topics (folded, for filters)."""
    rows = facet_rows(record)
    return {"record_title": record.get("title"),
            "record_places": [f for field, _, f, _ in rows if field == "place"],
            "record_topics": [f for field, _, f, _ in rows if field == "topic"]}


def extracted_doc(item: dict[str, Any], record: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """What the extractor says about a directive, refreshed on every ingest (``tracking.extracted_fields``)."""
    ext = tracking.extracted_fields(item, record)
    return {**ext, **context, "issuer_folded": fold(ext["issuer"] or ""),
            "topics_folded": [fold(t) for t in ext["topics"]], "has_topics": bool(ext["topics"])}


def new_directive(did: str, item: dict[str, Any], extracted: dict[str, Any], now: str,
                  now_ns: int) -> dict[str, Any]:
    state = tracking.initial_state(item)
    return {"id": did, **extracted, **state, "owner_folded": fold(state["owner"] or ""), "orphaned": False,
            "created_at": now, "updated_at": now, "pending_audit": [], "touched": now_ns}


def audit_rows(did: str, version: int, at: str, who: str, changes: list[tuple[str, Any, Any]],
               now_ns: int) -> list[dict[str, Any]]:
    """Audit documents for one write of a directive; ``(version, n)`` orders them and makes their ids."""
    return [{"directive_id": did, "at": at, "who": who, "field": field, "old": _text(old), "new": _text(new),
             "version": version, "n": n, "touched": now_ns} for n, (field, old, new) in enumerate(changes)]


def audit_id(row: dict[str, Any]) -> str:
    return f"{row['directive_id']}:{row['version']}:{row['n']}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


DIRECTIVE_KEYS = ("id", "record_id", "record_title", "text", "span", "issuer", "actor", "topics", "deadline",
                  "status", "owner", "due", "notes", "evidence", "version", "created_at", "updated_at")


def directive_view(source: dict[str, Any], overdue: bool) -> dict[str, Any]:
    """The directive dict every backend returns (same keys as the embedded one)."""
    d = {k: source.get(k) for k in DIRECTIVE_KEYS}
    d["orphaned"] = bool(source.get("orphaned"))
    d["overdue"] = overdue
    return d


AUDIT_KEYS = ("directive_id", "at", "who", "field", "old", "new")
