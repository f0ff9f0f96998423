"""Fetching URLs politely and safely.

- Refuses private, loopback, link-local and reserved addresses unless
  ``allow_private`` is set (or ``DASTUR_ALLOW_PRIVATE=1``), so a URL submitted
  to the service cannot reach internal hosts. Every redirect hop is checked.
- Honest User-Agent, timeouts, a size limit, and retries with backoff on 429
  and 5xx (honouring ``Retry-After``).
- ``before_request`` runs before every request, redirect hops and retries
  included: the crawler (``extractor.crawl``) hooks robots.txt and its
  per-host rate limit there, so no request escapes either.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .errors import BlockedAddress, FetchError, HTTPStatusError

USER_AGENT = "dastur/0.1 (Persian press-release indexer; +https://pypi.org/project/dastur/)"
MAX_BYTES = 20 * 1024 * 1024  # a press release page or circular is far below this
TIMEOUT = 20.0
MAX_REDIRECTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass
class Response:
    url: str
    status: int
    content: bytes
    content_type: str
    charset: str | None
    fetched_at: str


def private_allowed(flag: bool = False) -> bool:
    return flag or os.environ.get("DASTUR_ALLOW_PRIVATE", "") in {"1", "true", "yes"}


def check_address(url: str, *, allow_private: bool = False) -> None:
    """Raise BlockedAddress if ``url``'s host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError(url, "only http and https URLs can be fetched", "pass a full http(s) URL")
    if private_allowed(allow_private):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(url, f"the host cannot be resolved ({exc.strerror})", "check the URL") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global or ip.is_multicast:
            raise BlockedAddress(url, f"the host resolves to a private or loopback address ({ip})",
                                 "use --allow-private (or DASTUR_ALLOW_PRIVATE=1) if this is intended")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"


def _retry_after(value: str | None, attempt: int, backoff: float) -> float:
    if value and value.strip().isdigit():
        return min(float(value), 60.0)
    return backoff * (2**attempt)


def fetch(url: str, *, allow_private: bool = False, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT,
          retries: int = 2, backoff: float = 1.0, client: object | None = None,
          before_request: Callable[[str], None] | None = None) -> Response:
    """GET ``url`` and return its body, following redirects by hand so each hop is checked.

    ``before_request(url)`` is called before every request (each redirect hop, each retry) after
    the address check; it may sleep (rate limit) or raise (robots.txt).
    """
    import httpx

    from .sources import utcnow

    own = client is None
    http = client or httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=False)
    assert isinstance(http, httpx.Client)
    try:
        current = url
        for attempt in range(retries + 1):
            for _ in range(MAX_REDIRECTS + 1):
                check_address(current, allow_private=allow_private)
                if before_request is not None:
                    before_request(current)
                try:
                    with http.stream("GET", current) as resp:
                        if resp.is_redirect and "location" in resp.headers:
                            current = urljoin(current, resp.headers["location"])
                            continue
                        if resp.status_code in RETRY_STATUSES and attempt < retries:
                            wait = _retry_after(resp.headers.get("retry-after"), attempt, backoff)
                            break
                        if resp.status_code >= 400:
                            raise HTTPStatusError(url, resp.status_code)
                        declared = resp.headers.get("content-length")
                        if declared and declared.isdigit() and int(declared) > max_bytes:
                            raise FetchError(url, f"the page is larger than {_size(max_bytes)}",
                                             "download it and pass the file")
                        body = bytearray()
                        for chunk in resp.iter_bytes():
                            body.extend(chunk)
                            if len(body) > max_bytes:
                                raise FetchError(url, f"the page is larger than {_size(max_bytes)}",
                                                 "download it and pass the file")
                        ctype = resp.headers.get("content-type", "")
                        return Response(str(resp.url), resp.status_code, bytes(body), ctype.lower(),
                                        resp.charset_encoding, utcnow())
                except httpx.TimeoutException:
                    raise FetchError(url, f"no answer within {timeout:g} s", "try again later") from None
                except httpx.HTTPError as exc:
                    raise FetchError(url, f"cannot connect ({type(exc).__name__})",
                                     "check the URL and your network") from None
            else:
                raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", "pass the final URL")
            time.sleep(wait)
        raise FetchError(url, "the server kept failing", "try again later")  # pragma: no cover
    finally:
        if own:
            http.close()
