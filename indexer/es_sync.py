"""What a write means on Elasticsearch, as bulk actions: pure planning, no client.

The embedded backend writes a record, its directives and their audit rows in
one transaction. Elasticsearch has no transactions, so a write is ordered so
that a crash at any point is repaired by writing the record again:

1. directives first: new ones are ``create``d with their initial tracking
   state; known ones get only what the extractor says (a partial ``update``,
   which never touches status, owner, due, notes or evidence); a flip of the
   ``orphaned`` flag rewrites the directive guarded by ``if_seq_no``;
2. then the record document, which carries the content hash that makes the
   next write of the same record "unchanged", and the audit rows.

Audit rows also ride on their directive (``pending_audit``) until the next
write, so an audit write that failed is not lost: history reads both, and
the rows' ids are deterministic (``directive:version:n``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import es_mapping as m
from . import tracking

RETRY_ON_CONFLICT = 3  # partial updates of extracted fields: re-read and re-apply this often


@dataclass(frozen=True)
class Stored:
    """A document as read back: its source and the sequence number that guards the next write."""

    source: dict[str, Any]
    seq_no: int
    primary_term: int


@dataclass
class RecordPlan:
    record_id: str
    status: str  # created | updated | unchanged
    directive_ops: list[dict[str, Any]] = field(default_factory=list)
    final_ops: list[dict[str, Any]] = field(default_factory=list)


def action_items(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(directive id, item) for each action item; a repeated id counts once, as in the embedded backend."""
    seen: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(record.get("action_items") or []):
        seen.setdefault(tracking.directive_id(item, record["id"], i), item)
    return list(seen.items())


def directives_to_read(record: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
    ids = [did for did, _ in action_items(record)]
    return ids + [d for d in (old or {}).get("directive_ids") or [] if d not in ids]


def guarded(index: str, doc_id: str, source: dict[str, Any], stored: Stored) -> dict[str, Any]:
    return {"_op_type": "index", "_index": index, "_id": doc_id, "_source": source,
            "if_seq_no": stored.seq_no, "if_primary_term": stored.primary_term}


def audit_ops(index: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"_op_type": "index", "_index": index, "_id": m.audit_id(r), "_source": r} for r in rows]


def _flip_orphaned(did: str, stored: Stored, flag: bool, extra: dict[str, Any], now: str,
                   now_ns: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    src = stored.source
    version = int(src.get("version") or 1) + 1
    rows = m.audit_rows(did, version, now, "system:ingest", [("orphaned", str(int(not flag)), str(int(flag)))],
                        now_ns)
    return {**src, **extra, "orphaned": flag, "version": version, "updated_at": now, "touched": now_ns,
            "pending_audit": rows}, rows


def plan_record(record: dict[str, Any], old: dict[str, Any] | None, stored: dict[str, Stored],
                indices: dict[str, str], now: str, now_ns: int) -> RecordPlan:
    """The bulk actions that store ``record``.

    ``old`` is the record's document as stored (sha256, directive_ids, ingested,
    created_at) or None; ``stored`` the directives named by ``directives_to_read``
    that exist. ``indices`` maps each kind to the alias to write to.
    """
    rid = record["id"]
    sha = m.canonical_sha256(record)
    if old is not None and old.get("sha256") == sha:
        return RecordPlan(rid, "unchanged")
    plan = RecordPlan(rid, "created" if old is None else "updated")
    context = m.record_context(record)
    audit: list[dict[str, Any]] = []
    linked: list[str] = []
    items = action_items(record)
    current = {did for did, _ in items}
    for did, item in items:
        linked.append(did)
        ext = m.extracted_doc(item, record, context)
        have = stored.get(did)
        if have is None:
            plan.directive_ops.append({"_op_type": "create", "_index": indices["directives"], "_id": did,
                                       "_source": m.new_directive(did, item, ext, now, now_ns)})
        elif have.source.get("orphaned"):  # the item is back
            source, rows = _flip_orphaned(did, have, False, ext, now, now_ns)
            plan.directive_ops.append(guarded(indices["directives"], did, source, have))
            audit += rows
        else:
            plan.directive_ops.append({"_op_type": "update", "_index": indices["directives"], "_id": did,
                                       "doc": {**ext, "touched": now_ns}, "retry_on_conflict": RETRY_ON_CONFLICT})
    for did in (old or {}).get("directive_ids") or []:
        have = stored.get(did)
        if did in current or have is None or have.source.get("record_id") != rid:
            continue  # still there, gone, or moved to another record
        linked.append(did)
        if not have.source.get("orphaned"):  # its action item vanished: keep it, flagged
            source, rows = _flip_orphaned(did, have, True, context, now, now_ns)
            plan.directive_ops.append(guarded(indices["directives"], did, source, have))
            audit += rows
        else:
            plan.directive_ops.append({"_op_type": "update", "_index": indices["directives"], "_id": did,
                                       "doc": {**context, "touched": now_ns}, "retry_on_conflict": RETRY_ON_CONFLICT})
    doc = m.record_doc(record, directive_ids=linked, ingested=int((old or {}).get("ingested") or now_ns),
                       created_at=str((old or {}).get("created_at") or now), now=now, now_ns=now_ns)
    plan.final_ops = [{"_op_type": "index", "_index": indices["documents"], "_id": rid, "_source": doc},
                      *audit_ops(indices["audit"], audit)]
    return plan


def plan_delete(record_id: str, stored: dict[str, Stored], indices: dict[str, str], now: str,
                now_ns: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(audit rows to write first, deletes to run after): the audit log keeps each directive's last state."""
    rows: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    for did, have in stored.items():
        src = have.source
        if src.get("record_id") != record_id:
            continue
        state = {k: src.get(k) for k in ("status", "owner", "due", "version")}
        dumped = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
        rows += m.audit_rows(did, int(src.get("version") or 1) + 1, now, "system:delete",
                             [("deleted", dumped, None)], now_ns)
        deletes.append({"_op_type": "delete", "_index": indices["directives"], "_id": did})
    deletes.append({"_op_type": "delete", "_index": indices["documents"], "_id": record_id})
    return audit_ops(indices["audit"], rows), deletes


def plan_update(source: dict[str, Any], changes: dict[str, Any], who: str, at: str,
                now_ns: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A person's changes (``tracking.apply_changes``): the new source, or None when nothing changes."""
    current = {"status": source.get("status"), "owner": source.get("owner"), "due": source.get("due"),
               "notes": list(source.get("notes") or []), "evidence": list(source.get("evidence") or [])}
    updates, changed = tracking.apply_changes(current, changes, who, at)
    if not updates:
        return None, []
    version = int(source.get("version") or 1) + 1
    rows = m.audit_rows(str(source["id"]), version, at, who, changed, now_ns)
    new = {**source, **updates, "version": version, "updated_at": at, "touched": now_ns, "pending_audit": rows}
    if "owner" in updates:
        new["owner_folded"] = m.fold(updates["owner"] or "")
    return new, rows
