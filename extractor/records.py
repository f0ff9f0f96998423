"""The Record: dastur's output contract (DESIGN.md, "The Record").

Every type serializes with ``to_dict()`` to exactly the keys of DESIGN.md, in
that order; ``Record.from_dict`` reads one back. Spans are ``[start, end)``
offsets into ``Record.text``, the normalized body.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

Span = tuple[int, int]


def _spans(spans: list[Span]) -> list[list[int]]:
    return [[s, e] for s, e in spans]


@dataclass
class Source:
    kind: str  # html | pdf | text | docx
    url: str | None = None
    path: str | None = None
    sha256: str | None = None
    fetched_at: str | None = None
    pages: list[list[int]] | None = None  # PDF page spans into text, when known
    metadata: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "url": self.url, "path": self.path,
                             "sha256": self.sha256, "fetched_at": self.fetched_at}
        if self.pages is not None:
            d["pages"] = self.pages
        if self.metadata:
            d["metadata"] = self.metadata
        return d


@dataclass
class Official:
    id: str
    name: str
    honorific: str | None = None
    titles: list[str] = field(default_factory=list)
    organization: str | None = None
    mentions: list[Span] = field(default_factory=list)
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "honorific": self.honorific, "titles": self.titles,
                "organization": self.organization, "mentions": _spans(self.mentions), "rule": self.rule}


@dataclass
class RoleMention:
    title: str
    mentions: list[Span] = field(default_factory=list)
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "mentions": _spans(self.mentions), "rule": self.rule}


@dataclass
class Entity:
    """An organization, place or event: a name and where it is mentioned."""

    name: str
    mentions: list[Span] = field(default_factory=list)
    kind: str | None = None  # places: province|city|county|country|other
    ordinal: int | None = None  # events: «ششمین جلسه» → 6
    rule: str = ""

    def to_dict(self, what: str) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name}
        if what == "place":
            d["kind"] = self.kind or "other"
        if what == "event":
            d["ordinal"] = self.ordinal
        d["mentions"] = _spans(self.mentions)
        d["rule"] = self.rule
        return d


@dataclass
class Figure:
    text: str
    value: float | int
    unit: str  # percent | rial | toman | dollar | euro | count | hectare | ...
    span: Span
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "unit": self.unit, "span": list(self.span),
                "rule": self.rule}


@dataclass
class Statement:
    speaker: str | None
    verb: str
    text: str
    span: Span
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "verb": self.verb, "text": self.text, "span": list(self.span),
                "rule": self.rule}


@dataclass
class Priority:
    text: str
    rank: int | None
    speaker: str | None
    topics: list[str]
    span: Span
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "rank": self.rank, "speaker": self.speaker, "topics": self.topics,
                "span": list(self.span), "rule": self.rule}


@dataclass
class ActionItem:
    id: str
    text: str
    modality: str
    actor: str | None
    action: str
    deadline: dict[str, Any] | None
    issuer: str | None
    topics: list[str]
    span: Span
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "modality": self.modality, "actor": self.actor,
                "action": self.action, "deadline": self.deadline, "issuer": self.issuer,
                "topics": self.topics, "span": list(self.span), "rule": self.rule}


@dataclass
class Record:
    id: str
    source: Source
    title: str | None
    lead: str | None
    text: str
    published: dict[str, Any] | None = None
    agency: str | None = None
    officials: list[Official] = field(default_factory=list)
    role_mentions: list[RoleMention] = field(default_factory=list)
    organizations: list[Entity] = field(default_factory=list)
    places: list[Entity] = field(default_factory=list)
    events: list[Entity] = field(default_factory=list)
    dates: list[dict[str, Any]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source.to_dict(),
            "title": self.title,
            "lead": self.lead,
            "text": self.text,
            "published": self.published,
            "agency": self.agency,
            "officials": [o.to_dict() for o in self.officials],
            "role_mentions": [r.to_dict() for r in self.role_mentions],
            "organizations": [o.to_dict("organization") for o in self.organizations],
            "places": [p.to_dict("place") for p in self.places],
            "events": [e.to_dict("event") for e in self.events],
            "dates": self.dates,
            "figures": [f.to_dict() for f in self.figures],
            "statements": [s.to_dict() for s in self.statements],
            "priorities": [p.to_dict() for p in self.priorities],
            "action_items": [a.to_dict() for a in self.action_items],
            "topics": self.topics,
            "warnings": self.warnings,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        def spans(v: list[list[int]]) -> list[Span]:
            return [(s, e) for s, e in v]

        src = d["source"]
        return cls(
            id=d["id"],
            source=Source(**{k: src.get(k) for k in ("kind", "url", "path", "sha256", "fetched_at", "pages")},
                          metadata=src.get("metadata") or {}),
            title=d.get("title"), lead=d.get("lead"), text=d["text"], published=d.get("published"),
            agency=d.get("agency"),
            officials=[Official(**{**o, "mentions": spans(o.get("mentions", []))}) for o in d.get("officials", [])],
            role_mentions=[RoleMention(**{**r, "mentions": spans(r.get("mentions", []))})
                           for r in d.get("role_mentions", [])],
            organizations=[Entity(**{**o, "mentions": spans(o.get("mentions", []))})
                           for o in d.get("organizations", [])],
            places=[Entity(**{**p, "mentions": spans(p.get("mentions", []))}) for p in d.get("places", [])],
            events=[Entity(**{**e, "mentions": spans(e.get("mentions", []))}) for e in d.get("events", [])],
            dates=d.get("dates", []),
            figures=[Figure(**{**f, "span": tuple(f["span"])}) for f in d.get("figures", [])],
            statements=[Statement(**{**s, "span": tuple(s["span"])}) for s in d.get("statements", [])],
            priorities=[Priority(**{**p, "span": tuple(p["span"])}) for p in d.get("priorities", [])],
            action_items=[ActionItem(**{**a, "span": tuple(a["span"])}) for a in d.get("action_items", [])],
            topics=d.get("topics", []), warnings=d.get("warnings", []),
        )


def record_id(canonical_url: str | None, text: str) -> str:
    """Stable id: the hash of the canonical URL, else of the normalized text."""
    key = ("url:" + canonical_url) if canonical_url else ("text:" + text)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


__all__ = ["ActionItem", "Entity", "Figure", "Official", "Priority", "Record", "RoleMention", "Source",
           "Statement", "record_id"]
