"""Duplicate releases: exact copies by content hash, republished ones by MinHash.

- **Exact**: the sha256 of the folded text (``extractor.normalize.fold``), so
  the same page saved twice, or served over http and https with different
  chrome, hashes the same. A backfill skips such an item and links it to the
  record it copies.
- **Near**: the same release republished by several provincial PR offices
  differs by an attribution line or a sentence. A MinHash signature over
  5-word shingles of the folded text estimates the Jaccard similarity; at
  ``NEAR_THRESHOLD`` or above the new record is indexed with
  ``source.metadata["duplicate_of"]`` naming the original, so search can
  count the release once (``SQLITE_DUPLICATES_MIGRATION``,
  ``canonical_only_sql``).

The LSH index lives in SQLite, beside the backfill state, rather than in a
``datasketch.MinHashLSH`` in memory: memory then stays flat however many
documents are indexed, a resumed backfill needs no rebuild, and the
fingerprint is written in the same transaction as the item's state.
datasketch still makes the signatures and picks the band layout.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from functools import cache

from extractor.normalize import fold

NUM_PERM = 128  # signature length: the similarity estimate's standard error is about 0.04
SHINGLE_WORDS = 5
# The seed release and the Kermanshah original it quotes measure 0.98 (0.88 with the closing
# paragraph cut); two different releases of one office about the same official, 0.02.
NEAR_THRESHOLD = 0.8

SCHEMA = (
    # One row per indexed record; root is the record it duplicates (itself when original).
    """CREATE TABLE IF NOT EXISTS backfill_fingerprints (
        record_id TEXT PRIMARY KEY,
        content_sha256 TEXT NOT NULL,
        root TEXT NOT NULL,
        signature BLOB NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS backfill_fingerprints_sha ON backfill_fingerprints(content_sha256)",
    # LSH bands: records sharing any (band, key) are candidates, checked against the signatures.
    """CREATE TABLE IF NOT EXISTS backfill_lsh (
        band INTEGER NOT NULL,
        key INTEGER NOT NULL,
        record_id TEXT NOT NULL,
        PRIMARY KEY (band, key, record_id)) WITHOUT ROWID""",
)


@dataclass(frozen=True)
class Fingerprint:
    sha256: str  # of the folded text
    signature: bytes  # NUM_PERM little-endian uint64 MinHash values


@dataclass(frozen=True)
class Match:
    record_id: str  # the original (the root of the matched record's duplicate chain)
    similarity: float


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = fold(text).split()
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def fingerprint(text: str) -> Fingerprint:
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    sha = hashlib.sha256(fold(text).encode("utf-8")).hexdigest()
    return Fingerprint(sha, m.hashvalues.astype("<u8").tobytes())


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal MinHash values."""
    import numpy as np

    return float(np.mean(np.frombuffer(a, dtype="<u8") == np.frombuffer(b, dtype="<u8")))


@cache
def band_layout(threshold: float = NEAR_THRESHOLD) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's MinHashLSH picks for this threshold."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def band_keys(signature: bytes, threshold: float = NEAR_THRESHOLD) -> list[tuple[int, int]]:
    bands, rows = band_layout(threshold)
    width = rows * 8
    keys = []
    for i in range(bands):
        digest = hashlib.blake2b(signature[i * width : (i + 1) * width], digest_size=8).digest()
        keys.append((i, int.from_bytes(digest, "little", signed=True)))  # fits SQLite's INTEGER
    return keys


def create_tables(c: sqlite3.Connection) -> None:
    for statement in SCHEMA:
        c.execute(statement)


def find_exact(c: sqlite3.Connection, fp: Fingerprint, record_id: str) -> str | None:
    """The original of another record with the same folded text, if any."""
    row = c.execute("SELECT root FROM backfill_fingerprints WHERE content_sha256 = ? AND record_id != ? "
                    "ORDER BY rowid LIMIT 1", (fp.sha256, record_id)).fetchone()
    return row[0] if row else None


def find_near(c: sqlite3.Connection, fp: Fingerprint, record_id: str,
              threshold: float = NEAR_THRESHOLD) -> Match | None:
    """The most similar other record at ``threshold`` or above, as its original."""
    import numpy as np

    keys = band_keys(fp.signature, threshold)
    # One query for every band, and one vectorized comparison for all the candidates: a release
    # republished by thirty offices has thirty candidates, each checked in microseconds.
    # (One point lookup per band: a row-value IN over the bands would scan the whole table.)
    bands = " UNION ".join("SELECT record_id FROM backfill_lsh WHERE band = ? AND key = ?" for _ in keys)
    rows = c.execute(
        f"SELECT record_id, root, signature FROM backfill_fingerprints WHERE record_id IN ({bands}) "
        "AND record_id != ? AND root != ? "  # a record never duplicates one that duplicates it
        "ORDER BY record_id",
        [*(v for pair in keys for v in pair), record_id, record_id]).fetchall()
    if not rows:
        return None
    others = np.frombuffer(b"".join(r[2] for r in rows), dtype="<u8").reshape(len(rows), -1)
    shares = (others == np.frombuffer(fp.signature, dtype="<u8")).mean(axis=1)
    best = int(np.argmax(shares))
    return Match(rows[best][1], float(shares[best])) if shares[best] >= threshold else None


def remember(c: sqlite3.Connection, record_id: str, fp: Fingerprint, root: str | None,
             threshold: float = NEAR_THRESHOLD) -> None:
    """Store (or replace, when a record's text changed) a record's fingerprint and LSH bands."""
    old = c.execute("SELECT signature FROM backfill_fingerprints WHERE record_id = ?", (record_id,)).fetchone()
    if old is not None:  # point deletes by the old keys: the table has no index on record_id alone
        c.executemany("DELETE FROM backfill_lsh WHERE band = ? AND key = ? AND record_id = ?",
                      [(band, key, record_id) for band, key in band_keys(old[0], threshold)])
    c.execute("INSERT OR REPLACE INTO backfill_fingerprints (record_id, content_sha256, root, signature) "
              "VALUES (?, ?, ?, ?)", (record_id, fp.sha256, root or record_id, fp.signature))
    c.executemany("INSERT OR IGNORE INTO backfill_lsh (band, key, record_id) VALUES (?, ?, ?)",
                  [(band, key, record_id) for band, key in band_keys(fp.signature, threshold)])


# --- counting a release once in search ---------------------------------------------------------
# For the embedded backend's owner to wire in: a migration that exposes the link as a column
# (generated from the stored JSON, so ``_write`` needs no change), and one condition on the doc
# number that the page, count and facet queries AND in. It is a NOT IN over the (few) duplicate
# docs, so it also works on the FTS-only path (``records_fts.rowid``) without joining records.
# A duplicate whose original was deleted is searchable again.

SQLITE_DUPLICATES_MIGRATION = (
    "ALTER TABLE records ADD COLUMN duplicate_of TEXT "
    "GENERATED ALWAYS AS (json_extract(json, '$.source.metadata.duplicate_of')) VIRTUAL",
    "CREATE INDEX records_duplicate_of ON records(duplicate_of) WHERE duplicate_of IS NOT NULL",
)
HIDDEN_DUPLICATES_SQL = ("SELECT d.doc FROM records d JOIN records o ON o.id = d.duplicate_of "
                         "WHERE d.duplicate_of IS NOT NULL")


def canonical_only_sql(doc: str = "r.doc") -> str:
    """SQL condition on a doc number: an original, or a copy whose original is no longer indexed."""
    return f"{doc} NOT IN ({HIDDEN_DUPLICATES_SQL})"


__all__ = ["HIDDEN_DUPLICATES_SQL", "NEAR_THRESHOLD", "SQLITE_DUPLICATES_MIGRATION", "Fingerprint", "Match",
           "canonical_only_sql", "create_tables", "find_exact", "find_near", "fingerprint", "remember", "shingles",
           "similarity"]
