"""Every error the service answers is one JSON object: ``{"code": "E201", "detail": "one line"}``.

Codes: E1xx bad input and E2xx backend (the library's), E3xx the service's own:
E300 invalid parameters, E310 no key, E311 unknown or revoked key, E312 role too
low, E313 cross-site request, E314 too large, E315 unsupported content type,
E316 bad If-Match, E317 nothing (or too much) to ingest, E318 malformed body,
E390 no such path or method, E500 a bug.

The library's coded errors (``extractor.errors``, ``indexer.errors``) map to
HTTP statuses here, once. Bad input is always a 4xx; a 500 means a bug.
Pages under ``/ui`` get the same message as an HTML page instead (see web.py).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from extractor.errors import BackendError, BlockedAddress, DasturError, FetchError, InputError
from indexer.errors import ConflictError, InvalidChange, NotFound
from indexer.keys import RoleError

log = logging.getLogger("dastur.service")

# Most specific first: the first class an error is an instance of decides.
STATUS_OF: tuple[tuple[type[DasturError], int], ...] = (
    (NotFound, 404),
    (ConflictError, 409),
    (InvalidChange, 422),
    (RoleError, 422),
    (BlockedAddress, 403),  # the URL points inside our network: refused, whatever the caller's role
    (FetchError, 422),
    (InputError, 422),
    (BackendError, 503),  # the index is unreachable or refused the write: retry later
)


class ApiError(Exception):
    """An error the service itself raises (auth, limits, malformed requests)."""

    def __init__(self, status: int, code: str, source: str, problem: str, fix: str = "",
                 headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.code = code
        self.headers = headers or {}
        self.message = f"{code} {source}: {problem}" + (f" — {fix}" if fix else "")
        super().__init__(self.message)


def status_of(exc: DasturError) -> int:
    return next((status for cls, status in STATUS_OF if isinstance(exc, cls)), 400)


def body(code: str, detail: str) -> dict[str, Any]:
    return {"code": code, "detail": detail}


def is_page(request: Request) -> bool:
    return request.url.path.startswith("/ui")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "request"
        parts.append(f"{where}: {err.get('msg')}")
    return "E300 " + "; ".join(parts) + " — see /docs for the expected parameters"


def install(app: FastAPI, page_error: Any) -> None:
    """Register the handlers. ``page_error(request, status, message)`` renders errors for ``/ui`` pages."""

    def respond(request: Request, status: int, code: str, message: str,
                headers: dict[str, str] | None = None) -> Response:
        if is_page(request):
            return page_error(request, status, message)
        return JSONResponse(body(code, message), status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        return respond(request, exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(DasturError)
    async def _dastur(request: Request, exc: DasturError) -> Response:
        status = status_of(exc)
        if status >= 500:
            log.warning("backend error: %s", exc)
        return respond(request, status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return respond(request, 422, "E300", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = "E390" if exc.status_code < 500 else "E500"  # an unknown path, a method it does not take
        what = f"{request.method} {request.url.path}"
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        return respond(request, exc.status_code, code, f"{code} {what}: {detail}", dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond(request, 500, "E500", "E500 internal error — this is a bug in dastur; the log has details")
