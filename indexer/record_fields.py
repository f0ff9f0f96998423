"""Fields every backend derives from a Record the same way: content hash, date, facet values.

Shared by the embedded and the Elasticsearch backends so that both answer
"unchanged", date filters and facets identically.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from extractor.entities import canonical_place
from extractor.lexicon import joined_variant
from extractor.normalize import fold

from . import tracking


def canonical_sha256(record: dict[str, Any]) -> str:
    """Hash of the canonical JSON: equal for equal records, whatever their key order."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def published_iso(record: dict[str, Any]) -> str | None:
    pub = record.get("published") or {}
    return pub.get("gregorian") or tracking.jalali_to_iso(pub.get("jalali"), end_of_month=False)


def facet_rows(record: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(field, value, folded, in_facets), one per distinct folded value of a field."""
    found: dict[tuple[str, str], tuple[str, int]] = {}

    def add(field: str, value: Any, in_facets: int = 1) -> None:
        if not value or not isinstance(value, str):
            return
        key = (field, fold(value))
        if key[1] and (key not in found or in_facets > found[key][1]):
            found[key] = (value, in_facets)

    for o in record.get("officials") or []:
        add("official", o.get("name"))
        add("organization", o.get("organization"))
    for o in record.get("organizations") or []:
        add("organization", o.get("name"))
    add("organization", record.get("agency"), in_facets=0)
    for p in record.get("places") or []:
        # Places are named as written; the facet counts them under the gazetteer's name, and a filter
        # finds them by either spelling («آذربایجان غربی», «آذربایجانغربی»).
        written = p.get("name")
        canonical = (canonical_place(written) if isinstance(written, str) else None) or written
        add("place", canonical)
        add("place", written, in_facets=0)
        add("place", joined_variant(canonical) if isinstance(canonical, str) else None, in_facets=0)
    for t in record.get("topics") or []:
        add("topic", t)
    return [(f, v, folded, n) for (f, folded), (v, n) in found.items()]
