"""The seed release (seed_tvto_kermanshah.txt): what the product was specified from.

Every check also verifies that the item points at its exact span in ``text``.
"""

from __future__ import annotations

from extractor.normalize import fold


def _at(rec: dict, span: list[int]) -> str:
    return rec["text"][span[0] : span[1]]


def test_seed_official_with_honorific_and_both_titles(seed_record: dict) -> None:
    [official] = [o for o in seed_record["officials"] if fold(o["name"]) == fold("سلیمان پاک سرشت")]
    assert official["honorific"] == "دکتر"
    titles = {fold(t) for t in official["titles"]}
    assert fold("معاون وزیر تعاون، کار و رفاه اجتماعی") in titles
    assert fold("رئیس سازمان آموزش فنی و حرفه ای کشور") in titles
    assert fold(official["organization"]) == fold("سازمان آموزش فنی و حرفه ای کشور")
    mentions = [fold(_at(seed_record, m)) for m in official["mentions"]]
    assert fold("دکتر سلیمان پاک سرشت") in mentions
    assert fold("وی") in mentions  # «وی گفت» is the same person
    assert fold("دکتر پاک سرشت") in mentions


def test_seed_priorities_ranked(seed_record: dict) -> None:
    priorities = seed_record["priorities"]
    assert len(priorities) >= 3
    ranks = {p["rank"]: p for p in priorities if p["rank"]}
    assert "اولین و کلیدی" in ranks[1]["text"]
    assert "دومین دستورالعمل" in ranks[2]["text"]
    for p in priorities:
        assert _at(seed_record, p["span"]) == p["text"]
        assert p["speaker"] == "o1" and p["rule"]


def test_seed_action_items_with_baayad_and_baayesti(seed_record: dict) -> None:
    items = seed_record["action_items"]
    modalities = {a["modality"] for a in items}
    assert {"باید", "بایستی"} <= modalities
    texts = [fold(a["text"]) for a in items]
    assert any("منابع و فعالیت ها باید در راستای یک هدف" in t for t in texts)
    assert any("بایستی سیاست های جدید و اثربخشی را اعمال کرد" in t for t in texts)
    for a in items:
        assert _at(seed_record, a["span"]) == a["text"]
        assert a["issuer"] == "o1" and a["id"] and a["rule"]
    assert len({a["id"] for a in items}) == len(items)
    we = [a for a in items if "قرار دهیم" in a["text"]]
    assert we and we[0]["actor"] == "ما"


def test_seed_places(seed_record: dict) -> None:
    places = {p["name"]: p for p in seed_record["places"]}
    assert {"کرمانشاه", "آذربایجان شرقی"} <= set(places)
    assert places["کرمانشاه"]["kind"] == "province"
    for p in places.values():
        for m in p["mentions"]:
            assert fold(_at(seed_record, m)) == fold(p["name"])


def test_seed_event_with_ordinal(seed_record: dict) -> None:
    events = [e for e in seed_record["events"] if fold(e["name"]).startswith(fold("ششمین جلسه شورای هماهنگی"))]
    assert events and events[0]["ordinal"] == 6
    assert fold(_at(seed_record, events[0]["mentions"][0])).startswith(fold("ششمین جلسه شورای هماهنگی"))


def test_seed_agency_title_and_figures(seed_record: dict) -> None:
    assert fold(seed_record["agency"]).startswith(fold("روابط عمومی اداره کل آموزش فنی و حرفه ای استان آذربایجان شرقی"))
    assert seed_record["title"].startswith("ارتقاء کیفی")
    [fifty] = [f for f in seed_record["figures"] if f["unit"] == "percent"]
    assert fifty["value"] == 50 and _at(seed_record, fifty["span"]) == fifty["text"]
    assert "welfare" in seed_record["topics"]


def test_seed_record_has_the_design_keys_in_order(seed_record: dict) -> None:
    assert list(seed_record) == ["id", "source", "title", "lead", "text", "published", "agency", "officials",
                                 "role_mentions", "organizations", "places", "events", "dates", "figures",
                                 "statements", "priorities", "action_items", "topics", "warnings"]
    assert list(seed_record["source"])[:5] == ["kind", "url", "path", "sha256", "fetched_at"]
