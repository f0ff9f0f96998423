"""Follow-up linking on invented releases: a later release reports progress on an earlier directive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.followups import (
    MIN_TEXT,
    THRESHOLD,
    accept_followup,
    cosine,
    features,
    followups_for_directive,
    suggest_followups,
)
from indexer.sqlite import SQLiteBackend
from tests.test_cli import run

ORDER = (  # the governor orders a bridge finished and a detour prepared
    "استاندار کرمانشاه: ساخت پل ورودی شهر باید تا پایان شهریور تمام شود\n\n"
    "به گزارش روابط عمومی استانداری کرمانشاه، محمد احمدی استاندار کرمانشاه روز ۱۰ اردیبهشت ۱۴۰۲ در بازدید از "
    "پروژه پل ورودی شهر کرمانشاه گفت: اداره کل راه و شهرسازی استان باید ساخت پل ورودی شهر را تا پایان شهریور "
    "۱۴۰۲ به پایان برساند.\n\n"
    "وی افزود: شهرداری کرمانشاه موظف است مسیر جایگزین ترافیک را در مدت اجرای پروژه آماده کند.\n"
)
PROGRESS = (  # months later: the same governor reports on the bridge
    "پیشرفت ۸۰ درصدی پل ورودی شهر کرمانشاه\n\n"
    "به گزارش روابط عمومی استانداری کرمانشاه، محمد احمدی استاندار کرمانشاه روز ۲۰ مرداد ۱۴۰۲ در بازدید دوباره "
    "از پروژه پل ورودی شهر گفت: ساخت پل ورودی شهر با پیگیری اداره کل راه و شهرسازی استان به ۸۰ درصد پیشرفت "
    "فیزیکی رسیده است.\n\n"
    "وی افزود: این پل تا پایان شهریور به بهره\u200cبرداری می\u200cرسد و مسیر جایگزین ترافیک نیز آماده شده است.\n"
)
UNRELATED = (  # the same governor, the same weeks, another subject
    "استاندار کرمانشاه: اشتغال جوانان اولویت نخست استان است\n\n"
    "به گزارش روابط عمومی استانداری کرمانشاه، محمد احمدی استاندار کرمانشاه روز ۲۵ مرداد ۱۴۰۲ در جلسه شورای "
    "اشتغال استان گفت: اداره کل تعاون، کار و رفاه اجتماعی باید تا پایان سال برای ده هزار نفر از جوانان شغل "
    "ایجاد کند.\n\n"
    "وی افزود: بانک\u200cها موظفند تسهیلات اشتغال را بدون تأخیر پرداخت کنند.\n"
)


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    from extractor.pipeline import extract_text

    return {name: extract_text(text, path=f"{name}.txt").to_dict()
            for name, text in (("order", ORDER), ("progress", PROGRESS), ("unrelated", UNRELATED))}


@pytest.fixture()
def backend(records: dict[str, dict]):
    with SQLiteBackend(":memory:") as b:
        b.upsert_many(records.values())
        yield b


def bridge_directive(records: dict[str, dict]) -> str:
    return next(a["id"] for a in records["order"]["action_items"] if a["text"].startswith("اداره کل راه"))


def test_followups_features_are_folded_word_ngrams_without_stop_words() -> None:
    grams = features("ساخت پل\u200cها در استان باید سریع شود")
    assert {"ساخت", "پل", "ساخت پل", "سریع"} <= set(grams) and "در" not in grams and "ها" not in grams
    same = features("ساخت پل ورودی")
    assert cosine({k: 1.0 for k in same}, {k: 1.0 for k in same}) == pytest.approx(len(same))


def test_followups_later_release_suggested_for_earlier_directive(backend: SQLiteBackend,
                                                                records: dict[str, dict]) -> None:
    found = suggest_followups(backend, records["progress"])
    did = bridge_directive(records)
    assert found and found[0].directive_id == did
    best = found[0]
    assert best.score >= THRESHOLD and best.parts["text"] >= MIN_TEXT
    assert best.parts["official"] == 1.0 and best.parts["organization"] == 1.0 and best.parts["progress"] == 1.0
    assert all(s.directive_id in {a["id"] for a in records["order"]["action_items"]} for s in found)


def test_followups_same_official_other_subject_is_not_suggested(backend: SQLiteBackend,
                                                               records: dict[str, dict]) -> None:
    bridge = {a["id"] for a in records["order"]["action_items"]}
    assert not bridge & {s.directive_id for s in suggest_followups(backend, records["unrelated"])}
    employment = [a["id"] for a in records["unrelated"]["action_items"]]
    assert employment and all(not followups_for_directive(backend, d) for d in employment)


def test_followups_for_directive_finds_the_progress_release(backend: SQLiteBackend,
                                                            records: dict[str, dict]) -> None:
    found = followups_for_directive(backend, bridge_directive(records))
    assert [s.record_id for s in found] == [records["progress"]["id"]]
    assert "پیشرفت" in found[0].passage


def test_followups_accepted_link_is_evidence_in_the_audit_trail(backend: SQLiteBackend,
                                                                records: dict[str, dict]) -> None:
    did, rid = bridge_directive(records), records["progress"]["id"]
    d = accept_followup(backend, did, rid, "مریم")
    assert d["evidence"][0]["url"] == f"record:{rid}" and d["evidence"][0]["kind"] == "followup"
    assert backend.directive_history(did)[-1]["new"] == f"record:{rid}"


def test_followups_cli_lists_and_accepts(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    for name, text in (("order", ORDER), ("progress", PROGRESS)):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    assert run("ingest", str(tmp_path / "order.txt"), str(tmp_path / "progress.txt"), db=db).exit_code == 0
    did = next(d["id"] for d in json.loads(run("directives", "list", "--json", db=db).stdout)
               if d["text"].startswith("اداره کل راه"))
    listed = run("directives", "followups", did, db=db)
    assert listed.exit_code == 0 and listed.stdout.startswith("1 suggested follow-up(s)")
    rid = json.loads(run("directives", "followups", did, "--json", db=db).stdout)[0]["record_id"]
    accepted = run("directives", "followups", did, "--accept", rid, "--who", "مریم", db=db)
    assert accepted.exit_code == 0 and f"record:{rid}" in accepted.stdout
