"""The Elasticsearch backend's pure parts, on their dict output: queries, mappings, write plans, dialects, spool."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from extractor.errors import BackendError
from indexer import es_mapping as m
from indexer import es_query as eq
from indexer import es_sync
from indexer.base import DirectiveQuery, SearchQuery
from indexer.es_client import (
    Elasticsearch8Node,
    OpenSearchNode,
    ServerInfo,
    node_class_for,
    rewrite_media_type,
    safe_url,
    server_info,
)
from indexer.es_spool import Spool
from indexer.snippets import Term, query_terms
from tests.backend_fixtures import C1, ZWNJ, records

INDICES = {kind: m.alias("dastur", kind) for kind in m.KINDS}


# --- queries -------------------------------------------------------------------------------

@pytest.mark.parametrize("term, field, expected", [
    (Term(("اشتغال",)), "body_folded", {"match_phrase": {"body_folded": {"query": "اشتغال", "boost": 1.0}}}),
    (Term(("12", "5")), "body_folded", {"match_phrase": {"body_folded": {"query": "12 5", "boost": 1.0}}}),
    (Term(("مدیر",), prefix=True), "title_folded", {"prefix": {"title_folded": {"value": "مدیر", "boost": 1.0}}}),
    (Term(("پاک", "سر"), prefix=True), "body_folded",
     {"match_phrase_prefix": {"body_folded": {"query": "پاک سر", "boost": 1.0, "max_expansions": 1000}}}),
])
def test_es_query_term_clause(term, field, expected):
    assert eq.term_clause(term, field) == expected


def test_es_query_terms_are_folded_and_every_term_is_required():
    body = eq.search_body(SearchQuery(text=f"مديركل دستگاه{ZWNJ}های ۸۶"), query_terms(f"مديركل دستگاه{ZWNJ}های ۸۶"))
    must = body["query"]["bool"]["must"]
    title, text = must[0]["bool"]["should"]
    assert title == {"match_phrase": {"title_folded": {"query": "مدیرکل", "boost": eq.TITLE_WEIGHT}}}
    assert text == {"match_phrase": {"body_folded": {"query": "مدیرکل", "boost": 1.0}}}
    words = [c["bool"]["should"][1]["match_phrase"]["body_folded"]["query"] for c in must]
    assert words == ["مدیرکل", "دستگاه", "های", "86"]  # ZWNJ folds to a space: two words
    assert "should" not in body["query"]["bool"]  # no stemmer: nothing but the folded clauses
    assert body["track_total_hits"] is True and body["track_scores"] is True
    assert set(body["highlight"]["fields"]) == {"lead", "text"}


def test_es_query_user_syntax_never_reaches_a_query_language():
    text = 'title:x OR (y) "z" -w'
    dumped = json.dumps(eq.search_body(SearchQuery(text=text), query_terms(text)))
    assert "query_string" not in dumped and "simple_query_string" not in dumped


def test_es_query_stemmer_only_adds_ranking():
    body = eq.search_body(SearchQuery(text="کتاب"), query_terms("کتاب"), stem=True)
    assert body["query"]["bool"]["should"][0]["multi_match"]["fields"] == [f"title^{eq.TITLE_WEIGHT}", "lead", "text"]
    assert "minimum_should_match" not in body["query"]["bool"]  # must clauses alone decide what matches


def test_es_query_filters_and_dates():
    q = SearchQuery(official="پاک سرشت", org="بانک", place="كرمانشاه", topic="employment",
                    since=dt.date(2023, 1, 1), until=dt.date(2023, 12, 31))
    assert eq.filter_clauses(q) == [
        {"match_phrase": {"filters.official": "پاک سرشت"}},
        {"match_phrase": {"filters.organization": "بانک"}},
        {"match_phrase": {"filters.place": "کرمانشاه"}},  # folded
        {"match_phrase": {"filters.topic": "employment"}},
        {"range": {"published": {"gte": "2023-01-01", "lte": "2023-12-31"}}},
    ]
    body = eq.search_body(q, [])
    assert "must" not in body["query"]["bool"] and len(body["query"]["bool"]["filter"]) == 5
    # Nothing asked: everything but the republished copies.
    assert eq.search_body(SearchQuery(), [])["query"] == {"bool": {"must_not": [{"exists": {"field": "duplicate_of"}}]}}


@pytest.mark.parametrize("text, sort, first", [
    ("اشتغال", "relevance", "_score"),
    ("اشتغال", "date", {"published": {"order": "desc", "missing": "_last"}}),
    ("", "relevance", {"published": {"order": "desc", "missing": "_last"}}),  # nothing to rank by
])
def test_es_query_sort_is_total_for_search_after(text, sort, first):
    clause = eq.sort_clause(SearchQuery(text=text, sort=sort), bool(text))
    assert clause[0] == first
    assert clause[-2:] == [{"ingested": {"order": "desc"}}, {"id": {"order": "desc"}}]


def test_es_query_paging_by_offset_or_cursor():
    q = SearchQuery(text="آب", limit=5, offset=20)
    assert (eq.search_body(q, query_terms("آب"))["from"], eq.search_body(q, query_terms("آب"))["size"]) == (20, 5)
    after = eq.search_body(q, query_terms("آب"), search_after=[1.5, 17, "c1"])
    assert after["search_after"] == [1.5, 17, "c1"] and "from" not in after


def test_es_query_cursor_round_trip_and_garbage():
    values = [2.25, -9223372036854775808, 1795817529608862720, "c\u200c1"]
    assert eq.decode_cursor(eq.encode_cursor(values)) == values
    for bad in ("%%%", "bm90IGpzb24", "e30"):  # "not json", and {} (not a list)
        with pytest.raises(BackendError, match="cursor"):
            eq.decode_cursor(bad)


def test_es_query_facets_ask_extra_buckets_and_merge_variants():
    aggs = eq.facet_aggs()
    assert aggs["place"]["terms"]["field"] == "facets.place" and aggs["place"]["terms"]["size"] == eq.FACET_FETCH
    merged = eq.merge_facets({"place": {"buckets": [
        {"key": "كرمان", "doc_count": 3}, {"key": "همدان", "doc_count": 3}, {"key": "کرمان", "doc_count": 1},
        {"key": "یزد", "doc_count": 1}]}})
    assert merged["place"] == [("كرمان", 4), ("همدان", 3), ("یزد", 1)]
    assert merged["topic"] == [] and set(merged) == {"topic", "place", "organization", "official"}
    many = {"topic": {"buckets": [{"key": f"t{i:02}", "doc_count": 1} for i in range(25)]}}
    assert len(eq.merge_facets(many)["topic"]) == eq.FACET_TOP


# --- server highlights ----------------------------------------------------------------------

TEXT = f"دکتر سلیمان پاک{ZWNJ}سرشت گفت: دستگاه{ZWNJ}های اجرایی باید <b>۸۶</b> طرح را ارائه کنند."


@pytest.mark.parametrize("fragment, query, expected", [
    # Elasticsearch's unified highlighter: marks split at ZWNJ are joined, escaping redone
    (f"دکتر سلیمان <mark>پاک</mark>{ZWNJ}<mark>سرشت</mark> گفت: دستگاه{ZWNJ}های اجرایی باید &lt;b&gt;",
     "پاک سرشت", f"دکتر سلیمان <mark>پاک{ZWNJ}سرشت</mark> گفت: دستگاه{ZWNJ}های اجرایی باید &lt;b&gt; …"),
    ("&lt;b&gt;<mark>۸۶</mark>&lt;&#x2F;b&gt; طرح را ارائه کنند.", "86",
     "… &lt;b&gt;<mark>۸۶</mark>&lt;/b&gt; طرح را ارائه کنند."),
    # osmem: byte ranges, marks in the middle of words: refused
    (f"دکتر سلیمان <mark>پاک</mark><mark>{ZWNJ}سرش</mark>ت گفت<mark>: دستگا</mark>", "پاک سرشت", None),
    ("دکتر <mark>سلیمان</mark>", "پاک", None),  # marks a word the query does not have
    ("<mark>متنی</mark> که در سند نیست", "متنی", None),  # not a piece of the stored text
    ("دکتر سلیمان", "پاک", None),  # no marks at all
])
def test_es_query_server_snippet_is_checked_before_use(fragment, query, expected):
    assert eq.server_snippet({"text": [fragment]}, {"text": TEXT}, query_terms(query)) == expected


# --- directives ------------------------------------------------------------------------------

def test_es_query_directive_filters():
    today = dt.date(2024, 3, 25)
    q = DirectiveQuery(status="open", owner="دستگاه های", official="پاک سرشت", place="کرمانشاه", topic="welfare",
                       since=dt.date(2024, 1, 1), until=dt.date(2024, 12, 31))
    clauses = eq.directive_filters(q, today)
    assert clauses[0] == {"term": {"status": "open"}}
    assert {"match_phrase": {"owner_folded": "دستگاه های"}} in clauses
    assert {"match_phrase": {"issuer_folded": "پاک سرشت"}} in clauses
    assert {"match_phrase": {"record_places": "کرمانشاه"}} in clauses
    topic = clauses[4]["bool"]
    assert topic["should"][0] == {"term": {"topics_folded": "welfare"}} and topic["minimum_should_match"] == 1
    assert clauses[-1] == {"range": {"due": {"gte": "2024-01-01", "lte": "2024-12-31"}}}


def test_es_query_overdue_excludes_closed_and_sorts_by_due():
    body = eq.directives_body(DirectiveQuery(status="overdue", limit=3, offset=6), dt.date(2024, 3, 25))
    assert body["query"]["bool"]["filter"] == [
        {"range": {"due": {"lt": "2024-03-25"}}},
        {"bool": {"must_not": [{"terms": {"status": ["done", "dropped"]}}]}}]
    assert body["sort"][0] == {"due": {"order": "asc", "missing": "_last"}}
    assert (body["from"], body["size"]) == (6, 3)
    with pytest.raises(BackendError):
        eq.directive_filters(DirectiveQuery(status="late"), dt.date(2024, 1, 1))


# --- mapping and documents -------------------------------------------------------------------

@pytest.mark.parametrize("stem", [False, True])
def test_es_mapping_persian_chain(stem):
    analysis = m.analysis(stem)
    chain = analysis["analyzer"]["dastur_persian"]
    assert chain["filter"][:5] == ["lowercase", "decimal_digit", "arabic_normalization", "persian_normalization",
                                   "dastur_persian_stop"]
    assert ("persian_stem" in chain["filter"]) is stem
    assert analysis["char_filter"]["dastur_zwnj"] == {"type": "pattern_replace", "pattern": "\u200c",
                                                      "replacement": " "}
    assert analysis["filter"]["dastur_persian_stop"]["stopwords"] == "_persian_"


def test_es_mapping_templates_and_versioned_names():
    t = m.index_template("dastur", "documents", stem=False, shards=2)
    assert t["index_patterns"] == ["dastur-documents-v*"]
    assert t["template"]["settings"]["number_of_shards"] == 2
    assert t["template"]["mappings"]["dynamic"] == "strict"
    assert t["_meta"] == {"dastur_mapping": m.MAPPING_VERSION, "persian_stem": False}
    assert m.index_name("dastur", "audit", 3) == "dastur-audit-v3" and m.generation("dastur-audit-v3") == 3
    assert m.generation("dastur-audit") == 0


def test_es_mapping_swap_is_one_atomic_body():
    current = {"documents": "d-documents-v1", "directives": "d-directives-v1", "audit": None}
    new = {"documents": "d-documents-v2", "directives": "d-directives-v2", "audit": "d-audit-v1"}
    assert m.swap_actions("d", current, new) == [
        {"remove": {"index": "d-documents-v1", "alias": "d-documents"}},
        {"add": {"index": "d-documents-v2", "alias": "d-documents"}},
        {"remove": {"index": "d-directives-v1", "alias": "d-directives"}},
        {"add": {"index": "d-directives-v2", "alias": "d-directives"}},
        {"add": {"index": "d-audit-v1", "alias": "d-audit"}}]


def test_es_mapping_record_doc_indexes_folded_text_beside_the_original():
    doc = m.record_doc(records()[0], directive_ids=["c1-a1"], ingested=7, created_at="t0", now="t1", now_ns=9)
    assert doc["text"] == C1["text"] and doc["record"] == C1
    assert "نیک نام" in doc["body_folded"] and "42" in doc["body_folded"] and ZWNJ not in doc["body_folded"]
    assert doc["facets"]["organization"] == ["شرکت آب منطقه ای همدان", "شرکت آب و فاضلاب"]
    assert "روابط عمومی استانداری همدان" in doc["filters"]["organization"]  # the agency filters only
    assert doc["published"] == "2023-06-10" and doc["sha256"] == m.canonical_sha256(C1)
    assert set(doc) <= set(m.mappings("documents")["properties"])


# --- write plans ------------------------------------------------------------------------------

def _stored(source: dict, seq: int = 4) -> es_sync.Stored:
    return es_sync.Stored(source, seq, 1)


def test_es_sync_plan_new_record_creates_directives_before_the_record():
    plan = es_sync.plan_record(records()[0], None, {}, INDICES, "now", 1)
    assert plan.status == "created"
    assert [(op["_op_type"], op["_id"]) for op in plan.directive_ops] == [("create", "c1-a1"), ("create", "c1-a2")]
    created = plan.directive_ops[0]["_source"]
    assert (created["status"], created["version"], created["due"], created["orphaned"]) == \
           ("open", 1, "2023-06-21", False)
    assert [(op["_index"], op["_id"]) for op in plan.final_ops] == [("dastur-documents", "c1")]
    assert plan.final_ops[0]["_source"]["directive_ids"] == ["c1-a1", "c1-a2"]


def test_es_sync_plan_unchanged_and_refresh_never_touch_tracking_state():
    old = {"sha256": m.canonical_sha256(C1), "directive_ids": ["c1-a1", "c1-a2"], "ingested": 3}
    assert es_sync.plan_record(records()[0], old, {}, INDICES, "now", 1).status == "unchanged"
    old["sha256"] = "different"
    state = {"id": "c1-a1", "record_id": "c1", "status": "done", "owner": "x", "version": 5, "orphaned": False}
    plan = es_sync.plan_record(records()[0], old, {"c1-a1": _stored(state), "c1-a2": _stored(state | {"id": "c1-a2"})},
                               INDICES, "now", 1)
    assert plan.status == "updated"
    update = plan.directive_ops[0]
    assert update["_op_type"] == "update" and update["retry_on_conflict"] == es_sync.RETRY_ON_CONFLICT
    assert not {"status", "owner", "due", "notes", "evidence", "version"} & set(update["doc"])
    assert plan.final_ops[0]["_source"]["ingested"] == 3  # ingestion order survives updates


def test_es_sync_plan_orphans_vanished_items_guarded_by_seq_no():
    old = {"sha256": "x", "directive_ids": ["c1-a1", "c1-a2"]}
    without = records()[0]
    without["action_items"] = without["action_items"][:1]
    a2 = {"id": "c1-a2", "record_id": "c1", "status": "open", "version": 2, "orphaned": False, "notes": [1]}
    plan = es_sync.plan_record(without, old, {"c1-a2": _stored(a2, seq=11)}, INDICES, "now", 5)
    flip = plan.directive_ops[-1]
    assert (flip["_op_type"], flip["if_seq_no"], flip["if_primary_term"]) == ("index", 11, 1)
    assert (flip["_source"]["orphaned"], flip["_source"]["version"], flip["_source"]["notes"]) == (True, 3, [1])
    [audit] = [op for op in plan.final_ops if op["_index"] == "dastur-audit"]
    assert audit["_id"] == "c1-a2:3:0" and (audit["_source"]["old"], audit["_source"]["new"]) == ("0", "1")
    assert flip["_source"]["pending_audit"] == [audit["_source"]]
    assert plan.final_ops[0]["_source"]["directive_ids"] == ["c1-a1", "c1-a2"]  # still linked


def test_es_sync_plan_delete_audits_first():
    src = {"id": "c1-a1", "record_id": "c1", "status": "open", "owner": "x", "due": None, "version": 2}
    rows, deletes = es_sync.plan_delete("c1", {"c1-a1": _stored(src)}, INDICES, "now", 1)
    assert rows[0]["_id"] == "c1-a1:3:0" and rows[0]["_source"]["field"] == "deleted"
    assert json.loads(rows[0]["_source"]["old"]) == {"status": "open", "owner": "x", "due": None, "version": 2}
    assert [(d["_op_type"], d["_id"]) for d in deletes] == [("delete", "c1-a1"), ("delete", "c1")]


def test_es_sync_plan_update_bumps_version_and_keeps_audit_on_the_directive():
    src = {"id": "d", "status": "open", "owner": "a", "due": None, "notes": [], "evidence": [], "version": 1}
    new, rows = es_sync.plan_update(src, {"status": "done", "owner": "دستگاه\u200cها"}, "مریم", "t", 1)
    assert new["version"] == 2 and new["owner_folded"] == "دستگاه ها" and new["pending_audit"] == rows
    assert [(r["field"], r["version"], r["n"]) for r in rows] == [("status", 2, 0), ("owner", 2, 1)]
    assert es_sync.plan_update(src, {"status": "open"}, "مریم", "t", 1) == (None, [])


# --- dialects and the spool --------------------------------------------------------------------

@pytest.mark.parametrize("body, distribution, major", [
    ({"version": {"number": "3.8.0", "distribution": "opensearch"}, "tagline": "The OpenSearch Project"},
     "opensearch", 3),
    ({"version": {"number": "2.11.1"}, "tagline": "The OpenSearch Project: https://opensearch.org/"},
     "opensearch", 2),
    ({"version": {"number": "8.15.0", "build_flavor": "default"}, "tagline": "You Know, for Search"},
     "elasticsearch", 8),
    ({"version": {"number": "9.1.0"}}, "elasticsearch", 9),
])
def test_es_client_detects_the_distribution(body, distribution, major):
    info = server_info(body)
    assert (info.distribution, info.major, info.supported) == (distribution, major, True)


@pytest.mark.parametrize("info, node", [
    (ServerInfo("opensearch", "2.19.0"), OpenSearchNode),
    (ServerInfo("elasticsearch", "8.17.0"), Elasticsearch8Node),
    (ServerInfo("elasticsearch", "9.0.0"), None),
])
def test_es_client_node_class_per_dialect(info, node):
    assert node_class_for(info) is node


def test_es_client_media_types_and_unsupported_versions():
    vendor = "application/vnd.elasticsearch+json; compatible-with=9"
    assert rewrite_media_type(vendor, None) == "application/json"
    assert rewrite_media_type("application/vnd.elasticsearch+x-ndjson; compatible-with=9", None) == \
           "application/x-ndjson"
    assert rewrite_media_type(vendor, 8) == "application/vnd.elasticsearch+json; compatible-with=8"
    assert not ServerInfo("elasticsearch", "7.10.2").supported and not ServerInfo("opensearch", "1.3.0").supported
    assert safe_url("https://user:secret@es.example.ir:9200") == "https://es.example.ir:9200"


def test_es_spool_keeps_the_newest_per_record_and_drops_only_what_was_sent(tmp_path):
    spool = Spool(tmp_path / "s" / "spool.jsonl", "http://a#dastur")
    other = Spool(tmp_path / "s" / "spool.jsonl", "http://b#dastur")
    c1, c2 = records()[:2]
    spool.add([(c1, "429"), (c2, "mapper_parsing_exception")])
    other.add([(c1, "down")])
    changed = {**c1, "title": "تازه"}
    spool.add([(changed, "429 again")])
    pending = {e["id"]: e for e in spool.pending()}
    assert set(pending) == {"c1", "c2"} and pending["c1"]["record"]["title"] == "تازه"
    assert len(pending["c1"]["keys"]) == 2
    spool.remove(set(pending["c1"]["keys"]))
    assert [e["id"] for e in spool.pending()] == ["c2"] and len(other) == 1
    with open(spool.path, "a", encoding="utf-8") as f:
        f.write('{"cut short by a cr')  # a crash mid-write loses that line only
    assert [e["id"] for e in spool.pending()] == ["c2"]
