"""Benchmark: extractor.html against trafilatura on the saved article pages.

    uv run --with trafilatura python bench/bench_html.py [--rounds 5] [--pages] [--data DIR]

For every page in ../shared/data/html that has an ``.eval.json``:

- share of "with" snippets found in the body, three ways:
  strict (character for character), fold (ZWNJ as space, ي/ك as ی/ک, whitespace
  collapsed) and loose (ZWNJ and whitespace deleted: blind to a dropped ZWNJ);
- share of "without" snippets leaked (loose: the most forgiving for leaks);
- token precision/recall/F1 against ``.expected.txt`` where it is a full text, and
  token recall of the known prefix where it is PARTIAL (precision means nothing there);
- pages per second over all rounds, both extractors timed in the same run on the same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.errors import NoText  # noqa: E402
from extractor.html import read_html  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "html"


def fold(text: str) -> str:
    text = text.replace("\u200c", " ").replace("ي", "ی").replace("ك", "ک")
    return re.sub(r"\s+", " ", text).strip()


def loose(text: str) -> str:
    return re.sub(r"[\s\u200c]+", "", text.replace("ي", "ی").replace("ك", "ک"))


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.replace("\u200c", "").replace("ي", "ی").replace("ك", "ک")))


def ours(data: bytes) -> str:
    try:
        return read_html(data).body
    except NoText:
        return ""


def trafilatura_body(data: bytes) -> str:
    import trafilatura

    return trafilatura.extract(data, include_comments=False) or ""


def gold(path: Path) -> tuple[str, bool] | None:
    """The expected text and whether it is complete; PARTIAL files give only a content prefix."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("# PARTIAL"):
        prefix = re.search(r"^CONTENT_PREFIX:\s*(.+)$", text, re.M)
        return (prefix.group(1), False) if prefix else None
    return text, True


def score(body: str, spec: dict, expected: tuple[str, bool] | None) -> dict[str, float | None]:
    withs, withouts = spec["with"], spec["without"]
    row: dict[str, float | None] = {
        "strict": sum(s in body for s in withs) / len(withs),
        "fold": sum(fold(s) in fold(body) for s in withs) / len(withs),
        "loose": sum(loose(s) in loose(body) for s in withs) / len(withs),
        "leak": sum(loose(s) in loose(body) for s in withouts) / max(len(withouts), 1),
        "p": None, "r": None, "f1": None, "prefix_r": None,
    }
    if expected:
        want, got = tokens(expected[0]), tokens(body)
        hit = sum((want & got).values())
        recall = hit / max(sum(want.values()), 1)
        if expected[1]:
            precision = hit / max(sum(got.values()), 1)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            row.update(p=precision, r=recall, f1=f1)
        else:
            row["prefix_r"] = recall
    return row


def mean(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return f"{sum(present) / len(present):.3f}" if present else "  -  "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", action="store_true", help="also print one row per page")
    args = parser.parse_args()

    pages = []
    for eval_path in sorted(args.data.glob("*.eval.json")):
        spec = json.loads(eval_path.read_text(encoding="utf-8"))
        html_path = args.data / spec["file"]
        pages.append((spec, html_path.read_bytes(), gold(Path(f"{html_path}.expected.txt"))))
    if not pages:
        sys.exit(f"no *.eval.json pages in {args.data}")

    extractors = {"dastur": ours, "trafilatura": trafilatura_body}
    for extract in extractors.values():  # warm up: imports, caches
        extract(pages[0][1])
    elapsed = dict.fromkeys(extractors, 0.0)
    bodies: dict[str, list[str]] = {}
    for _ in range(args.rounds):
        for name, extract in extractors.items():
            start = time.perf_counter()
            bodies[name] = [extract(data) for _, data, _ in pages]
            elapsed[name] += time.perf_counter() - start

    n_full = sum(1 for *_, g in pages if g and g[1])
    n_partial = sum(1 for *_, g in pages if g and not g[1])
    print(f"{len(pages)} article pages, {args.rounds} rounds; token P/R/F1 on {n_full} full gold text(s), "
          f"prefix recall on {n_partial} partial one(s)\n")
    header = (f"{'extractor':12} {'with strict':>11} {'with fold':>9} {'with loose':>10} {'leaked':>7} "
              f"{'P':>6} {'R':>6} {'F1':>6} {'prefix R':>8} {'pages/s':>8}")
    print(header)
    print("-" * len(header))
    for name in extractors:
        rows = [score(body, spec, g) for body, (spec, _, g) in zip(bodies[name], pages, strict=True)]
        speed = len(pages) * args.rounds / elapsed[name]
        keys = ("strict", "fold", "loose", "leak", "p", "r", "f1", "prefix_r")
        cols = [mean([r[k] for r in rows]) for k in keys]
        print(f"{name:12} {cols[0]:>11} {cols[1]:>9} {cols[2]:>10} {cols[3]:>7} "
              f"{cols[4]:>6} {cols[5]:>6} {cols[6]:>6} {cols[7]:>8} {speed:>8.1f}")
    if args.pages:
        print()
        for i, (spec, _, _) in enumerate(pages):
            cells = []
            for name in extractors:
                r = score(bodies[name][i], spec, pages[i][2])
                found = f"{r['strict']:.2f}/{r['fold']:.2f}/{r['loose']:.2f}"
                cells.append(f"{name} {found} leak {r['leak']:.2f}")
            print(f"{spec['file'][:42]:42}  " + "   ".join(cells))


if __name__ == "__main__":
    main()
