"""The HTTP service: a JSON API and a Persian web UI over the library, as thin as ``cli.py``.

Example:
    from service import Settings, create_app
    app = create_app(backend, keys, Settings(max_upload_bytes=5_000_000))
    # uvicorn.run(app, host="127.0.0.1", port=8000), or `dastur serve`
"""

from __future__ import annotations

from .app import create_app
from .config import Settings

__all__ = ["Settings", "create_app"]
