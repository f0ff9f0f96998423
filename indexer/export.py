"""Export records or directives as JSON Lines or as a CSV that Excel opens with Persian intact.

- JSONL: one object per line, UTF-8, Persian as is (``ensure_ascii=False``):
  records in the Record format, directives as ``list_directives`` returns them.
- CSV: UTF-8 **with a BOM** (Excel reads BOM-less CSV as the ANSI code page
  and garbles Persian), CRLF line ends, one row per record or per directive,
  the key fields flattened (lists joined with « ؛ »). Dates come both as
  Jalali and as ISO. A cell that starts with ``= + - @`` gets a leading
  apostrophe, so Excel never runs it as a formula (CSV injection).

Example:
    with open("directives.csv", "w", encoding="utf-8-sig", newline="") as out:
        export(backend, out, fmt="csv", what="directives")
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from extractor.jalali import to_jalali

from .report import iter_directives

FORMATS = ("jsonl", "csv")
WHATS = ("records", "directives")
JOIN = " ؛ "  # Persian semicolon between list items in one cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

RECORD_COLUMNS = ("id", "title", "published_jalali", "published_gregorian", "agency", "officials",
                  "organizations", "places", "topics", "priorities", "action_items", "source_kind",
                  "source_url", "source_path", "lead")
DIRECTIVE_COLUMNS = ("id", "record_id", "record_title", "text", "issuer", "actor", "owner", "status", "overdue",
                     "due_jalali", "due", "deadline_text", "topics", "notes", "evidence", "version",
                     "orphaned", "created_at", "updated_at")


def jalali_of(iso: str | None) -> str:
    """«1402-05-12» for the ISO date «2023-08-03»; empty when there is no date or it cannot be read."""
    if not iso:
        return ""
    try:
        return to_jalali(dt.date.fromisoformat(str(iso)[:10]))
    except ValueError:
        return ""


def _names(items: Any, key: str = "name") -> str:
    return JOIN.join(str(i.get(key)) for i in items or [] if isinstance(i, dict) and i.get(key))


def record_row(rec: dict[str, Any]) -> dict[str, Any]:
    pub = rec.get("published") or {}
    src = rec.get("source") or {}
    return {
        "id": rec.get("id"), "title": rec.get("title"),
        "published_jalali": pub.get("jalali") or jalali_of(pub.get("gregorian")),
        "published_gregorian": pub.get("gregorian"), "agency": rec.get("agency"),
        "officials": _names(rec.get("officials")), "organizations": _names(rec.get("organizations")),
        "places": _names(rec.get("places")), "topics": JOIN.join(rec.get("topics") or []),
        "priorities": len(rec.get("priorities") or []), "action_items": len(rec.get("action_items") or []),
        "source_kind": src.get("kind"), "source_url": src.get("url"), "source_path": src.get("path"),
        "lead": rec.get("lead"),
    }


def directive_row(d: dict[str, Any]) -> dict[str, Any]:
    deadline = d.get("deadline") or {}
    return {
        **{k: d.get(k) for k in ("id", "record_id", "record_title", "text", "issuer", "actor", "owner",
                                 "status", "due", "version", "created_at", "updated_at")},
        "overdue": "yes" if d.get("overdue") else "", "orphaned": "yes" if d.get("orphaned") else "",
        "due_jalali": jalali_of(d.get("due")),
        "deadline_text": deadline.get("text") if isinstance(deadline, dict) else None,
        "topics": JOIN.join(d.get("topics") or []),
        "notes": JOIN.join(f"{n.get('text')} ({n.get('who')})" for n in d.get("notes") or []),
        "evidence": JOIN.join(str(e.get("url")) for e in d.get("evidence") or []),
    }


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def items(backend: Any, what: str) -> Iterator[dict[str, Any]]:
    if what == "records":
        return backend.iter_records()
    if what == "directives":
        return iter_directives(backend)
    raise ValueError(f"cannot export {what!r}; use one of {', '.join(WHATS)}")


def export(backend: Any, out: TextIO, *, fmt: str = "jsonl", what: str = "records") -> int:
    """Write every record (or directive) to ``out``; returns how many.

    ``out`` is a text stream opened with ``newline=""``. For CSV the BOM is the caller's: open the
    file with ``encoding="utf-8-sig"``, or write ``BOM`` first to a stream that is already open.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    rows = items(backend, what)
    n = 0
    if fmt == "jsonl":
        for item in rows:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            n += 1
        return n
    columns, flatten = _CSV[what]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for item in rows:
        writer.writerow({k: safe_cell(v) for k, v in flatten(item).items()})
        n += 1
    return n


_CSV: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "records": (RECORD_COLUMNS, record_row), "directives": (DIRECTIVE_COLUMNS, directive_row)}

BOM = "\ufeff"

__all__ = ["BOM", "DIRECTIVE_COLUMNS", "FORMATS", "RECORD_COLUMNS", "WHATS", "export", "jalali_of"]
