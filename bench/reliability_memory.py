"""Memory over many distinct queries: RSS of one process running N random queries, none repeated.

    python bench/reliability_memory.py --index-dir IDX [--queries 200000] [--every 20000]

Each query is two random CJK characters plus its own number (so none repeats, and most match nothing: the case that
once grew the substring cache without bound). Prints RSS (MB) at every checkpoint and the growth
from the first checkpoint to the last. Not a test: the figures go into docs/reliability.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searcher import api  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--queries", type=int, default=200_000)
    ap.add_argument("--every", type=int, default=20_000)
    args = ap.parse_args()
    rng = random.Random(0)
    engine = api.open_index(args.index_dir)
    opts = api.SearchOptions(limit=10)
    marks: list[tuple[int, float]] = []
    started = time.monotonic()
    n = 0
    while n < args.queries:
        q = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(2)) + str(n)
        api.search(q, args.index_dir, opts, engine=engine)
        n += 1
        if n % args.every == 0:
            marks.append((n, rss_mb()))
            print(f"{n:>7} queries  RSS {marks[-1][1]:6.1f} MB  ({time.monotonic() - started:.0f} s)", flush=True)
    first, last = marks[0][1], marks[-1][1]
    print(f"RSS {first:.1f} MB after {marks[0][0]} queries -> {last:.1f} MB after {marks[-1][0]} ({last - first:+.1f} MB)")


if __name__ == "__main__":
    main()
