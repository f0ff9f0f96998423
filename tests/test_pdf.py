"""extractor.pdf: logical-order text from Persian PDFs.

Two kinds of input:
- real PDFs in ../shared/data/pdf (skipped when that folder is absent), checked
  against lines read off the rendered pages;
- small PDFs written by hand below, drawn the way Word and XeLaTeX draw
  Persian: right to left, in presentation forms, with or without space glyphs.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from pathlib import Path

import pytest

from extractor.errors import BadPdf, NoText
from extractor.pdf import read_pdf

PDF_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pdf"
ZWNJ = "\u200c"
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


def fold(text: str) -> str:
    """What read_pdf leaves to normalization: Arabic-Indic digits, Arabic yeh/kaf, kashida."""
    digits = {chr(0x660 + i): chr(0x6F0 + i) for i in range(10)}
    return text.translate(str.maketrans({**digits, "ي": "ی", "ك": "ک", "\u0640": None}))


# Lines read off the rendered pages, in logical order; "…" marks a part of a line. Only lines
# whose glyphs all map to Unicode: some XeLaTeX fonts leave glyphs unmapped (U+FFFD here).
KNOWN = {
    "farhangestan_dastoor_khatt_farsi_D-1394.pdf": (
        56,
        [
            "دستور خطّ فارسی",  # Word's shadda is drawn above the line; it must rejoin its letter
            "فرهنگستان زبان و ادب فارسی (نشر آثار)",  # brackets mirrored back
            "چاپ سیزدهم: ۱۳۹۴",  # the digits keep their order
            "قیمت: ۱۵۰۰۰ ریال",
            "وبگاه: www.Persianacacdemy.ir",  # Latin intact, on the left of an RTL line
            f"فهرست{ZWNJ}نویسی پیش از انتشار کتابخانۀ ملی جمهوری اسلامی ایران",  # ZWNJ, lam-alef
            f"می{ZWNJ}کند. از آقای دکتر حسین داودی و خانم زهرا زندی{ZWNJ}مقدّم نیز که در",
            "امید است انتشار «دستور خطّ فارسی» انتظار همۀ کسانی را برآورد که",
            "غلامعلی حدّاد عادل",
            "۱. تدوین قواعدی برای جدانویسی همۀ کلمات مرکّب و تعیین مواردِ استثنا.",  # no «جدانو یسی»
            f"۲. تدوین قواعدی برای پیوسته{ZWNJ}نویسی همۀ کلماتِ مرکب و تعیین مواردِ",
        ],
    ),
    "persian_bib_userguide_xelatex.pdf": (
        8,
        [
            "(Persian-bib User Guide)",
            "۱۹ اردیبهشت ۱۳۹۴",
            "فهرست مطالب",
            "۵ استفاده از natbib\t۳",  # XeLaTeX draws no space glyphs: spaces come from the gaps
            f"را در پایان همان مقاله بنویسیم و در متن نوشته به آن{ZWNJ}ها ارجاع دهیم. …",
            f"… با پسوند bst در وب{ZWNJ}گاه خود …",
            "xelatex myfile",
            "… (http://wiki.parsilatex.com) …",
        ],
    ),
    "sharif_thesis_template_main_xelatex.pdf": (
        36,
        [
            "عنوان رساله",
            "استاد راهنما",
            "دکتر <نام استاد راهنما>",
            "فروردین ۱۴۰۱",
            "فصل ۱: سرآغاز",
            f"۱.۲ ساختار پایان{ZWNJ}نامه …",
        ],
    ),
    "student_assignment_vision_project2.pdf": (
        3,
        [
            "هدف: بررسی تقطیع مبتنی برلبه",
            # page 2 draws every glyph three times
            "الف) یکی از روش های تشخیص خط، استفاده از تبدیل هاف است. "
            "معمولا ورودی تبدیل هاف چیست؟ تبدیل هاف را بر تصویری",
            "الف) کانتور چیست؟ در openCV چه توابعی برای پیدا کردن کانتور "
            "و یافتن خصوصیات آن تعریف شده است؟ به طور خلاصه",
            "m.majd@aut.ac.ir بپرسید.",
            "… مهلت انجام پروژه تا سه شنبه 93/1/19 می باشد و هر روز تاخیر باعث کسر 10% از نمره خواهد شد.",
            "… نتیجه تغییر آستانه پایین از 1 به 220 چیست؟",
            "… آنچه در این بخش از درس خواندید (تقطیع مبتنی بر لبه) تصویر شماره 6 را قطعه بندی کنید.",
        ],
    ),
    "student_report_vision_hw1.pdf": (
        6,
        [
            "گروه مستقل مهندسی رباتیک",
            "تمرین اول درس بینایی ماشین",
            f"تدریس{ZWNJ}یار:",
            "92135008",
            "زمستان 1392",
            f"6 جدول زمان{ZWNJ}بندی مراحل انجام تحقیق",
        ],
    ),
    "student_report_vision_hw3.pdf": (
        7,
        [
            "تمرین سوم درس بینایی ماشین",
            "1.2 استفاده از K-means",
            f"پرسش: با استفاده از روش K میانگین تصویر را قطعه{ZWNJ}بندی کرده و نتایج را نمایش دهید. …",
            f"به دلیل پیچیدگی پیاده{ZWNJ}سازی این قسمت با زبان …",
        ],
    ),
}


SLOW = {"farhangestan_dastoor_khatt_farsi_D-1394.pdf"}  # 56 pages, about 5 s


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[pytest.mark.slow] if n in SLOW else []) for n in sorted(KNOWN)]
)
def test_pdf_real_documents_read_in_logical_order(name: str) -> None:
    path = PDF_DIR / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared data folder is not checked out)")
    pages, lines = KNOWN[name]
    doc = read_pdf(path.read_bytes(), str(path))
    text, whole_lines = fold(doc.text), set(fold(doc.text).splitlines())
    missing = [line for line in lines if fold(line) not in whole_lines]
    missing = [line for line in missing if "…" not in line or fold(line).strip("… ") not in text]
    assert not missing, f"{name}: {len(missing)}/{len(lines)} known lines missing: {missing}"
    assert not PRESENTATION_FORMS.search(doc.text)
    assert len(doc.pages) == pages
    assert all(doc.text[s:e] == doc.text[s:e].strip() for s, e in doc.pages)  # offsets land on the pages
    assert all(e + 2 == s2 for (_, e), (s2, _) in zip(doc.pages, doc.pages[1:], strict=False))


# --- a hand-made PDF, drawn like Word or XeLaTeX would draw it ----------------------------------

RIGHT_JOINING = set("اآدذرزژو")
LETTERS = set("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآ")
LTR_RUN = re.compile(r"[0-9A-Za-z۰-۹](?:[0-9A-Za-z۰-۹./:@-]*[0-9A-Za-z۰-۹])?")
RTL_RUN = re.compile("[\ufb50-\ufeff]+(?: [\ufb50-\ufeff]+)*")  # shaped Persian words
MIRROR = str.maketrans("()«»", ")(»«")


def shape(text: str) -> str:
    """Logical Persian → presentation forms (still logical), with lam-alef ligatures."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        joins_prev = i > 0 and text[i - 1] in LETTERS and text[i - 1] not in RIGHT_JOINING
        if ch == "ل" and text[i + 1 : i + 2] == "ا":
            out.append("\ufefc" if joins_prev else "\ufefb")
            i += 2
            continue
        if ch in LETTERS:
            joins_next = ch not in RIGHT_JOINING and text[i + 1 : i + 2] in LETTERS
            form = ["ISOLATED", "INITIAL", "FINAL", "MEDIAL"][joins_next + 2 * joins_prev]
            ch = unicodedata.lookup(f"{unicodedata.name(ch)} {form} FORM")
        out.append(ch)
        i += 1
    return "".join(out)


def visual(text: str) -> str:
    """How a line is drawn, left to right, in the direction of its first letter.

    RTL: the line reversed, digit and Latin runs kept. LTR: only the Persian runs reversed.
    """
    if re.match(r"[^A-Za-z\ufb50-\ufeff]*[A-Za-z]", text):
        return RTL_RUN.sub(lambda m: m.group()[::-1], text)
    runs, pos = [], 0
    for m in LTR_RUN.finditer(text):
        runs += [text[pos : m.start()][::-1].translate(MIRROR), m.group()]
        pos = m.end()
    runs.append(text[pos:][::-1].translate(MIRROR))
    return "".join(reversed(runs))


class Stream(bytes):
    """The body of a stream object."""


def rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")  # PDF spec 3.2
FILE_ID = bytes(range(16))


def encryption(password: str) -> tuple[bytes, bytes]:
    """The file key and /Encrypt dict of the standard RC4 40-bit handler (PDF 1.7, 3.2–3.4)."""
    padded = (password.encode() + PAD)[:32]
    owner = rc4(hashlib.md5(padded).digest()[:5], padded)  # owner password = user password
    key = hashlib.md5(padded + owner + (-4).to_bytes(4, "little", signed=True) + FILE_ID).digest()[:5]
    user = rc4(key, PAD)
    return key, b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <%s> /U <%s> >>" % (
        owner.hex().encode(),
        user.hex().encode(),
    )


def make_pdf(
    pages: list[list[str]], *, spaces: bool = True, logical: bool = False, password: str | None = None
) -> bytes:
    """A PDF whose pages hold the given lines, drawn right-aligned in visual order.

    spaces=True draws space glyphs (Word); spaces=False leaves gaps instead (XeLaTeX).
    logical=True draws the letters in logical order, left to right. password encrypts it.
    Every glyph is 0.5 em wide; the font is not embedded, which text extraction ignores.
    """
    glyphs: list[str] = [" "]  # CID n+1 draws glyphs[n]
    contents = []
    for lines in pages:
        ops = ["0 0 m 100 100 l S"]  # a rule: a page with drawings but no text looks like a scan
        if lines:
            ops.append("BT /F1 12 Tf")
        for row, line in enumerate(lines):
            drawn = shape(line) if logical else visual(shape(line))
            for ch in drawn:
                if ch not in glyphs:
                    glyphs.append(ch)
            words = ["<" + "".join(f"{glyphs.index(ch) + 1:04x}" for ch in word) + ">" for word in drawn.split(" ")]
            gap = "<0001>" if spaces else " -400 "  # a space glyph, or a move of 0.4 em
            ops.append(f"1 0 0 1 {550 - 6 * len(drawn)} {780 - 20 * row} Tm [{gap.join(words)}] TJ")
        if lines:
            ops.append("ET")
        contents.append(Stream("\n".join(ops).encode()))
    cmap = "\n".join(f"<{i + 1:04x}> <{ord(ch):04x}>" for i, ch in enumerate(glyphs))
    to_unicode = Stream(
        (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /T def "
            f"1 begincodespacerange <0000> <ffff> endcodespacerange {len(glyphs)} beginbfchar\n{cmap}\n"
            "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
        ).encode()
    )
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(len(pages)))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Hand /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Hand /DW 500 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /Hand /Flags 4 /ItalicAngle 0 "
        b"/FontBBox [0 -250 1000 750] /Ascent 750 /Descent -250 /CapHeight 700 /StemV 80 >> >>",
        to_unicode,
    ]
    for i, content in enumerate(contents):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {7 + 2 * i} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(content)
    trailer = f"/ID [<{FILE_ID.hex()}> <{FILE_ID.hex()}>]"
    key = b""
    if password is None:
        objects.append(b"<< /Producer (hand-made test PDF) /Title (Bakhshnameh) >>")
        trailer += f" /Info {len(objects)} 0 R"
    else:  # no info strings: they would need encrypting too
        key, encrypt = encryption(password)
        objects.append(encrypt)
        trailer += f" /Encrypt {len(objects)} 0 R"

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, obj in enumerate(objects, 1):
        offsets.append(len(out))
        if isinstance(obj, Stream):
            data = rc4(hashlib.md5(key + num.to_bytes(3, "little") + b"\0\0").digest()[:10], obj) if key else obj
            obj = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer} >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


CIRCULAR = [
    "بسمه تعالی",
    "شماره: ۱۲۳۴۵",
    "تاریخ: ۱۴۰۲/۰۵/۱۲",
    "پیوست: ندارد",
    "بخشنامه",
    "ابلاغ می شود کلیه دستگاه های اجرایی استان تا پایان سال ۱۴۰۲ گزارش خود را ارسال کنند.",
    "نشانی سامانه www.example.ir است.",
    "(این دستور لازم الاجرا است)",
    "See دستور کار for details.",  # an LTR line: only its Persian words are reversed
]


@pytest.mark.parametrize("spaces", [True, False], ids=["word-spaces", "xelatex-gaps"])
def test_pdf_hand_made_circular_reads_back(spaces: bool) -> None:
    doc = read_pdf(make_pdf([CIRCULAR, ["صفحه دوم"]], spaces=spaces), "circular.pdf")
    first, second = (doc.text[s:e] for s, e in doc.pages)
    assert first.splitlines() == CIRCULAR  # «ابلاغ», not «ابالغ»: lam-alef un-reversed
    assert second == "صفحه دوم"
    assert doc.text == first + "\n\n" + second
    assert doc.metadata == {
        "number": "۱۲۳۴۵",
        "date": "۱۴۰۲/۰۵/۱۲",
        "attachment": "ندارد",
        "producer": "hand-made test PDF",
        "title": "Bakhshnameh",
    }


def test_pdf_logical_order_drawing_is_kept() -> None:
    # No producer seen so far does this, but if one did, reordering would reverse good text:
    # the lexicon prefers the raw reading.
    doc = read_pdf(make_pdf([CIRCULAR[4:6]], logical=True), "logical.pdf")
    assert doc.text.splitlines() == CIRCULAR[4:6]


def test_pdf_fixture_is_drawn_in_visual_order_with_presentation_forms() -> None:
    import pdfplumber  # the fixture is only useful if pdfplumber alone gets it wrong

    with pdfplumber.open(io.BytesIO(make_pdf([CIRCULAR]))) as pdf:
        raw = pdf.pages[0].extract_text()
    assert PRESENTATION_FORMS.search(raw)
    assert "۱۴۰۲/۰۵/۱۲" in raw and "بخشنامه" not in raw


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is not a PDF",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog",
        make_pdf([CIRCULAR])[:300],
        make_pdf([CIRCULAR, CIRCULAR])[:2000],
    ],
    ids=["empty", "not-a-pdf", "truncated-header", "truncated-font", "truncated-page"],
)
def test_pdf_unreadable_input_raises_bad_pdf(data: bytes) -> None:
    with pytest.raises(BadPdf) as err:
        read_pdf(data, "broken.pdf")
    assert str(err.value).startswith("E103 broken.pdf: ")


def test_pdf_encrypted_input_raises_bad_pdf() -> None:
    import pdfplumber

    data = make_pdf([CIRCULAR], password="secret")
    with pdfplumber.open(io.BytesIO(data), password="secret") as pdf:  # a real, openable encrypted PDF
        assert "۱۴۰۲/۰۵/۱۲" in pdf.pages[0].extract_text()
    with pytest.raises(BadPdf, match="encrypted"):
        read_pdf(data, "locked.pdf")


def test_pdf_without_text_layer_raises_no_text() -> None:
    with pytest.raises(NoText, match="no text layer"):
        read_pdf(make_pdf([[], []]), "scan.pdf")
