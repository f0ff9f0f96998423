"""Officials: names, honorifics and titles in the orders Persian releases write them.

Every sentence here was written for these tests.
"""

from __future__ import annotations

import pytest

from extractor.pipeline import extract_text


def officials(text: str) -> list[tuple[str, list[str], str | None]]:
    rec = extract_text(text, path="people.txt").to_dict()
    for o in rec["officials"]:
        for s, e in o["mentions"]:
            assert rec["text"][s:e].strip(), "a mention points at nothing"
    return [(o["name"], o["titles"], o["honorific"]) for o in rec["officials"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a first name written with a ZWNJ (or a space) is two atoms
        ("عزت‌الله کاظمی رئیس سازمان بهزیستی گفت: طرح باید اجرا شود.",
         [("عزت\u200cالله کاظمی", ["رئیس سازمان بهزیستی"], None)]),
        ("نعمت‌الله صادقی فرماندار بم گفت: طرح باید اجرا شود.",
         [("نعمت\u200cالله صادقی", ["فرماندار بم"], None)]),
        # title, then honorific, then name
        ("استاندار یزد دکتر مهدی طاهری گفت: طرح باید اجرا شود.",
         [("مهدی طاهری", ["استاندار یزد"], "دکتر")]),
        ("رئیس دانشگاه شیراز مهندس علی کرمی در این نشست گفت: طرح باید اجرا شود.",
         [("علی کرمی", ["رئیس دانشگاه شیراز"], "مهندس")]),
        # a run of honorifics that opens with an office honorific
        ("آیت‌الله سید حسن موسوی در این دیدار گفت: مردم باید یاری کنند.",
         [("حسن موسوی", [], "آیت\u200cالله سید")]),
        # an honorific joined to the surname by a ZWNJ is part of it
        ("عزت‌الله کاظمی‌ملا نماینده مردم بابل در مجلس گفت: طرح باید اجرا شود.",
         [("عزت\u200cالله کاظمی\u200cملا", ["نماینده مردم بابل در مجلس"], None)]),
        # a word of time inside the title
        ("حسن نوری معاون سابق وزیر کشور گفت: طرح باید اجرا شود.",
         [("حسن نوری", ["معاون سابق وزیر کشور"], None)]),
        # «با حضور» + an unknown surname right before a title
        ("نشست با حضور فرزین‌فر معاون وقت استاندار برگزار شد و قرار شد طرح اجرا شود.",
         [("فرزین\u200cفر", ["معاون وقت استاندار"], None)]),
    ],
)
def test_people_orders_of_name_title_and_honorific(text, expected) -> None:
    assert officials(text) == expected


def test_people_sayyid_alone_is_no_office() -> None:
    assert officials("سید حسن موسوی در این دیدار گفت: مردم باید یاری کنند.") == []


def test_people_frame_does_not_make_names_of_common_words() -> None:
    assert officials("نشست با حضور مدیران کل استان برگزار شد.") == []
    assert officials("نشست با حضور استاندار برگزار شد.") == []


def test_people_headline_title_reaches_the_body_past_a_repeated_headline() -> None:
    head = "برگزاری جلسه شورای اداری در شهرستان‌ها"
    text = (f"{head}\n\n{head}\n\nبا توجه به نتایج سفرها، جلسات در شهرستان‌ها برگزار می‌شود.\n\n{head}\n\n"
            "وزیر کشور در بخشنامه‌ای خواستار برگزاری جلسات شورای اداری در شهرستان‌ها شد.\n\n"
            "به گزارش خبرنگار ما، مهدی کاظمی در این بخشنامه از استانداران خواست جلسات را منظم برگزار کنند.")
    assert officials(text) == [("مهدی کاظمی", ["وزیر کشور"], None)]


def organizations(text: str) -> list[str]:
    return [o["name"] for o in extract_text(text, path="orgs.txt").to_dict()["organizations"]]


def test_organizations_grow_over_names_and_places_only() -> None:
    assert organizations("نماینده مجلس گفت: مجلس مانع بزرگی برای این طرح نیست.") == ["مجلس"]
    assert organizations("رئیس دانشگاه علوم پزشکی قم از آغاز طرح خبر داد.") == ["دانشگاه علوم پزشکی قم"]


def test_organizations_end_on_a_name_word_and_provinces_are_no_organizations() -> None:
    found = organizations("این طرح با همکاری شهرداری‌ها و تلاش خانواده‌ها در استان قم اجرا می‌شود.")
    assert "شهرداری\u200cها" in found and not any(o.endswith((" و", "،")) or o.startswith("استان ") for o in found)


def test_people_one_word_office_title_is_a_mention_of_its_holder() -> None:
    text = "بهمن کرمی فرماندار قاینات گفت: طرح باید اجرا شود. فرماندار افزود: همه باید یاری کنند."
    rec = extract_text(text, path="people.txt").to_dict()
    [o] = rec["officials"]
    assert o["titles"] == ["فرماندار قاینات", "فرماندار"]
    assert rec["role_mentions"] == []
    assert [rec["text"][s:e] for s, e in o["mentions"]][-1] == "فرماندار"


def test_events_keep_a_dialogue_council_whole() -> None:
    text = "سی و چهارمین جلسه شورای گفت‌وگوی استانی دولت و بخش خصوصی برگزار شد."
    assert [e["name"] for e in extract_text(text, path="e.txt").to_dict()["events"]] == [
        "سی و چهارمین جلسه شورای گفت\u200cوگوی استانی دولت و بخش خصوصی"]


@pytest.mark.parametrize(
    ("tail", "organization"),
    [
        ("به گزارش روابط عمومی فرمانداری قاینات، جلسه برگزار شد.", "فرمانداری قاینات"),
        ("فرمانداری آماده است.", "فرمانداری"),
        ("فرمانداری بیرجند آماده است.", None),  # another county's office
        ("جلسه برگزار شد.", None),  # no office named: nothing is made up
    ],
)
def test_people_office_of_an_agent_noun_title(tail: str, organization: str | None) -> None:
    rec = extract_text(f"بهمن کرمی فرماندار قاینات گفت: باید کار کنیم. {tail}", path="p.txt").to_dict()
    assert [o["organization"] for o in rec["officials"]] == [organization]


def test_people_role_with_an_ezafe_ye_is_the_same_office() -> None:
    rec = extract_text("رئیس‌جمهور باید پاسخ دهد. چنین رئیس‌جمهوری باید برود.", path="r.txt").to_dict()
    assert [(m["title"], len(m["mentions"])) for m in rec["role_mentions"]] == [("رئیس\u200cجمهور", 2)]


def test_people_unknown_name_after_the_report_lead_takes_the_headline_title() -> None:
    text = ("شهردار یاسوج گفت: دو ایستگاه آتش‌نشانی باید تا پایان سال تکمیل شود.\n\n"
            "به گزارش خبرنگار ما، شاهو کاکایی صبح امروز در مراسم روز آتش‌نشانی اظهار کرد: ایستگاه‌ها آماده می‌شود.")
    assert officials(text) == [("شاهو کاکایی", ["شهردار یاسوج"], None)]


def test_people_lead_subject_needs_a_name_like_phrase() -> None:
    text = ("شهردار یاسوج گفت: ایستگاه‌ها آماده می‌شود.\n\n"
            "به گزارش خبرنگار ما، مدیران استان صبح امروز در مراسم اظهار کردند: کار ادامه دارد.")
    assert officials(text) == []


def test_people_headline_title_inside_a_phrase_yields_to_the_subject_title() -> None:
    text = ("ابلاغ بخشنامه وزیر کشور درباره وظایف دستگاه‌ها\n"
            "سخنگوی وزارت کشور از ابلاغ بخشنامه وزیر کشور خبر داد\n"
            "به گزارش خبرنگار ما، سید مهران کاظمی در این باره اظهار داشت: دستگاه‌ها باید گزارش بدهند.")
    rec = extract_text(text, path="p.txt").to_dict()
    assert [(o["name"], o["titles"]) for o in rec["officials"]] == [("مهران کاظمی", ["سخنگوی وزارت کشور"])]
    assert [m["title"] for m in rec["role_mentions"]] == ["وزیر کشور"]


def test_people_title_never_ends_on_a_preposition() -> None:
    text = "حسن کاظمی نماینده مردم شهرستان‌های بجنورد، مانه و سملقان، گرمه و جاجرم در مجلس گفت: باید کار کنیم."
    [(_, [title], _)] = officials(text)
    assert not title.endswith(" در")
