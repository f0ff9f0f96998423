"""The URL fetcher: the private-address guard, retries, size limits and clear errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from extractor.errors import BlockedAddress, FetchError
from extractor.fetch import check_address, fetch

PAGE = "<html><body><article><p>معاون وزیر گفت: همه دستگاه‌ها باید گزارش بدهند.</p></article></body></html>"


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        n = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/ok":
            self._send(200, PAGE.encode())
        elif self.path == "/busy-once":
            if n == 1:
                self.send_response(429)
                self.send_header("Retry-After", "0")
                self.end_headers()
            else:
                self._send(200, PAGE.encode())
        elif self.path == "/big":
            self._send(200, b"x" * 5000)
        elif self.path == "/redirect-out":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/secret")
            self.end_headers()
        else:
            self._send(404, b"not found")

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://localhost:8000/x", "http://10.1.2.3/",
                                 "http://192.168.0.1/", "http://[::1]/", "http://169.254.169.254/latest/meta-data"])
def test_fetch_refuses_private_addresses(url: str) -> None:
    with pytest.raises(BlockedAddress, match="--allow-private"):
        check_address(url)


def test_fetch_refuses_loopback_server_by_default(server: str) -> None:
    with pytest.raises(BlockedAddress):
        fetch(server + "/ok")


def test_fetch_reads_page_when_private_allowed(server: str) -> None:
    resp = fetch(server + "/ok", allow_private=True)
    assert resp.status == 200 and "معاون وزیر".encode() in resp.content
    assert resp.content_type.startswith("text/html")


def test_fetch_retries_after_429(server: str) -> None:
    resp = fetch(server + "/busy-once", allow_private=True, backoff=0.01)
    assert resp.status == 200
    assert _Handler.hits["/busy-once"] == 2


def test_fetch_size_limit(server: str) -> None:
    with pytest.raises(FetchError, match="larger than"):
        fetch(server + "/big", allow_private=True, max_bytes=1000)


def test_fetch_http_error_is_one_line(server: str) -> None:
    with pytest.raises(FetchError, match="HTTP 404") as exc:
        fetch(server + "/missing", allow_private=True, retries=0)
    assert "\n" not in str(exc.value)


def test_fetch_checks_every_redirect_hop(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Allowed to reach the local test server, but the redirect to 10.0.0.1 is checked on its own.
    from extractor import fetch as fetch_module

    real = fetch_module.check_address

    def guard(url: str, *, allow_private: bool = False) -> None:
        real(url, allow_private=url.startswith(server))

    monkeypatch.setattr(fetch_module, "check_address", guard)
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.1"):
        fetch(server + "/redirect-out")


def test_fetch_unreachable_host() -> None:
    with pytest.raises(FetchError):
        fetch("http://127.0.0.1:9/", allow_private=True, retries=0, timeout=2)
