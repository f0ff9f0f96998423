"""Benchmark: backfill throughput and peak memory, from a local site into the embedded backend.

    uv run python bench/bench_backfill.py [--throughput 1000] [--counts 1000,5000,10000] [--data DIR]

The site is built at run time from the real pages in ../shared/data (never copied
into the repo): the releases in ``news/*.txt`` (wrapped in a plain article page)
and the article pages in ``html/`` (those with an ``.eval.json``). Document ``i``
is base page ``i % B`` in variant ``k = i // B``: numbers in the text shifted by
``k``, paragraphs rotated by ``k``, and a «کد خبر» line, so no two are the same
bytes. Variants of one base are near-duplicates of it, so dedup does real work.

Each run is a real ``dastur backfill --sitemap … --workers W`` process (the
site is a sitemap index of 1,000-URL sitemaps). For each run:

- docs/s over the whole run (start-up included) and in steady state (from 10%
  of the documents done to the end, read from the backfill's own checkpoints);
- peak RSS of the process (``os.wait4``'s ``ru_maxrss``), and the peak so far
  (``VmHWM``) when 1,000 and 5,000 documents were done.

Reported as ratios measured in the same run: 4 workers vs 1, and peak memory at
10k vs 1k documents.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PER_SITEMAP = 1000
_NUMBER = re.compile(r"&#?\w+;|\d+")  # entities are matched to be left alone: yjc writes its Persian as &#x6A9;
_TEXT_NODE = re.compile(r">([^<]+)<")
_PARAGRAPH = re.compile(r"<p[\s>].*?</p>", re.S | re.I)


def load_bases(data: Path) -> list[tuple[str, object]]:
    """("text", [paragraphs]) for each release, ("html", page text) for each article page."""
    bases: list[tuple[str, object]] = []
    for f in sorted((data / "news").glob("*.txt")):
        paras = [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        if len(paras) >= 2:
            bases.append(("text", paras))
    for f in sorted((data / "html").glob("*.html")):
        if f.with_name(f.name + ".eval.json").exists():
            bases.append(("html", f.read_bytes().decode("utf-8", "replace")))
    return bases


def shift(text: str, k: int) -> str:
    if not k:
        return text
    return _NUMBER.sub(lambda m: m.group(0) if m.group(0)[0] == "&" else str(int(m.group(0)) + k), text)


def document(bases: list[tuple[str, object]], i: int) -> bytes:
    kind, base = bases[i % len(bases)]
    k = i // len(bases)
    if kind == "html":
        assert isinstance(base, str)
        # Numbers shifted in text only: attributes hold charsets («utf-8») and ids.
        page = _TEXT_NODE.sub(lambda m: ">" + shift(m.group(1), k) + "<", base)
        # The code goes into the longest paragraph: that one is in the article, not in the chrome.
        longest = max(_PARAGRAPH.finditer(page), key=lambda m: len(m.group(0)), default=None)
        if longest is None:
            return page.encode()
        return (page[: longest.end() - 4] + f" کد خبر {i}" + page[longest.end() - 4 :]).encode()
    assert isinstance(base, list)
    title, body = base[0], base[1:]
    r = k % len(body)
    paras = [shift(p, k) for p in body[r:] + body[:r]]
    paras[0] += f" (کد خبر: {i})"  # not a line of its own: the extractor trims short edge lines as labels
    inner = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (f'<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>'
            f"{html.escape(shift(title, k))}</title></head><body><nav><a href='/'>خانه</a></nav><article>"
            f"<h1>{html.escape(shift(title, k))}</h1>{inner}</article><footer>روابط عمومی</footer>"
            f"</body></html>").encode()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a finished backfill drops its keep-alives
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def serve(bases: list[tuple[str, object]], count: int) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the fetcher's pool reuses connections

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            body, ctype, status = b"not found", "text/plain", 404
            if self.path == "/sitemap.xml":
                maps = "".join(f"<sitemap><loc>{base}/sitemap-{s}.xml</loc></sitemap>"
                               for s in range((count + PER_SITEMAP - 1) // PER_SITEMAP))
                body, ctype, status = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/'
                                       f'schemas/sitemap/0.9">{maps}</sitemapindex>').encode(), "application/xml", 200
            elif m := re.fullmatch(r"/sitemap-(\d+)\.xml", self.path):
                first = int(m.group(1)) * PER_SITEMAP
                urls = "".join(f"<url><loc>{base}/doc/{i}</loc></url>"
                               for i in range(first, min(first + PER_SITEMAP, count)))
                body, ctype, status = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                                       f'sitemap/0.9">{urls}</urlset>').encode(), "application/xml", 200
            elif m := re.fullmatch(r"/doc/(\d+)", self.path):
                body, ctype, status = document(bases, int(m.group(1))), "text/html; charset=utf-8", 200
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def processed(db: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT count(*) FROM backfill_items WHERE status IN ('done', 'failed', 'skipped')")
            return int(row.fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def peak_so_far_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(url: str, count: int, workers: int, marks: tuple[int, ...] = (1000, 5000)) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        script = Path(sys.executable).with_name("dastur")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]
        began = time.monotonic()
        proc = subprocess.Popen([*command, "--db", db, "backfill", "--sitemap", url + "/sitemap.xml",
                                 "--job", "bench", "--workers", str(workers), "--rate", "100000",
                                 "--limit", str(count), "--allow-private"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[float, int]] = []
        hwm: dict[int, int] = {}
        result: dict = {}

        def reap() -> None:
            _, status, usage = os.wait4(proc.pid, 0)
            result.update(status=os.waitstatus_to_exitcode(status), maxrss_kb=usage.ru_maxrss,
                          ended=time.monotonic())

        reaper = threading.Thread(target=reap)
        reaper.start()
        while reaper.is_alive():
            n = processed(db)
            samples.append((time.monotonic(), n))
            for mark in marks:
                if n >= mark and mark not in hwm:
                    hwm[mark] = peak_so_far_kb(proc.pid)
            time.sleep(0.5)
        reaper.join()
        proc.returncode = result["status"]
        err = proc.stderr.read().decode() if proc.stderr else ""
        samples.append((result["ended"], processed(db)))
        conn = sqlite3.connect(db)
        statuses = dict(conn.execute("SELECT status, count(*) FROM backfill_items GROUP BY status").fetchall())
        # The reasons, without the URL: which kinds of page failed, and how often.
        reasons = [r[0].split(": ", 1)[-1][:160] for r in conn.execute(
            "SELECT reason FROM backfill_items WHERE status = 'failed' ORDER BY seq")]
        conn.close()
    total = samples[-1][1]
    wall = result["ended"] - began
    t10 = next(t for t, n in samples if n >= max(total // 10, 1))
    n10 = next(n for t, n in samples if n >= max(total // 10, 1))
    steady = (total - n10) / (result["ended"] - t10) if result["ended"] > t10 else float("nan")
    return {"count": count, "workers": workers, "exit": result["status"], "statuses": statuses,
            "wall_s": round(wall, 1), "docs_per_s": round(total / wall, 2), "steady_docs_per_s": round(steady, 2),
            "peak_rss_mb": round(result["maxrss_kb"] / 1024, 1),
            "peak_rss_mb_at": {k: round(v / 1024, 1) for k, v in hwm.items()},
            "failures": dict(Counter(reasons).most_common(5)),
            "summary": err.strip().splitlines()[-2:] if err.strip() else []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--throughput", type=int, default=1000, help="documents for the 1- vs 4-worker runs")
    parser.add_argument("--counts", default="1000,5000,10000", help="document counts for the memory runs")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    bases = load_bases(args.data)
    if not bases:
        sys.exit(f"no pages under {args.data}: it needs ../shared/data/news and ../shared/data/html")
    httpd, url = serve(bases, max([*counts, args.throughput]))
    print(f"{len(bases)} base pages; site at {url}", flush=True)
    runs = []
    try:
        for workers in (1, 4):
            runs.append(run(url, args.throughput, workers))
            print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
        for count in counts:
            if count == args.throughput:
                continue  # the 4-worker throughput run is this memory run
            runs.append(run(url, count, 4))
            print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    finally:
        httpd.shutdown()
    one, four = runs[0], runs[1]
    by_count = {r["count"]: r for r in runs if r["workers"] == 4}
    print("\n== backfill, embedded backend, local site ==")
    print(f"{'docs':>7}{'workers':>9}{'wall s':>9}{'docs/s':>9}{'steady':>9}{'peak MB':>9}")
    for r in runs:
        print(f"{r['count']:>7}{r['workers']:>9}{r['wall_s']:>9}{r['docs_per_s']:>9}{r['steady_docs_per_s']:>9}"
              f"{r['peak_rss_mb']:>9}")
    print(f"4 workers vs 1: {four['docs_per_s'] / one['docs_per_s']:.2f}x overall, "
          f"{four['steady_docs_per_s'] / one['steady_docs_per_s']:.2f}x steady")
    lo, hi = min(by_count), max(by_count)
    print(f"peak memory {hi} vs {lo} documents: {by_count[hi]['peak_rss_mb'] / by_count[lo]['peak_rss_mb']:.2f}x")


if __name__ == "__main__":
    main()
