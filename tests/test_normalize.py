"""Normalization: hazm's fixes, with dates, numbers, URLs and e-mails kept as written."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.normalize import fold, normalize

PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكۀةآأ "
DIGITS = "0123456789۰۱۲۳۴۵۶۷۸۹"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مديركل", "مدیرکل"),  # Arabic ي/ك
        ("مي شود", "می\u200cشود"),  # ZWNJ after the verb prefix
        ("دستگاه هاي", "دستگاه\u200cهای"),
    ],
)
def test_normalize_fixes_persian(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "token",
    ["1402/05/12", "۱۴۰۲/۰۵/۱۲", "1398-10-24", "a.b@x.ir", "info@tvto.ir", "https://www.tvto.ir/news/12?id=5",
     "12.5", "1,200", "۵۰", "50%"],
)
def test_normalize_keeps_protected_tokens(token: str) -> None:
    out = normalize(f"در تاریخ {token} اعلام شد")
    assert token in out


def test_normalize_keeps_paragraphs() -> None:
    assert normalize("سلام\n\n\nدنیا") == "سلام\n\nدنیا"


words = st.text(alphabet=PERSIAN + DIGITS + ".,:/@-\u200c\n", min_size=0, max_size=60)
dates = st.builds(lambda y, m, d: f"{y}/{m:02d}/{d:02d}", st.integers(1300, 1499), st.integers(1, 12),
                  st.integers(1, 29))
urls = st.builds(lambda a, b: f"https://{a}.ir/{b}", st.from_regex(r"[a-z]{2,8}", fullmatch=True),
                 st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=150, deadline=None)
@given(words, dates, urls, words)
def test_normalize_preserves_dates_and_urls(before: str, date: str, url: str, after: str) -> None:
    out = normalize(f"{before} {date} و {url} {after}")
    assert date in out
    assert url in out


@settings(max_examples=150, deadline=None)
@given(words)
def test_normalize_preserves_digit_sequence(text: str) -> None:
    digits = [c for c in text if c in DIGITS]
    assert [c for c in normalize(text) if c in DIGITS] == digits


@pytest.mark.parametrize(
    ("a", "b"),
    [("مديركل", "مدیرکل"), ("۱۴۰۲", "1402"), ("دستگاه\u200cهای", "دستگاه های"), ("٪۵۰", "%50")],
)
def test_fold_makes_variants_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_drops_diacritics_and_collapses_space() -> None:
    assert fold("  سَلام   دنیا ") == "سلام دنیا"
    assert not re.search("[\u064b-\u065f]", fold("مُدیر"))


def test_normalize_shared_across_threads_gives_same_results() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from extractor.nlp import token_offsets
    from tests.conftest import SEED

    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()] * 4
    expected = [(normalize(p), token_offsets(normalize(p))) for p in paragraphs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda p: (normalize(p), token_offsets(normalize(p))), paragraphs))
    assert got == expected
