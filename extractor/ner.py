"""A small CRF person-name tagger (python-crfsuite), shippable under MIT.

The shipped model, ``extractor/models/person_crf.crfsuite``, is trained only
on ParsTwiNER (MIT); ``bench/train_person_crf.py`` rebuilds it and
``bench/eval_peyma.py`` scores it on PEYMA and ARMAN (research-only corpora,
used to evaluate, never to train what ships). See ``extractor/models/README.md``.

Tokens in, IOB labels out (``B-PER``/``I-PER``/``O``). Like PEYMA, ARMAN and
ParsTwiNER, the tagger leaves titles (مدیرکل، وزیر) and most honorifics
(دکتر، آقای) out of the name, but keeps «سید» inside it: the corpora tag it
as part of the name. Peel honorifics off with ``rules/honorifics.txt``.

Features are built from the word and its neighbours, from the rule files
``first_names.txt``, ``surname_affixes.txt``, ``titles.txt`` and
``honorifics.txt`` (any of them may be absent), from hazm's word list (part
of speech and frequency: surnames are rare or unknown words) and verb list
(a name is often followed by a verb), and from two small built-in lists:
reporting phrases that follow a speaker (``SPEECH_CUES``: «گفت», «افزود»,
«با اشاره به») and words that stand for a role holder (``ROLE_WORDS``). A model
is tied to the lexicons it was trained with: after a large change to them,
rebuild it (``bench/train_person_crf.py``). Words are folded with this
module's own ``fold_token`` (not ``normalize.fold``), so that a change to the
search key never silently changes what the shipped model sees.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

FEATURES_VERSION = 2  # bump when a feature changes: old models then need a rebuild
RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "person_crf.crfsuite"
LABELS = ("B-PER", "I-PER", "O")

# --- folding ----------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا",
        "آ": "ا", "ٱ": "ا", "ؤ": "و", "\u200c": " ", "\u200d": "", "\u200e": "", "\u200f": "",
        "ـ": "", "٪": "%", "٫": ".", "٬": ",", "،": ",", "؛": ";", "؟": "?",
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        **{chr(0x0660 + i): str(i) for i in range(10)},
    }
)
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]")


def _fold(token: str) -> str:
    t = unicodedata.normalize("NFKC", token).translate(_FOLD)
    return _SPACES.sub(" ", _DIACRITICS.sub("", t)).strip().lower()


@lru_cache(maxsize=100_000)
def fold_token(token: str) -> str:
    """Arabic ي/ك → ی/ک, آ/أ/إ → ا, digits → Latin, ZWNJ → space, no diacritics, lower case."""
    return _fold(token)


def _key(text: str) -> str:
    """Matching key for lexicons: folded, spaces removed («روح‌الله» = «روح الله» = «روحالله»)."""
    return _fold(text).replace(" ", "")


# --- lexicons ---------------------------------------------------------------

# Phrases that follow the speaker's name in news text («X گفت», «X با اشاره به …
# افزود», «X در ادامه …»). Tweets, the training data, mostly have «گفت»; one
# shared feature lets what is learnt there carry over to the press-release
# variants. Matched like the other phrase lists (folded, spaces ignored).
SPEECH_CUES = (
    "گفت", "گفته است", "گفته بود", "می‌گوید", "افزود", "اظهار داشت", "اظهار کرد",
    "تصریح کرد", "خاطرنشان کرد", "خاطرنشان ساخت", "بیان کرد", "بیان داشت", "تأکید کرد",
    "ادامه داد", "اضافه کرد", "عنوان کرد", "یادآور شد", "یادآوری کرد", "اعلام کرد", "توضیح داد",
    "نوشت", "با اشاره به", "با بیان اینکه", "با بیان این که", "با بیان این", "با تأکید بر",
    "در ادامه", "در پایان", "در پاسخ به", "در حاشیه", "در گفت‌وگو با", "در گفتگو با", "در دیدار با",
    "همچنین", "معتقد است",
)
# Words that stand for a role holder and are never a name by themselves.
# ParsTwiNER tags «رهبری» as a person in two cases out of three; like a span of
# title words, a span made only of these is set to O (in training and tagging).
ROLE_WORDS = ("رهبری", "رهبر", "معظم", "مقام", "معظم‌له")


def _data_lines(path: Path) -> list[list[str]]:
    """Data rows of a rules file (``word`` or ``word<TAB>flag``); [] when the file is absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append([c.strip() for c in line.split("\t")])
    return rows


@cache
def _hazm_words() -> dict[str, str]:
    """hazm's word list (MIT) as ``key → "pos|frequency bucket"``; {} without hazm.

    A word the general lexicon knows, and how often, says a lot about whether
    it can be a name: surnames and foreign names are rare or unknown. The file
    is located without importing hazm (its ``__init__`` is slow).
    """
    import importlib.util
    import math

    spec = importlib.util.find_spec("hazm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "words.dat"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    # Fold the whole file at once (193k lines): same keys as _key() per word, 5x faster.
    raw = _DIACRITICS.sub("", unicodedata.normalize("NFKC", raw).translate(_FOLD)).lower()
    best: dict[str, tuple[int, str]] = {}
    for line in raw.splitlines():
        row = line.split("\t")
        if len(row) < 3 or not row[1].isdigit() or line.startswith("#"):
            continue
        k, freq = row[0].replace(" ", "").strip(), int(row[1])
        if k and freq >= best.get(k, (-1, ""))[0]:  # spelling variants fold together: keep the commonest
            best[k] = (freq, row[2].strip().upper())
    return {k: f"{pos}|{min(int(math.log10(freq + 1)), 8)}" for k, (freq, pos) in best.items()}


@cache
def _hazm_verbs() -> tuple[frozenset[str], frozenset[str]]:
    """hazm's verb list (MIT) as (past stems, present stems), folded keys; empty sets without hazm."""
    import importlib.util

    spec = importlib.util.find_spec("hazm")
    if spec is None or not spec.submodule_search_locations:
        return frozenset(), frozenset()
    try:
        raw = (Path(next(iter(spec.submodule_search_locations))) / "data" / "verbs.dat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset(), frozenset()
    past, present = set(), set()
    for line in raw.splitlines():
        a, sep, b = line.partition("#")  # «گفت#گو»: past stem, present stem
        if sep:
            past.add(_key(a))
            present.add(_key(b))
    past.discard("")
    present.discard("")
    return frozenset(past), frozenset(present)


_VERB_PREFIXES = ("", "می", "نمی", "ن", "ب")
_VERB_ENDINGS = ("", "م", "ی", "د", "یم", "ید", "ند", "ه")


def _verb_form(key: str, past: frozenset[str], present: frozenset[str]) -> str | None:
    """``"past"``/``"pres"`` when a space-free key looks like an inflected verb («گفت», «میگوید»), else None.

    A bare present stem is not enough («گو»): it needs a prefix (می، ن، ب).
    """
    for pre in _VERB_PREFIXES:
        if not key.startswith(pre):
            continue
        rest = key[len(pre):]
        for end in _VERB_ENDINGS:
            if len(rest) > len(end) + 1 and rest.endswith(end):  # one-letter stems («ا» in «با») are too ambiguous
                stem = rest[: len(rest) - len(end)]
                if stem in past:
                    return "past"
                if pre and stem in present:
                    return "pres"
    return None


def _version(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    break
                m = re.match(r"#\s*version:\s*(\S+)", line)
                if m:
                    return m.group(1)
    except FileNotFoundError:
        return None
    return None


class PhraseSet:
    """Phrases matched over consecutive tokens on space-free keys.

    Tokenizers disagree on «آیت‌الله» (one token or two) and on «محمد رضا»;
    joining the folded tokens without spaces makes them all agree.
    """

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        self.keys: set[str] = set()
        self.prefixes: set[str] = set()
        for p in phrases:
            k = _key(p)
            if k:
                self.keys.add(k)
                self.prefixes.update(k[:i] for i in range(1, len(k) + 1))

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def match(self, keys: Sequence[str]) -> list[tuple[int, int]]:
        """Longest matches, left to right, as token spans ``[i, j)``; keys are space-free."""
        out, i, n = [], 0, len(keys)
        while i < n:
            best, acc, j = 0, "", i
            while j < n:
                acc += keys[j]
                if not keys[j] or acc not in self.prefixes:
                    break
                j += 1
                if acc in self.keys:
                    best = j
            if best:
                out.append((i, best))
                i = best
            else:
                i += 1
        return out


@dataclass
class Lexicons:
    """Everything the features look words up in; ``Lexicons()`` is the empty set."""

    first_names: PhraseSet = field(default_factory=PhraseSet)
    suffixes: tuple[str, ...] = ()  # longest first
    prefixes: tuple[str, ...] = ()
    titles: PhraseSet = field(default_factory=PhraseSet)
    honorifics: PhraseSet = field(default_factory=PhraseSet)
    words: dict[str, str] = field(default_factory=dict)  # hazm's lexicon: key → "pos|freq bucket"
    verbs: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())  # hazm's past, present stems
    cues: PhraseSet = field(default_factory=PhraseSet)  # SPEECH_CUES
    roles: frozenset[str] = frozenset()  # ROLE_WORDS as keys
    versions: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, rules_dir: Path = RULES_DIR) -> Lexicons:
        files = ("first_names", "surname_affixes", "titles", "honorifics")
        rows = {name: _data_lines(rules_dir / f"{name}.txt") for name in files}
        affixes: dict[str, set[str]] = {"suffix": set(), "prefix": set()}
        for r in rows["surname_affixes"]:
            kind = r[1] if len(r) > 1 else "suffix"
            if kind in affixes and _key(r[0]):
                affixes[kind].add(_key(r[0]))
        return cls(
            first_names=PhraseSet(r[0] for r in rows["first_names"]),
            suffixes=tuple(sorted(affixes["suffix"], key=lambda a: (-len(a), a))),
            prefixes=tuple(sorted(affixes["prefix"], key=lambda a: (-len(a), a))),
            titles=PhraseSet(r[0] for r in rows["titles"]),
            honorifics=PhraseSet(r[0] for r in rows["honorifics"]),
            words=_hazm_words(),
            verbs=_hazm_verbs(),
            cues=PhraseSet(SPEECH_CUES),
            roles=frozenset(_key(w) for w in ROLE_WORDS),
            versions={name: _version(rules_dir / f"{name}.txt") for name in files},
        )


# --- features ---------------------------------------------------------------

_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_LATIN = re.compile(r"[a-z]")


class Featurizer:
    """Token features for the CRF; word-level features are cached per word."""

    def __init__(self, lex: Lexicons) -> None:
        self.lex = lex
        self._word = lru_cache(maxsize=100_000)(self._word_features)

    def _word_features(self, w: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(own features, the subset neighbours see) for a folded word."""
        k = w.replace(" ", "")
        shape = _DIGITS.sub("0", w)
        own = ["w=" + shape]
        flags: list[str] = ["w=" + shape]
        if _DIGITS.search(w):
            own.append("dig" if shape.replace("0", "") in {"", ".", ","} else "hasdig")
        elif _PUNCT.match(w):
            own.append("punct")
        else:
            if _LATIN.search(w):
                own.append("lat")
            own += [f"p{n}=" + k[:n] for n in (1, 2, 3, 4) if len(k) > n]
            own += [f"s{n}=" + k[-n:] for n in (1, 2, 3, 4) if len(k) > n]
            own.append(f"len={min(len(k), 9)}")
            if " " in w:
                own.append("zwnj")
            known = self.lex.words.get(k)
            if known is None:
                own.append("hz=oov")
                flags += ["hz=oov", "hzp=oov"]
            else:
                pos, freq = known.split("|")
                own += ["hzp=" + pos, "hzf=" + freq]
                flags += ["hzf=" + freq, "hzp=" + pos]  # neighbours see the part of speech too
            verb = _verb_form(k, *self.lex.verbs) if self.lex.verbs[0] else None
            if verb:
                own.append("verb=" + verb)
                flags.append("verb")
            sfx = next((s for s in self.lex.suffixes if len(k) > len(s) + 1 and k.endswith(s)), None)
            if sfx:
                own.append("sfx=" + sfx)
                flags.append("sfx")
            pfx = next((p for p in self.lex.prefixes if len(k) > len(p) + 1 and k.startswith(p)), None)
            if pfx:
                own.append("pfx=" + pfx)
        return tuple(own), tuple(flags)

    def sentence(self, tokens: Sequence[str]) -> list[list[str]]:
        return self.analyse(tokens)[0]

    def analyse(self, tokens: Sequence[str]) -> tuple[list[list[str]], list[bool]]:
        """CRF features per token, and which tokens lie inside a title phrase."""
        words = [fold_token(t) or "_" for t in tokens]
        keys = [w.replace(" ", "") for w in words]
        n = len(words)
        marks: list[list[str]] = [[] for _ in range(n)]
        lex = self.lex
        in_title = [False] * n
        phrase_sets = (("fn", lex.first_names), ("tit", lex.titles), ("hon", lex.honorifics), ("spk", lex.cues))
        for name, phrases in phrase_sets:
            for i, j in phrases.match(keys):
                marks[i].append(name)
                if name == "tit":
                    in_title[i:j] = [True] * (j - i)
                if j - i > 1:
                    marks[i].append(name + "B")
                    for m in range(i + 1, j):
                        marks[m].append(name + "I")
        for i, k in enumerate(keys):
            if k in lex.roles:
                in_title[i] = True  # a span made only of role words is not a name either
        base = [self._word(w) for w in words]
        seqs = []
        for i in range(n):
            own, _ = base[i]
            f = ["b", *own, *marks[i]]
            if i == 0:
                f.append("BOS")
            elif i == 1:
                f.append("pos=1")
            if i == n - 1:
                f.append("EOS")
            for d in (-2, -1, 1, 2):
                j = i + d
                if 0 <= j < n:
                    f += [f"{d}{x}" for x in base[j][1]]
                    f += [f"{d}{x}" for x in marks[j]]
                elif d in (-1, 1):
                    f.append(f"{d}pad")
            if i > 0:
                f.append("-1w|w=" + words[i - 1] + "|" + words[i])
            seqs.append(f)
        return seqs, in_title


# --- training and tagging ---------------------------------------------------


def drop_title_spans(labels: Sequence[str], in_title: Sequence[bool]) -> list[str]:
    """Set to ``O`` every person span made only of title or role words («رهبر انقلاب», «دادیار», «رهبری»).

    ParsTwiNER sometimes tags a title that stands for its holder as a
    person; dastur keeps titles and names apart (role_mentions vs officials).
    """
    out = list(labels)
    for i, j in iob_spans(labels):
        if all(in_title[i:j]):
            out[i:j] = ["O"] * (j - i)
    return out


def iob_labels(tags: Sequence[str]) -> list[str]:
    """Any corpus's tags (``B_ORG``, ``B-pers``, ``I-PER`` …) → ``B-ORG``, ``B-PER``, ``I-PER`` …, ``O``."""
    out = []
    for t in tags:
        t = t.strip()
        if len(t) > 2 and t[0] in "BIbi" and t[1] in "-_":
            typ = t[2:].upper()
            out.append(t[0].upper() + "-" + ("PER" if typ in {"PER", "PERS", "PERSON"} else typ))
        else:
            out.append("O")
    return out


def person_labels(tags: Sequence[str]) -> list[str]:
    """Any corpus's tags → ``B-PER``/``I-PER``/``O``."""
    return [t if t in LABELS else "O" for t in iob_labels(tags)]


def train(
    sentences: Sequence[Sequence[tuple[str, str]]],
    model_path: Path,
    *,
    c1: float = 0.03,
    c2: float = 0.05,
    max_iterations: int = 200,
    min_freq: int = 1,
    all_types: bool = True,
    clean_titles: bool = True,
    lexicons: Lexicons | None = None,
    verbose: bool = False,
) -> dict[str, Any]:
    """Train a tagger on ``[(token, tag), …]`` sentences and write it to ``model_path``.

    Any IOB scheme is accepted (``B-PER``, ``B_PER``, ``B-pers``). With
    ``all_types`` the other entity types are learned too: on ParsTwiNER that
    sharpens the person boundary on news text (≈ +2 F1 on held-out PEYMA
    text), but ``PersonTagger.tag`` still reports persons only. With
    ``clean_titles`` person spans made only of title words become ``O``
    (see ``drop_title_spans``). Returns the last iteration of the trainer log.
    """
    import pycrfsuite

    feat = Featurizer(lexicons or Lexicons.load())
    trainer = pycrfsuite.Trainer(verbose=verbose)
    for sent in sentences:
        if not sent:
            continue
        tokens = [t for t, _ in sent]
        xseq, in_title = feat.analyse(tokens)
        tags = [tag for _, tag in sent]
        labels = iob_labels(tags) if all_types else person_labels(tags)
        if clean_titles:
            labels = drop_title_spans(labels, in_title)
        trainer.append(xseq, labels)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": max_iterations,
            "feature.minfreq": min_freq,
            "feature.possible_transitions": True,
        }
    )
    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model_path))
    return dict(trainer.logparser.last_iteration or {})


class PersonTagger:
    """Tag person names in a token sequence with a trained CRF model.

    Loading takes about a second (the hazm word list); tagging runs at tens
    of thousands of tokens per second. Use one instance per thread.
    """

    def __init__(self, tagger: Any, lexicons: Lexicons) -> None:
        self._tagger = tagger
        self._feat = Featurizer(lexicons)

    @classmethod
    def load(cls, model_path: Path = DEFAULT_MODEL, lexicons: Lexicons | None = None) -> PersonTagger:
        import pycrfsuite

        model_path = Path(model_path)
        if not model_path.is_file():
            raise FileNotFoundError(
                f"{model_path}: person-name model not found — rebuild it with "
                "`uv run python bench/train_person_crf.py`"
            )
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model_path))
        return cls(tagger, lexicons or Lexicons.load())

    def tag(self, tokens: Sequence[str]) -> list[str]:
        if not tokens:
            return []
        xseq, in_title = self._feat.analyse(tokens)
        labels = [lab if lab in LABELS else "O" for lab in self._tagger.tag(xseq)]
        return drop_title_spans(labels, in_title)

    def spans(self, tokens: Sequence[str]) -> list[tuple[int, int]]:
        """Person names as token spans ``[start, end)``."""
        return iob_spans(self.tag(tokens))


# --- corpora and scoring (used by bench/ and tests/) -------------------------


def iob_spans(labels: Sequence[str], kind: str = "PER") -> list[tuple[int, int]]:
    """conlleval chunks of one type: a chunk starts at B-, or at I- after another type."""
    spans, start = [], None
    for i, lab in enumerate([*labels, "O"]):
        lab = lab.replace("_", "-")
        prefix, _, typ = lab.partition("-")
        inside = typ.upper().startswith(kind) and prefix in {"B", "I"}
        if start is not None and (not inside or prefix == "B"):
            spans.append((start, i))
            start = None
        if inside and start is None:
            start = i
    return spans


def read_tagged(path: Path, sep: str | None = "\t") -> Iterator[list[tuple[str, str]]]:
    """Sentences of a one-token-per-line corpus; the tag is after the LAST ``sep``.

    ``sep=None`` splits on the last run of whitespace (ARMAN). PEYMA needs
    ``sep="|"``: its tokens contain spaces standing for ZWNJ.
    """
    sent: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            if not line.strip():
                if sent:
                    yield sent
                sent = []
                continue
            parts = line.rsplit(sep, 1)
            if len(parts) == 2:
                sent.append((parts[0], parts[1].strip()))
    if sent:
        yield sent


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_spans(gold: Iterable[Sequence[str]], pred: Iterable[Sequence[str]]) -> Score:
    """Exact-span PER precision/recall/F1 over sentences of labels (conlleval style)."""
    s = Score()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(iob_spans(g)), set(iob_spans(p))
        s.tp += len(gs & ps)
        s.fp += len(ps - gs)
        s.fn += len(gs - ps)
    return s


# --- use inside the extraction engine ---------------------------------------

_local = threading.local()


def default_tagger() -> PersonTagger | None:
    """The shipped tagger, loaded once per thread (pycrfsuite taggers are not thread-safe); None if absent."""
    tagger = getattr(_local, "tagger", None)
    if tagger is None and DEFAULT_MODEL.is_file():
        tagger = _local.tagger = PersonTagger.load()
    return tagger


def person_char_spans(tagger: PersonTagger, text: str, spans: Sequence[tuple[int, int]],
                      sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Person names as character spans, tagging each sentence's tokens (``spans``: token offsets in ``text``)."""
    out: list[tuple[int, int]] = []
    k = 0
    for s, e in sentences:
        while k < len(spans) and spans[k][0] < s:
            k += 1
        j = k
        while j < len(spans) and spans[j][1] <= e:
            j += 1
        toks = spans[k:j]
        for a, b in tagger.spans([text[x:y] for x, y in toks]):
            out.append((toks[a][0], toks[b - 1][1]))
        k = j
    return out
