"""Fuzzed queries: random query strings (operators, quotes, field prefixes, CJK, ASCII, lone
surrogates, control characters) through ``api.search``, and random values for every web
parameter through the real Flask app. Every query must give a result or a QueryError; every
page must answer below 500, and /api errors in JSON.

    python bench/reliability_fuzz.py --index-dir IDX [--queries 25000] [--requests 5000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searcher import api  # noqa: E402
from web import create_app  # noqa: E402

PIECES = [
    '"',
    "(",
    ")",
    "-",
    " OR ",
    " AND ",
    " NOT ",
    "*",
    "?",
    "year:",
    "city:",
    "province:",
    "from:",
    "to:",
    "路长",
    "文明",
    "延吉",
    "志愿服务",
    " ",
    "\u3000",
    "＂",
    "（",
    "）",
    "：",
    "\\",
    "%",
    "&",
    "<script>",
]
PARAMS = ("q", "province", "city", "county", "doc_type", "year", "from", "to", "sort", "page", "limit", "collapse")
ODD = ["%ED%A0%80", "%FF", "%C0%AF", "0000", "-1", "0", "99999999999", "2023-13-45", "relevance", "date", "%00", "%0A"]


def random_text(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.45:
            out.append(rng.choice(PIECES))
        elif r < 0.65:
            out.append(chr(rng.randint(0x4E00, 0x9FA5)))
        elif r < 0.75:
            out.append(chr(rng.randint(0xD800, 0xDFFF)))  # a lone surrogate
        elif r < 0.85:
            out.append(chr(rng.randint(0, 0x7F)))
        else:
            out.append(chr(rng.randint(0, 0x10FFFF)))
    return "".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--queries", type=int, default=25_000)
    ap.add_argument("--requests", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    engine = api.open_index(args.index_dir)
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []
    started = time.monotonic()
    for _ in range(args.queries):
        q = random_text(rng)
        city = random_text(rng) if rng.random() < 0.2 else None
        try:
            api.search(q, args.index_dir, api.SearchOptions(city=city), engine=engine)
            outcomes["result"] += 1
        except api.QueryError:
            outcomes["query error"] += 1
        except Exception as exc:  # noqa: BLE001 - what this bench looks for
            outcomes["crash"] += 1
            crashes.append(f"{q!r}: {type(exc).__name__}: {exc}")
    print(f"{args.queries} queries in {time.monotonic() - started:.0f} s: {dict(outcomes)}")
    client = create_app({"INDEX_DIR": args.index_dir}).test_client()
    statuses: Counter[int] = Counter()
    bad_json = 0
    from urllib.parse import quote

    for _ in range(args.requests):
        path = rng.choice(["/", "/api/search", "/export.csv", "/export.jsonl", "/doc/", "/api/doc/"])
        parts = []
        for name in rng.sample(PARAMS, rng.randint(0, 5)):
            value = rng.choice(ODD) if rng.random() < 0.3 else quote(random_text(rng).encode("utf-8", "surrogatepass"))
            parts.append(f"{name}={value}")
        url = path + (random_text(rng).encode("utf-8", "surrogatepass").hex()[:16] if path.endswith("/doc/") else "")
        resp = client.get(url + ("?" + "&".join(parts) if parts else ""))
        statuses[resp.status_code] += 1
        if resp.status_code >= 500:
            crashes.append(f"{url}?{'&'.join(parts)} -> {resp.status_code}")
        if url.startswith("/api") and resp.status_code >= 400 and not resp.is_json:
            bad_json += 1
        resp.close()
    print(f"{args.requests} web requests: statuses {dict(sorted(statuses.items()))}, non-JSON /api errors {bad_json}")
    for line in crashes[:20]:
        print("CRASH", line)
    print(f"total crashes / 5xx: {len(crashes)}")


if __name__ == "__main__":
    main()
