"""Who is calling, and may they? API keys with roles, from a Bearer header or the login cookie.

- API clients send ``Authorization: Bearer <key>``.
- The web UI's login form stores the key in an HttpOnly, SameSite=Strict
  cookie. Because a browser sends cookies on its own, a state-changing
  request authenticated by the cookie must also prove it comes from our own
  pages: a CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``)
  derived from the key, and, when the browser says where the request comes
  from (``Origin``, ``Sec-Fetch-Site``), a same-origin answer.
- Reads need a ``viewer`` key unless the service allows anonymous reads.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from indexer.keys import ApiKey, KeyStore

from .errors import ApiError

COOKIE = "dastur_key"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

bearer = HTTPBearer(auto_error=False, description="An API key made by `dastur keys create --role ROLE`.")
BearerKey = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass(frozen=True)
class Caller:
    key: ApiKey | None  # None: an anonymous reader (only when the service allows it)
    token: str | None = None
    via_cookie: bool = False

    @property
    def role(self) -> str:
        return self.key.role if self.key else "anonymous"

    @property
    def who(self) -> str:
        """What the audit trail records: the key's name and id, never the key."""
        return f"{self.key.name} (key {self.key.id})" if self.key else "anonymous"

    def allows(self, role: str) -> bool:
        return self.key is not None and self.key.allows(role)

    @property
    def csrf(self) -> str:
        return csrf_token(self.token) if self.token else ""


def csrf_token(key: str) -> str:
    """A per-key token for forms and scripts; it proves nothing without the key, and reveals nothing of it."""
    return hmac.new(key.encode(), b"dastur-csrf-v1", hashlib.sha256).hexdigest()[:32]


def _unauthorized(code: str, problem: str) -> ApiError:
    return ApiError(401, code, "request", problem,
                    "send `Authorization: Bearer <key>`; make a key with `dastur keys create --role viewer`",
                    headers={"WWW-Authenticate": "Bearer"})


def identify(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller | None:
    """The caller a request's key names; None when it sends none. A bad Bearer key is a 401."""
    keys: KeyStore = request.app.state.keys
    if credentials is not None:
        key = keys.verify(credentials.credentials)
        if key is None:
            raise _unauthorized("E311", "the API key is unknown or revoked")
        return Caller(key, credentials.credentials)
    if request.headers.get("authorization"):
        raise _unauthorized("E311", "the Authorization header is not `Bearer <key>`")
    token = request.cookies.get(COOKIE)
    key = keys.verify(token) if token else None
    return Caller(key, token, via_cookie=True) if key else None


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    site = request.headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        return origin.split("://", 1)[-1].rstrip("/") == host
    return True


def check_csrf(request: Request, caller: Caller, submitted: str | None) -> None:
    """Cookie-authenticated writes: same origin, and the key's CSRF token. Bearer calls need neither."""
    if not caller.via_cookie:
        return
    if not same_origin(request):
        raise ApiError(403, "E313", "request", "comes from another site", "use dastur's own pages")
    if not submitted or not hmac.compare_digest(submitted, caller.csrf):
        raise ApiError(403, "E313", "request", "has no valid CSRF token",
                       "reload the page and try again; scripts send the X-CSRF-Token header")


def require(role: str, *, csrf_in_form: bool = False) -> Any:
    """A dependency: the Caller, if it has ``role`` (viewer < editor < manager).

    Cookie-authenticated writes must carry the CSRF token in the ``X-CSRF-Token`` header; with
    ``csrf_in_form`` the route checks the form field itself (``check_csrf``) after reading the form.
    """

    def dependency(request: Request, credentials: BearerKey) -> Caller:
        caller = identify(request, credentials)
        if caller is None:
            if role == "viewer" and request.app.state.settings.anonymous_read:
                return Caller(None)
            raise _unauthorized("E310", "no API key")
        if not caller.allows(role):
            raise ApiError(403, "E312", f"key {caller.key.id if caller.key else '?'}",
                           f"has the role {caller.role}; this needs {role}",
                           f"ask for a key with `dastur keys create --role {role}`")
        if request.method not in SAFE_METHODS and not csrf_in_form:
            check_csrf(request, caller, request.headers.get(CSRF_HEADER))
        return caller

    return dependency


def optional_caller(request: Request) -> Caller | None:
    """For pages: the logged-in caller, or None (the page then sends the browser to the login form)."""
    try:
        return identify(request, None)
    except ApiError:
        return None
