"""dastur's command line: a thin layer over ``extractor`` and ``indexer``.

Each command opens what it needs, calls one library function, and prints.
Heavy modules (hazm, spaCy, pdfplumber) are imported inside the commands so
that ``dastur --help`` starts fast.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from collections.abc import Iterable
from typing import Any

import click

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _open_backend(ctx: click.Context) -> Any:
    from extractor.errors import DasturError
    from indexer import open_backend

    opts = ctx.find_root().obj
    extra = {"es_url": opts["es_url"]} if opts["backend"] == "elasticsearch" else {}
    try:
        return open_backend(opts["backend"], db=opts["db"], **extra)
    except DasturError as exc:
        _fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="DASTUR_DB", type=click.Path(dir_okay=False),
              help="SQLite file of the embedded backend [env DASTUR_DB; default: the user data dir].")
@click.option("--backend", envvar="DASTUR_BACKEND", default="embedded", show_default=True,
              type=click.Choice(["embedded", "elasticsearch"]), help="Search backend [env DASTUR_BACKEND].")
@click.option("--es-url", envvar="DASTUR_ES_URL", help="Elasticsearch/OpenSearch URL [env DASTUR_ES_URL].")
@click.version_option(package_name="dastur")
@click.pass_context
def main(ctx: click.Context, db: str | None, backend: str, es_url: str | None) -> None:
    """dastur: Persian press releases and directives as structured, searchable, trackable records.

    Example:

        dastur demo
        dastur ingest releases/ && dastur search "اولویت" --place کرمانشاه
    """
    ctx.obj = {"db": db, "backend": backend, "es_url": es_url}


# --- extract ---------------------------------------------------------------


def _progress(items: list[str], label: str) -> Any:
    """A progress bar on stderr for batches, silent for a single input or a pipe."""
    show = len(items) > 1 and sys.stderr.isatty()
    return click.progressbar(items, label=label, file=sys.stderr, show_eta=True, show_pos=True) if show else (
        _NullBar(items))


class _NullBar:
    def __init__(self, items: list[str]) -> None:
        self.items = items

    def __enter__(self) -> list[str]:
        return self.items

    def __exit__(self, *exc: object) -> None:
        return None


def _outcomes(inputs: Iterable[str], allow_private: bool, label: str) -> Iterable[Any]:
    from extractor.pipeline import extract_inputs
    from extractor.sources import expand_inputs

    items = list(expand_inputs(list(inputs)))
    if not items:
        _fail("no readable files found in the given inputs — pass .txt, .html or .pdf files, a directory, - or a URL")
    with _progress(items, label) as bar:
        for item in bar:
            yield from extract_inputs([item], allow_private=allow_private)


def _report_failures(failures: list[str], total: int) -> None:
    if failures:
        click.echo(f"{len(failures)} of {total} input(s) failed:", err=True)
        for f in failures:
            click.echo(f"  {f}", err=True)
        sys.exit(EXIT_BAD_INPUT)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "text"]), default="jsonl", show_default=True)
@click.option("--allow-private", is_flag=True, help="Allow URLs on private or loopback addresses.")
def extract(inputs: tuple[str, ...], fmt: str, allow_private: bool) -> None:
    """Extract one Record per input (file, directory, - for stdin, or http(s) URL).

    Example:

        dastur extract release.txt circular.pdf https://example.ir/news/1 --format jsonl
    """
    from extractor.render import render_record

    failures, records, total = [], [], 0
    for out in _outcomes(inputs, allow_private, "extracting"):
        total += 1
        if out.error:
            failures.append(out.error)
            continue
        rec = out.record.to_dict()
        if fmt == "jsonl":
            click.echo(json.dumps(rec, ensure_ascii=False))
        elif fmt == "json":
            records.append(rec)
        else:
            click.echo(render_record(rec))
    if fmt == "json":
        click.echo(json.dumps(records if len(records) != 1 else records[0], ensure_ascii=False, indent=2))
    _report_failures(failures, total)


# --- ingest, search, show ----------------------------------------------------


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--allow-private", is_flag=True, help="Allow URLs on private or loopback addresses.")
@click.pass_context
def ingest(ctx: click.Context, inputs: tuple[str, ...], allow_private: bool) -> None:
    """Extract and index inputs; re-ingesting a document updates it, never duplicates it.

    Example:

        dastur ingest releases/ https://example.ir/news/1
    """
    backend = _open_backend(ctx)
    counts: dict[str, int] = {}
    failures, total = [], 0
    try:
        for out in _outcomes(inputs, allow_private, "ingesting"):
            total += 1
            if out.error:
                failures.append(out.error)
                continue
            status = backend.upsert(out.record.to_dict())
            counts[status] = counts.get(status, 0) + 1
    finally:
        backend.close()
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing"
    click.echo(f"ingested: {summary}", err=True)
    _report_failures(failures, total)


def _date_option(value: str | None) -> Any:
    if value is None:
        return None
    from extractor.jalali import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _ansi_snippet(snippet: str) -> str:
    parts = re.split(r"(<mark>.*?</mark>)", snippet)
    out = []
    for p in parts:
        if p.startswith("<mark>"):
            out.append(click.style(html.unescape(p[6:-7]), fg="yellow", bold=True))
        else:
            out.append(html.unescape(p))
    return "".join(out)


@main.command()
@click.argument("query", required=False, default="")
@click.option("--official", help="Only records naming this official.")
@click.option("--org", help="Only records naming this organization.")
@click.option("--place", help="Only records naming this place.")
@click.option("--topic", help="Only records on this topic id (see `dastur topics`).")
@click.option("--since", help="Published on or after (Jalali 1402/05/12 or ISO).")
@click.option("--until", help="Published on or before (Jalali or ISO).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--limit", default=10, show_default=True)
@click.option("--offset", default=0)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def search(ctx: click.Context, query: str, official: str | None, org: str | None, place: str | None,
           topic: str | None, since: str | None, until: str | None, sort: str, limit: int, offset: int,
           as_json: bool) -> None:
    """Full-text search (BM25) with filters, facets and highlighted snippets.

    Example:

        dastur search "اولویت" --place کرمانشاه --since 1402/01/01 --json
    """
    from indexer.base import SearchQuery

    q = SearchQuery(text=query, official=official, org=org, place=place, topic=topic,
                    since=_date_option(since), until=_date_option(until), sort=sort, limit=limit, offset=offset)
    backend = _open_backend(ctx)
    try:
        result = backend.search(q)
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.total} result(s)")
    for i, hit in enumerate(result.hits, offset + 1):
        date = (hit.published or {}).get("jalali") or ""
        click.echo(click.style(f"{i}. {hit.title or '(untitled)'}", bold=True) + f"  [{hit.id}] {date}")
        click.echo("   " + _ansi_snippet(hit.snippet))
    for field, values in result.facets.items():
        if values:
            click.echo(f"{field}: " + ", ".join(f"{v} ({n})" for v, n in values))


@main.command()
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the Record as JSON.")
@click.pass_context
def show(ctx: click.Context, record_id: str, as_json: bool) -> None:
    """Print one record.

    Example:

        dastur show 3f2a9c0d1e4b5a67
    """
    from extractor.render import render_record

    backend = _open_backend(ctx)
    try:
        rec = backend.get(record_id)
    finally:
        backend.close()
    if rec is None:
        _fail(f"no record with id {record_id!r} — find ids with `dastur search`")
    click.echo(json.dumps(rec, ensure_ascii=False, indent=2) if as_json else render_record(rec))


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Ingest the bundled sample release, print its record, and search for it.

    Example:

        dastur demo
    """
    from importlib import resources

    from extractor.pipeline import build_record
    from extractor.render import render_record
    from extractor.sources import read_path
    from indexer.base import SearchQuery

    backend = _open_backend(ctx)
    try:
        samples = sorted(p for p in resources.files("extractor").joinpath("samples").iterdir()
                         if p.name.endswith(".txt"))
        for sample in samples:
            with resources.as_file(sample) as path:
                record = build_record(read_path(path)).to_dict()
            status = backend.upsert(record)
            click.echo(click.style(f"== {sample.name}: {status} as {record['id']} ==", fg="green"))
            click.echo(render_record(record))
        where = getattr(backend, "path", None) or os.environ.get("DASTUR_ES_URL", "")
        click.echo(click.style(f"\n== search «اولویت» in the {backend.name} index {where} ==", fg="green"))
        result = backend.search(SearchQuery(text="اولویت", limit=5))
    finally:
        backend.close()
    click.echo(f"{result.total} result(s)")
    for hit in result.hits:
        click.echo(click.style(hit.title or hit.id, bold=True) + f"  [{hit.id}]")
        click.echo("   " + _ansi_snippet(hit.snippet))
    for field, values in result.facets.items():
        if values:
            click.echo(f"{field}: " + ", ".join(f"{v} ({n})" for v, n in values))


@main.command(name="eval")
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of gold annotations (see ../shared/data/gold/GUIDELINES.md).")
@click.option("--news", "news_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder of the source texts [default: ../news beside the gold folder].")
@click.option("--json", "as_json", is_flag=True)
def evaluate(gold_dir: str, news_dir: str | None, as_json: bool) -> None:
    """Precision, recall and F1 per field against gold annotations.

    Example:

        dastur eval --gold ../shared/data/gold
    """
    from extractor.evaluate import FIELDS, evaluate_dir

    result = evaluate_dir(gold_dir, news_dir)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'field':<16}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}")
    for f in FIELDS:
        r = result[f]
        click.echo(f"{f:<16}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}{r['gold']:>7}{r['predicted']:>7}")
    click.echo(f"official titles F1 (matched officials): {result['official_titles_f1']:.3f}")
    click.echo(f"action-item actor accuracy: {result['action_item_actor_accuracy']:.3f}")
    click.echo(f"documents with a record: {result['documents_with_record']}/{result['documents']}")


if __name__ == "__main__":
    main()
