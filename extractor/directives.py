"""Statements, priorities and action items.

A sentence is cut into clauses first: the quote after «گفت:», the content of
«با بیان اینکه …» / «با تأکید بر …» before the speech verb, and the sentence
itself when nobody is quoted. A clause with a priority cue is a priority; a
clause with a modality cue («باید», «موظفند», «مقرر شد», «خواستار … شد», «بر …
تأکید کرد») is an action item. Each carries its speaker, found by coreference.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .lexicon import Atom, Rules, atomize
from .normalize import fold
from .people import Person

# «با بیان اینکه X، گفت:» — X is a content clause of the speaker.
CONTENT_OPENERS = re.compile(
    r"(?:با|ضمن)\s+(?:بیان|اشاره\s+به|تاکید\s+بر|تأکید\s+بر|یادآوری|ابراز|اعلام)\s*(?:این(?:\u200c|\s)?که|اینکه)?\s*"
)
EMPHASIS = re.compile(r"(?:با|ضمن)\s+(?:تاکید|تأکید)\s+(?:بر|به)\s+")
# «بر X تأکید کرد» and «خواستار X شد»: directive cues that wrap their object.
WRAPPED_CUES = [
    ("تأکید کرد", re.compile(r"(?<![\w\u200c])بر\s+(?:(?!\s(?:گفت|افزود)\b)[^.!؟?:])+?\s+(?:تاکید|تأکید)\s*(?:کرد|کردند|نمود|داشت)")),
    ("خواستار شد", re.compile(r"خواستار\s+[^.!؟?:]+?\s+(?:شد|شدند|گردید)(?![\w\u200c])")),
]
ACTION_NOUNS_AFTER_ORDINAL = {"و", "اولویت", "دستورالعمل", "برنامه", "وظیفه", "اقدام", "محور", "هدف", "گام",
                              "ماموریت", "راهبرد", "سیاست", "اصل", "مساله", "مسئله", "موضوع"}
# Endings of a first-person plural verb («قرار دهیم», «بیاوریم»): the actor is «ما».
WE_EXCEPTIONS = {"تصمیم", "تنظیم", "تقدیم", "مستقیم", "تحریم", "تسلیم", "تعلیم", "ترمیم", "تقسیم", "تحکیم",
                 "حریم", "عظیم", "قدیم", "کریم", "رحیم", "مریم", "ابراهیم", "سلیم", "حکیم", "تقویم", "اقلیم",
                 "تعمیم", "تفهیم", "نسیم", "عمیم", "جسیم", "وخیم", "تیم", "رژیم", "سیم", "حجیم", "تکریم"}
PASSIVE_ENDINGS = ("شود", "گردد", "گیرد", "پذیرد", "باشد", "شوند", "گردند", "گیرند", "قرارگیرد")
SUBJECT_SKIP = {"همچنین", "بنابراین", "لذا", "پس", "اکنون", "امروز", "قطعا", "البته", "درواقع", "ضمنا"}


@dataclass
class Clause:
    start: int
    end: int
    speaker: Person | None
    kind: str  # quote | content | sentence | wrapped


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in "،,؛:«»\"'-–"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in "،,؛:.!؟?«»\"'-–"):
        e -= 1
    return s, e


def speaker_at(officials: list[Person], start: int, end: int) -> Person | None:
    """The official with a mention inside [start, end), else the one mentioned last before it."""
    inside = [(m[0], o) for o in officials for m in o.mentions if start <= m[0] < end]
    if inside:
        return min(inside, key=lambda x: x[0])[1]
    before = [(m[0], o) for o in officials for m in o.mentions if m[0] < start]
    return max(before, key=lambda x: x[0])[1] if before else None


def clauses(rules: Rules, text: str, sentences: list[tuple[int, int]], officials: list[Person]) -> list[Clause]:
    out: list[Clause] = []
    quote_speaker: Person | None = None
    para_end = -1
    for s, e in sentences:
        sent = text[s:e]
        if s > para_end:  # a new paragraph ends any running quote
            quote_speaker = None
            nl = text.find("\n", e)
            para_end = nl if nl >= 0 else len(text)
        colon = _speech_colon(rules, text, s, e)
        if colon is None:
            kind = "quote" if quote_speaker else "sentence"
            speaker = quote_speaker or speaker_at(officials, s, e)
            out.append(Clause(*_strip_subject(rules, text, s, e, officials), speaker, kind))
        else:
            verb_start, after = colon
            speaker = speaker_at(officials, s, verb_start)
            quote_speaker = speaker
            qs, qe = _trim(text, after, e)
            if qe > qs:
                out.append(Clause(qs, qe, speaker, "quote"))
            pre = text[s:verb_start]
            m = CONTENT_OPENERS.search(pre)
            if m:
                cs = s + (EMPHASIS.search(pre).start() if EMPHASIS.search(pre) else m.end())
                ce = s + pre.rstrip().rfind("،") if "،" in pre[m.end():] else verb_start
                cs, ce = _trim(text, cs, ce)
                if ce > cs:
                    out.append(Clause(cs, ce, speaker, "content"))
            elif len(pre.split()) > 6:  # «X، هزینه کرد منابع … را به عنوان دومین دستورالعمل عنوان کرد و گفت:»
                ps, pe = _strip_subject(rules, text, s, verb_start, officials)
                pe = _strip_trailing_and(text, ps, pe)
                if pe > ps:
                    out.append(Clause(ps, pe, speaker, "sentence"))
        for label, pattern in WRAPPED_CUES:
            for m in pattern.finditer(sent):
                out.append(Clause(s + m.start(), s + m.end(), speaker_at(officials, s, s + m.start()) or quote_speaker,
                                  "wrapped:" + label))
    return out


def _speech_colon(rules: Rules, text: str, s: int, e: int) -> tuple[int, int] | None:
    """(start of the speech verb, end of the colon) for «… گفت:» inside the sentence."""
    colon = text.find(":", s, e)
    if colon < 0:
        return None
    atoms = atomize(text[max(s, colon - 40) : colon], max(s, colon - 40))
    for i in range(len(atoms) - 1, max(-1, len(atoms) - 5), -1):
        if rules.speech_verbs.match_at(atoms, i):
            return atoms[i].start, colon + 1
    if len(text[s:colon].split()) <= 8:  # «وزیر کشور خبر داد:» — a short lead-in
        return colon, colon + 1
    return None


def _strip_subject(rules: Rules, text: str, s: int, e: int, officials: list[Person]) -> tuple[int, int]:
    """Drop a leading «دکتر پاک سرشت،» or «وی» from a clause."""
    for o in officials:
        for ms, me in o.mentions:
            if ms == s or (ms <= s < me):
                rest = text[me:e]
                if rest.lstrip().startswith("،"):
                    return _trim(text, me + rest.index("،") + 1, e)
                atoms = atomize(rest, me)
                if atoms and atoms[0].key in {"با", "در", "ضمن"}:
                    return _trim(text, s, e)
                return _trim(text, me, e)
    return _trim(text, s, e)


def _strip_trailing_and(text: str, s: int, e: int) -> int:
    m = re.search(r"\s+و\s*$", text[s:e])
    return s + m.start() if m else e


def _has(index, atoms: list[Atom]) -> tuple[int, object] | None:
    for i in range(len(atoms)):
        m = index.match_at(atoms, i)
        if m:
            return i, m[1]
    return None


def priority_rank(rules: Rules, atoms: list[Atom]) -> int | None:
    for i, a in enumerate(atoms):
        m = rules.ordinal_index.match_at(atoms, i)
        if m and i + m[0] < len(atoms) and atoms[i + m[0]].key in ACTION_NOUNS_AFTER_ORDINAL:
            return int(m[1])
    return None


def actor_of(rules: Rules, text: str, clause: tuple[int, int], cue_at: int, atoms: list[Atom]) -> str | None:
    """Who must act: «ما» for a first-person plural verb, else the subject before the cue."""
    words = [a for a in atoms if a.is_word]
    if words:
        last = words[-1].key
        tail = [a.key for a in atoms[cue_at:] if a.is_word]
        if any(k.endswith("یم") and len(k) > 3 and k not in WE_EXCEPTIONS for k in tail[-3:]):
            return "ما"
        if "باید" in (a.key for a in atoms) and not last.endswith(("ند", "ندی")) and last.endswith(PASSIVE_ENDINGS):
            return None
    i = 0
    while i < cue_at and atoms[i].key in SUBJECT_SKIP | {"،"}:
        i += 1
    subj = atoms[i:cue_at]
    if not subj or len(subj) > 6 or any(not a.is_word for a in subj):
        return None
    if subj[0].key in rules.stop and subj[0].key not in {"همه", "ما", "مردم", "سایر"}:
        return None
    return text[subj[0].start : subj[-1].end]


def deadline_of(rules: Rules, text: str, s: int, e: int, dates: list[dict]) -> dict | None:
    chunk = text[s:e]
    f = fold(chunk)
    for cue in sorted(rules.deadlines, key=len, reverse=True):
        key = fold(cue).replace("…", "").strip()
        if key and key in f:
            m = re.search(re.escape(cue.split("…")[0].strip()).replace(r"\ ", r"[\s\u200c]+") + r"[^،.]{0,25}", chunk)
            found = m.group(0).strip() if m else cue
            return {"text": found, "jalali": None}
    for d in dates:
        ds, de = d["span"]
        if s <= ds < e and re.search(r"(?:تا|حداکثر|مهلت|پایان)[\s\u200c]*$", text[max(s, ds - 12) : ds]):
            return {"text": d["text"], "jalali": d["jalali"], "gregorian": d.get("gregorian")}
    return None


def item_id(record_key: str, start: int, end: int, text: str) -> str:
    return hashlib.sha1(f"{record_key}:{fold(text)}".encode()).hexdigest()[:12]
