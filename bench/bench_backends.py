"""Benchmark both backends in one run: bulk indexing throughput and search latency, as ratios.

Records are made at run time by the extractor from the news texts in
``../shared/data/news`` (never copied into the repository), then varied into
N copies: new ids, numbers changed in title and text, another publication
date, places and topics drawn again. Both backends index the same records
and answer the same queries:

- embedded: ``SQLiteBackend`` on a temporary file;
- elasticsearch: ``ElasticBackend`` on an osmem-server started here on
  127.0.0.1 (in memory, one process: an upper bound for a real cluster's
  latency, not its throughput), or on ``--es-url``.

Example:
    uv run python bench/bench_backends.py --n 5000
    uv run python bench/bench_backends.py --n 20000 --es-url http://127.0.0.1:9200
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.base import DirectiveQuery, SearchQuery  # noqa: E402
from indexer.snippets import TOKEN  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news"
PLACES = ["تهران", "کرمانشاه", "تبریز", "اصفهان", "شیراز", "مشهد", "همدان", "رشت", "یزد", "کرمان"]
TOPICS = ["employment", "welfare", "education", "health", "agriculture", "industry", "water", "housing"]
_DIGITS = re.compile(r"[0-9۰-۹]+")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def extract_news() -> list[dict[str, Any]]:
    """One Record per news text, by the same pipeline as `dastur extract`."""
    from extractor.pipeline import build_record
    from extractor.sources import read_path

    files = sorted(NEWS.glob("*.txt"))
    if not files:
        sys.exit(f"no texts in {NEWS}: run from a checkout next to ../shared/data")
    out = []
    for f in files:
        try:
            out.append(build_record(read_path(f)).to_dict())
        except Exception as e:  # a text the extractor refuses is not the point here
            print(f"skipped {f.name}: {e}", file=sys.stderr)
    return out


def vary(record: dict[str, Any], i: int, rng: random.Random) -> dict[str, Any]:
    """Copy ``i`` of a record: same shape, other id, numbers, date, places and topics."""
    def numbers(text: str | None) -> str | None:
        if not text:
            return text
        return _DIGITS.sub(lambda m: (lambda n: n.translate(_PERSIAN) if rng.random() < 0.5 else n)(
            str(rng.randint(1, 10 ** min(len(m.group(0)), 4)))), text)

    r = copy.deepcopy(record)
    r["id"] = f"{record['id']}-{i}"
    r["title"], r["text"] = numbers(r.get("title")), numbers(r["text"])
    day = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(4500))
    r["published"] = {"jalali": None, "gregorian": day.isoformat(), "text": None}
    r["places"] = [{"name": p, "kind": "province", "mentions": []} for p in rng.sample(PLACES, rng.randint(1, 2))]
    r["topics"] = rng.sample(TOPICS, rng.randint(1, 3))
    for k, item in enumerate(r.get("action_items") or []):
        item["id"] = f"{r['id']}:a{k}"
    return r


def timed(fn: Any, items: list[Any]) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def run(backend: Any, records: list[dict[str, Any]], queries: list[str], rng: random.Random) -> dict[str, Any]:
    t = time.perf_counter()
    counts = backend.upsert_many(records)
    took = time.perf_counter() - t
    t = time.perf_counter()
    again = backend.upsert_many(records)
    reingest = time.perf_counter() - t
    assert counts["created"] == len(records) and again["unchanged"] == len(records), (counts, again)
    backend.search(SearchQuery(text=queries[0]))  # warm up (and let Elasticsearch refresh)
    filters = [{"place": rng.choice(PLACES)}, {"topic": rng.choice(TOPICS)}, {"since": dt.date(2018, 1, 1)}]
    return {
        "index": len(records) / took, "reingest": len(records) / reingest,
        "search": timed(lambda q: backend.search(SearchQuery(text=q)), queries),
        "search, no facets": timed(lambda q: backend.search(SearchQuery(text=q, facets=False)), queries),
        "search+filter": timed(lambda q: backend.search(SearchQuery(text=q, **rng.choice(filters))), queries),
        "by date, page 5": timed(lambda q: backend.search(SearchQuery(text=q, sort="date", offset=40)), queries),
        "directives, open": timed(lambda q: backend.list_directives(DirectiveQuery(status="open", limit=20)),
                                  queries[:50]),
        "matches": statistics.median(backend.search(SearchQuery(text=q, facets=False, limit=1)).total
                                     for q in queries),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3000, help="records to index into each backend")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--es-url", help="a real cluster instead of osmem (indices under the prefix dastur-bench)")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    t = time.perf_counter()
    base = extract_news()
    records = [vary(base[i % len(base)], i, rng) for i in range(args.n)]
    print(f"extracted {len(base)} news texts and varied them into {len(records)} records "
          f"(avg {statistics.mean(len(r['text']) for r in records):.0f} chars, "
          f"{sum(len(r.get('action_items') or []) for r in records)} action items) "
          f"in {time.perf_counter() - t:.1f} s")
    words = [w for r in rng.sample(records, min(300, len(records))) for w in TOKEN.findall(r["text"])
             if len(w) >= 3 and not w.isdigit()]
    queries = [" ".join(rng.sample(words, rng.choice((1, 1, 2)))) for _ in range(args.queries)]

    from indexer.elastic import ElasticBackend
    from indexer.sqlite import SQLiteBackend

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        with SQLiteBackend(Path(tmp) / "bench.db") as embedded:
            results["embedded"] = run(embedded, records, queries, random.Random(args.seed))
        server = None
        if args.es_url:
            url = args.es_url
        else:
            from osmem_server import OsmemServer

            server = OsmemServer.start(freeze=False, japanese=False)
            url = server.url
        try:
            with ElasticBackend(url, index_prefix="dastur-bench", spool_path=Path(tmp) / "spool.jsonl") as es:
                label = f"elasticsearch ({es.server.label if es.server else '?'})"
                results[label] = run(es, records, queries, random.Random(args.seed))
                if args.es_url:  # by name: clusters refuse wildcard deletes
                    es.client.indices.delete(index=",".join(i for i in es._current_indices().values() if i))
                    for name in es.indices.values():
                        es.client.indices.delete_index_template(name=name)
        finally:
            if server is not None:
                server.close()

    (emb_name, emb), (es_name, es) = results.items()
    print(f"\n{len(queries)} queries, median matches: {emb['matches']:.0f} (embedded), {es['matches']:.0f} (es)")
    print(f"{'':22} {'embedded':>12} {'es':>12} {'es/embedded':>12}")
    for key in ("index", "reingest"):
        print(f"{key + ' records/s':22} {emb[key]:12.0f} {es[key]:12.0f} {es[key] / emb[key]:12.2f}")
    for key in ("search", "search, no facets", "search+filter", "by date, page 5", "directives, open"):
        for p in (50, 95):
            a, b = pct(emb[key], p), pct(es[key], p)
            print(f"{f'{key} p{p} ms':22} {a:12.2f} {b:12.2f} {b / a:12.2f}")
    print(f"\n(embedded = {emb_name}; es = {es_name})")


if __name__ == "__main__":
    main()
