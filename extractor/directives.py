"""Statements, priorities and action items.

A sentence is cut into clauses first: the quote after «گفت:», the content of
«با بیان اینکه …» / «با تأکید بر …» before the speech verb, and the sentence
itself when nobody is quoted. A clause with a priority cue is a priority; a
clause with a modality cue («باید», «موظفند», «مقرر شد», «خواستار … شد», «بر …
تأکید کرد») is an action item. Each carries its speaker, found by coreference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .lexicon import Atom, PhraseIndex, Rules, atomize, atoms_between, key_of, positions, rule_json, zwnj_joined
from .normalize import fold
from .people import Person

# «با بیان اینکه X، گفت:» — X is a content clause of the speaker.
CONTENT_OPENERS = re.compile(
    r"(?:با|ضمن)\s+(?:بیان|اشاره\s+به|تاکید\s+بر|تأکید\s+بر|یادآوری|ابراز|اعلام)\s*(?:این(?:\u200c|\s)?که|اینکه)?\s*"
)
EMPHASIS = re.compile(r"(?:با|ضمن)\s+(?:تاکید|تأکید)\s+(?:بر|به)\s+")
# «بر X تأکید کرد» and «خواستار X شد»: directive cues that wrap their object.
WRAPPED_CUES = [
    ("خواستار شد", re.compile(r"خواستار\s+[^.!؟?:]+?\s+(?:شد|شدند|گردید)(?![\w\u200c])")),
]
EMPHASIS_VERB = re.compile(r"(?<![\w\u200c])(?:تاکید|تأکید)\s*(?:کرد|کردند|نمود|داشت)(?![\w\u200c])")
EMPHASIS_OPENER = re.compile(r"(?<![\w\u200c])(بر|به)\s")
SPEECH_BREAK = re.compile(r"[.!؟?:]|(?<![\w\u200c])(?:گفت|افزود)(?![\w\u200c])")
# «با اشاره به X تأکید کرد»: «به» after these words is not the object marker of «تأکید».
NOT_EMPHASIS_BE = ("اشاره", "توجه", "نسبت", "بنا")


def wrapped_emphasis(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Spans «بر X تأکید کرد» (also the loose «به X تأکید کرد») inside [s, e).

    The object opens at the first «بر» after the last comma before the verb
    («بر اساس …، بر Y تأکید کرد» → «بر Y …»), else at the first «بر» of the
    statement («بر ضرورت توجه به شهرها، روستاها و عشایر تأکید کرد»).
    """
    out = []
    for v in EMPHASIS_VERB.finditer(text, s, e):
        lo = s
        for m in SPEECH_BREAK.finditer(text, s, v.start()):
            lo = m.end()
        openers = [(m.start(), m.group(1)) for m in EMPHASIS_OPENER.finditer(text, lo, v.start())]
        bars = [p for p, w in openers if w == "بر"]
        if not bars:
            bars = [p for p, w in openers if w == "به"
                    and not text[max(lo, p - 8) : p].rstrip().endswith(NOT_EMPHASIS_BE)]
        if not bars:
            continue
        clean = [p for p in bars if "،" not in text[p : v.start()]]
        out.append((min(clean or bars), v.end()))
    return out


# Endings of a first-person plural verb («قرار دهیم», «بیاوریم»): the actor is «ما».
WE_EXCEPTIONS = {"تصمیم", "تنظیم", "تقدیم", "مستقیم", "تحریم", "تسلیم", "تعلیم", "ترمیم", "تقسیم", "تحکیم",
                 "حریم", "عظیم", "قدیم", "کریم", "رحیم", "مریم", "ابراهیم", "سلیم", "حکیم", "تقویم", "اقلیم",
                 "تعمیم", "تفهیم", "نسیم", "عمیم", "جسیم", "وخیم", "تیم", "رژیم", "سیم", "حجیم", "تکریم",
                 "سهیم", "مقیم", "یتیم", "ضخیم", "لئیم", "نعیم", "جحیم", "تسهیم", "ترسیم"}
PASSIVE_ENDINGS = ("شود", "گردد", "گیرد", "پذیرد", "باشد", "شوند", "گردند", "گیرند", "قرارگیرد")
QUESTION_REPORT = re.compile(r"در\s+پاسخ\s+به\s+(?:این(?:\u200c|\s)?که|سوال|سؤال|پرسش)")
SUBJECT_SKIP = {
    "سپس", "زیرا", "بلکه", "اما", "ولی", "چون", "چرا", "ترتیب",
    "همچنین", "بنابراین", "لذا", "پس", "اکنون", "امروز", "قطعا", "البته",
    "درواقع", "ضمنا",
}


@dataclass
class Clause:
    start: int
    end: int
    speaker: Person | None
    kind: str  # statement | quote | content | sentence | wrapped:<cue>
    verb: str = ""  # the speech verb of a statement («گفت», «اظهار داشت»)
    # A headline, a subheading, or what an official is quoted to say right after «گفت:»: where a bare
    # subjunctive («… رعایت کنند») is a directive.
    direct: bool = False
    lead: bool = False  # the headline, or the first clause of the quote


HEADLINE_MAX_WORDS = 20


def _is_headline(text: str, s: int, e: int, para_end: int) -> bool:
    """A paragraph of one short sentence without a final stop: a headline or subheading."""
    line_start = text.rfind("\n", 0, s) + 1
    if text[line_start:s].strip() or text[e:para_end].strip():
        return False
    return len(text[s:e].split()) <= HEADLINE_MAX_WORDS and ":" not in text[s:e]


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
            cs, ce = _strip_subject(rules, text, s, e, officials)
            headline = _is_headline(text, s, e, para_end)
            out += [Clause(a, b, speaker, kind, direct=headline, lead=headline)
                    for a, b in split_clauses(rules, text, cs, ce)]
        else:
            verb_start, after = colon
            speaker = speaker_at(officials, s, verb_start)
            quote_speaker = speaker
            qs, qe = _trim(text, after, e)
            if qe > qs:
                verb = text[verb_start : after - 1].strip()
                out.append(Clause(qs, qe, speaker, "statement", verb))
                out += [Clause(a, b, speaker, "quote", direct=True, lead=a == qs)
                        for a, b in split_clauses(rules, text, qs, qe)]
            pre = text[s:verb_start]
            m = CONTENT_OPENERS.search(pre)
            if m:
                emphasis = EMPHASIS.search(pre)
                cs = s + (emphasis.start() if emphasis else m.end())
                ce = _content_end(rules, text, s + m.end(), verb_start)
                cs, ce = _trim(text, cs, ce)
                if ce > cs:
                    out.append(Clause(cs, ce, speaker, "content"))
            elif len(pre.split()) > 6:  # «X، هزینه کرد منابع … را به عنوان دومین دستورالعمل عنوان کرد و گفت:»
                ps, pe = _strip_subject(rules, text, s, verb_start, officials)
                pe = _strip_trailing_and(text, ps, pe)
                if pe > ps:
                    out.append(Clause(ps, pe, speaker, "sentence"))
        wrapped = [("خواستار شد", s + m.start(), s + m.end()) for m in WRAPPED_CUES[0][1].finditer(sent)]
        wrapped += [("تأکید کرد", ws, we) for ws, we in wrapped_emphasis(text, s, e)]
        for label, ws, we in wrapped:
            out.append(Clause(ws, we, speaker_at(officials, s, ws) or quote_speaker, "wrapped:" + label))
    return out


def _content_end(rules: Rules, text: str, start: int, verb_start: int) -> int:
    """Where «با بیان اینکه X، (وی) گفت:» ends X: at its last comma, unless that comma only
    separates the items of a list («با تأکید بر نهادینه کردن وحدت، همدلی و هم‌افزایی … افزود»)."""
    comma = text.rfind("،", start, verb_start)
    if comma < 0:
        return verb_start
    rest = atoms_between(text, comma + 1, verb_start)
    listed = any(a.key == "و" for a in rest[1:4]) and not any(rules.is_verbish(rest, k) for k in range(len(rest)))
    return verb_start if listed else comma


# A clause that opens with one of these depends on the next one: never cut after it.
SUBORDINATORS = ("با توجه به", "اگر", "چنانچه", "چون", "از آنجا که", "زمانی که", "وقتی", "هرچند", "اگرچه",
                 "در صورتی که", "به منظور", "برای اینکه", "تا زمانی که")
SUBORDINATORS_FOLDED = tuple(fold(x) for x in SUBORDINATORS)
CLAUSE_MIN_WORDS = 4  # a piece shorter than this stays with its neighbour


def split_clauses(rules: Rules, text: str, s: int, e: int, *, rejoin: bool = True) -> list[tuple[int, int]]:
    """Cut a sentence after each finite verb followed by «و» or «،»: one clause per statement.

    «… سرافراز کرد و این افتخارات باید حفظ شود» holds two clauses; the directive
    is only the second.
    """
    atoms = atoms_between(text, s, e)
    cuts = []
    for i in range(len(atoms) - 1):
        if atoms[i + 1].key in {"و", "،", "؛"} and (atoms[i].key in rules.light_verbs or
                                                     atoms[i].key in rules.joined_verbs):
            cuts.append(i + 1)
    pieces, start = [], 0
    for cut in cuts:
        left = atoms[start:cut]
        if len([a for a in left if a.is_word]) < CLAUSE_MIN_WORDS:
            continue
        if _opens_with(text, left[0].start, SUBORDINATORS_FOLDED):
            continue
        pieces.append((left[0].start, left[-1].end))
        start = cut + 1
    rest = atoms[start:]
    if pieces and len([a for a in rest if a.is_word]) < CLAUSE_MIN_WORDS:
        last_s, _ = pieces.pop()
        pieces.append((last_s, e))
    elif rest:
        pieces.append((rest[0].start, e))
    pieces = [_trim(text, a, b) for a, b in pieces]
    return (_rejoin(rules, text, pieces) if rejoin else pieces) or [(s, e)]


# After a directive, a clause opening with one of these is a new statement, not its continuation.
NEW_STATEMENT = ("ضمن", "اما", "ولی", "همچنین", "در حالی", "البته", "یعنی", "چرا که", "زیرا")


NEW_STATEMENT_FOLDED = tuple(fold(x) for x in NEW_STATEMENT)


def _opens_with(text: str, start: int, folded_openers: tuple[str, ...]) -> bool:
    """Does the clause at ``start`` open with one of the (folded) phrases? Only its first words are folded."""
    return fold(text[start : start + 24]).startswith(folded_openers)


def _rejoin(rules: Rules, text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep a cut only where it separates a directive from what is not one.

    «… سرافراز کرد و این افتخارات باید حفظ شود»: the description before the
    directive goes. «مقرر شد کمیته‌ای تشکیل شود و در آن … بررسی شوند»: the
    continuation after it stays. «… نگاه کنند، ضمن اینکه …»: a new statement goes.
    """
    if len(pieces) < 2:
        return pieces
    cue = [bool(modality_cues(rules, text, atoms_between(text, a, b)))
           or _has(rules.priority, atoms_between(text, a, b)) is not None for a, b in pieces]
    out = [pieces[0]]
    had_cue = cue[0]
    for (a, b), has in zip(pieces[1:], cue[1:], strict=True):
        starts_new = _opens_with(text, a, NEW_STATEMENT_FOLDED)
        if has or not had_cue or starts_new:
            out.append((a, b))
            had_cue = has
        else:  # a continuation of the directive before it
            out[-1] = (out[-1][0], b)
    return out


def _speech_colon(rules: Rules, text: str, s: int, e: int) -> tuple[int, int] | None:
    """(start of the speech verb, end of the colon) for «… گفت:» inside the sentence."""
    first = colon = text.find(":", s, e)
    if colon < 0:
        return None
    while colon >= 0:  # «خبرگزاری فارس: نماینده … گفت: …» — the speech verb's colon, not the dateline's
        atoms = atoms_between(text, max(s, colon - 40), colon)
        for i in range(len(atoms) - 1, max(-1, len(atoms) - 5), -1):
            if rules.speech_verbs.match_at(atoms, i):
                return atoms[i].start, colon + 1
        colon = text.find(":", colon + 1, e)
    if len(text[s:first].split()) <= 8:  # «وزیر کشور خبر داد:» — a short lead-in
        return first, first + 1
    return None


REPORT_LEAD = re.compile(r"به\s+گزارش[^،؛:\n]{0,150}[،؛]\s*")


def _strip_subject(rules: Rules, text: str, s: int, e: int, officials: list[Person]) -> tuple[int, int]:
    """Drop a leading «به گزارش …،», «دکتر پاک سرشت،» or «وی» from a clause."""
    m = REPORT_LEAD.match(text, s, e)
    if m:
        s = m.end()
    for o in officials:
        for ms, me in o.mentions:
            if ms == s or (ms <= s < me):
                rest = text[me:e]
                if rest.lstrip().startswith("،"):
                    return _trim(text, me + rest.index("،") + 1, e)
                atoms = atoms_between(text, me, e)
                if atoms and atoms[0].key in {"با", "در", "ضمن"}:
                    return _trim(text, s, e)
                return _trim(text, me, e)
    return _trim(text, s, e)


def _strip_trailing_and(text: str, s: int, e: int) -> int:
    m = re.search(r"\s+و\s*$", text[s:e])
    return s + m.start() if m else e


def _has(index: Any, atoms: list[Atom]) -> tuple[int, object] | None:
    """The first entry of ``index`` in ``atoms``, as (atom index, value)."""
    for i in positions(atoms, index.firsts):
        m = index.match_at(atoms, i)
        if m:
            return i, m[1]
    return None


# --- cue data read here rather than in lexicon.Rules --------------------------


@dataclass(frozen=True)
class CueData:
    """The parts of rules/cues.json (and verbs.json) that only the directive rules read."""

    labels: dict[str, str]  # folded modality cue → label («با تاکید بر» → emphasis)
    closers: dict[str, list[tuple[tuple[str, ...], int]]]  # gapped opener → (closing words, max gap)
    noun_cues: frozenset[str]
    addressee_cues: frozenset[str]
    action_nouns: frozenset[str]
    action_suffixes: tuple[str, ...]
    action_pattern: re.Pattern[str]
    ordinal_nouns: frozenset[str]
    actor_nouns: frozenset[str]
    agent_suffixes: tuple[str, ...]
    negative: PhraseIndex
    reported_views: PhraseIndex
    forecast_nouns: frozenset[str]
    rhetorical: frozenset[str]  # «باید گفت», «نباید فراموش کرد»: no directive
    present_forms: frozenset[str]  # present-stem forms without «می»: «شود», «کنند», «بپردازند»
    third_forms: frozenset[str]  # the third-person ones: «شود», «شوند», «نماید», «رعایت کنند»
    past_forms: frozenset[str]
    ambiguous_forms: frozenset[str]  # «ماند», «خواند»: a past and a present form at once


def _folded(items: Any) -> frozenset[str]:
    return frozenset(fold(str(x)) for x in items or [])


@cache
def cue_data() -> CueData:
    cues = rule_json("cues.json")
    labels: dict[str, str] = {}
    bare: set[str] = set()
    gapped: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for item in cues.get("modality") or []:
        cue = str(item.get("cue", "")) if isinstance(item, dict) else str(item)
        label = str(item.get("label", "")) if isinstance(item, dict) else ""
        cue = cue.replace("...", "…")
        if "…" in cue:
            head, _, tail = cue.partition("…")
            key = fold(head)
            labels.setdefault(key, label)
            closing = key_of(tail)
            if closing:
                max_gap = int(item.get("max_gap", 8)) if isinstance(item, dict) else 8
                gapped.setdefault(key, []).append((closing, max_gap))
        else:
            labels.setdefault(fold(cue), label)
            bare.add(fold(cue))
    verbs = rule_json("verbs.json")
    present: set[str] = set()
    third: set[str] = set()
    past: set[str] = set()
    for past_stem, present_stem in verbs.get("verb_stems", []):
        p, q = fold(past_stem), fold(present_stem)
        past |= {x + e for x in (p, "ن" + p) for e in ("", "م", "ی", "یم", "ید", "ند", "ه")}
        if q in INDICATIVE_STEMS:  # «دارد», «خواهد»: present without «می» is indicative or future
            continue
        ends = [("ی" + e) for e in PERSON_ENDINGS] if q.endswith("ا") else list(PERSON_ENDINGS)
        present |= {x + q + e for x in ("", "ب", "ن") for e in ends}
        third |= {x + q + e for x in ("", "ب", "ن") for e in ends if e.endswith(("د", "ند")) and not e.endswith("ید")}
        if q.endswith("ا"):
            third |= {x + q + "ید" for x in ("", "ب", "ن")}  # «نماید»
    present |= {"باشد", "باشند", "باشیم", "باشید", "نباشد", "نباشند"}
    third |= {"باشد", "باشند", "نباشد", "نباشند"}
    return CueData(
        labels=labels,
        closers={k: v for k, v in gapped.items() if k not in bare},
        noun_cues=_folded(cues.get("noun_cues")),
        addressee_cues=_folded(cues.get("addressee_cues")),
        action_nouns=frozenset(w.replace(" ", "") for w in _folded(cues.get("action_nouns"))),
        action_suffixes=tuple(sorted(_folded(cues.get("action_noun_suffixes")), key=len, reverse=True)),
        action_pattern=re.compile("|".join(f"(?:{p})" for p in cues.get("action_noun_patterns") or []) or "(?!)"),
        ordinal_nouns=_folded(cues.get("ordinal_nouns")),
        actor_nouns=_folded(cues.get("actor_nouns")),
        agent_suffixes=tuple(sorted(_folded(cues.get("agent_suffixes")), key=len, reverse=True)),
        negative=PhraseIndex((c, c) for c in cues.get("negative_context") or []),
        reported_views=PhraseIndex((c, c) for c in cues.get("reported_views") or []),
        forecast_nouns=frozenset(w.replace(" ", "") for w in _folded(cues.get("forecast_nouns"))),
        rhetorical=_folded(cues.get("rhetorical_after_modal")),
        present_forms=frozenset(present - MODAL_FORMS),
        third_forms=frozenset(third - MODAL_FORMS),
        past_forms=frozenset(past - present),
        ambiguous_forms=frozenset(past & present),
    )


PERSON_ENDINGS = ("م", "د", "یم", "ید", "ند")
MODAL_FORMS = {"باید", "نباید"}  # «ب» + «آید» would spell the modal; «بیاید» is written with its «ی»
INDICATIVE_STEMS = {"دار", "خواه"}
# Verb forms that state, not prescribe: «… است», «… نشد», «… دارد».
INDICATIVE = {"است", "هست", "نیست", "هستند", "نیستند", "هستیم", "بود", "بودند", "نبود", "دارد", "دارند", "داریم",
              "ندارد", "ندارند", "نداریم", "خواهد", "خواهند", "اند", "ایم", "ست"}
CLITICS = {"اند", "ایم", "اید", "است", "ام", "ای", "ست", "ها", "های", "هایی"}
PLURAL_CLITICS = ("ها", "های", "هایی")


@dataclass(frozen=True)
class Cue:
    at: int  # atom index
    size: int  # atoms
    text: str  # as listed in cues.json
    label: str


def modality_cues(rules: Rules, text: str, atoms: list[Atom]) -> list[Cue]:
    """The modality cues of a clause that stand as cues here, in order.

    A listed phrase is not always a cue: «ضرورت‌سازی» is not «ضرورت», «از مردم
    خواست» is but «خواست مردم» is not, «با تأکید بر اینکه … است» states a fact.
    """
    data = cue_data()
    out = []
    for i in positions(atoms, rules.modality.firsts):
        m = rules.modality.match_at(atoms, i)
        if not m:
            continue
        cue = Cue(i, m[0], str(m[1]), data.labels.get(fold(str(m[1])), ""))
        if _cue_stands(rules, text, atoms, cue):
            out.append(cue)
    return out


def _asks_someone(atoms: list[Atom], i: int) -> bool:
    """Does «از X» stand right before atom ``i`` («از نیروی انتظامی خواسته است»)?"""
    for a in reversed(atoms[max(0, i - 10) : i]):
        if a.key == "از":
            return True
        if not a.is_word or a.key in {"به", "در", "با", "بر", "برای"}:
            return False
    return False


def _cue_stands(rules: Rules, text: str, atoms: list[Atom], cue: Cue) -> bool:
    data = cue_data()
    i, n, key = cue.at, cue.size, fold(cue.text)
    # A whole word: not the head or tail of a ZWNJ compound («ضرورت‌سازی», «غیر‌ضروری»).
    if i > 0 and zwnj_joined(text, atoms[i - 1], atoms[i]) and atoms[i - 1].key not in {"می", "نمی"}:
        return False
    last = i + n - 1
    if last + 1 < len(atoms) and zwnj_joined(text, atoms[last], atoms[last + 1]) and atoms[last + 1].key not in CLITICS:
        return False
    if key in data.noun_cues and not _bare_noun_cue(rules, atoms, i, n):
        return False
    if key in data.closers and not any(_closes(text, atoms, i + n, closing, gap) for closing, gap in data.closers[key]):
        return False  # «نیازمند … است» without its «است»
    if key in data.addressee_cues and not _asks_someone(atoms, i):
        return False  # «خواست مردم» is a noun; «از مردم خواست» asks
    if key in {"باید", "نباید"} and last + 1 < len(atoms) and atoms[last + 1].key in data.rhetorical:
        return False  # «باید گفت …», «نباید فراموش کرد که …»: a turn of phrase
    if _has(data.reported_views, atoms[:i]) is not None:
        return False  # «تفکر دشمن این است که … باید …»
    if cue.label == "expectation" and key.startswith("انتظار می") and any(
            a.key in data.forecast_nouns for a in atoms[i + n :]):
        return False  # «انتظار می‌رود … تعداد گردشگران افزایش یابد»: a forecast
    if _in_dependent_clause(text, atoms, i):
        return False  # «در جایی که اطاعت لازم است، این کار را انجام نمی‌دهند»
    if cue.label == "necessity" and last + 1 < len(atoms) and atoms[last + 1].key in {"که", "تا"}:
        # «… ضروری است که X»: X must be what is to be done («… انجام شود»), not «… تشکر می‌کنم».
        return _prescribes_somewhere(rules, atoms[last + 2 :])
    return cue.label != "emphasis" or _emphasis_prescribes(rules, text, atoms, cue)


NEW_STATEMENT_WORDS = {"زیرا", "چون", "چراکه", "اما", "ولی", "البته"}


def _prescribes_somewhere(rules: Rules, atoms: list[Atom]) -> bool:
    """Does a complement clause (up to a new statement: «زیرا», «اما» …) hold a modal cue or a subjunctive verb?"""
    data = cue_data()
    words: list[Atom] = []
    for a in atoms:
        if a.key in NEW_STATEMENT_WORDS or a.key == "؛":
            break
        words.append(a)
    for k, a in enumerate(words):
        if rules.modality.match_at(words, k):
            return True
        if a.key in data.present_forms and not (k > 0 and words[k - 1].key in {"می", "نمی"}):
            return True
    return False


HEADLINE_BREAKS = {"/", ":", "؛", "«", "|", "-", "–", "(", "»"}
DEPENDENT_OPENERS = tuple(fold(x) for x in ("در جایی که", "جایی که", "زمانی که", "وقتی", "هنگامی که", "اگر", "چنانچه",
                                             "در صورتی که", "هر جا که"))


def _in_dependent_clause(text: str, atoms: list[Atom], i: int) -> bool:
    """Is atom ``i`` inside an opening «اگر …، / جایی که …،» clause that a main clause follows?"""
    if not atoms or not fold(text[atoms[0].start : atoms[0].start + 24]).startswith(DEPENDENT_OPENERS):
        return False
    if any(a.key == "،" for a in atoms[:i]):
        return False
    comma = next((k for k in range(i + 1, len(atoms)) if atoms[k].key == "،"), None)
    return comma is not None and sum(a.is_word for a in atoms[comma + 1 :]) >= 3


def _bare_noun_cue(rules: Rules, atoms: list[Atom], i: int, n: int) -> bool:
    """A bare «لزوم X», «ضرورت X», «پرهیز از X» is a directive where it opens a clause or headline
    («لزوم جلوگیری از …») or is what a subject reports («شهردار ضرورت X را یادآور شد»); not
    «درباره لزوم …», «یک ضرورت», «که ضرورت اقتصادی جامعه است», «پیشرفت علم و لزوم X را …».
    """
    if i + n >= len(atoms) or not atoms[i + n].is_word:
        return False
    if _has(cue_data().negative, atoms) is not None:
        return False  # «مکاتباتی درباره لزوم … انجام شده است»: a past description
    if i == 0 or atoms[i - 1].key in HEADLINE_BREAKS:
        return True
    prev = atoms[i - 1]
    if not prev.is_word or prev.key in rules.stop or prev.key in PREPOSITIONS or prev.key in DETERMINERS \
            or prev.key in {"و", "یا"}:
        return False
    # «شهردار اردبیل ضرورت آموزش … را یادآور شد»: the noun phrase is the object of the report.
    for a in atoms[i + n : i + n + 16]:
        if a.key == "را":
            return True
        if not a.is_word and a.key != "،":
            return False
    return False


def _closes(text: str, atoms: list[Atom], start: int, closing: tuple[str, ...], gap: int) -> bool:
    """Does ``closing`` follow within ``gap`` written words («دستگاه‌های» is one word, two atoms)?"""
    words = 0
    for j in range(start, len(atoms)):
        if tuple(a.key for a in atoms[j : j + len(closing)]) == closing:
            return True
        if atoms[j].key in {".", "؟", "?", "!"}:
            return False
        if atoms[j].is_word and not (j > 0 and zwnj_joined(text, atoms[j - 1], atoms[j])):
            words += 1
            if words > gap:
                return False
    return False


def _emphasis_prescribes(rules: Rules, text: str, atoms: list[Atom], cue: Cue) -> bool:
    """Is what an emphasis cue («با تأکید بر», «تأکید کرد که») governs a directive?"""
    key = fold(cue.text)
    if "لزوم" in key or "ضرورت" in key:  # «بر لزوم …»: the cue names the necessity itself
        return True
    i, n = cue.at, cue.size
    after = atoms[i + n :]
    if key.endswith((" که", " تا")):  # «تأکید کرد که X»: X is a clause
        return prescribes(rules, text, after, clause=True)
    if after and after[0].key in {"که", "تا"}:
        return prescribes(rules, text, after[1:], clause=True)
    if key.startswith("با "):
        return prescribes(rules, text, after)
    j = next((k for k in range(i - 1, -1, -1) if atoms[k].key == "بر"), -1)
    return prescribes(rules, text, atoms[j + 1 : i])  # «بر X تأکید شد»: X stands between «بر» and the cue


def prescribes(rules: Rules, text: str, comp: list[Atom], *, clause: bool = False) -> bool:
    """Does an emphasized complement prescribe something?

    A clause («اینکه …», «که …») must hold a modal cue or end on a subjunctive
    verb («… انجام شود»); «اینکه … است / نشد / می‌شود» states a fact. A noun
    phrase must be headed by an action noun («حفظ»، «توسعه»، «نهادینه کردن»،
    «فرهنگ‌سازی»); «اهمیت X», «نقش X», «صلابت X» name no action.
    """
    words = [a for a in comp if a.is_word]
    if not words:
        return False
    data = cue_data()
    for k in positions(comp, rules.modality.firsts):
        m = rules.modality.match_at(comp, k)
        cue = fold(str(m[1])) if m else ""
        if m and data.labels.get(cue) not in {"emphasis", None} and cue not in data.noun_cues | data.addressee_cues:
            return True
    if clause:
        return subjunctive_end(words)
    keys = [a.key for a in words]
    if keys[0] in {"اینکه", "انکه", "که"}:
        return subjunctive_end(words[1:])
    if keys[0] in {"این", "ان"}:
        if len(keys) > 1 and keys[1] == "که":
            return subjunctive_end(words[2:])
        that = next((j for j in range(1, min(len(keys), 5)) if keys[j] == "که"), None)
        return that is not None and subjunctive_end(words[that + 1 :])
    return is_action_noun(text, words, 0)


def is_action_noun(text: str, words: list[Atom], k: int) -> bool:
    """Is the word at ``k`` a verbal noun: «حفظ», «تشدید», «به‌کارگیری», «فرهنگ‌سازی», «نهادینه کردن»?"""
    data = cue_data()
    head = words[k].key
    j = k
    while j + 1 < len(words) and zwnj_joined(text, words[j], words[j + 1]):  # «به‌کارگیری» is one word
        j += 1
        head += words[j].key
    for word in {head, words[k].key}:
        if word in data.action_nouns or word in data.noun_cues or data.action_pattern.fullmatch(word):
            return True
        if any(word.endswith(x) and len(word) > len(x) + 1 for x in data.action_suffixes):
            return True  # «فرهنگسازی» written without a ZWNJ
    return k + 1 < len(words) and words[k + 1].key in data.action_suffixes  # «فرهنگ سازی», «نهادینه کردن»


def subjunctive_end(words: list[Atom]) -> bool:
    """Does a clause end on a subjunctive (or jussive) verb: «… انجام شود», «… بپردازند», «… باشند»?"""
    words = [a for a in words if a.is_word]
    if not words:
        return False
    data = cue_data()
    last = words[-1].key
    before = words[-2].key if len(words) > 1 else ""
    if before in {"می", "نمی"} or (last.startswith(("می", "نمی")) and last[2:] in data.present_forms):
        return False
    if last in INDICATIVE or last in data.past_forms:
        return False
    if last in data.present_forms:
        return True
    return len(last) >= 4 and last.startswith("ب") and last.endswith(("د", "ند", "یم")) and last not in data.past_forms


# Words that make a subjunctive dependent, hypothetical or a wish, not a directive:
# «تا … شود», «اگر … باشد», «ممکن است … کند», «امیدواریم … شود».
JUSSIVE_BLOCKERS = {"تا", "که", "اگر", "چنانچه", "اینکه", "انکه", "شاید", "ممکن", "بتواند", "بتوانند", "تواند",
                    "توانند", "خواهد", "خواهند", "امیدوار", "امیدواریم", "امید", "ارزو", "مگر", "وقتی", "زمانی",
                    "هرچند", "اگرچه", "چرا", "ایا", "چگونه", "چطور", "کجا", "چه", "هرگاه", "صورتی", "مبادا",
                    "نکند", "بگذارید", "بگذاریم"}
JUSSIVE_MAX_WORDS = 30
# Past stems that are mostly nouns: «پرداخت تسهیلات», «ساخت مدرسه», «برداشت محصول».
NOUN_STEMS = {"پرداخت", "ساخت", "برداشت", "خواست", "بست", "ریخت", "دید", "گشت", "یافت", "شناخت", "کشت", "افزود"}
UNTIL_WORDS = {"پایان", "اخر", "ابتدای", "اول", "اوایل", "اواخر", "نیمه", "قبل", "پیش", "سال", "ماه", "هفته", "روز",
               "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "ابان", "اذر", "دی", "بهمن", "اسفند"}


def _until(word: str) -> bool:
    return word in UNTIL_WORDS or word.isdigit()


def jussive_verb(rules: Rules, atoms: list[Atom]) -> int | None:
    """The atom of a bare third-person subjunctive that ends a directly quoted clause or a headline.

    «اصناف … حقوق مردم را رعایت کنند», «پرونده … بررسی شود»: a directive with no
    modal word. Nothing may make the subjunctive dependent (see JUSSIVE_BLOCKERS),
    and no other verb of the clause may state a fact («… شده و … برگزار شود»).
    """
    data = cue_data()
    words = [(k, a) for k, a in enumerate(atoms) if a.is_word]
    if not words or len(words) > JUSSIVE_MAX_WORDS or not atoms[-1].is_word:
        return None
    k, last = words[-1]
    if last.key not in data.third_forms or last.key in data.ambiguous_forms:
        return None
    if len(words) > 1 and (words[-2][1].key in JUSSIVE_BLOCKERS | {"می", "نمی"} or words[-2][1].key in INDICATIVE):
        return None  # «… ثابت خواهد ماند», «… می شود»
    for j, (_, a) in enumerate(words[:-2]):  # the word before the verb is its preverb («پرداخت کنند»)
        if a.key == "تا" and _until(words[j + 1][1].key):
            continue  # «تا پایان سال اجرا شود»: a deadline, not «so that»
        if a.key in JUSSIVE_BLOCKERS or a.key in {"می", "نمی"} or a.key in INDICATIVE:
            return None
        if a.key in data.past_forms and a.key not in NOUN_STEMS:
            return None  # «… تلفیق شده و … برگزار شود»: a description comes with it
        if a.key.startswith(("می", "نمی")) and a.key[2:] in data.present_forms:
            return None
    return k


def priority_rank(rules: Rules, atoms: list[Atom]) -> int | None:
    """The rank of an ordinal before a priority noun («دومین شاخصه»), or before «و» and a priority cue."""
    ranked = priority_ranks(rules, atoms)
    return ranked[0][1] if ranked else None


def priority_ranks(rules: Rules, atoms: list[Atom]) -> list[tuple[int, int]]:
    """(atom index, rank) of every ranked priority in a clause, in order."""
    nouns = cue_data().ordinal_nouns
    out = []
    for i in positions(atoms, rules.ordinal_index.firsts):
        m = rules.ordinal_index.match_at(atoms, i)
        if not m or i + m[0] >= len(atoms):
            continue
        nxt = i + m[0]
        if atoms[nxt].key in nouns:
            out.append((i, int(m[1])))
        elif atoms[nxt].key == "و" and nxt + 1 < len(atoms) and (
                rules.priority.match_at(atoms, nxt + 1) or atoms[nxt + 1].key.endswith("ترین")):
            out.append((i, int(m[1])))  # «اولین و مهم‌ترین …»
    return out


def enumerated_priorities(rules: Rules, atoms: list[Atom]) -> list[tuple[int, int, int]]:
    """«X نخستین شاخصه بسیجی و دومین شاخصه او Y است»: one (start atom, end atom, rank) per ranked item.

    A clause that ranks two or more items is cut before the «و»/«،» that opens each later one.
    """
    ranked = priority_ranks(rules, atoms)
    if len(ranked) < 2 or any(i == 0 or atoms[i - 1].key not in {"و", "،"} for i, _ in ranked[1:]):
        return []
    bounds = [0] + [i for i, _ in ranked[1:]]
    ends = [i - 1 for i, _ in ranked[1:]] + [len(atoms)]
    return [(b, e, rank) for b, e, (_, rank) in zip(bounds, ends, ranked, strict=True)]


YOU_EXCEPTIONS = {"باید", "جدید", "شدید", "تولید", "تاکید", "تأکید", "امید", "خرید", "سفید", "کلید", "تهدید",
                  "تمدید", "تشدید", "تردید", "تایید", "تأیید", "عید", "شهید", "مفید", "بعید", "نوید", "تجدید",
                  "تقلید", "توحید", "تبعید", "بایستید", "سعید", "مجید", "حمید", "وحید", "فرید", "رشید", "خورشید",
                  "ناامید", "نومید", "پلید", "سپید", "مزید", "جاوید", "جمشید", "بدید"}
# «نماید», «آید», «فرماید», «گشاید»: a present stem in «ا» takes «ید» in the third person singular;
# its second person plural is «نمایید». So are «گوید», «جوید», «پوید» (stems «گوی», «جوی», «پوی»).
THIRD_PERSON_YD = ("اید", "گوید", "جوید", "پوید")
# Words that may open an actor phrase although they are stop words: «همه دستگاه‌ها», «سایر دستگاه‌ها».
ACTOR_OPENERS = {"همه", "ما", "مردم", "سایر", "هر", "یک", "تمام", "تمامی", "کلیه", "شما"}
# Words that only determine or count what follows: «یک» or «همین» alone names nobody.
DETERMINERS = {"همه", "سایر", "هر", "یک", "تمام", "تمامی", "کلیه", "این", "ان", "برخی", "بسیاری", "بعضی", "دیگر",
               "همین", "همان", "چند", "تعدادی", "عموم", "اکثر", "کل"}
PRONOUN_ACTORS = {"ما", "شما", "همه", "همگان", "ایشان", "انها", "من"}
ACTOR_MAX_WORDS = 7
# «از مردم خواست …», «از سازمان‌ها انتظار می‌رود …»: the actor follows the nearest «از».
ASKED_OF = re.compile(r"(?<![\w\u200c])از\s+(?P<who>(?:(?!(?<![\w\u200c])از\s)[^،.:؛]){2,60}?)\s+"
                      r"(?:خواست|درخواست|انتظار|تقاضا|می[\s\u200c]?خواهیم)")
# «لازم است تا سایر دستگاه‌ها نیز …»: the actor follows «تا»/«که».
NEEDED_THAT = re.compile(r"(?:لازم|ضروری|ضرورت|نیاز)\s+(?:است|دارد)\s+(?:تا|که)\s+")
# Nouns that head a directive headline: «منع X», «ممنوعیت X», «لزوم X».
NOMINAL_CUES = {"منع", "ممنوعیت", "لزوم", "ضرورت", "پرهیز از"}
# Cues that describe the action itself («X ضروری است», «X ممنوع است», «X مصوب شد»): what stands
# before them is what must be done, and an actor only when it names who acts.
PREDICATE_LABELS = {"necessity", "decision", "plan", "expectation", "emphasis"}
PREDICATE_CUES = {"ممنوع", "ممنوع است", "ممنوعیت", "منع", "ممنوع شد", "ممنوع میباشد", "از مطالبات", "مطالبه ما",
                  "بهتر است", "شایسته است"}


def find_actor(rules: Rules, text: str, clause: tuple[int, int], cues: list[Cue], atoms: list[Atom],
               agent_spans: list[tuple[int, int]] | tuple[()] = ()) -> str | None:
    """Who must act, in this order of evidence:

    1. «از X خواست / درخواست داریم / انتظار می‌رود» → X;
    2. a first-person plural verb after a cue («قرار دهیم») → «ما»; second-person plural → «شما»;
    3. for each cue, what ``actor_of`` reads around it.
    """
    m = ASKED_OF.search(text, clause[0], clause[1])
    if m and (who := _plausible_actor(rules, m.group("who").strip(), strict=True)):
        return who
    for cue in cues:
        if (pronoun := person_of_verb(_governed(atoms, cue.at, _own_atoms(cue)))):
            return pronoun
    return next((a for cue in cues if (a := actor_of(rules, text, clause, cue, atoms, agent_spans))), None)


def _own_atoms(cue: Cue) -> int:
    """How many atoms of the cue to skip before the verb it governs.

    «وظیفه داریم» names its actor itself («ما»), so its own words count; «درخواست
    داریم», «تأکید کردیم» name the speaker, not who must act.
    """
    return 1 if cue.label == "obligation" else cue.size


def actor_of(rules: Rules, text: str, clause: tuple[int, int], cue: Cue | int, atoms: list[Atom],
             agent_spans: list[tuple[int, int]] | tuple[()] = ()) -> str | None:
    """Who must act according to one cue:

    1. «خواستار همکاری X … شد» → X; «مطالبه ما از X …» → X;
    2. «لازم است تا X …» → the phrase after «تا»;
    3. the subject right before the cue («شهرداران باید …», «وزارت صنعت نیز موظف شد»), unless
       the clause is passive («… باید در اولویت قرار گیرد»); before a cue that describes the
       action («X ضروری است») only a phrase that names who acts;
    4. the subject right after the modal («باید بچه‌ها … نیکی کنند»).
    """
    if isinstance(cue, int):
        m = rules.modality.match_at(atoms, cue)
        cue = Cue(cue, m[0] if m else 1, str(m[1]) if m else atoms[cue].key,
                  cue_data().labels.get(fold(str(m[1])), "") if m else "")
    cue_at = cue.at
    words = [a for a in atoms if a.is_word]
    if not words:
        return None
    # «مطالبه ما از سازمان‌های بین‌المللی …», «… از مطالبات نمایندگان از دستگاه قضا است»: who is asked
    # follows an «از» right after a demand.
    end = cue_at + cue.size
    if fold(cue.text).endswith(" از"):
        asked = end
    elif cue.label in {"demand", "expectation"}:
        asked = next((k + 1 for k in range(end, min(len(atoms) - 1, end + 3)) if atoms[k].key == "از"), -1)
    else:
        asked = -1
    if asked > 0 and (after := _plausible_actor(rules, _subject_at(rules, text, atoms, asked), strict=True)):
        return after
    if fold(cue.text) in NOMINAL_CUES and (cue_at == 0 or not atoms[cue_at - 1].is_word) and end < len(atoms):
        # «منع سرمایه‌گذاری بانک‌های دولتی در …»: the agent of the forbidden action follows it.
        k = end + 1
        while k < len(atoms) and zwnj_joined(text, atoms[k - 1], atoms[k]):
            k += 1
        if k < len(atoms) and (after := _plausible_actor(rules, _subject_at(rules, text, atoms, k), strict=True)):
            return after
    tail = _governed(atoms, cue_at, _own_atoms(cue))
    demanded = _plausible_actor(rules, _demanded_of(rules, text, atoms))
    if demanded:
        return demanded
    needed_that = NEEDED_THAT.search(text, clause[0], clause[1])
    if needed_that:
        after_atoms = atoms_between(text, needed_that.end(), clause[1])
        if (needed := _plausible_actor(rules, _subject_at(rules, text, after_atoms, 0), strict=True)):
            return needed
    last = tail[-1] if tail else words[-1].key
    if cue.label == "decision" or atoms[cue_at].key in DECISION_CUES:
        return None  # «در جلسه … مقرر شد»: what stands before a decision is where it was taken, not who acts
    if cue.label == "instruction":
        # «… را به ۱۳ بانک دولتی ابلاغ کرد»: whom an instruction is sent to must act on it.
        i = _np_start(rules, atoms, cue_at)
        if 0 < i < cue_at and atoms[i - 1].key == "به":
            phrase = text[atoms[i].start : atoms[cue_at - 1].end]
            if names_agent(rules, phrase):
                return phrase
    if cue.label == "jussive":
        # «اصناف … حقوق مردم را رعایت کنند»: the subject opens the clause; «… بررسی شود» has none.
        if atoms[cue_at].key.endswith(PASSIVE_ENDINGS) and atoms[cue_at].key not in COPULA:
            return None
        return _plausible_actor(rules, _subject_at(rules, text, atoms, 0), strict=True)
    if cue.label == "emphasis":
        # «فرماندار تأکید کرد که همه دستگاه‌ها …»: who emphasizes is the issuer; the actor is the
        # subject of what is emphasized.
        comp = atoms[cue_at + cue.size :]
        if fold(cue.text).endswith((" که", " تا")) or (comp and comp[0].key in {"که", "تا", "اینکه"}):
            k = 0 if fold(cue.text).endswith((" که", " تا")) else 1
            return _plausible_actor(rules, _subject_at(rules, text, comp, k), strict=True)
        return None
    if cue.label == "demand":
        # «X طی نامه‌ای به فرماندار خواستار … شد»: X demands; who is asked («به/از Y») must act.
        i = _np_start(rules, atoms, cue_at)
        if 0 < i < cue_at and atoms[i - 1].key in {"به", "از"}:
            phrase = text[atoms[i].start : atoms[cue_at - 1].end]
            return phrase if names_agent(rules, phrase) else None
        return None
    if fold(cue.text) in cue_data().noun_cues:
        return None  # «شهردار ضرورت X را یادآور شد»: who names a necessity is its issuer, not its actor
    strict = cue.label in PREDICATE_LABELS or fold(cue.text) in PREDICATE_CUES
    actor = _plausible_actor(rules, _phrase_before(rules, text, atoms, cue_at, agent_spans), strict=strict)
    if actor and fold(actor) in PRONOUN_ACTORS - {"همه", "همگان"} and _disagrees(fold(actor), last):
        actor = None  # «ما معتقدیم باید طیف‌های مختلف … سهیم باشند»: «ما» is not who must be
    passive = last.endswith(PASSIVE_ENDINGS) and not last.endswith(("ند", "ندی"))
    if passive:
        # «… باید در اولویت قرار گیرد»: passive, what comes before the cue is no actor …
        # … unless it names who is meant to be so: «بسیج … باید در خدمت نظام باشد».
        agent = actor and (names_agent(rules, actor) or fold(actor).split()[0] in ACTOR_OPENERS)
        return actor if last in COPULA and agent else None
    if actor is None and cue.label in {"obligation", "prohibition"} and not strict:
        # «باید بچه‌ها به پدر و مادر خود نیکی کنند»: the subject after the modal.
        after_atoms = atoms[cue_at + cue.size :]
        subject = _subject_at(rules, text, after_atoms, 0)
        n = len(atomize(subject)) if subject else 0
        if subject and not (n < len(after_atoms) and after_atoms[n].key == "را"):
            actor = _plausible_actor(rules, subject, strict=True)
    return actor


def _disagrees(pronoun: str, verb: str) -> bool:
    """Is the governed verb a third person plural, which a pronoun subject cannot take («ما … باشند»)?"""
    data = cue_data()
    return verb.endswith("ند") and (verb in data.present_forms or verb in data.past_forms) and pronoun != "ایشان"


def person_of_verb(governed: list[str]) -> str | None:
    """«ما» for a first-person plural verb («قرار دهیم»), «شما» for a second-person plural one («تلاش کنید»).

    «نماید», «فرماید», «آید» are third person singular: a stem in «ا» takes «ید»
    there, and «یید» in the second person plural («نمایید»).
    """
    if any(_we_verb(governed, j) for j in range(len(governed))):
        return "ما"
    if governed:
        last = governed[-1]
        if (last.endswith("ید") and len(last) > 3 and last not in YOU_EXCEPTIONS
                and (last.endswith("یید") or not last.endswith(THIRD_PERSON_YD))):
            return "شما"
    return None


def _we_verb(governed: list[str], j: int) -> bool:
    """Is word ``j`` a first-person plural verb? Only where a verb stands: a known form («کنیم»), a
    prefixed one («بکوشیم», «می کوشیم»), or the last word; «سهیم», «عظیم» elsewhere are adjectives."""
    k = governed[j]
    if not k.endswith("یم") or len(k) <= 3 or k in WE_EXCEPTIONS or _first_singular(k):
        return False
    data = cue_data()
    return (k in data.present_forms or k in data.past_forms or k.startswith(("ب", "ن"))
            or j == len(governed) - 1 or (j > 0 and governed[j - 1] in {"می", "نمی"}))


def _first_singular(verb: str) -> bool:
    """«نمایم», «آیم»: a stem in «ا» with the first person singular «یم» (the plural is «نماییم»)."""
    return verb.endswith("ایم") and not verb.endswith("اییم")


DECISION_CUES = {"مقرر", "قرار"}


def _plausible_actor(rules: Rules, phrase: str | None, *, strict: bool = False) -> str | None:
    """Drop a dangling «و», and a phrase that cannot be an actor («مهم», «قدرت», «یک»).

    ``strict``: the phrase must name who acts (see ``names_agent``).
    """
    if not phrase:
        return None
    phrase = re.sub(r"[\s\u200c]+و$", "", phrase).strip()
    words = fold(phrase).split()
    if not words:
        return None
    if words[0] in rules.stop - ACTOR_OPENERS or words[0] in PREPOSITIONS:
        return None
    if all(w in DETERMINERS or w.isdigit() for w in words) and fold(phrase) not in PRONOUN_ACTORS:
        return None  # «یک», «همین»
    if strict:
        return phrase if names_agent(rules, phrase) else None
    if len(words) == 1 and not (names_agent(rules, phrase) or words[0] in ACTOR_OPENERS):
        return None  # «استان», «قدرت»: one word that names nobody
    return phrase


COPULA = {"باشد", "باشند"}
CLAUSE_JOINTS = {"که", "تا", "،", "؛"}


def _governed(atoms: list[Atom], cue_at: int, skip: int = 1) -> list[str]:
    """The words after the cue up to the next «که»/«تا»/«،»: the verb the cue governs is among them."""
    out: list[str] = []
    for a in atoms[cue_at + skip :]:
        if a.key in CLAUSE_JOINTS and out:
            break
        if a.is_word:
            out.append(a.key)
    return out


HUMAN_PLURALS = (("گان", "ه"), ("یان", "ی"), ("یان", ""), ("ان", ""), ("ین", ""))


def names_agent(rules: Rules, phrase: str) -> bool:
    """Does the phrase name who can act: a body, an office, a person or a group of people?

    «دستگاه‌های اجرایی», «شهرداران», «اصناف», «بانک کشاورزی», «همه» do; «استفاده از
    اتباع», «اهمیت تجهیزات», «منابع آبی», «مرحله اول» do not.
    """
    atoms = atomize(phrase)
    k = 0
    while k < len(atoms) and (atoms[k].key in DETERMINERS or atoms[k].key.isdigit()):
        k += 1
    if k >= len(atoms):
        return fold(phrase) in PRONOUN_ACTORS
    if atoms[k].key in PRONOUN_ACTORS:
        return True
    if rules.org_heads.match_at(atoms, k) or rules.organizations.match_at(atoms, k) or rules.titles.match_at(atoms, k):
        return True
    place = rules.places.match_at(atoms, k)
    if place and place[1][1] == "country":
        return True
    data = cue_data()
    head = atoms[k].key
    if head in data.actor_nouns:
        return True
    stems = [head[: -len(x)] for x in PLURAL_CLITICS if head.endswith(x)]
    human = [head[: -len(x)] + y for x, y in HUMAN_PLURALS if head.endswith(x) and len(head) - len(x) >= 3]
    for stem in stems + human:
        if stem in data.actor_nouns or _is_office(rules, stem):
            return True
    return any(stem.endswith(x) and len(stem) >= max(4, len(x) + 2) for stem in human for x in data.agent_suffixes)


def _is_office(rules: Rules, word: str) -> bool:
    atoms = atomize(word)
    if len(atoms) != 1:
        return False
    return any((m := index.match_at(atoms, 0)) and m[0] == 1 for index in (rules.titles, rules.org_heads))


# Prepositions a subject cannot follow: a noun phrase after one is its object («در مرحله اول باید …»).
PREPOSITIONS = {"در", "با", "از", "برای", "به", "نسبت", "بر", "طی", "جز", "درباره", "مانند", "توسط", "راستای", "جهت",
                "منظور", "دنبال", "نظیر"}
# Prepositions that open an adverbial inside an actor phrase: «همه دستگاه‌ها با انگیزه … باید» → «همه دستگاه‌ها».
ADVERBIAL_PREPOSITIONS = {"در", "با", "برای", "طی", "ضمن", "از"}
ALSO = {"نیز", "هم"}


def _phrase_before(rules: Rules, text: str, atoms: list[Atom], cue_at: int,
                   agent_spans: list[tuple[int, int]] | tuple[()] = ()) -> str | None:
    """The noun phrase ending right before atom ``cue_at``, read backwards to a boundary.

    «نیز»/«هم» before the cue are skipped («وزارت صنعت نیز موظف شد»). A known
    organization or office ending there is taken whole, commas and all
    («وزارت بهداشت، درمان و آموزش پزشکی مکلف شد»). A prepositional phrase in
    between is crossed when a noun phrase opens the clause before it: «بسیج در
    مقابله با … باید» (→ «بسیج»), «متعهدین به ارزش‌ها باید», «دانشگاه آزاد به
    عنوان پیشگام … باید». A noun phrase governed by a preposition is no subject:
    «در مرحله اول باید …», «به نظر من باید …».
    """
    end = cue_at
    while end > 0 and atoms[end - 1].key in ALSO:
        end -= 1
    if end == 0:
        return None
    known = _known_agent_before(rules, text, atoms, end, agent_spans)
    if known:
        return known
    i = _np_start(rules, atoms, end)
    if i >= end:
        return _relative_before(rules, text, atoms, end)
    start, crossed = i, 0
    while crossed < 3 and start > 1 and atoms[start - 1].key in PREPOSITIONS:
        j = _np_start(rules, atoms, start - 1)
        if j >= start - 1:
            break
        start, crossed = j, crossed + 1
    opens_clause = start == 0 or not atoms[start - 1].is_word or atoms[start - 1].key in SUBJECT_SKIP
    if crossed and opens_clause:
        keys = [a.key for a in atoms[start:end]]
        # «دانشگاه آزاد به عنوان پیشگام …»: the apposition after «به عنوان» is not part of the actor.
        if "عنوان" in keys and keys.index("عنوان") > 0 and keys[keys.index("عنوان") - 1] == "به":
            return text[atoms[start].start : atoms[start + keys.index("عنوان") - 2].end]
        # «بسیج در مقابله با استکبار …»: an adverbial is not part of the actor.
        cut = next((k for k in range(1, len(keys)) if keys[k] in ADVERBIAL_PREPOSITIONS
                    and keys[k : k + 2] != ["از", "جمله"]), len(keys))
        return text[atoms[start].start : atoms[start + cut - 1].end]
    if i >= 2 and atoms[i - 1].key == "عنوان" and atoms[i - 2].key == "به":
        # «دانشگاه آزاد به عنوان پیشگام … باید»: the actor stands before «به عنوان».
        j = _np_start(rules, atoms, i - 2)
        return text[atoms[j].start : atoms[i - 3].end] if j < i - 2 else None
    if atoms[i].key == "عنوان":
        return None
    if i > 0 and atoms[i - 1].key in PREPOSITIONS:
        return None  # «در حوزه امتحانی ممنوع است», «در راستای ایجاد اشتغال نیاز است»
    return text[atoms[i].start : atoms[end - 1].end]


def _known_agent_before(rules: Rules, text: str, atoms: list[Atom], end: int,
                        agent_spans: list[tuple[int, int]] | tuple[()]) -> str | None:
    """An organization or office that ends right before atom ``end`` and opens its clause."""
    last = atoms[end - 1].end
    starts = [s for s, e in agent_spans if e == last and s >= atoms[0].start]
    for k in range(end - 1, max(-1, end - 12), -1):
        for index in (rules.organizations, rules.titles):
            m = index.match_at(atoms, k)
            if m and k + m[0] == end:
                starts.append(atoms[k].start)
    for s in sorted(set(starts)):
        at = next((j for j, a in enumerate(atoms) if a.start == s), None)
        if at is None:
            continue
        # The name must be the subject: at the clause start, or after a boundary («، وزارت …»).
        if at == 0 or not atoms[at - 1].is_word or atoms[at - 1].key in SUBJECT_SKIP | {"و"}:
            return text[s:last]
    return None


def _subject_at(rules: Rules, text: str, atoms: list[Atom], k: int) -> str | None:
    """The subject noun phrase at atom ``k``, kept short: determiners, a head with its plural,
    adjectives in «ی» and a coordinated agent («دستگاه‌های اجرایی و نهادهای عمومی»); not the
    object or predicate after it («بانک‌ها تسهیلات …» → «بانک‌ها»)."""
    if k >= len(atoms):
        return None
    known = [m[0] for index in (rules.organizations, rules.titles) if (m := index.match_at(atoms, k))]
    if known:
        return text[atoms[k].start : atoms[k + max(known) - 1].end]
    j = k
    while j < len(atoms) and (atoms[j].key in DETERMINERS or atoms[j].key.isdigit()):
        j += 1
    if j >= len(atoms) or not atoms[j].is_word or atoms[j].key in rules.stop or rules.is_verbish(atoms, j):
        return None
    end = j

    def take_word(at: int) -> int:  # the word at ``at`` with the atoms glued to it by a ZWNJ
        while at + 1 < len(atoms) and zwnj_joined(text, atoms[at], atoms[at + 1]):
            at += 1
        return at

    end = take_word(j)
    while end + 1 < len(atoms):
        nxt = atoms[end + 1]
        if nxt.is_word and nxt.key.endswith("ی") and nxt.key not in rules.stop and not rules.is_verbish(atoms, end + 1):
            end = take_word(end + 1)  # «اجرایی», «سیاسی»
        elif nxt.key == "و" and end + 2 < len(atoms) and names_agent(rules, atoms[end + 2].key):
            end = take_word(end + 2)  # «… و نهادهای عمومی»
        else:
            break
    return text[atoms[k].start : atoms[end].end]


INTENSIFIERS = {"هر", "چه", "بیشتر", "هرچه", "بیش", "از", "پیش", "جدی", "کامل"}


def _demanded_of(rules: Rules, text: str, atoms: list[Atom]) -> str | None:
    """«خواستار همکاری (هر چه بیشتر) رسانه‌ها … شد»: who is asked follows the demanded action."""
    for i, a in enumerate(atoms[:-2]):
        if a.key == "خواستار" and atoms[i + 1].key in rules.demand_nouns:
            j = i + 2
            while j < len(atoms) and atoms[j].key in INTENSIFIERS:
                j += 1
            k = j
            while k < len(atoms) and k - j < 4 and atoms[k].is_word and atoms[k].key not in rules.stop \
                    and not rules.is_verbish(atoms, k):
                k += 1
            return text[atoms[j].start : atoms[k - 1].end] if k > j else None
    return None


def _relative_before(rules: Rules, text: str, atoms: list[Atom], cue_at: int) -> str | None:
    """«کسانی که بی‌اطلاع هستند باید …»: a noun with its relative clause, ending in a verb."""
    if cue_at == 0 or not rules.is_verbish(atoms, cue_at - 1):
        return None
    for k in range(cue_at - 2, max(-1, cue_at - 9), -1):
        if atoms[k].key == "که":
            j = _np_start(rules, atoms, k)
            return text[atoms[j].start : atoms[cue_at - 1].end] if j < k else None
        if not atoms[k].is_word:
            return None
    return None


def _np_start(rules: Rules, atoms: list[Atom], end: int) -> int:
    i = end
    while i > 0 and end - i < ACTOR_MAX_WORDS:
        a = atoms[i - 1]
        if not a.is_word or rules.is_verbish(atoms, i - 1) or _we_verb([a.key], 0):
            break  # «ما معتقدیم باید …»: «معتقدیم» ends a clause of its own
        joined = a.key == "از" and i < len(atoms) and atoms[i].key == "جمله"  # «همه دستگاه‌ها از جمله شهرداری»
        if a.key in rules.stop and a.key not in ACTOR_OPENERS and a.key != "و" and not joined:
            break
        if a.key in PREPOSITIONS and not joined:
            break
        i -= 1
    while i < end and (atoms[i].key in SUBJECT_SKIP or atoms[i].key == "و"):
        i += 1
    return i


# Words that may follow a deadline cue and belong to it: «تا پایان اسفند ماه», «ظرف ۱۰ روز آینده».
DEADLINE_TAIL = re.compile(r"(?:[\s\u200c]+(?:ماه|سال|هفته|روز|جاری|آینده|امسال|[0-9۰-۹]+|"
                           r"فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند))+")


def deadline_cue_pattern(cue: str) -> re.Pattern[str]:
    """«ظرف … روز» → «ظرف» + one to three words + «روز»; spaces also match a ZWNJ."""
    parts = [r"[\s\u200c]+".join(map(re.escape, p.split())) for p in cue.split("…")]
    return re.compile(r"(?<![\w\u200c])" + r"(?:[\s\u200c]+\S+){1,3}?[\s\u200c]+".join(parts) + r"(?![\w\u200c])")


BEFORE_DATE = re.compile(r"(?:تا|حداکثر|مهلت|پایان|قبل\s+از|پیش\s+از)[\s\u200c]*$")


def deadline_of(rules: Rules, text: str, s: int, e: int, dates: list[dict]) -> dict | None:
    """The time limit of a directive: a date after «تا»/«حداکثر»/«مهلت», else a cue from cues.json."""
    for d in dates:
        ds, _ = d["span"]
        if s <= ds < e and BEFORE_DATE.search(text[max(s, ds - 14) : ds]):
            return {"text": d["text"], "jalali": d["jalali"], "gregorian": d.get("gregorian")}
    if not rules.deadline_any.search(text, s, e):
        return None
    best: re.Match[str] | None = None
    for pattern in rules.deadline_patterns:
        m = pattern.search(text, s, e)
        if m and (best is None or len(m.group(0)) > len(best.group(0))):
            best = m
    if best is None:
        return None
    tail = DEADLINE_TAIL.match(text, best.end(), e)
    end = tail.end() if tail else best.end()
    return {"text": text[best.start() : end], "jalali": None}
