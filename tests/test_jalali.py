"""Jalali dates: finding them in Persian text and parsing user input."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.jalali import date_from_name, expand_year, find_dates, parse_date


@pytest.mark.parametrize(
    ("text", "jalali", "gregorian"),
    [
        ("۱۲ مرداد ۱۴۰۲", "1402-05-12", "2023-08-03"),
        ("۲۴ دی‌ماه ۹۸", "1398-10-24", "2020-01-14"),
        ("24 دیماه 98", "1398-10-24", "2020-01-14"),
        ("17 مردادماه سال 95", "1395-05-17", "2016-08-07"),
        ("1398/10/24", "1398-10-24", "2020-01-14"),
        ("۱۴۰۲/۰۵/۱۲", "1402-05-12", "2023-08-03"),
        ("فروردین ۱۴۰۰", "1400-01-00", None),
        ("۱ فروردین ۱۴۰۳", "1403-01-01", "2024-03-20"),
    ],
)
def test_jalali_finds_dates(text: str, jalali: str, gregorian: str | None) -> None:
    found = find_dates(f"جلسه در {text} برگزار شد")
    assert [(d.jalali, d.gregorian) for d in found] == [(jalali, gregorian)]
    assert found[0].text == text


def test_jalali_gregorian_text_dates_have_no_jalali() -> None:
    found = find_dates("در ۱۴ ژانویه ۲۰۲۰ و 2020/01/14")
    assert [(d.jalali, d.gregorian) for d in found] == [(None, "2020-01-14"), (None, "2020-01-14")]


@pytest.mark.parametrize("text", ["۳۲ مرداد ۱۴۰۲", "1402/13/01", "تیر ماه", "مهر و موم شد", "۱۲ نفر در ۱۴۰۲"])
def test_jalali_rejects_non_dates(text: str) -> None:
    assert find_dates(text) == []


def test_jalali_spans_point_into_text() -> None:
    text = "در تاریخ ۱۲ مرداد ۱۴۰۲ و 1398/10/24 گفت"
    for d in find_dates(text):
        assert text[d.span[0] : d.span[1]] == d.text


@pytest.mark.parametrize(("two", "four"), [(98, 1398), (2, 1402), (42, 1342), (50, 1350), (1402, 1402)])
def test_jalali_expands_two_digit_years(two: int, four: int) -> None:
    assert expand_year(two) == four


@pytest.mark.parametrize(
    ("value", "date"),
    [("1402/05/12", dt.date(2023, 8, 3)), ("۱۴۰۲-۰۵-۱۲", dt.date(2023, 8, 3)), ("2023-08-03", dt.date(2023, 8, 3)),
     ("۱۲ مرداد ۱۴۰۲", dt.date(2023, 8, 3))],
)
def test_jalali_parse_date_accepts_jalali_and_iso(value: str, date: dt.date) -> None:
    assert parse_date(value) == date


@pytest.mark.parametrize("value", ["tomorrow", "1402/13/40", ""])
def test_jalali_parse_date_rejects_garbage(value: str) -> None:
    with pytest.raises(ValueError, match="Jalali"):
        parse_date(value)


def test_jalali_year_alone_after_sal() -> None:
    assert [(d.text, d.jalali) for d in find_dates("در سال ۸۶ و سال 1402 آغاز شد")] == [
        ("سال ۸۶", "1386-00-00"), ("سال 1402", "1402-00-00")]


def test_jalali_day_month_needs_the_documents_year() -> None:
    assert find_dates("جلسه ۱۷ مرداد برگزار شد") == []
    [d] = find_dates("جلسه ۱۷ مرداد برگزار شد", default_year=1391)
    assert (d.jalali, d.gregorian) == ("1391-05-17", "2012-08-07")


@pytest.mark.parametrize(
    ("name", "stamp"),
    [
        ("fars_13910517001191.txt", "1391/05/17"),  # a Fars news id: the Jalali day, then a counter
        ("https://www.isna.ir/news/1402051209876/", "1402/05/12"),
        ("https://www.tasnimnews.com/fa/news/1402/05/12/2934/title", "1402/05/12"),
        ("https://example.ir/2023/08/03/release", "2023-08-03"),
        ("mehr_5848383.txt", None),  # a plain counter carries no date
        ("https://www.irna.ir/news/85190283/", None),
        ("report_13911317001191.txt", None),  # month 13
        ("1391051700.txt", None),  # too short for a dated id
    ],
)
def test_jalali_date_from_name(name: str, stamp: str | None) -> None:
    assert date_from_name(name, today=dt.date(2026, 1, 1)) == stamp


def test_jalali_date_from_name_ignores_the_future() -> None:
    assert date_from_name("news_14100101000123.txt", today=dt.date(2026, 1, 1)) is None
    assert date_from_name("https://x.ir/2031/01/02/a", today=dt.date(2026, 1, 1)) is None


def test_jalali_day_month_takes_the_year_of_its_sentence() -> None:
    text = "در سال ۷۸ حادثه ۱۸ تیر رخ داد. امسال ۲۰ تیر جلسه‌ای برگزار شد."
    assert [(d.text, d.jalali) for d in find_dates(text, default_year=1398)] == [
        ("سال ۷۸", "1378-00-00"), ("۱۸ تیر", "1378-04-18"), ("۲۰ تیر", "1398-04-20")]


@pytest.mark.parametrize(
    ("text", "qamari"),
    [
        ("جشن در ۱۵ شعبان ۱۴۴۴ برگزار شد", "1444-08-15"),
        ("۱۳ رجب سال ۱۴۴۴", "1444-07-13"),
        ("۱۵ ذی‌الحجه ۱۴۴۰", "1440-12-15"),
        ("۱۵ ذی الحجه ۱۴۴۰", "1440-12-15"),
    ],
)
def test_jalali_lunar_hijri_dates_carry_qamari_not_jalali(text: str, qamari: str) -> None:
    [d] = find_dates(text)
    assert (d.jalali, d.gregorian, d.qamari) == (None, None, qamari)
    assert list(d.to_dict()) == ["text", "jalali", "gregorian", "qamari", "span", "rule"]


def test_jalali_lunar_month_words_alone_are_no_dates() -> None:
    assert find_dates("دمای هوا به صفر درجه رسید و ماه رمضان آغاز شد") == []
