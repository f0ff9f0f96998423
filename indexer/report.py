"""Directive reports over any backend: counts by status, owner and topic, the overdue list, officials.

Everything here pages through ``Backend.list_directives``, so it works the
same on the embedded backend and on Elasticsearch.

Example:
    report = directive_report(backend)
    report["by_status"]  # {"open": 12, "in_progress": 3, "done": 5, "dropped": 0}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .base import DIRECTIVE_STATUSES, DirectiveQuery

PAGE = 500  # directives per list_directives call
NO_OWNER = "(بدون مسئول)"  # how a directive without an owner is counted
NO_TOPIC = "(بدون موضوع)"


def iter_directives(backend: Any, query: DirectiveQuery | None = None) -> Iterator[dict[str, Any]]:
    """Every directive ``query`` matches (its limit and offset are ignored), page by page."""
    q = dataclasses.replace(query or DirectiveQuery(), limit=PAGE, offset=0)
    while True:
        page = backend.list_directives(q)
        yield from page
        if len(page) < PAGE:
            return
        q = dataclasses.replace(q, offset=q.offset + PAGE)


def _ranked(counter: Counter[str]) -> list[dict[str, Any]]:
    return [{"value": v, "count": n} for v, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def directive_report(backend: Any, query: DirectiveQuery | None = None,
                     today: dt.date | None = None) -> dict[str, Any]:
    """Counts by status, owner and topic, and the overdue directives (oldest due first)."""
    today = today or dt.date.today()
    q = dataclasses.replace(query or DirectiveQuery(), today=today)
    by_status: Counter[str] = Counter({s: 0 for s in DIRECTIVE_STATUSES})
    by_owner: Counter[str] = Counter()
    by_topic: Counter[str] = Counter()
    overdue: list[dict[str, Any]] = []
    total = 0
    for d in iter_directives(backend, q):
        total += 1
        by_status[d["status"]] += 1
        by_owner[d.get("owner") or NO_OWNER] += 1
        for topic in d.get("topics") or [NO_TOPIC]:
            by_topic[topic] += 1
        if d.get("overdue"):
            overdue.append(d)
    overdue.sort(key=lambda d: (d.get("due") or "", d["id"]))
    return {"today": today.isoformat(), "total": total, "by_status": dict(by_status),
            "overdue_count": len(overdue), "by_owner": _ranked(by_owner), "by_topic": _ranked(by_topic),
            "overdue": overdue}


def officials_summary(backend: Any, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Officials who issued directives, with counts per status and overdue, most directives first.

    Directives whose issuer the extractor could not name are left out."""
    today = today or dt.date.today()
    rows: dict[str, dict[str, Any]] = {}
    for d in iter_directives(backend, DirectiveQuery(today=today)):
        name = d.get("issuer")
        if not name:
            continue
        row = rows.setdefault(name, {"name": name, "directives": 0, "overdue": 0, "records": set(),
                                     "statuses": {s: 0 for s in DIRECTIVE_STATUSES}})
        row["directives"] += 1
        row["statuses"][d["status"]] += 1
        row["overdue"] += bool(d.get("overdue"))
        row["records"].add(d["record_id"])
    out = [{**r, "records": len(r["records"])} for r in rows.values()]
    return sorted(out, key=lambda r: (-r["directives"], r["name"]))


__all__ = ["directive_report", "iter_directives", "officials_summary"]
