"""The HTTP service through FastAPI's TestClient: every endpoint, roles, conflicts, limits, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.keys import KeyStore
from indexer.sqlite import SQLiteBackend
from service import Settings, create_app
from service.auth import csrf_token
from service.views import highlight, snippet_html
from tests.test_cli import RELEASE

LIMIT = 100_000  # upload limit of the test service


@pytest.fixture()
def service(seed_record: dict) -> Iterator[dict[str, Any]]:
    backend = SQLiteBackend(":memory:")
    backend.upsert(seed_record)
    keys = KeyStore(":memory:")
    tokens = {role: keys.create(role, name=f"{role}-tester").token for role in ("viewer", "editor", "manager")}
    app = create_app(backend, keys, Settings(max_upload_bytes=LIMIT, allow_private=False, anonymous_read=False,
                                             warm=False))
    with TestClient(app) as client:
        yield {"client": client, "backend": backend, "keys": keys, "tokens": tokens, "record": seed_record,
               "app": app}
    backend.close()
    keys.close()


def auth(svc: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {svc['tokens'][role]}"}


def a_directive(svc: dict[str, Any]) -> str:
    return svc["record"]["action_items"][0]["id"]


def read_paths(svc: dict[str, Any]) -> list[str]:
    rid, did = svc["record"]["id"], a_directive(svc)
    return ["/search?q=اولویت", f"/records/{rid}", "/directives", f"/directives/{did}",
            f"/directives/{did}/history", f"/directives/{did}/followups", "/officials"]


# --- health, docs --------------------------------------------------------------------------------


def test_service_health_needs_no_key(service: dict[str, Any]) -> None:
    r = service["client"].get("/health")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.status_code == 200 and r.json() == {"status": "ok", "backend": "embedded", "extractor": "loading"}


def test_service_docs_and_openapi_need_no_cdn(service: dict[str, Any]) -> None:
    client = service["client"]
    spec = client.get("/openapi.json").json()
    assert {"/documents", "/search", "/directives/{directive_id}", "/officials"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    for page in (docs.text, client.get("/static/docs.js").text, client.get("/ui/login").text):
        assert "cdn" not in page.lower() and "https://" not in page.replace("placeholder=\"https://\"", "")


# --- auth ----------------------------------------------------------------------------------------


def test_service_reads_need_a_key(service: dict[str, Any]) -> None:
    client = service["client"]
    for path in read_paths(service):
        missing = client.get(path)
        assert missing.status_code == 401, path
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["code"] == "E310"
        wrong = client.get(path, headers={"Authorization": "Bearer dastur_00000000_nope"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "E311"
        assert client.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
        assert client.get(path, headers=auth(service, "viewer")).status_code == 200, path


def test_service_revoked_key_stops_working(service: dict[str, Any]) -> None:
    client, keys = service["client"], service["keys"]
    key = keys.create("viewer")
    assert client.get("/directives", headers={"Authorization": f"Bearer {key.token}"}).status_code == 200
    keys.revoke(key.id)
    assert client.get("/directives", headers={"Authorization": f"Bearer {key.token}"}).status_code == 401


def test_service_roles_viewer_cannot_ingest_editor_cannot_patch(service: dict[str, Any]) -> None:
    client, did = service["client"], a_directive(service)
    r = client.post("/documents", json={"text": RELEASE}, headers=auth(service, "viewer"))
    assert r.status_code == 403 and r.json()["code"] == "E312"
    r = client.patch(f"/directives/{did}", json={"status": "done"}, headers=auth(service, "editor"))
    assert r.status_code == 403
    r = client.patch(f"/directives/{did}", json={"status": "done"}, headers=auth(service, "manager"))
    assert r.status_code == 200 and r.json()["status"] == "done"


def test_service_anonymous_read_when_allowed(seed_record: dict) -> None:
    with SQLiteBackend(":memory:") as backend, KeyStore(":memory:") as keys:
        backend.upsert(seed_record)
        app = create_app(backend, keys, Settings(anonymous_read=True, warm=False))
        with TestClient(app) as client:
            assert client.get("/search?q=اولویت").json()["total"] == 1
            assert client.post("/documents", json={"text": RELEASE}).status_code == 401


# --- records -------------------------------------------------------------------------------------


def test_service_post_documents_json_file_and_raw_text(service: dict[str, Any]) -> None:
    client, hdr = service["client"], auth(service, "editor")
    r = client.post("/documents", json={"text": RELEASE}, headers=hdr)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["action_items"] and r.headers["x-dastur-index"] == "created"
    assert r.headers["location"] == f"/records/{rec['id']}"
    again = client.post("/documents", content=RELEASE.encode(), headers={**hdr, "Content-Type": "text/plain"})
    assert again.status_code == 200 and again.headers["x-dastur-index"] == "unchanged"
    upload = client.post("/documents", files={"file": ("release.txt", RELEASE.encode(), "text/plain")}, headers=hdr)
    assert upload.status_code in (200, 201) and upload.json()["id"] == rec["id"]
    assert client.get(f"/records/{rec['id']}", headers=auth(service, "viewer")).json()["title"] == rec["title"]
    found = client.get("/search", params={"q": "گزارش عملکرد", "place": "کرمانشاه"}, headers=hdr).json()
    assert rec["id"] in [h["id"] for h in found["hits"]]


def test_service_search_filters_and_facets(service: dict[str, Any]) -> None:
    client, hdr = service["client"], auth(service, "viewer")
    r = client.get("/search", params={"q": "اولویت", "place": "کرمانشاه", "limit": 5}, headers=hdr).json()
    assert r["total"] == 1 and "<mark>" in r["hits"][0]["snippet"]
    assert {"topic", "place", "organization", "official"} <= set(r["facets"])
    none = client.get("/search", params={"q": "اولویت", "place": "تبریز"}, headers=hdr).json()
    assert none["total"] == 0
    dated = client.get("/search", params={"since": "1402/01/01", "until": "2030-01-01"}, headers=hdr)
    assert dated.status_code == 200


# --- directives ----------------------------------------------------------------------------------


def test_service_directives_list_get_patch_history(service: dict[str, Any]) -> None:
    client, did = service["client"], a_directive(service)
    view, manage = auth(service, "viewer"), auth(service, "manager")
    listed = client.get("/directives", params={"status": "open"}, headers=view).json()
    assert did in [d["id"] for d in listed["directives"]] and listed["count"] == len(listed["directives"])
    got = client.get(f"/directives/{did}", headers=view)
    assert got.headers["etag"] == '"1"' and got.json()["status"] == "open"
    r = client.patch(f"/directives/{did}", headers={**manage, "If-Match": '"1"'},
                     json={"status": "in_progress", "owner": "اداره کل", "due": "1402/12/29",
                           "note": "پیگیری شد", "evidence": {"url": "https://example.ir/n/2", "title": "خبر"}})
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["status"], d["owner"], d["due"], d["version"]) == ("in_progress", "اداره کل", "2024-03-19", 2)
    assert r.headers["etag"] == '"2"' and d["notes"][0]["text"] == "پیگیری شد"
    assert d["evidence"][0]["title"] == "خبر"
    history = client.get(f"/directives/{did}/history", headers=view).json()["history"]
    assert {h["field"] for h in history} == {"status", "owner", "due", "note", "evidence"}
    assert all(h["who"].startswith("manager-tester (key ") for h in history)
    assert client.get("/directives", params={"status": "in_progress"}, headers=view).json()["count"] == 1


def test_service_reingest_keeps_tracking_state(service: dict[str, Any]) -> None:
    client, hdr = service["client"], auth(service, "manager")
    rec = client.post("/documents", json={"text": RELEASE}, headers=hdr).json()
    did = rec["action_items"][0]["id"]
    client.patch(f"/directives/{did}", json={"status": "done", "owner": "استانداری"}, headers=hdr)
    again = client.post("/documents", files={"file": ("renamed.txt", RELEASE.encode(), "text/plain")}, headers=hdr)
    assert again.headers["x-dastur-index"] == "updated"  # another source path: the record changed
    d = client.get(f"/directives/{did}", headers=hdr).json()
    assert (d["status"], d["owner"], d["version"]) == ("done", "استانداری", 2)


def test_service_patch_conflict_is_409(service: dict[str, Any]) -> None:
    client, did, hdr = service["client"], a_directive(service), auth(service, "manager")
    assert client.patch(f"/directives/{did}", json={"status": "in_progress"}, headers={**hdr, "If-Match": "1"}
                        ).status_code == 200
    stale = client.patch(f"/directives/{did}", json={"status": "done"}, headers={**hdr, "If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["code"] == "E202"
    body = client.patch(f"/directives/{did}", json={"status": "done", "expected_version": 1}, headers=hdr)
    assert body.status_code == 409
    ok = client.patch(f"/directives/{did}", json={"status": "done", "expected_version": 2}, headers=hdr)
    assert ok.status_code == 200 and ok.json()["version"] == 3
    assert client.patch(f"/directives/{did}", json={"status": "open"}, headers={**hdr, "If-Match": "x"}
                        ).status_code == 400
    assert client.patch(f"/directives/{did}", json={"status": "open", "expected_version": 3},
                        headers={**hdr, "If-Match": "2"}).status_code == 400


def test_service_officials_counts_directives_by_status(service: dict[str, Any]) -> None:
    client, did = service["client"], a_directive(service)
    client.patch(f"/directives/{did}", json={"status": "done"}, headers=auth(service, "manager"))
    officials = client.get("/officials", headers=auth(service, "viewer")).json()["officials"]
    top = officials[0]
    assert top["name"] == "سلیمان پاک\u200cسرشت" and top["records"] == 1
    assert top["directives"] == sum(top["statuses"].values()) and top["statuses"]["done"] == 1


# --- limits and bad input ------------------------------------------------------------------------


def test_service_upload_too_large_is_413(service: dict[str, Any]) -> None:
    client, hdr = service["client"], auth(service, "editor")
    big = ("سلام " * (LIMIT // 4)).encode()
    r = client.post("/documents", files={"file": ("big.txt", big, "text/plain")}, headers=hdr)
    assert r.status_code == 413 and r.json()["code"] == "E314"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b"x" * 10_000

    r = client.post("/documents", content=chunks(), headers={**hdr, "Content-Type": "text/plain"})
    assert r.status_code == 413


PDF_BROKEN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a pdf"
ENGLISH = b"The minister said every agency must report by the end of the year. " * 4


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("post", "/documents", {"files": {"file": ("empty.txt", b"", "text/plain")}}, 422),
        ("post", "/documents", {"files": {"file": ("blob.bin", b"\x00\x01\x02binary" * 50, "application/x")}}, 422),
        ("post", "/documents", {"files": {"file": ("broken.pdf", PDF_BROKEN, "application/pdf")}}, 422),
        ("post", "/documents", {"files": {"file": ("english.txt", ENGLISH, "text/plain")}}, 422),
        ("post", "/documents", {"content": PDF_BROKEN, "headers": {"Content-Type": "application/pdf"}}, 422),
        ("post", "/documents", {"json": {"text": "   "}}, 422),
        ("post", "/documents", {"json": {"text": ENGLISH.decode()}}, 422),
        ("post", "/documents", {"json": {}}, 422),
        ("post", "/documents", {"json": ["not", "an", "object"]}, 422),
        ("post", "/documents", {"json": {"url": "https://example.ir/a", "text": "متن"}}, 422),
        ("post", "/documents", {"json": {"url": "ftp://example.ir/a"}}, 422),
        ("post", "/documents", {"json": {"url": "http://127.0.0.1:9/secret"}}, 403),
        ("post", "/documents", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400),
        ("post", "/documents", {"content": b"x", "headers": {"Content-Type": "image/png"}}, 415),
        ("post", "/documents", {"content": b"--zz\r\nbroken", "headers": {
            "Content-Type": "multipart/form-data; boundary=zz"}}, 422),
        ("get", "/search?since=1402/13/40", {}, 422),
        ("get", "/search?until=tomorrow", {}, 422),
        ("get", "/search?limit=0", {}, 422),
        ("get", "/search?sort=best", {}, 422),
        ("get", "/records/nope", {}, 404),
        ("get", "/directives?status=finished", {}, 422),
        ("get", "/directives?since=x", {}, 422),
        ("get", "/directives/nope", {}, 404),
        ("get", "/directives/nope/history", {}, 404),
        ("get", "/directives/nope/followups", {}, 404),
        ("patch", "/directives/nope", {"json": {"status": "done"}}, 404),
        ("patch", "/directives/{did}", {"json": {"status": "finished"}}, 422),
        ("patch", "/directives/{did}", {"json": {"due": "31 اسفند"}}, 422),
        ("patch", "/directives/{did}", {"json": {"colour": "red"}}, 422),
        ("patch", "/directives/{did}", {"json": {"evidence": {"title": "no url"}}}, 422),
        ("patch", "/directives/{did}", {"content": b"[", "headers": {"Content-Type": "application/json"}}, 422),
        ("get", "/no/such/path", {}, 404),
        ("delete", "/directives/{did}", {}, 405),
    ],
)
def test_service_bad_input_is_a_clear_4xx(service: dict[str, Any], method: str, path: str,
                                          kwargs: dict[str, Any], status: int) -> None:
    kwargs = dict(kwargs)
    headers = {**auth(service, "manager"), **kwargs.pop("headers", {})}
    r = service["client"].request(method, path.format(did=a_directive(service)), headers=headers, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"].startswith("E") and "\n" not in body["detail"] and body["detail"]


# --- the web pages -------------------------------------------------------------------------------


def login(svc: dict[str, Any], role: str) -> TestClient:
    client = svc["client"]
    r = client.post("/ui/login", data={"key": svc["tokens"][role], "next": "/ui/board"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/board"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    return client


def test_service_pages_need_login(service: dict[str, Any]) -> None:
    r = service["client"].get("/ui/board?status=open", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next=/ui/board")
    bad = service["client"].post("/ui/login", data={"key": "dastur_00000000_x"})
    assert bad.status_code == 401 and 'dir="rtl"' in bad.text


def test_service_pages_render_rtl_with_jalali_and_highlights(service: dict[str, Any]) -> None:
    client, rec = login(service, "manager"), service["record"]
    page = client.get("/ui/search", params={"q": "اولویت"})
    assert page.status_code == 200 and '<html lang="fa" dir="rtl">' in page.text
    assert rec["title"] in page.text and "<mark>" in page.text and "موضوع" in page.text
    shown = client.get(f"/ui/records/{rec['id']}").text
    assert 'class="official"' in shown and "priority" in shown and f'id="d-{a_directive(service)}"' in shown
    missing = client.get("/ui/records/nope")
    assert missing.status_code == 404 and "E201" in missing.text and 'dir="rtl"' in missing.text
    board = client.get("/ui/board").text
    assert a_directive(service) in board and "status-select" in board
    client.patch(f"/directives/{a_directive(service)}", json={"due": "2024-03-19"}, headers=auth(service, "manager"))
    assert "۱۴۰۲/۱۲/۲۹" in client.get("/ui/board").text  # the due date, in Jalali with Persian digits


def test_service_upload_form_ingests_and_redirects(service: dict[str, Any]) -> None:
    client = login(service, "editor")
    form = client.get("/ui/upload").text
    assert 'enctype="multipart/form-data"' in form
    token = csrf_token(service["tokens"]["editor"])
    r = client.post("/ui/upload", data={"csrf_token": token, "text": RELEASE}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/records/")
    bad = client.post("/ui/upload", data={"csrf_token": token, "text": "hello world, not Persian at all"})
    assert bad.status_code == 422 and "E105" in bad.text
    assert client.post("/ui/upload", data={"text": RELEASE}).status_code == 403  # no CSRF token


def test_service_viewer_sees_no_upload_and_cannot_open_it(service: dict[str, Any]) -> None:
    client = login(service, "viewer")
    assert "nav-upload" not in client.get("/ui/search").text
    assert client.get("/ui/upload").status_code == 403


def test_service_cookie_writes_need_csrf_and_same_origin(service: dict[str, Any]) -> None:
    client, did = login(service, "manager"), a_directive(service)
    token = csrf_token(service["tokens"]["manager"])
    assert client.patch(f"/directives/{did}", json={"status": "done"}).status_code == 403
    assert client.patch(f"/directives/{did}", json={"status": "done"},
                        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}).status_code == 403
    assert client.patch(f"/directives/{did}", json={"status": "done"},
                        headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"}).status_code == 403
    ok = client.patch(f"/directives/{did}", json={"status": "done"},
                      headers={"X-CSRF-Token": token, "Origin": "http://testserver"})
    assert ok.status_code == 200 and ok.json()["status"] == "done"


def test_views_highlight_marks_overlapping_spans_and_escapes() -> None:
    text = "آقای <b>احمدی</b> گفت باید گزارش بدهند."
    s = text.index("<b>")
    out = str(highlight(text, {"official": [(s, s + 12, {"title": "احمدی"})],
                               "action": [(s, len(text), {"id": "d-1"})]}))
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert '<span class="official action" title="احمدی" id="d-1">' in out
    assert '<span class="action">' in out


def test_views_snippet_keeps_only_marks_live() -> None:
    out = str(snippet_html("a <mark>ب&amp;</mark> &lt;script&gt; <script>x</script>"))
    assert out == "a <mark>ب&amp;</mark> &lt;script&gt; &lt;script&gt;x&lt;/script&gt;"


def test_service_api_over_elasticsearch(osmem_seeded: Any, tmp_path: Any) -> None:
    """The same routes over the other backend (osmem): the service knows only the Backend protocol."""
    from tests.backend_fixtures import Store

    clone = osmem_seeded.clone()
    store = Store("elasticsearch", tmp_path, clone.url)
    try:
        with KeyStore(":memory:") as keys:
            token = keys.create("manager", name="es").token
            hdr = {"Authorization": f"Bearer {token}"}
            with TestClient(create_app(store.open(), keys, Settings(warm=False))) as client:
                assert client.get("/health").json()["backend"] == "elasticsearch"
                assert client.get("/search", headers=hdr).json()["total"] > 0
                did = client.get("/directives", headers=hdr).json()["directives"][0]["id"]
                got = client.get(f"/directives/{did}", headers=hdr)
                version = got.json()["version"]
                r = client.patch(f"/directives/{did}", json={"status": "in_progress"},
                                 headers={**hdr, "If-Match": str(version)})
                assert r.status_code == 200 and r.json()["status"] == "in_progress"
                stale = client.patch(f"/directives/{did}", json={"status": "done"},
                                     headers={**hdr, "If-Match": str(version)})
                assert stale.status_code == 409
                history = client.get(f"/directives/{did}/history", headers=hdr).json()["history"]
                assert history[-1]["new"] == "in_progress" and history[-1]["who"].startswith("es (key ")
                assert client.get("/officials", headers=hdr).json()["officials"]
    finally:
        store.close()
        clone.close()
