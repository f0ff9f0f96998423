"""Persian normalization: hazm's Normalizer, with the tokens it damages protected.

hazm's ``Normalizer`` fixes the Persian that matters for extraction and
search (Arabic ي/ك, ZWNJ in «می‌شود» and «دستگاه‌های», spacing around
punctuation), but it also spaces out dates (``1402/05/12`` becomes
``۱۴۰۲ / ۰۵ / ۱۲``), e-mails and URLs, and rewrites digits. So those tokens
are cut out first, replaced by private-use placeholders that hazm leaves
alone, and put back unchanged afterwards.

Two functions matter to the rest of dastur:

- ``normalize(text)``: the document text every span points into.
- ``fold(text)``: a cheap, lossy key for matching and search (digits to
  Latin, ZWNJ to space, Arabic letters to Persian, no diacritics). The
  index and the query go through the same ``fold``.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from typing import Any

# Tokens hazm would damage. Order matters: URLs and e-mails before numbers.
_DIGIT = r"[0-9۰-۹٠-٩]"
PROTECTED = re.compile(
    r"(?:https?://|www\.)[^\s<>«»\"']+[^\s<>«»\"'.,،؛:!?)]"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mails
    rf"|{_DIGIT}+(?:[/\-.][0-9۰-۹٠-٩]+){{2}}"  # numeric dates 1402/05/12, 1402-5-12
    rf"|{_DIGIT}+(?:[.,٫٬/:]{_DIGIT}+)*\s?%?",  # numbers 12, 12.5, 1,200, 12:30, 50%
    re.UNICODE,
)
_PUA_BASE = 0xE000  # placeholders live in the Private Use Area
_PUA_SIZE = 6400
_PUA_RE = re.compile("[\ue000-\uf8ff]")
# hazm can leave a ZWNJ stranded beside whitespace; it is never meaningful there.
_STRAY_ZWNJ = re.compile(r"\u200c+(?=\s|$)|(?<=\s)\u200c+|^\u200c+")
# A ZWNJ joins two letters («می‌شود»); beside punctuation hazm turns it into a space, which a second
# pass would then remove: drop it first so that normalizing twice changes nothing.
_UNJOINING_ZWNJ = re.compile(r"(?<![^\W\d_])\u200c+|\u200c+(?![^\W\d_])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)*")

_build_lock = threading.Lock()


_shared: dict[str, Any] = {}


def shared(name: str, build: Any) -> Any:
    """One instance of a slow-to-build, stateless object for the whole process.

    The check happens again under the lock, so threads arriving together wait for
    one build instead of each building their own.
    """
    obj = _shared.get(name)
    if obj is None:
        with _build_lock:
            obj = _shared.get(name)
            if obj is None:
                obj = _shared[name] = build()
    return obj


def _normalizer() -> Any:
    """hazm's Normalizer, shared by all threads: it keeps no state between calls
    (tests/test_normalize.py checks that concurrent use gives the same results)."""

    def build() -> Any:
        from hazm import Normalizer

        return Normalizer()

    return shared("hazm.Normalizer", build)


def _protect(text: str) -> tuple[str, list[str]]:
    saved: list[str] = []

    def keep(m: re.Match[str]) -> str:
        if len(saved) >= _PUA_SIZE:  # absurdly many numbers: leave the rest to hazm
            return m.group(0)
        token = m.group(0)
        trail = " " if token.endswith(" ") else ""
        saved.append(token.rstrip(" "))
        return chr(_PUA_BASE + len(saved) - 1) + trail

    return PROTECTED.sub(keep, text), saved


def _restore(text: str, saved: list[str]) -> str:
    return _PUA_RE.sub(lambda m: saved[ord(m.group(0)) - _PUA_BASE], text)


def _tidy_line(line: str) -> str:
    line = _STRAY_ZWNJ.sub("", line)
    return _SPACES.sub(" ", line).strip()


def normalize(text: str) -> str:
    """Normalize Persian text with hazm, keeping dates, numbers, URLs and e-mails as written.

    Paragraphs (blank-line separated) are kept; lines inside a paragraph are
    kept too. The result is idempotent: ``normalize(normalize(x)) == normalize(x)``.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _UNJOINING_ZWNJ.sub("", _PUA_RE.sub("", text).replace("\ufeff", ""))
    protected, saved = _protect(text)
    # One hazm call for the whole text: its per-call set-up costs more than the work on a line.
    out = _normalizer().normalize(protected)
    paragraphs = []
    for par in _BLANK_LINES.split(out):
        lines = [t for t in (_tidy_line(line) for line in par.split("\n")) if t]
        if lines:
            paragraphs.append("\n".join(lines))
    return _restore("\n\n".join(paragraphs), saved)


# --- folding: the lossy key used for matching and search -----------------

_FOLD_MAP = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا",
        "آ": "ا", "ؤ": "و", "ٱ": "ا", "\u200c": " ", "\u200d": "", "\u200e": "", "\u200f": "",
        "ـ": "", "٪": "%", "٫": ".", "٬": ",",
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        **{chr(0x0660 + i): str(i) for i in range(10)},
    }
)
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0654\u0655]")


@functools.lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """``fold`` of one word without spaces (cached: the vocabulary of a corpus is small)."""
    return _DIACRITICS.sub("", unicodedata.normalize("NFKC", word).translate(_FOLD_MAP)).lower().strip()


def fold(text: str) -> str:
    """A matching key: Persian letters, Latin digits, no ZWNJ or diacritics, single spaces.

    It is not length-preserving; never compute spans on folded text.
    """
    return " ".join(w for w in (fold_word(w) for w in text.split()) if w)


def to_latin_digits(text: str) -> str:
    return text.translate({0x06F0 + i: str(i) for i in range(10)} | {0x0660 + i: str(i) for i in range(10)})
