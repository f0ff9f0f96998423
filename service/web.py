"""The web UI under ``/ui``: server-rendered Persian pages over the same library calls as the API.

A page needs a logged-in caller (the login form puts the key in an HttpOnly
cookie); without one it sends the browser to the login form. The forms that
change something (upload, logout) carry the CSRF token; the board's status
updates go to ``PATCH /directives/{id}`` from board.js with the token in a
header.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from extractor.errors import DasturError
from indexer.base import DIRECTIVE_STATUSES, FACET_FIELDS, DirectiveQuery, SearchQuery
from indexer.errors import NotFound

from . import ingest as ingest_
from .api import parse_day
from .auth import COOKIE, CSRF_FIELD, Caller, check_csrf, optional_caller, same_origin
from .errors import ApiError, status_of
from .views import highlight, record_layers

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE_SIZE = 10
BOARD_SIZE = 200
FILTERS = ("official", "org", "place", "topic", "since", "until")


def render(request: Request, name: str, caller: Caller | None, status: int = 200, **context: Any) -> Response:
    context.update(caller=caller, csrf=caller.csrf if caller else "", path=request.url.path)
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def page_error(request: Request, status: int, message: str) -> Response:
    """Errors on pages: a 401 goes to the login form; anything else is a page with the one-line message."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)
    return render(request, "error.html", optional_caller(request), status=status, message=message)


def logged_in(request: Request, role: str = "viewer") -> Caller:
    caller = optional_caller(request)
    if caller is None:
        if role == "viewer" and request.app.state.settings.anonymous_read:
            return Caller(None)
        raise ApiError(401, "E310", "page", "needs a key")
    if not caller.allows(role):
        raise ApiError(403, "E312", f"key {caller.key.id if caller.key else '?'}",
                       f"has the role {caller.role}; this page needs {role}", "log in with another key")
    return caller


def record_directives(request: Request, rec: dict[str, Any]) -> list[dict[str, Any]]:
    """The tracked directives of a record's action items, in the record's order."""
    from indexer.tracking import directive_id

    found = (request.app.state.backend.get_directive(directive_id(item, rec["id"], i))
             for i, item in enumerate(rec.get("action_items") or []))
    return [d for d in found if d is not None]


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/ui/") and not target.startswith("//") else "/ui/search"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    key, target = str(form.get("key") or "").strip(), _safe_next(str(form.get("next") or ""))
    found = request.app.state.keys.verify(key) if same_origin(request) else None
    if found is None:
        return render(request, "login.html", None, status=401, next=target,
                      error="کلید نامعتبر است یا باطل شده است.")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        path="/", max_age=12 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    caller = optional_caller(request)
    if caller is not None:
        check_csrf(request, caller, str((await request.form()).get(CSRF_FIELD) or ""))
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", official: str = "", org: str = "", place: str = "",
                topic: str = "", since: str = "", until: str = "", sort: str = "relevance",
                page: int = 1) -> Response:
    caller = logged_in(request)
    page = max(page, 1)
    filters = {"official": official, "org": org, "place": place, "topic": topic, "since": since, "until": until}
    query = SearchQuery(text=q, official=official or None, org=org or None, place=place or None,
                        topic=topic or None, since=parse_day(since, "since"), until=parse_day(until, "until"),
                        sort=sort if sort in ("relevance", "date") else "relevance",
                        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    result = request.app.state.backend.search(query)
    params = {k: v for k, v in {"q": q, **filters, "sort": sort}.items() if v}

    def link(**change: Any) -> str:
        return "/ui/search?" + urlencode({k: v for k, v in {**params, **change}.items() if v})

    facet_param = {"official": "official", "organization": "org", "place": "place", "topic": "topic"}
    return render(request, "search.html", caller, q=q, filters=filters, sort=sort, result=result, page=page,
                  pages=max(1, math.ceil(result.total / PAGE_SIZE)), link=link, facet_param=facet_param,
                  facet_fields=FACET_FIELDS)


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, record_id: str) -> Response:
    caller = logged_in(request)
    rec = request.app.state.backend.get(record_id)
    if rec is None:
        raise NotFound("record", record_id)
    directives = {d["id"]: d for d in record_directives(request, rec)}
    return render(request, "record.html", caller, rec=rec, body=highlight(rec.get("text") or "", record_layers(rec)),
                  directives=directives, officials={o["id"]: o for o in rec.get("officials") or []})


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, status: str = "", owner: str = "", topic: str = "", official: str = "",
               place: str = "", overdue: str = "", record: str = "") -> Response:
    caller = logged_in(request)
    query = DirectiveQuery(status=status if status in (*DIRECTIVE_STATUSES, "overdue") else None,
                           owner=owner or None, topic=topic or None, official=official or None,
                           place=place or None, overdue=bool(overdue), limit=BOARD_SIZE)
    if record:  # one release's directives, from the record page
        rec = request.app.state.backend.get(record)
        rows = [d for d in record_directives(request, rec) if not query.status or d["status"] == query.status
                ] if rec else []
    else:
        rows = request.app.state.backend.list_directives(query)
    filters = {"status": status, "owner": owner, "topic": topic, "official": official, "place": place,
               "overdue": overdue, "record": record}
    return render(request, "board.html", caller, rows=rows, filters=filters, statuses=DIRECTIVE_STATUSES,
                  can_edit=caller.allows("manager"))


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request) -> Response:
    return render(request, "upload.html", logged_in(request, "editor"), error=None)


@router.post("/upload")
async def upload(request: Request) -> Response:
    caller = logged_in(request, "editor")
    form = await ingest_.read_form(request, request.app.state.settings.max_upload_bytes)
    check_csrf(request, caller, str(form.get(CSRF_FIELD) or ""))
    try:
        sub = await ingest_.submission_from_form(form)
        record, status = await ingest_.ingest(request, sub)
    except (ApiError, DasturError) as exc:  # bad input: the form again, with the one-line reason
        code = exc.status if isinstance(exc, ApiError) else status_of(exc)
        if code >= 500:
            raise
        return render(request, "upload.html", caller, status=code, error=str(exc))
    return RedirectResponse(f"/ui/records/{quote(record['id'])}?indexed={status}", status_code=303)
