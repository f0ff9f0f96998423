"""Places, events, figures, topics and the reporting agency."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .jalali import DateMatch, find_dates
from .lexicon import Atom, Rules, atomize, positions
from .lexicon import rules as loaded_rules
from .normalize import fold, to_latin_digits
from .phrases import grow

# A prefix vouches for an ambiguous place name only if it fits its kind: «بخش مرکزی» is no province.
PLACE_PREFIXES = {"استان": {"province"}, "شهرستان": {"county", "city"}, "شهر": {"city", "county"},
                  "روستای": {"village"}, "روستا": {"village"}, "کشور": {"country"},
                  "منطقه": {"other", "region"}}
PLACE_SUFFIXES = {"ها", "های", "هایی"}  # «ایران‌ها» is still Iran; «اوج‌گیری» holds no «اوج»
QUOTES = "«»\"'“”"
DATELINE = re.compile(r"به\s+گزارش[^،.\n]{0,80}?\sاز\s+$")  # «به گزارش خبرگزاری فارس از سقز،»
EVENT_MAX_ATOMS = 9
# Words that make «روز»/«هفته»/«جلسه» relative rather than a named event.
EVENT_NOT_NAMES = {"گذشته", "آینده", "جاری", "قبل", "بعد", "اخیر", "نخست", "اول", "دوم", "پیش", "یکشنبه",
                   "دوشنبه", "سه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "مشترک", "ها", "های", "هایی", "ای"}


def find_places(rules: Rules, atoms: list[Atom], text: str) -> list[tuple[str, str, list[tuple[int, int]]]]:
    """Places of the gazetteer, named as first written («آذربایجانغربی» stays joined), one per place."""
    found: dict[str, tuple[str, str, list[tuple[int, int]]]] = {}
    for s, e, (name, kind, ambiguous) in rules.places.find_all(atoms):
        if _inside_compound(text, atoms, s, e) or _after_blocker(rules, atoms, s):
            continue
        if ambiguous and not (s > 0 and kind in PLACE_PREFIXES.get(atoms[s - 1].key, ())) and not _in_dateline(
            text, atoms[s].start, atoms[e - 1].end
        ):
            continue
        span = (atoms[s].start, atoms[e - 1].end)
        found.setdefault(name, (text[span[0]:span[1]], kind, []))[2].append(span)
    return list(found.values())


def _after_blocker(rules: Rules, atoms: list[Atom], s: int) -> bool:
    """«خیابان تهران», «دبیرستان البرز»: the name of a street or a school, not the place."""
    return _ends_with_any([a.key for a in atoms[max(0, s - 3) : s]], rules.place_blockers)


def _ends_with_any(words: list[str], phrases: list[tuple[str, ...]]) -> bool:
    """Do the folded ``words`` end with one of ``phrases`` («مجموعه ورزشی», «خیابان»)?"""
    return any(tuple(words[-len(p):]) == p for p in phrases)


def _in_dateline(text: str, start: int, end: int) -> bool:
    return text.startswith("،", end) and bool(DATELINE.search(text, max(0, start - 120), start))


def _inside_compound(text: str, atoms: list[Atom], s: int, e: int) -> bool:
    """Is the match part of a ZWNJ compound («میان‌رودان», «اوج‌گیری»)?"""
    start, end = atoms[s].start, atoms[e - 1].end
    if start > 0 and text[start - 1] == "\u200c":
        return True
    return end < len(text) and text[end] == "\u200c" and not (e < len(atoms) and atoms[e].key in PLACE_SUFFIXES)


def canonical_place(name: str) -> str | None:
    """The gazetteer's name for a place as written: «آذربایجانغربی» → «آذربایجان غربی»."""
    r = loaded_rules()
    atoms = r.split_joined(atomize(name))
    m = r.places.match_at(atoms, 0) if atoms else None
    return m[1][0] if m and m[0] == len(atoms) else None


def find_events(rules: Rules, atoms: list[Atom], text: str) -> list[tuple[str, int | None, list[tuple[int, int]]]]:
    out: dict[str, tuple[str, int | None, list[tuple[int, int]]]] = {}
    starts = positions(atoms, rules.event_starts)
    free = 0
    for i in starts:
        if i < free:
            continue
        ordinal = None
        start = i
        m = rules.ordinal_index.match_at(atoms, i)
        j = i
        if m:
            ordinal, j = int(m[1]), i + m[0]
        h = rules.event_heads.match_at(atoms, j) if j < len(atoms) else None
        if not h:
            continue
        head_end = j + h[0]
        if head_end < len(atoms) and atoms[head_end].key in EVENT_NOT_NAMES:
            free = head_end
            continue
        end = grow(rules, atoms, head_end, EVENT_MAX_ATOMS, stop_at_title=False, vocab_only=True)
        if end == head_end:
            free = head_end
            continue
        # «مراسم گرامیداشت» + «روز ملی آتش‌نشانی»: another head chained to the name, if a name follows it
        while end < len(atoms) and (h2 := rules.event_heads.match_at(atoms, end)) and end - start < EVENT_MAX_ATOMS:
            after = end + h2[0]
            if after >= len(atoms) or atoms[after].key in EVENT_NOT_NAMES:
                break
            more = grow(rules, atoms, after, EVENT_MAX_ATOMS, stop_at_title=False, vocab_only=True)
            if more == after:
                break
            end = more
        name = text[atoms[start].start : atoms[end - 1].end]
        key = fold(name)
        entry = out.setdefault(key, (name, ordinal, []))
        entry[2].append((atoms[start].start, atoms[end - 1].end))
        free = end
    # «ششمین جلسه شورای هماهنگی» inside «ششمین جلسه شورای هماهنگی استان کرمانشاه»: one event.
    merged: list[tuple[str, int | None, list[tuple[int, int]]]] = []
    for key in sorted(out, key=len, reverse=True):
        name, ordinal, spans = out[key]
        toks = set(key.split())
        # «جلسات شورای حفاظت منابع آب شهرستان» is «جلسه شورای حفاظت منابع آب شهرستان قائنات» again.
        target = next((m for m in merged if toks <= set(fold(m[0]).split()) or _overlap(toks, fold(m[0])) >= 0.6),
                      None)
        if target:
            target[2].extend(spans)
        else:
            merged.append((name, ordinal, spans))
    return sorted(merged, key=lambda ev: min(ev[2]))


def _overlap(toks: set[str], other: str) -> float:
    b = set(other.split())
    return len(toks & b) / len(toks | b) if toks and b else 0.0


_NUM = r"[0-9۰-۹٠-٩]+(?:[.,٫٬][0-9۰-۹٠-٩]+)*"
_MULTIPLIERS = {"هزار": 1e3, "میلیون": 1e6, "میلیارد": 1e9, "هزار میلیارد": 1e12, "همت": 1e12,
                "تریلیون": 1e12}
_UNITS = {"درصد": "percent", "%": "percent", "٪": "percent", "ریال": "rial", "تومان": "toman",
          "دلار": "dollar", "یورو": "euro", "نفر": "person", "هکتار": "hectare", "تن": "ton",
          "کیلومتر": "km", "متر": "meter", "مترمربع": "square_meter", "متر مربع": "square_meter",
          "مورد": "count", "واحد": "unit", "طرح": "project", "پروژه": "project", "میلیمتر": "mm",
          "مگاوات": "megawatt", "روستا": "village", "مدرسه": "school", "شغل": "job", "فرصت شغلی": "job"}
_MULT_RE = "|".join(sorted(map(re.escape, _MULTIPLIERS), key=len, reverse=True))
_UNIT_RE = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
FIGURE = re.compile(rf"(?<![\w/])(?P<num>{_NUM})\s*(?P<mult>(?:{_MULT_RE})(?:[\s\u200c]+(?:{_MULT_RE}))?)?"
                    rf"[\s\u200c]*(?P<unit>{_UNIT_RE})(?![\w])")


def find_calendar_dates(rules: Rules, text: str, published_year: int | None) -> list[DateMatch]:
    """Dates in ``text``, less the day-month names of places («ورزشگاه ۱۲ فروردین», «میدان ۱۵ خرداد»)."""
    out = []
    for d in find_dates(text, published_year):
        if d.rule == "date.jalali_dm.v1" and _ends_with_any(fold(text[max(0, d.span[0] - 30):d.span[0]]).split(),
                                                            rules.named_after_dates):
            continue
        out.append(d)
    return out


def find_figures(text: str) -> list[dict]:
    out = []
    for m in FIGURE.finditer(text):
        raw = to_latin_digits(m.group("num")).replace("٫", ".").replace("٬", "").replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        for part in (m.group("mult") or "").replace("\u200c", " ").split():
            value *= _MULTIPLIERS.get(part, 1)
        out.append({"text": m.group(0), "value": int(value) if value.is_integer() else value,
                    "unit": _UNITS[m.group("unit")], "span": (m.start(), m.end()), "rule": "figure.number_unit.v1"})
    return out


def topics_in(rules: Rules, atoms: list[Atom]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _, _, topic in rules.topic_keywords.find_all(atoms):
        counts[topic] += 1
    return counts


DOC_TOPIC_MIN_HITS = 2  # one stray keyword does not make a release about a topic
DOC_TOPIC_MAX = 5


def document_topics(counts: Counter[str]) -> list[str]:
    return [t for t, n in counts.most_common(DOC_TOPIC_MAX) if n >= DOC_TOPIC_MIN_HITS]


AGENCY_STOP = re.compile(r"\s*(?:،|؛|:|\.|\n|\s+به نقل از\s|\s+و\s+به نقل)")


def find_agency(rules: Rules, text: str, orgs: list[tuple[str, list[tuple[int, int]]]],
                people_at: Sequence[int] = ()) -> tuple[str, tuple[int, int]] | None:
    """The reporting agency: «به گزارش روابط عمومی …» up to the comma or «به نقل از», or up to the
    first person or title named after it when the lead has no comma («… خبرگزاری فارس عبدالرضا …»)."""
    m = re.search(r"به\s+گزارش\s+", text)
    if not m:
        return None
    start = m.end()
    stop = AGENCY_STOP.search(text, start)
    end = stop.start() if stop else min(len(text), start + 120)
    end = min([end, *(p for p in people_at if start < p < end)])
    inside = [(name, s, e) for name, spans in orgs for s, e in spans if start <= s < end]
    first_word = fold(text[start:end]).split()[:1]
    if len(inside) > 1 and first_word and first_word[0] in rules.agency_desks:
        inside = [max(inside, key=lambda x: x[1])]  # «خبرنگار آموزش و پرورش خبرگزاری فارس»: the agency
    if inside:
        first_s = min(s for _, s, _ in inside)
        last_e = max(e for _, _, e in inside)
        # «روابط عمومی اداره کل …»: the whole run from the first organization to the last.
        s = start if first_s - start < 3 else first_s
        return text[s:last_e], (s, last_e)
    while start < end and text[start] in QUOTES:  # «به گزارش «ورزش سه»»: the name, not its quotes
        start += 1
    while end > start and text[end - 1] in QUOTES:
        end -= 1
    words = text[start:end].split()
    if not words or len(words) > 10:
        return None
    return text[start:end], (start, end)
