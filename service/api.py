"""The JSON API: each route checks the caller's role, calls one library function, and returns its result.

Reads run as plain ``def`` routes, which FastAPI runs in its worker threads:
the embedded backend serializes them on its own lock, and the event loop
never waits on SQLite.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from indexer.base import DirectiveQuery, SearchQuery
from indexer.errors import NotFound

from . import ingest as ingest_
from .auth import Caller, require
from .errors import ApiError

router = APIRouter()
Viewer = Annotated[Caller, Depends(require("viewer"))]
Editor = Annotated[Caller, Depends(require("editor"))]
Manager = Annotated[Caller, Depends(require("manager"))]
Status = Literal["open", "in_progress", "done", "dropped"]


def backend(request: Request) -> Any:
    return request.app.state.backend


def parse_day(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    from extractor.jalali import parse_date

    try:
        return parse_date(value)
    except ValueError:
        raise ApiError(422, "E300", f"parameter {name}", f"{value!r} is not a date",
                       "use Jalali 1402/05/12 or ISO 2023-08-03") from None


def etag(d: dict[str, Any]) -> str:
    return f'"{d.get("version")}"'


@router.get("/health", tags=["service"], summary="Is the service up? (no key needed)")
def health(request: Request) -> dict[str, Any]:
    """``extractor`` is "loading" while the extraction pipeline loads after startup (an upload then waits
    for it), "ready" after."""
    ready = request.app.state.extractor_ready.is_set()
    return {"status": "ok", "backend": backend(request).name, "extractor": "ready" if ready else "loading"}


_INGEST_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary", "description": "an HTML, PDF or text release"},
        "url": {"type": "string", "description": "a page to fetch (public addresses only)"},
        "text": {"type": "string", "description": "the release as plain text"}}}},
    "application/json": {"schema": {"type": "object", "properties": {
        "url": {"type": "string"}, "text": {"type": "string"}}}},
    "text/plain": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


@router.post("/documents", tags=["records"], status_code=201, openapi_extra=_INGEST_BODY,
             summary="Ingest a release (file, URL or text): extract its Record and index it (editor)")
async def post_document(request: Request, response: Response, caller: Editor) -> dict[str, Any]:
    """Returns the Record. ``X-Dastur-Index`` says whether it was created, updated or unchanged;
    re-ingesting never resets the tracking state of its directives."""
    sub = await ingest_.read_submission(request, request.app.state.settings.max_upload_bytes)
    record, status = await ingest_.ingest(request, sub)
    response.status_code = 201 if status == "created" else 200
    response.headers["Location"] = f"/records/{record['id']}"
    response.headers["X-Dastur-Index"] = status
    return record


@router.get("/search", tags=["records"], summary="Full-text search with filters and facets (viewer)")
def search(request: Request, caller: Viewer, q: str = "", official: str | None = None, org: str | None = None,
           place: str | None = None, topic: str | None = None,
           since: Annotated[str | None, Query(description="Jalali 1402/05/12 or ISO 2023-08-03")] = None,
           until: Annotated[str | None, Query(description="Jalali or ISO")] = None,
           sort: Literal["relevance", "date"] = "relevance", limit: Annotated[int, Query(ge=1, le=100)] = 10,
           offset: Annotated[int, Query(ge=0, le=10000)] = 0, facets: bool = True) -> dict[str, Any]:
    query = SearchQuery(text=q, official=official, org=org, place=place, topic=topic,
                        since=parse_day(since, "since"), until=parse_day(until, "until"), sort=sort,
                        limit=limit, offset=offset, facets=facets)
    return backend(request).search(query).to_dict()


@router.get("/records/{record_id}", tags=["records"], summary="One Record (viewer)")
def get_record(request: Request, record_id: str, caller: Viewer) -> dict[str, Any]:
    rec = backend(request).get(record_id)
    if rec is None:
        raise NotFound("record", record_id)
    return rec


def directive_query(status: Status | Literal["overdue"] | None = None, owner: str | None = None,
                    topic: str | None = None, official: str | None = None, place: str | None = None,
                    overdue: bool = False, since: str | None = None, until: str | None = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0) -> DirectiveQuery:
    """Filters of ``GET /directives``; ``since``/``until`` bound the due date."""
    return DirectiveQuery(status=status, owner=owner, topic=topic, official=official, place=place,
                          overdue=overdue, since=parse_day(since, "since"), until=parse_day(until, "until"),
                          limit=limit, offset=offset)


@router.get("/directives", tags=["directives"], summary="Directives, filtered (viewer)")
def list_directives(request: Request, caller: Viewer,
                    query: Annotated[DirectiveQuery, Depends(directive_query)]) -> dict[str, Any]:
    rows = backend(request).list_directives(query)
    return {"directives": rows, "count": len(rows), "limit": query.limit, "offset": query.offset}


def _directive(request: Request, directive_id: str) -> dict[str, Any]:
    d = backend(request).get_directive(directive_id)
    if d is None:
        raise NotFound("directive", directive_id)
    return d


@router.get("/directives/{directive_id}", tags=["directives"], summary="One directive; ETag is its version")
def get_directive(request: Request, response: Response, directive_id: str, caller: Viewer) -> dict[str, Any]:
    d = _directive(request, directive_id)
    response.headers["ETag"] = etag(d)
    return d


class Evidence(BaseModel):
    url: str = Field(min_length=1)
    title: str | None = None


class DirectivePatch(BaseModel):
    """Fields to change; leave out what stays. ``owner``/``due`` set to null clear them."""

    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    owner: str | None = None
    due: str | None = Field(None, description="Jalali 1402/12/29 or ISO 2024-03-19; null clears it")
    note: str | None = None
    evidence: str | Evidence | None = Field(None, description="a URL, or {url, title}")
    expected_version: int | None = Field(None, description="refuse with 409 if the directive moved on")


def expected_version(if_match: str | None, body: int | None) -> int | None:
    header = None
    if if_match is not None:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise ApiError(400, "E316", "If-Match", f"{if_match!r} is not a directive version",
                           "send the ETag of GET /directives/{id}, e.g. If-Match: \"3\"")
        header = int(raw)
    if header is not None and body is not None and header != body:
        raise ApiError(400, "E316", "If-Match", f"says version {header}, the body says {body}",
                       "send one of them")
    return header if header is not None else body


@router.patch("/directives/{directive_id}", tags=["directives"],
              summary="Update status, owner, due date, notes or evidence (manager); 409 on a stale version")
def patch_directive(request: Request, response: Response, directive_id: str, patch: DirectivePatch,
                    caller: Manager, if_match: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    changes = patch.model_dump(exclude_unset=True, exclude={"expected_version"})
    if isinstance(patch.evidence, Evidence):
        changes["evidence"] = patch.evidence.model_dump(exclude_none=True)
    version = expected_version(if_match, patch.expected_version)
    d = backend(request).update_directive(directive_id, changes, caller.who, expected_version=version)
    response.headers["ETag"] = etag(d)
    return d


@router.get("/directives/{directive_id}/history", tags=["directives"], summary="The audit trail, oldest first")
def directive_history(request: Request, directive_id: str, caller: Viewer) -> dict[str, Any]:
    return {"directive_id": directive_id, "history": backend(request).directive_history(directive_id)}


@router.get("/directives/{directive_id}/followups", tags=["directives"],
            summary="Later releases that may report progress on this directive")
def directive_followups(request: Request, directive_id: str, caller: Viewer,
                        limit: Annotated[int, Query(ge=1, le=20)] = 5) -> dict[str, Any]:
    from indexer.followups import followups_for_directive

    found = followups_for_directive(backend(request), directive_id, limit=limit)
    return {"directive_id": directive_id, "followups": [s.to_dict() for s in found]}


@router.get("/officials", tags=["directives"], summary="Officials with counts of their directives by status")
def officials(request: Request, caller: Viewer) -> dict[str, Any]:
    from indexer.report import officials_summary

    return {"officials": officials_summary(backend(request))}
