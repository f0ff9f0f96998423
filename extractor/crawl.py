"""Crawling a news archive politely: where the article URLs are, and fetching them.

Politeness, for every request a crawl makes (redirect hops and retries too,
through ``fetch``'s ``before_request`` hook):

- robots.txt, read once per site through our own fetcher and cached. An
  unreachable robots.txt or a 4xx answer means "no rules" (what RFC 9309
  says); a 5xx answer means "keep out for now", and the items fail with a
  reason that ``dastur failures retry`` can revisit. ``Crawl-delay`` slows a
  host down further, never speeds it up.
- a per-host rate limit (default one request a second), shared by all worker
  threads;
- ``fetch`` itself: the private-address guard, an honest User-Agent,
  timeouts, a size limit, retries with backoff on 429 and 5xx.

Discovery turns a source into article URLs, lazily, so a ten-year archive is
never held in memory: ``feed`` (RSS/Atom, parsed by feedparser from bytes we
fetched, never by its own network code), ``sitemap`` (indexes and gzip
included), ``listing`` (paginated archive pages, read generically),
``urls`` (a file of URLs) and ``dir`` (local files).
"""

from __future__ import annotations

import io
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from .errors import FetchError, HTTPStatusError, MissingPath, RobotsDisallowed
from .fetch import MAX_BYTES, TIMEOUT, USER_AGENT, Response, fetch

DEFAULT_RATE = 1.0  # requests per second per host
ROBOTS_AGENT = "dastur"  # the product token robots.txt rules name (RFC 9309 §2.2.1)
ROBOTS_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB; a bigger file is not a real rule set
ROBOTS_TTL = 24 * 3600.0  # RFC 9309 §2.4: do not use a cached robots.txt for more than a day
ROBOTS_5XX_TTL = 300.0  # a failing robots.txt is asked again after this long, not for the rest of the run
MAX_CRAWL_DELAY = 60.0  # a Crawl-delay above this is a typo or a hint to leave; we go this slow
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit for one uncompressed file
SITEMAP_MAX_DEPTH = 3  # index → index → sitemap is already unusual; deeper is a loop
SOURCES = ("feed", "sitemap", "listing", "urls", "dir")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), "", "", ""))


# --- politeness -------------------------------------------------------------------------------


class RateLimiter:
    """At most one request per ``interval`` seconds per host, across threads.

    Each caller reserves the next free slot under the lock and sleeps outside
    it, so threads waiting for one host never hold up another host.
    """

    def __init__(self, rate: float = DEFAULT_RATE) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._slowest: dict[str, float] = {}  # per-host intervals raised by Crawl-delay
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def slow_down(self, host: str, seconds: float) -> None:
        with self._lock:
            self._slowest[host] = max(self._slowest.get(host, 0.0), min(seconds, MAX_CRAWL_DELAY))

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + max(self.interval, self._slowest.get(host, 0.0))
        if slot > now:
            time.sleep(slot - now)


class Crawler:
    """Fetches URLs for a crawl: robots.txt, a per-host rate limit, one shared connection pool.

    Thread-safe: backfill workers share one Crawler. Use it as a context manager.
    """

    def __init__(self, *, allow_private: bool = False, rate: float = DEFAULT_RATE, timeout: float = TIMEOUT,
                 max_bytes: int = MAX_BYTES, retries: int = 2, backoff: float = 1.0) -> None:
        import httpx

        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self.limiter = RateLimiter(rate)
        self._client = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT},
                                    follow_redirects=False)
        # origin → (expires at, rules or why everything is disallowed)
        self._robots: dict[str, tuple[float, RobotFileParser | str]] = {}
        self._robots_lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}

    def __enter__(self) -> Crawler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str) -> Response:
        """GET a page, obeying robots.txt and the rate limit on every hop. Raises FetchError subclasses."""
        return self._fetch(url, self._before_request, self.max_bytes)

    def _fetch(self, url: str, hook: Callable[[str], None], max_bytes: int) -> Response:
        return fetch(url, allow_private=self.allow_private, max_bytes=max_bytes, timeout=self.timeout,
                     retries=self.retries, backoff=self.backoff, client=self._client, before_request=hook)

    def _before_request(self, url: str) -> None:
        self.check_robots(url)
        self.limiter.wait(host_of(url))

    def check_robots(self, url: str) -> None:
        rules = self._rules(origin_of(url))
        if isinstance(rules, str):
            raise RobotsDisallowed(url, rules, "try again later with `dastur failures retry`")
        if not rules.can_fetch(ROBOTS_AGENT, url):
            raise RobotsDisallowed(url, f"{origin_of(url)}/robots.txt does not allow dastur to fetch it",
                                   "leave it out, or ask the site to allow it")

    def _rules(self, origin: str) -> RobotFileParser | str:
        with self._robots_lock:
            cached = self._robots.get(origin)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
            lock = self._origin_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch of robots.txt per site, however many workers ask at once
            cached = self._robots.get(origin)
            if cached is None or cached[0] <= time.monotonic():
                rules = self._read_robots(origin)
                ttl = ROBOTS_5XX_TTL if isinstance(rules, str) else ROBOTS_TTL
                cached = (time.monotonic() + ttl, rules)
                with self._robots_lock:
                    self._robots[origin] = cached
            return cached[1]

    def _read_robots(self, origin: str) -> RobotFileParser | str:
        url = origin + "/robots.txt"
        rules = RobotFileParser(url)
        try:
            resp = self._fetch(url, lambda u: self.limiter.wait(host_of(u)), ROBOTS_MAX_BYTES)
        except HTTPStatusError as exc:
            if exc.status >= 500:  # the site is failing: it may be protecting itself, so stay away for now
                return f"{url} answered HTTP {exc.status}, so the site is left alone for now"
            rules.parse([])  # 4xx: no robots.txt, no rules
            return rules
        except FetchError:
            rules.parse([])  # unreachable (or too big to be rules): treated as no rules
            return rules
        rules.parse(resp.content.decode("utf-8", "replace").splitlines())
        delay = rules.crawl_delay(ROBOTS_AGENT)
        if delay:
            self.limiter.slow_down(urlsplit(origin).hostname or "", float(delay))
        return rules


# --- discovery --------------------------------------------------------------------------------


def discover(crawler: Crawler, kind: str, source: str, *, pages: int | None = None) -> Iterator[str]:
    """Article URLs (or file paths, for ``dir``) of a source, in the order the source lists them."""
    if kind == "feed":
        return from_feed(crawler, source)
    if kind == "sitemap":
        return from_sitemap(crawler, source)
    if kind == "listing":
        return from_listing(crawler, source, pages or 1)
    if kind == "urls":
        return from_urls_file(source)
    if kind == "dir":
        return from_dir(source)
    raise ValueError(f"unknown source kind {kind!r}; use one of {', '.join(SOURCES)}")


def from_feed(crawler: Crawler, url: str) -> Iterator[str]:
    """The entry links of an RSS or Atom feed."""
    import feedparser

    resp = crawler.get(url)
    # A stream, never a str: feedparser would take a str for a URL and fetch it with its own client.
    headers = {"content-location": resp.url, "content-type": resp.content_type}
    feed: Any = feedparser.parse(io.BytesIO(resp.content), response_headers=headers)
    if not feed.entries and feed.get("bozo"):
        raise FetchError(url, f"is not an RSS or Atom feed ({feed.get('bozo_exception')})",
                         "pass the feed's own URL, or use --sitemap or --listing")
    for entry in feed.entries:
        hrefs = (li.get("href") for li in entry.get("links", []) if li.get("href"))
        link = entry.get("link") or next(hrefs, None)
        if link:
            yield _clean_url(urljoin(resp.url, link))


def from_sitemap(crawler: Crawler, url: str, depth: int = 0, seen: set[str] | None = None) -> Iterator[str]:
    """The page URLs of a sitemap, following sitemap indexes; gzipped and plain-text sitemaps too."""
    seen = set() if seen is None else seen
    if url in seen or depth > SITEMAP_MAX_DEPTH:
        return
    seen.add(url)
    data = crawler.get(url).content
    if data[:2] == b"\x1f\x8b":  # a .xml.gz file, not a gzip transfer encoding (httpx undoes that)
        data = _gunzip(data, url)
    data = data.removeprefix(b"\xef\xbb\xbf")
    if data.lstrip()[:1] != b"<":  # the protocol also allows a text file, one URL a line
        yield from (line.strip() for line in data.decode("utf-8", "replace").splitlines()
                    if line.strip().startswith(("http://", "https://")))
        return
    for kind, loc in _sitemap_locs(data, url):
        if kind == "sitemap":
            yield from from_sitemap(crawler, urljoin(url, loc), depth + 1, seen)
        else:
            yield _clean_url(urljoin(url, loc))


def _gunzip(data: bytes, url: str) -> bytes:
    # Bounded: a small .gz can inflate to gigabytes.
    out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, SITEMAP_MAX_BYTES + 1)
    if len(out) > SITEMAP_MAX_BYTES:
        raise FetchError(url, f"the sitemap is larger than {SITEMAP_MAX_BYTES // 1024 // 1024} MB unpacked",
                         "split it, as the sitemap protocol asks")
    return out


def _sitemap_locs(data: bytes, url: str) -> Iterator[tuple[str, str]]:
    """("sitemap" | "url", loc) pairs, streamed: a 50,000-URL sitemap never becomes a whole tree."""
    from lxml import etree

    # No entities, no network: a sitemap is untrusted XML (billion laughs, XXE).
    events = etree.iterparse(io.BytesIO(data), events=("end",), resolve_entities=False, no_network=True,
                             recover=True, huge_tree=False)
    try:
        for _, el in events:
            if etree.QName(el).localname == "loc" and el.text and el.text.strip():
                parent = el.getparent()
                kind = etree.QName(parent).localname if parent is not None else "url"
                yield ("sitemap" if kind == "sitemap" else "url"), el.text.strip()
            elif etree.QName(el).localname in ("url", "sitemap"):
                el.clear()
    except etree.XMLSyntaxError as exc:
        raise FetchError(url, f"is not a readable sitemap ({exc})", "check the sitemap URL") from None


def from_urls_file(path: str) -> Iterator[str]:
    """One URL (or path) a line; blank lines and # comments are skipped."""
    p = Path(path)
    if not p.is_file():
        raise MissingPath(path, "no such file", "pass a text file with one URL a line")
    with p.open(encoding="utf-8-sig") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def from_dir(path: str) -> Iterator[str]:
    from .sources import expand_inputs

    if not Path(path).is_dir():
        raise MissingPath(path, "no such directory", "pass a folder of .txt, .html or .pdf files")
    yield from expand_inputs([path])


# --- listing pages ----------------------------------------------------------------------------

# A path that names news, or a numeric id of 4+ digits (/news/46534/…, ?p=5630, /fa/news/7918349).
ARTICLE_WORDS = re.compile(r"/(?:news|khabar|akhbar|article|articles|post|story|content|خبر|اخبار)/[^/?#]+",
                           re.I)
LONG_ID = re.compile(r"(?<![\d])\d{4,}(?![\d])")
# Links that look like an article by those tests but are lists or chrome.
NOT_ARTICLE = re.compile(r"/(?:tags?|category|categories|author|search|archive|page|service|rss|feed|login)"
                         r"(?:/|$)|\.(?:jpe?g|png|gif|webp|svg|css|js|ico|mp3|mp4|zip|rar|xml)$", re.I)
PAGE_QUERY_KEYS = ("page", "paged", "pg", "pagenumber", "pageindex", "p_no")
PAGE_PATH = re.compile(r"/page/(\d+)/?$", re.I)


def from_listing(crawler: Crawler, url: str, pages: int) -> Iterator[str]:
    """Article links of up to ``pages`` archive pages, following rel=next or the page-number pattern."""
    from .html import decode_html

    seen: set[str] = set()
    current: str | None = url
    for number in range(1, pages + 1):
        if current is None:
            return
        resp = crawler.get(current)
        root = _parse_html(decode_html(resp.content, resp.charset))
        fresh = [link for link in article_links(root, resp.url) if link not in seen]
        if not fresh:  # past the end of the archive, or a page that repeats the last one
            return
        seen.update(fresh)
        yield from fresh
        current = next_page(root, resp.url, page_number(resp.url) or number)


def _parse_html(text: str) -> Any:
    import lxml.html

    try:
        return lxml.html.document_fromstring(text or "<html></html>")
    except Exception:  # lxml refuses a few odd documents outright; a list page we cannot read has no links
        return lxml.html.document_fromstring("<html></html>")


def article_links(root: Any, base: str) -> list[str]:
    """Same-host links on a page that look like articles, in page order, without repeats."""
    host = host_of(base)
    here = _clean_url(base)
    out: list[str] = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        link = _clean_url(urljoin(base, href))
        if host_of(link) != host or link == here or link in out or not looks_like_article(link):
            continue
        out.append(link)
    return out


def looks_like_article(url: str) -> bool:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if NOT_ARTICLE.search(path) or page_number(url) is not None:
        return False
    return bool(ARTICLE_WORDS.search(path) or LONG_ID.search(path) or LONG_ID.search(parts.query))


def page_number(url: str) -> int | None:
    """The page number a listing URL carries (?page=3, /page/3), if any."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in PAGE_QUERY_KEYS and value.isdigit():
            return int(value)
    m = PAGE_PATH.search(parts.path)
    return int(m.group(1)) if m else None


def next_page(root: Any, url: str, current: int) -> str | None:
    """The next listing page: rel=next, else a link to page ``current + 1``, else none."""
    for el in root.iter("link", "a"):
        if "next" in (el.get("rel") or "").lower().split() and el.get("href"):
            return _clean_url(urljoin(url, el.get("href")))
    host = host_of(url)
    for a in root.iter("a"):
        link = _clean_url(urljoin(url, a.get("href") or ""))
        if host_of(link) == host and page_number(link) == current + 1:
            return link
    return None


def _clean_url(url: str) -> str:
    return urldefrag(url.strip())[0]


__all__ = ["DEFAULT_RATE", "SOURCES", "Crawler", "RateLimiter", "article_links", "discover", "from_dir",
           "from_feed", "from_listing", "from_sitemap", "from_urls_file", "looks_like_article", "next_page",
           "page_number"]
