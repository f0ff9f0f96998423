"""Loading the rule data in ``rules/`` and matching it against text.

Rules are data: every file in ``rules/`` has a comment header with a name
and a version. Matching works on *atoms*, the folded words of the text
(split on spaces, ZWNJ and punctuation), so «دستگاه‌های», «دستگاه های» and
«دستگاه هاي» all match the same entry.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .normalize import fold, fold_word

GLUE_CACHE_WORDS = 200_000
_ATOM = re.compile(r"[^\W_]+|[^\w\s\u200c]", re.UNICODE)


@dataclass(slots=True)  # not frozen: a text has thousands of atoms, and frozen ones are twice as slow to build
class Atom:
    key: str  # folded form
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.key[:1].isalnum()


def atomize(text: str, offset: int = 0) -> list[Atom]:
    """Folded words and punctuation marks of ``text`` with their character offsets."""
    out: list[Atom] = []
    append = out.append
    for m in _ATOM.finditer(text):
        key = fold_word(m.group())
        if key:
            s, e = m.span()
            append(Atom(key, s + offset, e + offset))
    return out


class AtomizedText:
    """A text's atoms computed once, sliced by character range for every clause."""

    def __init__(self, text: str, atoms: list[Atom]) -> None:
        self.text = text
        self.atoms = atoms
        self._starts = [a.start for a in atoms]

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """Indexes (i, j) of the atoms inside ``text[start:end]``."""
        i = bisect.bisect_left(self._starts, start)
        j = bisect.bisect_left(self._starts, end, lo=i)
        while j > i and self.atoms[j - 1].end > end:  # a word cut by ``end`` is not in the range
            j -= 1
        return i, j

    def between(self, start: int, end: int) -> list[Atom]:
        i, j = self.bounds(start, end)
        return self.atoms[i:j]


def zwnj_joined(text: str, left: Atom, right: Atom) -> bool:
    """Are two atoms one written word, joined by a ZWNJ («ضرورت‌سازی», «یوسفیان‌ملا»)?"""
    return right.start == left.end + 1 and text[left.end] == "\u200c" and left.is_word and right.is_word


_current = threading.local()  # the text this thread is analysing


def atoms_between(text: str, start: int, end: int) -> list[Atom]:
    """Atoms of ``text[start:end]``, from the whole text's atomization when it is the one being analysed."""
    at = getattr(_current, "text", None)
    if at is not None and at.text is text:
        return at.between(start, end)
    return atomize(text[start:end], start)


def set_current(at: AtomizedText | None) -> None:
    _current.text = at


def _rules_text(name: str) -> str:
    return resources.files("rules").joinpath(name).read_text(encoding="utf-8")


def _data_lines(name: str) -> list[list[str]]:
    rows = []
    for line in _rules_text(name).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append([c.strip() for c in line.split("\t")])
    return rows


@cache
def rule_list(name: str) -> tuple[str, ...]:
    """First column of a line-based rules file."""
    return tuple(r[0] for r in _data_lines(name) if r[0])


@cache
def rule_rows(name: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r) for r in _data_lines(name))


@cache
def rule_json(name: str) -> dict[str, Any]:
    data = json.loads(_rules_text(name))
    if not isinstance(data, dict):
        raise ValueError(f"rules/{name}: expected a JSON object")
    return data


def key_of(phrase: str) -> tuple[str, ...]:
    return tuple(a.key for a in atomize(phrase))


class PhraseIndex:
    """Longest-match lookup of multi-word phrases over atoms."""

    def __init__(self, entries: Iterable[tuple[str, Any]] = ()) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
        self.max_len = 0
        for phrase, value in entries:
            self.add(phrase, value)

    def add(self, phrase: str, value: Any) -> None:
        key = key_of(phrase)
        if not key:
            return
        bucket = self._by_first.setdefault(key[0], [])
        if all(k != key for k, _ in bucket):
            bucket.append((key, value))
            bucket.sort(key=lambda kv: -len(kv[0]))
        self.max_len = max(self.max_len, len(key))

    def keys(self) -> list[tuple[str, ...]]:
        return [k for bucket in self._by_first.values() for k, _ in bucket]

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(self.keys())

    def match_at(self, atoms: list[Atom], i: int) -> tuple[int, Any] | None:
        """(number of atoms, value) of the longest entry starting at atom ``i``."""
        bucket = self._by_first.get(atoms[i].key)
        if not bucket:
            return None
        size = len(atoms)
        for key, value in bucket:  # longest first
            n = len(key)
            if i + n > size:
                continue
            k = 1
            while k < n and atoms[i + k].key == key[k]:
                k += 1
            if k == n:
                return n, value
        return None

    @property
    def firsts(self) -> Any:
        """The first words of the entries: only where one stands can an entry start."""
        return self._by_first.keys()

    def find_all(self, atoms: list[Atom]) -> list[tuple[int, int, Any]]:
        """Non-overlapping longest matches, left to right, as (first atom, end atom, value)."""
        out: list[tuple[int, int, Any]] = []
        free = 0
        for i in positions(atoms, self.firsts):
            if i < free:
                continue
            m = self.match_at(atoms, i)
            if m:
                out.append((i, i + m[0], m[1]))
                free = i + m[0]
        return out


def positions(atoms: list[Atom], *keysets: Any) -> list[int]:
    """Indexes of the atoms whose key is in one of ``keysets``: the only places a phrase can start.

    Scanning these instead of every atom keeps the hot loops of the engine short.
    """
    keys = set().union(*keysets) if len(keysets) > 1 else keysets[0]
    return [i for i, a in enumerate(atoms) if a.key in keys]


def joined_variant(phrase: str) -> str | None:
    """«آذربایجان غربی» is also written «آذربایجانغربی» when ZWNJ is lost; match that too."""
    words = phrase.replace("\u200c", " ").split()
    return "".join(words) if 1 < len(words) <= 3 else None


# --- the loaded rule set ---------------------------------------------------


def _forms(phrase: str) -> list[str]:
    joined = joined_variant(phrase)
    return [phrase, joined] if joined else [phrase]


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [{"cue": k, "label": v} if not isinstance(v, dict) else {"cue": k, **v} for k, v in value.items()]
    return list(value or [])


def _cue_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    return str(item.get("cue") or item.get("text") or item.get("phrase") or "")


class Rules:
    """Every rule file of ``rules/``, loaded once and indexed for atom matching."""

    def __init__(self) -> None:
        self.stop = {fold(w) for w in rule_list("stopwords.txt")}
        self.honorifics = PhraseIndex((h, h) for h in rule_list("honorifics.txt"))
        self.titles = PhraseIndex()
        self.standalone_titles: set[tuple[str, ...]] = set()
        self.plural_titles: set[tuple[str, ...]] = set()
        for row in rule_rows("titles.txt"):
            head = row[0]
            standalone = len(row) > 1 and row[1] == "1"
            if len(row) > 2 and row[2] == "pl":
                self.plural_titles.add(key_of(head))
            for form in _forms(head):
                self.titles.add(form, standalone)
            if standalone:
                self.standalone_titles.add(key_of(head))
        self.org_heads = PhraseIndex((h, h) for h in rule_list("org_heads.txt"))
        self.organizations = PhraseIndex()
        self.ministry_tails = PhraseIndex()  # «تعاون، کار و رفاه اجتماعی» after «وزیر»/«وزارت»
        for name in rule_list("organizations.txt"):
            for form in _forms(name):
                self.organizations.add(form, name)
            if name.startswith("وزارت "):
                self.ministry_tails.add(name[len("وزارت ") :], name)
        self.places = PhraseIndex()
        for row in rule_rows("places.tsv"):
            name, kind = row[0], (row[1] if len(row) > 1 else "other")
            ambiguous = len(row) > 3 and row[3] == "1"
            for form in _forms(name):
                self.places.add(form, (name, kind, ambiguous))
        self.first_names = {fold(n).replace(" ", "") for n in rule_list("first_names.txt")}
        # «روح‌الله», «عزت الله»: atoms split at the ZWNJ or space, so compounds are also kept by parts.
        self.compound_first_names = {tuple(k) for n in rule_list("first_names.txt") if len(k := fold(n).split()) == 2}
        self.first_name_heads = {k[0] for k in self.compound_first_names}
        # Where a person's name can start: an honorific or a first name (one set, built once).
        self.name_starts = set(self.honorifics.firsts) | self.first_names | self.first_name_heads
        cues = rule_json("cues.json")
        self.speech_verbs = PhraseIndex((v, v) for v in map(_cue_text, _as_list(cues.get("speech_verbs"))))
        self.modality = PhraseIndex()
        for item in _as_list(cues.get("modality")):
            cue = _cue_text(item)
            if "…" in cue or "..." in cue:  # «خواستار … شد»: index the opening word
                cue = cue.replace("...", "…").split("…")[0].strip()
            if cue:
                self.modality.add(cue, cue)
        self.priority = PhraseIndex((c, c) for c in map(_cue_text, _as_list(cues.get("priority"))))
        self.ordinals: dict[str, int] = {}
        for word, n in (cues.get("ordinals") or {}).items():
            self.ordinals[fold(word)] = int(n)
        self.ordinal_index = PhraseIndex((w, int(n)) for w, n in (cues.get("ordinals") or {}).items())
        from .directives import deadline_cue_pattern

        self.deadline_patterns = [deadline_cue_pattern(_cue_text(c)) for c in _as_list(cues.get("deadline"))]
        # One pass tells whether a clause holds any deadline cue at all; most hold none. The word-start
        # lookbehind every cue opens with is checked once per position, not once per cue (30x faster).
        lookbehind = r"(?<![\w\u200c])"
        shared = all(p.pattern.startswith(lookbehind) for p in self.deadline_patterns)
        bodies = [p.pattern.removeprefix(lookbehind) if shared else p.pattern for p in self.deadline_patterns]
        self.deadline_any = re.compile((lookbehind if shared else "") + "(?:" + "|".join(bodies or ["(?!)"]) + ")")
        self.pronouns = {fold(p) for p in map(_cue_text, _as_list(cues.get("pronouns")))}
        self.demand_nouns = {fold(n) for n in cues.get("demand_nouns", [])}
        self.named_after_dates = [tuple(fold(n).split()) for n in cues.get("named_after_dates", [])]
        self.title_modifiers = {fold(w) for w in cues.get("title_modifiers", [])}
        self.agency_desks = {fold(w) for w in cues.get("agency_desks", [])}
        self.lead_subject_followers = {fold(w) for w in cues.get("lead_subject_followers", [])}
        self.place_blockers = [tuple(fold(n).split()) for n in cues.get("place_blockers", [])]
        self.phrase_links = {fold(w): fold(p) for w, p in (cues.get("phrase_links") or {}).items()}
        self.link_words = set(self.phrase_links.values())
        self.name_frames = PhraseIndex((c, c) for c in map(_cue_text, _as_list(cues.get("name_frames"))))
        self.agency_cues = PhraseIndex((c, c) for c in map(_cue_text, _as_list(cues.get("agency_cues"))))
        self.event_heads = PhraseIndex((c, c) for c in map(_cue_text, _as_list(cues.get("event_heads"))))
        verbs = rule_json("verbs.json")
        self.light_verbs = {fold(v) for v in verbs.get("light_verbs", [])}
        self.light_verbs |= {v.split()[-1] for v in self.light_verbs}
        self.preverbs = {fold(v) for v in verbs.get("preverbs", [])}
        self.light_verbs |= {fold(v) for v in verbs.get("copula_forms", [])}
        self.light_verbs |= conjugations(verbs.get("verb_stems", []))
        self.joined_verbs = {p + v for p in self.preverbs for v in self.light_verbs}
        topics = rule_json("topics.json")
        raw_topics = topics.get("topics", topics.get("areas", []))
        if isinstance(raw_topics, dict):
            raw_topics = [{"id": k, **v} for k, v in raw_topics.items()]
        self.topic_labels = {t["id"]: t.get("label", t["id"]) for t in raw_topics}
        self.topic_keywords = PhraseIndex()
        for t in raw_topics:
            for kw in t.get("keywords", []):
                self.topic_keywords.add(kw, t["id"])
        self._build_glue()
        # Where an organization or an event can start (unions built once, not per text).
        self.org_starts = set(self.organizations.firsts) | set(self.org_heads.firsts)
        self.event_starts = set(self.ordinal_index.firsts) | set(self.event_heads.firsts)
        # Words that occur inside known names: what a title or organization phrase may grow over.
        self.name_vocab = {k for index in (self.organizations, self.org_heads, self.titles, self.places)
                           for key in index for k in key}
        # Topic keywords of one word («بهزیستی», «اشتغال») name offices; the parts of longer ones
        # («پیش بینی», «حل مشکلات») are ordinary words a name must not grow over.
        self.name_vocab |= {key[0] for key in self.topic_keywords if len(key) == 1}
        self.name_vocab |= {fold(w) for w in rule_list("name_words.txt")}

    def first_name_at(self, atoms: list[Atom], i: int) -> int:
        """Atoms taken by a first name at ``i``: 1 («محمد»), 2 («روح» «الله»), or 0."""
        key = atoms[i].key
        if key in self.first_names:
            return 1
        if key in self.first_name_heads and i + 1 < len(atoms) and (key, atoms[i + 1].key) in self.compound_first_names:
            return 2
        return 0

    def split_joined(self, atoms: list[Atom]) -> list[Atom]:
        """Split words glued together when a ZWNJ or space was lost in the source.

        «فرمانداراردبیل» → «فرماندار» «اردبیل», «سیدمهدی» → «سید» «مهدی»: a known
        one-word title or honorific followed by a known place, first name or head.
        """
        out: list[Atom] = []
        for a in atoms:
            cut = self._glue_point(a.key) if len(a.key) >= 6 else 0  # shorter words are never two
            if cut:
                out.append(Atom(a.key[:cut], a.start, a.start + cut))
                out.append(Atom(a.key[cut:], a.start + cut, a.end))
            else:
                out.append(a)
        return out

    def _glue_point(self, key: str) -> int:
        cut = self._glue_cache.get(key)
        if cut is None:
            if len(self._glue_cache) >= GLUE_CACHE_WORDS:  # a long backfill: start afresh rather than grow
                self._glue_cache.clear()
            cut = self._glue_cache[key] = self._find_glue_point(key)
        return cut

    def _find_glue_point(self, key: str) -> int:
        if len(key) < 6 or key in self.first_names or key in self._single_words:
            return 0
        for n in range(min(len(key) - 3, 9), 2, -1):
            head, rest = key[:n], key[n:]
            if head in self._glue_heads and rest in self._glue_tails:
                return n
        return 0

    def _build_glue(self) -> None:
        singles = lambda index: {k[0] for k in index if len(k) == 1}  # noqa: E731
        self._glue_heads = singles(self.titles) | singles(self.honorifics)
        self._glue_tails = (singles(self.places) | self.first_names | {k[0] for k in self.org_heads}
                            | {k[0] for k in self.places})
        self._single_words = singles(self.places) | singles(self.org_heads) | singles(self.titles)
        self._glue_cache: dict[str, int] = {}  # per word; the vocabulary of releases is small

    def is_verbish(self, atoms: list[Atom], i: int) -> bool:
        """A light verb, a preverb before one («برگزار شد»), or both joined («قرارگیرد»)."""
        key = atoms[i].key
        if key in self.light_verbs:
            return True
        if key in self.preverbs and i + 1 < len(atoms) and atoms[i + 1].key in self.light_verbs | {"می", "نمی"}:
            return True
        return key in self.joined_verbs


PAST_ENDINGS = ("", "م", "یم", "ید", "ند", "ه")  # «ی» is left out: «گیری», «روی» are mostly not verbs
PRESENT_ENDINGS = ("م", "د", "یم", "ید", "ند")


def conjugations(stems: list[list[str]]) -> set[str]:
    """The atom forms of each [past, present] stem pair: «کردند», «نکرده», «کنند», «بکند»."""
    forms: set[str] = set()
    for past, present in stems:
        past, present = fold(past), fold(present)
        for ending in PAST_ENDINGS:
            forms |= {past + ending, "ن" + past + ending}
        # «نما» + «د» would make «نماد» (a noun); after «ا» the ending takes a «ی»: «نماید», «آیند».
        endings = [("ی" + e) for e in PRESENT_ENDINGS] if present.endswith("ا") else list(PRESENT_ENDINGS)
        for ending in endings:
            forms |= {present + ending, "ب" + present + ending, "ن" + present + ending}
    return forms


@cache
def rules() -> Rules:
    return Rules()
