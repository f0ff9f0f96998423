"""What only the Elasticsearch backend has: dialect detection, bulk failures and the spool, an unreachable
cluster, cursors, seq_no guards, reindexing, and the CLI end to end against osmem.

Tests marked ``live`` need a real cluster at ``$ES_URL`` (README, "Elasticsearch").
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.errors import BackendError
from indexer import es_query, es_sync, open_backend
from indexer.base import DirectiveQuery, SearchQuery
from indexer.elastic import HIGHLIGHT_TRIALS, ElasticBackend
from indexer.errors import NotIndexed
from indexer.es_client import OpenSearchNode
from tests.backend_fixtures import ES_URL, ZWNJ, drop_live, live_prefix, make_record, records
from tests.conftest import ROOT, SEED


@pytest.fixture
def clone(osmem_seeded):
    c = osmem_seeded.clone()
    yield c
    c.close()


@pytest.fixture
def es(clone, tmp_path):
    """The contract records on a fresh osmem clone."""
    with ElasticBackend(clone.url, index_prefix="contract", spool_path=tmp_path / "spool.jsonl") as b:
        yield b


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_elastic_detects_opensearch_and_speaks_plain_json(es):
    assert (es.server.distribution, es.server.major) == ("opensearch", 3)  # osmem says it is OpenSearch 3
    assert all(isinstance(n, OpenSearchNode) for n in es.client.transport.node_pool.all())
    assert es.stem is False  # osmem has no persian_stem
    assert es.client.info()["version"]["distribution"] == "opensearch"  # through the official client's API
    aliases = es.client.indices.get_alias(name="contract-*").body
    assert {a for v in aliases.values() for a in v["aliases"]} == {"contract-documents", "contract-directives",
                                                                   "contract-audit"}
    assert "contract-documents-v1" in aliases


def test_elastic_unreachable_cluster_is_one_line(tmp_path):
    start = time.monotonic()
    with pytest.raises(BackendError) as err:
        ElasticBackend(f"http://127.0.0.1:{free_port()}", spool_path=tmp_path / "s.jsonl")
    message = str(err.value)
    assert "\n" not in message and "is unreachable" in message and "--es-url" in message
    assert time.monotonic() - start < 10


def test_elastic_open_backend_reads_cli_options_and_env(clone, tmp_path, monkeypatch):
    monkeypatch.setenv("DASTUR_ES_SPOOL", str(tmp_path / "spool.jsonl"))
    monkeypatch.setenv("DASTUR_ES_URL", clone.url)
    with open_backend("elasticsearch") as b:
        assert isinstance(b, ElasticBackend) and b.url == clone.url
    monkeypatch.delenv("DASTUR_ES_URL")
    with open_backend("elasticsearch", es_url=clone.url, es_api_key=None) as b:
        assert b.count() == 0  # the "dastur" prefix is empty on this clone
    with pytest.raises(BackendError, match="has no URL"):
        open_backend("elasticsearch")


def _inject_item_errors(monkeypatch, failing: dict[str, int], times: int | None = None):
    """Make bulk items with these _ids fail (``times`` times each, or always) without being written, as an
    overloaded or refusing cluster would. (streaming_bulk works on ``client.options()``, a copy of the
    client: so the class is patched, for this test only.)"""
    from elasticsearch import Elasticsearch

    real = Elasticsearch.bulk
    calls = {"n": 0}
    failed: dict[str, int] = {}

    def bulk(self, *args, operations, **kwargs):
        calls["n"] += 1
        lines = [json.loads(x) for x in operations]
        pairs, i = [], 0
        while i < len(lines):
            op = next(iter(lines[i]))
            size = 1 if op == "delete" else 2
            pairs.append((operations[i:i + size], op, lines[i][op]["_id"], lines[i][op]["_index"]))
            i += size
        refused = set()
        for _, _op, doc_id, _ in pairs:
            if doc_id in failing and (times is None or failed.get(doc_id, 0) < times):
                failed[doc_id] = failed.get(doc_id, 0) + 1
                refused.add(doc_id)
        kept = [line for chunk, _, doc_id, _ in pairs if doc_id not in refused for line in chunk]
        resp = real(self, *args, operations=kept, **kwargs) if kept else None
        answers = iter(resp.body["items"] if resp is not None else [])
        items = []
        for _, op, doc_id, index in pairs:
            if doc_id in refused:
                items.append({op: {"_id": doc_id, "_index": index, "status": failing[doc_id],
                                   "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}})
            else:
                items.append(next(answers))
        if resp is None:
            from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig, ObjectApiResponse

            meta = ApiResponseMeta(200, "1.1", HttpHeaders(), 0.0, NodeConfig("http", "x", 1))
            return ObjectApiResponse(body={"errors": True, "items": items}, meta=meta)
        resp.body["items"] = items
        resp.body["errors"] = True
        return resp

    monkeypatch.setattr(Elasticsearch, "bulk", bulk)
    return calls


def test_elastic_bulk_retries_429_then_succeeds(clone, tmp_path, monkeypatch):
    with ElasticBackend(clone.url, index_prefix="fresh", spool_path=tmp_path / "s.jsonl", initial_backoff=0.01) as b:
        calls = _inject_item_errors(monkeypatch, {"c2": 429}, times=1)
        assert b.upsert_many(records()) == {"created": 5, "updated": 0, "unchanged": 0}
        assert calls["n"] >= 3  # directives, the 429 retry, records
        assert len(b.spool) == 0 and b.get("c2") is not None


def test_elastic_partial_bulk_failure_is_reported_per_record_and_spooled(clone, tmp_path, monkeypatch):
    spool = tmp_path / "spool.jsonl"
    with ElasticBackend(clone.url, index_prefix="fresh", spool_path=spool, initial_backoff=0.01) as b:
        _inject_item_errors(monkeypatch, {"c2": 429, "c4": 400})  # refused on every attempt
        with pytest.raises(NotIndexed) as err:
            b.upsert_many(records())
        assert err.value.counts == {"created": 3, "updated": 0, "unchanged": 0}
        failed = dict(err.value.failures)
        assert set(failed) == {"c2", "c4"} and "rejected" in failed["c2"]
        assert "\n" not in str(err.value) and str(spool) in str(err.value)
        assert b.get("c2") is None and b.count() == 3
        assert b.get_directive("c2-a1")["status"] == "open"  # its directive went in before the record failed
    assert sorted(json.loads(line)["id"] for line in spool.read_text().splitlines()) == ["c2", "c4"]
    # the next connect sends them again, and re-sending is harmless
    monkeypatch.undo()
    with ElasticBackend(clone.url, index_prefix="fresh", spool_path=spool) as b:
        assert b.get("c2") == records()[1] and b.get("c4") == records()[3]
        assert len(b.spool) == 0 and b.count() == 5
        assert len(b.list_directives(DirectiveQuery())) == 3 and b.retry_spooled() == {"sent": 0}


def test_elastic_refused_again_stays_spooled_once(clone, tmp_path, monkeypatch):
    spool = tmp_path / "spool.jsonl"
    with ElasticBackend(clone.url, index_prefix="fresh", spool_path=spool) as b:
        _inject_item_errors(monkeypatch, {"c3": 400})
        with pytest.raises(NotIndexed):
            b.upsert(records()[2])
        with pytest.raises(NotIndexed, match="record c3"):
            b.retry_spooled()
        assert [e["id"] for e in b.spool.pending()] == ["c3"]
        assert len(spool.read_text().splitlines()) == 1  # refused again: kept again, once


def test_elastic_a_newer_write_forgets_the_spooled_older_one(es):
    old = records()[0]
    old["title"] = "نسخه کهنه"
    es.spool.add([(old, "429")])
    assert es.upsert(records()[0]) == "unchanged"
    assert len(es.spool) == 0  # sending the spool later must not bring the old title back


def test_elastic_cluster_down_mid_ingest_loses_nothing(tmp_path):
    from osmem_server import OsmemServer

    addr, spool = f"127.0.0.1:{free_port()}", tmp_path / "spool.jsonl"
    server = OsmemServer.start(addr=addr, freeze=False, japanese=False)
    b = ElasticBackend(server.url, spool_path=spool, max_retries=0)
    assert b.upsert(records()[0]) == "created"
    server.close()
    for rec in records()[1:]:
        with pytest.raises(NotIndexed, match="kept in"):
            b.upsert(rec)
    b.close()
    # while it is down, an ingest buffers straight into the spool
    offline = ElasticBackend(server.url, spool_path=spool, buffer_when_unreachable=True)
    with pytest.raises(NotIndexed, match="unreachable"):
        offline.upsert(make_record("late", "خبر دیرهنگام", "متن خبر دیرهنگام"))
    with pytest.raises(BackendError, match="unreachable"):
        offline.search(SearchQuery())
    offline.close()
    # the cluster comes back (empty: osmem keeps nothing): the next connect sends every spooled record
    server = OsmemServer.start(addr=addr, freeze=False, japanese=False)
    try:
        with ElasticBackend(server.url, spool_path=spool) as b:
            assert sorted(r["id"] for r in b.iter_records()) == ["c2", "c3", "c4", "c5", "late"]
            assert len(b.spool) == 0
    finally:
        server.close()


def test_elastic_cli_retry_failed_reports_what_it_sent(clone, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cli import main

    spool = tmp_path / "spool.jsonl"
    with ElasticBackend(clone.url, spool_path=spool) as b:
        _inject_item_errors(monkeypatch, {"c3": 429, "c5": 429})
        with pytest.raises(NotIndexed):
            b.upsert_many(records())
    monkeypatch.undo()
    env = {"DASTUR_BACKEND": "elasticsearch", "DASTUR_ES_URL": clone.url, "DASTUR_ES_SPOOL": str(spool)}
    result = CliRunner().invoke(main, ["ingest", "--retry-failed"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 created" in result.stderr and "2 sent" in result.stderr
    with ElasticBackend(clone.url, spool_path=spool) as b:
        assert b.count() == 5 and len(b.spool) == 0


def test_elastic_server_highlights_are_checked_and_dropped_when_they_never_fit(es):
    # osmem forgets that the ZWNJ char filter shortens the text: after a ZWNJ its marks slide.
    [hit] = es.search(SearchQuery(text="مدیرکل")).hits  # C1: «نیک‌نام، مدیرکل»
    assert "<mark>مدیرکل</mark>" in hit.snippet and es.highlight is True  # refused, cut locally instead
    for _ in range(HIGHLIGHT_TRIALS - 1):
        es.search(SearchQuery(text="مدیرکل"))
    assert es.highlight is False  # never right: no longer asked for
    assert "<mark>مدیرکل</mark>" in es.search(SearchQuery(text="مدیرکل")).hits[0].snippet



def test_elastic_cursor_pages_match_offset_pages(es):
    q = SearchQuery(text="گفت", sort="date", limit=1)
    first = es.search(q)
    assert first.next is not None and first.to_dict()["next"] == first.next
    walked, cursor = [h.id for h in first.hits], first.next
    while cursor:
        page = es.search(SearchQuery(text="گفت", sort="date", limit=1, cursor=cursor))
        assert page.total == 3 and page.facets["place"][0] == ("همدان", 2)  # totals and facets stay whole
        walked += [h.id for h in page.hits]
        cursor = page.next
    assert walked == ["c1", "c2", "c3"]
    relevance = es.search(SearchQuery(text="آبیاری", limit=1))
    assert [h.id for h in es.search(SearchQuery(text="آبیاری", limit=1, cursor=relevance.next)).hits] == ["c2"]
    with pytest.raises(BackendError, match="cursor"):
        es.search(SearchQuery(text="گفت", cursor="not-a-cursor"))


def test_elastic_offset_past_the_result_window_walks_by_search_after(es, monkeypatch):
    monkeypatch.setattr(es_query, "MAX_WINDOW", 2)
    pages = [[h.id for h in es.search(SearchQuery(limit=2, offset=o)).hits] for o in (0, 2, 4)]
    assert pages == [["c1", "c2"], ["c3", "c5"], ["c4"]]


def test_elastic_concurrent_update_is_reapplied_on_top_never_over(clone, tmp_path, monkeypatch):
    """Manager A reads, B writes, A writes: A's if_seq_no guard fails, A re-reads and applies on top."""
    a = ElasticBackend(clone.url, index_prefix="contract", spool_path=tmp_path / "s.jsonl")
    b = ElasticBackend(clone.url, index_prefix="contract", spool_path=tmp_path / "s.jsonl")
    real = es_sync.plan_update
    raced = []

    def plan_then_race(source, changes, who, at, now_ns):
        if not raced:  # between A's read and A's write, B changes the owner
            raced.append(True)
            b.update_directive("c1-a1", {"owner": "معاونت عمرانی"}, who="رضا")
        return real(source, changes, who, at, now_ns)

    monkeypatch.setattr(es_sync, "plan_update", plan_then_race)
    d = a.update_directive("c1-a1", {"note": "پیگیری شد"}, who="مریم")
    assert (d["owner"], d["notes"][0]["text"], d["version"]) == ("معاونت عمرانی", "پیگیری شد", 3)
    assert [(h["who"], h["field"]) for h in a.directive_history("c1-a1")] == [("رضا", "owner"), ("مریم", "note")]
    a.close()
    b.close()


def test_elastic_audit_rows_survive_a_failed_audit_write(es, monkeypatch):
    _inject_item_errors(monkeypatch, {"c1-a1:2:0": 503})
    es.bulk_options["max_retries"] = 0
    es.update_directive("c1-a1", {"status": "done"}, who="مریم")
    assert [h["field"] for h in es.directive_history("c1-a1")] == ["status"]  # from the directive's pending rows
    monkeypatch.undo()  # the cluster takes audit rows again
    es.update_directive("c1-a1", {"owner": "x"}, who="مریم")  # the next write sends the pending rows too
    hits = es.client.search(index="contract-audit", body={"query": {"term": {"directive_id": "c1-a1"}}})
    assert sorted(h["_id"] for h in hits["hits"]["hits"]) == ["c1-a1:2:0", "c1-a1:3:0"]


def test_elastic_reindex_swaps_aliases_and_keeps_everything(es):
    es.update_directive("c1-a1", {"status": "in_progress", "note": "پیش از بازسازی"}, who="مریم")
    before = es.search(SearchQuery(text="آبیاری"))
    new = es.reindex()
    assert new == {"documents": "contract-documents-v2", "directives": "contract-directives-v2",
                   "audit": "contract-audit-v2"}
    assert es._current_indices() == new
    assert not es.client.indices.exists(index="contract-documents-v1")  # the old versions are dropped
    after = es.search(SearchQuery(text="آبیاری"))
    assert [h.id for h in after.hits] == [h.id for h in before.hits] and after.facets == before.facets
    assert es.get_directive("c1-a1")["status"] == "in_progress"
    assert [h["field"] for h in es.directive_history("c1-a1")] == ["status", "note"]
    assert es.upsert_many(records()) == {"created": 0, "updated": 0, "unchanged": 5}  # hashes came along
    assert es.reindex(keep_old=True)["documents"] == "contract-documents-v3"
    assert es.client.indices.exists(index="contract-documents-v2")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("dastur")  # the console script `uv run dastur` runs
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]
    return subprocess.run([*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


@pytest.mark.slow
def test_elastic_cli_end_to_end_on_osmem(osmem_clone, tmp_path):
    """The issue's "Done when": ingest, search and list directives through the production path."""
    env = {**os.environ, "DASTUR_BACKEND": "elasticsearch", "DASTUR_ES_URL": osmem_clone.url,
           "XDG_STATE_HOME": str(tmp_path / "state")}  # the spool lives in the user state dir
    env.pop("DASTUR_ES_SPOOL", None)
    ingested = _cli(env, "ingest", str(SEED))
    assert ingested.returncode == 0, ingested.stderr
    assert "1 created" in ingested.stderr
    found = _cli(env, "search", "اولویت", "--json")
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["total"] == 1 and result["hits"][0]["source"]["path"].endswith(SEED.name)
    assert "<mark>اولویت</mark>" in result["hits"][0]["snippet"]
    helped = _cli(env, "directives", "--help")
    if helped.returncode != 0:
        pytest.skip("`dastur directives` does not exist yet: the tracking CLI is another issue's work")
    listed = _cli(env, "directives", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {d["record_id"] for d in json.loads(listed.stdout)} == {result["hits"][0]["id"]}


def test_elastic_cli_unreachable_cluster_one_line(tmp_path):
    from click.testing import CliRunner

    from cli import main

    env = {"DASTUR_BACKEND": "elasticsearch", "DASTUR_ES_URL": f"http://127.0.0.1:{free_port()}",
           "DASTUR_ES_SPOOL": str(tmp_path / "spool.jsonl")}
    result = CliRunner().invoke(main, ["search", "اولویت"], env=env)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: E200 elasticsearch at") and "unreachable" in lines[0]


# --- live: a real cluster at $ES_URL ------------------------------------------------------

live = pytest.mark.skipif(not ES_URL, reason="needs a real Elasticsearch/OpenSearch: set ES_URL (README)")


@pytest.fixture
def live_es(tmp_path):
    prefix = live_prefix()
    b = ElasticBackend(ES_URL, index_prefix=prefix, spool_path=tmp_path / "spool.jsonl")
    b.upsert_many(records())
    yield b
    b.close()
    drop_live(prefix)


@pytest.mark.live
@live
def test_elastic_live_persian_chain_and_stemmer(live_es):
    """Elasticsearch (8.x, 9.x) has persian_stem and the normalization filters osmem only accepts."""
    if live_es.server.distribution == "elasticsearch":
        assert live_es.stem is True
    index = live_es.indices["documents"]
    tokens = [t["token"] for t in live_es.client.indices.analyze(
        index=index, analyzer="dastur_persian", text=f"مديركل دستگاه{ZWNJ}های ۸۶")["tokens"]]
    assert "86" in tokens and not any("ي" in t or "ك" in t for t in tokens)  # digits and letters normalized
    template = live_es.client.indices.get_index_template(name=index)["index_templates"][0]
    assert template["index_template"]["_meta"]["persian_stem"] is live_es.stem


@pytest.mark.live
@live
def test_elastic_live_server_highlights_are_used(live_es, monkeypatch):
    import indexer.elastic as elastic

    monkeypatch.setattr(elastic, "snippet", lambda *a, **k: "LOCAL")  # would show if the server's were refused
    [hit] = live_es.search(SearchQuery(text="نیک نام")).hits
    assert f"<mark>نیک{ZWNJ}نام</mark>" in hit.snippet


@pytest.mark.live
@live
def test_elastic_live_reindex_and_tracking(live_es):
    live_es.update_directive("c1-a1", {"status": "done"}, who="مریم", expected_version=1)
    new = live_es.reindex()
    assert new["documents"].endswith("-v2")
    assert live_es.get_directive("c1-a1")["status"] == "done"
    assert [d["id"] for d in live_es.list_directives(DirectiveQuery(status="done"))] == ["c1-a1"]


def test_elastic_live_tests_are_documented():
    text = (Path(ROOT) / "README.md").read_text(encoding="utf-8")
    assert "ES_URL=" in text and "docker run" in text
