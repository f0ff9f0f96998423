"""PDF bytes → logical-order Persian text, page offsets and letter headers.

pdfplumber hands back glyphs where they are drawn: Persian comes out in
visual (reversed) order, often as Arabic presentation forms, and XeLaTeX
PDFs have no space glyphs at all. The recipe measured in DESIGN.md
("Known traps") undoes that, one page at a time:

1. group glyphs into lines by baseline and infer word spaces from gaps;
2. fold presentation forms with NFKC, reversing multi-letter ones
   (lam-alef, «ریال» …) because the line is still in visual order;
3. reorder each line with python-bidi, which keeps digits and Latin intact;
4. keep whichever reading, raw or reordered, finds more Persian words.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .errors import BadPdf, DasturError, NoText

GAP_RATIO = 0.16  # a wider gap is a word space: XeLaTeX draws no space glyphs, its gaps are ≥ 0.18 em
COLUMN_RATIO = 2.5  # a gap wider than this × font size separates two blocks on one baseline (→ tab)
LINE_RATIO = 0.4  # glyphs whose baselines differ by less than this × font size share a line
MARK_REACH = 1.5  # Word draws harakat up to this × font size away from their letter's baseline
ZWNJ_OVERLAP = 0.25  # Word draws ZWNJ as a space glyph on top of a letter; real spaces do not overlap
HEADER_LINES = 20  # letter headers (شماره، تاریخ، پیوست) sit near the top of page 1

_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")  # Arabic presentation forms A and B
_ORNATE = {"\ufd3e": "(", "\ufd3f": ")"}  # the only forms NFKC leaves alone that carry meaning
_CID = re.compile(r"\(cid:\d+\)")  # pdfminer's name for a glyph the font does not map to Unicode
_ZWNJ = "\u05ef"  # stands in for ZWNJ while reordering: python-bidi drops ZWNJ, and this is RTL like a letter
_BELOW = "\u064d\u0650\u0655\u0656"  # harakat drawn under their letter; all others sit above it
_ARABIC = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")
_LATIN = re.compile("[A-Za-z]")
_STRONG = re.compile("[A-Za-z\u0620-\u064a\u066e-\u06d5\ufb50-\ufdff\ufe70-\ufefc]")
_WORD = re.compile("[\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]+")
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u0640": None})
_ZWNJ_NOISE = re.compile("(?<=[اآأإدذرزژوؤة])\u200c|(?<![\u0620-\u06d5])\u200c|\u200c(?![\u0620-\u06d5])")
_LABEL = r"\b(?:شماره|تار[یي]خ|پ[یي]وست)\s*[:：]"  # a letter's number, date and attachment
_HEADER = re.compile(rf"({_LABEL})\s*(.*?)\s*(?=\t|$|{_LABEL})")
_HEADER_KEYS = {"ش": "number", "ت": "date", "پ": "attachment"}


@dataclass
class PdfText:
    text: str  # logical-order text of the whole document, pages joined by "\n\n"
    pages: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of each page in `text`
    metadata: dict[str, str] = field(default_factory=dict)  # number/date/attachment, producer/title


def read_pdf(data: bytes, source: str = "<pdf>") -> PdfText:
    """Read a PDF's text layer in logical order.

    Raises BadPdf for empty, corrupt or encrypted input and NoText when no
    page has any text (a scan).
    """
    if not data:
        raise BadPdf(source, "the file is empty", "check the download or the path")
    import pdfplumber  # lazy: pdfminer is slow to import and most commands never read a PDF

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            info = dict(pdf.metadata or {})
            pages = [_page_text(page) for page in pdf.pages]
    except DasturError:
        raise
    except Exception as err:  # pdfminer raises dozens of exception types on damaged files
        raise _bad_pdf(source, err) from err
    if not any(ch.isalnum() for page in pages for ch in page):
        fix = "run OCR first, e.g. with tesseract -l fas"
        raise NoText(source, "the PDF has no text layer (scanned?)", fix)

    text, offsets = "", []
    for i, page in enumerate(pages):
        text += "\n\n" if i else ""
        offsets.append((len(text), len(text) + len(page)))
        text += page
    return PdfText(text, offsets, _metadata(pages[0], info))


def _bad_pdf(source: str, err: BaseException) -> BadPdf:
    chain: list[BaseException] = []  # pdfplumber wraps pdfminer's error: look through the whole chain
    e: BaseException | None = err
    while e is not None and len(chain) < 5:
        chain.append(e)
        e = e.__cause__ or e.__context__ or next((a for a in e.args if isinstance(a, BaseException)), None)
    if any("Password" in type(e).__name__ or "Encrypt" in type(e).__name__ for e in chain):
        fix = "remove the password first, e.g. qpdf --decrypt --password=... in.pdf out.pdf"
        return BadPdf(source, "the PDF is encrypted", fix)
    detail = (str(err).splitlines() or [type(err).__name__])[0][:100]
    fix = "check that the file is a complete, valid PDF"
    return BadPdf(source, f"the PDF cannot be read ({detail})", fix)


# --- 1. glyphs → lines in visual order -----------------------------------------------------------


@dataclass(slots=True)
class _Glyph:
    text: str
    x0: float
    x1: float
    y: float  # baseline, growing down the page
    size: float

    @property
    def is_mark(self) -> bool:
        return unicodedata.category(self.text[:1]) == "Mn" and self.x1 - self.x0 < 0.1 * self.size


def _glyph(ch: dict) -> _Glyph:
    x0, x1, size = ch["x0"], ch["x1"], ch["size"] or 1.0
    c, f = ch["matrix"][2], ch["matrix"][5]
    if c and ch["upright"]:  # Word's fake italic skews glyphs; pdfminer's box then covers the next letter
        slant = abs(c) / size * (ch["bottom"] - ch["top"]) / 2
        x0, x1 = x0 + slant, max(x0 + slant, x1 - slant)
    y = -f if ch["upright"] else ch["x0"]
    return _Glyph(_CID.sub("\ufffd", ch["text"]), x0, x1, y, size)  # U+FFFD: a glyph with no letter


def _page_text(page: Any) -> str:
    glyphs = _dedupe([_glyph(ch) for ch in page.chars if ch["text"]])
    lines = [_visual_text(line) for line in _lines(glyphs)]
    page_rtl = sum(len(_ARABIC.findall(line)) - len(_LATIN.findall(line)) for line in lines) >= 0
    raw = [_fold_forms(line, visual=False) for line in lines]
    reordered = [_reorder(line, page_rtl) for line in lines]
    # 4. Every producer seen so far draws Persian right to left, so the raw order is visual; a
    # PDF with logical order would be ruined by reordering: keep what the lexicon recognises.
    best = raw if sum(map(_score, raw)) > sum(map(_score, reordered)) else reordered
    return "\n".join(line for line in map(_clean, best) if line)


def _dedupe(glyphs: list[_Glyph]) -> list[_Glyph]:
    """Drop glyphs drawn twice in one place (fake bold, shadows); pdfplumber's dedupe is quadratic."""
    kept: list[_Glyph] = []
    last: dict[tuple[str, int], _Glyph] = {}
    for g in sorted(glyphs, key=lambda g: g.x0):
        key = (g.text, round(g.y))
        twin = last.get(key)
        if twin is None or g.x0 - twin.x0 > 1 or abs(g.y - twin.y) > 1:
            kept.append(g)
            last[key] = g
    return kept


def _lines(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Glyphs grouped by baseline, top to bottom, each line sorted left to right."""
    lines: list[list[_Glyph]] = []
    for g in sorted((g for g in glyphs if not g.is_mark), key=lambda g: g.y):
        if lines and g.y - lines[-1][0].y < LINE_RATIO * g.size:
            lines[-1].append(g)
        else:
            lines.append([g])
    for line in lines:
        line.sort(key=lambda g: g.x0 + g.x1)  # by centre: Word's ZWNJ glyph shares its x0 with a letter
    for mark in (g for g in glyphs if g.is_mark):
        _attach_mark(mark, lines)
    return lines


def _attach_mark(mark: _Glyph, lines: list[list[_Glyph]]) -> None:
    # Word draws harakat half a line or more from their letter, sometimes nearer the next line:
    # a mark above its letter belongs to a line at or below it, a mark below to one at or above.
    below, slack = mark.text[0] in _BELOW, 0.2 * mark.size
    near = [ln for ln in lines if (ln[0].y <= mark.y + slack if below else ln[0].y >= mark.y - slack)]
    line = min(near or lines, key=lambda ln: abs(ln[0].y - mark.y), default=None)
    if line is None or abs(line[0].y - mark.y) > MARK_REACH * mark.size:
        return  # a stray mark with no letter near it carries no text
    letters = [k for k, g in enumerate(line) if not g.text.isspace()] or [0]
    i = min(letters, key=lambda k: abs(line[k].x0 + line[k].x1 - 2 * mark.x0))
    rtl = bool(_ARABIC.match(line[i].text))  # in visual order a mark sits left of an RTL letter
    line.insert(i if rtl else i + 1, _Glyph(mark.text, line[i].x0, line[i].x0, line[i].y, mark.size))


def _visual_text(line: list[_Glyph]) -> str:
    """One line's glyphs as a string in visual order, with word spaces and ZWNJs restored."""
    out: list[str] = []
    prev: _Glyph | None = None  # last glyph drawn, space glyphs included
    for i, g in enumerate(line):
        if g.is_mark:
            out.append(g.text)  # _attach_mark already put it next to its letter
            continue
        if prev is not None:
            gap, size = g.x0 - prev.x1, max(g.size, prev.size)
            if gap > COLUMN_RATIO * size:
                out.append("\t")
            elif gap > GAP_RATIO * size:
                out.append(" ")
        out.append(_space(line, i) if g.text.isspace() else g.text)
        prev = g
    return "".join(out)


def _space(line: list[_Glyph], i: int) -> str:
    """A space glyph is a word space, or Word's ZWNJ drawn on top of a letter, or nothing."""
    space = line[i]
    width = space.x1 - space.x0
    near = [g for g in line[max(0, i - 2) : i + 3] if not g.is_mark and not g.text.isspace()]
    if width <= 0 or all(min(g.x1, space.x1) - max(g.x0, space.x0) <= ZWNJ_OVERLAP * width for g in near):
        return " "
    # Word also draws such glyphs inside joined words, next to harakat («مرکّب»): no ZWNJ where
    # the letter before it (on its right) is drawn joining forward.
    before = next((g.text[0] for g in line[i + 1 :] if not g.is_mark and not g.text.isspace()), " ")
    return "" if unicodedata.name(before, "").endswith(("INITIAL FORM", "MEDIAL FORM")) else _ZWNJ


# --- 2. and 3. presentation forms and bidi -------------------------------------------------------


def _fold_forms(text: str, visual: bool) -> str:
    """NFKC on presentation forms only; multi-letter forms are reversed while still visual."""

    def fold(m: re.Match[str]) -> str:
        ch = m.group()
        letters = unicodedata.normalize("NFKC", ch).strip()  # isolated harakat forms NFKC to " َ"
        if letters == ch:
            return _ORNATE.get(ch, "")  # BOM, noncharacters and unassigned slots: drop
        return letters[::-1] if visual else letters

    return _FORMS.sub(fold, text)


def _reorder(visual: str, page_rtl: bool) -> str:
    # The pure-Python get_display mirrors brackets; python-bidi 0.6's default (Rust) one does not.
    from bidi.algorithm import get_display

    # A line's direction is that of its first letter in logical order: the rightmost one if the
    # line is RTL, the leftmost if LTR. When both ends agree, that settles it; else the page decides.
    strong = _STRONG.findall(visual)
    ends = {bool(_ARABIC.match(strong[0])), bool(_ARABIC.match(strong[-1]))} if strong else {page_rtl}
    rtl = ends.pop() if len(ends) == 1 else page_rtl
    return get_display(_fold_forms(visual, visual=True), base_dir="R" if rtl else "L")


def _clean(line: str) -> str:
    line = _ZWNJ_NOISE.sub("", line.replace(_ZWNJ, "\u200c"))
    return re.sub(r" *\t[ \t]*", "\t", re.sub(" {2,}", " ", line)).strip()


# --- 4. lexicon ----------------------------------------------------------------------------------


@cache
def _lexicon() -> frozenset[str]:
    """hazm's word list, read straight from its data file: importing hazm takes seconds."""
    spec = find_spec("hazm")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    words = Path(next(iter(spec.submodule_search_locations))) / "data" / "words.dat"
    out: set[str] = set()
    with words.open(encoding="utf-8") as f:
        for row in f:
            word = row.split("\t", 1)[0]
            out.add(word)
            out.update(word.split("\u200c"))  # PDFs may lose ZWNJ: each part of a ZWNJ word counts too
    return frozenset(out)


def _score(line: str) -> int:
    """Letters covered by lexicon words: a reversed word is rarely a word."""
    lexicon = _lexicon()
    return sum(len(w) for w in _WORD.findall(line.translate(_FOLD)) if len(w) > 1 and w in lexicon)


# --- letter headers and PDF info -----------------------------------------------------------------


def _metadata(first_page: str, info: dict) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in first_page.splitlines()[:HEADER_LINES]:
        for label, value in _HEADER.findall(line):
            if value:
                meta.setdefault(_HEADER_KEYS[label[0]], value)
    for key in ("Producer", "Title"):
        value = info.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value.strip():
            meta[key.lower()] = _fold_forms(value.strip(), visual=False)
    return meta
