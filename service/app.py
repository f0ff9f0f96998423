"""The FastAPI application: the API, the pages, static files, and a docs page that needs no CDN.

FastAPI's own /docs loads Swagger UI from a CDN; here it is off, and /docs
is a small page of ours (static/docs.html) that reads /openapi.json.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from indexer.keys import KeyStore

from . import api, errors, limits, web
from .config import Settings
from .headers import SecurityHeaders
from .views import STATIC, templates

log = logging.getLogger("dastur.service")

DESCRIPTION = """Persian press releases as structured, searchable, trackable records.

Send an API key as `Authorization: Bearer <key>` (make one with `dastur keys create --role ROLE`).
Roles: **viewer** reads, **editor** also ingests, **manager** also updates directives.
Errors are `{"code": "E…", "detail": "one line"}`."""


def warm_queries() -> None:
    """Build hazm's Normalizer before the first request: searches fold their query with it, and
    worker threads that all miss it at once would each build one (seconds apiece, one at a time)."""
    from indexer.snippets import query_terms

    query_terms("گرم کردن")


def warm_up(done: threading.Event) -> None:
    """Load spaCy, hazm and the rules once, so that the first upload does not wait ~10 s for them."""
    try:
        from extractor.pipeline import extract_text

        extract_text("استاندار گفت: دستگاه‌ها باید گزارش عملکرد را ارائه کنند.")
    except Exception:  # never fatal: the first upload then pays for the loading
        log.warning("warm-up failed", exc_info=True)
    finally:
        done.set()


def create_app(backend: Any, keys: KeyStore | None = None, settings: Settings | None = None) -> FastAPI:
    """The service over an open backend. ``keys`` defaults to the backend's own key store."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm:
            await run_in_threadpool(warm_queries)
            threading.Thread(target=warm_up, args=(app.state.extractor_ready,), name="dastur-warm-up",
                             daemon=True).start()
        yield

    app = FastAPI(title="dastur", version="0.1.0", description=DESCRIPTION, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", lifespan=lifespan)
    app.state.backend = backend
    app.state.keys = keys or KeyStore.for_backend(backend)
    app.state.settings = settings
    app.state.templates = templates()
    app.state.extractor_ready = threading.Event()  # set once warm_up has loaded the extraction pipeline
    errors.install(app, web.page_error)
    limits.install(app, settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: the 413 of BodyLimit gets them too
    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/search", status_code=303)

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html", media_type="text/html")

    return app
