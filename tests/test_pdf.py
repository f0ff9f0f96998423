"""extractor.pdf: logical-order text from Persian PDFs.

Two kinds of input:
- real PDFs in ../shared/data/pdf (skipped when that folder is absent), checked
  against lines read off the rendered pages;
- small PDFs written by hand below, drawn the way Word and XeLaTeX draw
  Persian: right to left, in presentation forms, with or without space glyphs.
"""

from __future__ import annotations

import hashlib
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


# Lines read off the rendered pages, in logical order. Only lines whose glyphs all map to
# Unicode: some XeLaTeX fonts leave glyphs unmapped, and those come out as U+FFFD.
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
        ],
    ),
    "persian_bib_userguide_xelatex.pdf": (
        8,
        [
            "(Persian-bib User Guide)",
            "۱۹ اردیبهشت ۱۳۹۴",
            "فهرست مطالب",
            "۵ استفاده از natbib",  # XeLaTeX draws no space glyphs: spaces come from the gaps
            f"را در پایان همان مقاله بنویسیم و در متن نوشته به آن{ZWNJ}ها ارجاع دهیم.",
            f"با پسوند bst در وب{ZWNJ}گاه خود",
            "xelatex myfile",
            "(http://wiki.parsilatex.com)",
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
            f"۱.۲ ساختار پایان{ZWNJ}نامه",
        ],
    ),
    "student_assignment_vision_project2.pdf": (
        3,
        [
            "هدف: بررسی تقطیع مبتنی برلبه",
            "m.majd@aut.ac.ir بپرسید.",
            "مهلت انجام پروژه تا سه شنبه 93/1/19 می باشد و هر روز تاخیر باعث کسر 10% از نمره خواهد شد.",
            "نتیجه تغییر آستانه پایین از 1 به 220 چیست؟",
            "آنچه در این بخش از درس خواندید (تقطیع مبتنی بر لبه) تصویر شماره 6 را قطعه بندی کنید.",
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
            f"پرسش: با استفاده از روش K میانگین تصویر را قطعه{ZWNJ}بندی کرده و نتایج را نمایش دهید.",
            f"به دلیل پیچیدگی پیاده{ZWNJ}سازی این قسمت با زبان",
        ],
    ),
}


@pytest.fixture(scope="module")
def real_pdfs() -> dict:
    if not PDF_DIR.is_dir():
        pytest.skip(f"{PDF_DIR} is absent")
    return {}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_pdf_real_documents_read_in_logical_order(real_pdfs: dict, name: str) -> None:
    path = PDF_DIR / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    pages, lines = KNOWN[name]
    doc = read_pdf(path.read_bytes(), str(path))
    text = fold(doc.text)
    missing = [line for line in lines if fold(line) not in text]
    assert not missing, f"{name}: {len(missing)}/{len(lines)} known lines missing: {missing}"
    assert not PRESENTATION_FORMS.search(doc.text)
    assert len(doc.pages) == pages
    assert all(doc.text[s:e] == doc.text[s:e].strip() for s, e in doc.pages)  # offsets land on the pages
    assert all(e + 2 == s2 for (_, e), (s2, _) in zip(doc.pages, doc.pages[1:], strict=False))


# --- a hand-made PDF, drawn like Word or XeLaTeX would draw it ----------------------------------

RIGHT_JOINING = set("اآدذرزژو")
LETTERS = set("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآ")
LTR_RUN = re.compile(r"[0-9A-Za-z۰-۹](?:[0-9A-Za-z۰-۹./:@-]*[0-9A-Za-z۰-۹])?")


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
            joins_next = (
                ch not in RIGHT_JOINING and text[i + 1 : i + 2] in LETTERS and text[i + 1 : i + 2] != ""
            )
            form = ["ISOLATED", "INITIAL", "FINAL", "MEDIAL"][joins_next + 2 * joins_prev]
            ch = unicodedata.lookup(f"{unicodedata.name(ch)} {form} FORM")
        out.append(ch)
        i += 1
    return "".join(out)


def visual(text: str) -> str:
    """How an RTL line is drawn, left to right: RTL runs reversed, digit and Latin runs kept."""
    runs, pos = [], 0
    for m in LTR_RUN.finditer(text):
        runs += [text[pos : m.start()][::-1].translate(str.maketrans("()«»", ")(»«")), m.group()]
        pos = m.end()
    runs.append(text[pos:][::-1].translate(str.maketrans("()«»", ")(»«")))
    return "".join(reversed(runs))


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


def make_pdf(pages: list[list[str]], *, spaces: bool = True, password: str | None = None) -> bytes:
    """A PDF whose pages hold the given logical lines, drawn right-aligned in visual order.

    spaces=True draws space glyphs (Word); spaces=False leaves gaps instead (XeLaTeX).
    password encrypts it with the standard RC4 40-bit handler, revision 2.
    """
    glyphs: list[str] = [" "]  # CID n+1 draws glyphs[n]; every glyph is 500/1000 em wide
    contents = []
    for lines in pages:
        ops = ["BT /F1 12 Tf"]
        for row, line in enumerate(lines):
            drawn = visual(shape(line))
            parts = []
            for word in drawn.split(" "):
                cids = []
                for ch in word:
                    if ch not in glyphs:
                        glyphs.append(ch)
                    cids.append(f"{glyphs.index(ch) + 1:04x}")
                parts.append(f"<{''.join(cids)}>")
            if spaces:  # Word: a space glyph between words
                space = f"<{glyphs.index(' ') + 1:04x}>"
                body = f"[{space.join(parts)}] TJ"
            else:  # XeLaTeX: no glyph, only a move of 0.4 em
                body = f"[{' -400 '.join(parts)}] TJ"
            ops.append(f"1 0 0 1 {550 - 6 * len(drawn)} {780 - 20 * row} Tm {body}")
        ops.append("ET 0 0 m 10 10 l S" if lines else "0 0 m 100 100 l S")  # a rule on every page
        contents.append("\n".join(ops if lines else ops[-1:]).encode())
    cmap = "\n".join(f"<{i + 1:04x}> <{ord(ch):04x}>" for i, ch in enumerate(glyphs))
    to_unicode = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /T def "
        f"1 begincodespacerange <0000> <ffff> endcodespacerange {len(glyphs)} beginbfchar\n{cmap}\n"
        "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    n = len(pages)
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(n))
    objects: list[bytes | tuple[bytes, bytes]] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Hand /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Hand /DW 500 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /Hand /Flags 4 /ItalicAngle 0 "
        b"/FontBBox [0 -250 1000 750] /Ascent 750 /Descent -250 /CapHeight 700 /StemV 80 >> >>",
        (b"", to_unicode),
    ]
    for i, content in enumerate(contents):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {7 + 2 * i} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append((b"", content))
    info = len(objects) + 1
    objects.append(b"<< /Producer (hand-made test PDF) /Title (Bakhshnameh) >>")
    trailer = f"/Info {info} 0 R /ID [<{'ab' * 16}> <{'ab' * 16}>]"

    key = b""
    if password is not None:  # PDF 1.7 spec, algorithms 3.2 to 3.4
        owner = rc4(hashlib.md5((password.encode() + PAD)[:32]).digest()[:5], (password.encode() + PAD)[:32])
        permissions = (-4).to_bytes(4, "little", signed=True)
        key = hashlib.md5(
            (password.encode() + PAD)[:32] + owner + permissions + bytes.fromhex("ab" * 16)
        ).digest()[:5]
        objects.append(
            b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <"
            + owner.hex().encode()
            + b"> /U <"
            + rc4(key, PAD).hex().encode()
            + b"> >>"
        )
        objects[info - 1] = b"<< >>"  # keep the info dict free of strings we would have to encrypt
        trailer += f" /Encrypt {len(objects)} 0 R"

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, obj in enumerate(objects, 1):
        offsets.append(len(out))
        if isinstance(obj, tuple):
            data = obj[1]
            if key:
                data = rc4(hashlib.md5(key + num.to_bytes(3, "little") + b"\0\0").digest()[:10], data)
            obj = b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
        out += b"%d 0 obj\n" % num + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
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


def test_pdf_fixture_is_drawn_in_visual_order_with_presentation_forms() -> None:
    import pdfplumber  # the fixture is only useful if pdfplumber alone gets it wrong

    with pdfplumber.open(__import__("io").BytesIO(make_pdf([CIRCULAR]))) as pdf:
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
    import io

    import pdfplumber

    data = make_pdf([CIRCULAR], password="secret")
    with pdfplumber.open(io.BytesIO(data), password="secret") as pdf:  # a real, openable encrypted PDF
        assert "۱۴۰۲/۰۵/۱۲" in pdf.pages[0].extract_text()
    with pytest.raises(BadPdf, match="encrypted"):
        read_pdf(data, "locked.pdf")


def test_pdf_without_text_layer_raises_no_text() -> None:
    with pytest.raises(NoText, match="no text layer"):
        read_pdf(make_pdf([[], []]), "scan.pdf")
