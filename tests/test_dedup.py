"""Duplicate detection on real releases, the persistent LSH, and counting a release once in search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from extractor.normalize import normalize
from extractor.sources import read_path
from indexer.dedup import (
    NEAR_THRESHOLD,
    band_layout,
    canonical_only_sql,
    create_tables,
    find_exact,
    find_near,
    fingerprint,
    remember,
    similarity,
)
from indexer.sqlite import SQLiteBackend
from tests.crawl_site import near_release

# The seed was published by East Azerbaijan's office «به نقل از» Kermanshah's: this is Kermanshah's own.
QUOTED = ("به گزارش روابط عمومی اداره کل آموزش فنی و حرفه ای استان آذربایجان شرقی "
          "به نقل از روابط عمومی استان کرمانشاه،")
ORIGINAL = "به گزارش روابط عمومی اداره کل آموزش فنی و حرفه ای استان کرمانشاه،"


def sim(a: str, b: str) -> float:
    return similarity(fingerprint(normalize(a)).signature, fingerprint(normalize(b)).signature)


@pytest.fixture(scope="module")
def seed(shared_data: Path) -> str:
    text = (shared_data / "news" / "seed_tvto_kermanshah.txt").read_text(encoding="utf-8")
    assert QUOTED in text
    return text


def test_dedup_republished_release_is_a_near_duplicate(seed: str) -> None:
    kermanshah = seed.replace(QUOTED, ORIGINAL)
    assert sim(seed, kermanshah) >= 0.9
    cut = "\n\n".join([p for p in kermanshah.split("\n\n") if p.strip()][:-1])  # closing paragraph dropped
    assert NEAR_THRESHOLD <= sim(seed, cut) < sim(seed, kermanshah)


def test_dedup_two_releases_of_one_office_are_not_duplicates(seed: str, shared_data: Path) -> None:
    # Same office, same official (پاک سرشت), different events: Kermanshah's council, a Zahedan radio talk.
    other = (shared_data / "news" / "pg17_sbtvto.ir.txt").read_text(encoding="utf-8")
    assert sim(seed, other) < 0.1


def test_dedup_two_captures_of_one_page_are_exact_duplicates(shared_data: Path) -> None:
    live = read_path(shared_data / "html" / "isna_95102918901_citer.html")
    archived = read_path(shared_data / "html" / "isna_95102918901_wayback_citer.html")
    assert live.sha256 != archived.sha256  # different bytes: page chrome, http vs https
    from extractor.pipeline import compose_text

    assert fingerprint(compose_text(live)[0]).sha256 == fingerprint(compose_text(archived)[0]).sha256


def test_dedup_links_a_chain_to_its_root() -> None:
    a, b, c = (" ".join(near_release(office)[1]) for office in ("همدان", "کرمانشاه", "ایلام"))
    c_conn = sqlite3.connect(":memory:")
    create_tables(c_conn)
    remember(c_conn, "A", fingerprint(a), None)
    match_b = find_near(c_conn, fingerprint(b), "B")
    assert match_b is not None and match_b.record_id == "A"
    remember(c_conn, "B", fingerprint(b), match_b.record_id)
    match_c = find_near(c_conn, fingerprint(c), "C")
    assert match_c is not None and match_c.record_id == "A"  # the original, not the copy it resembles
    assert find_near(c_conn, fingerprint("خبری دیگر درباره بودجه عمرانی شهرداری و پروژه‌های حمل و نقل"), "D") is None
    assert find_exact(c_conn, fingerprint(a), "A") is None  # a record is not its own duplicate
    assert find_exact(c_conn, fingerprint(a), "A2") == "A"


def test_dedup_canonical_only_sql_counts_a_release_once(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    backend = SQLiteBackend(db)
    for rid, dup in (("a", None), ("b", "a"), ("c", None)):
        meta = {"duplicate_of": dup} if dup else {}
        backend.upsert({"id": rid, "text": "متن خبر " + rid, "source": {"kind": "text", "metadata": meta}})
    conn = sqlite3.connect(db)  # the backend's schema V2 applied SQLITE_DUPLICATES_MIGRATION
    assert conn.execute("SELECT count(*) FROM pragma_table_xinfo('records') WHERE name = 'duplicate_of'").fetchone()[0]

    def counted() -> list[str]:
        return [r[0] for r in conn.execute(f"SELECT id FROM records r WHERE {canonical_only_sql('r.doc')} "
                                           "ORDER BY id")]

    assert counted() == ["a", "c"]
    backend.delete("a")  # the original is gone: its copy stands for the release again
    assert counted() == ["b", "c"]
    conn.close()
    backend.close()


def test_dedup_remember_replaces_the_bands_of_a_changed_record() -> None:
    conn = sqlite3.connect(":memory:")
    create_tables(conn)
    first, second = (" ".join(near_release(office)[1]) for office in ("همدان", "کرمانشاه"))
    other = "خبری دیگر درباره بودجه عمرانی شهرداری و پروژه‌های حمل و نقل عمومی در سال آینده"
    remember(conn, "A", fingerprint(first), None)
    remember(conn, "A", fingerprint(other), None)  # the page behind A now says something else
    assert find_near(conn, fingerprint(second), "B") is None
    rows = conn.execute("SELECT count(DISTINCT record_id), count(*) FROM backfill_lsh").fetchone()
    assert rows == (1, band_layout()[0])
