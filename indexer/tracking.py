"""Directive tracking as pure functions: defaults, validation, overdue, and the audit diff.

A directive is one action item of a Record plus the state people attach to
it (status, owner, due date, notes, evidence). Backends store it; the rules
live here so that every backend applies them the same way:

- a new directive starts ``open``, owned by the action item's actor, due on
  the extracted deadline;
- re-ingesting a record refreshes what the extractor says (text, span, actor
  …) and never what people said (status, owner, due, notes, evidence);
- every change a person makes is one audit row per field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import jdatetime

from extractor.jalali import parse_date

from .base import DIRECTIVE_STATUSES
from .errors import InvalidChange

CLOSED_STATUSES = ("done", "dropped")  # these are never overdue
EDITABLE = ("status", "owner", "due", "note", "evidence")


def now_iso() -> str:
    """UTC, to the second, ISO 8601: what audit rows and timestamps carry."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def jalali_to_iso(jalali: str | None, *, end_of_month: bool = True) -> str | None:
    """``1402-12-00`` (day unknown) is the month's last day when ``end_of_month``: «تا پایان اسفند»."""
    if not jalali:
        return None
    try:
        y, m, d = (int(x) for x in jalali.split("-"))
        if d == 0:
            if not end_of_month:
                return None
            d = 31 if m <= 6 else 30
            while d > 28 and not _valid(y, m, d):
                d -= 1
        return jdatetime.date(y, m, d).togregorian().isoformat()
    except (ValueError, TypeError):
        return None


def _valid(y: int, m: int, d: int) -> bool:
    try:
        jdatetime.date(y, m, d)
    except ValueError:
        return False
    return True


def deadline_due(deadline: Any) -> str | None:
    """The Gregorian ISO date an extracted deadline means, if it names a calendar date."""
    if not isinstance(deadline, dict):
        return None
    if deadline.get("gregorian"):
        return str(deadline["gregorian"])
    return jalali_to_iso(deadline.get("jalali"))


def is_overdue(status: str, due: str | None, today: dt.date) -> bool:
    return bool(due) and status not in CLOSED_STATUSES and str(due) < today.isoformat()


def issuer_name(issuer: str | None, officials: list[dict[str, Any]]) -> str | None:
    """Action items name their issuer by official id («o1»); show the person's name."""
    for o in officials:
        if issuer and o.get("id") == issuer:
            return o.get("name") or issuer
    return issuer


def extracted_fields(item: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """What the extractor says about a directive: refreshed on every ingest."""
    return {
        "record_id": record["id"],
        "text": item.get("text") or "",
        "span": list(item.get("span") or []),
        "issuer": issuer_name(item.get("issuer"), record.get("officials") or []),
        "actor": item.get("actor"),
        "topics": list(item.get("topics") or []),
        "deadline": item.get("deadline"),
    }


def initial_state(item: dict[str, Any]) -> dict[str, Any]:
    """What a person may change later; set once, when the directive is first seen."""
    return {"status": "open", "owner": item.get("actor"), "due": deadline_due(item.get("deadline")),
            "notes": [], "evidence": [], "version": 1}


def directive_id(item: dict[str, Any], record_id: str, index: int) -> str:
    """Action items carry a stable id; an item without one gets the record's id and its position."""
    return str(item.get("id") or f"{record_id}:a{index}")


def validate_status(status: Any) -> str:
    if status not in DIRECTIVE_STATUSES:
        raise InvalidChange(f"status {status!r}", "is not a directive status",
                            "use one of " + ", ".join(DIRECTIVE_STATUSES))
    return str(status)


def parse_due(value: Any) -> str | None:
    """Jalali («1402/12/29», «۲۹ اسفند ۱۴۰۲») or ISO; a ``date``; or empty/None to clear."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return parse_date(str(value)).isoformat()
    except ValueError as e:
        raise InvalidChange(f"due {value!r}", "is not a date",
                            "use Jalali 1402/05/12 or ISO 2023-08-03") from e


def _owner(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _evidence(value: Any, who: str, at: str) -> dict[str, Any]:
    if isinstance(value, dict) and value.get("url"):
        return {**value, "who": who, "at": at}
    if isinstance(value, str) and value.strip():
        return {"url": value.strip(), "who": who, "at": at}
    raise InvalidChange(f"evidence {value!r}", "is not a link", "give a URL or {\"url\": …, \"title\": …}")


# The single-valued fields a person may set, each with its parser/validator.
_PARSERS: dict[str, Callable[[Any], str | None]] = {
    "status": validate_status, "owner": _owner, "due": parse_due}


def apply_changes(current: dict[str, Any], changes: dict[str, Any], who: str,
                  at: str) -> tuple[dict[str, Any], list[tuple[str, Any, Any]]]:
    """The column updates and the audit rows ``(field, old, new)`` that ``changes`` mean.

    ``current`` holds status, owner, due, notes and evidence. Setting a field to
    the value it already has changes nothing and writes no audit row.
    """
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidChange(f"field {', '.join(unknown)}", "cannot be changed",
                            "change one of " + ", ".join(EDITABLE))
    if not who or not str(who).strip():
        raise InvalidChange("who", "is empty", "say who makes the change; it goes into the audit log")
    updates: dict[str, Any] = {}
    audit: list[tuple[str, Any, Any]] = []
    for key, parse in _PARSERS.items():
        if key in changes:
            new = parse(changes[key])
            if new != current[key]:
                updates[key] = new
                audit.append((key, current[key], new))
    note = str(changes.get("note") or "").strip()
    if note:
        updates["notes"] = [*current["notes"], {"text": note, "who": who, "at": at}]
        audit.append(("note", None, note))
    if changes.get("evidence") not in (None, ""):
        link = _evidence(changes["evidence"], who, at)
        updates["evidence"] = [*current["evidence"], link]
        audit.append(("evidence", None, link["url"]))
    return updates, audit
