"""Request body size limit, enforced before the body is read.

A declared ``Content-Length`` over the limit is refused at once with 413,
without reading a byte of the body. A body without one (chunked) is counted
as it streams in and refused the moment it passes the limit. Multipart
framing adds a little to a file's size, so the limit on the whole body is
the file limit plus ``FRAMING``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAMING = 64 * 1024  # multipart boundaries, part headers and the other form fields


class TooLarge(Exception):
    pass


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limit = max_bytes + FRAMING

    async def _refuse(self, send: Send) -> None:
        message = (f"E314 upload: the request body is larger than {_megabytes(self.max_bytes)} — "
                   "send a smaller file, or raise the limit with `dastur serve --max-upload-mb`")
        payload = json.dumps({"code": "E314", "detail": message}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except TooLarge:
            if not started:
                await self._refuse(send)
        except Exception as exc:  # starlette may wrap what the body reader raised
            if _caused_by_too_large(exc) and not started:
                await self._refuse(send)
            else:
                raise


def _caused_by_too_large(exc: BaseException | None) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, TooLarge):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def install(app: Any, max_bytes: int) -> None:
    app.add_middleware(BodyLimit, max_bytes=max_bytes)
