"""Action items and priorities on invented sentences: cues, actors, deadlines, ranks."""

from __future__ import annotations

import pytest

from extractor.pipeline import extract_text

HEAD = "استاندار کرمانشاه در جلسه شورای اداری استان گفت: "


def items(body: str) -> list[dict]:
    return extract_text(HEAD + body, path="t.txt").to_dict()["action_items"]


@pytest.mark.parametrize(
    ("body", "deadline", "jalali"),
    [
        ("همه دستگاه‌ها باید تا پایان سال گزارش بدهند.", "تا پایان سال", None),
        ("فرمانداران موظفند ظرف ۱۰ روز آینده طرح‌ها را ارسال کنند.", "ظرف ۱۰ روز آینده", None),
        ("شهرداری‌ها باید حداکثر تا ۱۵ اسفند ۱۴۰۲ پروژه را تحویل دهند.", "۱۵ اسفند ۱۴۰۲", "1402-12-15"),
        ("مدیران باید گزارش عملکرد را ارائه کنند.", None, None),
    ],
)
def test_directives_deadline(body: str, deadline: str | None, jalali: str | None) -> None:
    [item] = items(body)
    if deadline is None:
        assert item["deadline"] is None
    else:
        assert item["deadline"]["text"] == deadline
        assert item["deadline"]["jalali"] == jalali


@pytest.mark.parametrize(
    ("body", "actor"),
    [
        ("شهرداران باید این طرح را در اولویت برنامه‌های خود قرار بدهند.", "شهرداران"),
        ("باید این طرح را در اولویت قرار دهیم.", "ما"),
        ("لازم است تا سایر دستگاه‌های اجرایی نیز همکاری کنند.", "سایر دستگاه‌های اجرایی"),
        ("از مردم خواست در مصرف آب صرفه‌جویی کنند.", "مردم"),
        ("ارتقای کیفیت خدمات باید در اولویت قرار گیرد.", None),
        ("وی خواستار همکاری هر چه بیشتر بانک‌های استان با مجریان طرح‌ها شد.", "بانک‌های استان"),
        ("کسانی که بی‌اطلاع هستند باید قوانین را بدانند.", "کسانی که بی‌اطلاع هستند"),
        ("بسیج به‌عنوان یک نهاد مردمی باید در خدمت مردم باشد.", "بسیج"),
        ("همه شما باید در ترویج این فرهنگ تلاش کنید.", "شما"),
    ],
)
def test_directives_actor(body: str, actor: str | None) -> None:
    [item] = items(body)
    assert item["actor"] == actor


@pytest.mark.parametrize(
    "body",
    ["این طرح سال گذشته اجرا شد.", "آیا دستگاه‌ها باید گزارش بدهند؟", "استان کرمانشاه ۱۴ شهرستان دارد."],
)
def test_directives_no_action_item(body: str) -> None:
    assert items(body) == []


def test_directives_description_before_directive_is_cut_off() -> None:
    [item] = items("دفاع مقدس ملت را سربلند کرد و این افتخارات باید حفظ شود.")
    assert item["text"] == "این افتخارات باید حفظ شود"


def test_directives_priority_rank_and_cue() -> None:
    rec = extract_text(HEAD + "اولین اولویت ما اشتغال جوانان است. دومین برنامه ما توسعه گردشگری است.",
                       path="t.txt").to_dict()
    ranks = sorted(p["rank"] for p in rec["priorities"] if p["rank"])
    assert ranks == [1, 2]


def test_dates_named_places_are_not_dates() -> None:
    from extractor.engine import analyze

    a = analyze("دیدار دو تیم روز ۱۷ مرداد در مجموعه ورزشی ۱۷ شهریور آبادان و میدان ۱۵ خرداد برگزار شد.",
                published_year=1394)
    assert [d["text"] for d in a.dates] == ["۱۷ مرداد"]


def test_places_are_named_as_first_written() -> None:
    from extractor.engine import analyze

    text = "مدیرکل بهزیستی آذربایجانغربی در ارومیه گفت: استان آذربایجان غربی رتبه نخست را دارد."
    a = analyze(text)
    [(name, kind, spans)] = [p for p in a.places if p[1] == "province"]
    assert (name, kind, [text[s:e] for s, e in spans]) == (
        "آذربایجانغربی", "province", ["آذربایجانغربی", "آذربایجان غربی"])


def record(text: str) -> dict:
    return extract_text(text, path="t.txt").to_dict()


# --- person of the verb -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "actor"),
    [
        ("شهرداری موظف است پسماندها را جمع‌آوری نماید.", "شهرداری"),  # «نماید»: third person singular
        ("مجلس موظف است این لایحه را بررسی فرماید.", "مجلس"),
        ("باید در این زمینه تلاش نمایید.", "شما"),  # «نمایید»: second person plural
        ("مدیران باید گزارش را ارسال نمایند.", "مدیران"),
    ],
)
def test_directives_third_person_in_aa_stem_is_not_you(body: str, actor: str) -> None:
    [item] = items(body)
    assert item["actor"] == actor


# --- cue forms and who is asked ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "actor"),
    [
        ("از همه شهروندان خواسته شده است در مصرف برق صرفه‌جویی کنند.", "همه شهروندان"),
        ("وزیر از استانداران خواسته است گزارش خسارت‌ها را ارسال کنند.", "استانداران"),
        ("از کشاورزان درخواست داریم آب را هدر ندهند.", "کشاورزان"),  # not «ما»
        ("از شوراهای شهر انتظار داریم بودجه را زودتر تصویب کنند.", "شوراهای شهر"),
        ("کارکنان از پذیرش هدیه از ارباب رجوع پرهیز کنند.", "کارکنان"),
        ("از برگزاری مراسم پرهزینه اجتناب شود.", None),
        ("مطالبه ما از دستگاه قضا رسیدگی سریع به پرونده‌ها است.", "دستگاه قضا"),
    ],
)
def test_directives_new_cue_forms_and_addressee(body: str, actor: str | None) -> None:
    [item] = items(body)
    assert item["actor"] == actor


def test_directives_want_as_a_noun_is_no_demand() -> None:
    assert items("مسافران از بی‌توجهی شرکت به خواست خود گله داشتند.") == []


# --- junk actors ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "actor"),
    [
        ("در مرحله نخست باید زیرساخت‌ها تکمیل شود.", None),
        ("به نظر من باید قوانین شهری بازنگری شود.", None),
        ("در راستای توسعه گردشگری نیاز است تا طرح‌ها بازبینی شود.", None),
        ("استفاده از ظروف یکبار مصرف در ادارات ممنوع است.", None),
        ("ارتقای ایمنی مدارس ضروری است.", None),
        ("وزارت نیرو نیز موظف شد طرح انتقال آب را اجرا کند.", "وزارت نیرو"),
        ("وزارت تعاون، کار و رفاه اجتماعی مکلف شد سهم بیمه را پرداخت کند.", "وزارت تعاون، کار و رفاه اجتماعی"),
        ("همه دستگاه‌ها با هماهنگی کامل و در چارچوب قانون باید وارد عمل شوند.", "همه دستگاه‌ها"),
        ("رانندگان هم باید قوانین را رعایت کنند.", "رانندگان"),
        ("باید دانشجویان در انتخابات شورای صنفی شرکت کنند.", "دانشجویان"),
        ("ما معتقدیم باید همه گروه‌های سیاسی در انتخابات شرکت کنند.", "همه گروه‌های سیاسی"),
        ("در جلسه امروز شورا مقرر شد طرح بازنگری شود.", None),
        ("بخشنامه جدید را به همه ادارات کل ابلاغ کرد.", "همه ادارات کل"),
    ],
)
def test_directives_actor_names_who_acts(body: str, actor: str | None) -> None:
    [item] = items(body)
    assert item["actor"] == actor


def test_directives_emphasis_actor_is_the_subject_of_what_is_emphasized() -> None:
    rec = record("فرماندار تأکید کرد که همه بخشداران در اجرای طرح مشارکت کنند.")
    [item] = rec["action_items"]
    assert item["actor"] == "همه بخشداران"


# --- emphasis and necessity over facts ----------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "فرماندار با تأکید بر اینکه وضعیت بازار پایدار است، گفت: جلسه بعدی هفته آینده است.",
        "فرماندار با تأکید بر اینکه سیل خسارتی به مزارع وارد نکرد، گفت: جلسه بعدی هفته آینده است.",
        "فرماندار با تأکید بر اهمیت نقش زنان در جامعه، گفت: جلسه بعدی هفته آینده است.",
        "فرماندار بر اینکه این طرح موفق بوده است تأکید کرد.",
        "فرماندار با اشاره به مشکلات موجود تأکید کرد.",
        "فرماندار تأکید کرد که جلسه با حضور همه اعضا برگزار شد.",
        "دشمن به دنبال ضرورت‌سازی است.",
        "نامه‌ای درباره لزوم تعمیر مدرسه ارسال شده است.",
        "فرماندار گفت: در جایی که نظارت لازم است، بازرسان حضور ندارند.",
        "فرماندار گفت: حضور مردم ضروری است که از همه آنان تشکر می‌کنم.",
        "فرماندار گفت: تفکر دشمن این است که مردم باید ناامید شوند.",
        "انتظار می‌رود تا پایان سال تعداد گردشگران افزایش یابد.",
    ],
)
def test_directives_statements_of_fact_are_no_action_items(text: str) -> None:
    assert record(text)["action_items"] == []


@pytest.mark.parametrize(
    "text",
    [
        "فرماندار با تأکید بر اینکه دستگاه‌ها باید همکاری کنند، گفت: جلسه بعدی هفته آینده است.",
        "فرماندار با تأکید بر اینکه طرح‌ها به موقع تحویل شود، گفت: جلسه بعدی هفته آینده است.",
        "فرماندار با تأکید بر تقویت نظارت بر بازار، گفت: جلسه بعدی هفته آینده است.",
        "فرماندار با تأکید بر فرهنگ‌سازی مصرف آب، گفت: جلسه بعدی هفته آینده است.",
        "فرماندار بر حفظ آرامش بازار تأکید کرد.",
        "فرماندار بر تشدید برخورد با متخلفان تأکید کرد.",
        "فرماندار به گسترش فضای سبز شهری تأکید کرد.",
        "فرماندار ضرورت نوسازی ناوگان اتوبوسرانی را یادآور شد.",
    ],
)
def test_directives_emphasis_on_an_action_is_an_action_item(text: str) -> None:
    assert len(record(text)["action_items"]) == 1


def test_directives_emphasis_keeps_a_listed_object_whole() -> None:
    rec = record("فرماندار با تأکید بر تقویت همدلی، همکاری و هم‌افزایی در بین مدیران افزود: جلسه بعدی هفته آینده است.")
    [item] = rec["action_items"]
    assert item["text"] == "با تأکید بر تقویت همدلی، همکاری و هم‌افزایی در بین مدیران"


def test_directives_bare_necessity_noun_opens_a_headline() -> None:
    rec = record("لزوم نوسازی ناوگان حمل و نقل عمومی\n\nبه گزارش خبرنگار ما، جلسه شورای ترافیک برگزار شد.")
    assert [a["text"] for a in rec["action_items"]] == ["لزوم نوسازی ناوگان حمل و نقل عمومی"]


# --- priorities -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "خودرو در محور اصلی شهر به سمت فرودگاه واژگون شد.",
        "نامزدهای این حزب در رأس فهرست قرار گرفتند.",
        "تیم ما در هفته نخست و هفته دوم پیروز شد.",
    ],
)
def test_directives_literal_uses_are_no_priorities(text: str) -> None:
    assert record(text)["priorities"] == []


@pytest.mark.parametrize(
    ("body", "rank"),
    [
        ("موضوع اصلی ما اشتغال جوانان است.", None),
        ("وظیفه اصلی مدیران خدمت به مردم است.", None),
        ("نخستین دغدغه ما سلامت مردم است.", 1),
        ("سومین رسالت این ستاد آموزش همگانی است.", 3),
    ],
)
def test_directives_priority_nouns(body: str, rank: int | None) -> None:
    [prio] = record(HEAD + body)["priorities"]
    assert prio["rank"] == rank


def test_directives_enumerated_priorities_are_split() -> None:
    rec = record(HEAD + "امنیت نخستین شاخصه توسعه و دومین شاخصه آن عدالت اجتماعی است.")
    assert [(p["rank"], p["text"]) for p in rec["priorities"]] == [
        (1, "امنیت نخستین شاخصه توسعه"), (2, "دومین شاخصه آن عدالت اجتماعی است")]


# --- jussive directives -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "actor"),
    [
        ("بانک‌ها تسهیلات ازدواج را بدون تأخیر پرداخت کنند.", "بانک‌ها"),
        ("شهروندان نگران کمبود کالا نباشند.", "شهروندان"),
        ("پرونده این تخلف با دقت بررسی شود.", None),
        ("این طرح تا پایان سال اجرا شود.", None),
    ],
)
def test_directives_jussive_after_speech_verb(body: str, actor: str | None) -> None:
    [item] = items(body)
    assert item["rule"] == "action.jussive.v1"
    assert item["actor"] == actor


@pytest.mark.parametrize(
    "body",
    [
        "ممکن است قیمت‌ها افزایش یابد.",
        "قیمت نان ثابت خواهد ماند.",
        "جاده به دلیل بارش برف بسته شود تا خطری رخ ندهد.",
        "مدارس از فردا تعطیل شدند.",
        "امیدواریم این طرح به زودی اجرا شود.",
    ],
)
def test_directives_no_jussive_in_dependent_or_factual_clauses(body: str) -> None:
    assert items(body) == []


def test_directives_jussive_headline() -> None:
    rec = record("مدیران پاسخگوی مردم باشند\n\nبه گزارش خبرنگار ما، استاندار در جلسه شورای اداری سخن گفت.")
    [item] = rec["action_items"]
    assert (item["text"], item["actor"], item["rule"]) == ("مدیران پاسخگوی مردم باشند", "مدیران", "action.jussive.v1")


def test_directives_jussive_not_in_body_sentences() -> None:
    rec = record("به گزارش خبرنگار ما، در این جلسه پیشنهاد شد که کارگروهی تشکیل شود. "
                 "به گفته کارشناسان، این طرح با همکاری شهرداری اجرا شود.")
    assert [a for a in rec["action_items"] if a["rule"] == "action.jussive.v1"] == []


@pytest.mark.parametrize("body", ["نباید فراموش کرد که مربی تیم تدابیر دیگری خواهد داشت.",
                                  "باید گفت این طرح در سال گذشته موفق بود.",
                                  "باید پذیرفت که شرایط اقتصادی دشوار است."])
def test_directives_modal_before_a_verb_of_saying_is_a_turn_of_phrase(body: str) -> None:
    assert extract_text(body, path="rhetoric.txt").to_dict()["action_items"] == []
