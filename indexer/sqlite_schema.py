"""The embedded backend's schema, versioned with ``PRAGMA user_version``.

Each migration is a list of statements run in one ``BEGIN IMMEDIATE``
transaction, and the version is re-read inside it, so two processes opening
a new file at once do not both migrate it. To change the schema, append a
version to ``MIGRATIONS``; never edit a released one.
"""

from __future__ import annotations

import sqlite3

from extractor.errors import BackendError

from .base import DIRECTIVE_STATUSES
from .dedup import SQLITE_DUPLICATES_MIGRATION

_STATUSES = ", ".join(f"'{s}'" for s in DIRECTIVE_STATUSES)

# Folded text needs no tokenchars or separators: fold() has already turned ZWNJ
# into a space, Persian and Arabic digits into Latin ones, and Arabic ي/ك into
# Persian letters, and unicode61 splits on everything that is not a letter or digit.
FTS_TOKENIZE = "unicode61 remove_diacritics 2"

V1 = (
    # doc is the rowid the FTS table shares; an INTEGER PRIMARY KEY survives VACUUM.
    # json comes last: reading the other columns then never walks its overflow pages.
    """CREATE TABLE records (
        doc INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT,
        published_gregorian TEXT,  -- ISO date, NULL when unknown
        sha256 TEXT NOT NULL,      -- of the canonical JSON: equal means "unchanged"
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        json TEXT NOT NULL)""",
    "CREATE INDEX records_published ON records(published_gregorian)",
    f"CREATE VIRTUAL TABLE records_fts USING fts5(title, body, tokenize = '{FTS_TOKENIZE}')",
    # Filters and facets: each distinct (field, folded value) once in facet_values, and
    # integer pairs in facets. Counting a facet over thousands of matches is then a
    # GROUP BY on integers, several times faster than on (record id, field, text).
    """CREATE TABLE facet_values (
        vid INTEGER PRIMARY KEY,
        field TEXT NOT NULL CHECK (field IN ('official', 'organization', 'place', 'topic')),
        value TEXT NOT NULL,   -- as first seen, for display
        folded TEXT NOT NULL,  -- what filters compare
        UNIQUE (field, folded))""",
    # in_facets = 0 marks filter-only values (the agency): «--org» finds them, the
    # organization facet does not count them.
    """CREATE TABLE facets (
        doc INTEGER NOT NULL REFERENCES records(doc) ON DELETE CASCADE,
        vid INTEGER NOT NULL REFERENCES facet_values(vid),
        in_facets INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (doc, vid)) WITHOUT ROWID""",
    "CREATE INDEX facets_vid ON facets(vid)",
    f"""CREATE TABLE directives (
        id TEXT PRIMARY KEY,
        record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        span TEXT NOT NULL,             -- JSON [start, end)
        issuer TEXT,
        actor TEXT,
        topics TEXT NOT NULL DEFAULT '[]',
        deadline TEXT,                  -- JSON, as extracted
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ({_STATUSES})),
        owner TEXT,
        due TEXT,                       -- ISO date
        notes TEXT NOT NULL DEFAULT '[]',
        evidence TEXT NOT NULL DEFAULT '[]',
        version INTEGER NOT NULL DEFAULT 1,
        orphaned INTEGER NOT NULL DEFAULT 0,  -- its action item is gone from the record
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX directives_record ON directives(record_id)",
    "CREATE INDEX directives_due ON directives(due)",
    # No foreign key: the log outlives the directive it describes.
    """CREATE TABLE directive_audit (
        seq INTEGER PRIMARY KEY,
        directive_id TEXT NOT NULL,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        field TEXT NOT NULL,
        old TEXT,
        new TEXT)""",
    "CREATE INDEX directive_audit_directive ON directive_audit(directive_id, seq)",
    """CREATE TRIGGER directive_audit_no_update BEFORE UPDATE ON directive_audit
       BEGIN SELECT RAISE(ABORT, 'directive_audit is append-only'); END""",
    """CREATE TRIGGER directive_audit_no_delete BEFORE DELETE ON directive_audit
       BEGIN SELECT RAISE(ABORT, 'directive_audit is append-only'); END""",
)

# V2: a release republished by another office (source.metadata.duplicate_of, set by the backfill's
# near-duplicate detection) is counted once in search; the column is computed from the stored JSON.
V2 = SQLITE_DUPLICATES_MIGRATION

MIGRATIONS: tuple[tuple[str, ...], ...] = (V1, V2)  # MIGRATIONS[i] brings the schema to version i + 1
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, where: str) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it was at. ``conn`` is in autocommit mode."""
    found = user_version(conn)
    if found > SCHEMA_VERSION:
        raise BackendError(where, f"was written by a newer dastur (schema {found}, "
                           f"this one knows {SCHEMA_VERSION})", "upgrade dastur")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) < version:  # another process may have migrated meanwhile
                for statement in MIGRATIONS[version - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return found
