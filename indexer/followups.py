"""Follow-up links: which later release reports progress on an earlier directive.

A directive («اداره کل راه و شهرسازی باید ساخت پل ورودی شهر را تا پایان
شهریور به پایان برساند») is followed up when a later release says what became
of it («ساخت پل ورودی شهر با ۸۰ درصد پیشرفت فیزیکی …»). dastur suggests such
links; a person accepts one (``accept_followup``), and it is then kept as an
evidence link of the directive, in its audit trail.

Candidates come through the Backend protocol only, so both backends work:
for a directive, records that name its issuer, its owner, its topics, or a
pair of its words (``search``); for a record, directives whose issuer is one
of its officials, whose owner it names, or that share its topics
(``list_directives``). A candidate published before the directive's own
release is dropped.

Each pair (directive, record) gets a score in [0, 1]:

    score = 0.55 text + 0.15 official + 0.10 organization + 0.10 topic + 0.05 place + 0.05 progress

- ``text``: TF-IDF cosine between the directive and the record's best
  paragraph, over folded word unigrams and bigrams without stop words
  (rules/stopwords.txt, rules/followup_stopwords.txt); IDF over the
  paragraphs of all candidates, smoothed: ``ln((1 + N) / (1 + df)) + 1``.
- ``official``: 1 when the directive's issuer is one of the record's officials.
- ``organization``: 1 when the record names the directive's owner or actor;
  0.5 when the two releases share an organization.
- ``topic``: Jaccard overlap of the directive's topics (its release's when it
  has none) and the record's.
- ``place``: 1 when the two releases name a common place.
- ``progress``: 1 when the best paragraph or the title holds a progress cue
  (rules/followup_cues.txt), 0.5 when the record does elsewhere.

A suggestion needs ``score >= THRESHOLD`` (0.40) and ``text >= MIN_TEXT``
(0.15): the same official on the same topic is not enough without words in
common. Measured on the 49 news texts of ../shared/data plus three invented
releases (tests/test_followups.py): the true follow-ups scored 0.51–0.65
with text 0.29–0.37; the best unrelated pair (same official, same topics)
scored 0.34 with text 0.10.

Example:
    for s in suggest_followups(backend, new_record):
        print(s.directive_id, s.score, s.reasons)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from itertools import pairwise
from typing import Any

from extractor.normalize import fold

from .base import DirectiveQuery, SearchQuery
from .errors import NotFound
from .snippets import TOKEN

WEIGHTS = {"text": 0.55, "official": 0.15, "organization": 0.10, "topic": 0.10, "place": 0.05, "progress": 0.05}
THRESHOLD = 0.40  # below this, a pair is a coincidence more often than a follow-up
MIN_TEXT = 0.15  # shared metadata without shared words is never a follow-up
CANDIDATES = 100  # per candidate query
QUERY_PAIRS = 6  # word pairs of a directive searched for candidate records
MIN_NAME_TOKENS = 2  # an owner like «ما» or «دستگاه‌ها» names nobody in particular
_PARAGRAPH = re.compile(r"\n\s*\n|\n")


@cache
def _stop() -> frozenset[str]:
    from extractor.lexicon import rule_list

    words = (*rule_list("stopwords.txt"), *rule_list("followup_stopwords.txt"))
    return frozenset(t for w in words for t in fold(w).split())


@cache
def _cues() -> tuple[str, ...]:
    from extractor.lexicon import rule_list

    return tuple(dict.fromkeys(f" {fold(c)} " for c in rule_list("followup_cues.txt")))


def words(text: str | None) -> list[str]:
    """Folded content words: no stop words, no single letters, no bare numbers."""
    stop = _stop()
    return [w for w in TOKEN.findall(fold(text or "")) if len(w) > 1 and not w.isdigit() and w not in stop]


def features(text: str | None) -> Counter[str]:
    ws = words(text)
    grams = Counter(ws)
    grams.update(f"{a} {b}" for a, b in pairwise(ws))
    return grams


def paragraphs(record: dict[str, Any]) -> list[str]:
    head = " ".join(p for p in (record.get("title"), record.get("lead")) if p)
    return [p.strip() for p in [head, *_PARAGRAPH.split(record.get("text") or "")] if p and p.strip()]


class Idf:
    """Smoothed IDF over a set of passages."""

    def __init__(self, passages: Iterable[Counter[str]]) -> None:
        df: Counter[str] = Counter()
        self.n = 0
        for p in passages:
            self.n += 1
            df.update(p.keys())
        self.df = df

    def weight(self, term: str) -> float:
        return math.log((1 + self.n) / (1 + self.df.get(term, 0))) + 1.0

    def vector(self, grams: Counter[str]) -> dict[str, float]:
        v = {t: (1 + math.log(n)) * self.weight(t) for t, n in grams.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def _has_tokens(haystack: str, needle: str | None) -> bool:
    """``needle`` appears in ``haystack`` as whole folded words (haystack is folded, space-padded)."""
    key = fold(needle or "")
    return bool(key) and f" {key} " in haystack


def _names(items: Any) -> set[str]:
    return {fold(i["name"]) for i in items or [] if isinstance(i, dict) and i.get("name")}


def _published(record: dict[str, Any] | None) -> str | None:
    return ((record or {}).get("published") or {}).get("gregorian")


@dataclass
class Suggestion:
    directive_id: str
    record_id: str  # the later release
    score: float
    parts: dict[str, float]
    passage: str  # the record's paragraph that matched best
    directive_text: str = ""
    record_title: str | None = None
    published: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Scorer:
    """Scores (directive, record) pairs with one IDF over every passage in play."""

    def __init__(self, passages: Iterable[Counter[str]]) -> None:
        self.idf = Idf(passages)

    def score(self, directive: dict[str, Any], source: dict[str, Any] | None,
              record: dict[str, Any]) -> Suggestion:
        dvec = self.idf.vector(features(directive.get("text")))
        best, passage = 0.0, ""
        for p in paragraphs(record):
            sim = cosine(dvec, self.idf.vector(features(p)))
            if sim > best:
                best, passage = sim, p
        folded = f" {fold(' '.join(paragraphs(record)))} "
        src = source or {}
        officials = _names(record.get("officials"))
        owners = [n for n in (directive.get("owner"), directive.get("actor"))
                  if n and len(fold(n).split()) >= MIN_NAME_TOKENS]
        topics_d = set(directive.get("topics") or src.get("topics") or [])
        topics_r = set(record.get("topics") or [])
        cue_here = any(c in f" {fold(passage)} " or c in f" {fold(record.get('title') or '')} " for c in _cues())
        parts = {
            "text": round(best, 4),
            "official": float(bool(directive.get("issuer")) and
                              any(_has_tokens(f" {o} ", directive["issuer"]) or _has_tokens(
                                  f" {fold(directive['issuer'])} ", o) for o in officials)),
            "organization": 1.0 if any(_has_tokens(folded, n) for n in owners) else (
                0.5 if _names(src.get("organizations")) & _names(record.get("organizations")) else 0.0),
            "topic": len(topics_d & topics_r) / len(topics_d | topics_r) if topics_d | topics_r else 0.0,
            "place": float(bool(_names(src.get("places")) & _names(record.get("places")))),
            "progress": 1.0 if cue_here else (0.5 if any(c in folded for c in _cues()) else 0.0),
        }
        score = round(sum(WEIGHTS[k] * v for k, v in parts.items()), 4)
        reasons = [f"{k} {v:.2f}" for k, v in parts.items() if v]
        return Suggestion(directive["id"], record["id"], score, parts, passage, directive.get("text") or "",
                          record.get("title"), record.get("published"), reasons)


def _later(source: dict[str, Any] | None, record: dict[str, Any]) -> bool:
    """``record`` may follow up a directive of ``source``: another release, not published before it."""
    if source is not None and source.get("id") == record.get("id"):
        return False
    a, b = _published(source), _published(record)
    return not (a and b and b < a)


def _accepted(s: Suggestion) -> bool:
    return s.score >= THRESHOLD and s.parts["text"] >= MIN_TEXT


def _rank(suggestions: list[Suggestion], limit: int) -> list[Suggestion]:
    kept = [s for s in suggestions if _accepted(s)]
    return sorted(kept, key=lambda s: (-s.score, s.record_id, s.directive_id))[:limit]


def suggest_followups(backend: Any, record: dict[str, Any], limit: int = 5) -> list[Suggestion]:
    """Earlier directives that ``record`` (a new release) may report progress on, best first."""
    found: dict[str, dict[str, Any]] = {}
    queries = [DirectiveQuery(official=o["name"], limit=CANDIDATES)
               for o in record.get("officials") or [] if o.get("name")]
    queries += [DirectiveQuery(owner=n, limit=CANDIDATES) for n in _names(record.get("organizations"))
                if len(n.split()) >= MIN_NAME_TOKENS]
    queries += [DirectiveQuery(topic=t, limit=CANDIDATES) for t in record.get("topics") or []]
    for q in queries:
        for d in backend.list_directives(q):
            found.setdefault(d["id"], d)
    sources: dict[str, dict[str, Any] | None] = {}
    pairs = []
    for d in found.values():
        rid = d["record_id"]
        if rid not in sources:
            sources[rid] = backend.get(rid)
        if _later(sources[rid], record):
            pairs.append((d, sources[rid]))
    scorer = _Scorer([*(features(p) for p in paragraphs(record)), *(features(d.get("text")) for d, _ in pairs)])
    return _rank([scorer.score(d, src, record) for d, src in pairs], limit)


def _query_pairs(text: str) -> list[str]:
    ws = words(text)
    pairs = [f"{a} {b}" for a, b in pairwise(ws)]
    return sorted(dict.fromkeys(pairs), key=lambda p: -len(p))[:QUERY_PAIRS]


def followups_for_directive(backend: Any, directive_id: str, limit: int = 5) -> list[Suggestion]:
    """Later releases that may report progress on one directive, best first. Raises NotFound."""
    directive = backend.get_directive(directive_id)
    if directive is None:
        raise NotFound("directive", directive_id)
    source = backend.get(directive["record_id"])
    base = SearchQuery(limit=CANDIDATES, facets=False, sort="date")
    queries = [SearchQuery(**{**vars(base), "text": p}) for p in _query_pairs(directive.get("text") or "")]
    if directive.get("issuer"):
        queries.append(SearchQuery(**{**vars(base), "official": directive["issuer"]}))
    for owner in {directive.get("owner"), directive.get("actor")}:
        if owner and len(fold(owner).split()) >= MIN_NAME_TOKENS:
            queries.append(SearchQuery(**{**vars(base), "org": owner}))
    ids: dict[str, None] = {}
    for q in queries:
        ids.update((h.id, None) for h in backend.search(q).hits)
    records = [r for r in (backend.get(i) for i in ids) if r is not None and _later(source, r)]
    scorer = _Scorer([features(directive.get("text")), *(features(p) for r in records for p in paragraphs(r))])
    return _rank([scorer.score(directive, source, r) for r in records], limit)


def accept_followup(backend: Any, directive_id: str, record_id: str, who: str,
                    expected_version: int | None = None) -> dict[str, Any]:
    """Keep a follow-up as an evidence link (``record:<id>``) of the directive; audited like any change."""
    record = backend.get(record_id)
    if record is None:
        raise NotFound("record", record_id)
    link = {"url": f"record:{record_id}", "title": record.get("title"), "kind": "followup"}
    return backend.update_directive(directive_id, {"evidence": link}, who, expected_version=expected_version)


__all__ = ["MIN_TEXT", "THRESHOLD", "WEIGHTS", "Suggestion", "accept_followup", "followups_for_directive",
           "suggest_followups"]
