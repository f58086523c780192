"""Core benchmark: build a synthetic corpus, index it, time the fixed query list (warm).

    python bench/bench_core.py [--size-mb 10] [--repeat 5]

Prints indexing MB/s, passages/s, index size, peak RSS of the indexing and of the query
process, and query p50/p95 over all warm runs. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"


def corpus(size_mb: float, out: Path) -> Path:
    target = out / f"corpus-{size_mb:g}mb"
    if not (target / "manifest.jsonl").exists():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "tools" / "make_corpus.py"),
                "--size-mb",
                str(size_mb),
                "--out",
                str(target),
                "--seeds",
                str(SHARED / "corpus" / "seeds"),
                "-q",
            ],
            check=True,
        )
    return target


def queries() -> list[str]:
    lines = (HERE / "queries.txt").read_text(encoding="utf-8").splitlines()
    return [q for q in lines if q.strip() and not q.startswith("#")]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def index_in_child(corpus_dir: Path, index_dir: Path) -> dict:
    code = (
        "import json,sys,time; from searcher import api; t=time.perf_counter(); "
        f"s=api.index([{str(corpus_dir)!r}], {str(index_dir)!r}, rebuild=True); "
        "print(json.dumps({'seconds': time.perf_counter()-t, 'files': s.files, 'passages': s.passages, "
        "'skipped': len(s.skipped)}))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    info = json.loads(out.strip().splitlines()[-1])
    info["peak_rss_mb"] = max(before, after) / 1024
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--skip-index", action="store_true", help="reuse the index from a previous run")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    corpus_dir = corpus(args.size_mb, args.out)
    index_dir = args.out / f"index-{args.size_mb:g}mb"
    mb = sum(f.stat().st_size for f in corpus_dir.glob("*.txt")) / 1e6

    if not args.skip_index:
        info = index_in_child(corpus_dir, index_dir)
        print(f"corpus        {mb:.1f} MB, {info['files']} files, {info['passages']} passages ({corpus_dir})")
        print(
            f"index time    {info['seconds']:.1f} s  = {mb / info['seconds']:.2f} MB/s, "
            f"{info['passages'] / info['seconds']:.0f} passages/s"
        )
        print(f"index RSS     {info['peak_rss_mb']:.0f} MB peak (indexing process)")
    size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6
    print(f"index size    {size:.1f} MB ({size / mb:.2f}x the text)")

    from searcher import api

    engine = api.open_index(index_dir)
    qs = queries()
    per_query: dict[str, list[float]] = {}
    totals: dict[str, int] = {}
    for q in qs:  # warm-up: caches, jieba dictionary, OS page cache
        totals[q] = api.search(q, index_dir, engine=engine).total
    for _ in range(args.repeat):
        for q in qs:
            t = time.perf_counter()
            api.search(q, index_dir, engine=engine)
            per_query.setdefault(q, []).append((time.perf_counter() - t) * 1000)
    all_ms = [ms for times in per_query.values() for ms in times]
    medians = {q: statistics.median(v) for q, v in per_query.items()}
    print(f"queries       {len(qs)} x {args.repeat} warm runs (top 10 + highlights + exact total + 4 facets)")
    print(f"query p50     {percentile(all_ms, 0.5):.1f} ms")
    print(f"query p95     {percentile(all_ms, 0.95):.1f} ms")
    # Cold: each query's first run on a freshly opened index (the OS page cache is warm, searcher's
    # own caches are empty): what a one-query CLI process or a server's first hit of a new query pays.
    cold: dict[str, float] = {}
    for q in qs:
        fresh = api.open_index(index_dir)
        api.search("路长", index_dir, engine=fresh)  # reader, side arrays and the segmenter loaded
        t = time.perf_counter()
        api.search(q, index_dir, engine=fresh)
        cold[q] = (time.perf_counter() - t) * 1000
        fresh.close()
    print(
        f"cold p50     {percentile(list(cold.values()), 0.5):.1f} ms, p95 {percentile(list(cold.values()), 0.95):.1f} ms"
        " (first run of each query on a fresh engine)"
    )
    print("slowest cold  " + ", ".join(f"{q} {ms:.0f} ms" for q, ms in sorted(cold.items(), key=lambda kv: -kv[1])[:5]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"query RSS     {rss:.0f} MB peak (query process)")
    print(
        "slowest       "
        + ", ".join(f"{q} {ms:.0f} ms ({totals[q]} hits)" for q, ms in sorted(medians.items(), key=lambda kv: -kv[1])[:5])
    )


if __name__ == "__main__":
    main()
