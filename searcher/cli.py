"""The ``searcher`` command: thin click wrappers over searcher.api."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import unicodedata
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import api
from .fields import FACETS, FILTERS
from .model import COLLOCATE_COLUMNS, KEYWORD_COLUMNS, KWIC_COLUMNS, Result

T = TypeVar("T")


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def _note(message: str) -> None:
    click.echo(message, err=True)


def _with_index(ctx: click.Context, call: Callable[[str], T]) -> T:
    """``call(index_dir)``, with a missing or outdated index turned into a message that says what to do."""
    index_dir = ctx.obj["index_dir"]
    try:
        return call(index_dir)
    except (api.NoIndex, api.IndexMismatch) as exc:
        raise _fail_for_index(exc, index_dir) from exc


def _fail_for_index(exc: Exception, index_dir: str) -> click.ClickException:
    if isinstance(exc, api.NoIndex):
        return click.ClickException(
            f"No index in {index_dir}/ yet. Build one first: searcher index PATH... "
            f"(e.g. searcher --index-dir {index_dir} index examples/)"
        )
    return click.ClickException(f"The index in {index_dir}/ is out of date ({exc}). Rebuild it: searcher index --rebuild PATH...")


class _Searcher(click.Group):
    """The command group; an engine that does not answer (a cluster not started) is a message, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (api.EngineUnavailable, api.ClusterProblem) as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Searcher, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index-dir",
    envvar="SEARCHER_INDEX_DIR",
    default=api.DEFAULT_INDEX_DIR,
    show_default=True,
    help="Where the index lives (env SEARCHER_INDEX_DIR).",
)
@click.option(
    "--engine",
    type=click.Choice(["columnar", "sphinxql"]),
    default=None,
    help="Where passages live: this machine's index (columnar, the default) or a SphinxQL cluster (with --cluster).",
)
@click.option(
    "--cluster",
    "cluster_file",
    type=click.Path(dir_okay=False),
    envvar="SEARCHER_CLUSTER",
    help="The cluster's TOML file (shards, replicas, ports; README 'Running on a cluster'); the index folder remembers it.",
)
@click.version_option(package_name="searcher")
@click.pass_context
def main(ctx: click.Context, index_dir: str, engine: str | None, cluster_file: str | None) -> None:
    """Full-text search over Chinese civilized-city (文明城市) reports."""
    ctx.obj = {"index_dir": index_dir}
    if engine == "sphinxql" and not cluster_file:
        raise click.UsageError("--engine sphinxql needs --cluster FILE (a TOML file naming shards, replicas and ports)")
    if cluster_file and engine != "columnar" and ctx.invoked_subcommand != "cluster":
        api.use_cluster(index_dir, cluster_file)


def _set_index_dir(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(dict)["index_dir"] = value


# `searcher index PATH --index-dir X` reads as naturally as `searcher --index-dir X index PATH`.
index_dir_option = click.option(
    "--index-dir",
    "sub_index_dir",
    expose_value=False,
    callback=_set_index_dir,
    help="Where the index lives (same as `searcher --index-dir`; env SEARCHER_INDEX_DIR).",
)


@main.command("index")
@index_dir_option
@click.argument("paths", nargs=-1, required=True)
@click.option("--rebuild", is_flag=True, help="Start the index over instead of updating it.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes that read and segment files [default: all cores].",
)
@click.option(
    "--metadata",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV or JSONL of corrections (file, match_title, title, province, city, county, date); "
    "metadata.csv inside an indexed folder is read too.",
)
@click.option(
    "--collection",
    metavar="NAME",
    help="Sub-collection to file these paths under (a facet and --collection filter) [default: each folder's name].",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
@click.pass_context
def index_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    rebuild: bool,
    jobs: int | None,
    metadata: str | None,
    collection: str | None,
    quiet: bool,
) -> None:
    """Index report files and folders: .txt .md .html .docx .pdf, any common Chinese encoding.

    Only new and changed files are read; files gone from an indexed folder are removed.
    """
    if collection is not None and not collection.strip():
        raise click.ClickException(
            "--collection needs a name (e.g. --collection 2023汇编), or leave it out to use each folder's name"
        )
    summary = _run_index(
        list(paths), ctx.obj["index_dir"], rebuild=rebuild, jobs=jobs, quiet=quiet, metadata=metadata, collection=collection
    )
    if summary.partial:
        raise click.ClickException(
            f"{len(summary.skipped)} file(s) could not be read (listed above); the others were indexed. "
            "Fix or remove them and run the same command again."
        )


def _run_index(
    paths: list[str],
    index_dir: str,
    rebuild: bool = False,
    jobs: int | None = None,
    quiet: bool = False,
    metadata: str | None = None,
    collection: str | None = None,
) -> api.IndexSummary:
    """Index with a progress bar on a terminal; skipped files and a summary line on stderr."""
    show = _stderr_is_tty() and not quiet
    try:
        summary = api.index(
            paths,
            index_dir,
            rebuild=rebuild,
            jobs=jobs or os.cpu_count() or 1,
            progress=_progress_line if show else None,
            metadata=metadata,
            collection=collection.strip() if collection else None,
        )
    except api.IndexMismatch as exc:
        raise _fail_for_index(exc, index_dir) from exc
    except (api.IndexBusy, api.DiskFull) as exc:
        raise click.ClickException(str(exc)) from exc
    except api.MetadataError as exc:
        raise click.ClickException(f"{exc} (nothing was indexed: fix the metadata file and run again)") from exc
    if show:
        click.echo("\r\x1b[K", err=True, nl=False)
    for source, reason in summary.skipped:
        _note(f"skipped {source}: {reason}")
    for note in summary.notes:
        _note(f"note: {note}")
    if not quiet:
        removed = f", {summary.removed} removed" if summary.removed else ""
        removed += f", {summary.empty} empty" if summary.empty else ""
        _note(
            f"indexed {summary.files} files ({summary.documents} articles, {summary.passages} passages, "
            f"{summary.megabytes:.1f} MB), {summary.unchanged} unchanged{removed}, {len(summary.skipped)} skipped, "
            f"in {summary.seconds:.1f} s -> {index_dir}/"
        )
    return summary


def _progress_line(p: api.Progress) -> None:
    width = 24
    filled = int(width * p.bytes_done / p.bytes_total) if p.bytes_total else width
    eta = f"ETA {int(p.eta_seconds // 60)}:{int(p.eta_seconds % 60):02d}" if p.eta_seconds is not None else ""
    click.echo(
        f"\r\x1b[K[{'#' * filled}{'.' * (width - filled)}] {p.files_done}/{p.files_total} files, "
        f"{p.passages} passages, {p.bytes_done / 1e6:.1f}/{p.bytes_total / 1e6:.1f} MB, "
        f"{p.mb_per_s:.2f} MB/s {eta}",
        err=True,
        nl=False,
    )


@main.command("remove")
@index_dir_option
@click.argument("paths", nargs=-1, required=True)
@click.pass_context
def remove_cmd(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Remove files (or everything below folders) from the index."""
    index_dir = ctx.obj["index_dir"]
    try:
        removed, unmatched = api.remove(list(paths), index_dir)
    except (api.NoIndex, api.IndexMismatch) as exc:
        raise _fail_for_index(exc, index_dir) from exc
    except (api.IndexBusy, api.DiskFull) as exc:
        raise click.ClickException(str(exc)) from exc
    _note(f"removed {removed} file(s) from {index_dir}/")
    if unmatched:
        raise click.ClickException("nothing indexed at " + ", ".join(unmatched) + "; `searcher stats` lists the indexed folders.")


@main.command("optimize")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Write what was merged as JSON to stdout.")
@click.pass_context
def optimize_cmd(ctx: click.Context, as_json: bool) -> None:
    """Merge the index into as few segments as possible and reclaim deleted passages.

    Index runs already merge small segments as they go; this is for after many removals
    or replaced files, or before copying an index elsewhere."""
    index_dir = ctx.obj["index_dir"]
    try:
        report = api.optimize(index_dir)
    except (api.NoIndex, api.IndexMismatch) as exc:
        raise _fail_for_index(exc, index_dir) from exc
    except (api.IndexBusy, api.DiskFull) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(report), ensure_ascii=False))
        return
    _note(
        f"{report.segments_before} segment(s) -> {report.segments_after}, "
        f"{report.reclaimed} deleted passage(s) reclaimed, "
        f"{report.bytes_before / 1e6:.1f} MB -> {report.bytes_after / 1e6:.1f} MB"
    )


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The filters search and export share, one option per ``searcher.fields.FILTERS`` entry."""
    for spec in reversed(FILTERS):
        command = click.option(spec.cli_option, spec.name, multiple=spec.multi, help=spec.help)(command)
    return command


def _options(opts: dict[str, Any], **more: Any) -> api.SearchOptions:
    base_url = (opts.get("base_url") or "").strip()
    return api.SearchOptions({spec.name: opts[spec.name] for spec in FILTERS}, sort=opts["sort"], base_url=base_url, **more)


sort_option = click.option(
    "--sort",
    type=click.Choice(api.SORTS),
    default="relevance",
    show_default=True,
    help="relevance (BM25), date (newest first) or date-asc (oldest first; undated last).",
)

# Links in results (the url column, --cite) point at a running `searcher serve`.
base_url_option = click.option(
    "--base-url",
    envvar="SEARCHER_BASE_URL",
    metavar="URL",
    help="Root of the web server that links point to, e.g. http://127.0.0.1:8000 (env SEARCHER_BASE_URL) "
    "[default: paths such as /doc/<id>#p12].",
)


TEXT_FACET_SIZE = 10
# A query may hold -word exclusions; click would take them for options.
QUERY_SETTINGS = {"ignore_unknown_options": True}


@main.command("search", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("query", nargs=-1)
@filter_options
@click.option("--limit", type=click.IntRange(0, api.MAX_LIMIT), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@sort_option
@click.option("--no-collapse", is_flag=True, help="Show every copy of identical or near-identical passages.")
@click.option(
    "--cite", is_flag=True, help="Under each hit, its citation (title, place, date, compilation, page, paragraph) and link."
)
@base_url_option
@click.option(
    "--count",
    type=click.Choice(api.COUNTS),
    default="passages",
    show_default=True,
    help="What facet counts count: matching passages, or the distinct articles they are in.",
)
@click.option(
    "--facet-size",
    default=None,
    metavar="N|all",
    help=f"Values listed per facet, most frequent first ('all' lists every one) "
    f"[default: {TEXT_FACET_SIZE} in text, {api.DEFAULT_FACET_SIZE} with --json].",
)
@click.option("--json", "as_json", is_flag=True, help="Write the result as JSON to stdout.")
@click.pass_context
def search_cmd(ctx: click.Context, query: tuple[str, ...], as_json: bool, **opts: Any) -> None:
    """Search passages. Words are ANDed; "exact text", a OR b, -word, -"text", 门前?包, city:延吉 year:2023 work.

    An unquoted term also matches across quotation marks and 、 (飞线充电 finds “飞线”充电) and,
    when made of two-character words, those words close together (README "Searching")."""
    index_dir = ctx.obj["index_dir"]
    default_size = api.DEFAULT_FACET_SIZE if as_json else TEXT_FACET_SIZE
    facet_size = _facet_size(opts["facet_size"]) if opts["facet_size"] is not None else default_size
    options = _options(
        opts,
        limit=opts["limit"],
        offset=opts["offset"],
        collapse=not opts["no_collapse"],
        facet_size=facet_size,
        count=opts["count"],
    )
    text = _query_text(query)
    try:
        result = api.search(text, index_dir, options)
    except api.QueryError as exc:
        raise click.ClickException(str(exc)) from exc
    except (api.NoIndex, api.IndexMismatch) as exc:
        raise _fail_for_index(exc, index_dir) from exc
    for note in result.notes:
        _note(f"note: {note.en}")
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(render_terminal(result, colour=sys.stdout.isatty(), cite=opts["cite"]))


def _query_text(words: tuple[str, ...]) -> str:
    """The query from its shell words. Options click did not know stay in the query as
    exclusions (-飞线); a word that looks like a misspelt option of ours gets a message."""
    for word in words:
        if word.startswith("--") and len(word) > 2:
            raise click.UsageError(
                f"No such option: {word.split('=')[0]}. To search for text starting with --, quote it: '\"{word}\"'."
            )
    return " ".join(words)


def _facet_size(value: str) -> int | None:
    if value.strip().lower() == "all":
        return None
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        raise click.BadParameter(f"{value!r} is not a number of values; give 1 or more, or 'all'.", param_hint="'--facet-size'")
    return size


def render_terminal(result: Result, colour: bool, cite: bool = False) -> str:
    width = min(shutil.get_terminal_size((100, 20)).columns, 120)
    dim = (lambda s: click.style(s, dim=True)) if colour else (lambda s: s)
    bold = (lambda s: click.style(s, bold=True)) if colour else (lambda s: s)
    lines: list[str] = []
    shown_to = result.offset + len(result.hits)
    if result.total == 0:
        lines.append(f"No passages match {result.query!r}.")
        if result.suggestions:
            lines.append("Did you mean: " + ", ".join(f"{s.query} ({s.total})" for s in result.suggestions) + "?")
    else:
        noun = "passage matches" if result.total == 1 else "passages match"
        shown = f"showing {result.offset + 1}-{shown_to}" if result.hits else f"none at offset {result.offset}"
        what = repr(result.query) if result.query.strip() else "the filters"
        articles = "1 article" if result.articles == 1 else f"{result.articles} articles"
        lines.append(f"{result.total} {noun} {what} (in {articles}); {shown}.")
    for rank, hit in enumerate(result.hits, start=result.offset + 1):
        place = " › ".join(p for p in (hit.province, hit.city, hit.county) if p) or "(place unknown)"
        lines.append("")
        lines.append(f"{bold(str(rank) + '.')} {place} · {hit.date or '(no date)'} · {bold(hit.title)}")
        if hit.section:
            lines.append(dim(f"   § {hit.section}"))
        lines.append("   " + api.highlight_ansi(hit.text, hit.spans, colour))
        page = f" p.{hit.page}" if hit.page else ""
        lines.append(dim(f"   {hit.source}{page} ¶{hit.paragraph}  score {hit.score:.2f}  id {hit.id}"))
        if cite:
            lines.append(f"   引用: {hit.citation}")
            lines.append(dim(f"   {hit.url}"))
        if hit.first_copy is not None and hit.duplicates_total:
            first = hit.first_copy
            where = "".join(p for p in (first["province"], first["city"], first["county"]) if p)
            itself = " (this passage)" if first["id"] == hit.id else f" id {first['id']}"
            lines.append(dim(f"   first seen {first['date'] or '(no date)'} {where or '(place unknown)'}{itself}"))
        for copy in hit.duplicates[:5]:
            where = " › ".join(p for p in (copy["province"], copy["city"], copy["county"]) if p)
            lines.append(
                dim(
                    f"   = also in {copy['title']} ({where or 'place unknown'}, {copy['date'] or 'no date'}) "
                    f"{copy['source']} id {copy['id']}"
                )
            )
        if hit.duplicates_total > 5:
            lines.append(dim(f"   = and {hit.duplicates_total - 5} more copies (--no-collapse shows them all)"))
    if result.total:
        lines.append("")
        if result.count == "articles":
            lines.append(dim("facet counts are articles (--count articles):"))
        for name in FACETS:
            label = name
            values = result.facets.get(name, [])
            if values:
                shown = ", ".join(f"{v.value} ({v.count})" for v in values)
                distinct = result.facet_distinct.get(name, len(values))
                more = f", … {distinct - len(values)} more (--facet-size all lists them)" if distinct > len(values) else ""
                lines.append(dim(f"{label}: {shown}{more}"))
    return "\n".join(line[: width * 8] for line in lines)


@main.command("export", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("query", nargs=-1)
@filter_options
@sort_option
@base_url_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(api.EXPORT_FORMATS),
    help="csv (UTF-8 with BOM, opens in Excel/WPS) or jsonl (one JSON object per line); default: from the -o file's suffix.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write to this file (replaced only once the export is complete); default: stdout.",
)
@click.pass_context
def export_cmd(ctx: click.Context, query: tuple[str, ...], fmt: api.ExportFormat | None, output: str | None, **opts: Any) -> None:
    """Export every matching passage (no limit) with all its fields as CSV or JSON Lines.

    Takes the same query and filters as search; an empty query with a filter exports everything
    under that filter. Only data goes to stdout.
    """
    index_dir = ctx.obj["index_dir"]
    to_stdout = output in (None, "-")
    fmt = fmt or (None if to_stdout else api.export_format_for_path(str(output)))
    if fmt is None:
        where = "" if to_stdout else f" ({output} has no .csv or .jsonl suffix)"
        raise click.ClickException(f"Say which format to write{where}: --format csv or --format jsonl.")
    options = _options(opts)
    text = _query_text(query)
    try:
        total, hits = api.iter_hits(text, index_dir, options)
    except api.QueryError as exc:
        raise click.ClickException(str(exc)) from exc
    except (api.NoIndex, api.IndexMismatch) as exc:
        raise _fail_for_index(exc, index_dir) from exc
    if to_stdout:
        _export_to_stdout(hits, fmt)
        return
    target = Path(str(output))
    count = _export_to_file(hits, fmt, target)
    noun = "passage" if count == 1 else "passages"
    _note(f"exported {count} {noun} to {target}" + ("" if count == total else f" ({total} matched when the export began)"))


def _export_to_stdout(hits: Any, fmt: api.ExportFormat) -> None:
    # sys.stdout.buffer, not click.get_binary_stream (deprecated in click 8.5); CliRunner's
    # stdout has a buffer too.
    stdout = sys.stdout.buffer
    try:
        api.write_export(hits, fmt, stdout)
        stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (| head): not an error. Point stdout at nothing so the
        # interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        finally:
            os.close(devnull)


def _export_to_file(hits: Any, fmt: api.ExportFormat, target: Path) -> int:
    """Write into a temporary file beside ``target``, then rename it: an interrupted export leaves no half file."""
    folder = target.parent
    if not folder.is_dir():
        raise click.ClickException(f"Cannot write {target}: the folder {folder} does not exist. Create it or choose another -o.")
    if target.is_dir():
        raise click.ClickException(f"Cannot write {target}: it is a folder. Give a file name, e.g. -o {target / 'export'}.{fmt}")
    temp = folder / f".{target.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        # os.open rather than tempfile: the finished file gets the usual permissions (0666 & ~umask).
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise click.ClickException(f"Cannot write in {folder}: {exc.strerror or exc}. Choose another -o.") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            count = api.write_export(hits, fmt, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise click.ClickException(f"Could not write {target}: {exc.strerror or exc}. Nothing was written.") from exc
        raise
    return count


@main.command("dupes")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Write the pairs as JSON to stdout.")
@click.pass_context
def dupes_cmd(ctx: click.Context, as_json: bool) -> None:
    """List articles that are (near-)copies of each other across the collection."""
    pairs = _with_index(ctx, api.duplicate_articles)
    if as_json:
        click.echo(json.dumps([pair.to_dict() for pair in pairs], ensure_ascii=False, indent=1))
        return
    if not pairs:
        click.echo("No duplicated articles.")
    for pair in pairs:
        a, b = pair["a"], pair["b"]
        click.echo(f"{pair['shared']} shared passages ({a['passages']} and {b['passages']}):")
        for art in (a, b):
            click.echo(f"   {art['title']} · {art['date'] or 'no date'} · {art['source']} · doc {art['doc_id']}")


@main.command("corrections")
@index_dir_option
@click.option("--forget", "forget", metavar="FILE", help="Stop applying the corrections kept from FILE.")
@click.option("--json", "as_json", is_flag=True, help="Write the list as JSON to stdout.")
@click.pass_context
def corrections_cmd(ctx: click.Context, forget: str | None, as_json: bool) -> None:
    """List the corrections files the index keeps (given with --metadata or found in a folder).

    They apply on every later index run until given again (replaced) or forgotten."""
    index_dir = ctx.obj["index_dir"]
    try:
        if forget:
            path = api.forget_corrections(forget, index_dir)
            if path is None:
                raise click.ClickException(f"no corrections are kept from {forget}; `searcher corrections` lists them.")
            _note(
                f"forgot the corrections of {path}; run `searcher index` on the reports it corrected to re-read them without it."
            )
            return
        files = api.corrections(index_dir)
    except api.MetadataError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(files, ensure_ascii=False, indent=1))
        return
    if not files:
        click.echo(f"No corrections are kept in {index_dir}/ (give them with searcher index PATH --metadata FILE).")
    for f in files:
        gone = "" if f["exists"] else " (the file is gone; its kept copy applies)"
        click.echo(f"{f['path']}: {f['rows']} correction(s), kept {f['kept_at']}{gone}")


@main.command("stats")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Write the statistics as JSON to stdout.")
@click.pass_context
def stats_cmd(ctx: click.Context, as_json: bool) -> None:
    """Show what the index holds."""
    index_dir = ctx.obj["index_dir"]
    info = _with_index(ctx, api.stats)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=1))
        return
    years = ", ".join(f"{y} ({n})" for y, n in info["years"].items()) or "none"
    click.echo(
        f"index:      {index_dir}/ ({info['index_bytes'] / 1e6:.1f} MB)\n"
        f"files:      {info['files']}\n"
        f"documents:  {info['documents']}\n"
        f"passages:   {info['passages']}\n"
        f"places:     {info['provinces']} provinces, {info['cities']} cities, {info['counties']} counties\n"
        f"years:      {years}\n"
        f"analyzer:   {info['analyzer']}\n"
        f"engine:     {info['engine']}"
    )
    for folder in info.get("folders", []):
        click.echo(f"indexed:    {folder['path']} ({folder['files']} files) at {folder['last_indexed']}")


# --- analysis: concordance, trends, collocates, keyness, comparisons --------------------------

table_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(api.EXPORT_FORMATS),
    help="Write the table as csv (UTF-8 with BOM) or jsonl to stdout instead of text.",
)


def _analysis(ctx: click.Context, call: Callable[[str], T]) -> T:
    """``call(index_dir)`` with a bad query or a missing / outdated index as a message."""
    try:
        return _with_index(ctx, call)
    except api.QueryError as exc:
        raise click.ClickException(str(exc)) from exc


def _emit(data: dict[str, Any], as_json: bool, fmt: str | None, columns: Any, rows: Any, text: Callable[[], str]) -> None:
    for note in data.get("notes", []):
        _note(f"note: {note}")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    elif fmt:
        stdout = sys.stdout.buffer
        try:
            for chunk in api.table_chunks(columns, rows, fmt):  # type: ignore[arg-type]
                stdout.write(chunk)
            stdout.flush()
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
    else:
        click.echo(text())


def _cells(text: str) -> int:
    """Terminal cells: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad_left(text: str, cells: int) -> str:
    return " " * max(0, cells - _cells(text)) + text


def _place(row: Any) -> str:
    return " › ".join(p for p in (row.province, row.city, row.county) if p) or "(place unknown)"


@main.command("kwic", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("query", nargs=-1, required=True)
@filter_options
@click.option("--width", type=click.IntRange(1, 200), default=20, show_default=True, help="Characters of context each side.")
@click.option(
    "--sort",
    type=click.Choice(("relevance", "left", "right", "date", "place")),
    default="relevance",
    show_default=True,
    help="Order of lines: as search ranks passages, by the words just left or right of the match, newest first, by place.",
)
@click.option("--limit", type=click.IntRange(0, api.MAX_KWIC_LINES), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Write the lines as JSON to stdout.")
@table_format_option
@click.pass_context
def kwic_cmd(ctx: click.Context, query: tuple[str, ...], width: int, as_json: bool, fmt: str | None, **opts: Any) -> None:
    """Keyword in context: one line per occurrence of the query in its matching passages.

    Lines are left context | match | right context, aligned, with place, date and passage id.
    --sort right groups the usages by what follows the match (AntConc's sort)."""
    options = _options({**opts, "sort": "relevance"}, limit=opts["limit"], offset=opts["offset"])
    text = _query_text(query)
    found = _analysis(ctx, lambda d: api.kwic(text, d, options, sort=opts["sort"], width=width))

    def render() -> str:
        colour = sys.stdout.isatty()
        shown = f"lines {found.offset + 1}-{found.offset + len(found.lines)}" if found.lines else "no lines here"
        out = [
            f"{found.total_lines} occurrences of {text!r} in {found.passages} passages"
            + (f" ({found.without_text} match by place, without the text)" if found.without_text else "")
            + f"; {shown}, sorted by {found.sort}."
        ]
        cells = width * 2
        for line in found.lines:
            match = click.style(line.match, fg="red", bold=True) if colour else line.match
            where = f"{_place(line)} · {line.date or '(no date)'} · {line.id}"
            out.append(
                f"{_pad_left(line.left, cells)}  {match}  {line.right}    {click.style(where, dim=True) if colour else where}"
            )
        return "\n".join(out)

    _emit(found.to_dict(), as_json, fmt, KWIC_COLUMNS, (line.to_dict() for line in found.lines), render)


@main.command("trend", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("queries", nargs=-1, required=True)
@filter_options
@click.option(
    "--by",
    default="year",
    show_default=True,
    help=f"{', '.join(api.TREND_FIELDS)}; two joined by a comma make a two-way table (year,province).",
)
@click.option("--json", "as_json", is_flag=True, help="Write the table as JSON to stdout.")
@table_format_option
@click.pass_context
def trend_cmd(ctx: click.Context, queries: tuple[str, ...], by: str, as_json: bool, fmt: str | None, **opts: Any) -> None:
    """How often each query matches per year (or place, or kind of report): matching passages,
    matching articles, all passages of the bucket and the rate per 1,000 passages.

    Each argument is one query (quote a query of several words); several are shown side by side.
    Filters narrow the collection the rates are taken over."""
    for q in queries:
        _query_text((q,))
    options = _options({**opts, "sort": "relevance"})
    found = _analysis(ctx, lambda d: api.trend(list(queries), by, d, options))

    def render() -> str:
        heads = [*found.by, "passages"]
        for q in found.queries:
            heads += [f"{q} matched", "articles", "per 1,000"]
        rows = [[v or "(none)" for v in r.key] + [str(r.passages)] for r in found.rows]
        for cells, r in zip(rows, found.rows):
            for m, a, rate in zip(r.matched, r.articles, r.rates()):
                cells += [str(m), str(a), "-" if rate is None else f"{rate:.1f}"]
        t = found.totals
        total = ["all"] + [""] * (len(found.by) - 1) + [str(t.passages)]
        for m, a, rate in zip(t.matched, t.articles, t.rates()):
            total += [str(m), str(a), "-" if rate is None else f"{rate:.1f}"]
        table = [heads, *rows, total]
        widths = [max(_cells(row[i]) for row in table) for i in range(len(heads))]
        lines = []
        for k, row in enumerate(table):
            cells = [
                c + " " * (w - _cells(c)) if i < len(found.by) else _pad_left(c, w) for i, (c, w) in enumerate(zip(row, widths))
            ]
            lines.append("  ".join(cells).rstrip())
            if k == 0 or k == len(table) - 2:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    _emit(found.to_dict(), as_json, fmt, found.columns(), found.table(), render)


@main.command("collocates", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("query", nargs=-1, required=True)
@filter_options
@click.option("--window", type=click.IntRange(1, 30), default=10, show_default=True, help="Words each side of the match.")
@click.option("--by", "measure", type=click.Choice(("log_likelihood", "mi")), default="log_likelihood", show_default=True)
@click.option(
    "--min-count",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="List words seen at least this often near the match.",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=30, show_default=True)
@click.option("--all-words", is_flag=True, help="List function words (的, 和, 在 ...) and numbers too (they are always counted).")
@click.option("--json", "as_json", is_flag=True, help="Write the collocates as JSON to stdout.")
@table_format_option
@click.pass_context
def collocates_cmd(ctx: click.Context, query: tuple[str, ...], as_json: bool, fmt: str | None, **opts: Any) -> None:
    """The words found near the query's occurrences more often than chance: observed and expected
    counts, mutual information and log-likelihood (3.84: p < 0.05; 10.83: p < 0.001)."""
    options = _options({**opts, "sort": "relevance"})
    text = _query_text(query)
    found = _analysis(
        ctx,
        lambda d: api.collocates(
            text,
            d,
            options,
            window=opts["window"],
            by=opts["measure"],
            min_count=opts["min_count"],
            limit=opts["limit"],
            show_stop=opts["all_words"],
        ),
    )

    def render() -> str:
        out = [
            f"{len(found.collocates)} collocates of {text!r} within {found.window} words: {found.occurrences} occurrences "
            f"in {found.passages} passages, {found.window_words} words in the windows, {found.collection_words} in the collection"
            + (f" ({found.hidden} hidden: function words or seen fewer than {opts['min_count']} times)" if found.hidden else "")
        ]
        head = ["word", "observed", "expected", "frequency", "left", "right", "MI", "LL"]
        rows = [
            [
                c.word,
                str(c.observed),
                f"{c.expected:.2f}",
                str(c.frequency),
                str(c.left),
                str(c.right),
                f"{c.mi:.2f}",
                f"{c.log_likelihood:.1f}",
            ]
            for c in found.collocates
        ]
        widths = [max(_cells(r[i]) for r in [head, *rows]) for i in range(len(head))]
        for r in [head, *rows]:
            out.append(
                "  ".join(r[0] + " " * (widths[0] - _cells(r[0])) if i == 0 else _pad_left(c, widths[i]) for i, c in enumerate(r))
            )
        return "\n".join(out)

    _emit(found.to_dict(), as_json, fmt, COLLOCATE_COLUMNS, (c.to_dict() for c in found.collocates), render)


@main.command("keyness", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("query", nargs=-1)
@filter_options
@click.option(
    "--a", "a", required=True, metavar="FILTERS", help="Sub-collection A as query filters, e.g. 'year:2021' or '省:吉林'."
)
@click.option("--b", "b", required=True, metavar="FILTERS", help="Sub-collection B, e.g. 'year:2023'.")
@click.option(
    "--min-count",
    type=click.IntRange(1),
    default=5,
    show_default=True,
    help="List words seen at least this often in A and B together.",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=30, show_default=True, help="Words listed per side.")
@click.option("--all-words", is_flag=True, help="List function words and numbers too.")
@click.option("--json", "as_json", is_flag=True, help="Write both lists as JSON to stdout.")
@table_format_option
@click.pass_context
def keyness_cmd(ctx: click.Context, query: tuple[str, ...], a: str, b: str, as_json: bool, fmt: str | None, **opts: Any) -> None:
    """Words distinctive of sub-collection A against B (log-likelihood, log ratio, counts per million).

    With a QUERY, of the passages matching it in A and in B."""
    options = _options({**opts, "sort": "relevance"})
    text = _query_text(query)
    found = _analysis(
        ctx,
        lambda d: api.keyness(
            a, b, text, d, options, limit=opts["limit"], min_count=opts["min_count"], show_stop=opts["all_words"]
        ),
    )
    rows = [{"side": "a", **k.to_dict()} for k in found.key_a] + [{"side": "b", **k.to_dict()} for k in found.key_b]

    def render() -> str:
        out = [
            f"A = {a}: {found.passages_a} passages, {found.words_a} words; "
            f"B = {b}: {found.passages_b} passages, {found.words_b} words"
        ]
        for label, words in ((f"distinctive of A ({a})", found.key_a), (f"distinctive of B ({b})", found.key_b)):
            out += ["", label]
            head = ["word", "A", "B", "per M in A", "per M in B", "LL", "log ratio"]
            table = [head] + [
                [
                    k.word,
                    str(k.a),
                    str(k.b),
                    f"{k.per_million_a:.1f}",
                    f"{k.per_million_b:.1f}",
                    f"{k.log_likelihood:.1f}",
                    f"{k.log_ratio:+.2f}",
                ]
                for k in words
            ]
            widths = [max(_cells(r[i]) for r in table) for i in range(len(head))]
            for r in table:
                out.append(
                    "  ".join(
                        r[0] + " " * (widths[0] - _cells(r[0])) if i == 0 else _pad_left(c, widths[i]) for i, c in enumerate(r)
                    )
                )
        return "\n".join(out)

    _emit(found.to_dict(), as_json, fmt, ("side", *KEYWORD_COLUMNS), rows, render)


def _compare_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Places to compare (each place filter repeatable), then the other filters of the registry."""
    for spec in reversed(FILTERS):
        if spec.resolve in ("province", "place"):
            command = click.option(spec.cli_option, spec.name, multiple=True, help=f"A {spec.name} to compare (two to four).")(
                command
            )
        else:
            command = click.option(spec.cli_option, spec.name, help=spec.help)(command)
    return command


@main.command("compare", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("query", nargs=-1, required=True)
@_compare_options
@click.option("--hits", type=click.IntRange(0, 20), default=3, show_default=True, help="Best passages shown per place.")
@click.option("--json", "as_json", is_flag=True, help="Write the comparison as JSON to stdout.")
@table_format_option
@click.pass_context
def compare_cmd(ctx: click.Context, query: tuple[str, ...], as_json: bool, fmt: str | None, **opts: Any) -> None:
    """Two to four places side by side for one query: matching passages (each the filtered
    search's total), articles, the rate per 1,000 passages, the best passages, distinctive words."""
    places = [spec.name for spec in FILTERS if spec.resolve in ("province", "place")]
    given = [(name, opts[name]) for name in places if opts[name]]
    if len(given) != 1:
        raise click.UsageError(
            "Compare places of one kind: two to four --city (or --province, or --county) options, e.g. --city 延吉 --city 吉林."
        )
    field_name, values = given[0]
    options = api.SearchOptions({spec.name: opts[spec.name] for spec in FILTERS if spec.name not in places})
    text = _query_text(query)
    found = _analysis(ctx, lambda d: api.compare(text, field_name, list(values), d, options, hits=opts["hits"]))
    rows = [
        {
            "field": p.field,
            "value": p.value,
            "total": p.total,
            "articles": p.articles,
            "passages": p.passages,
            "per_1000": p.per_1000,
            "words": " ".join(w.word for w in p.words),
        }
        for p in found.places
    ]

    def render() -> str:
        out = []
        for p in found.places:
            rate = "-" if p.per_1000 is None else f"{p.per_1000:.1f}"
            out += ["", f"{p.value}: {p.total} passages in {p.articles} articles; {rate} per 1,000 of its {p.passages} passages"]
            if p.words:
                out.append("  distinctive: " + ", ".join(f"{w.word} ({w.a})" for w in p.words))
            for h in p.hits:
                out.append(f"  - {h.title} ({h.date or 'no date'}) {h.id}")
                out.append("    " + api.highlight_ansi(h.text[:160], [s for s in h.spans if s[1] <= 160], sys.stdout.isatty()))
        return "\n".join(out).lstrip("\n")

    _emit(found.to_dict(), as_json, fmt, ("field", "value", "total", "articles", "passages", "per_1000", "words"), rows, render)


@main.command("documents", context_settings=QUERY_SETTINGS)
@index_dir_option
@click.argument("query", nargs=-1)
@filter_options
@click.option("--sort", type=click.Choice(api.DOCUMENT_SORTS), default="index", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Write the list as JSON to stdout.")
@table_format_option
@click.pass_context
def documents_cmd(ctx: click.Context, query: tuple[str, ...], as_json: bool, fmt: str | None, **opts: Any) -> None:
    """List every indexed article (with a query or filters, those with a passage they keep):
    title, kind, place, date, passages and source file."""
    options = _options({**opts, "sort": "relevance"})
    text = _query_text(query)
    found = _analysis(ctx, lambda d: api.documents(text, d, options, sort=opts["sort"]))
    rows = [{name: getattr(a, name) for name in api.ARTICLE_COLUMNS} for a in found]

    # The article's kind of report: the columns not printed otherwise (from the registry).
    kinds = [
        n
        for n in api.ARTICLE_COLUMNS
        if n not in ("doc_id", "title", "province", "city", "county", "date", "passages", "matches", "source")
    ]

    def render() -> str:
        out = [f"{len(found)} article{'s' if len(found) != 1 else ''}"]
        for a in found:
            kind = "".join(f" [{a[n]}]" for n in kinds if a[n])
            counted = f"{a.matches}/{a.passages}" if text.strip() or any(options.filters.values()) else str(a.passages)
            out.append(f"{a.date or '(no date)':10}  {_place(a)}  {a.title}{kind}  ({counted} passages)  {a.source}  {a.doc_id}")
        return "\n".join(out)

    _emit({"articles": rows, "total": len(rows)}, as_json, fmt, api.ARTICLE_COLUMNS, rows, render)


# Server processes by default: two use both cores of a small machine (see docs/performance.md).
WORKERS = max(1, min(2, os.cpu_count() or 1))


@main.command("serve")
@click.argument("paths", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port; 0 picks a free one.")
@index_dir_option
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Worker threads.")
@click.option(
    "--connection-limit",
    type=click.IntRange(10, 10000),
    default=1000,
    show_default=True,
    help="Open connections at most; beyond, new ones wait.",
)
@click.option(
    "--idle-timeout",
    type=click.IntRange(1, 3600),
    default=15,
    show_default=True,
    help="Seconds a connection may stay idle or half-sent before it is closed.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=WORKERS,
    show_default=True,
    help="Server processes sharing the port (each with --threads threads).",
)
@click.pass_context
def serve_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    host: str,
    port: int,
    threads: int,
    connection_limit: int,
    idle_timeout: int,
    workers: int,
) -> None:
    """Serve the web search UI (waitress). With PATHS, first index the files not indexed yet."""
    from web import create_app
    from web.server import listening_socket, make_server, run_workers

    index_dir = ctx.obj["index_dir"]
    limits: dict[str, Any] = {"threads": threads, "connection_limit": connection_limit, "idle_timeout": idle_timeout}

    def ready_app() -> Any:
        app = create_app({"INDEX_DIR": index_dir})
        try:  # load the word segmenter's dictionary now rather than on the first request
            api.search("文明", index_dir, api.SearchOptions(limit=1))
        except (api.NoIndex, api.IndexMismatch) as exc:
            _note(str(_fail_for_index(exc, index_dir).message) + " The page says so until then.")
        return app

    # The port first: a busy one is reported at once, not after indexing.
    try:
        if workers > 1:
            sock = listening_socket(host, port)
            listen = [sock.getsockname()[:2]]
        else:
            server = make_server(create_app({"INDEX_DIR": index_dir}), host, port, **limits)
            listen = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    except OSError as exc:
        raise click.ClickException(_listen_problem(exc, host, port)) from exc
    if paths:
        _run_index(list(paths), index_dir)
    if workers == 1:
        ready_app()
    how = f"{workers} processes x {threads} threads" if workers > 1 else f"{threads} threads"
    for addr, bound in listen:
        shown = f"[{addr}]" if ":" in str(addr) else addr
        _note(f"serving http://{shown}:{bound}/ (index {index_dir}/, {how}); press Ctrl-C to stop")
    if workers > 1:
        run_workers(ready_app, sock, workers, **limits)
        return
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _listen_problem(exc: OSError, host: str, port: int) -> str:
    """What to do when the server cannot listen: another port (one that is free), or another host."""
    import errno
    import socket

    if exc.errno == errno.EADDRINUSE:
        for free in range(port + 1, min(port + 50, 65536)):
            try:
                with socket.create_server((host, free)):
                    break
            except OSError:
                continue
        else:
            free = 0
        return f"port {port} is in use (another searcher serve?); try --port {free}" + ("" if free else " (0 picks a free port)")
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port}; ports below 1024 need root: try --port 8000"
    return f"cannot listen on {host}:{port} ({exc.strerror or exc}); check --host (127.0.0.1 or 0.0.0.0)"


@main.group("cluster")
def cluster_group() -> None:
    """Start or stop the nodes of a SphinxQL cluster on this machine (searchd, from its TOML file)."""


@cluster_group.command("start")
@click.argument("cluster_file", type=click.Path(exists=True, dir_okay=False))
def cluster_start(cluster_file: str) -> None:
    """Write each node's configuration and start its searchd (shards x replicas + an aggregator)."""
    names = api.start_cluster(cluster_file)
    _note(f"started {len(names)} nodes: {', '.join(names)}")


@cluster_group.command("stop")
@click.argument("cluster_file", type=click.Path(exists=True, dir_okay=False))
def cluster_stop(cluster_file: str) -> None:
    """Stop the nodes `searcher cluster start` started (by their pid files)."""
    names = api.stop_cluster(cluster_file)
    _note(f"stopped {len(names)} nodes" + (f": {', '.join(names)}" if names else " (none was running)"))


if __name__ == "__main__":  # pragma: no cover
    main()
