"""Places in the gazetteer: compounds, ambiguous names, datelines. Sentences written for these tests."""

from __future__ import annotations

import pytest

from extractor.engine import analyze
from extractor.normalize import normalize


def places(text: str) -> list[str]:
    return [name for name, _, _ in analyze(normalize(text)).places]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("با اوج‌گیری بیماری، شهرستان آوج آماده است.", ["آوج"]),  # «اوج‌گیری» holds no city
        ("کشاورزان میان‌رودان به تهران رفتند.", ["تهران"]),
        ("مدیران ایران‌ها را دیدند.", ["ایران"]),  # a plural suffix keeps the name
        ("بخشدار بخش مرکزی گفت: طرح در استان مرکزی اجرا می‌شود.", ["مرکزی"]),
        ("بخشدار بخش مرکزی گفت: طرح اجرا می‌شود.", []),  # «بخش» vouches for no province
        ("به گزارش خبرگزاری فارس از سقز، امام جمعه گفت: باید کار کرد.", ["سقز"]),  # dateline
        ("او سقز را دوست دارد.", []),  # an ambiguous name without support
    ],
)
def test_entities_places(text: str, expected: list[str]) -> None:
    assert places(text) == expected


def record(text: str) -> dict:
    from extractor.pipeline import extract_text

    return extract_text(text, path="entities.txt").to_dict()


@pytest.mark.parametrize(
    ("lead", "agency"),
    [
        ("به گزارش خبرنگار ورزشی خبرگزاری مهر، جلسه برگزار شد.", "خبرگزاری مهر"),  # a desk, then its agency
        ("به گزارش روابط عمومی اداره کل بهزیستی استان یزد، جلسه برگزار شد.",
         "روابط عمومی اداره کل بهزیستی استان یزد"),
        # no comma after the agency: it ends where the official is named
        ("به گزارش خبرنگار حوزه دولت خبرگزاری مهر علی کاظمی وزیر کشور درباره جلسه سخن گفت.", "خبرگزاری مهر"),
    ],
)
def test_entities_agency(lead: str, agency: str) -> None:
    assert record(lead)["agency"] == agency


def test_entities_names_keep_the_preposition_their_noun_takes() -> None:
    rec = record("جلسه ستاد مبارزه با مواد مخدر شهرستان ماکو برگزار شد. مراسم تجلیل از بازنشستگان آغاز شد.")
    assert [e["name"] for e in rec["events"]] == ["جلسه ستاد مبارزه با مواد مخدر شهرستان ماکو",
                                                 "مراسم تجلیل از بازنشستگان"]
    assert [o["name"] for o in rec["organizations"]] == ["ستاد مبارزه با مواد مخدر شهرستان ماکو"]


def test_entities_street_and_school_names_are_no_places() -> None:
    assert places("دانش‌آموزان دبیرستان البرز در خیابان تهران و میدان کرمان جمع شدند.") == []
    assert places("دانش‌آموزان البرز در تهران جمع شدند.") == ["البرز", "تهران"]


def test_entities_agency_in_quotes_is_named_without_them() -> None:
    assert record("به گزارش «ورزش سه»، تیم ملی آماده شد و مربی گفت: باید تمرین کنیم.")["agency"] == "ورزش سه"


@pytest.mark.parametrize(
    ("text", "events"),
    [
        ("مراسم گرامیداشت روز ملی آتش‌نشانی برگزار شد.", ["مراسم گرامیداشت روز ملی آتش\u200cنشانی"]),
        ("به مناسبت روز خبرنگار از اصحاب رسانه تجلیل شد.", ["روز خبرنگار"]),
        ("جلسه شورای اداری روز دوشنبه برگزار شد.", ["جلسه شورای اداری"]),  # a weekday is no part of it
    ],
)
def test_entities_events(text: str, events: list[str]) -> None:
    assert [e["name"] for e in record(text)["events"]] == events
