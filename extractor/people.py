"""Officials, role mentions and organizations, with coreference inside a document.

Order of work, each step feeding the next:
1. title phrases and organization phrases anywhere in the text;
2. person names: after an honorific, or starting with a known first name;
3. titles attached to a name when adjacent («X، رئیس …», «استاندار … X»);
4. one official per person: a surname alone, «وی», or a repeated title
   («رئیس سازمان …») become mentions of the same official;
5. titles attached to nobody become role mentions.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .lexicon import Atom, AtomizedText, Rules, positions
from .normalize import fold
from .phrases import Phrase, name_at, org_at, title_at

# Honorifics that by themselves mark an office holder (clergy, military ranks).
OFFICE_HONORIFICS = {"حجت الاسلام", "حجت الاسلام والمسلمین", "ایت الله", "سردار", "سرتیپ", "سرلشکر",
                     "سرهنگ", "امیر", "دریادار", "سرتیپ دوم"}


@dataclass
class Person:
    name: str
    key: tuple[str, ...]  # folded name atoms
    honorific: str | None = None
    titles: list[tuple[str, tuple[int, int]]] = field(default_factory=list)  # (text, char span)
    mentions: list[tuple[int, int]] = field(default_factory=list)
    organization: str | None = None

    @property
    def is_official(self) -> bool:
        if self.titles:
            return True
        run = fold(self.honorific or "")  # «آیت‌الله سید»: the run opens with an office honorific
        return any(run == h or run.startswith(h + " ") for h in OFFICE_HONORIFICS)


@dataclass
class PeopleResult:
    officials: list[Person]
    roles: dict[str, list[tuple[int, int]]]  # role title → mentions
    organizations: list[tuple[str, list[tuple[int, int]]]]
    title_phrases: list[Phrase]
    person_spans: list[tuple[int, int]]


def _span_text(text: str, atoms: list[Atom], p: Phrase) -> str:
    return p.text(atoms, text)


def _joined(s: str) -> str:
    return fold(s).replace(" ", "")


def scan(phrase_at: Callable[[Rules, list[Atom], int], Phrase | None], rules: Rules, atoms: list[Atom],
         starts: list[int]) -> list[Phrase]:
    """Non-overlapping phrases, left to right, tried at ``starts``; a found phrase resumes the scan at its end."""
    out: list[Phrase] = []
    free = 0
    for i in starts:
        if i < free:
            continue
        p = phrase_at(rules, atoms, i)
        if p:
            out.append(p)
            free = p.end
    return out


def find_titles(rules: Rules, atoms: list[Atom]) -> list[Phrase]:
    return scan(title_at, rules, atoms, positions(atoms, rules.titles.firsts))


def find_orgs(rules: Rules, atoms: list[Atom]) -> list[Phrase]:
    return scan(org_at, rules, atoms, positions(atoms, rules.org_starts))


def _honorific_start(rules: Rules, atoms: list[Atom], end: int) -> int:
    """Where the run of honorifics ending at atom ``end`` starts: «آیت‌الله سید محمد» → «آیت‌الله»."""
    i = end
    while True:
        k = next((k for k in range(max(0, i - 4), i) if (m := rules.honorifics.match_at(atoms, k)) and k + m[0] == i),
                 None)
        if k is None:
            return i
        i = k


def _honorific_run(rules: Rules, atoms: list[Atom], i: int) -> int:
    """End atom of the honorifics starting at ``i`` («حجت‌الاسلام والمسلمین سید»)."""
    j = i
    while j < len(atoms) and (m := rules.honorifics.match_at(atoms, j)):
        j += m[0]
    return j


def find_names(rules: Rules, atoms: list[Atom], text: str,
               extra: Sequence[tuple[int, int]] = ()) -> list[tuple[Phrase, str | None]]:
    """Person-name phrases with their honorific (or None)."""
    out: list[tuple[Phrase, str | None]] = []
    free = 0
    for i in positions(atoms, rules.name_starts):
        if i < free:
            continue
        h_end = _honorific_run(rules, atoms, i)
        if h_end > i:
            p = name_at(rules, atoms, h_end, need_first_name=False, text=text)
            if p:
                honorific = text[atoms[i].start : atoms[h_end - 1].end]
                out.append((p, honorific))
                free = p.end
            else:
                free = h_end
            continue
        p = name_at(rules, atoms, i, text=text)
        if p and p.end - p.start >= 2:
            out.append((p, None))
            free = p.end
    # Names proposed by the statistical tagger, where the rules found none.
    taken = {a for p, _ in out for a in range(p.start, p.end)}
    for s, e in extra:
        idx = [k for k, a in enumerate(atoms) if a.start >= s and a.end <= e]
        if idx and not taken.intersection(idx) and all(atoms[k].is_word for k in idx):
            out.append((Phrase(idx[0], idx[-1] + 1, "name"), None))
    return sorted(out, key=lambda x: x[0].start)


def _surnames_before_titles(rules: Rules, atoms: list[Atom], text: str, titles: list[Phrase],
                            names: list[tuple[Phrase, str | None]]) -> list[tuple[Phrase, str | None]]:
    """«عرب مدیرکل آموزش فنی و حرفه‌ای خراسان جنوبی …»: a surname alone opening a sentence before a title.

    Taken only when the same word opens another sentence too («عرب اظهار کرد»),
    so that an ordinary first word is not mistaken for a name.
    """
    taken = {k for p, _ in names for k in range(p.start, p.end)}
    ends = {".", ":", "؛"}
    openers = [0][: len(atoms)] + [i for i in range(1, len(atoms))  # does atom i open a sentence?
                     if atoms[i - 1].key in ends or "\n" in text[atoms[i - 1].end : atoms[i].start]]
    out: list[tuple[Phrase, str | None]] = []
    for t in titles:
        for width in (1, 2):
            i = t.start - width
            if i < 0 or i not in openers or any(k in taken for k in range(i, t.start)):
                continue
            words = atoms[i : t.start]
            if any(not a.is_word or a.key in rules.stop or rules.is_verbish(atoms, k + i) for k, a in enumerate(words)):
                continue
            key = tuple(a.key for a in words)
            again = any(o != i and tuple(a.key for a in atoms[o : o + width]) == key for o in openers)
            if again:
                out.append((Phrase(i, t.start, "name"), None))
                taken.update(range(i, t.start))
    return out


def _lead_subjects(rules: Rules, atoms: list[Atom], text: str, sentences: Sequence[tuple[int, int]],
                   names: list[tuple[Phrase, str | None]]) -> list[tuple[Phrase, str | None]]:
    """«به گزارش خبرگزاری فارس از اردبیل، صدیف بدری صبح امروز در مراسم … اظهار کرد»: the speaker
    named right after the report lead, before a word of time or place (cues.json), in a sentence
    with a speech verb. Unknown names are read here; whether he is an official is decided later
    (a headline title must reach him)."""
    taken = {k for p, _ in names for k in range(p.start, p.end)}
    at = AtomizedText(text, atoms)
    out: list[tuple[Phrase, str | None]] = []
    for s, e in sentences:
        lead = _REPORT_LEAD_AT_START.match(text, s, e)
        if not lead:
            continue
        first, last = at.bounds(lead.end(), e)
        sub = atoms[first:last]
        for width in (2, 3, 1):
            if len(sub) <= width or sub[width].key not in rules.lead_subject_followers:
                continue
            words = range(first, first + width)
            if taken.intersection(words) or not all(_could_be_name_part(rules, atoms, k) for k in words):
                continue
            if any(rules.speech_verbs.match_at(sub, k) for k in range(width, min(len(sub), 40))):
                out.append((Phrase(first, first + width, "name"), None))
            break
    return out


def _could_be_name_part(rules: Rules, atoms: list[Atom], k: int) -> bool:
    a = atoms[k]
    return a.is_word and not a.key[0].isdigit() and a.key not in rules.stop and a.key not in rules.pronouns \
        and not rules.is_verbish(atoms, k) and not any(index.match_at(atoms, k) for index in (
            rules.titles, rules.org_heads, rules.organizations, rules.places, rules.honorifics, rules.event_heads))


def _names_in_frames(rules: Rules, atoms: list[Atom], titles_by_start: dict[int, Phrase],
                     names: list[tuple[Phrase, str | None]]) -> list[tuple[Phrase, str | None]]:
    """«با حضور نخعی‌نژاد معاون استاندار»: after a frame of cues.json, one or two words right before
    a title are a person's name, even with no known first name."""
    taken = {k for p, _ in names for k in range(p.start, p.end)}
    out: list[tuple[Phrase, str | None]] = []
    for i in positions(atoms, rules.name_frames.firsts):
        m = rules.name_frames.match_at(atoms, i)
        if not m:
            continue
        s = i + m[0]
        for width in (1, 2):
            words = range(s, s + width)
            if s + width not in titles_by_start or s + width > len(atoms) or taken.intersection(words):
                continue
            if all(_could_be_name_part(rules, atoms, k) for k in words):
                out.append((Phrase(s, s + width, "name"), None))
                taken.update(words)
                break
    return out


def _title_chain(rules: Rules, atoms: list[Atom], titles_by_start: dict[int, Phrase], i: int) -> list[Phrase]:
    """Titles starting at atom ``i`` and joined by «و» or «،»: «معاون وزیر … و رئیس سازمان …»."""
    chain = []
    while i in titles_by_start:
        t = titles_by_start[i]
        if t.head_key in rules.plural_titles:
            break  # «… و مدیران کل دستگاه‌ها»: a group, not another title of this person
        chain.append(t)
        i = t.end
        if i < len(atoms) and atoms[i].key in {"و", "،"} and i + 1 in titles_by_start:
            i += 1
    return chain


HintFn = Callable[[list[tuple[int, int]]], list[tuple[int, int]]]
GLUED_PREPOSITION = re.compile(r"^(?:در|با|از|به|دیدار)[^\s\u200c]{3,}")  # «درمصاحبه», «دیدارشاه»


def sentences_needing_hints(rules: Rules, atoms: list[Atom], text: str, sentences: list[tuple[int, int]],
                            names: list[tuple[Phrase, str | None]]) -> list[tuple[int, int]]:
    """Sentences whose subject may be a name the rules missed: they open with an unknown word and
    go on to a speech verb («صدیف بدری صبح امروز … گفت»). Only these go to the statistical tagger."""
    named = {atoms[p.start].start for p, _ in names}
    at = AtomizedText(text, atoms)
    out = []
    for s, e in sentences:
        lead = _REPORT_LEAD_AT_START.match(text, s, e)  # «به گزارش …، صدیف بدری …»
        s = lead.end() if lead else s
        sub = at.between(s, e)
        if not sub or not sub[0].is_word or sub[0].start in named or sub[0].key in rules.stop:
            continue
        if rules.titles.match_at(sub, 0) or rules.org_heads.match_at(sub, 0) or rules.pronouns & {sub[0].key}:
            continue
        if any(rules.speech_verbs.match_at(sub, i) for i in range(min(len(sub), 25))):
            out.append((s, e))
    return out


def find_people(rules: Rules, atoms: list[Atom], text: str,
                sentences: Sequence[tuple[int, int]] = (), hint_fn: HintFn | None = None) -> PeopleResult:
    titles = find_titles(rules, atoms)
    titles_by_start = {t.start: t for t in titles}
    titles_by_end = {t.end: t for t in titles}
    names = find_names(rules, atoms, text)
    if hint_fn is not None:
        wanted = sentences_needing_hints(rules, atoms, text, list(sentences), names)
        hints = [(a, b) for a, b in hint_fn(wanted) if any(a == s for s, _ in wanted)
                 and not GLUED_PREPOSITION.match(text[a:b])] if wanted else []
        if hints:
            names = find_names(rules, atoms, text, hints)
    names += _surnames_before_titles(rules, atoms, text, titles, names)
    names += _lead_subjects(rules, atoms, text, sentences, names)
    names += _names_in_frames(rules, atoms, titles_by_start, names)
    used_titles: set[int] = set()
    persons: list[Person] = []

    for p, honorific in names:
        key = tuple(a.key for a in atoms[p.start : p.end])
        person = Person(_span_text(text, atoms, p), key, honorific)
        first = _honorific_start(rules, atoms, p.start) if honorific else p.start  # the mention covers it
        person.mentions.append((atoms[first].start, atoms[p.end - 1].end))
        after = p.end + 1 if p.end < len(atoms) and atoms[p.end].key == "،" else p.end
        for t in _title_chain(rules, atoms, titles_by_start, after):
            person.titles.append((_span_text(text, atoms, t), t.char_span(atoms)))
            used_titles.add(t.start)
        before = titles_by_end.get(first)  # «استاندار تهران دکتر محمد …»: the title precedes the honorific
        if before is not None and before.start not in used_titles and not _is_plural(rules, atoms, before):
            person.titles.insert(0, (_span_text(text, atoms, before), before.char_span(atoms)))
            used_titles.add(before.start)
        persons.append(person)

    officials = _merge(persons)
    _attach_headline_titles(text, atoms, titles, used_titles, officials, rules)
    _attach_bare_surnames(atoms, officials)
    _attach_titles_between_mentions(text, atoms, titles, used_titles, officials, rules)
    _attach_pronouns(rules, atoms, officials)
    roles = _resolve_titles(text, atoms, titles, used_titles, officials, rules)
    orgs = _group_orgs(text, atoms, find_orgs(rules, atoms))
    for off in officials:
        off.organization = _organization_of(rules, off) or _office_of(off, orgs)
        off.mentions.sort()
    person_spans = [m for person in persons for m in person.mentions[:1]]
    return PeopleResult([o for o in officials if o.is_official], roles, orgs, titles, person_spans)


def _is_plural(rules: Rules, atoms: list[Atom], t: Phrase) -> bool:
    return t.head_key in rules.plural_titles


def _merge(persons: list[Person]) -> list[Person]:
    """One Person per individual: «پاک سرشت» and «دکتر پاک سرشت» join «سلیمان پاک سرشت»."""
    merged: list[Person] = []
    for p in sorted(persons, key=lambda p: -len(p.key)):
        target = next((m for m in merged if _same_person(m.key, p.key)), None)
        if target is None:
            merged.append(p)
            continue
        target.mentions.extend(p.mentions)
        target.honorific = target.honorific or p.honorific
        for t in p.titles:
            if _joined(t[0]) not in {_joined(x[0]) for x in target.titles}:
                target.titles.append(t)
    merged.sort(key=lambda p: min(p.mentions))
    for p in merged:
        p.titles.sort(key=lambda t: t[1])
    return merged


def _same_person(full: tuple[str, ...], part: tuple[str, ...]) -> bool:
    if full == part:
        return True
    if len(part) < len(full) and full[-len(part) :] == part and len("".join(part)) >= 3:
        return True  # a surname alone
    return "".join(full[-len(part) :]) == "".join(part) and len("".join(part)) >= 4


HEADLINE_PARAGRAPHS = 2  # the headline and the lead
NEARBY_PARAGRAPHS = 2  # «فرماندار نکا … اظهار داشت» then, a paragraph later, «جعفر احمدی اظهار کرد»


HEADLINE_ZONE_MAX_CHARS = 1500  # a «به گزارش» further down opens no body: the headline zone is not that long


def _headline_zone_end(text: str) -> int:
    """Where the headline and lead end: after HEADLINE_PARAGRAPHS paragraphs, or at the «به گزارش …،»
    that opens the body when a page repeats its headline or adds a summary before it."""
    end = sum(len(p) + 2 for p in text.split("\n\n")[:HEADLINE_PARAGRAPHS])
    lead = _REPORT_LEAD_AT_START.search(text, 0, HEADLINE_ZONE_MAX_CHARS)
    return max(end, lead.start()) if lead else end


def _paragraph_of(text: str) -> Callable[[int], int]:
    starts = [0] + [m.end() for m in re.finditer(r"\n\s*\n", text)]
    return lambda offset: bisect.bisect_right(starts, offset) - 1


def _free_titles(rules: Rules, atoms: list[Atom], titles: list[Phrase], used: set[int],
                 zone_end: int | None = None) -> list[Phrase]:
    """Titles beside no name that could still belong to a named person.

    A bare standalone title («رئیس‌جمهور», «وزیر کشور») in the body usually names
    someone else; in the headline (before ``zone_end``) it names the speaker.
    """
    out = []
    for t in titles:
        if t.start in used or _is_plural(rules, atoms, t):
            continue
        bare = t.head_key in rules.standalone_titles and t.end == t.head_end
        if bare and (zone_end is None or atoms[t.start].start >= zone_end):
            continue
        out.append(t)
    return out


_REPORT_LEAD = r"به\s+گزارش[^،.\n]{0,80}،\s*"  # «به گزارش خبرگزاری فارس از اردبیل، »
_REPORT_LEAD_AT_START = re.compile(_REPORT_LEAD)
_REPORT_PREFIX = re.compile(_REPORT_LEAD + "$")


def _opens_sentence(text: str, person: Person) -> bool:
    """Named as the subject of a sentence: «جعفر احمدی اظهار کرد», «به گزارش …، صدیف بدری …».

    A name deep inside a sentence («پرونده مهدی هاشمی …») is seldom the speaker
    a headline title refers to.
    """
    return any(_opens_line(text, s) for s, _ in person.mentions)


def _opens_line(text: str, at: int) -> bool:
    """Does ``at`` open a line or sentence, or follow the «به گزارش …،» lead?"""
    before = text[max(0, at - 120) : at]
    cut = max(before.rfind("\n"), before.rfind(". "), before.rfind(": "))
    head = before[cut + 1 :] if cut >= 0 else (before if at <= 120 else "x")
    return not head.strip() or bool(_REPORT_PREFIX.search(head))


def _give_title(person: Person, t: Phrase, atoms: list[Atom], text: str, used: set[int]) -> None:
    person.titles.append((t.text(atoms, text), t.char_span(atoms)))
    person.mentions.append(t.char_span(atoms))
    used.add(t.start)


def _attach_headline_titles(text: str, atoms: list[Atom], titles: list[Phrase], used: set[int],
                            persons: list[Person], rules: Rules) -> None:
    """A title no name stands beside goes to the next person named without a title of their own.

    «عضو شورای شهر کرج: …» in the headline and «حمیدرضا ابوالحسنی … گفت» in the
    body are one person; so are «فرماندار نکا … اظهار داشت» and, a paragraph
    later, «جعفر احمدی اظهار کرد». In the body the name must follow within
    NEARBY_PARAGRAPHS paragraphs; from the headline and lead, anywhere.
    """
    para = _paragraph_of(text)
    zone_end = _headline_zone_end(text)
    # A title that opens its line or sentence is the subject («سخنگوی وزارت کشور … خبر داد») and goes
    # first; one inside a phrase («ابلاغ بخشنامه وزیر کشور») names someone the release only mentions.
    free = sorted(_free_titles(rules, atoms, titles, used, zone_end),
                  key=lambda t: (not _opens_line(text, atoms[t.start].start), t.start))
    for t in free:
        s, _ = t.char_span(atoms)
        untitled = [p for p in persons if not p.titles and min(p.mentions)[0] > s and _opens_sentence(text, p)]
        target = min(untitled, key=lambda p: min(p.mentions)[0], default=None)
        if target is None:
            continue
        near = para(min(target.mentions)[0]) - para(s) <= NEARBY_PARAGRAPHS
        if s < zone_end or near:
            _give_title(target, t, atoms, text, used)


def _attach_titles_between_mentions(text: str, atoms: list[Atom], titles: list[Phrase], used: set[int],
                                    persons: list[Person], rules: Rules) -> None:
    """«رئیس شورای تأمین شهرستان نکا گفت» between two paragraphs about «احمدی»: his title too.

    Only for a title that opens its sentence as the speaker, with the same person
    named in the paragraphs just before and just after it, and nobody else in between.
    """
    para = _paragraph_of(text)
    for t in _free_titles(rules, atoms, titles, used):
        s, _ = t.char_span(atoms)
        if not (t.start == 0 or not atoms[t.start - 1].is_word):
            continue
        p = para(s)
        around = [o for o in persons if _opens_sentence(text, o)
                  and any(p - NEARBY_PARAGRAPHS <= para(m[0]) < p for m in o.mentions)
                  and any(p < para(m[0]) <= p + NEARBY_PARAGRAPHS for m in o.mentions)]
        if len(around) == 1:
            _give_title(around[0], t, atoms, text, used)


def _attach_bare_surnames(atoms: list[Atom], officials: list[Person]) -> None:
    by_first: dict[str, list[tuple[Person, tuple[str, ...]]]] = {}
    for p in officials:
        if len(p.key) >= 2 and len("".join(p.key[1:])) >= 4:
            by_first.setdefault(p.key[1], []).append((p, p.key[1:]))
    taken = {s for p in officials for s, _ in p.mentions}
    for i in positions(atoms, by_first) if by_first else ():
        for person, surname in by_first[atoms[i].key]:
            n = len(surname)
            if tuple(a.key for a in atoms[i : i + n]) == surname and atoms[i].start not in taken:
                if i > 0 and atoms[i - 1].key == person.key[0]:
                    continue  # part of the full name, already a mention
                person.mentions.append((atoms[i].start, atoms[i + n - 1].end))
                taken.add(atoms[i].start)


def _attach_pronouns(rules: Rules, atoms: list[Atom], officials: list[Person]) -> None:
    """«وی گفت» refers to the official mentioned last before it."""
    if not officials:
        return
    for a in atoms:
        if a.key in rules.pronouns:
            before = [(m[0], p) for p in officials for m in p.mentions if m[0] < a.start]
            if before:
                max(before, key=lambda x: x[0])[1].mentions.append((a.start, a.end))


def _resolve_titles(text: str, atoms: list[Atom], titles: list[Phrase], used: set[int],
                    officials: list[Person], rules: Rules) -> dict[str, list[tuple[int, int]]]:
    roles: dict[str, list[tuple[int, int]]] = {}
    for t in titles:
        if t.start in used:
            continue
        t_text = _span_text(text, atoms, t)
        j = _joined(t_text)
        owners = [o for o in officials if any(_same_office(x[0], t_text) for x in o.titles)]
        owner = owners[0] if owners else None
        # A one-word title names an official only if it is an office of one holder («فرماندار»,
        # not «معاون») and one official of the release holds it.
        alone = t.end - t.start == 1 and t.head_key in rules.standalone_titles and len(owners) == 1
        if owner is not None and (t.end - t.start >= 2 or alone):
            owner.mentions.append(t.char_span(atoms))
            if j not in {_joined(x[0]) for x in owner.titles}:
                owner.titles.append((t_text, t.char_span(atoms)))
            continue
        head = t.head_key
        if t.end > t.head_end or head in rules.standalone_titles:
            # «رئیس‌جمهور» and «چنین رئیس‌جمهوری» (an ezafe or indefinite «ی»): one office
            key = next((k for k in roles if _joined(k).removesuffix("ی") == j.removesuffix("ی")), t_text)
            roles.setdefault(key, []).append(t.char_span(atoms))
    return roles


GENERIC_TITLE_WORDS = {"استان", "شهرستان", "شهر", "کشور", "وقت", "محترم"}


def _same_office(a: str, b: str) -> bool:
    """«فرماندار راور» and «فرماندار شهرستان راور», «معاون وزیر» and «معاون وزیر تعاون …».

    One title is a prefix of the other (ZWNJ and spaces ignored), or both have
    the same head word and one's words, generic ones aside, contain the other's.
    """
    ja, jb = _joined(a), _joined(b)
    if ja.startswith(jb) or jb.startswith(ja):
        return True
    ta, tb = fold(a).split(), fold(b).split()
    if not ta or not tb or ta[0] != tb[0]:
        return False
    sa, sb = set(ta) - GENERIC_TITLE_WORDS, set(tb) - GENERIC_TITLE_WORDS
    return sa <= sb or sb <= sa


def _organization_of(rules: Rules, person: Person) -> str | None:
    from .lexicon import atomize

    for title, _ in person.titles:
        atoms = atomize(title)
        for i in range(1, len(atoms)):
            p = org_at(rules, atoms, i)
            if p:
                return p.text(atoms, title)
    return None


def _office_of(person: Person, orgs: list[tuple[str, list[tuple[int, int]]]]) -> str | None:
    """«فرماندار قاینات» works at the «فرمانداری قاینات» the release names: the office of an agent
    noun is the noun + «ی» (استاندار، فرماندار، شهردار، بخشدار، دهیار). Taken only as written,
    also from inside a longer name («روابط عمومی فرمانداری قاینات»)."""
    for title, _ in person.titles:
        words = fold(title).split()
        office = words[0] + "ی"
        found = []
        for name, _ in orgs:
            raw = name.split()
            k = next((k for k, w in enumerate(raw) if fold(w) == office), None)
            if k is not None:
                found.append(" ".join(raw[k:]))
        # the branch of the title's place first («فرمانداری قاینات»), else the bare office
        place = set(words[1:])
        ranked = [(len(set(fold(n).split()[1:]) & place), -len(n), n) for n in found]
        if ranked:
            shared, _, best = max(ranked)
            if shared or len(best.split()) == 1:
                return best
    return None


def _group_orgs(text: str, atoms: list[Atom], phrases: list[Phrase]) -> list[tuple[str, list[tuple[int, int]]]]:
    """One entry per organization; a shorter form inside a longer one is a mention of it."""
    groups: list[tuple[str, set[str], list[tuple[int, int]]]] = []
    for p in sorted(phrases, key=lambda p: -(p.end - p.start)):
        name = p.text(atoms, text)
        toks = set(fold(name).split())
        target = next((g for g in groups if toks <= g[1]), None)
        if target is None:
            groups.append((name, toks, [p.char_span(atoms)]))
        else:
            target[2].append(p.char_span(atoms))
    groups.sort(key=lambda g: min(g[2]))
    return [(name, sorted(spans)) for name, _, spans in groups]
