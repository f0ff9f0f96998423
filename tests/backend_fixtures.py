"""Invented records and backend stores shared by the backend contract tests and the Elasticsearch tests.

The records are made up for these tests, in the Record format of DESIGN.md
(see ``extractor/records.py``). ZWNJ is written as "\\u200c" so that it can be seen.

A ``Store`` is one backend's storage for one test; ``store.open()`` gives
another handle on it, as a second manager or a second process would have:

- embedded: a SQLite file in the test's tmp dir;
- elasticsearch: a clone of an osmem base holding the records (``osmem_seeded``);
- live: a real cluster at ``$ES_URL``, under an index prefix of its own, removed afterwards.
"""

from __future__ import annotations

import copy
import os
import uuid
from pathlib import Path
from typing import Any

ZWNJ = "\u200c"
ES_URL = os.environ.get("ES_URL")
SEEDED_PREFIX = "contract"


def make_record(rid: str, title: str, text: str, *, published: str | None = None, agency: str | None = None,
                officials: list[dict[str, Any]] | None = None, organizations: tuple[str, ...] = (),
                places: tuple[str, ...] = (), topics: tuple[str, ...] = (),
                action_items: list[dict[str, Any]] | None = None, lead: str | None = None) -> dict[str, Any]:
    return {
        "id": rid,
        "source": {"kind": "text", "url": None, "path": f"{rid}.txt", "sha256": None, "fetched_at": None},
        "title": title, "lead": lead, "text": text,
        "published": {"jalali": None, "gregorian": published, "text": None} if published else None,
        "agency": agency,
        "officials": officials or [],
        "role_mentions": [],
        "organizations": [{"name": n, "mentions": [], "rule": "test"} for n in organizations],
        "places": [{"name": n, "kind": "province", "mentions": [], "rule": "test"} for n in places],
        "events": [], "dates": [], "figures": [], "statements": [], "priorities": [],
        "action_items": action_items or [],
        "topics": list(topics),
        "warnings": [],
    }


def official(name: str, organization: str | None = None) -> dict[str, Any]:
    return {"id": "o1", "name": name, "honorific": None, "titles": [], "organization": organization,
            "mentions": [], "rule": "test"}


def action(aid: str, text: str, actor: str | None, *, jalali: str | None = None,
           topics: tuple[str, ...] = ("water",)) -> dict[str, Any]:
    deadline = {"text": "تا پایان خرداد", "jalali": jalali} if jalali else None
    return {"id": aid, "text": text, "modality": "باید", "actor": actor, "action": text, "deadline": deadline,
            "issuer": "o1", "topics": list(topics), "span": [0, len(text)], "rule": "test"}


C1 = make_record(
    "c1", "نشست شورای آب استان همدان",
    f"مهندس فرهاد نیک{ZWNJ}نام، مدیرکل منابع آب، گفت: شهرداری{ZWNJ}ها باید تا پایان خرداد طرح ۴۲ روستا "
    "را اجرا کنند. بخشداران موظفند گزارش دهند. "
    "این نشست با حضور <i>نمایندگان</i> شرکت آب & فاضلاب برگزار شد.",
    published="2023-06-10", agency="روابط عمومی استانداری همدان",
    officials=[official("فرهاد نیک نام", "شرکت آب منطقه ای همدان")],
    organizations=("شرکت آب و فاضلاب",), places=("همدان",), topics=("water", "agriculture"),
    action_items=[
        action("c1-a1", f"شهرداری{ZWNJ}ها باید طرح روستاها را اجرا کنند", f"شهرداری{ZWNJ}ها", jalali="1402-03-31"),
        action("c1-a2", "بخشداران موظفند گزارش دهند", "بخشداران", topics=()),
    ],
)
C2 = make_record(
    "c2", "برداشت گندم در کرمان",
    "زهرا كريمي گفت: در سال 1401 بيش از ۵۰۰ تن گندم خريداري شد. آبياري نوين نيز گسترش یافت.",  # Arabic ي/ك
    published="2022-07-01", officials=[official("زهرا کریمی", "جهاد کشاورزی استان کرمان")],
    places=("کرمان",), topics=("agriculture",),
    action_items=[action("c2-a1", "کشاورزان باید آبیاری نوین را بکار گیرند", "کشاورزان", jalali="1402-06-31",
                         topics=("agriculture",))],
)
C3 = make_record(
    "c3", "آبیاری نوین در همدان", "رضا نیکزاد گفت: توسعه آبیاری با همکاری بانک کشاورزی ادامه دارد.",
    published="2021-03-15", officials=[official("رضا نیکزاد")], organizations=("بانک کشاورزی",),
    places=("همدان",), topics=("agriculture",),
)
C4 = make_record("c4", "همایش گردشگری در یزد", "در این همایش از جاذبه های تاریخی سخن گفته شد.",
                 places=("یزد",), topics=("tourism",))
C5 = make_record("c5", "واکسن در روستاها", "پوشش واکسن در روستاها به نود درصد رسید.", published="2020-01-20",
                 topics=("health",))
RECORDS = [C1, C2, C3, C4, C5]


def records() -> list[dict[str, Any]]:
    return copy.deepcopy(RECORDS)


class Store:
    """Where one test's backend keeps its data; ``open()`` is one more handle on it."""

    def __init__(self, kind: str, tmp_path: Path, url: str | None = None, prefix: str = SEEDED_PREFIX) -> None:
        self.kind, self.tmp_path, self.url, self.prefix = kind, tmp_path, url, prefix
        self.handles: list[Any] = []

    def open(self) -> Any:
        if self.kind == "embedded":
            from indexer.sqlite import SQLiteBackend

            backend: Any = SQLiteBackend(self.tmp_path / "dastur.db")
        else:
            from indexer.elastic import ElasticBackend

            backend = ElasticBackend(self.url, index_prefix=self.prefix, spool_path=self.tmp_path / "spool.jsonl")
        self.handles.append(backend)
        return backend

    def close(self) -> None:
        for h in self.handles:
            h.close()


def live_prefix() -> str:
    return f"dastur-test-{uuid.uuid4().hex[:8]}"


def drop_live(prefix: str) -> None:
    """Remove a live test's indices and templates."""
    from elasticsearch import Elasticsearch

    from indexer.es_client import connect

    client, _ = connect(ES_URL, client=None)
    assert isinstance(client, Elasticsearch)
    names = list(client.options(ignore_status=404).indices.get_alias(index=f"{prefix}-*").body)
    if names:  # by name: clusters refuse wildcard deletes (action.destructive_requires_name)
        client.indices.delete(index=",".join(n for n in names if n.startswith(prefix)))
    for kind in ("documents", "directives", "audit"):
        client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")
    client.close()
