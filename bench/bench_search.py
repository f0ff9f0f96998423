"""Benchmark the embedded backend: indexing throughput and search latency against a bare FTS5 baseline.

Synthetic records are made at run time from the news texts in
``../shared/data/news`` (never copied into the repository): paragraphs are
shuffled across texts and numbers varied, so that N records share a real
Persian vocabulary without being duplicates.

Three kinds of query are timed over the same sampled words:

- ``search``: ``SQLiteBackend.search`` as the CLI and the service call it
  (normalize + fold, bm25 ranking, count, facets, snippets);
- ``search+filter``: the same with a place, topic or date filter;
- ``FTS5 bm25 top 10 only``: the ranking alone, what FTS5 must do for any ranked answer;
- ``baseline``: ``SELECT rowid FROM records_fts WHERE records_fts MATCH ? LIMIT 10``,
  the least FTS5 can do for the same terms (no ranking, no count, no facets, no snippets).

Example:
    uv run python bench/bench_search.py --n 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.normalize import normalize  # noqa: E402
from indexer.base import SearchQuery  # noqa: E402
from indexer.snippets import TOKEN, query_terms  # noqa: E402
from indexer.sqlite import SQLiteBackend  # noqa: E402
from indexer.sqlite_query import SCORE, match_expression  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news"
PLACES = ["تهران", "کرمانشاه", "تبریز", "اصفهان", "شیراز", "مشهد", "همدان", "رشت", "یزد", "کرمان", "اراک",
          "قم"]
TOPICS = ["employment", "welfare", "education", "health", "agriculture", "industry", "water", "housing",
          "administration", "culture"]
ORGS = ["سازمان بهزیستی", "اداره کل آموزش فنی و حرفه ای", "جهاد کشاورزی", "بانک کشاورزی", "شهرداری",
        "اداره کل تعاون، کار و رفاه اجتماعی", "سازمان صنعت، معدن و تجارت", "آموزش و پرورش"]
NAMES = ["علی", "محمد", "حسین", "مریم", "زهرا", "رضا", "مهدی", "سارا"]
FAMILIES = ["رضایی", "احمدی", "کریمی", "موسوی", "حسینی", "محمدی", "جعفری", "صادقی", "کاظمی", "نوری"]
_DIGITS = re.compile(r"[0-9۰-۹]+")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def load_paragraphs() -> tuple[list[str], list[str]]:
    """Titles (first lines) and body paragraphs of the news texts, normalized here as the pipeline would."""
    files = sorted(NEWS.glob("*.txt"))
    if not files:
        sys.exit(f"no texts in {NEWS}: run from a checkout next to ../shared/data")
    titles, paragraphs = [], []
    for f in files:
        parts = [p for p in normalize(f.read_text(encoding="utf-8")).split("\n\n") if p.strip()]
        titles.append(parts[0])
        paragraphs += [p for p in parts[1:] if len(p.split()) >= 8]
    return titles, paragraphs


def vary_numbers(text: str, rng: random.Random) -> str:
    def repl(m: re.Match[str]) -> str:
        n = str(rng.randint(1, 10 ** min(len(m.group(0)), 4)))
        return n.translate(_PERSIAN) if rng.random() < 0.5 else n

    return _DIGITS.sub(repl, text)


def make_records(n: int, rng: random.Random) -> list[dict]:
    titles, paragraphs = load_paragraphs()
    start = dt.date(2012, 1, 1)
    records = []
    for i in range(n):
        body = "\n\n".join(vary_numbers(p, rng) for p in rng.sample(paragraphs, rng.randint(5, 10)))
        officials = [{"id": f"o{k + 1}", "name": f"{rng.choice(NAMES)} {rng.choice(FAMILIES)}",
                      "organization": rng.choice(ORGS), "mentions": []} for k in range(rng.randint(0, 2))]
        sentences = [s for s in re.split(r"(?<=[.!؟])\s+", body) if "باید" in s or "موظف" in s][:2]
        items = [{"id": f"b{i}-a{k}", "text": s, "actor": rng.choice(ORGS),
                  "issuer": "o1" if officials else None,
                  "deadline": {"text": "تا پایان سال", "jalali": f"{rng.randint(1395, 1404)}-12-00"},
                  "topics": [rng.choice(TOPICS)], "span": [0, len(s)]} for k, s in enumerate(sentences)]
        records.append({
            "id": f"bench-{i}", "source": {"kind": "text", "url": None, "path": None},
            "title": vary_numbers(rng.choice(titles), rng), "lead": None, "text": body,
            "published": {"gregorian": (start + dt.timedelta(days=rng.randrange(4500))).isoformat()},
            "agency": f"روابط عمومی {rng.choice(ORGS)}", "officials": officials,
            "organizations": [{"name": o} for o in rng.sample(ORGS, 2)],
            "places": [{"name": p, "kind": "province"} for p in rng.sample(PLACES, rng.randint(1, 2))],
            "topics": rng.sample(TOPICS, rng.randint(1, 3)), "action_items": items,
        })
    return records


def sample_queries(records: list[dict], k: int, rng: random.Random) -> list[str]:
    words = [w for r in rng.sample(records, min(len(records), 300)) for w in TOKEN.findall(r["text"])
             if len(w) >= 3 and not w.isdigit()]
    return [" ".join(rng.sample(words, rng.choice((1, 1, 2)))) for _ in range(k)]


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="records to index")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db", help="database file (default: a temporary file)")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    t = time.perf_counter()
    records = make_records(args.n, rng)
    print(f"built {len(records)} synthetic records in {time.perf_counter() - t:.1f} s "
          f"(avg {statistics.mean(len(r['text']) for r in records):.0f} chars)")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db or Path(tmp) / "bench.db")
        with SQLiteBackend(db) as backend:
            t = time.perf_counter()
            counts = backend.upsert_many(records)
            took = time.perf_counter() - t
            backend._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = db.stat().st_size / 1e6
            print(f"indexed {counts} in {took:.1f} s: {len(records) / took:.0f} records/s, db {size:.0f} MB")
            t = time.perf_counter()
            again = backend.upsert_many(records)
            print(f"re-ingest (unchanged): {again['unchanged']} in {time.perf_counter() - t:.1f} s")

            queries = sample_queries(records, args.queries, rng)
            backend.search(SearchQuery(text=queries[0]))  # warm up: hazm loads once per thread
            filters = [{"place": rng.choice(PLACES)}, {"topic": rng.choice(TOPICS)},
                       {"since": dt.date(2020, 1, 1)},
                       {"place": rng.choice(PLACES), "topic": rng.choice(TOPICS)}]
            expressions = [match_expression(query_terms(q)) for q in queries]
            conn = backend._conn
            runs = {
                "search": timed(lambda q: backend.search(SearchQuery(text=q)), queries),
                "search, no facets": timed(lambda q: backend.search(SearchQuery(text=q, facets=False)),
                                           queries),
                "search+filter": timed(lambda q: backend.search(SearchQuery(text=q, **rng.choice(filters))),
                                       queries),
                "FTS5 bm25 top 10 only": timed(lambda e: conn.execute(
                    f"SELECT rowid FROM records_fts WHERE records_fts MATCH ? ORDER BY {SCORE} LIMIT 10",
                    (e,)).fetchall(), expressions),
                "baseline MATCH LIMIT 10": timed(lambda e: conn.execute(
                    "SELECT rowid FROM records_fts WHERE records_fts MATCH ? LIMIT 10", (e,)).fetchall(),
                    expressions),
            }
            totals = [backend.search(SearchQuery(text=q, facets=False, limit=1)).total for q in queries]
    base = runs["baseline MATCH LIMIT 10"]
    print(f"{len(queries)} queries, median matches {statistics.median(totals):.0f} of {len(records)}")
    print(f"{'':26} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×base':>10} {'p95 ×base':>10}")
    for name, ms in runs.items():
        print(f"{name:26} {pct(ms, 50):8.2f} {pct(ms, 95):8.2f} "
              f"{pct(ms, 50) / pct(base, 50):10.1f} {pct(ms, 95) / pct(base, 95):10.1f}")


if __name__ == "__main__":
    main()
