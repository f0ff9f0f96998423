"""Reading sources: files, directories, stdin and URLs, into Documents.

A Document is what a reader saw: raw text in reading order plus whatever
metadata the format carried (title, lead, date, agency, canonical URL, PDF
pages). Normalization and extraction happen later, in ``pipeline``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BinaryInput, EmptyInput, InputError, MissingPath, NotPersian

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".aspx", ".php"}
PDF_SUFFIXES = {".pdf"}
READABLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

# A document counts as Persian when this share of its letters is Arabic-script.
PERSIAN_LETTER_SHARE = 0.4
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")


@dataclass
class Document:
    kind: str  # text | html | pdf
    text: str  # body in reading order, not yet normalized
    sha256: str
    path: str | None = None
    url: str | None = None
    title: str | None = None
    lead: str | None = None
    published: str | None = None  # a date string as found in metadata
    agency: str | None = None
    canonical_url: str | None = None
    fetched_at: str | None = None
    pages: list[tuple[int, int]] | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.url or self.path or "<stdin>"


HTML_MARKERS = re.compile(rb"<(?:html|head|body)[\s>]", re.IGNORECASE)


def sniff_kind(data: bytes, name: str = "", content_type: str = "") -> str:
    """pdf, html or text, from the magic bytes first, then the content type and the suffix."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data[:5] == b"%PDF-" or "pdf" in content_type:
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or "html" in content_type:
        return "html"
    suffix = Path(name.split("?")[0]).suffix.lower()
    # Saved pages may open with kilobytes of comments or scripts before <html>: look further,
    # unless the name says plain text (a release may well mention «<html>»).
    if suffix not in TEXT_SUFFIXES and HTML_MARKERS.search(data[:65536]):
        return "html"
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in HTML_SUFFIXES:
        return "html"
    return "text"


def decode_text(data: bytes, source: str) -> str:
    """Decode a plain-text file: UTF-8 (with or without BOM), else windows-1256; refuse binary."""
    if not data.strip():
        raise EmptyInput(source, "the file is empty", "pass a file with the release text")
    if b"\x00" in data[:4096]:
        raise BinaryInput(source, "this looks like a binary file, not text, HTML or PDF",
                          "pass a .txt, .html or .pdf file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1256", "utf_16", "iso8859_6"]).best()
    if best is None:
        raise BinaryInput(source, "the bytes are not text in any known encoding",
                          "save it as UTF-8 text, or pass the PDF/HTML original")
    return str(best)


PERSIAN_SAMPLE_CHARS = 20_000  # the share of Persian letters is clear long before the end of a release


def check_persian(text: str, source: str) -> None:
    letters = _NOT_LETTER.sub("", text[:PERSIAN_SAMPLE_CHARS])  # counted by deleting, not by listing
    if not letters:
        raise EmptyInput(source, "the document has no text", "pass a file with the release text")
    share = (len(letters) - len(_ARABIC_SCRIPT.sub("", letters))) / len(letters)
    if share < PERSIAN_LETTER_SHARE:
        raise NotPersian(source, f"the document is not Persian (only {share:.0%} of its letters are Persian)",
                         "dastur reads Persian releases; check that this is the right file")


def document_from_bytes(data: bytes, *, path: str | None = None, url: str | None = None,
                        content_type: str = "", charset: str | None = None,
                        fetched_at: str | None = None) -> Document:
    """Parse raw bytes with the reader their kind calls for."""
    source = url or path or "<stdin>"
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise EmptyInput(source, "the input is empty", "pass a file or page with the release text")
    kind = sniff_kind(data, url or path or "", content_type)
    if kind == "pdf":
        from .pdf import read_pdf

        pdf = read_pdf(data, source)
        doc = Document("pdf", pdf.text, sha, path=path, url=url, pages=pdf.pages, metadata=dict(pdf.metadata),
                       title=pdf.metadata.get("title"), published=pdf.metadata.get("date"))
    elif kind == "html":
        from .html import read_html

        page = read_html(data, url=url, source=source)
        doc = Document("html", page.body, sha, path=path, url=url, title=page.title, lead=page.lead,
                       published=page.published, agency=page.agency, canonical_url=page.canonical_url)
    else:
        doc = Document("text", decode_text(data, source), sha, path=path, url=url)
    doc.fetched_at = fetched_at
    if not doc.published:  # no date in the metadata: the address or file name may carry one
        from .jalali import date_from_name

        stamp = date_from_name(url if url else Path(path).name if path else "")
        if stamp:
            doc.published = stamp
            doc.metadata["published_from"] = "url" if url else "file_name"
    check_persian(" ".join(filter(None, [doc.title, doc.lead, doc.text])), source)
    return doc


def read_path(path: str | Path) -> Document:
    p = Path(path)
    if str(path) == "-":
        return document_from_bytes(sys.stdin.buffer.read(), path=None)
    if not p.exists():
        raise MissingPath(str(path), "no such file or directory", "check the path")
    if p.is_dir():
        raise InputError(str(path), "is a directory", "use expand_inputs() to walk it")
    return document_from_bytes(p.read_bytes(), path=str(p))


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def expand_inputs(inputs: list[str]) -> Iterator[str]:
    """Files as given; directories walked recursively for readable files, in sorted order."""
    for item in inputs:
        p = Path(item)
        if item != "-" and not is_url(item) and p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in READABLE_SUFFIXES:
                    yield str(f)
        else:
            yield item


def read_input(item: str, *, allow_private: bool = False) -> Document:
    if is_url(item):
        from .fetch import fetch

        resp = fetch(item, allow_private=allow_private)
        return document_from_bytes(resp.content, url=resp.url, content_type=resp.content_type,
                                   charset=resp.charset, fetched_at=resp.fetched_at)
    return read_path(item)


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
