"""The analysis views on a large index, warm: trend, kwic, collocates, keyness, compare.

    python bench/bench_research.py --index-dir DIR [--repeat 5] [--query 志愿服务]

Build DIR from the 700 MB synthetic corpus first (about 1M passages, ~8 minutes):

    python ../shared/tools/make_corpus.py --size-mb 700 --out /tmp/c700 -q
    searcher --index-dir /tmp/i700 index /tmp/c700

Each call runs once to warm (open the index, page cache, per-state caches such as the
collection's word totals), then ``--repeat`` times; the medians are printed with the size of
what each answered (matches, lines, words). Target (issue #12): each under 2 s warm.
Not a test: figures depend on the machine (2 shared cores here).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searcher import api  # noqa: E402


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(first call's seconds, median of the warm calls, the last result)."""
    started = time.perf_counter()
    result = call()
    first = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        runs.append(time.perf_counter() - started)
    return first, statistics.median(runs), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--query", default="志愿服务", help="a common word (志愿服务: ~7%% of passages)")
    parser.add_argument("--rare", default="路长", help="a rarer term")
    args = parser.parse_args()
    d = args.index_dir
    engine = api.open_index(d)
    started = time.perf_counter()
    stats = api.stats(d)
    api.search(args.query, d, engine=engine)
    opened = time.perf_counter() - started
    years = sorted(stats["years"])
    first_year, last_year = years[0], years[-1]
    q = args.query
    cases: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
        ("search (top 10 + facets)", lambda: api.search(q, d, engine=engine), lambda r: f"{r.total:,} passages"),
        ("trend --by year", lambda: api.trend([q], "year", d, engine=engine), lambda r: f"{len(r.rows)} buckets"),
        ("trend --by province", lambda: api.trend([q], "province", d, engine=engine), lambda r: f"{len(r.rows)} buckets"),
        (
            "trend --by year,province",
            lambda: api.trend([q], "year,province", d, engine=engine),
            lambda r: f"{len(r.rows)} buckets",
        ),
        (
            "trend 2 queries --by year",
            lambda: api.trend([q, args.rare], "year", d, engine=engine),
            lambda r: f"{len(r.rows)} buckets",
        ),
        (
            "kwic first 100 lines",
            lambda: api.kwic(q, d, api.SearchOptions(limit=100), engine=engine),
            lambda r: f"{r.total_lines:,} lines in {r.passages:,} passages",
        ),
        (
            "kwic --sort right, 100 lines",
            lambda: api.kwic(q, d, api.SearchOptions(limit=100), engine=engine, sort="right"),
            lambda r: f"{r.total_lines:,} lines",
        ),
        (
            f"kwic {args.rare} first 100 lines",
            lambda: api.kwic(args.rare, d, api.SearchOptions(limit=100), engine=engine),
            lambda r: f"{r.total_lines:,} lines in {r.passages:,} passages",
        ),
        (
            f"collocates {args.rare} (window 10)",
            lambda: api.collocates(args.rare, d, engine=engine),
            lambda r: f"{r.occurrences:,} occurrences, {r.window_words:,} window words",
        ),
        (
            f"collocates {q} --year {last_year} (window 10)",
            lambda: api.collocates(q, d, api.SearchOptions(year=last_year), engine=engine),
            lambda r: f"{r.occurrences:,} occurrences, {r.window_words:,} window words",
        ),
        (
            f"collocates {q} (window 10)",
            lambda: api.collocates(q, d, engine=engine),
            lambda r: f"{r.occurrences:,} occurrences, {r.window_words:,} window words",
        ),
        (
            f"keyness year:{first_year} vs year:{last_year}",
            lambda: api.keyness(f"year:{first_year}", f"year:{last_year}", "", d, engine=engine),
            lambda r: f"{r.words_a:,} vs {r.words_b:,} words",
        ),
        (
            f"keyness {q} year:{first_year} vs year:{last_year}",
            lambda: api.keyness(f"year:{first_year}", f"year:{last_year}", q, d, engine=engine),
            lambda r: f"{r.passages_a:,} vs {r.passages_b:,} passages",
        ),
        (
            "compare 2 provinces (3 hits, 10 words each)",
            lambda: api.compare(q, "province", ["吉林", "河南"], d, engine=engine),
            lambda r: ", ".join(f"{p.value} {p.total:,}" for p in r.places),
        ),
    ]
    rows = []
    print(f"{d}: {stats['passages']:,} passages, {stats['documents']:,} articles; open + first search {opened:.2f} s")
    for name, call, size in cases:
        first, median, result = timed(call, args.repeat)
        rows.append({"case": name, "first_s": round(first, 3), "median_s": round(median, 3), "size": size(result)})
        print(f"{name:45s} first {first:7.3f} s   median {median:7.3f} s   {size(result)}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")
    print(json.dumps({"index": d, "passages": stats["passages"], "rows": rows, "peak_rss_mib": round(rss)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
