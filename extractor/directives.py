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
from typing import Any

from .lexicon import Atom, Rules, atoms_between, positions
from .normalize import fold
from .people import Person

# «با بیان اینکه X، گفت:» — X is a content clause of the speaker.
CONTENT_OPENERS = re.compile(
    r"(?:با|ضمن)\s+(?:بیان|اشاره\s+به|تاکید\s+بر|تأکید\s+بر|یادآوری|ابراز|اعلام)\s*(?:این(?:\u200c|\s)?که|اینکه)?\s*"
)
EMPHASIS = re.compile(r"(?:با|ضمن)\s+(?:تاکید|تأکید)\s+(?:بر|به)\s+")
# «بر X تأکید کرد» and «خواستار X شد»: directive cues that wrap their object.
WRAPPED_CUES = [
    ("تأکید کرد", re.compile(r"(?<![\w\u200c])بر\s+(?:(?!\s(?:گفت|افزود)\b)[^.!؟?:])+?\s+(?:تاکید|تأکید)\s*"
                             r"(?:کرد|کردند|نمود|داشت)")),
    ("خواستار شد", re.compile(r"خواستار\s+[^.!؟?:]+?\s+(?:شد|شدند|گردید)(?![\w\u200c])")),
]
ACTION_NOUNS_AFTER_ORDINAL = {"و", "اولویت", "دستورالعمل", "برنامه", "وظیفه", "اقدام", "محور", "هدف",
                              "ماموریت", "راهبرد", "سیاست", "اصل", "مساله", "مسئله", "موضوع"}
# Endings of a first-person plural verb («قرار دهیم», «بیاوریم»): the actor is «ما».
WE_EXCEPTIONS = {"تصمیم", "تنظیم", "تقدیم", "مستقیم", "تحریم", "تسلیم", "تعلیم", "ترمیم", "تقسیم", "تحکیم",
                 "حریم", "عظیم", "قدیم", "کریم", "رحیم", "مریم", "ابراهیم", "سلیم", "حکیم", "تقویم", "اقلیم",
                 "تعمیم", "تفهیم", "نسیم", "عمیم", "جسیم", "وخیم", "تیم", "رژیم", "سیم", "حجیم", "تکریم"}
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
            out += [Clause(a, b, speaker, kind) for a, b in split_clauses(rules, text, cs, ce)]
        else:
            verb_start, after = colon
            speaker = speaker_at(officials, s, verb_start)
            quote_speaker = speaker
            qs, qe = _trim(text, after, e)
            if qe > qs:
                verb = text[verb_start : after - 1].strip()
                out.append(Clause(qs, qe, speaker, "statement", verb))
                out += [Clause(a, b, speaker, "quote") for a, b in split_clauses(rules, text, qs, qe)]
            pre = text[s:verb_start]
            m = CONTENT_OPENERS.search(pre)
            if m:
                emphasis = EMPHASIS.search(pre)
                cs = s + (emphasis.start() if emphasis else m.end())
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
    cue = [_has(rules.modality, atoms_between(text, a, b)) is not None
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
    colon = text.find(":", s, e)
    if colon < 0:
        return None
    atoms = atoms_between(text, max(s, colon - 40), colon)
    for i in range(len(atoms) - 1, max(-1, len(atoms) - 5), -1):
        if rules.speech_verbs.match_at(atoms, i):
            return atoms[i].start, colon + 1
    if len(text[s:colon].split()) <= 8:  # «وزیر کشور خبر داد:» — a short lead-in
        return colon, colon + 1
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


def priority_rank(rules: Rules, atoms: list[Atom]) -> int | None:
    for i in positions(atoms, rules.ordinal_index.firsts):
        m = rules.ordinal_index.match_at(atoms, i)
        if m and i + m[0] < len(atoms) and atoms[i + m[0]].key in ACTION_NOUNS_AFTER_ORDINAL:
            return int(m[1])
    return None


YOU_EXCEPTIONS = {"باید", "جدید", "شدید", "تولید", "تاکید", "تأکید", "امید", "خرید", "سفید", "کلید", "تهدید",
                  "تمدید", "تشدید", "تردید", "تایید", "تأیید", "عید", "شهید", "مفید", "بعید", "نوید", "تجدید",
                  "تقلید", "توحید", "تبعید", "بایستید"}
# Words that may open an actor phrase although they are stop words: «همه دستگاه‌ها», «سایر دستگاه‌ها».
ACTOR_OPENERS = {"همه", "ما", "مردم", "سایر", "هر", "یک", "تمام", "تمامی", "کلیه", "شما"}
ACTOR_MAX_WORDS = 7
# «از مردم خواست …», «از سازمان‌ها انتظار می‌رود …»: the actor follows «از».
ASKED_OF = re.compile(r"(?<![\w\u200c])از\s+(?P<who>[^،.:؛]{2,60}?)\s+"
                      r"(?:خواست|درخواست|انتظار|تقاضا|می[\s\u200c]?خواهیم)")
# «لازم است تا سایر دستگاه‌ها نیز …»: the actor follows «تا»/«که».
NEEDED_THAT = re.compile(r"(?:لازم|ضروری|ضرورت)\s+(?:است|دارد)\s+(?:تا|که)\s+")


def actor_of(rules: Rules, text: str, clause: tuple[int, int], cue_at: int, atoms: list[Atom]) -> str | None:
    """Who must act, in this order of evidence:

    1. a first-person plural verb after the cue («قرار دهیم») → «ما»; second-person plural → «شما»;
    2. «از X خواست / انتظار می‌رود» → X;
    3. «لازم است تا X …» → the phrase after «تا»;
    4. the noun phrase right before the cue («شهرداران باید …», «باغداران موظف هستند»),
       unless the clause is passive («… باید در اولویت قرار گیرد»).
    """
    words = [a for a in atoms if a.is_word]
    if not words:
        return None
    chunk = text[clause[0] : clause[1]]
    m = ASKED_OF.search(chunk)
    if m and (who := _plausible_actor(rules, m.group("who").strip())):
        return who
    tail = _governed(atoms, cue_at)
    pronoun = person_of_verb(tail)
    if pronoun:
        return pronoun
    demanded = _plausible_actor(rules, _demanded_of(rules, text, atoms))
    if demanded:
        return demanded
    m = NEEDED_THAT.search(chunk)
    if m:
        after = atoms_between(text, clause[0] + m.end(), clause[1])
        j = 0
        while j < len(after) and j < ACTOR_MAX_WORDS and after[j].is_word and (
            after[j].key not in rules.stop or after[j].key in ACTOR_OPENERS) and not rules.is_verbish(after, j):
            j += 1
        if j and (needed := _plausible_actor(rules, text[after[0].start : after[j - 1].end])):
            return needed
    last = tail[-1] if tail else words[-1].key
    if atoms[cue_at].key in DECISION_CUES:
        return None  # «در جلسه … مقرر شد»: what stands before a decision is where it was taken, not who acts
    actor = _plausible_actor(rules, _phrase_before(rules, text, atoms, cue_at))
    if last.endswith(PASSIVE_ENDINGS) and not last.endswith(("ند", "ندی")):
        # «… باید در اولویت قرار گیرد»: passive, what comes before the cue is no actor …
        # … unless it names who is meant to be so: «بسیج … باید در خدمت نظام باشد».
        return actor if last in COPULA and actor and _names_an_agent(rules, actor) else None
    return actor


def person_of_verb(governed: list[str]) -> str | None:
    """«ما» for a first-person plural verb («قرار دهیم»), «شما» for a second-person plural one («تلاش کنید»)."""
    if any(k.endswith("یم") and len(k) > 3 and k not in WE_EXCEPTIONS for k in governed):
        return "ما"
    if governed and governed[-1].endswith("ید") and len(governed[-1]) > 3 and governed[-1] not in YOU_EXCEPTIONS:
        return "شما"
    return None


DECISION_CUES = {"مقرر", "قرار"}
PLURAL_ENDINGS = ("ان", "ها", "ین", "های")


def _plausible_actor(rules: Rules, phrase: str | None) -> str | None:
    """Drop a dangling «و», and a lone word that cannot be an actor («مهم», «قدرت», «یک»)."""
    if not phrase:
        return None
    phrase = re.sub(r"[\s\u200c]+و$", "", phrase).strip()
    words = fold(phrase).split()
    if not words:
        return None
    if words[0] in rules.stop - ACTOR_OPENERS:
        return None
    lone_word = len(words) == 1
    if lone_word and not (_names_an_agent(rules, phrase) or words[0].endswith(PLURAL_ENDINGS)
                          or words[0] in ACTOR_OPENERS):
        return None
    return phrase


COPULA = {"باشد", "باشند"}
CLAUSE_JOINTS = {"که", "تا", "،", "؛"}


def _governed(atoms: list[Atom], cue_at: int) -> list[str]:
    """The words after the cue up to the next «که»/«تا»/«،»: the verb the cue governs is among them."""
    out: list[str] = []
    for a in atoms[cue_at + 1 :]:
        if a.key in CLAUSE_JOINTS and out:
            break
        if a.is_word:
            out.append(a.key)
    return out


def _names_an_agent(rules: Rules, phrase: str) -> bool:
    from .lexicon import atomize

    atoms = atomize(phrase)
    return bool(atoms) and bool(rules.org_heads.match_at(atoms, 0) or rules.organizations.match_at(atoms, 0)
                                or rules.titles.match_at(atoms, 0) or atoms[0].key in ACTOR_OPENERS)


PREPOSITIONS = {"در", "با", "از", "برای", "به", "نسبت"}


def _phrase_before(rules: Rules, text: str, atoms: list[Atom], cue_at: int) -> str | None:
    """The noun phrase ending right before atom ``cue_at``, read backwards to a boundary.

    A prepositional phrase in between is crossed when a noun phrase opens the
    clause before it: «بسیج در مقابله با … باید», «متعهدین به ارزش‌ها باید»,
    «دانشگاه آزاد به عنوان پیشگام … باید».
    """
    i = _np_start(rules, atoms, cue_at)
    if i >= cue_at:
        return _relative_before(rules, text, atoms, cue_at)
    start, crossed = i, 0
    while crossed < 3 and start > 1 and atoms[start - 1].key in PREPOSITIONS:
        j = _np_start(rules, atoms, start - 1)
        if j >= start - 1:
            break
        start, crossed = j, crossed + 1
    opens_clause = start == 0 or not atoms[start - 1].is_word or atoms[start - 1].key in SUBJECT_SKIP
    if crossed and opens_clause:
        # «دانشگاه آزاد به عنوان پیشگام …»: the apposition after «به عنوان» is not part of the actor.
        keys = [a.key for a in atoms[start:cue_at]]
        if "عنوان" in keys and keys.index("عنوان") > 0 and keys[keys.index("عنوان") - 1] == "به":
            return text[atoms[start].start : atoms[start + keys.index("عنوان") - 2].end]
        return text[atoms[start].start : atoms[cue_at - 1].end]
    if i >= 2 and atoms[i - 1].key == "عنوان" and atoms[i - 2].key == "به":
        # «دانشگاه آزاد به عنوان پیشگام … باید»: the actor stands before «به عنوان».
        j = _np_start(rules, atoms, i - 2)
        return text[atoms[j].start : atoms[i - 3].end] if j < i - 2 else None
    if atoms[i].key == "عنوان":
        return None
    return text[atoms[i].start : atoms[cue_at - 1].end]


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
        if not a.is_word or rules.is_verbish(atoms, i - 1):
            break
        joined = a.key == "از" and i < len(atoms) and atoms[i].key == "جمله"  # «همه دستگاه‌ها از جمله شهرداری»
        if a.key in rules.stop and a.key not in ACTOR_OPENERS and a.key != "و" and not joined:
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
