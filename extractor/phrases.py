"""Growing noun phrases over atoms: titles, organizations, person names.

A phrase starts at a head from ``rules/`` («رئیس», «سازمان», «جلسه») and grows
over the following words until a stop word, a verb, punctuation, a person's
first name or a new title. Known organization names (``organizations.txt``)
are taken whole, commas included («وزارت تعاون، کار و رفاه اجتماعی»).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .lexicon import Atom, Rules, zwnj_joined

TITLE_MAX_ATOMS = 12  # «نماینده مردم شهرستان‌های بجنورد، مانه و سملقان … در مجلس شورای اسلامی»
ORG_MAX_ATOMS = 12
NAME_MAX_ATOMS = 4  # «محمد علی انصاری», «عبدالرضا رحمانی فضلی»
# Words that may continue a phrase although they are stop words, when a
# content word follows: «آموزش فنی و حرفه‌ای», «نماینده … در مجلس».
JOINERS = {"و"}
INNER_PREPOSITIONS = {"در"}
TRAILING = {"و", "،", ","}  # never the last word of a phrase


@dataclass
class Phrase:
    start: int  # atom index
    end: int  # atom index, exclusive
    kind: str  # title | org | name | event
    head_end: int = 0  # atom index where the head ends
    head_key: tuple[str, ...] = ()  # folded head words («مدیران کل»)

    def text(self, atoms: list[Atom], text: str) -> str:
        return text[atoms[self.start].start : atoms[self.end - 1].end]

    def char_span(self, atoms: list[Atom]) -> tuple[int, int]:
        return atoms[self.start].start, atoms[self.end - 1].end


_boundaries = threading.local()  # (atoms, flags) of the text this thread is reading


def _is_boundary(rules: Rules, atoms: list[Atom], i: int) -> bool:
    """Does atom ``i`` end a phrase? Computed once per atom of a text: every phrase grower asks."""
    cached = getattr(_boundaries, "value", None)
    if cached is None or cached[0] is not atoms:
        flags: list[bool | None] = [None] * len(atoms)
        cached = _boundaries.value = (atoms, flags)
    flags = cached[1]
    flag = flags[i]
    if flag is None:
        flag = flags[i] = _boundary(rules, atoms, i)
    return flag


def _boundary(rules: Rules, atoms: list[Atom], i: int) -> bool:
    a = atoms[i]
    if not a.is_word or a.key[0].isdigit():
        return True
    if a.key == "گفت" and i + 1 < len(atoms) and (
        atoms[i + 1].key.startswith("وگو") or (i + 2 < len(atoms) and atoms[i + 1].key == "و"
                                               and atoms[i + 2].key.startswith("گو"))):
        return False  # «گفت‌وگو», «گفت و گو» is a noun, not the speech verb
    if a.key in rules.stop or a.key in rules.pronouns:
        return True
    if rules.speech_verbs.match_at(atoms, i) or rules.modality.match_at(atoms, i) or rules.is_verbish(atoms, i):
        return True
    return bool(rules.honorifics.match_at(atoms, i))


def grow(rules: Rules, atoms: list[Atom], i: int, limit: int, *, stop_at_title: bool = True,
         stop_at_name: bool = True, allow_in: bool = False, vocab_only: bool = False,
         stop_at_org: bool = False) -> int:
    """Extend a phrase from atom ``i``; return the end atom index (exclusive).

    With ``vocab_only`` (titles and organizations) a word continues the phrase only
    if the rule files use it in a name (``Rules.name_vocab``): «دانشگاه آزاد باعث …»
    stops before «باعث», «فرماندار اردبیل پیشرفت …» before «پیشرفت».
    """
    j = i
    while j < len(atoms) and j - i < limit:
        if stop_at_org and rules.org_heads.match_at(atoms, j):
            break  # «آموزش و پرورش» + «خبرگزاری فارس»: two organizations side by side
        m = rules.organizations.match_at(atoms, j) or rules.ministry_tails.match_at(atoms, j)
        if m:  # a known name, commas and all
            j += m[0]
            continue
        a = atoms[j]
        nxt = j + 1 < len(atoms) and atoms[j + 1]
        if a.key in JOINERS and nxt and not _is_boundary(rules, atoms, j + 1) and j > i:
            if stop_at_title and rules.titles.match_at(atoms, j + 1):
                break
            if stop_at_name and atoms[j + 1].key in rules.first_names:
                break
            j += 1
            continue
        if a.key in JOINERS:  # «و» that does not join two parts of one name ends it
            break
        linked = j > i and rules.phrase_links.get(atoms[j - 1].key) == a.key
        if linked and nxt and not _is_boundary(rules, atoms, j + 1):
            j += 1  # «ستاد مبارزه با کرونا»: a preposition its noun takes inside a name
            continue
        if allow_in and a.key in INNER_PREPOSITIONS and nxt and j > i and (
            rules.org_heads.match_at(atoms, j + 1) or rules.organizations.match_at(atoms, j + 1)
        ):
            j += 1
            continue
        if a.key == "،" and nxt and j > i and j + 2 < len(atoms) and atoms[j + 2].key == "و" and (
            not _is_boundary(rules, atoms, j + 1)
        ):  # «بجنورد، مانه و سملقان»: a comma inside a list that ends with «و»
            j += 1
            continue
        if _is_boundary(rules, atoms, j) or (rules.event_heads.match_at(atoms, j) and stop_at_title):
            break
        if vocab_only and a.key not in rules.name_vocab and not rules.places.match_at(atoms, j):
            break
        if j > i and stop_at_title and rules.titles.match_at(atoms, j):
            break
        if stop_at_name and a.key in rules.first_names and (j > i or not (nxt and nxt.key in rules.name_vocab)):
            break  # «خبرگزاری مهر علی کاظمی …»: a person's name begins («امام علی» in a name is taken whole)
        j += 1
    while j > i and (atoms[j - 1].key in TRAILING or atoms[j - 1].key in rules.link_words
                     or atoms[j - 1].key in INNER_PREPOSITIONS):
        j -= 1  # «شهرداری‌ها و», «سازمان تبلیغات،», «مراسم تجلیل از», «… گرمه و جاجرم در»
    return j


def title_at(rules: Rules, atoms: list[Atom], i: int) -> Phrase | None:
    """A title phrase starting at atom ``i``: a head from titles.txt and its complement."""
    m = rules.titles.match_at(atoms, i)
    if not m:
        return None
    head_end = i + m[0]
    head = [a.key for a in atoms[i:head_end]]
    # «معاون وزیر»: a title head may be followed by another head that belongs to it,
    # also across a word of time: «معاون وقت استاندار», «رئیس سابق سازمان».
    while head_end < len(atoms) and head_end - i < 4:
        k = head_end + 1 if atoms[head_end].key in rules.title_modifiers else head_end
        m2 = rules.titles.match_at(atoms, k) if k < len(atoms) else None
        if not m2:
            break
        head += [a.key for a in atoms[k : k + m2[0]]]
        head_end = k + m2[0]
    rest = head_end + 1 if head_end < len(atoms) and atoms[head_end].key in rules.title_modifiers else head_end
    end = grow(rules, atoms, rest, TITLE_MAX_ATOMS, stop_at_title=True, allow_in=True, vocab_only=True)
    return Phrase(i, end, "title", head_end, tuple(head))


def org_at(rules: Rules, atoms: list[Atom], i: int) -> Phrase | None:
    m = rules.organizations.match_at(atoms, i)
    if m:
        # A known name grows only over words of names and places: «دانشگاه علوم پزشکی قم», not «مجلس مانع …».
        end = grow(rules, atoms, i + m[0], 4, vocab_only=True, stop_at_org=True)
        return Phrase(i, end, "org", i + m[0])
    m = rules.org_heads.match_at(atoms, i)
    if not m:
        return None
    head_end = i + m[0]
    end = grow(rules, atoms, head_end, ORG_MAX_ATOMS, stop_at_title=True, vocab_only=True)
    if end == head_end:  # a bare head («سازمان») is not a name
        return None
    return Phrase(i, end, "org", head_end)


def name_at(rules: Rules, atoms: list[Atom], i: int, *, need_first_name: bool = True,
            text: str | None = None) -> Phrase | None:
    """A person's name at atom ``i``: starts with a known first name unless told otherwise.

    With ``text``, an honorific joined by a ZWNJ to the word before it is part of a
    surname («یوسفیان‌ملا»), not the start of the next name."""
    if i >= len(atoms) or _is_boundary(rules, atoms, i):
        return None
    if need_first_name and not rules.first_name_at(atoms, i):
        return None
    j = i
    while j < len(atoms) and j - i < NAME_MAX_ATOMS:
        glued = text is not None and j > i and zwnj_joined(text, atoms[j - 1], atoms[j])
        if glued and rules.honorifics.match_at(atoms, j):
            j += 1
            continue
        if _is_boundary(rules, atoms, j) or rules.titles.match_at(atoms, j) or rules.org_heads.match_at(atoms, j):
            break
        if atoms[j].key in JOINERS:  # «رسول و فرستاده»: names do not run over «و»
            break
        if rules.places.match_at(atoms, j) and j > i + 1:
            break
        j += 1
    if j == i:
        return None
    return Phrase(i, j, "name")
