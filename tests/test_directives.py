"""Action items and priorities on invented sentences: cues, actors, deadlines, ranks."""

from __future__ import annotations

import pytest

from extractor.pipeline import extract_text

HEAD = "استاندار کرمانشاه در جلسه شورای اداری استان گفت: "


def items(body: str) -> list[dict]:
    return extract_text(HEAD + body, path="t.txt").to_dict()["action_items"]


@pytest.mark.parametrize(
    ("body", "deadline", "jalali"),
    [
        ("همه دستگاه‌ها باید تا پایان سال گزارش بدهند.", "تا پایان سال", None),
        ("فرمانداران موظفند ظرف ۱۰ روز آینده طرح‌ها را ارسال کنند.", "ظرف ۱۰ روز آینده", None),
        ("شهرداری‌ها باید حداکثر تا ۱۵ اسفند ۱۴۰۲ پروژه را تحویل دهند.", "۱۵ اسفند ۱۴۰۲", "1402-12-15"),
        ("مدیران باید گزارش عملکرد را ارائه کنند.", None, None),
    ],
)
def test_directives_deadline(body: str, deadline: str | None, jalali: str | None) -> None:
    [item] = items(body)
    if deadline is None:
        assert item["deadline"] is None
    else:
        assert item["deadline"]["text"] == deadline
        assert item["deadline"]["jalali"] == jalali


@pytest.mark.parametrize(
    ("body", "actor"),
    [
        ("شهرداران باید این طرح را در اولویت برنامه‌های خود قرار بدهند.", "شهرداران"),
        ("باید این طرح را در اولویت قرار دهیم.", "ما"),
        ("لازم است تا سایر دستگاه‌های اجرایی نیز همکاری کنند.", "سایر دستگاه‌های اجرایی"),
        ("از مردم خواست در مصرف آب صرفه‌جویی کنند.", "مردم"),
        ("ارتقای کیفیت خدمات باید در اولویت قرار گیرد.", None),
        ("وی خواستار همکاری هر چه بیشتر بانک‌های استان با مجریان طرح‌ها شد.", "بانک‌های استان"),
        ("کسانی که بی‌اطلاع هستند باید قوانین را بدانند.", "کسانی که بی‌اطلاع هستند"),
        ("بسیج به‌عنوان یک نهاد مردمی باید در خدمت مردم باشد.", "بسیج"),
        ("همه شما باید در ترویج این فرهنگ تلاش کنید.", "شما"),
    ],
)
def test_directives_actor(body: str, actor: str | None) -> None:
    [item] = items(body)
    assert item["actor"] == actor


@pytest.mark.parametrize(
    "body",
    ["این طرح سال گذشته اجرا شد.", "آیا دستگاه‌ها باید گزارش بدهند؟", "استان کرمانشاه ۱۴ شهرستان دارد."],
)
def test_directives_no_action_item(body: str) -> None:
    assert items(body) == []


def test_directives_description_before_directive_is_cut_off() -> None:
    [item] = items("دفاع مقدس ملت را سربلند کرد و این افتخارات باید حفظ شود.")
    assert item["text"] == "این افتخارات باید حفظ شود"


def test_directives_priority_rank_and_cue() -> None:
    rec = extract_text(HEAD + "اولین اولویت ما اشتغال جوانان است. دومین برنامه ما توسعه گردشگری است.",
                       path="t.txt").to_dict()
    ranks = sorted(p["rank"] for p in rec["priorities"] if p["rank"])
    assert ranks == [1, 2]


def test_dates_named_places_are_not_dates() -> None:
    from extractor.engine import analyze

    a = analyze("دیدار دو تیم روز ۱۷ مرداد در مجموعه ورزشی ۱۷ شهریور آبادان و میدان ۱۵ خرداد برگزار شد.",
                published_year=1394)
    assert [d["text"] for d in a.dates] == ["۱۷ مرداد"]


def test_places_are_named_as_first_written() -> None:
    from extractor.engine import analyze

    text = "مدیرکل بهزیستی آذربایجانغربی در ارومیه گفت: استان آذربایجان غربی رتبه نخست را دارد."
    a = analyze(text)
    [(name, kind, spans)] = [p for p in a.places if p[1] == "province"]
    assert (name, kind, [text[s:e] for s, e in spans]) == (
        "آذربایجانغربی", "province", ["آذربایجانغربی", "آذربایجان غربی"])
