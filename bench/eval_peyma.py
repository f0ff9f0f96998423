"""Person-name (PER) precision/recall/F1 of the CRF tagger on PEYMA dev and ARMAN test.

Exact entity-span match, conlleval style (a chunk starts at B-, or at an I-
that follows another type). The "overlap" column counts a name as found
when a predicted span overlaps it: the gap between the two is boundary
disagreement (PEYMA keeps «حضرت … (س)» inside the name, ParsTwiNER does not).

Models (comparison models are trained into /tmp, never shipped):
  shipped     extractor/models/person_crf.crfsuite, ParsTwiNER train only (MIT)
  peyma       PEYMA train (research-only)                     [/tmp]
  arman       ARMAN train_fold1 (research-only)               [/tmp]
  tw-per      ParsTwiNER, PER labels only (no other types)    [/tmp]
  tw-nolex    ParsTwiNER, no rules/ or hazm lexicon features  [/tmp]

    uv run python bench/eval_peyma.py                 # shipped + peyma
    uv run python bench/eval_peyma.py --models all    # everything (≈10 min on first run)

Comparison models are cached in /tmp/dastur-ner under a fingerprint of
ner.py, the data and the settings; --retrain rebuilds them.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor import ner  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ner"
CACHE = Path("/tmp/dastur-ner")
TRAIN_SETTINGS = {"c1": 0.03, "c2": 0.05, "max_iterations": 200}  # same as the shipped model

# (file, separator): PEYMA tokens contain spaces standing for ZWNJ, so split on «|» only.
CORPORA = {
    "parstwiner-train": (DATA / "parstwiner" / "train.txt", "\t"),
    "parstwiner-test": (DATA / "parstwiner" / "test.txt", "\t"),
    "peyma-train": (DATA / "peyma" / "train.txt", "|"),
    "peyma-dev": (DATA / "peyma" / "dev.txt", "|"),
    "arman-train": (DATA / "arman" / "train_fold1.txt", None),
    "arman-test": (DATA / "arman" / "test_fold1.txt", None),
}
EVAL_SETS = ("peyma-dev", "arman-test", "parstwiner-test")
REFERENCES = [
    "published CRF baseline on PEYMA ............ 84.0 F1",
    "stanza on ARMAN ............................ 80.07 F1",
    "ParsBERT on PEYMA .......................... 93.4 F1",
    "(published figures; the corpus, split and entity types they cover may differ from the PER-only rows above)",
]


@dataclass
class Spec:
    name: str
    train: tuple[str, ...]
    note: str
    options: dict[str, object] = field(default_factory=dict)
    no_lexicons: bool = False


SPECS = {
    "shipped": Spec("shipped", ("parstwiner-train",), "ParsTwiNER train (MIT) — shipped"),
    "peyma": Spec("peyma", ("peyma-train",), "PEYMA train (research-only)"),
    "arman": Spec("arman", ("arman-train",), "ARMAN train_fold1 (research-only)"),
    "tw-per": Spec("tw-per", ("parstwiner-train",), "ParsTwiNER, PER labels only", {"all_types": False}),
    "tw-nolex": Spec("tw-nolex", ("parstwiner-train",), "ParsTwiNER, no lexicon features", no_lexicons=True),
}


def load(name: str) -> list[list[tuple[str, str]]]:
    path, sep = CORPORA[name]
    return list(ner.read_tagged(path, sep))


def model_for(spec: Spec, retrain: bool) -> Path:
    if spec.name == "shipped":
        return ner.DEFAULT_MODEL
    h = hashlib.sha256(Path(ner.__file__).read_bytes())
    h.update(repr((spec, TRAIN_SETTINGS)).encode())
    for name in spec.train:
        h.update(CORPORA[name][0].read_bytes())
    path = CACHE / f"{spec.name}-{h.hexdigest()[:12]}.crfsuite"
    if retrain or not path.is_file():
        t0 = time.perf_counter()
        sentences = [s for name in spec.train for s in load(name)]
        lex = ner.Lexicons() if spec.no_lexicons else ner.Lexicons.load()
        ner.train(sentences, path, lexicons=lex, **TRAIN_SETTINGS, **spec.options)  # type: ignore[arg-type]
        print(f"trained {spec.name} → {path} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return path


def overlap_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> float:
    found = gold_n = hit = pred_n = 0
    for g, p in zip(gold, pred, strict=True):
        gs, ps = ner.iob_spans(g), ner.iob_spans(p)
        gold_n += len(gs)
        pred_n += len(ps)
        found += sum(any(a < d and c < b for c, d in ps) for a, b in gs)
        hit += sum(any(a < d and c < b for a, b in gs) for c, d in ps)
    r, p_ = found / gold_n if gold_n else 0.0, hit / pred_n if pred_n else 0.0
    return 2 * p_ * r / (p_ + r) if p_ + r else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="shipped,peyma", help=f"comma list of {', '.join(SPECS)}, or all")
    ap.add_argument("--retrain", action="store_true", help="rebuild cached comparison models")
    args = ap.parse_args(argv)
    names = list(SPECS) if args.models == "all" else args.models.split(",")
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        print(f"--models: unknown {unknown} — choose from {', '.join(SPECS)}", file=sys.stderr)
        return 2
    missing = [str(p) for p, _ in CORPORA.values() if not p.is_file()]
    if missing:
        print(f"{missing[0]}: corpus not found — the NER data lives in ../shared/data/ner", file=sys.stderr)
        return 2

    data = {name: load(name) for name in EVAL_SETS}
    gold = {name: [ner.person_labels([t for _, t in s]) for s in sents] for name, sents in data.items()}
    rows, speed = [], ""
    for name in names:
        spec = SPECS[name]
        path = model_for(spec, args.retrain)
        tagger = ner.PersonTagger.load(path, ner.Lexicons() if spec.no_lexicons else None)
        for ev in EVAL_SETS:
            t0 = time.perf_counter()
            pred = [tagger.tag([w for w, _ in s]) for s in data[ev]]
            dt = time.perf_counter() - t0
            if name == "shipped" and ev == "peyma-dev":  # first pass: word caches cold
                n = sum(len(s) for s in data[ev])
                speed = f"shipped model: {path.stat().st_size / 1e6:.2f} MB, tags {n / dt:,.0f} tokens/s " \
                        f"(PEYMA dev, {n} tokens, features included, cold caches, one core)"
            sc = ner.score_spans(gold[ev], pred)
            rows.append((name, spec.note, ev, sc, overlap_f1(gold[ev], pred)))

    header = ("model", "trained on", "evaluated on", "gold", "P", "R", "F1", "overlap F1")
    print("{:9} {:38} {:16} {:>5} {:>6} {:>6} {:>6} {:>11}".format(*header))
    for name, note, ev, sc, ov in rows:
        print(f"{name:9} {note:38} {ev:16} {sc.tp + sc.fn:5d} {100 * sc.precision:6.1f} "
              f"{100 * sc.recall:6.1f} {100 * sc.f1:6.1f} {100 * ov:11.1f}")
    if speed:
        print("\n" + speed)
    print("\nreference points:\n  " + "\n  ".join(REFERENCES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
