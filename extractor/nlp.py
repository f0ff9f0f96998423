"""The spaCy container: Docs built from hazm's tokens, with sentence starts set.

spaCy has no trained Persian pipeline, so ``spacy.blank("fa")`` only holds
dastur's rule components (see ``engine.py``). The Doc is built from hazm's
word tokens with the exact whitespace between them, so ``doc.text`` equals
the normalized text and every span's ``start_char``/``end_char`` points into
the Record's ``text``.
"""

from __future__ import annotations

import re
from typing import Any

from .normalize import shared

_SENT_END = re.compile(r"[.!؟?…]+(?=[\s«»\"')\]]|$)|\n+")


def tokenizer() -> Any:
    """hazm's WordTokenizer, one for the process (building one takes half a second; it keeps no state)."""

    def build() -> Any:
        from hazm import WordTokenizer

        # No joining of verb parts or number replacement: tokens must stay substrings of the text.
        return WordTokenizer(join_verb_parts=False, replace_numbers=False, replace_ids=False, replace_emails=False,
                             replace_links=False, replace_hashtags=False, separate_emoji=False)

    return shared("hazm.WordTokenizer", build)


def token_offsets(text: str) -> list[tuple[int, int]]:
    """Character spans of hazm's tokens in ``text``; a token hazm changed falls back to whitespace split."""
    spans: list[tuple[int, int]] = []
    pos = 0
    chunk = re.compile(r"\S+")
    for token in tokenizer().tokenize(text):  # one call: hazm's per-call cost dominates short lines
        at = text.find(token, pos)
        if at < 0 or ("\n" in text[pos:at] and text[pos:at].strip()):
            m = chunk.search(text, pos)  # hazm changed the token (rare): take the next chunk
            if not m:
                continue
            at, token = m.start(), m.group(0)
        if spans and at < spans[-1][1]:
            continue
        spans.append((at, at + len(token)))
        pos = at + len(token)
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences: split at . ! ? ؟ … before a space, and at line breaks; trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end() if m.group(0)[0] != "\n" else m.start()
        _add_trimmed(text, start, end, spans)
        start = m.end()
    _add_trimmed(text, start, len(text), spans)
    return spans


def _add_trimmed(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))


def blank_nlp() -> Any:
    import spacy

    return spacy.blank("fa")


def make_doc(nlp: Any, text: str, sentences: list[tuple[int, int]]) -> Any:
    """A spaCy Doc over hazm tokens; whitespace runs other than one space become space tokens."""
    from spacy.tokens import Doc

    starts = {s for s, _ in sentences}
    words: list[str] = []
    spaces: list[bool] = []
    sent_starts: list[bool | int | None] = []
    pos = 0
    for s, e in [*token_offsets(text), (len(text), len(text))]:  # the sentinel takes trailing whitespace
        if s > pos:  # the gap before this token: one space joins it to the last word, the rest is a token
            if words and text[pos] == " ":
                spaces[-1] = True
                pos += 1
            if s > pos:
                words.append(text[pos:s])
                spaces.append(False)
                sent_starts.append(not sent_starts or pos in starts)
        if e > s:
            words.append(text[s:e])
            spaces.append(False)
            sent_starts.append(not sent_starts or s in starts)
        pos = e
    doc = Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=sent_starts)
    assert doc.text == text, "token alignment lost characters"
    return doc
