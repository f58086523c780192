"""Ingest benchmark: full index with 1 worker and with all cores, re-index with nothing
changed and with 1% of the files changed, peak RSS of each run.

    python bench/bench_ingest.py [--size-mb 100]

Each run is a fresh child process (as a user runs `searcher index`); it reports its own
peak RSS and that of its worker processes. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import corpus  # noqa: E402

CHILD = """
import json, resource, sys, time
from searcher import api
corpus, index_dir, jobs, rebuild = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
t = time.perf_counter()
s = api.index([corpus], index_dir, rebuild=rebuild, jobs=jobs)
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "files": s.files, "unchanged": s.unchanged,
                  "passages": s.passages, "skipped": len(s.skipped), "rss_mb": own, "worker_rss_mb": workers}))
"""


def run(corpus_dir: Path, index_dir: Path, jobs: int, rebuild: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(corpus_dir), str(index_dir), str(jobs), "1" if rebuild else "0"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def line(name: str, r: dict, mb: float) -> str:
    return (
        f"{name:<22} {r['seconds']:7.1f} s  {mb / r['seconds']:5.2f} MB/s  files {r['files']:>5} "
        f"unchanged {r['unchanged']:>5}  passages {r['passages']:>7}  RSS {r['rss_mb']:.0f} MB "
        f"(workers {r['worker_rss_mb']:.0f} MB)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=100)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    corpus_dir = corpus(args.size_mb, args.out)
    files = sorted(corpus_dir.glob("*.txt"))
    mb = sum(f.stat().st_size for f in files) / 1e6
    index_dir = args.out / f"ingest-{args.size_mb:g}mb"
    print(f"corpus {mb:.1f} MB, {len(files)} files; {os.cpu_count()} cores")
    one = run(corpus_dir, index_dir, 1, rebuild=True)
    print(line("full, 1 worker", one, mb), flush=True)
    many = run(corpus_dir, index_dir, args.jobs, rebuild=True)
    print(line(f"full, {args.jobs} workers", many, mb), flush=True)
    print(f"speed-up              {one['seconds'] / many['seconds']:.2f}x with {args.jobs} workers")
    same = run(corpus_dir, index_dir, args.jobs, rebuild=False)
    print(line("re-index, no change", same, mb), flush=True)
    changed = files[:: max(1, len(files) // max(1, len(files) // 100))][: max(1, len(files) // 100)]
    originals = {f: f.read_bytes() for f in changed}
    try:
        for f in changed:
            f.write_bytes(originals[f] + "\n\n新增一段用于基准测试的内容。\n".encode())
        one_pct = run(corpus_dir, index_dir, args.jobs, rebuild=False)
        print(line(f"re-index, {len(changed)} changed", one_pct, mb), flush=True)
    finally:
        for f, data in originals.items():
            f.write_bytes(data)


if __name__ == "__main__":
    main()
