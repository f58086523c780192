"""Compare searcher with SQLite FTS5 and tantivy built from the same passages and jieba tokens.

    pip install -e '.[bench]'   # tantivy
    python bench/compare.py [--size-mb 10] [--repeat 5] [--check] [--facets all|city] [--skip-build]

One run builds and queries each engine in turn, never two at once, each phase in a child process
of its own (so peak RSS is per engine and per phase): searcher first (``api.index`` with one
worker per core), then FTS5 and tantivy from the passages searcher's ingestion produced
(``all_passages()``) and their ``analysis.words`` tokens (the same jieba + folding), tokenized on
all cores and timed, so the peers' index time includes jieba as searcher's does.

Every query does the same work in every engine: top 10 by relevance with highlighted text, the
exact total, and facet counts over all matches (province, city, county, year; ``--facets city``
makes the peers count city only, searcher always counts all four). A peer's time includes
translating the query (searcher's parser, abbreviations, place names and jieba: ``plan``), as
searcher's includes its parsing. Each query runs once to
warm up, then ``--repeat`` timed passes; p50/p95 are over all timed runs. ``--check`` lists the
totals per query and engine and flags big disagreements. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import corpus, percentile, queries  # noqa: E402

ENGINES = ("searcher", "fts5", "tantivy")
FACETS = ("province", "city", "county", "year")
TOP = 10
# FTS5's unicode61 with every category but separators (Z*) and controls (C*) as token characters:
# it splits on whitespace only, so each jieba token is one FTS5 token, punctuation inside it included.
FTS5_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* Co M* P* S*'"
# Totals further apart than this factor (or zero against non-zero) are flagged by --check.
DISAGREE = 1.5


# ---------------------------------------------------------------- the same query for every engine


@dataclass
class Alt:
    """One way a clause can match: all of ``tokens`` (a word), or ``tokens`` in a row (a phrase)."""

    tokens: list[str]
    phrase: bool


@dataclass
class Plan:
    """A user query as the peers run it: an AND of ORs of alternatives, exclusions, filters."""

    must: list[list[Alt]] = field(default_factory=list)
    must_not: list[Alt] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # city OR county equal to one of these
    counties: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    matches_nothing: bool = False  # a required term has no word tokens at all


def plan(query: str) -> Plan:
    """Translate with searcher's own parser, abbreviation table, place resolution and analyzer,
    so each peer gets the same terms, OR groups, exclusions and full-name filters."""
    from searcher import api
    from searcher.analysis import words
    from searcher.query import AnyOf, parse_query

    parsed = parse_query(query)
    filters = api.build_filters(parsed, api.SearchOptions())
    if filters.date_from or filters.date_to:
        raise ValueError(f"date ranges are not translated for the peers: {query!r}")
    out = Plan()
    for f in filters.columns:  # the registry's filters, as the peers' schemas have them
        if f.columns == ("province",):
            out.provinces += f.values
        elif f.columns == ("city", "county"):
            out.places += f.values
        elif f.columns == ("county",):
            out.counties += f.values
        elif f.columns == ("year",):
            out.years += [int(y) for y in f.values]
        else:
            raise ValueError(f"filter on {f.columns} is not translated for the peers: {query!r}")
    for clause in parsed.must:
        terms = clause.options if isinstance(clause, AnyOf) else (clause,)
        alts = [Alt(toks, t.quoted) for t in terms if (toks := words(t.text))]
        out.matches_nothing |= not alts
        out.must.append(alts)
    out.must_not = [Alt(toks, t.quoted) for t in parsed.must_not if (toks := words(t.text))]
    if not out.must:
        raise ValueError(f"queries without a positive term are not translated for the peers: {query!r}")
    return out


def empty_result() -> dict[str, Any]:
    return {"total": 0, "hits": [], "facets": {}}


# ---------------------------------------------------------------- searcher


def build_searcher(corpus_dir: Path, index_dir: Path, jobs: int) -> dict[str, Any]:
    from searcher import api

    shutil.rmtree(index_dir, ignore_errors=True)
    t = time.perf_counter()
    summary = api.index([str(corpus_dir)], index_dir, rebuild=True, jobs=jobs)
    return {
        "index_s": time.perf_counter() - t,
        "passages": summary.passages,
        "files": summary.files,
        "skipped": len(summary.skipped),
    }


def query_searcher(index_dir: Path, facets: tuple[str, ...]) -> Callable[[str], dict[str, Any]]:
    from searcher import api

    engine = api.open_index(index_dir)

    def run(q: str) -> dict[str, Any]:
        # top 10 + highlights + exact total + all four facets, as the CLI and the web ask for them
        r = api.search(q, index_dir, engine=engine)
        return {"total": r.total, "hits": r.hits, "facets": r.facets}

    return run


# ---------------------------------------------------------------- input for the peers


def jieba_tokens(text: str) -> str:
    """A passage's analyzer words joined by spaces: what both peers index."""
    from searcher.analysis import words

    return " ".join(words(text))


Batch = list[tuple[dict[str, Any], str]]


def peer_input(searcher_dir: Path, jobs: int, times: dict[str, float], batch: int = 4096) -> Iterator[Batch]:
    """searcher's passages (identical splitting) with their jieba tokens, in batches so no peer
    holds the whole corpus in Python lists; adds the seconds spent reading and in jieba to ``times``."""
    from searcher import api

    def rows() -> Iterator[dict[str, Any]]:
        for p in api.open_index(searcher_dir).all_passages():
            date = p.get("date")
            yield {
                "id": p["id"],
                "text": p["text"],
                "province": p.get("province"),
                "city": p.get("city"),
                "county": p.get("county"),
                "year": int(date[:4]) if date else None,
            }

    source = rows()
    with ProcessPoolExecutor(max_workers=jobs) as pool:  # as searcher's indexing: one worker per core
        t = time.perf_counter()
        pool.submit(jieba_tokens, "").result()  # fork the workers before the index is opened
        times["jieba_s"] += time.perf_counter() - t
        while True:
            t = time.perf_counter()
            chunk = list(itertools.islice(source, batch))
            times["read_s"] += time.perf_counter() - t
            if not chunk:
                return
            t = time.perf_counter()
            tokens = list(pool.map(jieba_tokens, [r["text"] for r in chunk], chunksize=64))
            times["jieba_s"] += time.perf_counter() - t
            times["passages"] += len(chunk)
            yield list(zip(chunk, tokens))


# ---------------------------------------------------------------- SQLite FTS5


def build_fts5(batches: Iterator[Batch], path: Path) -> None:
    """An FTS5 table over the space-joined tokens, a narrow table of facet/filter columns and one
    of the stored passages, all keyed by the same rowid."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(f"""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE VIRTUAL TABLE p USING fts5(tokens, tokenize = "{FTS5_TOKENIZE}");
        CREATE TABLE facets (pid INTEGER PRIMARY KEY, province TEXT, city TEXT, county TEXT, year INTEGER);
        CREATE TABLE passages (pid INTEGER PRIMARY KEY, id TEXT, text TEXT);
    """)
    with con:
        first = 1
        for chunk in batches:
            numbered = list(enumerate(chunk, first))
            first += len(chunk)
            con.executemany("INSERT INTO p (rowid, tokens) VALUES (?, ?)", ((i, t) for i, (_, t) in numbered))
            con.executemany(
                "INSERT INTO facets VALUES (?, ?, ?, ?, ?)",
                ((i, r["province"], r["city"], r["county"], r["year"]) for i, (r, _) in numbered),
            )
            con.executemany("INSERT INTO passages VALUES (?, ?, ?)", ((i, r["id"], r["text"]) for i, (r, _) in numbered))
        for col in FACETS:
            con.execute(f"CREATE INDEX facets_{col} ON facets ({col})")
        con.execute("INSERT INTO p (p) VALUES ('optimize')")
    con.close()


def fts5_match(pl: Plan) -> str:
    """FTS5 query syntax: each token a quoted string, a phrase one quoted string of its tokens."""

    def quote(tokens: list[str]) -> str:
        return '"' + " ".join(tokens).replace('"', '""') + '"'

    def alt(a: Alt) -> str:
        return quote(a.tokens) if a.phrase else " AND ".join(quote([t]) for t in a.tokens)

    expr = " AND ".join("(" + " OR ".join(f"({alt(a)})" for a in alts) + ")" for alts in pl.must)
    if pl.must_not:
        expr = f"({expr}) NOT (" + " OR ".join(f"({alt(a)})" for a in pl.must_not) + ")"
    return expr


def fts5_filter(pl: Plan) -> tuple[str, list[Any]]:
    """The filters as SQL over the facets table (``f``), and their parameters."""
    where, params = [], []

    def among(col: str, values: list[Any]) -> str:
        params.extend(values)
        return f"f.{col} IN ({', '.join('?' * len(values))})"

    if pl.provinces:
        where.append(among("province", pl.provinces))
    if pl.places:
        where.append(f"({among('city', pl.places)} OR {among('county', pl.places)})")
    if pl.counties:
        where.append(among("county", pl.counties))
    if pl.years:
        where.append(among("year", pl.years))
    return " AND ".join(where), params


def query_fts5(path: Path, facets: tuple[str, ...]) -> Callable[[str], dict[str, Any]]:
    con = sqlite3.connect(path)

    def run(q: str) -> dict[str, Any]:
        pl = plan(q)
        if pl.matches_nothing:
            return empty_result()
        match = fts5_match(pl)
        cond, params = fts5_filter(pl)
        # top 10 by bm25 (FTS5 orders by rank itself; the join filters). Not `p.rowid IN (SELECT pid ...)`:
        # SQLite hands that to FTS5 as rowid lookups and re-runs the match per rowid (20x slower).
        only = f" AND {cond}" if cond else ""
        top = con.execute(
            f"SELECT p.rowid, highlight(p, 0, '<mark>', '</mark>') FROM p JOIN facets f ON f.pid = p.rowid "
            f"WHERE p MATCH ?{only} ORDER BY rank LIMIT {TOP}",
            [match, *params],
        ).fetchall()
        ids = [r[0] for r in top]
        stored = {
            r[0]: r
            for r in con.execute(
                "SELECT d.pid, d.id, d.text, f.province, f.city, f.county, f.year FROM passages d JOIN facets f "
                f"ON f.pid = d.pid WHERE d.pid IN ({', '.join('?' * len(ids))})",
                ids,
            )
        }
        hits = [{"row": stored[rowid], "highlight": hl} for rowid, hl in top]
        # exact total and facet counts over every match, one pass
        groups = con.execute(
            f"SELECT {', '.join('f.' + c for c in facets)}, count(*) FROM p JOIN facets f "
            f"ON f.pid = p.rowid WHERE p MATCH ?{only} "
            f"GROUP BY {', '.join(str(i + 1) for i in range(len(facets)))}",
            [match, *params],
        ).fetchall()
        counts: dict[str, Counter] = {c: Counter() for c in facets}
        total = 0
        for g in groups:
            n = g[-1]
            total += n
            for col, value in zip(facets, g):
                if value is not None:
                    counts[col][value] += n
        return {"total": total, "hits": hits, "facets": counts}

    return run


# ---------------------------------------------------------------- tantivy


def tantivy_schema() -> Any:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("tokens", stored=True, tokenizer_name="whitespace", index_option="position")
    sb.add_bytes_field("text", stored=True, indexed=False, fast=False)  # the passage as written, UTF-8
    for col in ("province", "city", "county"):
        sb.add_text_field(col, stored=True, fast=True, tokenizer_name="raw")
    sb.add_integer_field("year", stored=True, indexed=True, fast=True)
    return sb.build()


def build_tantivy(batches: Iterator[Batch], path: Path, jobs: int) -> None:
    import tantivy

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    index = tantivy.Index(tantivy_schema(), path=str(path))
    writer = index.writer(heap_size=256_000_000, num_threads=jobs)
    for chunk in batches:
        for r, tokens in chunk:
            doc = {"id": r["id"], "tokens": tokens, "text": r["text"].encode()}
            doc.update({c: r[c] for c in ("province", "city", "county", "year") if r[c] is not None})
            writer.add_document(tantivy.Document(**doc))
    writer.commit()
    writer.wait_merging_threads()


def tantivy_query(schema: Any, pl: Plan) -> Any:
    from tantivy import Occur, Query

    def alt(a: Alt) -> Any:
        if len(a.tokens) == 1:
            return Query.term_query(schema, "tokens", a.tokens[0])
        if a.phrase:
            return Query.phrase_query(schema, "tokens", a.tokens)
        return Query.boolean_query([(Occur.Must, Query.term_query(schema, "tokens", t)) for t in a.tokens])

    def either(alts: list[Alt]) -> Any:
        return alt(alts[0]) if len(alts) == 1 else Query.boolean_query([(Occur.Should, alt(a)) for a in alts])

    def only(q: Any) -> tuple[Any, Any]:  # a filter: must match, adds nothing to the score
        return Occur.Must, Query.const_score_query(q, 0.0)

    parts = [(Occur.Must, either(alts)) for alts in pl.must]
    parts += [(Occur.MustNot, alt(a)) for a in pl.must_not]
    if pl.provinces:
        parts.append(only(Query.term_set_query(schema, "province", pl.provinces)))
    if pl.places:
        parts.append(
            only(
                Query.boolean_query(
                    [
                        (Occur.Should, Query.term_set_query(schema, "city", pl.places)),
                        (Occur.Should, Query.term_set_query(schema, "county", pl.places)),
                    ]
                )
            )
        )
    if pl.counties:
        parts.append(only(Query.term_set_query(schema, "county", pl.counties)))
    if pl.years:
        parts.append(only(Query.term_set_query(schema, "year", pl.years)))
    return parts[0][1] if len(parts) == 1 else Query.boolean_query(parts)


def query_tantivy(path: Path, facets: tuple[str, ...]) -> Callable[[str], dict[str, Any]]:
    import tantivy

    index = tantivy.Index.open(str(path))
    schema = index.schema
    searcher = index.searcher()
    # terms aggregations sized past the number of distinct values, so the counts are exact
    aggs = {c: {"terms": {"field": c, "size": 65_000}} for c in facets}

    def run(q: str) -> dict[str, Any]:
        pl = plan(q)
        if pl.matches_nothing:
            return empty_result()
        query = tantivy_query(schema, pl)
        found = searcher.search(query, TOP, count=True)
        docs = [searcher.doc(addr) for _, addr in found.hits]
        snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "tokens")
        snippets.set_max_num_chars(100_000)  # the whole passage, as searcher and FTS5 highlight()
        hits = [
            {"doc": d, "text": bytes(d["text"][0]).decode(), "highlight": snippets.snippet_from_doc(d).to_html()} for d in docs
        ]
        buckets = searcher.aggregate(query, aggs)
        counts = {c: {b["key"]: b["doc_count"] for b in buckets[c]["buckets"]} for c in facets}
        return {"total": found.count, "hits": hits, "facets": counts}

    return run


# ---------------------------------------------------------------- child processes


def time_queries(run: Callable[[str], dict[str, Any]], qs: list[str], repeat: int) -> dict[str, Any]:
    totals = {q: run(q)["total"] for q in qs}  # warm-up: caches, jieba dictionary, page cache
    ms: dict[str, list[float]] = {q: [] for q in qs}
    for _ in range(repeat):
        for q in qs:
            t = time.perf_counter()
            run(q)
            ms[q].append((time.perf_counter() - t) * 1000)
    return {"totals": totals, "ms": ms}


def child(spec: dict[str, Any]) -> dict[str, Any]:
    engine, phase = spec["engine"], spec["phase"]
    work, jobs = Path(spec["work"]), spec["jobs"]
    facets = tuple(spec["facets"])
    paths = {"searcher": work / "searcher", "fts5": work / "fts5.sqlite", "tantivy": work / "tantivy"}
    out: dict[str, Any] = {}
    if phase == "build" and engine == "searcher":
        out = build_searcher(Path(spec["corpus"]), paths["searcher"], jobs)
    elif phase == "build":
        out = {"read_s": 0.0, "jieba_s": 0.0, "passages": 0}
        batches = peer_input(paths["searcher"], jobs, out)
        t = time.perf_counter()
        if engine == "fts5":
            build_fts5(batches, paths["fts5"])
        else:
            build_tantivy(batches, paths["tantivy"], jobs)
        out["engine_s"] = time.perf_counter() - t - out["read_s"] - out["jieba_s"]
        out["index_s"] = out["jieba_s"] + out["engine_s"]
    else:
        t = time.perf_counter()
        run = {"searcher": query_searcher, "fts5": query_fts5, "tantivy": query_tantivy}[engine](paths[engine], facets)
        out["open_s"] = time.perf_counter() - t
        out.update(time_queries(run, spec["queries"], spec["repeat"]))
    if phase == "build":
        target = paths[engine]
        files = target.rglob("*") if target.is_dir() else [target]
        out["size_mb"] = sum(f.stat().st_size for f in files if f.is_file()) / 1e6
    out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["workers_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def in_child(spec: dict[str, Any]) -> dict[str, Any]:
    print(f"  {spec['engine']}: {spec['phase']} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec, ensure_ascii=False)], capture_output=True, text=True
    )
    if proc.returncode:
        sys.exit(f"{spec['engine']} {spec['phase']} failed:\n{proc.stderr[-3000:]}")
    print(f"  {spec['engine']}: {spec['phase']} done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def report(engines: list[str], builds: dict[str, dict], runs: dict[str, dict], missing: dict[str, str], header: str) -> None:
    names = {"searcher": "searcher", "fts5": "FTS5", "tantivy": "tantivy"}
    peers = [e for e in engines if e != "searcher"]

    def row(label: str, get: Callable[[str], float | None], fmt: str, ratio: bool = True) -> None:
        values = {e: get(e) for e in engines}
        cells = [("-" if values[e] is None else format(values[e], fmt)).rjust(12) for e in engines]
        if ratio:
            for p in peers:
                a, b = values.get("searcher"), values[p]
                cells.append((f"{a / b:.2f}x" if a is not None and b else "-").rjust(18))
        print(f"{label:<34}" + "".join(cells))

    def pct(e: str, p: float) -> float:
        return percentile([ms for v in runs[e]["ms"].values() for ms in v], p)

    def workers(e: str, phase: dict) -> float | None:
        return phase[e]["workers_rss_mib"] or None

    print(header)
    print(" " * 34 + "".join(names[e].rjust(12) for e in engines) + "".join(f"searcher/{names[p]}".rjust(18) for p in peers))
    if builds:
        row("index time incl. jieba (s)", lambda e: builds[e]["index_s"], ".1f")
        row("  of which jieba, all cores (s)", lambda e: builds[e].get("jieba_s"), ".1f", ratio=False)
        row("  of which engine build (s)", lambda e: builds[e].get("engine_s"), ".1f", ratio=False)
        row("  (not counted) read passages (s)", lambda e: builds[e].get("read_s"), ".1f", ratio=False)
        row("index size (MB)", lambda e: builds[e]["size_mb"], ".1f")
        row("build peak RSS (MiB)", lambda e: builds[e]["rss_mib"], ".0f")
        row("  largest jieba worker (MiB)", lambda e: workers(e, builds), ".0f", ratio=False)
    row("open index (ms)", lambda e: runs[e]["open_s"] * 1000, ".0f", ratio=False)
    row("query p50 (ms)", lambda e: pct(e, 0.5), ".2f")
    row("query p95 (ms)", lambda e: pct(e, 0.95), ".2f")
    row("query peak RSS (MiB)", lambda e: runs[e]["rss_mib"], ".0f")
    for e, why in missing.items():
        print(f"{names[e]} left out: {why}")
    print("""
Notes: index time for searcher is the whole `searcher index` run (read, reflow, places, jieba, MinHash,
Whoosh store + segments); for the peers it is jieba over searcher's passages on all cores plus the engine
build, not the time to read the passages back out of searcher's index. Peak RSS is each child process's
own; jieba workers are reported apart. The peers highlight their token column (words separated by
spaces, punctuation gone) and fetch the stored text; searcher marks the text as written. searcher also
collapses near-identical passages (its default) and its unquoted words match more (see --check).""")


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (Chinese characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def check(engines: list[str], runs: dict[str, dict], qs: list[str]) -> None:
    print()
    print(f"--check: total matches per query (and median ms); '!!' = totals differ by more than {DISAGREE:g}x or one is zero")
    print(pad("query", 24) + "".join(f"{e:>20}" for e in engines))
    for q in qs:
        totals = [runs[e]["totals"][q] for e in engines]
        flag = "  !!" if (max(totals) and (min(totals) == 0 or max(totals) / min(totals) > DISAGREE)) else ""
        if "fts5" in engines and "tantivy" in engines and runs["fts5"]["totals"][q] != runs["tantivy"]["totals"][q]:
            flag += "  FTS5 != tantivy"
        cells = "".join(f"{runs[e]['totals'][q]:>11} {statistics.median(runs[e]['ms'][q]):>6.1f}ms" for e in engines)
        print(f"{pad(q, 24)}{cells}{flag}")
    print("""
Why the totals differ, by design (not hidden): searcher matches an unquoted word as a substring of the
folded text (志愿服务 also finds 志愿服务队), plus passages holding all of its jieba words, plus passages
about a place it names; a quoted phrase is any exact substring, whatever jieba did with it. The peers
match jieba tokens only: a word where jieba produced that token (or all of a multi-token word's tokens),
a phrase where jieba split the text the same way it split the phrase alone. So searcher >= peers,
widest for one character (市), numbers ("11.2万") and words jieba keeps inside longer words.
FTS5 and tantivy see identical tokens and the same query tree, so their totals should be equal.""")


# ---------------------------------------------------------------- main


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(json.loads(sys.argv[2])), ensure_ascii=False))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="indexing / jieba processes (default: cores)")
    ap.add_argument(
        "--facets", choices=("all", "city"), default="all", help="facets the peers count (searcher always counts all four)"
    )
    ap.add_argument("--check", action="store_true", help="list total matches per query and engine")
    ap.add_argument("--skip-build", action="store_true", help="reuse the indexes of a previous run")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    corpus_dir = corpus(args.size_mb, args.out)
    work = args.out / f"compare-{args.size_mb:g}mb"
    work.mkdir(exist_ok=True)
    files = list(corpus_dir.glob("*.txt"))
    mb = sum(f.stat().st_size for f in files) / 1e6
    qs = queries()
    engines, missing = ["searcher"], {}
    for peer, module in (("fts5", "sqlite3"), ("tantivy", "tantivy")):
        if importlib.util.find_spec(module):
            engines.append(peer)
        else:
            missing[peer] = f"`import {module}` fails here (pip install -e '.[bench]'; no wheel for this Python?)"
    if "fts5" in engines:
        try:
            sqlite3.connect(":memory:").execute(f'CREATE VIRTUAL TABLE t USING fts5(x, tokenize = "{FTS5_TOKENIZE}")')
        except sqlite3.Error as e:
            engines.remove("fts5")
            missing["fts5"] = f"this SQLite ({sqlite3.sqlite_version}) lacks FTS5 or its categories option: {e}"

    base = {
        "work": str(work),
        "jobs": args.jobs,
        "corpus": str(corpus_dir),
        "repeat": args.repeat,
        "queries": qs,
        "facets": list(FACETS if args.facets == "all" else ("city",)),
    }
    builds: dict[str, dict] = {}
    runs: dict[str, dict] = {}
    started = time.perf_counter()
    for e in engines:  # one after another; searcher first, the peers read its passages
        if not args.skip_build:
            builds[e] = in_child({**base, "engine": e, "phase": "build"})
        runs[e] = in_child({**base, "engine": e, "phase": "query"})
    passages = builds["searcher"]["passages"] if builds else "?"
    header = (
        f"corpus {mb:.1f} MB, {len(files)} files, {passages} passages; {os.cpu_count()} cores, "
        f"--jobs {args.jobs}; {len(qs)} queries x {args.repeat} warm runs, each: top {TOP} + highlights + exact "
        f"total + facets ({'province, city, county, year' if args.facets == 'all' else 'city'}); "
        f"run took {time.perf_counter() - started:.0f} s\n"
    )
    report(engines, builds, runs, missing, header)
    if args.check:
        check(engines, runs, qs)


if __name__ == "__main__":
    main()
