"""What the pages need besides data: Persian digits, Jalali dates, labels, and highlighted text.

``highlight`` turns a Record's text and its spans (officials, priorities,
action items) into HTML: the text is cut at every span boundary, and each
piece is wrapped in one ``<span>`` whose classes name every span covering
it, so overlapping spans (an official inside an action item) need no
nesting. Everything else is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from extractor.jalali import to_jalali

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

STATUS_LABELS = {"open": "باز", "in_progress": "در حال انجام", "done": "انجام شد", "dropped": "کنار گذاشته شد"}
FACET_LABELS = {"topic": "موضوع", "place": "مکان", "organization": "سازمان", "official": "مقام"}
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def fa_digits(value: Any) -> str:
    return "" if value is None else str(value).translate(_FA_DIGITS)


def jalali(value: Any, empty: str = "—") -> str:
    """An ISO date (or timestamp) as «۱۴۰۲/۰۵/۱۲»."""
    if not value:
        return empty
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return empty
    return fa_digits(to_jalali(day).replace("-", "/"))


def published(pub: dict[str, Any] | None) -> str:
    """A Record's ``published`` as a Jalali date, whichever calendar it was found in; "" when unknown."""
    if not pub:
        return ""
    j = pub.get("jalali")
    if j and not j.endswith("-00"):
        return fa_digits(j.replace("-", "/"))
    return jalali(pub.get("gregorian"), empty="")


@cache
def topic_labels() -> dict[str, str]:
    from extractor.lexicon import rule_json

    return {t["id"]: t.get("label") or t["id"] for t in rule_json("topics.json").get("topics", [])}


def topic_label(topic_id: str) -> str:
    return topic_labels().get(topic_id, topic_id)


_MARK = re.compile(r"(<mark>.*?</mark>)", re.S)


def snippet_html(snippet: str) -> Markup:
    """A search snippet with only its ``<mark>`` tags live: everything else is escaped again, whichever
    backend (or highlighter) made it."""
    out = []
    for part in _MARK.split(snippet or ""):
        marked = part.startswith("<mark>") and part.endswith("</mark>")
        text = html.escape(html.unescape(part[6:-7] if marked else part))
        out.append(f"<mark>{text}</mark>" if marked else text)
    return Markup("".join(out))


def highlight(text: str, layers: dict[str, list[tuple[int, int, dict[str, str]]]]) -> Markup:
    """``layers``: class name → spans ``(start, end, attributes)``; attributes go on the piece that
    starts the span (an ``id`` to link to, a ``title`` to hover)."""
    cuts = {0, len(text)}
    for spans in layers.values():
        for s, e, _ in spans:
            if 0 <= s < e <= len(text):
                cuts.update((s, e))
    bounds = sorted(cuts)
    out = []
    for s, e in pairwise(bounds):
        classes = [c for c, spans in layers.items() if any(a <= s and e <= b for a, b, _ in spans)]
        piece = html.escape(text[s:e]).replace("\n", "<br>\n")
        if not classes:
            out.append(piece)
            continue
        attrs = {k: v for spans in layers.values() for a, _, extra in spans if a == s for k, v in extra.items()}
        extra = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items())
        out.append(f'<span class="{" ".join(classes)}"{extra}>{piece}</span>')
    return Markup("".join(out))


def record_layers(rec: dict[str, Any]) -> dict[str, list[tuple[int, int, dict[str, str]]]]:
    """The spans the record page marks: officials' mentions, priorities, action items (linkable by id)."""
    officials = [(m[0], m[1], {"title": o.get("name") or ""}) for o in rec.get("officials") or []
                 for m in o.get("mentions") or [] if len(m) == 2]
    priorities = [(p["span"][0], p["span"][1], {"title": f"اولویت {fa_digits(p.get('rank') or '')}".strip()})
                  for p in rec.get("priorities") or [] if len(p.get("span") or []) == 2]
    actions = [(a["span"][0], a["span"][1], {"id": f"d-{a['id']}"} if a.get("id") else {})
               for a in rec.get("action_items") or [] if len(a.get("span") or []) == 2]
    return {"official": officials, "priority": priorities, "action": actions}


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATES))
    t.env.filters.update(fa=fa_digits, snippet=snippet_html, jalali=jalali, published=published, topic=topic_label,
                         status=lambda s: STATUS_LABELS.get(s, s), facet=lambda f: FACET_LABELS.get(f, f))
    t.env.globals.update(STATUS_LABELS=STATUS_LABELS)
    return t
