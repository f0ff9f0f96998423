"""Releases per second through normalize + extract, as a ratio to hazm's own floor.

    uv run python bench/bench_extract.py [--rounds 5] [--news ../shared/data/news]

Baseline, measured in the same run on the same texts: one hazm ``Normalizer``
and one ``WordTokenizer`` (built once), ``normalize`` + ``tokenize`` per text.
dastur: ``extract_text`` (protected normalization, spaCy Doc over hazm tokens,
every rule component, the Record). Peak memory of a whole extraction pass is
read with ``/usr/bin/time -v`` on a child process. The target (issue 3): at
most 4x the baseline's time, under 500 MB. Rounds alternate baseline and dastur,
and CPU time is reported beside wall time: on a shared machine the CPU time of
this process is the steadier of the two.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def texts(news: Path) -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(news.glob("*.txt"))]


def time_pass(fn, docs: list[tuple[str, str]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one pass over ``docs``."""
    wall, cpu = time.perf_counter(), time.process_time()
    for name, text in docs:
        fn(name, text)
    return time.perf_counter() - wall, time.process_time() - cpu


def interleaved(base_fn, ours_fn, docs: list[tuple[str, str]], rounds: int) -> list[tuple[tuple[float, float], ...]]:
    """Rounds of (baseline, dastur), taken in turn so that a busy neighbour slows both alike."""
    return [(time_pass(base_fn, docs), time_pass(ours_fn, docs)) for _ in range(rounds)]


def peak_memory_mb(news: Path) -> float | None:
    code = ("import sys; from pathlib import Path; from extractor.pipeline import extract_text\n"
            "for p in sorted(Path(sys.argv[1]).glob('*.txt')):\n"
            "    extract_text(p.read_text(encoding='utf-8'), path=p.name)")
    try:
        proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code, str(news)], cwd=ROOT,
                              capture_output=True, text=True, check=True)
    except (FileNotFoundError, subprocess.CalledProcessError):
        return None
    for line in proc.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1]) / 1024
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--news", type=Path, default=ROOT.parent / "shared" / "data" / "news")
    a = ap.parse_args()
    docs = texts(a.news)
    if not docs:
        print(f"no .txt files in {a.news}", file=sys.stderr)
        return 1
    from hazm import Normalizer, WordTokenizer

    from extractor.pipeline import extract_text

    normalizer, tokenizer = Normalizer(), WordTokenizer()
    extract_text(docs[0][1], path=docs[0][0])  # warm up: rules, spaCy and the tagger load once
    rounds = interleaved(lambda n, t: tokenizer.tokenize(normalizer.normalize(t)),
                         lambda n, t: extract_text(t, path=n), docs, a.rounds)
    chars = sum(len(t) for _, t in docs)
    print(f"{len(docs)} releases, {chars / 1000:.0f}k characters, {a.rounds} interleaved rounds (median)")
    print(f"{'pipeline':<34}{'wall s/pass':>12}{'CPU s/pass':>12}{'releases/s':>12}")
    for label, k in (("hazm normalize + word_tokenize", 0), ("dastur normalize + extract", 1)):
        wall = statistics.median(r[k][0] for r in rounds)
        cpu = statistics.median(r[k][1] for r in rounds)
        print(f"{label:<34}{wall:>12.3f}{cpu:>12.3f}{len(docs) / wall:>12.1f}")
    # The ratio of each round's pair, then the median: drift between rounds cancels out.
    wall_ratio = statistics.median(r[1][0] / r[0][0] for r in rounds)
    cpu_ratio = statistics.median(r[1][1] / r[0][1] for r in rounds)
    print(f"ratio dastur / hazm floor: {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target <= 4x)")
    mem = peak_memory_mb(a.news)
    if mem is not None:
        print(f"peak RSS of one extraction pass (child process): {mem:.0f} MB (target < 500 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
