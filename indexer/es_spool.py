"""The spool: records the cluster did not take, kept on disk until it does.

A record whose bulk item failed (429 after the retries, a rejected document,
a cluster that went away) is appended here with the reason, one JSON line
each, tagged with the cluster and index prefix it was meant for. The next
``ElasticBackend`` on that target sends them again when it connects, and so
does ``dastur ingest --retry-failed``; a record leaves the spool only once
it is indexed. Re-sending is safe: ``_id``s are deterministic and tracking
state is never reset.

Default place: ``platformdirs.user_state_dir("dastur")/es-spool.jsonl``
(``$XDG_STATE_HOME/dastur`` on Linux), or ``$DASTUR_ES_SPOOL``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import tracking

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one writer at a time is the user's business
    fcntl = None  # type: ignore[assignment]


def default_spool_path() -> Path:
    env = os.environ.get("DASTUR_ES_SPOOL")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir("dastur")) / "es-spool.jsonl"


class Spool:
    """Append-only JSON lines, rewritten (atomically, under a lock) when entries are sent.

    The lock is a separate file, never replaced, so a writer waiting for it
    never appends to a file that was swapped away meanwhile.
    """

    def __init__(self, path: str | Path, target: str) -> None:
        self.path = Path(path)
        self.target = target

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a", encoding="utf-8") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, failures: list[tuple[dict[str, Any], str]]) -> None:
        """Keep ``(record, reason)`` pairs; the newest entry for a record id wins when sent."""
        if not failures:
            return
        at = tracking.now_iso()
        with self._locked(), open(self.path, "a", encoding="utf-8") as f:
            for record, reason in failures:
                f.write(json.dumps({"key": uuid.uuid4().hex, "target": self.target, "id": record.get("id"),
                                    "at": at, "error": reason, "record": record}, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash mid-write: the rest still counts
            if isinstance(entry, dict):
                out.append(entry)
        return out

    def pending(self) -> list[dict[str, Any]]:
        """This target's entries, one per record id (the newest; the older ones are listed in ``replaces``)."""
        if not self.path.exists():
            return []
        with self._locked():
            entries = self._entries()
        latest: dict[str, dict[str, Any]] = {}
        for e in entries:
            if e.get("target") == self.target and isinstance(e.get("record"), dict):
                older = latest.pop(str(e.get("id")), None)
                keys = ([*older["keys"]] if older else []) + [e.get("key")]
                latest[str(e.get("id"))] = {**e, "keys": keys}
        return list(latest.values())

    def remove(self, keys: set[str]) -> None:
        """Drop the entries with these keys: those that have been sent."""
        if not keys or not self.path.exists():
            return
        with self._locked():
            entries = self._entries()
            keep = [e for e in entries if e.get("key") not in keys]
            if len(keep) == len(entries):
                return
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "w", encoding="utf-8") as out:
                out.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in keep)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)

    def forget(self, record_ids: set[str]) -> None:
        """Drop this target's entries for records just indexed: an older spooled version must not
        overwrite them when the spool is sent later."""
        if not record_ids or not self.path.exists() or not self.path.stat().st_size:
            return
        with self._locked():
            entries = self._entries()
        self.remove({str(e.get("key")) for e in entries
                     if e.get("target") == self.target and str(e.get("id")) in record_ids})

    def __len__(self) -> int:
        return len(self.pending())
