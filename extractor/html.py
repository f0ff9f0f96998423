"""HTML pages → title, lead, body and metadata, without per-site templates.

The stages run in order, like trafilatura's ``core.py``:

1. decode the bytes (``decode_html``): BOM, valid UTF-8, declared charset, windows-1256;
2. parse with lxml and read the metadata (title, lead, date, agency, canonical URL)
   before anything is removed, because dates and leads often sit in page chrome;
3. clean: drop scripts, hidden elements, navigation, sidebars, comments, related-news lists;
4. score every block by its text, punctuation and link density, readability-style,
   and keep the best container plus the siblings that look like more of the article;
5. serialize the kept elements into paragraphs separated by a blank line.

ZWNJ (``"\\u200c"``) is kept everywhere: only real whitespace is collapsed.
Per-site fixes, when the generic stages fail, are data in ``rules/html_sites.json``.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import unquote, urljoin, urlparse

from lxml import etree

from .errors import NoText

# --- tuning -----------------------------------------------------------------------------------
MIN_BODY_CHARS = 40  # fewer letters than this is a home, list or error page, not an article
MIN_BLOCK_CHARS = 25  # a shorter text block is a label or a menu item, not a paragraph
MAX_BLOCK_LINK_DENSITY = 0.5  # a block that is mostly link text is a list of other stories
SIBLING_SHARE = 0.2  # a sibling of the best container scoring this share of it is part of the article
SIBLING_MIN_CHARS = 80  # ... and so is a sibling <p> this long that ends a sentence
SIBLING_MAX_LINK_DENSITY = 0.25
TEASER_LINK_CHARS = 10  # a one-paragraph box that also holds this much link text is a teaser of another story
TEASER_WEIGHT = 0.25  # ... and counts this much: lists of teasers must not outscore a short article
EDGE_LINE_CHARS = 60  # a shorter line without a sentence end, before or after the article, is a label
EDGE_TRIM_MAX_SHARE = 0.5  # ... unless that would cut this share of the body (a list of titles)
UTF8_ERROR_SHARE = 0.01  # a page this close to valid UTF-8 is UTF-8 with a few broken bytes
PERSIAN_SHARE = 0.6  # a legacy decoding is right when this share of its non-ASCII letters is Arabic script

# --- element classes --------------------------------------------------------------------------
# Never article text: removed with their content.
JUNK_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "video",
    "audio", "map", "select", "option", "button", "input", "textarea", "link", "meta", "head", "title",
    "figcaption",
}
# Page chrome by tag name (HTML5 layouts), unless it holds the page's densest paragraph (see _clean).
CHROME_TAGS = {"nav", "header", "footer", "aside", "menu", "form"}
# Page chrome by class or id. Substrings, because CMSs glue words together ("Htags_news_relatednews").
CHROME_WORDS = re.compile(
    r"related|comment|footer|sidebar|breadcrumb|navbar|navigation|social|share|copyright|advert|"
    r"banner|popup|modal|cookie|newsletter|subscribe|pagination|pager|ticker|marquee|carousel|slider|"
    r"most-?(?:view|visit|read|comment|popular)|popular|toolbar|login|signin|register|widget|"
    r"servicelist|tag-?list|tags-?box|keywords|report-?(?:box|srction|section)|mobile-?app|"
    r"download-?app|scroll-?top|wm-ipp|donate|poll|survey|archive-?list|other-?news|more-?news|"
    r"nazar|feedback",
    re.I,
)
# The same, but only as a whole word of the class ("menu" yes, "menuitem" no; "side" yes, "inside" no).
CHROME_TOKENS = {
    "nav", "menu", "side", "ads", "ad", "tags", "tag", "header", "alert", "today", "topbar", "top-bar",
    "bottom-bar", "dropdown",
}
HIDDEN_CLASSES = {"hidden", "hide", "d-none", "display-none", "invisible", "sr-only", "visually-hidden"}
BLOCK_TAGS = {
    "p", "div", "td", "th", "li", "ul", "ol", "dl", "dd", "dt", "blockquote", "pre", "section", "article",
    "main", "table", "tbody", "thead", "tfoot", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "center",
    "address", "figure", "body", "html", "hr", "fieldset", "details", "summary",
}
# Blocks that can hold an article, and so can win the scoring.
CONTAINER_TAGS = {"div", "td", "section", "article", "main", "blockquote", "body", "center"}
ANCESTOR_WEIGHTS = (1.0, 0.5, 1 / 3)  # a paragraph's score goes to its container, less to the ones around it
# A class or id that names the article's text gives its block a small head start.
CONTENT_HINT = re.compile(r"article|content|body|text|story|entry|post|matn|news-?detail|abstract|main", re.I)

SENTENCE_PUNCT = re.compile(r"[،,.؛;:!?؟»]")
SENTENCE_END = re.compile(r"[.!?؟…»)\]]$")
SPACE = re.compile(r"\s+")  # Python's \s is Unicode whitespace and does not include ZWNJ
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufeff]")
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")


@dataclass
class HtmlDocument:
    title: str | None
    lead: str | None  # روتیتر/لید (lead/summary) if the page has one
    body: str  # main article text, paragraphs separated by "\n\n"; ZWNJ preserved
    published: str | None  # as found: ISO from meta/JSON-LD, or Jalali text like «۱۲ مرداد ۱۴۰۲»
    agency: str | None  # og:site_name, JSON-LD publisher, or the «به گزارش ...» phrase
    canonical_url: str | None
    language: str | None  # from <html lang> when present


# === 1. decoding ==============================================================================
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes → text. ``declared`` is the HTTP Content-Type charset, if known.

    Labels lie more often than bytes do: a page that decodes as UTF-8 is UTF-8
    whatever it declares ("windows-1256", "windows-utf-8", nothing).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # A few broken bytes (a truncated download, one pasted character) do not make a page windows-1256.
    loose = data.decode("utf-8", "replace")
    non_ascii = sum(1 for c in loose if ord(c) > 127)
    if loose.count("\ufffd") <= UTF8_ERROR_SHARE * non_ascii:
        return loose
    labelled = [_codec(declared), _codec(_meta_charset(data))]
    first: str | None = None
    for codec in [*labelled, "cp1256"]:  # cp1256: the legacy code page of Persian sites, often undeclared
        if codec is None or codec == "utf-8":
            continue
        text = _try_decode(data, codec)
        if text is not None:
            first = first or text
            if _reads_as_persian(text):
                return text
    # Not Persian in any label we know: let a detector guess (it is unreliable on short Persian text).
    guess = _detect(data)
    return guess or first or loose


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    return match.group(1).decode("ascii", "ignore") if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:  # bogus labels such as "windows-utf-8"
        return None


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _reads_as_persian(text: str) -> bool:
    letters = [c for c in text if ord(c) > 127 and c.isalpha()]
    if not letters:
        return True
    return sum(1 for c in letters if ARABIC_LETTER.match(c)) / len(letters) >= PERSIAN_SHARE


def _detect(data: bytes) -> str | None:
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(data).best()
        if best is not None:
            return str(best)
    except Exception:  # a detector failure must not lose the page: fall back to UnicodeDammit
        pass
    from bs4 import UnicodeDammit

    return UnicodeDammit(data, is_html=True).unicode_markup


# === entry point ==============================================================================
def read_html(data: bytes | str, url: str | None = None, source: str = "<html>") -> HtmlDocument:
    """Read one article page. Raises ``NoText`` for pages without article text."""
    if source == "<html>" and url:
        source = url
    text = decode_html(data) if isinstance(data, bytes) else data
    root = _parse(text, source)
    rule = _site_rule(url or _page_url(root))

    meta = _Metadata(root, url)  # before cleaning: dates and leads often sit in the chrome
    _clean(root, rule.get("drop", []), rule.get("body"))
    kept = _select(root, rule.get("body"))
    body = _serialize(kept, drop={_fold(meta.title or "")})
    if len(SPACE.sub("", body)) < MIN_BODY_CHARS:
        raise NoText(source, "the HTML page has no article text",
                     "pass the article page itself, not a home or list page")
    return HtmlDocument(
        title=meta.title,
        lead=meta.lead,
        body=body,
        published=meta.published,
        agency=meta.agency or _agency_phrase(body),
        canonical_url=meta.canonical,
        language=meta.language,
    )


def _parse(text: str, source: str) -> etree._Element:
    text = CONTROL.sub("", text)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input that declares an encoding
    if not text.strip():
        raise NoText(source, "the HTML page is empty", "pass the article page itself")
    # Plain lxml elements: lxml.html's element classes make every tree walk several times slower.
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
    try:
        root = etree.fromstring(text, parser)
    except (etree.ParserError, ValueError) as exc:
        raise NoText(source, f"the HTML page cannot be parsed ({exc})",
                     "pass the article page itself") from exc
    if root is None:
        raise NoText(source, "the HTML page is empty", "pass the article page itself")
    return root


# === 2. metadata ==============================================================================
TITLE_SEPARATORS = re.compile(r"\s+[-–—:]\s+|\s*(?:\||::)\s*")
SITE_WORDS = re.compile(r"خبرگزار[یي]|پا[یي]گاه|سا[یي]ت|پرتال|پورتال|news|agency|\.ir\b|\.com\b", re.I)
LEAD_CLASS = re.compile(r"(?<![a-z])(?:lead|summary|sub-?title|rutitr|ro-?titr|introtext|lid)(?![a-z])", re.I)
DATE_CLASS = re.compile(r"date|time|publish|zaman|tarikh", re.I)
NOT_PUBLISH_DATE = re.compile(r"today|current|header-?date|headerdate|clock|امروز", re.I)
PUBLISH_LABEL = re.compile(r"(?:تاریخ|تاريخ|زمان)\s*(?:انتشار|خبر|ارسال|درج)|انتشار\s*:")
_DIGIT = "[0-9۰-۹٠-٩]"
_MONTHS = (
    "فروردین|فروردين|اردیبهشت|ارديبهشت|خرداد|تیر|تير|مرداد|امرداد|شهریور|شهريور|مهر|آبان|آذر|دی|دي|بهمن|اسفند"
)
JALALI_TEXT = re.compile(
    rf"(?<!{_DIGIT})(?:{_DIGIT}{{1,2}}\s+(?:{_MONTHS})(?:[\s\u200c]?ماه)?\s+{_DIGIT}{{4}}"
    rf"|1[34]{_DIGIT}{{2}}\s*/\s*{_DIGIT}{{1,2}}\s*/\s*{_DIGIT}{{1,2}}"
    rf"|[۱١][۳۴٣٤]{_DIGIT}{{2}}\s*/\s*{_DIGIT}{{1,2}}\s*/\s*{_DIGIT}{{1,2}})(?!{_DIGIT})"
)
ISO_DATE = re.compile(r"^\s*(?:19|20)\d\d[-/]\d\d?[-/]\d\d?")
# Metadata keys that carry the publication date, best first. The bare "date" meta is left out:
# Nastooh sites fill it with the time the page was generated.
DATE_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "citation_publication_date", "dc.date.issued", "dc.date", "citation_date", "nastooh:publishdate",
    "pubdate", "publishdate", "publish_date", "sailthru.date",
)
TITLE_IN_META_SHARE = 0.5  # a heading this long a part of the metadata title is the headline
PUBLISHED_NEAR_TITLE = 3000  # characters of page text on either side of the headline to look for a date


class _Metadata:
    """Everything but the body, read from the raw tree."""

    def __init__(self, root: etree._Element, url: str | None) -> None:
        self.root = root
        self.meta = _meta_values(root)
        self.ld = _json_ld(root)
        self.site_names = {_fold(s) for s in self._first("og:site_name", "application-name") if s}
        lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
        self.language = lang.strip() or None
        self.title, self.title_el = self._title()
        self.lead = self._lead()
        self.published = self._published()
        self.agency = self._agency()
        self.canonical = self._canonical(url)

    def _first(self, *keys: str) -> list[str]:
        return [v for k in keys for v in self.meta.get(k, []) if v]

    # -- title: the metadata title that the page repeats as a heading, else the first clean one
    def _title(self) -> tuple[str | None, etree._Element | None]:
        doc_title = [_clean_text(_text_of(t)) for t in self.root.iter("title")][:1]
        candidates = [
            *self._first("og:title", "twitter:title", "dc.title", "citation_title", "title"),
            *(_clean_text(str(o.get("headline", ""))) for o in self.ld),
            *doc_title,
        ]
        candidates = [c for c in candidates if c]
        for level in ("h1", "h2"):
            headings = {_fold(_clean_text(_text_of(h))): h for h in self.root.iter(level)}
            headings.pop("", None)
            for cand in candidates:
                for variant in _title_variants(cand):
                    if _fold(variant) in headings:
                        return variant, headings[_fold(variant)]
            # «لیگ قهرمانان آسیا| برتری …- اخبار ورزشی - اخبار تسنیم - Tasnim» holds the <h1> whole
            for cand in candidates:
                for key, heading in headings.items():
                    if len(key) >= max(10, TITLE_IN_META_SHARE * len(cand)) and key in _fold(cand):
                        return _clean_text(_text_of(heading)), heading
        for cand in candidates:  # no heading repeats it: the metadata title, minus the site name
            stripped = self._strip_site(cand)
            if stripped:
                return stripped, None
        return None, None

    def _strip_site(self, title: str) -> str:
        """Drop leading and trailing segments that name the site («خبرگزاری آریا - …», «… | ISNA»)."""
        cuts = [0, *(i for m in TITLE_SEPARATORS.finditer(title) for i in m.span()), len(title)]
        spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
        while len(spans) > 1 and self._is_site_name(title[slice(*spans[-1])]):
            spans.pop()
        while len(spans) > 1 and self._is_site_name(title[slice(*spans[0])]):
            spans.pop(0)
        return title[spans[0][0]:spans[-1][1]].strip()

    def _is_site_name(self, part: str) -> bool:
        if not part.strip() or _fold(part) in self.site_names or SITE_WORDS.search(part):
            return True
        return bool(re.search("[A-Za-z]", part)) and not ARABIC_LETTER.search(part)  # «ISNA News Agency»

    # -- lead: a summary element first; meta descriptions are often site-wide blurbs on Iranian CMSs
    def _lead(self) -> str | None:
        title = _fold(self.title or "")
        leads: list[tuple[bool, str]] = []  # (after the headline, text)
        after_title = False
        for el in self.root.iter():
            if el is self.title_el:
                after_title = True
            if not isinstance(el.tag, str) or el.tag in JUNK_TAGS or el.tag == "a":
                continue
            names = f"{el.get('class', '')} {el.get('id', '')}"
            if not LEAD_CLASS.search(names) or _in_chrome(el):
                continue
            text = _clean_text(_text_of(el))
            links = sum(len(_text_of(a)) for a in el.iter("a"))
            if 20 <= len(text) <= 1500 and links < 0.3 * len(text) and _fold(text) != title:
                leads.append((after_title, text))
        if leads:  # the summary under the headline, not a teaser's in a list above it
            return next((text for after, text in leads if after), leads[0][1])
        for value in [*self._first("og:description", "description", "twitter:description", "dc.description"),
                      *(str(o.get("description", "")) for o in self.ld)]:
            text = self._strip_site(_clean_text(value))
            if len(text) >= 20 and _fold(text) != title:
                return text
        return None

    # -- published: ISO metadata first, then Jalali metadata, then a visible date near the headline
    def _published(self) -> str | None:
        values = [*self._first(*DATE_KEYS), *(str(o.get("datepublished", "")) for o in self.ld)]
        for t in self.root.iter("time"):
            if t.get("itemprop", "").lower() == "datepublished" or t.get("pubdate") is not None:
                values.append(t.get("datetime") or _clean_text(_text_of(t)))
        values = [v.strip() for v in values if v and v.strip()]
        for value in values:
            if ISO_DATE.match(value):
                return value
        for value in values:
            if JALALI_TEXT.search(value):
                return value
        return self._visible_date()

    def _visible_date(self) -> str | None:
        """A Jalali date in the page text: after a «تاریخ انتشار» label, else the one nearest the headline."""
        found: list[tuple[int, bool, str]] = []  # (position, labelled, text)
        title_at = None
        pos = 0
        for el, text in _text_nodes(self.root):
            if el is self.title_el and title_at is None:
                title_at = pos
            for m in JALALI_TEXT.finditer(text):
                context = text[max(0, m.start() - 40):m.start()]
                if NOT_PUBLISH_DATE.search(context) or _near_class(el, NOT_PUBLISH_DATE):
                    continue
                labelled = bool(PUBLISH_LABEL.search(context)) or _near_class(el, DATE_CLASS)
                found.append((pos + m.start(), labelled, SPACE.sub(" ", m.group(0))))
            pos += len(text)
        if not found:
            return None
        if title_at is None:
            title_at = 0
        near = [f for f in found if abs(f[0] - title_at) <= PUBLISHED_NEAR_TITLE]
        pool = [f for f in near if f[1]] or near or [f for f in found if f[1]]
        if not pool:
            return None
        return min(pool, key=lambda f: abs(f[0] - title_at))[2]

    def _agency(self) -> str | None:
        names = [
            *self._first("og:site_name"),
            *(_ld_name(o.get("publisher")) for o in self.ld),
            *self._first("dc.publisher", "publisher", "application-name"),
        ]
        for name in names:
            parts = [p.strip() for p in TITLE_SEPARATORS.split(_clean_text(name or "")) if p.strip()]
            if parts:
                return parts[0]
        return None

    def _canonical(self, url: str | None) -> str | None:
        hrefs = [el.get("href", "") for el in self.root.iter("link")
                 if el.get("rel", "").lower() == "canonical"]
        for href in [*hrefs, *self._first("og:url"), *(str(o.get("url", "")) for o in self.ld)]:
            href = href.strip()
            if not href:
                continue
            absolute = urljoin(url, href) if url else href
            if urlparse(absolute).scheme in ("http", "https"):
                return _unwrap_wayback(absolute)
        return None


def _meta_values(root: etree._Element) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        if key and el.get("content") is not None:
            # html.unescape: CMSs escape twice («30&amp;zwnj; هزار»)
            values.setdefault(key.strip().lower(), []).append(html.unescape(el.get("content", "")))
    return values


def _json_ld(root: etree._Element) -> list[dict]:
    """Article-like JSON-LD objects, keys lower-cased (YJC writes "headLine")."""
    found: list[dict] = []
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if not isinstance(obj, dict):
                continue
            stack.extend(obj.get("@graph", []) if isinstance(obj.get("@graph"), list) else [])
            kind = obj.get("@type", "")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(str(k).endswith(("Article", "Posting", "Report")) for k in kinds):
                found.append({str(k).lower(): v for k, v in obj.items()})
    return found


def _ld_name(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if isinstance(value, list) and value:
        return _ld_name(value[0])
    return str(value or "")


def _title_variants(title: str) -> list[str]:
    """The title and every run of its segments: a site or section name may sit on either side."""
    cuts = [0, *(i for m in TITLE_SEPARATORS.finditer(title) for i in m.span()), len(title)]
    starts, ends = cuts[0::2], cuts[1::2]
    runs = [(s, e) for i, s in enumerate(starts) for e in ends[i:]]
    return [title[s:e].strip() for s, e in sorted(runs, key=lambda r: r[0] - r[1])]  # longest first


def _unwrap_wayback(url: str) -> str:
    """A Wayback Machine capture's canonical URL is the original page's."""
    match = re.match(r"https?://web\.archive\.org/web/\d+[a-z_]*/(https?://.+)", url)
    return match.group(1) if match else url


def _page_url(root: etree._Element) -> str | None:
    for el in root.iter("link", "meta"):
        if el.get("rel", "").lower() == "canonical" and el.get("href", "").startswith("http"):
            return el.get("href")
        if (el.get("property") or "").lower() == "og:url" and el.get("content", "").startswith("http"):
            return el.get("content")
    return None


_AGENCY_PHRASE = re.compile(r"به\s+گزارش\s+(.{3,90}?)\s*[،,]")


def _agency_phrase(body: str) -> str | None:
    """«به گزارش روابط عمومی اداره کل …،» names the reporting office when the page does not."""
    match = _AGENCY_PHRASE.search(body[:600])
    return match.group(1).strip(" «»\"'“”") if match else None


# === 3. cleaning ==============================================================================
def _clean(root: etree._Element, extra_drop: list[str], body_selector: str | None = None) -> None:
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in list(root.iter(*JUNK_TAGS)):
        _drop(el)
    for el in [el for el in root.iter() if isinstance(el.tag, str) and _is_hidden(el)]:
        _drop(el)
    for selector in extra_drop:
        for el in root.xpath(_css_to_xpath(selector)):
            _drop(el)
    # Class names mislead both ways ("articleRelatedItemContents" holds a journal abstract, an
    # ASP.NET page is one big <form>), so the containers of the page's densest paragraph stay,
    # and so do those of a site rule's body.
    anchors = root.xpath(_css_to_xpath(body_selector)) if body_selector else []
    anchors = anchors or [a for a in [_densest_block(root)] if a is not None]
    protected = {node for a in anchors for node in (a, *a.iterancestors())}
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None or _dropped(el, root):
            continue
        if el in protected:
            if el.tag in CHROME_TAGS:
                el.tag = "div"
        elif _is_chrome(el):
            _drop(el)


def _densest_block(root: etree._Element) -> etree._Element | None:
    own, _, _ = _measure(root)
    best, best_chars = None, MIN_BLOCK_CHARS
    for el, block in own.items():
        plain = block.chars - block.link_chars
        if block.punct >= 2 and block.link_chars < 0.3 * block.chars and plain > best_chars:
            best, best_chars = el, plain
    return best


def _is_chrome(el: etree._Element) -> bool:
    if el.tag in ("body", "html", "main", "article"):
        return False
    if el.tag in CHROME_TAGS:
        return True
    return _chrome_names(f"{el.get('class', '')} {el.get('id', '')}")


@lru_cache(maxsize=4096)
def _chrome_names(names: str) -> bool:
    if not names.strip():
        return False
    if CHROME_WORDS.search(names):
        return True
    return any(tok.lower() in CHROME_TOKENS for tok in re.split(r"[\s_]+", names) if tok)


def _is_hidden(el: etree._Element) -> bool:
    """Hidden by style, attribute or class: stats beacons, truncated copies, templates."""
    if el.tag in ("body", "html"):
        return False
    style = el.get("style")
    if style and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style, re.I):
        return True
    if el.get("hidden") is not None:
        return True
    classes = el.get("class")
    return bool(classes) and not HIDDEN_CLASSES.isdisjoint(classes.lower().split())


def _in_chrome(el: etree._Element) -> bool:
    return any(_is_chrome(a) for a in el.iterancestors())


def _near_class(el: etree._Element, pattern: re.Pattern[str], depth: int = 3) -> bool:
    for i, node in enumerate([el, *el.iterancestors()]):
        if i > depth:
            break
        if pattern.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False


def _dropped(el: etree._Element, root: etree._Element) -> bool:
    return el.getroottree().getroot() is not root


def _drop(el: etree._Element) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# === 4. scoring ===============================================================================
@dataclass
class _Block:
    chars: int = 0  # non-space characters of its own text (not in nested blocks)
    link_chars: int = 0
    punct: int = 0


def _select(root: etree._Element, body_selector: str | None) -> list[etree._Element]:
    """The elements that hold the article, in document order."""
    if body_selector:
        found = root.xpath(_css_to_xpath(body_selector))
        if found:
            return found
    own, total, total_links = _measure(root)
    paragraphs = {el: block for el, block in own.items() if block.chars >= MIN_BLOCK_CHARS
                  and block.link_chars <= MAX_BLOCK_LINK_DENSITY * block.chars}
    per_item = Counter(_item_of(el) for el in paragraphs)
    scores: dict[etree._Element, float] = {}
    for el, block in paragraphs.items():
        score = 1 + min(block.punct, 20) + min(block.chars // 100, 3)
        item = _item_of(el)
        own_links = block.link_chars if item is el else total_links.get(el, 0)
        if per_item[item] == 1 and total_links.get(item, 0) - own_links >= TEASER_LINK_CHARS:
            score *= TEASER_WEIGHT  # a linked headline and its one-paragraph summary: a teaser
        if el.tag in CONTAINER_TAGS:
            scores[el] = scores.get(el, 0.0) + score
        # Up to three enclosing containers, nearer ones getting more; rows, lists and inline
        # wrappers (<tr>, <ul>, <font>) in between do not count as a level.
        ancestors = [a for a in el.iterancestors(*CONTAINER_TAGS)][:3]
        for node, weight in zip(ancestors, ANCESTOR_WEIGHTS, strict=False):
            scores[node] = scores.get(node, 0.0) + score * weight
    if not scores:
        return []
    final = {}
    for node, raw in scores.items():
        density = total_links.get(node, 0) / max(total.get(node, 1), 1)
        hint = 1.1 if CONTENT_HINT.search(f"{node.get('class', '')} {node.get('id', '')}") else 1.0
        final[node] = round(raw * (1 - density) * hint, 6)
    depth = {node: sum(1 for _ in node.iterancestors()) for node in final}
    best = max(final, key=lambda n: (final[n], depth[n]))  # on a tie the tighter container wins
    return _with_siblings(best, final, own, total, total_links)


def _item_of(el: etree._Element) -> etree._Element:
    """The list item or box a paragraph belongs to: itself if it is a box, else its parent."""
    parent = el.getparent()
    return el if el.tag in CONTAINER_TAGS or parent is None else parent


def _with_siblings(best, final, own, total, total_links) -> list[etree._Element]:
    """Articles split over sibling blocks (lead, body, continuation after an ad) come back together."""
    parent = best.getparent()
    if parent is None:
        return [best]
    threshold = max(final[best] * SIBLING_SHARE, 5.0)
    kept = []
    for sib in parent:
        if sib is best:
            kept.append(sib)
            continue
        if not isinstance(sib.tag, str):
            continue
        density = total_links.get(sib, 0) / max(total.get(sib, 1), 1)
        block = own.get(sib)
        if density >= SIBLING_MAX_LINK_DENSITY:
            continue
        scores_well = final.get(sib, 0) >= threshold
        is_sentence = (sib.tag == "p" and block is not None and block.chars >= SIBLING_MIN_CHARS
                       and SENTENCE_END.search(_clean_text(_text_of(sib))))
        if scores_well or is_sentence:
            kept.append(sib)
    return kept


def _measure(root: etree._Element):
    """One pass: each block's own text and every element's total and linked text."""
    own: dict[etree._Element, _Block] = {}
    total: dict[etree._Element, int] = {}
    links: dict[etree._Element, int] = {}
    blocks: list[etree._Element] = []  # nearest block ancestor of the current position
    in_link = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if el.tag in BLOCK_TAGS:
                blocks.append(el)
                own[el] = _Block()
            if el.tag == "a":
                in_link += 1
            _count(el.text, el, blocks, own, total, links, in_link)
        else:
            if el.tag == "a":
                in_link -= 1
            if el.tag in BLOCK_TAGS:
                blocks.pop()
            parent = el.getparent()
            if parent is not None:
                total[parent] = total.get(parent, 0) + total.get(el, 0)
                links[parent] = links.get(parent, 0) + links.get(el, 0)
                _count(el.tail, parent, blocks, own, total, links, in_link)
    return own, total, links


def _count(text, el, blocks, own, total, links, in_link) -> None:
    if not text or text.isspace():
        return
    chars = _letters(text)
    total[el] = total.get(el, 0) + chars
    if in_link:
        links[el] = links.get(el, 0) + chars
    if blocks:
        block = own[blocks[-1]]
        block.chars += chars
        block.punct += len(SENTENCE_PUNCT.findall(text))
        if in_link:
            block.link_chars += chars


# === 5. serialization =========================================================================
def _serialize(elements: list[etree._Element], drop: set[str]) -> str:
    out: list[str] = []
    joiner = "\n\n"
    for element in elements:
        for text, link_chars, tag, breaks in _lines(element):
            joiner = "\n\n" if breaks > 1 else joiner
            chars = len(text.replace(" ", ""))
            if tag == "h1" or _fold(text) in drop or link_chars > MAX_BLOCK_LINK_DENSITY * chars:
                joiner = "\n\n"  # the headline, "see also" lines, tag lists: not body text
                continue
            out.extend([joiner, text] if out else [text])
            joiner = "\n"
        joiner = "\n\n"
    return _trim_edges("".join(out))


def _trim_edges(body: str) -> str:
    """Drop the labels around the article: «کد خبر: …», a date line, «فایل تمام متن:», «آمار»."""
    lines = body.split("\n")

    def is_label(line: str) -> bool:
        line = line.strip()
        return not line or (len(line) < EDGE_LINE_CHARS and not SENTENCE_END.search(line))

    while lines and is_label(lines[0]):
        lines.pop(0)
    while lines and is_label(lines[-1]):
        lines.pop()
    trimmed = "\n".join(lines).strip()
    return trimmed if len(trimmed) >= (1 - EDGE_TRIM_MAX_SHARE) * len(body) else body


def _lines(root: etree._Element):
    """Yield (text, linked characters, block tag, breaks before) for each line of text.

    A line ends at a block boundary or a <br>. ``breaks`` is 1 after a single <br>
    (same paragraph) and 2 at a new block or after a blank line.
    """
    parts: list[str] = []
    link_chars = 0
    tags: list[str] = []
    in_link = 0
    breaks = 2

    def end_line(new_block: bool):
        nonlocal parts, link_chars, breaks
        text = _clean_text("".join(parts))
        if text:
            yield text, link_chars, tags[-1] if tags else "", breaks
            breaks = 1
        elif not new_block:
            breaks = 2  # <br><br>: a paragraph break
        if new_block:
            breaks = 2
        parts, link_chars = [], 0

    def add(text):
        nonlocal link_chars
        if text:
            parts.append(text)
            if in_link:
                link_chars += _letters(text)

    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if el.tag in BLOCK_TAGS:
                yield from end_line(True)
                tags.append(el.tag)
            elif el.tag == "br":
                yield from end_line(False)
            if el.tag == "a":
                in_link += 1
            add(el.text)
        else:
            if el.tag == "a":
                in_link -= 1
            if el.tag in BLOCK_TAGS:
                yield from end_line(True)
                tags.pop()
            if el is not root:
                add(el.tail)
    yield from end_line(True)


def _text_nodes(root: etree._Element):
    """(element, text) for every text and tail in document order, skipping junk."""
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start" and el.tag not in ("script", "style") and el.text and not el.text.isspace():
            yield el, el.text
        if event == "end" and el.tail and not el.tail.isspace():
            parent = el.getparent()
            if parent is not None:
                yield parent, el.tail


def _letters(text: str) -> int:
    """Characters that are not whitespace (ZWNJ counts)."""
    return len("".join(text.split()))


def _text_of(el: etree._Element) -> str:
    return "".join(el.itertext())


def _clean_text(text: str) -> str:
    return SPACE.sub(" ", text).strip()


def _fold(text: str) -> str:
    """Comparison key: ZWNJ as space, Arabic ي/ك as Persian ی/ک, whitespace collapsed."""
    text = text.replace("\u200c", " ").replace("ي", "ی").replace("ك", "ک")
    return SPACE.sub(" ", text).strip()


# === per-site rules (data) ====================================================================
@lru_cache(maxsize=1)
def _site_rules() -> dict[str, dict]:
    try:
        raw = resources.files("rules").joinpath("html_sites.json").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    return json.loads(raw).get("sites", {})


def _site_rule(url: str | None) -> dict:
    if not url:
        return {}
    host = (urlparse(unquote(url)).hostname or "").lower()
    rules = _site_rules()
    while host:
        if host in rules:
            return rules[host]
        host = host.partition(".")[2]  # www.isna.ir → isna.ir → ir
    return {}


_CSS_PART = re.compile(r"""(\*|[a-zA-Z][\w-]*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:=["']?([^"'\]]*)["']?)?\]""")


def _css_to_xpath(selector: str) -> str:
    """A small CSS subset for rules/html_sites.json: tag, #id, .class, [attr], [attr=value], ' ' and '>'."""
    alternatives = []
    for alternative in selector.split(","):
        steps = re.sub(r"\s*>\s*", " > ", alternative.strip()).split()
        xpath, axis = ".", "//"
        for step in steps:
            if step == ">":
                axis = "/"
                continue
            tag, conditions, pos = "*", [], 0
            for m in _CSS_PART.finditer(step):
                if m.start() != pos:
                    break
                pos = m.end()
                if m.group(1):
                    tag = m.group(1)
                elif m.group(2):
                    conditions.append(f"@id='{m.group(2)}'")
                elif m.group(3):
                    cls = m.group(3)
                    conditions.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')")
                elif m.group(5) is not None:
                    conditions.append(f"@{m.group(4)}='{m.group(5)}'")
                else:
                    conditions.append(f"@{m.group(4)}")
            if pos != len(step):
                raise ValueError(f"rules/html_sites.json: unsupported CSS selector {selector!r} "
                                 "(use tag, #id, .class, [attr=value], ' ' and '>')")
            xpath += axis + tag + "".join(f"[{c}]" for c in conditions)
            axis = "//"
        alternatives.append(xpath)
    return " | ".join(alternatives)
