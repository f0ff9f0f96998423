"""End-to-end CLI tests: extract, ingest, search, show, demo, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import SEED

RELEASE = (
    "استاندار کرمانشاه: دستگاه‌ها باید تا پایان سال گزارش بدهند\n\n"
    "به گزارش روابط عمومی استانداری کرمانشاه، محمد احمدی استاندار کرمانشاه در جلسه شورای اداری استان گفت: "
    "مديركل امور اقتصادی و همه دستگاه‌ها باید تا پایان سال ۱۴۰۲ گزارش عملکرد را ارائه کنند.\n\n"
    "وی افزود: اولین اولویت ما اشتغال جوانان است و ۵۰ درصد اعتبارات به این موضوع اختصاص می‌یابد.\n"
)
NO_TEXT_HTML = "<html><head><title>x</title></head><body><nav><a href='/'>خانه</a></nav></body></html>"


def run(*args: str, input: str | bytes | None = None, db: Path | None = None) -> object:
    env = {"DASTUR_DB": str(db)} if db else {}
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "release.txt").write_text(RELEASE, encoding="utf-8")
    (d / "seed.txt").write_bytes(SEED.read_bytes())
    return d


def test_cli_extract_jsonl_one_record_per_input(corpus: Path) -> None:
    result = run("extract", str(corpus), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert {Path(r["source"]["path"]).name for r in lines} == {"release.txt", "seed.txt"}
    for rec in lines:
        for a in rec["action_items"]:
            assert rec["text"][a["span"][0] : a["span"][1]] == a["text"]


def test_cli_extract_text_and_json_formats() -> None:
    text = run("extract", str(SEED), "--format", "text")
    assert text.exit_code == 0 and "priorities:" in text.stdout and "سلیمان پاک" in text.stdout
    one = json.loads(run("extract", str(SEED), "--format", "json").stdout)
    assert one["officials"][0]["honorific"] == "دکتر"


def test_cli_extract_reads_stdin() -> None:
    result = run("extract", "-", input=RELEASE.encode())
    assert result.exit_code == 0
    rec = json.loads(result.stdout)
    assert rec["source"]["kind"] == "text" and rec["action_items"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty"),
        ("blob.txt", b"\x00\x01\x02\x03binary" * 50, "binary"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a pdf", "PDF"),
        ("nav.html", NO_TEXT_HTML.encode(), "no article text"),
        ("english.txt", b"The minister said every agency must report by the end of the year. " * 4, "not Persian"),
    ],
)
def test_cli_bad_input_one_line_error_and_batch_goes_on(tmp_path: Path, name: str, content: bytes,
                                                        expected: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text(RELEASE, encoding="utf-8")
    result = run("extract", str(bad), str(good))
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1  # the good input still produced its record
    errors = [line for line in result.stderr.splitlines() if name in line]
    assert len(errors) == 1 and expected in errors[0]
    assert "Traceback" not in result.stderr


def test_cli_missing_path_and_unreachable_url() -> None:
    result = run("extract", "/no/such/release.txt", "http://127.0.0.1:9/news", "--allow-private")
    assert result.exit_code == 1
    assert "2 of 2 input(s) failed" in result.stderr
    assert "no such file" in result.stderr and "http://127.0.0.1:9/news" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_private_url_refused_by_default() -> None:
    result = run("extract", "http://127.0.0.1:9/news")
    assert result.exit_code == 1 and "--allow-private" in result.stderr


def test_cli_ingest_is_idempotent_and_search_finds_variants(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    first = run("ingest", str(corpus), db=db)
    assert first.exit_code == 0 and "2 created" in first.stderr
    again = run("ingest", str(corpus), db=db)
    assert "2 unchanged" in again.stderr
    ids = set()
    for query in ("مديركل", "مدیرکل", "1402", "۱۴۰۲"):
        out = json.loads(run("search", query, "--json", db=db).stdout)
        assert out["total"] == 1, query
        ids.add(out["hits"][0]["id"])
    assert len(ids) == 1


def test_cli_search_filters_facets_and_snippets(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    run("ingest", str(corpus), db=db)
    out = json.loads(run("search", "اولویت", "--place", "کرمانشاه", "--json", db=db).stdout)
    assert out["total"] == 2
    assert all("<mark>" in h["snippet"] for h in out["hits"])
    places = {f["value"]: f["count"] for f in out["facets"]["place"]}
    assert places["کرمانشاه"] == 2
    only_seed = json.loads(run("search", "--official", "پاک سرشت", "--json", db=db).stdout)
    assert only_seed["total"] == 1
    none = json.loads(run("search", "اولویت", "--until", "1300/01/01", "--json", db=db).stdout)
    assert none["total"] == 0
    human = run("search", "اولویت", db=db)
    assert human.exit_code == 0 and "2 result(s)" in human.stdout and "place:" in human.stdout


def test_cli_search_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["search", "x", "--since", "yesterday"],
                                env={"DASTUR_DB": str(tmp_path / "d.db")})
    assert result.exit_code == 2 and "Jalali" in result.output


def test_cli_show_prints_one_record(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    run("ingest", str(corpus / "seed.txt"), db=db)
    rid = json.loads(run("search", "اولویت", "--json", db=db).stdout)["hits"][0]["id"]
    shown = run("show", rid, db=db)
    assert shown.exit_code == 0 and "ششمین جلسه" in shown.stdout
    assert json.loads(run("show", rid, "--json", db=db).stdout)["id"] == rid
    missing = CliRunner().invoke(main, ["show", "nope"], env={"DASTUR_DB": str(db)})
    assert missing.exit_code == 1 and "no record" in missing.output


def test_cli_demo(tmp_path: Path) -> None:
    result = run("demo", db=tmp_path / "demo.db")
    assert result.exit_code == 0
    for expected in ("سلیمان پاک", "priorities:", "#1", "#2", "action items:", "کرمانشاه", "ششمین جلسه",
                     "result(s)"):
        assert expected in result.stdout


def test_cli_extract_every_shared_news_file(shared_data: Path) -> None:
    files = sorted((shared_data / "news").glob("*.txt"))
    result = run("extract", str(shared_data / "news"), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(files)
    for rec in records:
        assert rec["id"] and rec["text"] and rec["source"]["sha256"]
        for item in rec["priorities"] + rec["action_items"]:
            assert rec["text"][item["span"][0] : item["span"][1]] == item["text"]


def test_cli_extract_pdf_and_encrypted_pdf(tmp_path: Path) -> None:
    from tests.test_pdf import CIRCULAR, make_pdf

    good = tmp_path / "circular.pdf"
    good.write_bytes(make_pdf([CIRCULAR, ["صفحه دوم"]]))
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(make_pdf([CIRCULAR], password="secret"))
    result = run("extract", str(good), str(locked))
    assert result.exit_code == 1
    [rec] = [json.loads(line) for line in result.stdout.splitlines()]
    assert rec["source"]["kind"] == "pdf" and len(rec["source"]["pages"]) == 2
    assert rec["source"]["metadata"]["date"] == "۱۴۰۲/۰۵/۱۲"
    assert "صفحه دوم" in rec["text"]
    assert "locked.pdf" in result.stderr and "encrypted" in result.stderr and "Traceback" not in result.stderr


def test_cli_extract_saved_html_page(shared_data: Path) -> None:
    page = shared_data / "html" / "yjc_6919119_khabarkhun.html"
    rec = json.loads(run("extract", str(page)).stdout)
    assert rec["source"]["kind"] == "html"
    assert rec["title"].startswith("گردهمایی رؤسای سازمان نظام دامپزشکی")
    assert rec["published"]["jalali"] == "1398-02-12"
    assert any(p["name"] == "شهرکرد" for p in rec["places"])
    assert any("صفری" in o["name"] for o in rec["officials"])
