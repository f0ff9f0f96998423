"""API keys for the HTTP service: roles, hashed storage, verification.

- A key is ``dastur_<id>_<secret>``: ``id`` (8 hex) names it in listings and
  audit rows; ``secret`` is 32 random bytes. Only ``sha256(key)`` is stored,
  so a copy of the database gives nobody a working key.
- Verification looks the row up by ``id`` and compares hashes with
  ``hmac.compare_digest`` (constant time), so timing does not leak how much
  of a guessed key was right.
- Roles are ordered: ``viewer`` reads, ``editor`` also ingests, ``manager``
  also updates directives.
- Where the keys live: in the backend's own SQLite file when it has one (the
  table sits beside the records, like the backfill state), else in
  ``keys-<hash of the target>.db`` in the user state directory.

Example:
    store = KeyStore.for_backend(backend)
    key = store.create("manager", name="ops")
    store.verify(key.token).role  # "manager"
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.errors import BackendError

from .errors import NotFound
from .tracking import now_iso

ROLES = ("viewer", "editor", "manager")  # each role can do what the ones before it can
PREFIX = "dastur"
SECRET_BYTES = 32

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'manager')),
        sha256 TEXT NOT NULL,     -- of the whole key; the key itself is never stored
        created_at TEXT NOT NULL,
        revoked_at TEXT)""",
)


class RoleError(BackendError):
    """A key cannot be created as asked (unknown role)."""

    code = "E220"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None
    token: str | None = None  # only right after ``create``; never stored

    def allows(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "created_at": self.created_at,
                "revoked_at": self.revoked_at}


def role_rank(role: str) -> int:
    if role not in ROLES:
        raise RoleError(f"role {role!r}", "is not a role", "use one of " + ", ".join(ROLES))
    return ROLES.index(role)


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def key_id_of(token: str) -> str | None:
    """The id part of ``dastur_<id>_<secret>``, None when the token does not have that shape."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 8:
        return None
    return parts[1]


def keys_path(backend: Any) -> str:
    """The backend's SQLite file when it has one, else a keys-<target>.db in the user state directory."""
    path = getattr(backend, "path", None)
    if isinstance(path, str) and path:
        return path
    import platformdirs

    target = str(getattr(backend, "where", None) or getattr(backend, "name", "backend"))
    digest = hashlib.sha1(target.encode()).hexdigest()[:12]
    return str(Path(platformdirs.user_state_dir("dastur")) / f"keys-{digest}.db")


class KeyStore:
    """API keys in SQLite. Thread-safe: one connection guarded by a lock (the service verifies per request)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode = WAL")
            for statement in SCHEMA:
                self._conn.execute(statement)
        except sqlite3.DatabaseError as e:
            raise BackendError(path, f"cannot hold API keys ({e})",
                               "point --db at a dastur database or a new file") from e

    @classmethod
    def for_backend(cls, backend: Any) -> KeyStore:
        return cls(keys_path(backend))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create(self, role: str, name: str | None = None) -> ApiKey:
        """A new key; its ``token`` is returned once and never again."""
        role_rank(role)
        with self._lock:
            while True:
                kid = secrets.token_hex(4)
                if not self._conn.execute("SELECT 1 FROM api_keys WHERE id = ?", (kid,)).fetchone():
                    break
            token = f"{PREFIX}_{kid}_{secrets.token_urlsafe(SECRET_BYTES)}"
            at = now_iso()
            label = (name or "").strip() or f"{role}-{kid}"
            self._conn.execute("INSERT INTO api_keys (id, name, role, sha256, created_at) VALUES (?, ?, ?, ?, ?)",
                               (kid, label, role, hash_key(token), at))
        return ApiKey(kid, label, role, at, None, token)

    def list_keys(self, *, include_revoked: bool = True) -> list[ApiKey]:
        sql = "SELECT id, name, role, created_at, revoked_at FROM api_keys"
        if not include_revoked:
            sql += " WHERE revoked_at IS NULL"
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY created_at, id").fetchall()
        return [ApiKey(*r) for r in rows]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id; revoking twice keeps the first time. Raises NotFound."""
        with self._lock:
            self._conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                               (now_iso(), key_id))
            row = self._conn.execute("SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE id = ?",
                                     (key_id,)).fetchone()
        if row is None:
            raise NotFound("key", key_id)
        return ApiKey(*row)

    def verify(self, token: str | None) -> ApiKey | None:
        """The live key ``token`` is, or None (unknown, malformed, revoked)."""
        kid = key_id_of(token or "")
        if kid is None:
            return None
        with self._lock:
            row = self._conn.execute("SELECT id, name, role, created_at, revoked_at, sha256 FROM api_keys "
                                     "WHERE id = ?", (kid,)).fetchone()
        if row is None or row[4] is not None:
            hmac.compare_digest(hash_key(token or ""), "0" * 64)  # same work whether or not the id exists
            return None
        if not hmac.compare_digest(hash_key(token or ""), row[5]):
            return None
        return ApiKey(*row[:5])


__all__ = ["ROLES", "ApiKey", "KeyStore", "RoleError", "hash_key", "keys_path", "role_rank"]
