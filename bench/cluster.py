"""The SphinxQL cluster engine against the local engine on a synthetic corpus: parity and cost.

    python bench/cluster.py [--size-mb 10] [--shards 2] [--replicas 2] [--repeat 3]

Builds the corpus (../shared/tools/make_corpus.py), indexes it locally and into a cluster started
on loopback (shards x replicas + an aggregator), then runs bench/queries.txt on both: totals,
every facet and the top 10 compared, p50/p95 of a search (top 10 + facets) on each, index time,
index size, RSS of every node. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench_core import corpus  # noqa: E402

from searcher import api  # noqa: E402
from searcher.engine.sphinxql.cluster import Cluster, ClusterConfig  # noqa: E402
from searcher.engine.sphinxql.journal import start_caught_up  # noqa: E402
from searcher.query import QueryError  # noqa: E402


def free_base(count: int) -> int:
    """A port with ``count`` free ports from it (loopback)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + count >= 65000:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise SystemExit("no free ports")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def timed(call, repeat: int) -> tuple[object, list[float]]:  # type: ignore[no-untyped-def]
    result = call()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return result, times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=10)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    docs = corpus(args.size_mb, args.out)
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-", dir=args.out))
    local_dir, remote_dir = work / "local", work / "remote"
    config = ClusterConfig.from_mapping(
        {
            "base_port": free_base(2 + 2 * args.shards * args.replicas),
            "shards": args.shards,
            "replicas": args.replicas,
            "data_dir": "nodes",
        },
        work,
    )
    running = Cluster(config)
    try:
        start_caught_up(running)
        t = time.perf_counter()
        api.index([str(docs)], local_dir, jobs=2)
        local_s = time.perf_counter() - t
        toml = work / "cluster.toml"
        toml.write_text(
            f"[cluster]\nbase_port = {config.base_port}\nshards = {args.shards}\n"
            f'replicas = {args.replicas}\ndata_dir = "nodes"\n',
            encoding="utf-8",
        )
        api.use_cluster(remote_dir, toml)
        t = time.perf_counter()
        api.index([str(docs)], remote_dir, jobs=2)
        remote_s = time.perf_counter() - t
        print(f"corpus {args.size_mb:g} MB: {api.stats(local_dir)['passages']:,} passages")
        print(f"index: local {local_s:.1f} s, cluster {remote_s:.1f} s ({args.shards} shards x {args.replicas} replicas)")
        local_bytes = sum(p.stat().st_size for p in local_dir.rglob("*") if p.is_file())
        node_bytes = sum(p.stat().st_size for p in (work / "nodes").rglob("*") if p.is_file() and "journal" not in p.parts)
        journal_bytes = sum(p.stat().st_size for p in (work / "nodes" / "journal").rglob("*") if p.is_file())
        print(
            f"size: local {local_bytes / 1e6:.0f} MB; cluster {node_bytes / 1e6:.0f} MB on disk over all nodes "
            f"(RT chunks and binlogs), journal {journal_bytes / 1e6:.0f} MB"
        )
        print("RSS per node: " + ", ".join(f"{name} {rss_mb(p.pid):.0f} MB" for name, p in running.processes.items()))
        local_engine, remote_engine = api.open_index(local_dir), api.open_index(remote_dir)
        queries = [
            q.strip()
            for q in (HERE / "queries.txt").read_text(encoding="utf-8").splitlines()
            if q.strip() and not q.startswith("#")
        ]
        same_totals = same_facets = same_top = refused = 0
        local_times: list[float] = []
        remote_times: list[float] = []
        for q in queries:
            opts = api.SearchOptions(collapse=False, limit=10)
            local, lt = timed(lambda q=q, opts=opts: api.search(q, local_dir, opts, engine=local_engine), args.repeat)
            try:
                remote, rt = timed(lambda q=q, opts=opts: api.search(q, remote_dir, opts, engine=remote_engine), args.repeat)
            except QueryError as exc:
                refused += 1
                print(f"  refused {q}: {exc}")
                continue
            local_times += lt
            remote_times += rt
            same_totals += local.total == remote.total
            same_facets += all(
                [(v.value, v.count) for v in local.facets[n]] == [(v.value, v.count) for v in remote.facets[n]]
                for n in local.facets
            )
            top = [h.id for h in local.hits] == [h.id for h in remote.hits] or [h.score for h in local.hits] == [
                h.score for h in remote.hits
            ]
            same_top += top
            if local.total != remote.total or not top:
                print(f"  {q}: totals {local.total} / {remote.total}, top 10 {'same' if top else 'differs'}")
        n = len(queries) - refused
        print(
            f"parity over {n} queries: totals {same_totals}/{n}, facets {same_facets}/{n}, "
            f"top 10 {same_top}/{n}; refused {refused}"
        )

        def pct(times: list[float], p: float) -> float:
            return sorted(times)[int(p * (len(times) - 1))] * 1000

        local_p50, remote_p50 = statistics.median(local_times) * 1000, statistics.median(remote_times) * 1000
        print(
            f"search (top 10 + 6 facets): local p50 {local_p50:.1f} ms p95 {pct(local_times, 0.95):.1f} ms; "
            f"cluster p50 {remote_p50:.1f} ms p95 {pct(remote_times, 0.95):.1f} ms"
        )
    finally:
        running.stop()


if __name__ == "__main__":
    main()
