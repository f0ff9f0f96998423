"""The crawler: feeds, sitemaps, listings, robots.txt, rate limits and failing pages, on a local site."""

from __future__ import annotations

import time
from collections.abc import Iterator

import lxml.html
import pytest

from extractor.crawl import (
    Crawler,
    RateLimiter,
    article_links,
    discover,
    looks_like_article,
    next_page,
    page_number,
)
from extractor.errors import BlockedAddress, FetchError, HTTPStatusError, RobotsDisallowed
from extractor.fetch import USER_AGENT
from tests.crawl_site import ARTICLES, Site, serve


@pytest.fixture()
def site() -> Iterator[Site]:
    with serve(Site()) as s:
        yield s


def crawler(**options: object) -> Crawler:
    opts: dict = {"allow_private": True, "rate": 200.0, "backoff": 0.01, "timeout": 1.0} | options
    return Crawler(**opts)


def paths(site: Site, urls: list[str]) -> list[str]:
    return [u.removeprefix(site.base) for u in urls]


def test_crawl_rss_feed_lists_entry_links(site: Site) -> None:
    with crawler() as c:
        found = list(discover(c, "feed", site.url("/feed.rss")))
    assert paths(site, found) == [f"/news/{i}" for i in range(1, 6)]


def test_crawl_atom_feed_resolves_relative_links(site: Site) -> None:
    with crawler() as c:
        found = list(discover(c, "feed", site.url("/feed.atom")))
    assert found == [site.url(f"/news/{i}") for i in range(6, 10)]


def test_crawl_feed_that_is_not_a_feed_is_one_clear_error(site: Site) -> None:
    with crawler() as c, pytest.raises(FetchError, match="not an RSS or Atom feed"):
        list(discover(c, "feed", site.url("/news/1")))


def test_crawl_sitemap_index_follows_plain_and_gzipped_sitemaps(site: Site) -> None:
    with crawler() as c:
        found = paths(site, list(discover(c, "sitemap", site.url("/sitemap.xml"))))
    assert found[:6] == [f"/news/{i}" for i in range(1, 7)]
    assert {f"/news/{i}" for i in range(7, ARTICLES + 1)} | {"/news/dup-a", "/news/copy-2"} <= set(found)
    assert len(found) == len(set(found)) == ARTICLES + 9
    assert site.hits["/sitemaps/two.xml.gz"] == 1


@pytest.mark.parametrize(("start", "pages", "expected"), [
    ("/archive", 3, range(1, 13)),  # ?page=N links
    ("/archive", 2, range(1, 9)),  # stops at --pages
    ("/list", 3, range(1, 13)),  # <link rel="next">, /page/N/ paths
    ("/list", 9, range(1, 13)),  # the archive ends before --pages does
])
def test_crawl_listing_pages_follow_pagination(site: Site, start: str, pages: int, expected: range) -> None:
    with crawler() as c:
        found = list(discover(c, "listing", site.url(start), pages=pages))
    assert paths(site, found) == [f"/news/{i}" for i in expected]


@pytest.mark.parametrize(("url", "article"), [
    ("https://x.ir/news/1402-tehran-meeting", True),
    ("https://x.ir/fa/news/7918349", True),
    ("https://x.ir/News/46534/%D8%B6%D8%B1%D9%88%D8%B1%D8%AA.html", True),
    ("http://www.sbtvto.ir/?p=5630", True),
    ("https://x.ir/اخبار/استانی/کارگروه-ویژه", True),
    ("https://x.ir/about", False),
    ("https://x.ir/news/", False),
    ("https://x.ir/tags/اقتصاد", False),
    ("https://x.ir/archive?page=12345", False),
    ("https://x.ir/news/page/2", False),
    ("https://x.ir/news/logo.png", False),
])
def test_crawl_looks_like_article(url: str, article: bool) -> None:
    assert looks_like_article(url) is article


def test_crawl_article_links_keep_same_host_articles_in_page_order() -> None:
    root = lxml.html.fromstring(
        '<html><body><a href="/news/22">b</a><a href="https://x.ir/news/11#top">a</a><a href="/news/22">again</a>'
        '<a href="https://other.ir/news/33">other host</a><a href="/about">about</a>'
        '<a href="javascript:void(0)">js</a><a href="/archive?page=2">2</a></body></html>')
    assert article_links(root, "https://x.ir/archive") == ["https://x.ir/news/22", "https://x.ir/news/11"]


@pytest.mark.parametrize(("html", "url", "expected"), [
    ('<link rel="next" href="/a/page/3/">', "https://x.ir/a/page/2/", "https://x.ir/a/page/3/"),
    ('<a rel="prev next" href="?pg=5">بعدی</a>', "https://x.ir/l?pg=4", "https://x.ir/l?pg=5"),
    ('<a href="?page=1">1</a><a href="?page=2">2</a><a href="?page=3">3</a>', "https://x.ir/l", "https://x.ir/l?page=2"),
    ('<a href="?page=1">1</a><a href="?page=2">2</a>', "https://x.ir/l?page=2", None),
    ('<a href="https://y.ir/l?page=2">2</a>', "https://x.ir/l", None),
])
def test_crawl_next_page(html: str, url: str, expected: str | None) -> None:
    root = lxml.html.fromstring(f"<html><head></head><body>{html}</body></html>")
    assert next_page(root, url, page_number(url) or 1) == expected


def test_crawl_robots_disallowed_path_is_never_requested(site: Site) -> None:
    with crawler() as c:
        with pytest.raises(RobotsDisallowed, match=r"robots\.txt does not allow"):
            c.get(site.url("/private/secret"))
        c.get(site.url("/news/1"))
        c.get(site.url("/news/2"))
    assert site.hits["/private/secret"] == 0
    assert site.hits["/robots.txt"] == 1  # read once per site


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (410, True), (503, False), (500, False)])
def test_crawl_robots_status_decides(status: int, allowed: bool) -> None:
    with serve(Site(robots_status=status)) as s, crawler(retries=0) as c:
        if allowed:
            assert c.get(s.url("/private/secret")).status == 200  # no rules: even /private/ is fine
        else:
            with pytest.raises(RobotsDisallowed, match=f"HTTP {status}"):
                c.get(s.url("/news/1"))
            assert s.hits["/news/1"] == 0


def test_crawl_failing_robots_is_asked_again_later(monkeypatch: pytest.MonkeyPatch) -> None:
    from extractor import crawl

    monkeypatch.setattr(crawl, "ROBOTS_5XX_TTL", 0.2)
    with serve(Site(robots_status=503)) as s, crawler(retries=0) as c:
        with pytest.raises(RobotsDisallowed):
            c.get(s.url("/news/1"))
        s.robots_status = 200
        with pytest.raises(RobotsDisallowed):  # within the TTL: the verdict holds, no new request
            c.get(s.url("/news/1"))
        assert s.hits["/robots.txt"] == 1
        time.sleep(0.25)
        assert c.get(s.url("/news/1")).status == 200
        assert s.hits["/robots.txt"] == 2


def test_crawl_unreachable_robots_means_allowed() -> None:
    with crawler(retries=0) as c:
        rules = c._rules("http://127.0.0.1:9")  # nothing listens on the discard port
    assert not isinstance(rules, str) and rules.can_fetch("dastur", "http://127.0.0.1:9/news/1")


def test_crawl_robots_crawl_delay_slows_the_host() -> None:
    # urllib.robotparser reads whole seconds only, like most crawlers.
    with serve(Site(robots_body="User-agent: dastur\nCrawl-delay: 1\n")) as s, crawler(rate=1000.0) as c:
        began = time.monotonic()
        for i in (1, 2):
            c.get(s.url(f"/news/{i}"))
        assert time.monotonic() - began >= 1.0  # robots.txt, then two pages a second apart


def test_crawl_rate_limit_is_per_host() -> None:
    limiter = RateLimiter(rate=10)  # 0.1 s apart
    began = time.monotonic()
    for _ in range(4):
        limiter.wait("a.ir")
    limiter.wait("b.ir")  # another host does not wait behind a.ir
    assert 0.3 <= time.monotonic() - began < 0.4


def test_crawl_user_agent_is_honest(site: Site) -> None:
    with crawler() as c:
        c.get(site.url("/news/1"))
    assert site.agents == {USER_AGENT} and "dastur" in USER_AGENT


def test_crawl_refuses_loopback_without_allow_private(site: Site) -> None:
    with crawler(allow_private=False) as c, pytest.raises(BlockedAddress, match="--allow-private"):
        c.get(site.url("/news/1"))
    assert sum(site.hits.values()) == 0  # not even robots.txt


def test_crawl_retries_429_then_reads_the_page(site: Site) -> None:
    with crawler() as c:
        assert c.get(site.url("/news/busy")).status == 200
    assert site.hits["/news/busy"] == 2


def test_crawl_500_fails_after_the_retries(site: Site) -> None:
    with crawler(retries=2) as c, pytest.raises(HTTPStatusError, match="HTTP 500") as exc:
        c.get(site.url("/news/broken"))
    assert exc.value.status == 500 and site.hits["/news/broken"] == 3


def test_crawl_slow_page_times_out(site: Site) -> None:
    with crawler(timeout=0.3) as c, pytest.raises(FetchError, match=r"no answer within 0\.3 s"):
        c.get(site.url("/news/slow"))


def test_crawl_too_big_page_is_refused(site: Site) -> None:
    with crawler(max_bytes=1024 * 1024) as c, pytest.raises(FetchError, match="larger than 1 MB"):
        c.get(site.url("/news/huge"))
