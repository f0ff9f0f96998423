"""Directive tracking, export and API keys from the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from indexer.export import DIRECTIVE_COLUMNS, RECORD_COLUMNS, safe_cell
from indexer.keys import KeyStore
from tests.conftest import SEED
from tests.test_cli import run


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("tracking") / "dastur.db"
    assert run("ingest", str(SEED), db=db).exit_code == 0
    return db


@pytest.fixture()
def db(seeded: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded database, so updates in one test do not leak into another."""
    copy = tmp_path / "dastur.db"
    copy.write_bytes(seeded.read_bytes())
    return copy


def directives(db: Path, *args: str) -> list[dict]:
    result = run("directives", "list", "--json", *args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_tracking_cli_list_filters_and_human_output(db: Path) -> None:
    rows = directives(db)
    assert len(rows) >= 10 and {d["status"] for d in rows} == {"open"}
    assert directives(db, "--status", "done") == []
    assert directives(db, "--official", "پاک سرشت")  # folded: ZWNJ or space, the same official
    assert directives(db, "--place", "تبریز") == []
    human = run("directives", "list", "--limit", "2", db=db)
    assert human.exit_code == 0 and human.stdout.startswith("2 directive(s)")


def test_tracking_cli_update_show_history_in_jalali(db: Path) -> None:
    did = directives(db)[0]["id"]
    r = run("directives", "update", did, "--status", "in_progress", "--owner", "اداره کل آموزش فنی",
            "--due", "1402/12/29", "--note", "نامه ارسال شد", "--evidence", "https://example.ir/n/1",
            "--who", "مریم", db=db)
    assert r.exit_code == 0, r.output
    assert "status: in_progress" in r.stdout and "due: 1402/12/29" in r.stdout
    shown = json.loads(run("directives", "show", did, "--json", db=db).stdout)
    assert (shown["status"], shown["due"], shown["version"]) == ("in_progress", "2024-03-19", 2)
    assert shown["notes"][0] == {**shown["notes"][0], "text": "نامه ارسال شد", "who": "مریم"}
    history = json.loads(run("directives", "history", did, "--json", db=db).stdout)
    assert [h["field"] for h in history] == ["status", "owner", "due", "note", "evidence"]
    assert history[0]["old"] == "open" and history[0]["new"] == "in_progress"
    human = run("directives", "history", did, db=db).stdout
    assert "مریم  due: — → 1402/12/29" in human and human.startswith("5 change(s)")


def test_tracking_cli_update_refuses_stale_version_and_bad_values(db: Path) -> None:
    did = directives(db)[0]["id"]
    assert run("directives", "update", did, "--status", "done", "--expected-version", "1", db=db).exit_code == 0
    stale = run("directives", "update", did, "--status", "open", "--expected-version", "1", db=db)
    assert stale.exit_code == 1 and "E202" in stale.stderr and "version 1" in stale.stderr
    bad_due = run("directives", "update", did, "--due", "فردا", db=db)
    assert bad_due.exit_code == 1 and "E203" in bad_due.stderr and len(bad_due.stderr.splitlines()) == 1
    assert run("directives", "update", did, "--status", "finished", db=db).exit_code == 2
    assert run("directives", "update", did, db=db).exit_code == 2
    missing = run("directives", "show", "nope", db=db)
    assert missing.exit_code == 1 and "E201" in missing.stderr


def test_tracking_cli_report_counts_and_overdue(db: Path) -> None:
    rows = directives(db)
    run("directives", "update", rows[0]["id"], "--status", "done", db=db)
    run("directives", "update", rows[1]["id"], "--due", "1390/01/01", db=db)  # long past: overdue
    report = json.loads(run("directives", "report", "--json", db=db).stdout)
    assert report["total"] == len(rows) and report["by_status"]["done"] == 1
    assert report["overdue_count"] == 1 and report["overdue"][0]["id"] == rows[1]["id"]
    assert sum(r["count"] for r in report["by_owner"]) == len(rows)
    human = run("directives", "report", db=db).stdout
    assert "by status:" in human and "overdue:" in human and "due 1390/01/01" in human


def test_tracking_cli_export_csv_has_bom_and_persian_survives(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "directives.csv"
    r = run("export", "--format", "csv", "--what", "directives", "-o", str(out), db=db)
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    expected = {d["id"]: d for d in directives(db)}
    assert tuple(rows[0]) == DIRECTIVE_COLUMNS and len(rows) == len(expected)
    for row in rows:
        assert row["text"] == expected[row["id"]]["text"]  # Persian, ZWNJ and all
    records = run("export", "--format", "csv", "--what", "records", db=db)
    assert records.stdout.startswith("\ufeff")
    rec_rows = list(csv.DictReader(io.StringIO(records.stdout[1:], newline="")))
    assert tuple(rec_rows[0]) == RECORD_COLUMNS and "پاک\u200cسرشت" in rec_rows[0]["officials"]


def test_tracking_cli_export_jsonl(db: Path) -> None:
    lines = run("export", "--format", "jsonl", db=db).stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["officials"][0]["honorific"] == "دکتر"
    dirs = run("export", "--what", "directives", db=db).stdout.splitlines()
    assert {json.loads(x)["id"] for x in dirs} == {d["id"] for d in directives(db)}


@pytest.mark.parametrize(("value", "cell"), [("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("متن", "متن"),
                                             (None, ""), (3, 3)])
def test_export_safe_cell_defuses_formulas(value: object, cell: object) -> None:
    assert safe_cell(value) == cell


def test_tracking_cli_keys_create_list_revoke(db: Path) -> None:
    created = run("keys", "create", "--role", "editor", "--name", "روابط عمومی", db=db)
    assert created.exit_code == 0, created.output
    token = created.stdout.splitlines()[-1]
    assert token.startswith("dastur_") and " " not in token
    with KeyStore(str(db)) as store:
        key = store.verify(token)
        assert key is not None and key.role == "editor" and key.name == "روابط عمومی"
        assert token not in db.read_bytes().decode("latin-1")  # stored hashed only
    listed = json.loads(run("keys", "list", "--json", db=db).stdout)
    assert [(k["id"], k["role"], k["revoked_at"]) for k in listed] == [(key.id, "editor", None)]
    assert token not in run("keys", "list", db=db).stdout
    revoked = run("keys", "revoke", key.id, db=db)
    assert revoked.exit_code == 0 and f"revoked key {key.id}" in revoked.stdout
    with KeyStore(str(db)) as store:
        assert store.verify(token) is None
    assert run("keys", "revoke", "ffffffff", db=db).exit_code == 1
    assert run("keys", "create", "--role", "admin", db=db).exit_code == 2
