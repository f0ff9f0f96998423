"""Connecting to Elasticsearch or OpenSearch with the official client, and errors as one line.

The official ``elasticsearch`` client (9.x) speaks to a server through
vendor media types (``application/vnd.elasticsearch+json; compatible-with=9``)
and refuses any answer without ``X-Elastic-Product: Elasticsearch``. That is
right for Elasticsearch 9, and wrong everywhere else:

- Elasticsearch 8 answers ``compatible-with=9`` with HTTP 400;
- OpenSearch (and osmem, which reports itself as OpenSearch) rejects vendor
  media types with HTTP 406, and sends no product header.

So ``connect`` first reads ``GET /`` at the transport level (no media-type
rewriting, no product check), detects the distribution and version, and
then builds the client with a node class that speaks the server's dialect.
This is the production path; tests go through it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from elastic_transport import ApiError, ConnectionError, ConnectionTimeout, HttpHeaders, TlsError, TransportError
from elastic_transport import Urllib3HttpNode as _Node
from elastic_transport._node import NodeApiResponse
from elastic_transport.client_utils import DEFAULT, DefaultType

from extractor.errors import BackendError

# What dastur is tested against (live: Elasticsearch 8/9; CI: osmem, an OpenSearch 3 look-alike).
SUPPORTED = {"elasticsearch": (8, 9), "opensearch": (2, 3)}
CLIENT_MAJOR = 9  # the media type the installed client sends: compatible-with=9
_VENDOR = re.compile(r"application/vnd\.elasticsearch\+([\w-]+)(?:\s*;\s*compatible-with=\d+)?")


@dataclass(frozen=True)
class ServerInfo:
    """What ``GET /`` says: distribution ("elasticsearch" or "opensearch") and version."""

    distribution: str
    version: str
    name: str = ""

    @property
    def major(self) -> int:
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else 0

    @property
    def label(self) -> str:
        return f"{'OpenSearch' if self.distribution == 'opensearch' else 'Elasticsearch'} {self.version}"

    @property
    def supported(self) -> bool:
        return self.major in SUPPORTED.get(self.distribution, ())


def server_info(body: Any) -> ServerInfo:
    """Read ``GET /``: OpenSearch says so in ``version.distribution`` and in its tagline."""
    body = body if isinstance(body, dict) else {}
    version = body.get("version") if isinstance(body.get("version"), dict) else {}
    tagline = str(body.get("tagline") or "")
    opensearch = str(version.get("distribution") or "").lower() == "opensearch" or "opensearch" in tagline.lower()
    return ServerInfo("opensearch" if opensearch else "elasticsearch", str(version.get("number") or ""),
                      str(body.get("cluster_name") or ""))


def rewrite_media_type(value: str, compat: int | None) -> str:
    """``application/vnd.elasticsearch+json; compatible-with=9`` → plain ``application/json`` (compat None)
    or the same vendor type for another major version."""
    if compat is None:
        return _VENDOR.sub(r"application/\1", value)
    return _VENDOR.sub(rf"application/vnd.elasticsearch+\1; compatible-with={compat}", value)


class _DialectNode(_Node):
    """The default urllib3 node, with the media types of one server dialect."""

    compat: int | None = None  # None: plain application/json (OpenSearch)

    def perform_request(self, method: str, target: str, body: bytes | None = None,
                        headers: HttpHeaders | None = None,
                        request_timeout: DefaultType | float | None = DEFAULT) -> NodeApiResponse:
        if headers:
            headers = HttpHeaders(headers)
            for key in ("accept", "content-type"):
                if key in headers:
                    headers[key] = rewrite_media_type(headers[key], self.compat)
        response = super().perform_request(method, target, body=body, headers=headers,
                                           request_timeout=request_timeout)
        if self.compat is None and "x-elastic-product" not in response.meta.headers:
            # The distribution was checked from GET / at connect; the client's own check would refuse it.
            response.meta.headers["x-elastic-product"] = "Elasticsearch"
        return response


class OpenSearchNode(_DialectNode):
    compat = None


class Elasticsearch8Node(_DialectNode):
    compat = 8


def node_class_for(server: ServerInfo) -> type[_Node] | None:
    """The node class for a server, or None when the client's default dialect fits."""
    if server.distribution == "opensearch":
        return OpenSearchNode
    if server.major == 8:
        return Elasticsearch8Node
    return None


def safe_url(url: str) -> str:
    """The URL without user:password, fit for messages and the spool."""
    return re.sub(r"//[^/@]*@", "//", url)


def backend_error(exc: BaseException, where: str) -> BackendError:
    """One line that names the cluster, says what went wrong and what to do."""
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, TlsError):
        return BackendError(where, f"failed the TLS handshake ({_short(exc)})",
                            "pass the cluster's CA with --es-ca-certs (env DASTUR_ES_CA_CERTS)")
    if isinstance(exc, ConnectionError | ConnectionTimeout):
        return BackendError(where, f"is unreachable ({_short(exc)})",
                            "start the cluster or fix --es-url / DASTUR_ES_URL")
    if isinstance(exc, ApiError):
        status = exc.meta.status if exc.meta is not None else 0
        if status == 401:
            return BackendError(where, "rejected the credentials (401)",
                                "check --es-api-key or --es-user/--es-password (env DASTUR_ES_API_KEY …)")
        if status == 403:
            return BackendError(where, f"refused the request (403: {_reason(exc)})",
                                "give the user the index privileges on the dastur-* indices")
        return BackendError(where, f"answered {status}: {_reason(exc)}", "")
    if isinstance(exc, TransportError):
        return BackendError(where, f"failed ({_short(exc)})", "")
    return BackendError(where, f"failed ({type(exc).__name__}: {_short(exc)})", "")


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc)
    text = re.sub(r"^\w*Connection(?:Pool)?\([^)]*\):\s*", "", text)  # urllib3's "HTTPConnection(host=…): "
    return " ".join(text.split())[:200]


def _reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        cause = (err.get("root_cause") or [err])[0]
        return " ".join(f"{cause.get('type', '')}: {cause.get('reason', '')}".split())[:300]
    return _short(exc)


def connect(url: str | None, *, client: Any = None, api_key: str | tuple[str, str] | None = None,
            basic_auth: tuple[str, str] | None = None, ca_certs: str | None = None, verify_certs: bool = True,
            request_timeout: float = 30.0, max_retries: int = 2) -> tuple[Any, ServerInfo]:
    """A client fit for the server at ``url`` (or behind ``client``), and what the server is.

    Raises BackendError when the server is unreachable, refuses the credentials,
    or is a distribution or version dastur does not support.
    """
    from elasticsearch import Elasticsearch

    where = f"elasticsearch at {safe_url(url or _client_url(client))}"
    options: dict[str, Any] = {"request_timeout": request_timeout, "max_retries": max_retries,
                               "retry_on_timeout": True}
    if api_key:
        options["api_key"] = api_key
    if basic_auth:
        options["basic_auth"] = basic_auth
    if ca_certs:
        options["ca_certs"] = ca_certs
    if not verify_certs:
        options["verify_certs"] = False
        options["ssl_show_warn"] = False
    if client is None:
        if not url:
            raise BackendError("elasticsearch", "has no URL", "pass --es-url or set DASTUR_ES_URL")
        try:
            probe = Elasticsearch(url, **options)
        except (ValueError, TypeError) as e:
            raise BackendError(where, f"cannot be used ({e})", "give a URL like http://127.0.0.1:9200") from e
    else:
        probe = client
    try:
        meta, body = probe.transport.perform_request("GET", "/", headers={"accept": "application/json"},
                                                     max_retries=0)
    except TransportError as e:
        raise backend_error(e, where) from e
    if meta.status in (401, 403):
        raise BackendError(where, f"rejected the credentials ({meta.status})",
                           "check --es-api-key or --es-user/--es-password (env DASTUR_ES_API_KEY …)")
    if not 200 <= meta.status < 300:
        raise BackendError(where, f"answered GET / with {meta.status}", "is this an Elasticsearch URL?")
    server = server_info(body)
    if not server.supported:
        raise BackendError(where, f"is {server.label}, which dastur does not support",
                           "use Elasticsearch 8.x/9.x or OpenSearch 2.x/3.x")
    node_class = node_class_for(server)
    if client is not None:
        nodes = list(client.transport.node_pool.all())
        if node_class is not None and not all(isinstance(n, node_class) for n in nodes):
            raise BackendError(where, f"is {server.label}, and the client given speaks Elasticsearch "
                               f"{CLIENT_MAJOR}'s media types", f"build it with node_class={node_class.__name__} "
                               "(indexer.es_client), or pass the URL instead of a client")
        return client, server
    if node_class is None:
        return probe, server
    probe.close()
    return Elasticsearch(url, node_class=node_class, **options), server


def _client_url(client: Any) -> str:
    try:
        node = next(iter(client.transport.node_pool.all()))
        return str(node.base_url)
    except Exception:  # a client without a node pool: only the message suffers
        return "?"
