"""source → Document → normalized text → Analysis → Record, top to bottom.

    fetch/read   sources.read_input      (text, HTML, PDF, stdin, URL)
    normalize    normalize.normalize     (hazm, with dates/URLs/e-mails protected)
    extract      engine.analyze          (spaCy rule components over hazm tokens)
    record       build_record            (the Record of DESIGN.md)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .entities import QUOTES
from .errors import DasturError
from .jalali import find_dates, to_jalali
from .normalize import fold, normalize
from .records import (
    ActionItem,
    Entity,
    Figure,
    Official,
    Priority,
    Record,
    RoleMention,
    Source,
    Statement,
    record_id,
)
from .sources import Document, expand_inputs, read_input

TITLE_MAX_CHARS = 250  # a first line longer than this is body text, not a headline
LEAD_MAX_CHARS = 700


def split_plain_text(text: str) -> tuple[str | None, str | None]:
    """Title and lead of a plain-text release: its first line, and a short second paragraph."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if not paragraphs:
        return None, None
    first = paragraphs[0].strip()
    title = first if len(first) <= TITLE_MAX_CHARS and "\n" not in first else None
    lead = None
    if title and len(paragraphs) > 2 and len(paragraphs[1]) <= LEAD_MAX_CHARS:
        lead = paragraphs[1].strip()
    return title, lead


def compose_text(doc: Document) -> tuple[str, str | None, str | None]:
    """The Record's text (every span points into it), title and lead, all normalized."""
    body = normalize(doc.text)
    if doc.kind == "text":
        title, lead = split_plain_text(body)
        return body, title, lead
    title = normalize(doc.title) if doc.title else None
    lead = normalize(doc.lead) if doc.lead else None
    parts = [p for p in (title, lead) if p and fold(p) not in fold(body[: len(p) * 2 + 200])]
    return "\n\n".join([*parts, body]), title, lead


def published_of(value: str | None) -> dict | None:
    if not value:
        return None
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
    if iso and 1900 <= int(iso.group(1)) <= 2100:
        try:
            day = dt.date(*(int(x) for x in iso.groups()))
        except ValueError:
            return None
        return {"jalali": to_jalali(day), "gregorian": day.isoformat(), "text": value}
    found = find_dates(normalize(value)) or find_dates(value)
    if found and found[0].jalali:
        return {"jalali": found[0].jalali, "gregorian": found[0].gregorian, "text": found[0].text}
    if found and found[0].gregorian:
        day = dt.date.fromisoformat(found[0].gregorian)
        return {"jalali": to_jalali(day), "gregorian": day.isoformat(), "text": found[0].text}
    return None


def build_record(doc: Document) -> Record:
    from .engine import analyze

    text, title, lead = compose_text(doc)
    rid = record_id(doc.canonical_url or doc.url, text)
    published = published_of(doc.published)
    a = analyze(text, int(published["jalali"][:4]) if published and published.get("jalali") else None)
    assert a.people is not None
    officials = [
        Official(id=f"o{i + 1}", name=p.name, honorific=p.honorific, titles=_unique(t for t, _ in p.titles),
                 organization=p.organization, mentions=sorted(set(p.mentions)), rule="official.name_title.v1")
        for i, p in enumerate(a.people.officials)
    ]
    ids: dict[str, int] = {}
    action_items = []
    for item in a.action_items:
        base = _item_id(rid, item["text"])
        n = ids[base] = ids.get(base, 0) + 1
        action_items.append(ActionItem(id=base if n == 1 else f"{base}-{n}", **item))
    source = Source(kind=doc.kind, url=doc.url, path=doc.path, sha256=doc.sha256, fetched_at=doc.fetched_at,
                    pages=[list(p) for p in doc.pages] if doc.pages else None, metadata=doc.metadata)
    return Record(
        id=rid, source=source, title=title, lead=lead, text=text,
        published=published,
        agency=a.agency[0] if a.agency else (normalize(doc.agency).strip(QUOTES + " ") or None if doc.agency else None),
        officials=officials,
        role_mentions=[RoleMention(t, sorted(m), "role.title_without_name.v1") for t, m in a.people.roles.items()],
        organizations=[Entity(n, sorted(m), rule="organization.head_or_gazetteer.v1")
                       for n, m in a.people.organizations],
        places=[Entity(n, sorted(m), kind=k, rule="place.gazetteer.v1") for n, k, m in a.places],
        events=[Entity(n, sorted(m), ordinal=o, rule="event.head_phrase.v1") for n, o, m in a.events],
        dates=a.dates,
        figures=[Figure(**f) for f in a.figures],
        statements=[Statement(**s) for s in a.statements],
        priorities=[Priority(**p) for p in a.priorities],
        action_items=action_items,
        topics=a.topics,
        warnings=[],
    )


def _item_id(rid: str, text: str) -> str:
    import hashlib

    return hashlib.sha1(f"{rid}:{fold(text)}".encode()).hexdigest()[:16]


def _unique(items) -> list[str]:
    out: list[str] = []
    for x in items:
        if fold(x) not in {fold(y) for y in out}:
            out.append(x)
    return out


def extract_text(text: str, *, path: str | None = None) -> Record:
    """Extract a Record from a plain string (tests, the API's raw-text upload)."""
    import hashlib

    from .sources import check_persian

    check_persian(text, path or "<text>")
    data = text.encode("utf-8")
    return build_record(Document("text", text, hashlib.sha256(data).hexdigest(), path=path))


@dataclass
class Outcome:
    """One input's result: a Record, or the one-line error that stopped it."""

    input: str
    record: Record | None = None
    error: str | None = None


def extract_inputs(inputs: list[str], *, allow_private: bool = False) -> Iterator[Outcome]:
    """Extract every input; a bad one yields its error and the batch goes on."""
    for item in expand_inputs(inputs):
        try:
            yield Outcome(item, record=build_record(read_input(item, allow_private=allow_private)))
        except DasturError as exc:
            yield Outcome(item, error=str(exc))
        except (OSError, UnicodeError, ValueError) as exc:
            yield Outcome(item, error=f"E199 {item}: {type(exc).__name__}: {exc}")
