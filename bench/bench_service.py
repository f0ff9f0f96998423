"""Benchmark `dastur serve` under concurrent load: GET /search latency (p50, p95) and requests per second.

10,000 synthetic records (by default) are built at run time from the news
texts in ``../shared/data/news`` by ``bench_search.make_records`` (never
copied into the repository) and indexed into a temporary embedded database.
`dastur serve` then runs on 127.0.0.1 as a subprocess, and a local load
generator (asyncio + httpx, N concurrent keep-alive connections, bounded by
a count and a time) sends authenticated requests.

Baselines, measured in the same run on the same data and queries:

- ``backend.search in-process``: ``SQLiteBackend.search`` called directly,
  one at a time: what the service adds on top of the library;
- ``GET /health``: the cheapest authenticated-free route: what HTTP, uvicorn
  and the load generator cost by themselves.

The load generator runs on the same machine, so it takes CPU from the server;
the figures are a floor, and the ratios are what to compare between runs.

Example:
    uv run python bench/bench_service.py --n 10000 --concurrency 8 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_search import make_records, pct, sample_queries  # noqa: E402

from indexer.base import SearchQuery  # noqa: E402
from indexer.keys import KeyStore  # noqa: E402
from indexer.sqlite import SQLiteBackend  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(db), "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # up, and done loading the extractor in the background
        if proc.poll() is not None:
            sys.exit(f"dastur serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json().get("extractor") == "ready":
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("dastur serve was not ready within 120 s")


async def load(base: str, paths: list[str], headers: dict[str, str], concurrency: int, max_requests: int,
               duration: float, timeout: float = 30) -> tuple[list[float], float, int]:
    """Latencies (ms) of successful requests, the wall time, and the number of failures."""
    import httpx

    latencies: list[float] = []
    failures = 0
    sent = 0
    stop_at = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=timeout) as client:

        async def worker() -> None:
            nonlocal sent, failures
            while sent < max_requests and time.perf_counter() < stop_at:
                path = paths[sent % len(paths)]
                sent += 1
                t = time.perf_counter()
                r = await client.get(path)
                if r.status_code == 200:
                    latencies.append((time.perf_counter() - t) * 1000)
                else:
                    failures += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return latencies, wall, failures


def report(name: str, latencies: list[float], wall: float, failures: int = 0) -> dict[str, float]:
    row = {"n": len(latencies), "p50": pct(latencies, 50), "p95": pct(latencies, 95),
           "rps": len(latencies) / wall if wall else 0.0}
    fail = f"  ({failures} failed)" if failures else ""
    print(f"{name:38} {row['n']:>6} {row['p50']:8.2f} {row['p95']:8.2f} {row['rps']:9.0f}{fail}")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="records to index")
    ap.add_argument("--queries", type=int, default=300, help="distinct search queries")
    ap.add_argument("--concurrency", type=int, default=8, help="concurrent connections")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per load run (at most)")
    ap.add_argument("--requests", type=int, default=5000, help="requests per load run (at most)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    t = time.perf_counter()
    records = make_records(args.n, rng)
    print(f"built {len(records)} synthetic records in {time.perf_counter() - t:.1f} s")
    queries = sample_queries(records, args.queries, rng)
    from urllib.parse import urlencode

    search_paths = [f"/search?{urlencode({'q': q, 'limit': 10})}" for q in queries]

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with SQLiteBackend(db) as backend:
            t = time.perf_counter()
            backend.upsert_many(records)
            print(f"indexed in {time.perf_counter() - t:.1f} s; {os.cpu_count()} CPU(s) shared by server and client")
            backend.search(SearchQuery(text=queries[0]))  # warm up hazm in this thread
            inproc = []
            t0 = time.perf_counter()
            for q in queries:
                t = time.perf_counter()
                backend.search(SearchQuery(text=q, limit=10))
                inproc.append((time.perf_counter() - t) * 1000)
            inproc_wall = time.perf_counter() - t0
        with KeyStore(str(db)) as keys:
            key = keys.create("viewer", name="bench").token
        port = free_port()
        server = start_server(db, port)
        base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
        try:
            # warm up: every worker thread of the server loads its hazm objects once
            asyncio.run(load(base, search_paths, auth, args.concurrency, 200, 60, timeout=120))
            print(f"\n{'':38} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>9}")
            rows = {
                "in-process backend.search (1 at a time)": report("backend.search in-process, sequential",
                                                                   inproc, inproc_wall),
                "health": report(f"GET /health, {args.concurrency} connections",
                                 *asyncio.run(load(base, ["/health"], {}, args.concurrency, args.requests,
                                                   args.duration))),
                "search1": report("GET /search, 1 connection",
                                  *asyncio.run(load(base, search_paths, auth, 1, args.requests, args.duration))),
                "search": report(f"GET /search, {args.concurrency} connections",
                                 *asyncio.run(load(base, search_paths, auth, args.concurrency, args.requests,
                                                   args.duration))),
            }
        finally:
            server.terminate()
            server.wait(timeout=10)
    base_row = rows["in-process backend.search (1 at a time)"]
    s, h = rows["search"], rows["health"]
    print(f"\nGET /search under load: p50 {s['p50'] / base_row['p50']:.1f}× and p95 {s['p95'] / base_row['p95']:.1f}× "
          f"the in-process search; {s['rps'] / h['rps']:.2f}× the requests/s of GET /health")
    print(f"median in-process search {statistics.median(inproc):.2f} ms over {len(queries)} queries")


if __name__ == "__main__":
    main()
