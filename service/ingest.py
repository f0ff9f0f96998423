"""``POST /documents`` and the upload form: read a submission, extract its Record, index it.

A submission is exactly one of: an uploaded file (HTML, PDF or text), a URL,
or raw text. It arrives as multipart/form-data (fields ``file``, ``url``,
``text``), as JSON (``{"url": …}`` or ``{"text": …}``), or as the raw body
with its own content type (``text/plain``, ``text/html``, ``application/pdf``).

Extraction is CPU-bound (spaCy and hazm) and fetching a URL blocks, so both
run in a worker thread; the event loop keeps serving other requests.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect, Request

from extractor.errors import DasturError, FetchError, InputError

from .errors import ApiError

log = logging.getLogger("dastur.service")

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
RAW_TYPES = ("text/plain", "text/html", "application/xhtml+xml", "application/pdf", "application/octet-stream")
MAX_FORM_FIELDS = 8


@dataclass
class Submission:
    data: bytes | None = None  # an uploaded file or a raw body
    filename: str | None = None
    content_type: str = ""
    url: str | None = None
    text: str | None = None

    @property
    def source(self) -> str:
        return self.url or self.filename or "<upload>"


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def from_fields(fields: dict[str, Any], upload: UploadFile | None = None, data: bytes | None = None) -> Submission:
    """Exactly one of file, url, text; blank fields count as absent (an HTML form sends them all)."""
    url = str(fields.get("url") or "").strip() or None
    text = fields.get("text")
    text = text if isinstance(text, str) and text.strip() else None
    given = [name for name, v in (("file", upload), ("url", url), ("text", text)) if v is not None]
    if len(given) != 1:
        problem = "has nothing to ingest" if not given else f"has more than one of {', '.join(given)}"
        raise ApiError(422, "E317", "submission", problem, "send one of: a file, a url, or text")
    if upload is not None:
        return Submission(data=data, filename=upload.filename or None,
                          content_type=(upload.content_type or "").lower())
    return Submission(url=url, text=text)


async def read_form(request: Request, max_bytes: int) -> FormData:
    try:
        return await request.form(max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=max_bytes)
    except ApiError:
        raise
    except ClientDisconnect:
        raise
    except Exception as exc:  # starlette's MultiPartException and HTTPException(400) for a malformed body
        raise ApiError(400, "E318", "form", f"cannot be read ({getattr(exc, 'detail', None) or exc})",
                       "send multipart/form-data with a file, url or text field") from None


async def submission_from_form(form: FormData) -> Submission:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and not upload.filename and not upload.size:
        upload = None  # a form's empty file input
    if upload is not None and not isinstance(upload, UploadFile):
        raise ApiError(422, "E317", "field file", "is not a file", "send the file as a multipart file part")
    data = await upload.read() if isinstance(upload, UploadFile) else None
    return from_fields(dict(form), upload, data)


async def read_submission(request: Request, max_bytes: int) -> Submission:
    kind = media_type(request)
    if kind in FORM_TYPES:
        return await submission_from_form(await read_form(request, max_bytes))
    if kind == "application/json":
        try:
            fields = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, "E318", "JSON body", f"is not valid JSON ({exc})",
                           'send {"url": "https://…"} or {"text": "…"}') from None
        if not isinstance(fields, dict):
            raise ApiError(422, "E317", "JSON body", "is not an object", 'send {"url": …} or {"text": …}')
        return from_fields(fields)
    if kind in RAW_TYPES or kind.startswith("text/"):
        return Submission(data=await request.body(), content_type=kind, filename=request.headers.get("x-filename"))
    raise ApiError(415, "E315", f"content type {kind or '(none)'}", "is not accepted",
                   "send multipart/form-data, application/json, text/plain, text/html or application/pdf")


def extract(sub: Submission, allow_private: bool) -> dict[str, Any]:
    """The Record of a submission (runs in a worker thread). Bad input raises a coded InputError."""
    from extractor.pipeline import build_record, extract_text
    from extractor.sources import document_from_bytes, is_url, read_input

    try:
        if sub.url is not None:
            if not is_url(sub.url):
                raise FetchError(sub.url, "is not an http(s) URL", "send a full URL such as https://example.ir/news/1")
            return build_record(read_input(sub.url, allow_private=allow_private)).to_dict()
        if sub.text is not None:
            return extract_text(sub.text).to_dict()
        doc = document_from_bytes(sub.data or b"", path=sub.filename, content_type=sub.content_type)
        return build_record(doc).to_dict()
    except DasturError:
        raise
    except Exception as exc:  # a reader tripped on odd input: the input's fault until shown otherwise
        log.warning("extraction failed on %s", sub.source, exc_info=True)
        raise InputError(sub.source, f"cannot be read ({type(exc).__name__})",
                         "check that it is a Persian release in text, HTML or PDF") from None


async def ingest(request: Request, sub: Submission) -> tuple[dict[str, Any], str]:
    """Extract and index in a worker thread; returns the Record and "created", "updated" or "unchanged"."""
    state = request.app.state
    record = await run_in_threadpool(extract, sub, state.settings.allow_private)
    status = await run_in_threadpool(state.backend.upsert, record)
    return record, status
