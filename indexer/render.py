"""Directives, their history, reports and follow-ups as readable text for the terminal.

Dates are shown in the Jalali calendar («1402/06/31»), the way the people who
track directives write them; ``--json`` output keeps ISO dates.
"""

from __future__ import annotations

from typing import Any

from .export import jalali_of

WIDTH = 90  # a directive's text is cut to this many characters in lists


def jalali(iso: str | None, empty: str = "-") -> str:
    """ISO date (or timestamp) → «1402/06/31»."""
    j = jalali_of(iso)
    return j.replace("-", "/") if j else empty


def when(ts: str | None) -> str:
    """An ISO timestamp → «1402/06/31 14:05 UTC»."""
    if not ts:
        return "-"
    return f"{jalali(ts)} {ts[11:16]} UTC" if len(ts) >= 16 else jalali(ts)


def _cut(text: str, width: int = WIDTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def directive_line(d: dict[str, Any]) -> str:
    flag = " OVERDUE" if d.get("overdue") else ""
    return (f"[{d['id']}] {d['status']}{flag}  due {jalali(d.get('due'))}  owner: {d.get('owner') or '-'}\n"
            f"   {_cut(d.get('text') or '')}")


def directive_list(rows: list[dict[str, Any]]) -> str:
    return "\n".join([f"{len(rows)} directive(s)", *(directive_line(d) for d in rows)])


def directive_text(d: dict[str, Any]) -> str:
    deadline = d.get("deadline") or {}
    lines = [
        f"directive {d['id']}  (version {d.get('version')})",
        f"text: {d.get('text')}",
        f"status: {d['status']}{'  — OVERDUE' if d.get('overdue') else ''}",
        f"owner: {d.get('owner') or '-'}   actor: {d.get('actor') or '-'}   issued by: {d.get('issuer') or '-'}",
        f"due: {jalali(d.get('due'))}" + (f"   (extracted: «{deadline.get('text')}»)"
                                          if isinstance(deadline, dict) and deadline.get("text") else ""),
        f"topics: {', '.join(d.get('topics') or []) or '-'}",
        f"source: record {d.get('record_id')} «{d.get('record_title') or ''}» characters {d.get('span')}",
    ]
    if d.get("orphaned"):
        lines.append("orphaned: the latest version of the release no longer has this action item")
    for n in d.get("notes") or []:
        lines.append(f"note ({n.get('who')}, {when(n.get('at'))}): {n.get('text')}")
    for e in d.get("evidence") or []:
        title = f" «{e['title']}»" if e.get("title") else ""
        lines.append(f"evidence ({e.get('who')}, {when(e.get('at'))}): {e.get('url')}{title}")
    lines.append(f"created {when(d.get('created_at'))}, updated {when(d.get('updated_at'))}")
    return "\n".join(lines)


def history_text(rows: list[dict[str, Any]]) -> str:
    out = [f"{len(rows)} change(s)"]
    for r in rows:
        old, new = r.get("old"), r.get("new")
        if r.get("field") == "due":
            old, new = jalali(old, "—"), jalali(new, "—")
        change = f"{old if old is not None else '—'} → {new if new is not None else '—'}"
        out.append(f"{when(r.get('at'))}  {r.get('who')}  {r.get('field')}: {change}")
    return "\n".join(out)


def report_text(report: dict[str, Any], top: int = 10) -> str:
    lines = [f"{report['total']} directive(s) on {jalali(report['today'])}, "
             f"{report['overdue_count']} overdue", "", "by status:"]
    lines += [f"  {s:<12}{n:>6}" for s, n in report["by_status"].items()]
    for key, label in (("by_owner", "by owner"), ("by_topic", "by topic")):
        lines += ["", f"{label}:"]
        lines += [f"  {r['count']:>6}  {r['value']}" for r in report[key][:top]]
        if len(report[key]) > top:
            lines.append(f"  … and {len(report[key]) - top} more")
    if report["overdue"]:
        lines += ["", "overdue:"] + [directive_line(d) for d in report["overdue"]]
    return "\n".join(lines)


def followups_text(suggestions: list[Any]) -> str:
    out = [f"{len(suggestions)} suggested follow-up(s)"]
    for s in suggestions:
        pub = (s.published or {}).get("jalali") or ""
        out.append(f"{s.score:.2f}  record {s.record_id} {pub.replace('-', '/')} «{_cut(s.record_title or '', 60)}»")
        out.append(f"      {', '.join(s.reasons)}")
        out.append(f"      «{_cut(s.passage)}»")
    return "\n".join(out)
