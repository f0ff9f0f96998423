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
    if name in ("elasticsearch", "es"):
        raise BackendError("elasticsearch", "not available yet", "use the embedded backend")
    raise BackendError(f"backend {kind!r}", "is unknown", "use one of " + ", ".join(BACKENDS))


__all__ = ["BACKENDS", "default_db_path", "open_backend"]
