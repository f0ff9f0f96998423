"""Scoring Records against gold annotations (``data/gold/GUIDELINES.md``).

The matching rules are those of the shared scorer, so ``dastur eval`` and
``eval/score.py`` print the same figures: strings are compared after a light
tool-independent folding; officials match on name tokens (honorifics
ignored), priorities and action items on token overlap, other entities on
token Jaccard ≥ 0.5, dates on their Jalali value.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIELDS = ["officials", "role_mentions", "organizations", "places", "events", "dates", "priorities", "action_items"]

_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا",
                          "آ": "ا", "ؤ": "و", "\u200c": " ", "\u200d": "", "\u200e": "", "\u200f": "", "ـ": "",
                          **{chr(0x06F0 + i): str(i) for i in range(10)},
                          **{chr(0x0660 + i): str(i) for i in range(10)}})
_MARKS = re.compile("[\u064b-\u065f\u0670\u0654\u0655]")
_NON_WORD = re.compile(r"[^\w\s]")
HONORIFIC_TOKENS = frozenset({"دکتر", "مهندس", "حجت", "الاسلام", "والمسلمین", "ایت", "الله", "سردار", "سرتیپ",
                              "امیر", "سید", "سیده", "اقای", "خانم", "حاج"})


def tokens(s: str | None) -> set[str]:
    if not s:
        return set()
    s = _MARKS.sub("", unicodedata.normalize("NFKC", s).translate(_LETTERS))
    return set(_NON_WORD.sub(" ", s).split())


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def same_official(gold: str, pred: str) -> bool:
    a, b = tokens(gold) - HONORIFIC_TOKENS, tokens(pred) - HONORIFIC_TOKENS
    return bool(a and b) and (a <= b or b <= a or _jaccard(a, b) >= 0.5)


def same_entity(gold: str, pred: str) -> bool:
    return _jaccard(tokens(gold), tokens(pred)) >= 0.5


def same_clause(gold: str, pred: str) -> bool:
    a, b = tokens(gold), tokens(pred)
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(a) >= 0.6 and shared / len(b) >= 0.4


def pair_up(gold: list[str], pred: list[str], same: Callable[[str, str], bool]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching in gold order."""
    free = list(range(len(pred)))
    pairs = []
    for gi, g in enumerate(gold):
        for pi in free:
            if same(g, pred[pi]):
                pairs.append((gi, pi))
                free.remove(pi)
                break
    return pairs


def _label(item: Any) -> str:
    if isinstance(item, dict):
        return item.get("name") or item.get("text") or item.get("title") or ""
    return item or ""


def _jalali_values(items: list[Any] | None) -> list[str]:
    return [str(d["jalali"])[:10] for d in items or [] if isinstance(d, dict) and d.get("jalali")]


def score(gold_docs: dict[str, dict[str, Any]], records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Scores for ``records`` (by source file name) against ``gold_docs`` (by file name)."""
    totals = {f: [0, 0, 0] for f in FIELDS}  # matched, gold, predicted
    title_scores: list[float] = []
    actors_ok = actors_total = 0
    for name, gold in gold_docs.items():
        rec = records.get(name, {})
        for f in FIELDS:
            if f == "dates":
                g, p = _jalali_values(gold.get(f)), _jalali_values(rec.get(f))
                pairs = pair_up(g, p, lambda a, b: a == b)
            else:
                graw, praw = gold.get(f) or [], rec.get(f) or []
                g, p = [_label(x) for x in graw], [_label(x) for x in praw]
                same = {"officials": same_official, "priorities": same_clause,
                        "action_items": same_clause}.get(f, same_entity)
                pairs = pair_up(g, p, same)
                if f == "officials":
                    title_scores += [_title_f1(graw[gi], praw[pi]) for gi, pi in pairs if graw[gi].get("titles")]
                if f == "action_items":
                    for gi, pi in pairs:
                        if graw[gi].get("actor"):
                            actors_total += 1
                            actors_ok += _same_actor(graw[gi]["actor"], _label(praw[pi].get("actor")))
            totals[f][0] += len(pairs)
            totals[f][1] += len(g)
            totals[f][2] += len(p)
    out: dict[str, Any] = {}
    for f, (m, ng, npred) in totals.items():
        prec = m / npred if npred else 0.0
        rec_ = m / ng if ng else 0.0
        f1 = 2 * prec * rec_ / (prec + rec_) if prec + rec_ else 0.0
        out[f] = {"precision": round(prec, 3), "recall": round(rec_, 3), "f1": round(f1, 3),
                  "gold": ng, "predicted": npred}
    out["official_titles_f1"] = round(sum(title_scores) / len(title_scores), 3) if title_scores else 0.0
    out["action_item_actor_accuracy"] = round(actors_ok / actors_total, 3) if actors_total else 0.0
    out["documents"] = len(gold_docs)
    out["documents_with_record"] = sum(1 for n in gold_docs if n in records)
    return out


def _title_f1(gold: dict[str, Any], pred: Any) -> float:
    g = tokens(" ".join(gold.get("titles") or []))
    p = tokens(" ".join(pred.get("titles") or [])) if isinstance(pred, dict) else set()
    shared = len(g & p)
    if not shared:
        return 0.0
    prec, rec = shared / len(p), shared / len(g)
    return 2 * prec * rec / (prec + rec)


def _same_actor(gold: str, pred: str) -> bool:
    a, b = tokens(gold), tokens(pred)
    return bool(a and b) and (a <= b or _jaccard(a, b) >= 0.5)


def load_gold(gold_dir: str | Path) -> dict[str, dict[str, Any]]:
    docs = {}
    for path in sorted(Path(gold_dir).glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        docs[gold.get("file") or path.name[: -len(".json")]] = gold
    return docs


def evaluate_dir(gold_dir: str | Path, news_dir: str | Path | None = None) -> dict[str, Any]:
    """Extract every gold document's source text and score the Records."""
    from .pipeline import build_record
    from .sources import read_path

    gold_docs = load_gold(gold_dir)
    source_dir = Path(news_dir) if news_dir else Path(gold_dir).parent / "news"
    records = {}
    for name in gold_docs:
        path = source_dir / name
        if path.exists():
            records[name] = build_record(read_path(path)).to_dict()
    return score(gold_docs, records)
