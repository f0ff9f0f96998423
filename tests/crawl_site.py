"""A small news site on 127.0.0.1 for the crawl and backfill tests.

It serves invented Persian releases, an RSS and an Atom feed, a sitemap index
with a plain and a gzipped sitemap, two kinds of paginated listings, a
robots.txt, and pages that fail: HTTP 500, HTTP 429 (once), a slow page, a
page that is too big. It counts every request per path, so tests can prove
what was (not) fetched, and twice.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PROVINCES = ["کرمانشاه", "همدان", "یزد", "گیلان", "اردبیل", "سمنان", "قزوین", "زنجان", "ایلام", "لرستان",
             "بوشهر", "کردستان", "گلستان", "مرکزی", "هرمزگان", "خراسان جنوبی"]
OFFICIALS = ["محمد احمدی", "علی رضایی", "حسن کریمی", "مهدی موسوی", "رضا حسینی", "سعید جعفری", "احمد نوری",
             "جواد صادقی", "مجید فرهادی", "ناصر قاسمی", "یوسف کاظمی", "بهرام شریفی"]
SUBJECTS = ["اشتغال جوانان", "آموزش مهارت", "مدیریت منابع آب", "توسعه گردشگری", "حمایت از تولید",
            "ساماندهی بافت فرسوده", "بهداشت روستاها", "نوسازی مدارس", "ایمنی جاده‌ها", "صادرات غیرنفتی",
            "کشاورزی پایدار", "انرژی خورشیدی", "کاهش آسیب‌های اجتماعی", "بیمه کارگران", "فضای مجازی",
            "حمل و نقل عمومی"]
SENTENCES = [
    "{official} استاندار {province} در جلسه شورای اداری گفت: {subject} باید در اولویت همه دستگاه‌ها قرار گیرد.",
    "وی افزود: تا پایان سال {n} میلیارد ریال برای {subject} در استان {province} هزینه می‌شود.",
    "به گفته وی، {n} طرح نیمه‌تمام در شهرستان‌های {province} امسال به بهره‌برداری می‌رسد.",
    "مدیرکل برنامه‌ریزی استان نیز گزارشی از پیشرفت {m} درصدی طرح‌های {subject} ارائه کرد.",
    "{official} تاکید کرد: فرمانداران موظفند هر ماه گزارش {subject} را به استانداری ارسال کنند.",
    "در این نشست مقرر شد کارگروه ویژه {subject} با حضور {m} عضو تشکیل شود.",
    "نماینده مردم {province} در مجلس گفت: اعتبارات {subject} در لایحه بودجه {n} درصد افزایش یافته است.",
    "وی با اشاره به مشکلات {subject} گفت: هماهنگی میان دستگاه‌ها کلید حل این مسائل است.",
    "همچنین {m} نفر از فعالان بخش خصوصی {province} در این جلسه پیشنهادهای خود را مطرح کردند.",
    "{official} در پایان از تلاش کارکنان دستگاه‌های اجرایی در حوزه {subject} قدردانی کرد.",
]

ARTICLES = 12  # /news/1 … /news/12
NEAR_BODY = [
    "ششمین جلسه شورای هماهنگی آموزش فنی و حرفه‌ای استان با حضور معاون وزیر کار برگزار شد.",
    "معاون وزیر در این جلسه گفت: ارتقای کیفیت آموزش‌های مهارتی باید در اولویت همه مراکز استان قرار گیرد.",
    "وی افزود: پنجاه درصد کارآموزان امسال در رشته‌های مرتبط با بازار کار آموزش می‌بینند و تا پایان سال "
    "ده مرکز جدید در شهرستان‌های کم‌برخوردار راه‌اندازی می‌شود.",
    "معاون وزیر با تاکید بر مدیریت منابع گفت: هزینه‌های زائد باید حذف شود و اعتبارات در مسیر اشتغال "
    "پایدار جوانان به کار رود.",
    "وی همچنین از مدیران کل خواست گزارش عملکرد سه ماهه را تا پایان خرداد به سازمان ارسال کنند.",
]


def release(i: int) -> tuple[str, list[str]]:
    """The title and paragraphs of invented release ``i``: each one its own office, people and numbers."""
    province, official = PROVINCES[i % len(PROVINCES)], OFFICIALS[i % len(OFFICIALS)]
    subject = SUBJECTS[(i * 7) % len(SUBJECTS)]
    picks = [SENTENCES[(i + k * 3) % len(SENTENCES)] for k in range(4)]
    paras = [s.format(official=official, province=province, subject=subject, n=100 + i * 37, m=10 + i)
             for s in picks]
    return f"تاکید استاندار {province} بر {subject} (شماره {i})", paras


def near_release(office: str) -> tuple[str, list[str]]:
    """One release as two provincial PR offices publish it: only the attribution differs."""
    lead = f"به گزارش روابط عمومی اداره کل آموزش فنی و حرفه‌ای استان {office}، " + NEAR_BODY[0]
    return "ارتقای کیفیت آموزش‌های مهارتی در اولویت است", [lead, *NEAR_BODY[1:]]


def page(title: str, paras: list[str], chrome: str = "خبرگزاری نمونه") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>{title}</title>'
            f'</head><body><nav><a href="/">خانه</a> <a href="/about">درباره ما</a></nav>'
            f"<article><h1>{title}</h1>{body}</article><footer>{chrome} — تمام حقوق محفوظ است</footer>"
            f"</body></html>").encode()


def listing(links: list[str], pagination: str, head: str = "") -> bytes:
    items = "".join(f'<li><a href="{href}">خبر {n}</a></li>' for n, href in enumerate(links, 1))
    chrome = ('<a href="/about">درباره ما</a> <a href="/tags/eqtesad">اقتصاد</a> '
              '<a href="http://example.org/news/98765">خبر دیگر</a> <a href="/news/logo.png">لوگو</a>')
    return (f'<!doctype html><html><head><meta charset="utf-8">{head}</head><body><nav>{chrome}</nav>'
            f"<ul>{items}</ul><div class='pager'>{pagination}</div></body></html>").encode()


class Site:
    """The site's state: request counts, User-Agents seen, and switches the tests flip."""

    def __init__(self, robots_status: int = 200, robots_body: str = "User-agent: *\nDisallow: /private/\n",
                 bulk: int = 0) -> None:
        self.robots_status = robots_status
        self.robots_body = robots_body
        self.bulk = bulk  # /bulk/1 … /bulk/N, listed in /bulk.xml, for the crash test
        self.broken_heals = False  # /news/broken answers 500 until a test sets this
        self.slow_seconds = 3.0
        self.huge_bytes = 1_500_000
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.base = ""
        self._lock = threading.Lock()

    def hit(self, path: str, agent: str) -> int:
        with self._lock:
            self.hits[path] += 1
            self.agents.add(agent)
            return self.hits[path]

    def url(self, path: str) -> str:
        return self.base + path


def routes(site: Site, path: str, query: dict[str, list[str]], n: int) -> tuple[int, str, bytes, dict[str, str]]:
    """(status, content type, body, extra headers) for a request; ``n`` counts the hits on this path."""
    html, xml = "text/html; charset=utf-8", "application/xml"
    if path == "/robots.txt":
        return site.robots_status, "text/plain", site.robots_body.encode(), {}
    if path.startswith("/news/") and path[6:].isdigit() and 1 <= int(path[6:]) <= ARTICLES:
        return 200, html, page(*release(int(path[6:]))), {}
    if path.startswith("/bulk/") and path[6:].isdigit() and 1 <= int(path[6:]) <= site.bulk:
        return 200, html, page(*release(100 + int(path[6:]))), {}
    if path in ("/news/dup-a", "/news/dup-b"):
        return 200, html, page(*near_release("همدان" if path.endswith("a") else "کرمانشاه")), {}
    if path in ("/news/copy-1", "/news/copy-2"):  # the same release under two URLs, in different chrome
        return 200, html, page(*release(40), chrome="پایگاه " + path[-1]), {}
    if path == "/private/secret":
        return 200, html, page(*release(50)), {}
    if path == "/news/broken":
        return (200, html, page(*release(60)), {}) if site.broken_heals else (500, "text/plain", b"oops", {})
    if path == "/news/busy":
        return (429, "text/plain", b"slow down", {"Retry-After": "0"}) if n == 1 else (
            200, html, page(*release(70)), {})
    if path == "/news/slow":
        time.sleep(site.slow_seconds)
        return 200, html, page(*release(80)), {}
    if path == "/news/huge":
        return 200, html, page(*release(90)) + b" " * site.huge_bytes, {}
    if path == "/feed.rss":
        items = "".join(f"<item><title>خبر {i}</title><link>{site.url(f'/news/{i}')}</link></item>"
                        for i in range(1, 6))
        return 200, "application/rss+xml", (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                            f"<title>اخبار</title>{items}</channel></rss>").encode(), {}
    if path == "/feed.atom":
        entries = "".join(f'<entry><title>خبر {i}</title><id>tag:x,{i}</id><link rel="alternate" '
                          f'href="/news/{i}"/></entry>' for i in range(6, 10))  # relative links
        return 200, "application/atom+xml", (f'<?xml version="1.0" encoding="utf-8"?><feed '
                                             f'xmlns="http://www.w3.org/2005/Atom"><title>اخبار</title>'
                                             f"{entries}</feed>").encode(), {}
    if path == "/sitemap.xml":
        maps = "".join(f"<sitemap><loc>{site.url(p)}</loc></sitemap>"
                       for p in ("/sitemaps/one.xml", "/sitemaps/two.xml.gz"))
        return 200, xml, (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                          f'sitemap/0.9">{maps}</sitemapindex>').encode(), {}
    if path == "/sitemaps/one.xml":
        return 200, xml, urlset(site, [f"/news/{i}" for i in range(1, 7)] +
                                ["/news/broken", "/news/busy", "/private/secret"]), {}
    if path == "/sitemaps/two.xml.gz":
        body = urlset(site, [f"/news/{i}" for i in range(7, ARTICLES + 1)] +
                      ["/news/slow", "/news/huge", "/news/dup-a", "/news/dup-b", "/news/copy-1", "/news/copy-2"])
        return 200, "application/gzip", gzip.compress(body), {}
    if path == "/bulk.xml":
        return 200, xml, urlset(site, [f"/bulk/{i}" for i in range(1, site.bulk + 1)]), {}
    if path == "/archive":  # ?page=N links, no rel=next
        number = int((query.get("page") or ["1"])[0])
        if not 1 <= number <= 3:
            return 404, "text/plain", b"no such page", {}
        links = [f"/news/{i}" for i in range(number * 4 - 3, number * 4 + 1)]
        pager = " ".join(f'<a href="/archive?page={k}">{k}</a>' for k in range(1, 4))
        return 200, html, listing(links, pager), {}
    if path.startswith("/list"):  # rel=next in <head>, /list/page/N paths
        number = int(path.rstrip("/").rsplit("/", 1)[-1]) if path.startswith("/list/page/") else 1
        links = [f"/news/{i}" for i in range(number * 4 - 3, number * 4 + 1)]
        head = f'<link rel="next" href="/list/page/{number + 1}/">' if number < 3 else ""
        return 200, html, listing(links, "", head), {}
    return 404, "text/plain", b"not found", {}


def urlset(site: Site, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{site.url(p)}</loc></url>" for p in paths)
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
            f"</urlset>").encode()


@contextmanager
def serve(site: Site) -> Iterator[Site]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            n = site.hit(parts.path, self.headers.get("User-Agent", ""))
            status, ctype, body, headers = routes(site, parts.path, parse_qs(parts.query), n)
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, size limit)
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    site.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
