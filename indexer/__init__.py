"""Record → backend. ``open_backend`` is the one door; backends are imported only when opened."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractor.errors import BackendError

if TYPE_CHECKING:
    from .base import Backend

BACKENDS = ("embedded", "elasticsearch")


def default_db_path() -> Path:
    """``$DASTUR_DB``, else ``dastur.db`` in the user's data directory."""
    env = os.environ.get("DASTUR_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("dastur")) / "dastur.db"


def open_backend(kind: str = "embedded", *, db: str | None = None, **options: Any) -> Backend:
    """Open a backend by name: "embedded" (alias "sqlite") or "elasticsearch".

    Example:
        with open_backend(db=":memory:") as backend:
            backend.upsert(record)
    """
    name = (kind or "").strip().lower()
    if name in ("embedded", "sqlite"):
        from .sqlite import SQLiteBackend

        return SQLiteBackend(db or default_db_path(), **options)
    if name in ("elasticsearch", "es", "opensearch"):
        from .elastic import ElasticBackend

        return ElasticBackend(**_es_options(options))
    raise BackendError(f"backend {kind!r}", "is unknown", "use one of " + ", ".join(BACKENDS))


def _es_options(options: dict[str, Any]) -> dict[str, Any]:
    """CLI-style names (es_url, es_api_key, es_user/es_password, es_ca_certs) → ElasticBackend's, with the
    DASTUR_ES_* environment as the fallback for each."""
    opts = dict(options)
    env = os.environ.get
    url = opts.pop("es_url", None) or opts.pop("url", None) or env("DASTUR_ES_URL")
    api_key = opts.pop("es_api_key", None) or env("DASTUR_ES_API_KEY")
    user = opts.pop("es_user", None) or env("DASTUR_ES_USER")
    password = opts.pop("es_password", None) or env("DASTUR_ES_PASSWORD")
    ca_certs = opts.pop("es_ca_certs", None) or env("DASTUR_ES_CA_CERTS")
    if api_key:
        opts.setdefault("api_key", api_key)
    if user:
        opts.setdefault("basic_auth", (user, password or ""))
    if ca_certs:
        opts.setdefault("ca_certs", ca_certs)
    prefix = env("DASTUR_ES_PREFIX")
    if prefix:
        opts.setdefault("index_prefix", prefix)
    return {"url": url, **{k: v for k, v in opts.items() if v is not None}}


__all__ = ["BACKENDS", "default_db_path", "open_backend"]
