"""Fields every backend derives from a Record the same way: content hash, date, facet values.

Shared by the embedded and the Elasticsearch backends so that both answer
"unchanged", date filters and facets identically.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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
        add("place", p.get("name"))
    for t in record.get("topics") or []:
        add("topic", t)
    return [(f, v, folded, n) for (f, folded), (v, n) in found.items()]
