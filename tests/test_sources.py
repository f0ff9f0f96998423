"""Reading inputs: kinds, encodings, and the one-line errors for bad input."""

from __future__ import annotations

import pytest

from extractor.errors import BinaryInput, EmptyInput, MissingPath, NotPersian
from extractor.sources import decode_text, document_from_bytes, expand_inputs, read_path, sniff_kind

RELEASE = "معاون استاندار در جلسه شورای اداری گفت: همه دستگاه‌ها باید تا پایان سال گزارش بدهند."


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [(b"%PDF-1.7 ...", "x.bin", "pdf"), (b"<!DOCTYPE html><html></html>", "x.txt", "html"),
     (b"\xef\xbb\xbf<html><body>", "", "html"), ("متن".encode(), "a.txt", "text"), (b"hello", "page.htm", "html"),
     (b"<!-- saved by a crawler -->" + b" " * 3000 + b"<HTML lang='fa'><body>x</body></HTML>", "", "html"),
     ("در متن از تگ <html> نام برده شد".encode(), "a.txt", "text")],
)
def test_sources_sniff_kind(data: bytes, name: str, kind: str) -> None:
    assert sniff_kind(data, name) == kind


def test_sources_decodes_utf8_bom_and_windows_1256() -> None:
    assert decode_text("\ufeff".encode() + RELEASE.encode(), "x") == RELEASE
    legacy = "مدير كل استان گفت: بايد گزارش بدهند و همه دستگاهها همكاري كنند".encode("cp1256")
    assert "گزارش" in decode_text(legacy, "x")


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"", EmptyInput), (b"   \n\n ", EmptyInput), (b"\x00\x01\x02binary\x00" * 20, BinaryInput),
     (b"The minister said all agencies must report by the end of the year. " * 3, NotPersian)],
)
def test_sources_bad_input_is_one_clear_error(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as exc:
        document_from_bytes(data, path="input.txt")
    message = str(exc.value)
    assert "input.txt" in message and "\n" not in message and message.startswith("E1")


def test_sources_missing_path(tmp_path) -> None:
    with pytest.raises(MissingPath, match="no such file"):
        read_path(tmp_path / "nope.txt")


def test_sources_expand_walks_directories_recursively(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text(RELEASE, encoding="utf-8")
    (tmp_path / "two.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "skip.png").write_bytes(b"\x89PNG")
    found = list(expand_inputs([str(tmp_path), "-", "https://example.ir/x"]))
    assert found == [str(tmp_path / "a" / "one.txt"), str(tmp_path / "two.html"), "-", "https://example.ir/x"]


def test_sources_publication_date_from_the_file_name() -> None:
    body = "جلسه شورای اداری استان در ۱۷ مرداد برگزار شد و مدیران گزارش دادند.".encode()
    doc = document_from_bytes(body, path="/archive/fars_13910517001191.txt")
    assert (doc.published, doc.metadata["published_from"]) == ("1391/05/17", "file_name")
    plain = document_from_bytes(body, path="/archive/release.txt")
    assert plain.published is None and "published_from" not in plain.metadata


def test_sources_page_metadata_date_wins_over_the_url() -> None:
    para = "جلسه شورای اداری استان برگزار شد و مدیران گزارش دادند. " * 8
    page = ("<html><head><meta property='article:published_time' content='2023-08-03T10:00:00'></head>"
            f"<body><article><h1>جلسه شورای اداری</h1><p>{para}</p></article></body></html>").encode()
    doc = document_from_bytes(page, url="https://example.ir/news/1391/05/17/x")
    assert doc.published and doc.published.startswith("2023-08-03")
    assert "published_from" not in doc.metadata
