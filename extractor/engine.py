"""The extraction engine: a spaCy pipeline of rule components over hazm tokens.

``spacy.blank("fa")`` holds the components; each reads the rules in
``rules/`` and writes its findings to ``doc.user_data["dastur"]`` and, for
inspection, to ``doc.spans``. The order matters and reads top to bottom:

    dastur_people      officials, titles, role mentions, organizations
    dastur_entities    places, events, dates, figures
    dastur_directives  statements, priorities, action items (needs officials)
    dastur_topics      topics of each item and of the document
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from .directives import (
    QUESTION_REPORT,
    Clause,
    Cue,
    _has,
    clauses,
    deadline_of,
    enumerated_priorities,
    find_actor,
    jussive_verb,
    modality_cues,
    prescribes,
    priority_rank,
    split_clauses,
)
from .entities import (
    document_topics,
    find_agency,
    find_calendar_dates,
    find_events,
    find_figures,
    find_places,
    topics_in,
)
from .lexicon import Atom, AtomizedText, atomize, atoms_between, rules, set_current
from .nlp import blank_nlp, make_doc, sentence_spans
from .normalize import fold
from .people import PeopleResult, find_people


@dataclass
class Analysis:
    text: str
    atoms: list[Atom]
    sentences: list[tuple[int, int]]
    published_year: int | None = None  # completes «۱۷ مرداد» written without a year
    people: PeopleResult | None = None
    places: list[tuple[str, str, list[tuple[int, int]]]] = field(default_factory=list)
    events: list[tuple[str, int | None, list[tuple[int, int]]]] = field(default_factory=list)
    dates: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    agency: tuple[str, tuple[int, int]] | None = None
    statements: list[dict[str, Any]] = field(default_factory=list)
    priorities: list[dict[str, Any]] = field(default_factory=list)
    action_items: list[dict[str, Any]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def _state(doc: Any) -> Analysis:
    return doc.user_data["dastur"]


def people_component(doc: Any) -> Any:
    st = _state(doc)
    st.people = find_people(rules(), st.atoms, st.text, st.sentences, lambda wanted: person_hints(st.text, wanted))
    doc.spans["officials"] = [s for o in st.people.officials for m in o.mentions
                              if (s := doc.char_span(*m, alignment_mode="expand")) is not None]
    return doc


def entities_component(doc: Any) -> Any:
    st = _state(doc)
    r = rules()
    st.places = find_places(r, st.atoms, st.text)
    st.events = find_events(r, st.atoms, st.text)
    st.dates = [d.to_dict() for d in find_calendar_dates(r, st.text, st.published_year)]
    st.figures = find_figures(st.text)
    assert st.people is not None
    people_at = [m[0] for o in st.people.officials for m in o.mentions]
    people_at += [t.char_span(st.atoms)[0] for t in st.people.title_phrases]
    st.agency = find_agency(r, st.text, st.people.organizations, people_at)
    return doc


def directives_component(doc: Any) -> Any:
    st = _state(doc)
    r = rules()
    assert st.people is not None
    officials = st.people.officials
    # A headline or lead before anyone is named speaks for the release's main official.
    main = max(officials, key=lambda o: len(o.mentions)) if officials else None
    seen: set[tuple[str, str]] = set()
    found = clauses(r, st.text, st.sentences, officials)
    # «خواستار … شد» and «بر … تأکید کرد» first: the clause around them must not repeat them.
    found.sort(key=lambda c: not c.kind.startswith("wrapped:"))
    wrapped: list[tuple[int, int]] = []
    # Where a body or an office is named: an actor phrase that ends on one takes it whole.
    agent_spans = sorted({m for _, ms in st.people.organizations for m in ms}
                         | {m for ms in st.people.roles.values() for m in ms}
                         | {span for o in officials for _, span in o.titles})
    for c in found:
        text = st.text[c.start : c.end]
        atoms = atoms_between(st.text, c.start, c.end)
        if not atoms or _is_question(st.text, c.start, c.end):
            continue
        speaker = _official_id(officials, c.speaker or main)
        if c.kind == "statement":
            if c.speaker is not None:
                st.statements.append({"speaker": speaker, "verb": c.verb, "text": text, "span": (c.start, c.end),
                                      "rule": "statement.speech_verb_colon.v1"})
            continue
        _collect(st, r, c, text, atoms, speaker, seen, wrapped, agent_spans)
    st.priorities.sort(key=lambda p: p["span"])
    st.action_items.sort(key=lambda a: a["span"])
    return doc


def _collect(st: Analysis, r: Any, c: Clause, text: str, atoms: list[Atom], speaker: str | None,
             seen: set[tuple[str, str]], wrapped: list[tuple[int, int]],
             agent_spans: list[tuple[int, int]] | None = None) -> None:
    key = fold(text)
    if QUESTION_REPORT.search(text):
        return  # «در پاسخ به اینکه … کدام …»: a question put to the official, not his statement
    rank = priority_rank(r, atoms)
    prio = _has(r.priority, atoms) or ((0, "ordinal") if rank is not None else None)
    enumerated = enumerated_priorities(r, atoms)
    for i, j, n in enumerated:  # «X نخستین شاخصه … و دومین شاخصه … Y»: one priority per item
        ps, pe = atoms[i].start, atoms[j - 1].end
        pkey = fold(st.text[ps:pe])
        if ("p", pkey) not in seen:
            seen.add(("p", pkey))
            st.priorities.append({"text": st.text[ps:pe], "rank": n, "speaker": speaker, "topics": [],
                                  "span": (ps, pe), "rule": "priority.cue.v1:ordinal"})
    if prio and not enumerated:
        # A priority is the finest clause that names it, even inside a longer directive.
        at = atoms[prio[0]].start
        ps, pe = next(((a, b) for a, b in split_clauses(r, st.text, c.start, c.end, rejoin=False)
                       if a <= at < b), (c.start, c.end))
        pkey = fold(st.text[ps:pe])
        # The same cue read again from an enclosing clause (a quote and its sentence) is one priority.
        if ("p", pkey) not in seen and not any(p["span"][0] <= at < p["span"][1] for p in st.priorities):
            seen.add(("p", pkey))
            st.priorities.append({"text": st.text[ps:pe], "rank": rank, "speaker": speaker, "topics": [],
                                  "span": (ps, pe), "rule": f"priority.cue.v1:{prio[1]}"})
    found = modality_cues(r, st.text, atoms)
    if c.kind.startswith("wrapped:"):
        label = c.kind.split(":", 1)[1]
        cue: Cue | None = Cue(0, 1, label, "demand" if label.startswith("خواستار") else "emphasis")
        wrapped.append((c.start, c.end))
        if label.startswith("تأکید"):
            # «بر X تأکید کرد»: a directive only when X prescribes («بر حفظ …», «بر اینکه … شود»).
            verb = max((i for i, a in enumerate(atoms) if a.key == "تاکید"), default=len(atoms))
            if not prescribes(r, st.text, atoms[1:verb]):
                return
    else:
        cue = found[0] if found else None
        if cue is not None and any(ws <= atoms[cue.at].start < we for ws, we in wrapped):
            return  # the cue belongs to a «خواستار … شد» already taken
        if cue is None and c.direct and (k := jussive_verb(r, atoms)) is not None:
            # «اصناف … حقوق مردم را رعایت کنند» in a headline or right after «گفت:»: a bare subjunctive.
            # Later in the quote it must name who acts, or go on from a directive («… شوند و گزارش ارائه شود»).
            jussive = Cue(k, 1, st.text[atoms[k].start : atoms[k].end], "jussive")
            follows = any(0 <= c.start - a["span"][1] <= 4 and st.text[a["span"][1] : c.start].strip(" ،") == "و"
                          for a in st.action_items)
            if c.lead or follows or find_actor(r, st.text, (c.start, c.end), [jussive], atoms):
                cue = jussive
    if cue is None or ("a", key) in seen:
        return
    seen.add(("a", key))
    # Every cue of the clause may point at the actor («… نیاز است، بایستی … بیاوریم»): first one that does.
    cues = [cue, *(x for x in found if x.at != cue.at)]
    actor = find_actor(r, st.text, (c.start, c.end), cues, atoms, agent_spans or [])
    st.action_items.append({
        "text": text, "modality": cue.text, "actor": actor,
        "action": st.text[atoms[min(cue.at + 1, len(atoms) - 1)].start : c.end]
        if len(atoms) > 1 and cue.label != "jussive" else text,
        "deadline": deadline_of(r, st.text, c.start, c.end, st.dates),
        "issuer": speaker, "topics": [], "span": (c.start, c.end),
        "rule": "action.jussive.v1" if cue.label == "jussive" else f"action.{c.kind.split(':')[0]}.modality.v1",
    })


def _is_question(text: str, start: int, end: int) -> bool:
    """«آیا …؟»: a question prescribes nothing."""
    after = text[end : end + 3].lstrip()
    return after.startswith(("؟", "?")) or text[start:end].startswith("آیا")


def _official_id(officials: list[Any], person: Any) -> str | None:
    for i, o in enumerate(officials):
        if o is person:
            return f"o{i + 1}"
    return None


def topics_component(doc: Any) -> Any:
    st = _state(doc)
    r = rules()
    for item in st.priorities + st.action_items:
        s, e = item["span"]
        item["topics"] = [t for t, _ in topics_in(r, atoms_between(st.text, s, e)).most_common()]
    st.topics = document_topics(topics_in(r, st.atoms))
    return doc


COMPONENTS = [("dastur_people", people_component), ("dastur_entities", entities_component),
              ("dastur_directives", directives_component), ("dastur_topics", topics_component)]
_local = threading.local()


def pipeline() -> Any:
    """The spaCy Language with dastur's components, built once per thread."""
    nlp = getattr(_local, "nlp", None)
    if nlp is None:
        from spacy.language import Language

        nlp = blank_nlp()
        for name, func in COMPONENTS:
            if name not in Language.factories:
                Language.component(name, func=func)
            nlp.add_pipe(name)
        _local.nlp = nlp
    return nlp


def person_hints(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Person-name spans in ``sentences`` from the shipped CRF tagger (extractor/models), when present.

    The rules find most names; the tagger is asked only about the few sentences
    the rules could not read (see ``people.sentences_needing_hints``) and whose
    first word is one hazm's lexicon does not know as a common word: «صدیف …»,
    not «مراسم …».
    """
    from .ner import _hazm_words, _key, default_tagger, person_char_spans

    tagger = default_tagger()
    if tagger is None or not sentences:
        return []
    common = _hazm_words()
    asked = [(s, e) for s, e in sentences if (m := _HINT_TOKEN.search(text, s, e)) and _key(m.group(0)) not in common]
    if not asked:
        return []
    # Plain word tokens suffice for a handful of sentences; hazm's tokenizer costs more per call than it saves.
    spans = [m.span() for s, e in asked for m in _HINT_TOKEN.finditer(text, s, e)]
    return person_char_spans(tagger, text, spans, asked)


_HINT_TOKEN = re.compile(r"[^\s،؛:.!?؟«»()\[\]\"']+|[،؛:.!?؟«»()]")


def analyze(text: str, published_year: int | None = None) -> Analysis:
    nlp = pipeline()
    sentences = sentence_spans(text)
    doc = make_doc(nlp, text, sentences)
    atoms = rules().split_joined(atomize(text))
    doc.user_data["dastur"] = Analysis(text, atoms, sentences, published_year)
    set_current(AtomizedText(text, atoms))
    try:
        for _, proc in nlp.pipeline:
            doc = proc(doc)
    finally:
        set_current(None)
    return _state(doc)
