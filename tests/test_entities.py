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
