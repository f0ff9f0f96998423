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


def _open_backend(ctx: click.Context, **es_options: Any) -> Any:
    from extractor.errors import DasturError
    from indexer import open_backend

    opts = ctx.find_root().obj
    es = opts["backend"] == "elasticsearch"
    extra = {**{k: v for k, v in opts.items() if k.startswith("es_")}, **es_options} if es else {}
    try:
        return open_backend(opts["backend"], db=opts["db"], **extra)
    except DasturError as exc:
        _fail(str(exc))


class _Group(click.Group):
    """Errors that reach the top (a cluster that went away mid-command) print as one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from extractor.errors import DasturError

        try:
            return super().invoke(ctx)
        except DasturError as exc:
            _fail(str(exc))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="DASTUR_DB", type=click.Path(dir_okay=False),
              help="SQLite file of the embedded backend [env DASTUR_DB; default: the user data dir].")
@click.option("--backend", envvar="DASTUR_BACKEND", default="embedded", show_default=True,
              type=click.Choice(["embedded", "elasticsearch"]), help="Search backend [env DASTUR_BACKEND].")
@click.option("--es-url", envvar="DASTUR_ES_URL", help="Elasticsearch/OpenSearch URL [env DASTUR_ES_URL].")
@click.option("--es-api-key", envvar="DASTUR_ES_API_KEY", help="Elasticsearch API key [env DASTUR_ES_API_KEY].")
@click.option("--es-user", envvar="DASTUR_ES_USER", help="User for basic auth [env DASTUR_ES_USER].")
@click.option("--es-password", envvar="DASTUR_ES_PASSWORD", help="Password for basic auth [env DASTUR_ES_PASSWORD].")
@click.option("--es-ca-certs", envvar="DASTUR_ES_CA_CERTS", type=click.Path(exists=True, dir_okay=False),
              help="The cluster's CA certificate, PEM [env DASTUR_ES_CA_CERTS].")
@click.version_option(package_name="dastur")
@click.pass_context
def main(ctx: click.Context, db: str | None, backend: str, es_url: str | None, **es_auth: str | None) -> None:
    """dastur: Persian press releases and directives as structured, searchable, trackable records.

    Example:

    \b
        dastur demo
        dastur ingest releases/ && dastur search "اولویت" --place کرمانشاه
    """
    ctx.obj = {"db": db, "backend": backend, "es_url": es_url, **es_auth}


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

    \b
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
@click.argument("inputs", nargs=-1)
@click.option("--allow-private", is_flag=True, help="Allow URLs on private or loopback addresses.")
@click.option("--retry-failed", is_flag=True, help="First send again the records Elasticsearch did not take.")
@click.pass_context
def ingest(ctx: click.Context, inputs: tuple[str, ...], allow_private: bool, retry_failed: bool) -> None:
    """Extract and index inputs; re-ingesting a document updates it, never duplicates it.

    Example:

    \b
        dastur ingest releases/ https://example.ir/news/1
        dastur --backend elasticsearch ingest --retry-failed
    """
    from extractor.errors import DasturError

    if not inputs and not retry_failed:
        _fail("give inputs to ingest (files, folders, - or URLs), or --retry-failed", EXIT_USAGE)
    # Elasticsearch: a cluster that is down takes the records into the spool; --retry-failed reports
    # what it sends again (instead of the silent retry at connect).
    backend = _open_backend(ctx, buffer_when_unreachable=bool(inputs), retry_spool=not retry_failed)
    counts: dict[str, int] = {}
    failures, total = [], 0
    try:
        if retry_failed:  # records the cluster refused earlier wait in the spool (indexer/es_spool.py)
            retry = getattr(backend, "retry_spooled", None)
            try:
                for k, n in (retry() if retry else {}).items():
                    counts[k] = counts.get(k, 0) + n
            except DasturError as exc:
                failures.append(str(exc))
        for out in _outcomes(inputs, allow_private, "ingesting") if inputs else ():
            total += 1
            if out.error:
                failures.append(out.error)
                continue
            try:
                status = backend.upsert(out.record.to_dict())
            except DasturError as exc:  # not indexed: it waits in the spool, the batch goes on
                failures.append(str(exc))
                continue
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

    \b
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

    \b
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

    \b
        dastur demo
    """
    from importlib import resources

    from extractor.pipeline import build_record
    from extractor.render import render_record
    from extractor.sources import read_path
    from indexer.base import SearchQuery

    backend = _open_backend(ctx)
    try:
        samples = sorted((p for p in resources.files("extractor").joinpath("samples").iterdir()
                          if p.name.endswith(".txt")), key=lambda p: p.name)
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


# --- backfill, failures --------------------------------------------------------

_SOURCE_OPTIONS = ("feed", "sitemap", "listing", "urls", "dir")
_CRAWL_DEFAULTS: dict[str, Any] = {"workers": 1, "rate": 1.0, "timeout": 20.0}


def _crawl_options(f: Any) -> Any:
    """Options shared by `backfill` and `failures retry`: how politely and how widely to fetch."""
    positive = click.FloatRange(min=0, min_open=True)
    for option in reversed([
        click.option("--workers", type=click.IntRange(1, 64), default=_CRAWL_DEFAULTS["workers"],
                     show_default=True, help="Documents fetched and extracted in parallel."),
        click.option("--rate", type=positive, default=_CRAWL_DEFAULTS["rate"], show_default=True,
                     help="Requests per second per host."),
        click.option("--timeout", type=positive, default=_CRAWL_DEFAULTS["timeout"], show_default=True,
                     help="Seconds to wait for a page."),
        click.option("--allow-private", is_flag=True, help="Allow URLs on private or loopback addresses."),
    ]):
        f = option(f)
    return f


def _run_backfill(ctx: click.Context, label: str, opts: dict[str, Any], step: Any) -> list[Any]:
    """Open the backend and a Backfill with a progress bar, run ``step(backfill)``; one-line errors."""
    from extractor.errors import DasturError
    from indexer.backfill import open_backfill
    from indexer.progress import RichProgress

    backend = _open_backend(ctx)
    try:
        with RichProgress(label) as bar, open_backfill(backend, progress=bar, **opts) as run:
            return step(run)
    except DasturError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    finally:
        backend.close()


def _report_backfill(summaries: list[Any], opts: dict[str, Any]) -> None:
    import shlex

    from indexer.backfill import describe

    for s in summaries:
        click.echo(describe(s), err=True)
        if s.discovery_error:
            click.echo(f"error: {s.discovery_error}", err=True)
    stopped = next((s for s in summaries if s.interrupted), None)
    if stopped is not None:
        changed = {k: v for k, v in opts.items() if v and v != _CRAWL_DEFAULTS.get(k)}
        flags = "".join(f" --{k.replace('_', '-')}" + ("" if v is True else f" {v}")
                        for k, v in changed.items())
        click.echo(f"interrupted: {stopped.pending} item(s) left — resume with "
                   f"`dastur backfill --job {shlex.quote(stopped.job)} --resume{flags}`", err=True)
        sys.exit(128 + stopped.interrupted)
    if any(s.counts["failed"] or s.discovery_error for s in summaries):
        click.echo("list the failures with `dastur failures list`, retry them with `dastur failures retry`",
                   err=True)
        sys.exit(EXIT_BAD_INPUT)


@main.command()
@click.option("--feed", metavar="URL", help="An RSS or Atom feed.")
@click.option("--sitemap", metavar="URL", help="A sitemap or sitemap index (.xml, .xml.gz).")
@click.option("--listing", metavar="URL", help="The first page of a paginated news archive.")
@click.option("--pages", type=click.IntRange(1), default=1, show_default=True, help="Listing pages to read.")
@click.option("--urls", type=click.Path(exists=True, dir_okay=False), help="A file with one URL a line.")
@click.option("--dir", type=click.Path(exists=True, file_okay=False), help="A folder of .txt, .html, .pdf.")
@click.option("--job", help="The job's name [default: the source].")
@click.option("--resume", is_flag=True, help="Continue the job after a crash or Ctrl-C (start it if new).")
@click.option("--limit", type=click.IntRange(1), help="Discover at most this many documents.")
@_crawl_options
@click.pass_context
def backfill(ctx: click.Context, pages: int, job: str | None, resume: bool, limit: int | None,
             **options: Any) -> None:
    """Index a whole archive, resumably: nothing is lost, fetched twice, or counted twice.

    Example:

    \b
        dastur backfill --sitemap https://example.ir/sitemap.xml --workers 4
        dastur backfill --listing https://example.ir/archive --pages 200 --job archive
        dastur backfill --job archive --resume
    """
    from indexer.backfill import default_job_name

    given = [(k, options.pop(k)) for k in _SOURCE_OPTIONS]
    sources = [(k, os.path.abspath(v) if k in ("urls", "dir") else v) for k, v in given if v]
    if len(sources) > 1 or not (sources or (resume and job)):
        _fail("give one source: --feed, --sitemap, --listing, --urls or --dir (or --job NAME --resume)",
              EXIT_USAGE)
    kind, source = sources[0] if sources else (None, None)
    name = job or default_job_name(str(kind), str(source))

    def step(run: Any) -> list[Any]:
        if kind is None:
            return [run.resume(name)]
        return [run.start(name, kind, source, pages=pages if kind == "listing" else None, limit=limit,
                          resume=resume)]

    _report_backfill(_run_backfill(ctx, name, options, step), options)


@main.group()
def failures() -> None:
    """Items a backfill could not index, with the reason: list them, retry them.

    Example:

    \b
        dastur failures list --job archive
        dastur failures retry --job archive
    """


@failures.command("list")
@click.option("--job", help="Only this job's failures.")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@click.pass_context
def failures_list(ctx: click.Context, job: str | None, as_json: bool) -> None:
    """List failed items: job, URL, reason and attempts.

    Example:

    \b
        dastur failures list --job archive --json
    """
    from extractor.errors import DasturError
    from indexer.backfill import list_failures

    backend = _open_backend(ctx)
    try:
        rows = list_failures(backend, job)
    except DasturError as exc:
        _fail(str(exc))
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(rows)} failure(s)")
    for r in rows:
        click.echo(f"[{r['job']}] {r['url']}  (attempts: {r['attempts']})\n   {r['reason']}")


@failures.command("retry")
@click.option("--job", help="Only this job's failures [default: every job with failures].")
@_crawl_options
@click.pass_context
def failures_retry(ctx: click.Context, job: str | None, **options: Any) -> None:
    """Fetch and index the failed items again; those that fail again stay listed.

    Example:

    \b
        dastur failures retry --job archive --workers 2
    """
    from indexer.backfill import list_failures

    def step(run: Any) -> list[Any]:
        summaries = []
        for name in [job] if job else list(dict.fromkeys(r["job"] for r in list_failures(run.backend))):
            summaries.append(run.retry_failures(name))
            if summaries[-1].interrupted:
                break  # Ctrl-C: the other jobs' failures wait for the next retry
        return summaries

    summaries = _run_backfill(ctx, "retrying failures", options, step)
    if not summaries:
        click.echo("no failures to retry", err=True)
    _report_backfill(summaries, options)


@main.command()
@click.option("--keep-old", is_flag=True, help="Keep the previous indices, for a manual roll-back.")
@click.pass_context
def reindex(ctx: click.Context, keep_old: bool) -> None:
    """Rebuild the Elasticsearch indices as a new version, then swap the aliases atomically (no downtime).

    Example:

    \b
        dastur --backend elasticsearch --es-url http://127.0.0.1:9200 reindex
    """
    backend = _open_backend(ctx)
    try:
        if not hasattr(backend, "reindex"):
            _fail("reindex: the embedded backend needs none — it migrates its schema when opened", EXIT_USAGE)
        new = backend.reindex(keep_old=keep_old)
    finally:
        backend.close()
    for kind, index in new.items():
        click.echo(f"{kind}: {index}")


@main.command(name="eval")
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of gold annotations (see ../shared/data/gold/GUIDELINES.md).")
@click.option("--news", "news_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder of the source texts [default: ../news beside the gold folder].")
@click.option("--json", "as_json", is_flag=True)
def evaluate(gold_dir: str, news_dir: str | None, as_json: bool) -> None:
    """Precision, recall and F1 per field against gold annotations.

    Example:

    \b
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


# --- directive tracking, export, keys, serve --------------------------------------

_STATUSES = ("open", "in_progress", "done", "dropped")


def _with_backend(ctx: click.Context, step: Any) -> Any:
    """Open the backend, run ``step(backend)``, close it; library errors print as one line (_Group)."""
    backend = _open_backend(ctx)
    try:
        return step(backend)
    finally:
        backend.close()


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@main.group()
def directives() -> None:
    """Track directives (the action items of releases): status, owner, due date, notes, audit trail.

    Example:

    \b
        dastur directives list --status open --place کرمانشاه
        dastur directives update c1d66245e2338ce7 --status in_progress --note "نامه ارسال شد"
    """


@directives.command("list")
@click.option("--status", type=click.Choice([*_STATUSES, "overdue"]), help="Only directives with this status.")
@click.option("--owner", help="Only directives owned by this organization or person.")
@click.option("--topic", help="Only directives on this topic id.")
@click.option("--official", help="Only directives issued by this official.")
@click.option("--place", help="Only directives of releases naming this place.")
@click.option("--overdue", is_flag=True, help="Only directives past their due date and not closed.")
@click.option("--since", help="Due on or after (Jalali 1402/05/12 or ISO).")
@click.option("--until", help="Due on or before (Jalali or ISO).")
@click.option("--limit", default=100, show_default=True)
@click.option("--offset", default=0)
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@click.pass_context
def directives_list(ctx: click.Context, since: str | None, until: str | None, limit: int, offset: int,
                    as_json: bool, **filters: Any) -> None:
    """List directives, soonest due first; dates in the Jalali calendar.

    Example:

    \b
        dastur directives list --owner "اداره کل راه و شهرسازی" --overdue
    """
    from indexer.base import DirectiveQuery
    from indexer.render import directive_list

    q = DirectiveQuery(**filters, since=_date_option(since), until=_date_option(until), limit=limit, offset=offset)
    rows = _with_backend(ctx, lambda b: b.list_directives(q))
    _echo_json(rows) if as_json else click.echo(directive_list(rows))


def _directive_or_fail(backend: Any, directive_id: str) -> dict[str, Any]:
    from indexer.errors import NotFound

    d = backend.get_directive(directive_id)
    if d is None:
        raise NotFound("directive", directive_id)
    return d


@directives.command("show")
@click.argument("directive_id")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON.")
@click.pass_context
def directives_show(ctx: click.Context, directive_id: str, as_json: bool) -> None:
    """Show one directive: text, status, owner, due date, notes, evidence and its source sentence.

    Example:

    \b
        dastur directives show c1d66245e2338ce7
    """
    from indexer.render import directive_text

    d = _with_backend(ctx, lambda b: _directive_or_fail(b, directive_id))
    _echo_json(d) if as_json else click.echo(directive_text(d))


def _default_who() -> str:
    import getpass

    return os.environ.get("DASTUR_USER") or getpass.getuser()


@directives.command("update")
@click.argument("directive_id")
@click.option("--status", type=click.Choice(_STATUSES))
@click.option("--owner", help="The organization or person responsible (empty to clear).")
@click.option("--due", help="Due date, Jalali 1402/12/29 or ISO (empty to clear).")
@click.option("--note", help="A note, added to the directive's notes.")
@click.option("--evidence", metavar="URL", help="A link showing progress, added to the evidence.")
@click.option("--who", default=_default_who, show_default="$DASTUR_USER or your login",
              help="Who makes the change, for the audit trail.")
@click.option("--expected-version", type=int, help="Refuse if the directive is no longer at this version.")
@click.option("--json", "as_json", is_flag=True, help="Print the updated directive as JSON.")
@click.pass_context
def directives_update(ctx: click.Context, directive_id: str, who: str, expected_version: int | None,
                      as_json: bool, **fields: str | None) -> None:
    """Change a directive's status, owner or due date, or add a note or evidence; every change is audited.

    Example:

    \b
        dastur directives update c1d66245e2338ce7 --status done --evidence https://example.ir/news/2
    """
    from indexer.render import directive_text

    changes = {k: v for k, v in fields.items() if v is not None}
    if not changes:
        _fail("nothing to change: give --status, --owner, --due, --note or --evidence", EXIT_USAGE)
    d = _with_backend(ctx, lambda b: b.update_directive(directive_id, changes, who,
                                                        expected_version=expected_version))
    _echo_json(d) if as_json else click.echo(directive_text(d))


@directives.command("history")
@click.argument("directive_id")
@click.option("--json", "as_json", is_flag=True, help="Print the audit rows as JSON.")
@click.pass_context
def directives_history(ctx: click.Context, directive_id: str, as_json: bool) -> None:
    """The audit trail of a directive: who changed what, when, from what to what.

    Example:

    \b
        dastur directives history c1d66245e2338ce7
    """
    from indexer.render import history_text

    rows = _with_backend(ctx, lambda b: b.directive_history(directive_id))
    _echo_json(rows) if as_json else click.echo(history_text(rows))


@directives.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def directives_report(ctx: click.Context, as_json: bool) -> None:
    """Counts by status, owner and topic, and the overdue list.

    Example:

    \b
        dastur directives report
    """
    from indexer.render import report_text
    from indexer.report import directive_report

    report = _with_backend(ctx, directive_report)
    _echo_json(report) if as_json else click.echo(report_text(report))


@directives.command("followups")
@click.argument("directive_id")
@click.option("--limit", default=5, show_default=True)
@click.option("--accept", "accept", metavar="RECORD_ID", help="Keep this record as a follow-up (evidence link).")
@click.option("--who", default=_default_who, show_default="$DASTUR_USER or your login")
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON.")
@click.pass_context
def directives_followups(ctx: click.Context, directive_id: str, limit: int, accept: str | None, who: str,
                         as_json: bool) -> None:
    """Later releases that may report progress on a directive (same official, organization, topic, words).

    Example:

    \b
        dastur directives followups 1ff1a43ffd0bb795
        dastur directives followups 1ff1a43ffd0bb795 --accept 36cd3a26f1a9adbc
    """
    from indexer.followups import accept_followup, followups_for_directive
    from indexer.render import directive_text, followups_text

    if accept:
        d = _with_backend(ctx, lambda b: accept_followup(b, directive_id, accept, who))
        _echo_json(d) if as_json else click.echo(directive_text(d))
        return
    found = _with_backend(ctx, lambda b: followups_for_directive(b, directive_id, limit=limit))
    _echo_json([s.to_dict() for s in found]) if as_json else click.echo(followups_text(found))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--what", type=click.Choice(["records", "directives"]), default="records", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File to write [stdout].")
@click.pass_context
def export(ctx: click.Context, fmt: str, what: str, output: str | None) -> None:
    """Export records or directives as JSON Lines, or as CSV that Excel opens with Persian intact.

    Example:

    \b
        dastur export --format csv --what directives -o directives.csv
    """
    from indexer.export import BOM
    from indexer.export import export as write

    def step(backend: Any) -> int:
        if output:
            with open(output, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as out:
                return write(backend, out, fmt=fmt, what=what)
        if fmt == "csv":
            sys.stdout.write(BOM)
        return write(backend, sys.stdout, fmt=fmt, what=what)

    n = _with_backend(ctx, step)
    click.echo(f"exported {n} {what}" + (f" to {output}" if output else ""), err=True)


@main.group()
def keys() -> None:
    """API keys of the HTTP service: viewer reads, editor also ingests, manager also updates directives.

    Example:

    \b
        dastur keys create --role editor --name "روابط عمومی"
        dastur keys list
    """


def _keys_step(ctx: click.Context, step: Any) -> Any:
    from indexer.keys import KeyStore

    def run(backend: Any) -> Any:
        with KeyStore.for_backend(backend) as store:
            return step(store)

    return _with_backend(ctx, run)


@keys.command("create")
@click.option("--role", type=click.Choice(["viewer", "editor", "manager"]), required=True)
@click.option("--name", help="Who or what uses the key; shown in listings and in the audit trail.")
@click.pass_context
def keys_create(ctx: click.Context, role: str, name: str | None) -> None:
    """Make a key and print it, alone on the last line. It is stored hashed: copy it now.

    Example:

    \b
        KEY=$(dastur keys create --role manager --name ops | tail -n 1)
    """
    key = _keys_step(ctx, lambda s: s.create(role, name))
    click.echo(f"created key {key.id} ({key.role}, {key.name}); it is shown only once:")
    click.echo(key.token)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def keys_list(ctx: click.Context, as_json: bool) -> None:
    """List keys: id, role, name, created, revoked. Keys themselves are never shown again.

    Example:

    \b
        dastur keys list
    """
    rows = [k.to_dict() for k in _keys_step(ctx, lambda s: s.list_keys())]
    if as_json:
        _echo_json(rows)
        return
    click.echo(f"{len(rows)} key(s)")
    for k in rows:
        state = f"revoked {k['revoked_at']}" if k["revoked_at"] else "active"
        click.echo(f"{k['id']}  {k['role']:<8} {state:<8} created {k['created_at']}  {k['name']}")


@keys.command("revoke")
@click.argument("key_id")
@click.pass_context
def keys_revoke(ctx: click.Context, key_id: str) -> None:
    """Revoke a key by id; it stops working at once.

    Example:

    \b
        dastur keys revoke 3f2a9c0d
    """
    key = _keys_step(ctx, lambda s: s.revoke(key_id))
    click.echo(f"revoked key {key.id} ({key.role}, {key.name}) at {key.revoked_at}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), envvar="DASTUR_MAX_UPLOAD_MB",
              default=20, show_default=True, help="Largest upload accepted [env DASTUR_MAX_UPLOAD_MB].")
@click.option("--allow-private", is_flag=True, envvar="DASTUR_ALLOW_PRIVATE",
              help="Let submitted URLs reach private or loopback addresses [env DASTUR_ALLOW_PRIVATE].")
@click.option("--anonymous-read", is_flag=True, envvar="DASTUR_ANONYMOUS_READ",
              help="Serve reads without a key [env DASTUR_ANONYMOUS_READ].")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, max_upload_mb: float, allow_private: bool,
          anonymous_read: bool, log_level: str) -> None:
    """Serve the HTTP API and the web UI (Persian, right-to-left) on the configured backend.

    Example:

    \b
        dastur keys create --role manager --name me
        dastur serve --port 8000    # then open http://127.0.0.1:8000/ and /docs
    """
    import uvicorn

    from indexer.keys import KeyStore
    from service import Settings, create_app

    settings = Settings(max_upload_bytes=int(max_upload_mb * 1024 * 1024), allow_private=allow_private,
                        anonymous_read=anonymous_read)
    backend = _open_backend(ctx)
    try:
        with KeyStore.for_backend(backend) as store:
            app = create_app(backend, store, settings)
            click.echo(f"dastur: serving the {backend.name} backend on http://{host}:{port}/", err=True)
            uvicorn.run(app, host=host, port=port, log_level=log_level)
    finally:
        backend.close()


if __name__ == "__main__":
    main()
