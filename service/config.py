"""Service settings, with environment variables as defaults (``dastur serve`` flags override them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

MB = 1024 * 1024
DEFAULT_MAX_UPLOAD_MB = 20  # a release or circular, even a scanned-and-OCRed PDF, is far below this


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _upload_limit() -> int:
    raw = os.environ.get("DASTUR_MAX_UPLOAD_MB", "").strip()
    try:
        return int(float(raw) * MB) if raw else DEFAULT_MAX_UPLOAD_MB * MB
    except ValueError:
        return DEFAULT_MAX_UPLOAD_MB * MB


@dataclass
class Settings:
    """How the service behaves. ``Settings()`` reads DASTUR_MAX_UPLOAD_MB, DASTUR_ALLOW_PRIVATE and
    DASTUR_ANONYMOUS_READ."""

    max_upload_bytes: int = field(default_factory=_upload_limit)
    # URLs on private or loopback addresses are refused unless this is set (tests, intranets).
    allow_private: bool = field(default_factory=lambda: _flag("DASTUR_ALLOW_PRIVATE"))
    # Reads without a key. Off by default: releases may be internal before they are published.
    anonymous_read: bool = field(default_factory=lambda: _flag("DASTUR_ANONYMOUS_READ"))
    # Load the extraction pipeline (spaCy, hazm: ~10 s) in the background at startup, so that
    # the first upload does not wait for it.
    warm: bool = True
