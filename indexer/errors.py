"""Errors every backend raises the same way, so the CLI and the HTTP service handle them once.

They are ``BackendError``s (one line, names the thing, says what to do) and,
where Python has a matching built-in, that too: ``NotFound`` is a ``KeyError``,
``InvalidChange`` a ``ValueError``.
"""

from __future__ import annotations

from extractor.errors import BackendError


class NotFound(BackendError, KeyError):
    """No record or directive has this id."""

    code = "E201"

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"{what} {ident}", "not found", f"list them with `dastur {what}s` to see the ids")

    __str__ = BackendError.__str__  # KeyError would repr() the message


class ConflictError(BackendError):
    """Optimistic concurrency: somebody else changed the directive since it was read."""

    code = "E202"

    def __init__(self, directive_id: str, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"directive {directive_id}",
                         f"was changed by someone else (you had version {expected}, it is now {actual})",
                         "reload it and apply your change again")


class InvalidChange(BackendError, ValueError):
    """A tracking update that cannot be applied (unknown field, bad status, unreadable date)."""

    code = "E203"


class NotIndexed(BackendError):
    """Some records were not indexed (a cluster refused them or went away); they wait in the spool."""

    code = "E204"

    def __init__(self, failures: list[tuple[str, str]], where: str, spool: str,
                 counts: dict[str, int] | None = None) -> None:
        self.failures = failures  # (record id, reason), one per record
        self.counts = counts or {}  # what was indexed meanwhile: created / updated / unchanged
        first_id, reason = failures[0] if failures else ("?", "?")
        more = f" and {len(failures) - 1} more" if len(failures) > 1 else ""
        super().__init__(f"record {first_id}{more}", f"not indexed by {where} ({reason}); kept in {spool}",
                         "they are sent again on the next connect, or run `dastur ingest --retry-failed`")


__all__ = ["BackendError", "ConflictError", "InvalidChange", "NotFound", "NotIndexed"]
