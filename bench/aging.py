"""Index aging: the seeds, then many incremental runs, each adding one small file and re-editing
one report (what a researcher who adds reports every day does). At each checkpoint the aged
index is compared with a fresh build of the same files: segments, size, warm query p50/p95.

    python bench/aging.py [--runs 500] [--checkpoints 150,500] [--work /tmp/aging] [--no-merge]

``--no-merge`` measures the index as it was before merging (runs commit and never merge).
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_core import SHARED, percentile, queries  # noqa: E402


def small_file(folder: Path, i: int) -> None:
    (folder / f"daily_{i:04d}.txt").write_text(
        f"延吉市文明办第{i}次巡查通报\n\n第{i}次巡查发现路长制落实到位，志愿服务队清理飞线充电{i}处。\n",
        encoding="utf-8",
    )


def edit(seed: Path, i: int) -> None:
    lines = seed.read_text(encoding="utf-8").rstrip("\n").split("\n")
    if lines[-1].startswith("修订第"):
        lines = lines[:-1]
    seed.write_text("\n".join(lines) + f"\n修订第{i}次。\n", encoding="utf-8")


def measure(index_dir: Path, repeat: int) -> dict[str, float]:
    from searcher import api
    from searcher.engine.columnar import ColumnarEngine

    engine = api.open_index(index_dir)
    qs = queries()
    for q in qs:
        api.search(q, index_dir, engine=engine)
    times: list[float] = []
    for _ in range(repeat):
        for q in qs:
            t = time.perf_counter()
            api.search(q, index_dir, engine=engine)
            times.append((time.perf_counter() - t) * 1000)
    engine.close()
    segs = ColumnarEngine(index_dir).ix._read_toc().segments
    return {
        "segments": len(segs),
        "deleted": sum(s.deleted_count() for s in segs),
        "mb": sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6,
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "median_of_queries": statistics.median(times),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--checkpoints", default="150,500")
    ap.add_argument("--work", type=Path, default=Path("/tmp/aging"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-merge", action="store_true", help="never merge (the index before merging existed)")
    args = ap.parse_args()
    from searcher import api, indexing

    if args.no_merge:
        indexing.merge_segments = lambda engine: 0  # type: ignore[assignment]
    checkpoints = {int(c) for c in args.checkpoints.split(",")}
    shutil.rmtree(args.work, ignore_errors=True)
    docs = args.work / "docs"
    shutil.copytree(SHARED / "corpus" / "seeds", docs)
    seeds = sorted(docs.glob("*.txt"))
    aged = args.work / "aged"
    api.index([str(docs)], aged)
    rows = []
    started = time.monotonic()
    for i in range(1, args.runs + 1):
        small_file(docs, i)
        edit(seeds[i % len(seeds)], i)
        api.index([str(docs)], aged)
        if i in checkpoints:
            fresh = args.work / f"fresh-{i}"
            api.index([str(docs)], fresh)
            a, f = measure(aged, args.repeat), measure(fresh, args.repeat)
            row = {"runs": i, "seconds": round(time.monotonic() - started, 1), "aged": a, "fresh": f}
            rows.append(row)
            print(
                f"after {i} runs ({row['seconds']} s): aged {a['segments']} segments, {a['deleted']} deleted, "
                f"{a['mb']:.1f} MB, p50 {a['p50']:.2f} ms, p95 {a['p95']:.2f} ms | fresh {f['segments']} segments, "
                f"{f['mb']:.1f} MB, p50 {f['p50']:.2f} ms, p95 {f['p95']:.2f} ms | size {a['mb'] / f['mb']:.2f}x, "
                f"p50 {a['p50'] / f['p50']:.2f}x",
                flush=True,
            )
    (args.work / "aging.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
