"""One contract, every backend: the same tests run against the embedded backend, Elasticsearch via osmem,
and (marked ``live``, when ``ES_URL`` is set) a real Elasticsearch/OpenSearch cluster.

The records are in tests/backend_fixtures.py, invented for these tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.errors import BackendError
from extractor.normalize import fold
from indexer.base import FACET_FIELDS, Backend, DirectiveQuery, SearchQuery
from indexer.errors import ConflictError, InvalidChange, NotFound
from tests.backend_fixtures import C1, ES_URL, ZWNJ, Store, drop_live, live_prefix, make_record, records

# "live" joins when ES_URL names a real cluster (README, "Elasticsearch"); tests/test_elastic.py
# says so with a skipped test when it does not.
BACKENDS = ["embedded", "elasticsearch", *([pytest.param("live", marks=pytest.mark.live)] if ES_URL else [])]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """A store holding RECORDS."""
    kind = request.param
    if kind == "embedded":
        s = Store("embedded", tmp_path)
        s.open().upsert_many(records())
    elif kind == "elasticsearch":
        clone = request.getfixturevalue("osmem_seeded").clone()
        request.addfinalizer(clone.close)
        s = Store("elasticsearch", tmp_path, clone.url)
    else:
        prefix = live_prefix()
        request.addfinalizer(lambda: drop_live(prefix))
        s = Store("elasticsearch", tmp_path, ES_URL, prefix)
        s.open().upsert_many(records())
    yield s
    s.close()


@pytest.fixture
def backend(store):
    return store.open()


@pytest.fixture(params=BACKENDS)
def empty(request, tmp_path):
    """A backend with nothing in it."""
    kind = request.param
    if kind == "embedded":
        s = Store("embedded", tmp_path)
    elif kind == "elasticsearch":
        clone = request.getfixturevalue("osmem_seeded").clone()
        request.addfinalizer(clone.close)
        s = Store("elasticsearch", tmp_path, clone.url, prefix="empty")
    else:
        prefix = live_prefix()
        request.addfinalizer(lambda: drop_live(prefix))
        s = Store("elasticsearch", tmp_path, ES_URL, prefix)
    yield s.open()
    s.close()


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


# --- records --------------------------------------------------------------------------

def test_contract_implements_the_protocol(backend):
    assert isinstance(backend, Backend)
    assert backend.name in ("embedded", "elasticsearch")


def test_contract_upsert_reports_created_updated_unchanged(empty):
    rec = records()[2]
    assert empty.upsert(rec) == "created"
    assert empty.upsert(records()[2]) == "unchanged"
    assert empty.upsert(dict(reversed(list(records()[2].items())))) == "unchanged"  # key order does not matter
    rec["title"] = "عنوان تازه"
    assert empty.upsert(rec) == "updated"
    assert empty.get("c3")["title"] == "عنوان تازه"
    assert empty.count() == 1
    assert empty.upsert_many(records()) == {"created": 4, "updated": 1, "unchanged": 0}
    assert empty.upsert_many(records()) == {"created": 0, "updated": 0, "unchanged": 5}
    assert empty.count() == 5
    twice = records()[4]
    twice["title"] = "بار دوم"
    assert empty.upsert_many([twice, records()[4]]) == {"created": 0, "updated": 2, "unchanged": 0}  # in turn
    assert empty.get("c5") == records()[4]


def test_contract_upsert_refuses_records_without_id_or_text(empty):
    with pytest.raises(BackendError, match="has no string 'id'"):
        empty.upsert({"title": "بی شناسه"})
    with pytest.raises(BackendError):
        empty.upsert_many([records()[0], {"title": "بی شناسه"}, records()[1]])
    assert empty.get("c1") is not None  # the records before the bad one are written


def test_contract_get_count_iter_delete(backend):
    assert backend.get("nope") is None
    assert backend.get("c2") == records()[1]
    assert backend.count() == 5
    assert [r["id"] for r in backend.iter_records()] == ["c1", "c2", "c3", "c4", "c5"]
    before = len(backend.directive_history("c1-a1"))
    assert backend.delete("c1") is True
    assert backend.delete("c1") is False
    assert backend.count() == 4 and backend.get("c1") is None
    assert backend.search(SearchQuery(text="نیک نام")).total == 0
    assert backend.get_directive("c1-a1") is None
    history = backend.directive_history("c1-a1")  # the audit log outlives the record
    assert len(history) == before + 1 and history[-1]["field"] == "deleted"
    assert '"status":"open"' in history[-1]["old"]


# --- search -----------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("مدیرکل", ["c1"]),
    ("مديركل", ["c1"]),  # Arabic ي and ك in the query
    ("آبیاری", ["c2", "c3"]),  # C2 writes آبياري with Arabic ي
    ("آبياري", ["c2", "c3"]),
    (f"شهرداری{ZWNJ}ها", ["c1"]),
    ("شهرداری ها", ["c1"]),  # a space where the text has ZWNJ
    (f"نیک{ZWNJ}نام", ["c1"]),
    ("42", ["c1"]),  # C1 writes ۴۲
    ("۴۲", ["c1"]),
    ("۱۴۰۱", ["c2"]),  # C2 writes 1401
    ("1401", ["c2"]),
    ("نیک*", ["c1", "c3"]),  # a prefix: نیک and نیکزاد
    ("گندم خريداري", ["c2"]),  # every term must match
    ("گندم واکسن", []),
])
def test_contract_persian_variants_find_the_same_records(backend, query, expected):
    assert sorted(ids(backend.search(SearchQuery(text=query)))) == expected


@pytest.mark.parametrize("query", ['"', "*", "OR", "(", "AND", "NOT", "title:آب", "^آب", "-آب", "\\", "\u200c",
                                   "؟!،", "آب)", "{a}"])
def test_contract_query_syntax_never_crashes(backend, query):
    result = backend.search(SearchQuery(text=query))
    assert result.total >= len(result.hits)


@pytest.mark.parametrize("filters, expected", [
    ({"official": "نیک نام"}, ["c1"]),
    ({"official": "فرهاد نیک نام"}, ["c1"]),
    ({"official": "نیک"}, ["c1"]),  # a whole token: not رضا نیکزاد
    ({"official": "کریمی"}, ["c2"]),
    ({"org": "شرکت آب و فاضلاب"}, ["c1"]),  # organizations
    ({"org": "جهاد کشاورزی استان کرمان"}, ["c2"]),  # an official's organization
    ({"org": "استانداری همدان"}, ["c1"]),  # the agency
    ({"org": "بانک کشاورزی"}, ["c3"]),
    ({"place": "همدان"}, ["c1", "c3"]),
    ({"place": "كرمان"}, ["c2"]),  # Arabic ک
    ({"place": "همد"}, []),  # not a whole token
    ({"topic": "agriculture"}, ["c1", "c2", "c3"]),
    ({"topic": "agriculture", "place": "همدان", "official": "نیکزاد"}, ["c3"]),
])
def test_contract_filters(backend, filters, expected):
    assert sorted(ids(backend.search(SearchQuery(**filters)))) == expected
    assert sorted(ids(backend.search(SearchQuery(text="گفت", **filters)))) == expected  # c4, c5 lack «گفت»


@pytest.mark.parametrize("since, until, expected", [
    (dt.date(2022, 1, 1), None, ["c1", "c2"]),
    (None, dt.date(2022, 7, 1), ["c2", "c3", "c5"]),  # until is inclusive
    (dt.date(2021, 1, 1), dt.date(2022, 12, 31), ["c2", "c3"]),
    (dt.date(2030, 1, 1), None, []),
])
def test_contract_date_range_on_published(backend, since, until, expected):
    assert sorted(ids(backend.search(SearchQuery(since=since, until=until)))) == expected


def test_contract_empty_query_lists_newest_first_undated_last(backend):
    result = backend.search(SearchQuery())
    assert ids(result) == ["c1", "c2", "c3", "c5", "c4"]
    assert result.total == 5 and all(h.score == 0.0 for h in result.hits)


@pytest.mark.parametrize("sort, expected", [("relevance", ["c3", "c2"]), ("date", ["c2", "c3"])])
def test_contract_sort_by_relevance_weighs_the_title_or_by_date(backend, sort, expected):
    result = backend.search(SearchQuery(text="آبیاری", sort=sort))  # in C3's title and body, C2's body
    assert ids(result) == expected
    assert all(h.score > 0 for h in result.hits)


def test_contract_bad_sort_is_an_error(backend):
    with pytest.raises(BackendError, match="sort"):
        backend.search(SearchQuery(text="آب", sort="random"))


def test_contract_pagination_and_total(backend):
    pages = [backend.search(SearchQuery(text="گفت", limit=1, offset=i, sort="date")) for i in range(4)]
    assert [p.total for p in pages] == [3, 3, 3, 3]
    assert [ids(p) for p in pages] == [["c1"], ["c2"], ["c3"], []]


def test_contract_facets_count_the_whole_matched_set(backend):
    result = backend.search(SearchQuery(text="گفت", limit=1))
    assert result.total == 3 and len(result.hits) == 1
    assert set(result.facets) == set(FACET_FIELDS)
    assert result.facets["place"] == [("همدان", 2), ("کرمان", 1)]
    assert result.facets["topic"] == [("agriculture", 3), ("water", 1)]
    organizations = dict(result.facets["organization"])
    assert organizations["شرکت آب و فاضلاب"] == 1 and organizations["بانک کشاورزی"] == 1
    assert "روابط عمومی استانداری همدان" not in organizations  # the agency filters, it is no facet
    assert dict(result.facets["official"]) == {"فرهاد نیک نام": 1, "زهرا کریمی": 1, "رضا نیکزاد": 1}
    assert backend.search(SearchQuery(text="گفت", facets=False)).facets == {}


def test_contract_facet_values_that_fold_alike_count_once(backend):
    backend.upsert(make_record("c6", "خرما در كرمان", "برداشت خرما آغاز شد.", places=("كرمان",)))  # Arabic ک
    place = backend.search(SearchQuery(text="برداشت")).facets["place"]
    assert [(fold(v), n) for v, n in place] == [("کرمان", 2)]


def test_contract_snippets_mark_matches_and_escape_html(backend):
    [hit] = backend.search(SearchQuery(text="نیک نام")).hits
    assert f"<mark>نیک{ZWNJ}نام</mark>" in hit.snippet  # the original text, ZWNJ kept
    [hit] = backend.search(SearchQuery(text="نمایندگان شرکت")).hits
    assert "<mark>نمایندگان</mark>" in hit.snippet and "<mark>شرکت</mark>" in hit.snippet
    assert "&lt;i&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    [hit] = backend.search(SearchQuery(text="42")).hits
    assert "<mark>۴۲</mark>" in hit.snippet  # Persian digits as written
    assert hit.title == C1["title"] and hit.agency == C1["agency"] and hit.published == C1["published"]


# --- directive tracking ---------------------------------------------------------------------

def test_contract_directive_defaults_come_from_the_action_item(backend):
    d = backend.get_directive("c1-a1")
    assert set(d) == {"id", "record_id", "record_title", "text", "span", "issuer", "actor", "topics", "deadline",
                      "status", "overdue", "owner", "due", "notes", "evidence", "version", "created_at",
                      "updated_at", "orphaned"}
    assert (d["status"], d["version"], d["orphaned"]) == ("open", 1, False)
    assert d["owner"] == f"شهرداری{ZWNJ}ها" and d["due"] == "2023-06-21"  # 1402-03-31
    assert d["issuer"] == "فرهاد نیک نام" and d["record_title"] == C1["title"] and d["topics"] == ["water"]
    assert backend.get_directive("c1-a2")["due"] is None
    assert backend.get_directive("missing") is None


@pytest.mark.parametrize("query, expected", [
    (DirectiveQuery(), ["c1-a1", "c2-a1", "c1-a2"]),  # by due date, undated last
    (DirectiveQuery(status="open"), ["c1-a1", "c2-a1", "c1-a2"]),
    (DirectiveQuery(status="done"), []),
    (DirectiveQuery(owner="بخشداران"), ["c1-a2"]),
    (DirectiveQuery(owner="شهرداری ها"), ["c1-a1"]),  # folded: the space matches the ZWNJ
    (DirectiveQuery(official="نیک نام"), ["c1-a1", "c1-a2"]),
    (DirectiveQuery(place="همدان"), ["c1-a1", "c1-a2"]),
    (DirectiveQuery(topic="agriculture"), ["c2-a1", "c1-a2"]),  # c1-a2 has no topics: its record's count
    (DirectiveQuery(topic="water"), ["c1-a1", "c1-a2"]),
    (DirectiveQuery(since=dt.date(2023, 7, 1)), ["c2-a1"]),
    (DirectiveQuery(until=dt.date(2023, 7, 1)), ["c1-a1"]),
    (DirectiveQuery(overdue=True, today=dt.date(2023, 7, 1)), ["c1-a1"]),
    (DirectiveQuery(status="overdue", today=dt.date(2023, 7, 1)), ["c1-a1"]),
    (DirectiveQuery(limit=1, offset=1), ["c2-a1"]),
])
def test_contract_list_directives_filters(backend, query, expected):
    assert [d["id"] for d in backend.list_directives(query)] == expected


def test_contract_list_directives_rejects_unknown_status(backend):
    with pytest.raises(InvalidChange):
        backend.list_directives(DirectiveQuery(status="late"))


def test_contract_directive_update_writes_audit_and_bumps_version(backend):
    changes = {"status": "in_progress", "owner": "معاونت عمرانی", "due": "۱۴۰۲/۰۴/۱۵", "note": "پیگیری شد",
               "evidence": "https://example.ir/report"}
    d = backend.update_directive("c1-a1", changes, who="مریم", expected_version=1)
    assert (d["status"], d["owner"], d["due"], d["version"]) == ("in_progress", "معاونت عمرانی", "2023-07-06", 2)
    assert d["notes"][0]["text"] == "پیگیری شد" and d["evidence"][0]["url"] == "https://example.ir/report"
    history = backend.directive_history("c1-a1")
    assert [(h["field"], h["old"], h["new"]) for h in history] == [
        ("status", "open", "in_progress"), ("owner", f"شهرداری{ZWNJ}ها", "معاونت عمرانی"),
        ("due", "2023-06-21", "2023-07-06"), ("note", None, "پیگیری شد"),
        ("evidence", None, "https://example.ir/report")]
    assert {h["who"] for h in history} == {"مریم"}
    assert set(history[0]) == {"directive_id", "at", "who", "field", "old", "new"}
    same = backend.update_directive("c1-a1", {"status": "in_progress"}, who="مریم")  # no change, no audit row
    assert same["version"] == 2 and len(backend.directive_history("c1-a1")) == 5
    assert [x["id"] for x in backend.list_directives(DirectiveQuery(owner="معاونت عمرانی"))] == ["c1-a1"]
    assert [x["id"] for x in backend.list_directives(DirectiveQuery(status="in_progress"))] == ["c1-a1"]


def test_contract_two_managers_never_overwrite_each_other(store):
    first, second = store.open(), store.open()
    assert first.get_directive("c1-a1")["version"] == second.get_directive("c1-a1")["version"] == 1
    first.update_directive("c1-a1", {"status": "in_progress"}, who="مریم", expected_version=1)
    with pytest.raises(ConflictError, match="version 1, it is now 2"):
        second.update_directive("c1-a1", {"status": "dropped"}, who="رضا", expected_version=1)
    assert second.get_directive("c1-a1")["status"] == "in_progress"
    assert len(second.directive_history("c1-a1")) == 1


@pytest.mark.parametrize("changes", [{"status": "finished"}, {"due": "فردا"}, {"text": "متن دیگر"}])
def test_contract_directive_update_validates(backend, changes):
    with pytest.raises(InvalidChange):
        backend.update_directive("c1-a1", changes, who="x")
    with pytest.raises(InvalidChange):
        backend.update_directive("c1-a1", {"status": "done"}, who=" ")
    assert backend.get_directive("c1-a1")["version"] == 1


def test_contract_unknown_directive_is_not_found(backend):
    with pytest.raises(NotFound, match="directive nope"):
        backend.update_directive("nope", {"status": "done"}, who="x")
    with pytest.raises(KeyError):
        backend.directive_history("nope")


def test_contract_reingest_keeps_tracking_state(backend):
    backend.update_directive("c1-a1", {"status": "in_progress", "owner": "مریم", "due": "2023-09-01",
                                       "note": "یادداشت"}, who="مریم")
    changed = records()[0]
    item = changed["action_items"][0]
    item["text"], item["span"], item["actor"] = "متن تازه اقدام", [5, 20], "استانداری"
    item["deadline"] = {"text": "تا پایان شهریور", "jalali": "1402-06-31"}
    changed["title"] = "عنوان تازه نشست"
    assert backend.upsert(changed) == "updated"
    d = backend.get_directive("c1-a1")
    assert (d["status"], d["owner"], d["due"], len(d["notes"])) == ("in_progress", "مریم", "2023-09-01", 1)
    assert (d["text"], d["span"], d["actor"]) == ("متن تازه اقدام", [5, 20], "استانداری")  # refreshed
    assert d["record_title"] == "عنوان تازه نشست"
    assert len(backend.list_directives(DirectiveQuery())) == 3
    assert backend.upsert_many(records()) == {"created": 0, "updated": 1, "unchanged": 4}
    assert backend.get_directive("c1-a1")["status"] == "in_progress"


def test_contract_vanished_action_item_is_orphaned_not_deleted(backend):
    backend.update_directive("c1-a2", {"note": "در جریان"}, who="مریم")
    without = records()[0]
    without["action_items"] = without["action_items"][:1]
    backend.upsert(without)
    d = backend.get_directive("c1-a2")
    assert d["orphaned"] is True and d["notes"][0]["text"] == "در جریان" and d["version"] == 3
    assert backend.directive_history("c1-a2")[-1]["field"] == "orphaned"
    backend.upsert(records()[0])  # the item is back
    d = backend.get_directive("c1-a2")
    assert d["orphaned"] is False and d["version"] == 4
    assert [h["field"] for h in backend.directive_history("c1-a2")] == ["note", "orphaned", "orphaned"]


def test_contract_republished_copy_counts_once(backend: Backend) -> None:
    said = "فرماندار در نشست شورای اداری بر اشتغال روستاییان تأکید کرد"
    original = make_record("dup-orig", "نشست شورای اداری", said, places=("همدان",))
    copy_ = make_record("dup-copy", "نشست شورای اداری", said + ".", places=("همدان",))
    copy_["source"]["metadata"] = {"duplicate_of": "dup-orig"}
    backend.upsert(original)
    backend.upsert(copy_)
    result = backend.search(SearchQuery(text="روستاییان"))
    assert [h.id for h in result.hits] == ["dup-orig"] and result.total == 1
    assert backend.get("dup-copy") is not None


def test_contract_place_written_joined_counts_under_its_gazetteer_name(empty):
    # Places are named as written; «آذربایجانغربی» (ZWNJ and space lost) is the same province.
    empty.upsert(make_record("j1", "جلسه شورای اداری ارومیه", "جلسه شورای اداری استان آذربایجانغربی برگزار شد.",
                             places=("آذربایجانغربی",), topics=("administration",)))
    empty.upsert(make_record("j2", "نشست اشتغال", "نشست اشتغال استان آذربایجان غربی برگزار شد.",
                             places=("آذربایجان غربی",), topics=("employment",)))
    for written in ("آذربایجان غربی", "آذربایجانغربی"):
        assert sorted(h.id for h in empty.search(SearchQuery(place=written)).hits) == ["j1", "j2"]
    assert empty.search(SearchQuery()).facets["place"] == [("آذربایجان غربی", 2)]
