"""A Record as readable text for the terminal (``--format text``, ``show``, ``demo``)."""

from __future__ import annotations

from typing import Any


def render_record(rec: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    src = rec.get("source") or {}
    add(f"# {rec.get('title') or '(untitled)'}")
    add(f"id: {rec['id']}   source: {src.get('url') or src.get('path') or '-'} ({src.get('kind')})")
    if rec.get("published"):
        p = rec["published"]
        add(f"published: {p.get('jalali')} (Gregorian {p.get('gregorian')})")
    if rec.get("agency"):
        add(f"agency: {rec['agency']}")
    if rec.get("lead"):
        add(f"lead: {rec['lead']}")
    officials = {o["id"]: o for o in rec.get("officials", [])}
    if officials:
        add("\nofficials:")
        for o in officials.values():
            name = f"{o['honorific']} {o['name']}" if o.get("honorific") else o["name"]
            add(f"  - {name} ({len(o.get('mentions', []))} mentions)")
            for t in o.get("titles", []):
                add(f"      title: {t}")
            if o.get("organization"):
                add(f"      organization: {o['organization']}")
    if rec.get("role_mentions"):
        add("\nroles named without a person: " + "، ".join(r["title"] for r in rec["role_mentions"]))
    if rec.get("priorities"):
        add("\npriorities:")
        ranked = sorted(rec["priorities"], key=lambda p: (p["rank"] is None, p["rank"] or 0, p["span"][0]))
        for p in ranked:
            rank = f"#{p['rank']}" if p.get("rank") else "- "
            add(f"  {rank} {p['text']}")
    if rec.get("action_items"):
        add("\naction items:")
        for a in rec["action_items"]:
            who = officials.get(a.get("issuer") or "", {}).get("name", a.get("issuer") or "?")
            extra = [f"cue «{a['modality']}»", f"said by {who}"]
            if a.get("actor"):
                extra.append(f"actor: {a['actor']}")
            if a.get("deadline"):
                extra.append(f"by: {a['deadline'].get('text')}")
            if a.get("topics"):
                extra.append("topics: " + ", ".join(a["topics"]))
            add(f"  - {a['text']}")
            add(f"      [{'; '.join(extra)}]")
    for key, label in (("events", "meetings and events"), ("places", "places"), ("organizations", "organizations")):
        if rec.get(key):
            add(f"\n{label}: " + "، ".join(e["name"] for e in rec[key]))
    if rec.get("dates"):
        add("\ndates: " + "، ".join(f"{d['text']} ({d.get('jalali') or d.get('gregorian')})" for d in rec["dates"]))
    if rec.get("figures"):
        add("figures: " + "، ".join(f["text"] for f in rec["figures"]))
    if rec.get("topics"):
        add("topics: " + ", ".join(rec["topics"]))
    for w in rec.get("warnings", []):
        add(f"warning: {w}")
    return "\n".join(lines)
