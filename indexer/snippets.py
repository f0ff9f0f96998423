"""Query terms and highlighted snippets, the same for every backend.

A query is normalized and folded exactly like the indexed text, then cut
into terms the way SQLite's ``unicode61`` tokenizer cuts text: runs of
letters and digits. Snippets are cut from the ORIGINAL (normalized, not
folded) text, so the reader sees what the source wrote, with ZWNJ and
Persian digits intact; each word is folded only to decide whether it
matches.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from extractor.normalize import fold, normalize

TOKEN = re.compile(r"[^\W_]+")  # letters and digits: what unicode61 keeps as token characters
_WORD = re.compile(r"\S+")
_NO_HIT: set[str] = set()  # shared by every word that matches nothing; never mutated
# Letters with the Arabic diacritics inside them: fold() drops the diacritics, so «کتاًب» is one run.
_RUN = re.compile(r"(?:[^\W_]|[\u064b-\u065f\u0670])+")
_RESHAPED = re.compile("[\u064b-\u065f\u0670\u0640\u200d-\u200f]")  # fold() deletes these inside words
SNIPPET_WORDS = 30
CONTEXT_BEFORE = 6  # words shown before the first match, so it does not open the snippet


@dataclass(frozen=True)
class Term:
    """One query word: its folded tokens (several for «12.5» or «covid-19») and whether it ends in ``*``."""

    tokens: tuple[str, ...]
    prefix: bool = False


def query_terms(text: str) -> list[Term]:
    """Split user input into terms. Punctuation-only words are dropped: they can match nothing."""
    terms: list[Term] = []
    for word in fold(normalize(text or "")).split():
        tokens = tuple(TOKEN.findall(word))
        if tokens:
            terms.append(Term(tokens, prefix=word.endswith("*")))
    return terms


def _match_keys(terms: list[Term]) -> tuple[str, ...]:
    return tuple(sorted({t for term in terms for t in term.tokens}))


@lru_cache(maxsize=65536)
def _runs(word: str) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """The letter runs of an original word (ZWNJ and punctuation split them), each with its folded tokens."""
    return tuple((m.start(), m.end(), tuple(TOKEN.findall(fold(m.group(0))))) for m in _RUN.finditer(word))


def _run_hits(tokens: tuple[str, ...], keys: tuple[str, ...]) -> set[str]:
    hits: set[str] = set()
    for tok in tokens:
        if tok.startswith(keys):  # one C call decides for most words: no match
            hits.update(k for k in keys if tok.startswith(k))
    return hits


def _word_hits(word: str, keys: tuple[str, ...]) -> set[str]:
    """The query tokens a word matches: one of its folded tokens equals or starts with the key."""
    hits: set[str] = set()
    for _, _, tokens in _runs(word):
        hits |= _run_hits(tokens, keys)
    return hits


def _best_window(hits: list[set[str]], width: int) -> tuple[int, int]:
    """The window (start, score) covering the most distinct terms, then the most matched words."""
    best_start, best_score = 0, (0, 0)
    for i, h in enumerate(hits):
        if not h:
            continue
        start = max(0, min(i - CONTEXT_BEFORE, len(hits) - width))
        window = hits[start:start + width]
        score = (len(set().union(*window)), sum(1 for w in window if w))
        if score > best_score:
            best_start, best_score = start, score
    return best_start, best_score[0] * 1000 + best_score[1]


def _fold_classes() -> dict[str, str]:
    """For each folded character, every character fold() turns into it: «ی» → «یيىئ», «1» → «1۱١»."""
    classes: dict[str, set[str]] = {}
    for code in range(0x0600, 0x0700):
        ch = chr(code)
        folded = fold(ch)
        if len(folded) == 1 and folded != ch:
            classes.setdefault(folded, {folded}).add(ch)
    return {k: "".join(sorted(v)) for k, v in classes.items()}


_FOLD_CLASSES = _fold_classes()


def key_pattern(key: str) -> re.Pattern[str]:
    """A regex finding ``key`` at a token start in UNFOLDED text, as if the text had been folded."""
    body = "".join(f"[{re.escape(_FOLD_CLASSES[c])}]" if c in _FOLD_CLASSES else re.escape(c) for c in key)
    return re.compile(rf"(?<![^\W_]){body}", re.IGNORECASE)


def _hits(text: str, keys: tuple[str, ...]) -> tuple[list[str], list[set[str]]]:
    """The words of ``text`` and, for each, the query keys it matches.

    Fast path: one regex per key over the original text, each folded letter written
    as the class of letters that fold to it. Text that folding would reshape
    (diacritics, tatweel, NFKC forms) goes word by word.
    """
    words = text.split()  # the same split as _WORD
    if not keys:
        return words, [_NO_HIT] * len(words)
    if _RESHAPED.search(text) or not unicodedata.is_normalized("NFKC", text):
        return words, [_word_hits(w, keys) for w in words]
    hits: list[set[str]] = [_NO_HIT] * len(words)
    starts: list[int] = []
    for key in keys:
        for m in key_pattern(key).finditer(text):
            starts = starts or [w.start() for w in _WORD.finditer(text)]
            i = bisect_right(starts, m.start()) - 1
            hits[i] = hits[i] | {key}
    return words, hits


def _render(word: str, keys: tuple[str, ...]) -> str:
    """Escape the word; mark its first to last matching run («دستگاه‌های» whole, of «<b>86</b>» only 86)."""
    spans = [(s, e) for s, e, toks in _runs(word) if _run_hits(toks, keys)]
    if not spans:
        return html.escape(word)
    s, e = spans[0][0], spans[-1][1]
    return f"{html.escape(word[:s])}<mark>{html.escape(word[s:e])}</mark>{html.escape(word[e:])}"


def snippet(texts: list[str | None], terms: list[Term], width: int = SNIPPET_WORDS) -> str:
    """An HTML-safe window of about ``width`` words with matches in ``<mark>…</mark>``.

    ``texts`` are tried in order (lead, body); the one with the best window wins,
    the first on a tie. Everything outside the marks is HTML-escaped.
    """
    keys = _match_keys(terms)
    best: tuple[int, list[str], list[set[str]], int] | None = None
    for text in texts:
        if not text:
            continue
        words, hits = _hits(text, keys)
        start, score = _best_window(hits, width)
        if best is None or score > best[0]:
            best = (score, words, hits, start)
    if best is None:
        return ""
    _, words, hits, start = best
    end = min(len(words), start + width)
    shown = zip(words[start:end], hits[start:end], strict=True)
    parts = [_render(w, keys) if h else html.escape(w) for w, h in shown]
    return ("… " if start > 0 else "") + " ".join(parts) + (" …" if end < len(words) else "")
