"""``dastur reindex``: the next version of every index, and one atomic alias swap, with no downtime.

1. create ``{prefix}-{kind}-v{n+1}`` for each kind, from the current templates
   (so a changed mapping or analysis chain applies);
2. copy: documents are rebuilt from the stored Records by this version of
   the code (new derived fields get filled); directives and audit rows are
   copied as they are, by ``_reindex`` where the server has it, else by
   scroll + bulk;
3. catch up: whatever was written to the old indices during the copy
   (``touched`` since the start) is copied again, unless the new index
   holds a newer write of it;
4. one ``_aliases`` call moves all three aliases; readers and writers see
   the old indices until that instant and the new ones after it;
5. catch up once more for writes that raced the swap, then drop the old
   indices (``keep_old`` keeps them, for a manual roll-back).

Deleting records while a reindex runs is not supported: a record deleted
from the old index after it was copied comes back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from elastic_transport import ApiError

from extractor.errors import BackendError

from . import es_mapping as m

if TYPE_CHECKING:
    from .elastic import ElasticBackend

LONG_REQUEST = 3600.0  # seconds a server-side _reindex may take


def _scan(client: Any, index: str, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    from elasticsearch import helpers

    yield from helpers.scan(client, index=index, query={"query": query}, size=1000, preserve_order=False)


def _rebuilt(kind: str, source: dict[str, Any]) -> dict[str, Any]:
    """Documents are derived again from their Record; other kinds are copied as they are."""
    if kind != "documents":
        return source
    return m.record_doc(source["record"], directive_ids=list(source.get("directive_ids") or []),
                        ingested=int(source.get("ingested") or 0), created_at=str(source.get("created_at")),
                        now=str(source.get("updated_at")), now_ns=int(source.get("touched") or 0))


def _copy(backend: ElasticBackend, kind: str, old: str, new: str) -> None:
    client = backend.client
    if kind != "documents":
        try:
            client.options(request_timeout=LONG_REQUEST).reindex(
                source={"index": old}, dest={"index": new}, wait_for_completion=True, refresh=True)
            return
        except ApiError as e:
            if e.meta.status not in (400, 404, 405, 501):
                raise
    actions = ({"_op_type": "index", "_index": new, "_id": h["_id"], "_source": _rebuilt(kind, h["_source"])}
               for h in _scan(client, old, {"match_all": {}}))
    _send(backend, actions, new)


def _send(backend: ElasticBackend, actions: Any, index: str) -> None:
    from elasticsearch import helpers

    for ok, item in helpers.streaming_bulk(backend.client, actions, raise_on_error=False,
                                           raise_on_exception=False, **backend.bulk_options):
        if not ok:
            _op, info = next(iter(item.items()))
            status = info.get("status")
            if status == 409:  # the new index already holds a newer write of it
                continue
            raise BackendError(f"reindex into {index}", f"failed on {info.get('_id')} ({info.get('error')})",
                               "run `dastur reindex` again: the half-built index is replaced")


def _catch_up(backend: ElasticBackend, kind: str, old: str, new: str, since_ns: int) -> int:
    """Copy docs written to ``old`` since ``since_ns`` unless ``new`` has a newer write of them."""
    client = backend.client
    client.indices.refresh(index=old)
    changed = list(_scan(client, old, {"range": {"touched": {"gte": since_ns}}}))
    if not changed:
        return 0
    there = {d["_id"]: d for d in client.mget(index=new, ids=[h["_id"] for h in changed])["docs"]}
    actions = []
    for h in changed:
        have = there.get(h["_id"]) or {}
        action = {"_op_type": "index", "_index": new, "_id": h["_id"], "_source": _rebuilt(kind, h["_source"])}
        if have.get("found"):
            if int(have["_source"].get("touched") or 0) >= int(h["_source"].get("touched") or 0):
                continue
            action.update(if_seq_no=have["_seq_no"], if_primary_term=have["_primary_term"])
        else:
            action["_op_type"] = "create"
        actions.append(action)
    _send(backend, actions, new)
    return len(actions)


def reindex(backend: ElasticBackend, *, keep_old: bool = False) -> dict[str, str]:
    """Returns {kind: new index}. Raises BackendError (the aliases still point at the old indices)."""
    client, prefix = backend.client, backend.prefix
    current = backend._current_indices()
    new = {kind: m.index_name(prefix, kind, m.generation(current[kind] or "") + 1) for kind in m.KINDS}
    for index in new.values():  # a half-built index of an interrupted reindex is replaced
        client.options(ignore_status=404).indices.delete(index=index)
        client.indices.create(index=index)
    start = time.time_ns()
    for kind in m.KINDS:
        if current[kind]:
            _copy(backend, kind, str(current[kind]), new[kind])
    for kind in m.KINDS:
        if current[kind]:
            _catch_up(backend, kind, str(current[kind]), new[kind], start)
    client.indices.update_aliases(actions=m.swap_actions(prefix, current, new))
    for kind in m.KINDS:
        if current[kind]:
            _catch_up(backend, kind, str(current[kind]), new[kind], start)
    client.indices.refresh(index=list(new.values()))
    if not keep_old:
        old = [i for i in current.values() if i]
        if old:
            client.options(ignore_status=404).indices.delete(index=",".join(old))
    return new
