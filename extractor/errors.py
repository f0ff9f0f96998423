"""Coded, one-line errors for bad input.

Every error names the input it is about and says what to do, like spaCy's
``errors.py``. The CLI prints ``str(error)`` and exits non-zero; it never
shows a traceback for these.
"""

from __future__ import annotations


class DasturError(Exception):
    """Base class for errors that are reported to the user as one line."""

    code = "E000"

    def __init__(self, source: str, problem: str, fix: str = "") -> None:
        self.source = source
        self.problem = problem
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.code} {self.source}: {self.problem}"
        return f"{text} — {self.fix}" if self.fix else text


class InputError(DasturError):
    """The input cannot be read as a Persian document (empty, binary, corrupt …)."""

    code = "E100"


class EmptyInput(InputError):
    code = "E101"


class BinaryInput(InputError):
    code = "E102"


class BadPdf(InputError):
    code = "E103"


class NoText(InputError):
    code = "E104"


class NotPersian(InputError):
    code = "E105"


class MissingPath(InputError):
    code = "E106"


class FetchError(InputError):
    """A URL could not be fetched (unreachable, refused, too big, blocked)."""

    code = "E110"


class BlockedAddress(FetchError):
    """The URL resolves to a private or loopback address and that is not allowed."""

    code = "E111"


class RobotsDisallowed(FetchError):
    """The site's robots.txt does not let dastur fetch this URL (or could not be read: HTTP 5xx)."""

    code = "E112"


class HTTPStatusError(FetchError):
    """The server answered with an HTTP error status; ``status`` holds it."""

    code = "E113"

    def __init__(self, source: str, status: int) -> None:
        self.status = status
        super().__init__(source, f"the server answered HTTP {status}", "check the URL, or try again later")


class BackendError(DasturError):
    code = "E200"
