"""The embedded backend: records, Persian search, filters, facets, snippets and directive tracking.

The records below are invented for these tests, in the Record format of DESIGN.md.
ZWNJ is written as "\\u200c" so that it can be seen.
"""

from __future__ import annotations

import copy
import datetime as dt
import sqlite3
import threading
from typing import Any

import pytest

from extractor.errors import BackendError
from indexer import open_backend
from indexer.base import Backend, DirectiveQuery, SearchQuery
from indexer.errors import ConflictError, InvalidChange, NotFound
from indexer.snippets import query_terms, snippet
from indexer.sqlite import SQLiteBackend
from indexer.sqlite_query import match_expression
from indexer.sqlite_schema import SCHEMA_VERSION
from indexer.tracking import is_overdue, jalali_to_iso
from tests.backend_fixtures import make_record

ZWNJ = "\u200c"


def action(aid: str, text: str, actor: str | None, *, jalali: str | None = None, issuer: str | None = "o1",
           topics: tuple[str, ...] = ("employment",)) -> dict[str, Any]:
    deadline = {"text": "تا پایان سال", "jalali": jalali} if jalali else None
    return {"id": aid, "text": text, "modality": "باید", "actor": actor, "action": text, "deadline": deadline,
            "issuer": issuer, "topics": list(topics), "span": [0, len(text)], "rule": "test"}


R1 = make_record(
    "r1", "ششمین جلسه شورای اشتغال استان کرمانشاه",
    f"دکتر سلیمان پاک{ZWNJ}سرشت، مدیرکل امور اشتغال، گفت: دستگاه{ZWNJ}های اجرایی باید تا پایان اسفند "
    "گزارش ۸۶ طرح کارآفرینی را ارائه کنند. فرمانداران موظفند پیگیری کنند. "
    "این جلسه با حضور <script>alert(1)</script> نمایندگان بانک & صندوق برگزار شد.",
    published="2023-08-03", agency="روابط عمومی استانداری کرمانشاه",
    officials=[{"id": "o1", "name": "سلیمان پاک سرشت", "honorific": "دکتر", "titles": ["مدیرکل"],
                "organization": "سازمان آموزش فنی و حرفه ای کشور", "mentions": [], "rule": "test"}],
    organizations=("سازمان بهزیستی",), places=("کرمانشاه",), topics=("employment", "welfare"),
    action_items=[
        action("r1-a1", f"دستگاه{ZWNJ}های اجرایی باید گزارش طرح ها را ارائه کنند", f"دستگاه{ZWNJ}های اجرایی",
               jalali="1402-12-29"),
        action("r1-a2", "فرمانداران موظفند پیگیری کنند", "فرمانداران", topics=()),
    ],
)
R2 = make_record(
    "r2", "آموزش فنی و حرفه ای در تبریز",
    "محمد رضایی گفت: در سال 1402 بیش از ۳۰۰ نفر در دوره های اشتغال آموزش دیدند. "
    "طرح كارآفريني روستایی نیز اجرا شد.",  # Arabic ي and ك, as an unnormalized source would have them
    published="2022-01-10",
    officials=[{"id": "o1", "name": "محمد رضایی", "honorific": None, "titles": [], "mentions": [],
                "rule": "test", "organization": "اداره کل آموزش فنی و حرفه ای آذربایجان شرقی"}],
    places=("تبریز",), topics=("education",),
    action_items=[action("r2-a1", "ادارات باید دوره های جدید برگزار کنند", "ادارات", jalali="1403-01-15",
                         topics=("education",))],
)
R3 = make_record(
    "r3", "کارآفرینی و اشتغال در کرمانشاه",
    "علی پاکزاد گفت: اشتغال جوانان با کمک بانک کشاورزی دنبال می شود.",
    published="2021-05-01", officials=[{"id": "o1", "name": "علی پاکزاد", "organization": None}],
    organizations=("بانک کشاورزی",), places=("کرمانشاه",), topics=("employment",),
)
R4 = make_record("r4", "نشست خبری در همدان", "در این نشست درباره گردشگری سخن گفته شد.", places=("همدان",),
                 topics=("tourism",))
R5 = make_record("r5", "واکسیناسیون در شهرستان", "پوشش واکسن در شهرستان به نود درصد رسید.",
                 published="2020-04-30", topics=("health",))
RECORDS = [R1, R2, R3, R4, R5]


@pytest.fixture
def backend():
    with SQLiteBackend(memory=True) as b:
        assert b.upsert_many(copy.deepcopy(RECORDS)) == {"created": 5, "updated": 0, "unchanged": 0}
        yield b


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def table_counts(b: SQLiteBackend) -> dict[str, int]:
    tables = ("records", "records_fts", "facets", "directives", "directive_audit")
    return {t: b._conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


# --- records ------------------------------------------------------------------

def test_sqlite_backend_implements_protocol(backend):
    assert isinstance(backend, Backend)
    assert backend.name == "embedded"


def test_sqlite_upsert_reports_created_updated_unchanged():
    with SQLiteBackend(":memory:") as b:
        rec = copy.deepcopy(R3)
        assert b.upsert(rec) == "created"
        assert b.upsert(copy.deepcopy(rec)) == "unchanged"
        assert b.upsert(dict(reversed(list(rec.items())))) == "unchanged"  # key order does not matter
        rec["title"] = "عنوان تازه"
        assert b.upsert(rec) == "updated"
        assert b.get("r3")["title"] == "عنوان تازه"
        assert b.count() == 1


def test_sqlite_reingest_never_duplicates(backend):
    before = table_counts(backend)
    assert backend.upsert_many(copy.deepcopy(RECORDS))["unchanged"] == 5
    changed = copy.deepcopy(R1)
    changed["text"] += " متن افزوده."
    assert [backend.upsert(copy.deepcopy(changed)) for _ in range(2)] == ["updated", "unchanged"]
    after = table_counts(backend)
    assert {k: after[k] for k in ("records", "records_fts", "facets", "directives")} == \
           {k: before[k] for k in ("records", "records_fts", "facets", "directives")}
    assert backend.search(SearchQuery(text="افزوده")).total == 1


def test_sqlite_get_delete_iter(backend):
    assert backend.get("nope") is None
    assert [r["id"] for r in backend.iter_records()] == ["r1", "r2", "r3", "r4", "r5"]
    history_before = len(backend.directive_history("r1-a1"))
    facets_before = table_counts(backend)["facets"]
    r1_facets = backend._conn.execute(
        "SELECT count(*) FROM facets JOIN records USING (doc) WHERE id = 'r1'").fetchone()[0]
    assert backend.delete("r1") is True
    assert backend.delete("r1") is False
    assert backend.count() == 4
    assert backend.search(SearchQuery(text="پاک سرشت")).total == 0
    assert backend.get_directive("r1-a1") is None
    history = backend.directive_history("r1-a1")  # the audit log outlives the record
    assert len(history) == history_before + 1 and history[-1]["field"] == "deleted"
    assert r1_facets > 0 and table_counts(backend)["facets"] == facets_before - r1_facets


@pytest.mark.parametrize("where", ["new record", "existing record"])
def test_sqlite_crash_mid_upsert_leaves_nothing_half_written(backend, monkeypatch, where):
    before = table_counts(backend)
    rec = copy.deepcopy(R2)
    if where == "new record":
        rec["id"] = "r9"
    rec["text"] += " واژه‌ای یکتا برای آزمون"

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SQLiteBackend, "_sync_directives", boom)  # after records, FTS and facets are written
    with pytest.raises(RuntimeError):
        backend.upsert(rec)
    assert table_counts(backend) == before
    assert backend.get("r2") == R2
    assert backend.search(SearchQuery(text="یکتا")).total == 0


def test_sqlite_upsert_many_commits_records_before_a_bad_one():
    with SQLiteBackend(memory=True) as b:
        with pytest.raises(BackendError, match="has no string 'id'"):
            b.upsert_many([copy.deepcopy(R1), {"title": "بی شناسه"}, copy.deepcopy(R2)])
        assert b.count() == 1 and b.get("r1") is not None


def test_sqlite_file_db_is_wal_versioned_and_persists(tmp_path):
    path = tmp_path / "sub" / "dastur.db"
    with SQLiteBackend(path) as b:
        b.upsert(copy.deepcopy(R1))
        b.update_directive("r1-a1", {"status": "in_progress"}, who="مریم")
        assert b._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert b._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with SQLiteBackend(str(path)) as b:
        assert b._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert b.count() == 1
        assert b.get_directive("r1-a1")["status"] == "in_progress"


def test_sqlite_refuses_newer_schema_and_foreign_files(tmp_path):
    newer = tmp_path / "newer.db"
    sqlite3.connect(newer).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}").connection.close()
    with pytest.raises(BackendError, match="newer dastur"):
        SQLiteBackend(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(BackendError, match="cannot be opened"):
        SQLiteBackend(junk)


def test_sqlite_is_usable_from_several_threads(tmp_path, monkeypatch):
    # hazm builds one Normalizer per thread (seconds each); this test is about the backend's locking.
    for module in ("indexer.snippets", "indexer.sqlite_query"):
        monkeypatch.setattr(f"{module}.normalize", lambda text: text)
    errors: list[BaseException] = []
    with SQLiteBackend(tmp_path / "t.db") as b:
        def work(n: int) -> None:
            try:
                for i in range(20):
                    b.upsert(make_record(f"t{n}-{i}", "اشتغال", f"متن شماره {i} از رشته {n}"))
                    assert b.search(SearchQuery(text="اشتغال", place="x")).total == 0
                    assert b.search(SearchQuery(text="اشتغال")).hits
                    b.list_directives(DirectiveQuery())
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert b.count() == 80


@pytest.mark.parametrize("kind", ["embedded", "sqlite", "Embedded"])
def test_sqlite_open_backend_uses_dastur_db(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("DASTUR_DB", str(tmp_path / "env.db"))
    with open_backend(kind) as b:
        assert isinstance(b, SQLiteBackend) and b.path == str(tmp_path / "env.db")
    with open_backend(kind, db=":memory:") as b:
        assert b.path == ":memory:"


@pytest.mark.parametrize("kind", ["solr", ""])
def test_sqlite_open_backend_unknown_kinds(kind):
    with pytest.raises(BackendError, match="unknown"):
        open_backend(kind, db=":memory:")


# --- search -----------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("مدیرکل", ["r1"]),
    ("مديركل", ["r1"]),  # Arabic ي and ك
    ("كارآفريني", ["r1", "r2", "r3"]),
    ("کارآفرینی", ["r1", "r2", "r3"]),  # the index folded R2's Arabic letters
    (f"دستگاه{ZWNJ}های", ["r1"]),
    ("دستگاه های", ["r1"]),  # space instead of ZWNJ
    (f"پاک{ZWNJ}سرشت", ["r1"]),
    ("86", ["r1"]),  # R1 writes ۸۶
    ("۸۶", ["r1"]),
    ("۱۴۰۲", ["r2"]),  # R2 writes 1402
    ("1402", ["r2"]),
    ("پاک*", ["r1", "r3"]),  # prefix: پاک and پاکزاد
])
def test_sqlite_normalization_variants_find_the_same_docs(backend, query, expected):
    assert sorted(ids(backend.search(SearchQuery(text=query)))) == expected


@pytest.mark.parametrize("query", [
    '"', "*", "OR", "(", ")", "AND", "NOT", "NEAR(a b)", "title:اشتغال", "^اشتغال", '"اشتغال', "اشتغال OR",
    "-اشتغال", "{title body}", "'", "\\", "اشتغال (", "*اشتغال", "a\"b", "\u200c", "؟!،"])
def test_sqlite_fts_syntax_in_queries_never_crashes(backend, query):
    result = backend.search(SearchQuery(text=query))
    assert result.total == len(result.hits) or result.total > len(result.hits)


@pytest.mark.parametrize("query", ["(اشتغال", '"اشتغال"', "اشتغال)"])
def test_sqlite_punctuation_around_words_is_ignored(backend, query):
    assert sorted(ids(backend.search(SearchQuery(text=query)))) == ["r1", "r2", "r3"]


@pytest.mark.parametrize("text, expression", [
    ("کرمانشاه", '"کرمانشاه"'),
    ('کرمانشاه "x', '"کرمانشاه" AND "x"'),
    ("12.5 درصد", '"12 5" AND "درصد"'),
    ("مدیر*", '"مدیر"*'),
    ("( OR ) *", '"or"'),
    ('" ( *', None),
])
def test_sqlite_match_expression_quotes_every_term(text, expression):
    assert match_expression(query_terms(text)) == expression


@pytest.mark.parametrize("filters, expected", [
    ({"official": "پاک سرشت"}, ["r1"]),
    ({"official": "سلیمان پاک سرشت"}, ["r1"]),
    ({"official": "پاک"}, ["r1"]),  # a whole token: not علی پاکزاد
    ({"official": "رضایی"}, ["r2"]),
    ({"org": "سازمان بهزیستی"}, ["r1"]),  # organizations
    ({"org": "آموزش فنی و حرفه ای آذربایجان شرقی"}, ["r2"]),  # an official's organization
    ({"org": "استانداری کرمانشاه"}, ["r1"]),  # the agency
    ({"org": "بانک کشاورزی"}, ["r3"]),
    ({"place": "کرمانشاه"}, ["r1", "r3"]),
    ({"place": "كرمانشاه"}, ["r1", "r3"]),  # Arabic ک
    ({"place": "کرمان"}, []),  # not a whole token
    ({"place": "تبریز"}, ["r2"]),
    ({"topic": "employment"}, ["r1", "r3"]),
    ({"topic": "employment", "place": "کرمانشاه", "official": "پاکزاد"}, ["r3"]),
])
def test_sqlite_filters(backend, filters, expected):
    assert sorted(ids(backend.search(SearchQuery(**filters)))) == expected
    with_text = backend.search(SearchQuery(text="گفت", **filters))
    assert sorted(ids(with_text)) == [i for i in expected if i != "r5"]


@pytest.mark.parametrize("since, until, expected", [
    (dt.date(2022, 1, 1), None, ["r1", "r2"]),
    (None, dt.date(2022, 1, 10), ["r2", "r3", "r5"]),  # until is inclusive
    (dt.date(2021, 1, 1), dt.date(2022, 12, 31), ["r2", "r3"]),
    (dt.date(2030, 1, 1), None, []),
])
def test_sqlite_since_until_on_published_date(backend, since, until, expected):
    assert sorted(ids(backend.search(SearchQuery(since=since, until=until)))) == expected


def test_sqlite_empty_query_lists_by_date_newest_first_undated_last(backend):
    result = backend.search(SearchQuery())
    assert ids(result) == ["r1", "r2", "r3", "r5", "r4"]
    assert result.total == 5 and all(h.score == 0.0 for h in result.hits)


@pytest.mark.parametrize("sort, expected", [("relevance", ["r3", "r1"]), ("date", ["r1", "r3"])])
def test_sqlite_sort_relevance_weights_title(backend, sort, expected):
    # «کارآفرینی» is in R3's title and R1's body (and R2's body, filtered out by place)
    result = backend.search(SearchQuery(text="کارآفرینی", place="کرمانشاه", sort=sort))
    assert ids(result) == expected


def test_sqlite_bad_sort_is_an_error(backend):
    with pytest.raises(BackendError, match="sort"):
        backend.search(SearchQuery(text="اشتغال", sort="random"))


def test_sqlite_paging_and_total(backend):
    pages = [backend.search(SearchQuery(text="اشتغال", limit=1, offset=i, sort="date")) for i in range(4)]
    assert [p.total for p in pages] == [3, 3, 3, 3]
    assert [ids(p) for p in pages] == [["r1"], ["r2"], ["r3"], []]


def test_sqlite_facets_count_the_whole_matched_set(backend):
    result = backend.search(SearchQuery(text="اشتغال", limit=1))
    assert result.total == 3 and len(result.hits) == 1
    assert result.facets["place"] == [("کرمانشاه", 2), ("تبریز", 1)]
    assert result.facets["topic"][0] == ("employment", 2)
    assert dict(result.facets["topic"]) == {"employment": 2, "welfare": 1, "education": 1}
    organizations = dict(result.facets["organization"])
    assert organizations["سازمان بهزیستی"] == 1
    assert "روابط عمومی استانداری کرمانشاه" not in organizations  # the agency filters, it is no facet
    assert dict(result.facets["official"]) == {"سلیمان پاک سرشت": 1, "محمد رضایی": 1, "علی پاکزاد": 1}
    assert backend.search(SearchQuery(text="اشتغال", facets=False)).facets == {}


def test_sqlite_snippet_marks_matches_and_escapes_html(backend):
    [hit] = backend.search(SearchQuery(text="پاک سرشت")).hits
    assert f"<mark>پاک{ZWNJ}سرشت</mark>" in hit.snippet  # original text, ZWNJ kept
    [hit] = backend.search(SearchQuery(text="نمایندگان بانک")).hits
    assert "<mark>نمایندگان</mark> <mark>بانک</mark>" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet
    assert "&amp;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


@pytest.mark.parametrize("word, query, marked", [
    ("<b>۸۶</b>", "86", "&lt;b&gt;<mark>۸۶</mark>&lt;/b&gt;"),
    (f"دستگاه{ZWNJ}های،", "دستگاه", f"<mark>دستگاه</mark>{ZWNJ}های،"),
    (f"دستگاه{ZWNJ}های،", "دستگاه های", f"<mark>دستگاه{ZWNJ}های</mark>،"),
    ("مديركل", "مدیرکل", "<mark>مديركل</mark>"),
    ("مدیرکل", "مدیر", "<mark>مدیرکل</mark>"),  # a word matches when it starts with a term
    ("حتماً", "حتما", "<mark>حتماً</mark>"),  # diacritics: folded away
    ("کرمانشاه", "کرمان", "<mark>کرمانشاه</mark>"),
    ("استان‌کرمانشاه", "انشاه", "استان‌کرمانشاه"),  # inside a word is no match
])
def test_sqlite_snippet_marks_words_by_folded_form(word, query, marked):
    assert snippet([word], query_terms(query)) == marked


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["id"])
def test_sqlite_snippet_fast_path_agrees_with_word_by_word(record):
    from indexer.snippets import _hits, _match_keys, _word_hits

    for query in ("کرمانشاه گفت", "اشتغال 86", "دستگاه های", "پاک", "كارآفريني", "1402"):
        keys = _match_keys(query_terms(query))
        words, hits = _hits(record["text"], keys)
        assert hits == [_word_hits(w, keys) for w in words]


def test_sqlite_snippet_picks_the_window_with_most_terms():
    filler = " ".join(["واژه"] * 50)
    text = f"کرمانشاه {filler} کرمانشاه و اشتغال {filler}"
    out = snippet([None, text], query_terms("کرمانشاه اشتغال"), width=10)
    assert out.startswith("… ") and out.endswith(" …")
    assert "<mark>کرمانشاه</mark> و <mark>اشتغال</mark>" in out
    assert len(out.replace("… ", "").replace(" …", "").split()) == 10


# --- directive tracking -----------------------------------------------------------

def test_sqlite_directive_defaults_come_from_the_action_item(backend):
    d = backend.get_directive("r1-a1")
    assert d["status"] == "open" and d["version"] == 1 and not d["orphaned"]
    assert d["owner"] == f"دستگاه{ZWNJ}های اجرایی"  # the actor
    assert d["due"] == "2024-03-19"  # deadline 1402-12-29
    assert d["issuer"] == "سلیمان پاک سرشت"  # «o1» resolved to the official's name
    assert d["record_title"] == R1["title"] and d["topics"] == ["employment"]
    assert backend.get_directive("r1-a2")["due"] is None
    assert backend.get_directive("missing") is None


def test_sqlite_directive_update_writes_audit_and_bumps_version(backend):
    changes = {"status": "in_progress", "owner": "معاونت توسعه", "due": "۱۴۰۳/۰۱/۱۵", "note": "پیگیری شد",
               "evidence": "https://example.ir/report"}
    d = backend.update_directive("r1-a1", changes, who="مریم", expected_version=1)
    assert (d["status"], d["owner"], d["due"], d["version"]) == \
           ("in_progress", "معاونت توسعه", "2024-04-03", 2)
    assert d["notes"][0]["text"] == "پیگیری شد" and d["notes"][0]["who"] == "مریم"
    assert d["evidence"][0]["url"] == "https://example.ir/report"
    history = backend.directive_history("r1-a1")
    assert [(h["field"], h["old"], h["new"]) for h in history] == [
        ("status", "open", "in_progress"), ("owner", f"دستگاه{ZWNJ}های اجرایی", "معاونت توسعه"),
        ("due", "2024-03-19", "2024-04-03"), ("note", None, "پیگیری شد"),
        ("evidence", None, "https://example.ir/report")]
    assert {h["who"] for h in history} == {"مریم"}
    assert dt.datetime.fromisoformat(history[0]["at"]).tzinfo is not None
    same = backend.update_directive("r1-a1", {"status": "in_progress"}, who="مریم")  # no change: no audit
    assert same["version"] == 2 and len(backend.directive_history("r1-a1")) == 5


def test_sqlite_directive_version_conflict(backend):
    backend.update_directive("r1-a1", {"status": "in_progress"}, who="مریم", expected_version=1)
    with pytest.raises(ConflictError, match="version 1, it is now 2"):
        backend.update_directive("r1-a1", {"status": "done"}, who="رضا", expected_version=1)
    assert backend.get_directive("r1-a1")["status"] == "in_progress"
    assert len(backend.directive_history("r1-a1")) == 1


@pytest.mark.parametrize("changes, error", [
    ({"status": "finished"}, InvalidChange),
    ({"due": "فردا"}, InvalidChange),
    ({"text": "متن دیگر"}, InvalidChange),
    ({"status": "done"}, None),
])
def test_sqlite_directive_update_validates(backend, changes, error):
    if error is None:
        assert backend.update_directive("r1-a1", changes, who="x")["status"] == "done"
        return
    with pytest.raises(error):
        backend.update_directive("r1-a1", changes, who="x")
    assert isinstance(error("a", "b"), ValueError)
    assert backend.get_directive("r1-a1")["version"] == 1


def test_sqlite_directive_unknown_id_is_not_found(backend):
    with pytest.raises(NotFound, match="directive nope"):
        backend.update_directive("nope", {"status": "done"}, who="x")
    with pytest.raises(KeyError):
        backend.directive_history("nope")


def test_sqlite_tracking_state_survives_reingest(backend):
    backend.update_directive("r1-a1", {"status": "in_progress", "owner": "مریم", "due": "2024-05-01",
                                       "note": "یادداشت"}, who="مریم")
    changed = copy.deepcopy(R1)
    item = changed["action_items"][0]
    item["text"], item["span"], item["actor"] = "متن تازه اقدام", [5, 20], "استانداری"
    item["deadline"] = {"text": "تا پایان خرداد", "jalali": "1403-03-31"}
    assert backend.upsert(changed) == "updated"
    d = backend.get_directive("r1-a1")
    assert (d["status"], d["owner"], d["due"], len(d["notes"])) == ("in_progress", "مریم", "2024-05-01", 1)
    assert (d["text"], d["span"], d["actor"]) == ("متن تازه اقدام", [5, 20], "استانداری")  # refreshed
    assert len(backend.list_directives(DirectiveQuery())) == 3


def test_sqlite_vanished_action_item_is_orphaned_not_deleted(backend):
    backend.update_directive("r1-a2", {"note": "در جریان"}, who="مریم")
    without = copy.deepcopy(R1)
    without["action_items"] = without["action_items"][:1]
    backend.upsert(without)
    d = backend.get_directive("r1-a2")
    assert d["orphaned"] is True and d["notes"][0]["text"] == "در جریان" and d["version"] == 3
    assert backend.directive_history("r1-a2")[-1]["field"] == "orphaned"
    backend.upsert(copy.deepcopy(R1))  # the item is back
    assert backend.get_directive("r1-a2")["orphaned"] is False


@pytest.mark.parametrize("jalali, end_of_month, iso", [
    ("1402-12-29", True, "2024-03-19"),
    ("1402-12-00", True, "2024-03-19"),  # «تا پایان اسفند»: the month's last day
    ("1403-12-00", True, "2025-03-20"),  # a leap year's Esfand has 30 days
    ("1403-07-00", True, "2024-10-21"),
    ("1403-07-00", False, None),
    ("1403-13-01", True, None),
    (None, True, None),
])
def test_sqlite_deadline_to_due_date(jalali, end_of_month, iso):
    assert jalali_to_iso(jalali, end_of_month=end_of_month) == iso


def test_sqlite_update_needs_who(backend):
    with pytest.raises(InvalidChange, match="who"):
        backend.update_directive("r1-a1", {"status": "done"}, who=" ")


@pytest.mark.parametrize("status, due, today, overdue", [
    ("open", "2024-03-19", dt.date(2024, 3, 20), True),
    ("in_progress", "2024-03-19", dt.date(2024, 3, 20), True),
    ("open", "2024-03-19", dt.date(2024, 3, 19), False),  # due today is not late yet
    ("done", "2024-03-19", dt.date(2025, 1, 1), False),
    ("dropped", "2024-03-19", dt.date(2025, 1, 1), False),
    ("open", None, dt.date(2025, 1, 1), False),
])
def test_sqlite_overdue_derivation(backend, status, due, today, overdue):
    assert is_overdue(status, due, today) is overdue
    backend.update_directive("r1-a1", {"status": status, "due": due}, who="x")
    listed = backend.list_directives(DirectiveQuery(today=today))
    assert {d["id"]: d["overdue"] for d in listed}["r1-a1"] is overdue
    for query in (DirectiveQuery(overdue=True, today=today), DirectiveQuery(status="overdue", today=today)):
        assert ("r1-a1" in [d["id"] for d in backend.list_directives(query)]) is overdue


@pytest.mark.parametrize("query, expected", [
    (DirectiveQuery(), ["r1-a1", "r2-a1", "r1-a2"]),  # by due date, undated last
    (DirectiveQuery(status="open"), ["r1-a1", "r2-a1", "r1-a2"]),
    (DirectiveQuery(status="done"), []),
    (DirectiveQuery(owner="فرمانداران"), ["r1-a2"]),
    (DirectiveQuery(owner="دستگاه های"), ["r1-a1"]),  # folded: the space matches the ZWNJ
    (DirectiveQuery(official="پاک سرشت"), ["r1-a1", "r1-a2"]),
    (DirectiveQuery(place="کرمانشاه"), ["r1-a1", "r1-a2"]),
    (DirectiveQuery(topic="education"), ["r2-a1"]),
    (DirectiveQuery(topic="welfare"), ["r1-a2"]),  # an item without topics takes the record's
    (DirectiveQuery(since=dt.date(2024, 4, 1)), ["r2-a1"]),
    (DirectiveQuery(until=dt.date(2024, 4, 1)), ["r1-a1"]),
    (DirectiveQuery(overdue=True, today=dt.date(2024, 3, 25)), ["r1-a1"]),
    (DirectiveQuery(limit=1, offset=1), ["r2-a1"]),
])
def test_sqlite_list_directives_filters(backend, query, expected):
    assert [d["id"] for d in backend.list_directives(query)] == expected


def test_sqlite_list_directives_rejects_unknown_status(backend):
    with pytest.raises(InvalidChange):
        backend.list_directives(DirectiveQuery(status="late"))


def test_sqlite_directive_dict_has_every_field(backend):
    d = backend.list_directives(DirectiveQuery())[0]
    assert set(d) == {"id", "record_id", "record_title", "text", "span", "issuer", "actor", "topics",
                      "deadline", "status", "overdue", "owner", "due", "notes", "evidence", "version",
                      "created_at", "updated_at", "orphaned"}


def test_sqlite_republished_copy_counts_once(tmp_path) -> None:
    """A near-duplicate linked by the backfill (source.metadata.duplicate_of) is hidden while its original exists."""
    from indexer.sqlite import SQLiteBackend

    db = SQLiteBackend(tmp_path / "d.db")
    original = make_record("orig", "جلسه شورای اداری", "استاندار در جلسه شورای اداری بر اشتغال جوانان تأکید کرد",
                           places=("کرمانشاه",))
    copy_ = make_record("copy", "جلسه شورای اداری", "استاندار در جلسه شورای اداری بر اشتغال جوانان تأکید کرد.",
                        places=("کرمانشاه",))
    copy_["source"]["metadata"] = {"duplicate_of": "orig"}
    db.upsert(original)
    db.upsert(copy_)
    result = db.search(SearchQuery(text="اشتغال"))
    assert result.total == 1 and [h.id for h in result.hits] == ["orig"]
    assert dict(result.facets["place"]) == {"کرمانشاه": 1}
    assert db.get("copy") is not None  # kept, only not counted twice
    db.delete("orig")
    assert [h.id for h in db.search(SearchQuery(text="اشتغال")).hits] == ["copy"]
    db.close()

