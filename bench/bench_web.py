"""Web benchmark: time /api/search for the fixed query list against a running ``searcher serve``.

    python bench/bench_web.py [--index-dir bench/out/index-10mb] [--repeat 5] [--clients 4]

Starts ``searcher serve`` as a subprocess on a free loopback port, warms it up with one pass
over bench/queries.txt, then reports p50/p95 request latency (ms, client side, over HTTP)
sequentially and with N concurrent clients (threads + urllib), and the throughput. The index is
built by bench/bench_core.py. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import queue
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import percentile, queries  # noqa: E402  (the same query list and statistics)

LOOPBACK = "127.0.0.1"
CLIENT_CPU_MS: list[float] = []  # this process's CPU per request, one figure per run()


class Server:
    def __init__(self, index_dir: Path, threads: int, workers: int = 1) -> None:
        cmd = [
            sys.executable,
            "-m",
            "searcher.cli",
            "serve",
            "--index-dir",
            str(index_dir),
            "--host",
            LOOPBACK,
            "--port",
            "0",
            "--threads",
            str(threads),
            "--workers",
            str(workers),
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        lines: queue.Queue[str | None] = queue.Queue()
        self.log: list[str] = []

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.log.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        while True:
            line = lines.get(timeout=120)
            if line is None:
                raise SystemExit("searcher serve exited:\n" + "".join(self.log))
            m = re.match(rf"serving (http://{re.escape(LOOPBACK)}:\d+)/", line)
            if m:
                self.url = m.group(1)
                return

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def server_memory(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory in MB of the largest server process (the server, or each
    of its worker processes), from /proc (Linux)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(entry.name))
        except OSError:
            continue
    rss = peak = 0.0
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        kb = {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in status.splitlines()) if k in ("VmRSS", "VmHWM")}
        rss, peak = max(rss, kb.get("VmRSS", 0) / 1024), max(peak, kb.get("VmHWM", 0) / 1024)
    return rss, peak


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return (time.perf_counter() - started) * 1000, status


def run(urls: list[str], clients: int) -> tuple[list[float], list[int], float, dict[str, list[float]]]:
    """Every client fetches every URL (in its own shuffled order): latencies, statuses, wall seconds, ms by URL."""
    times: list[float] = []
    statuses: list[int] = []
    by_url: dict[str, list[float]] = {}
    lock = threading.Lock()

    def client(seed: int) -> None:
        mine = urls[:]
        random.Random(seed).shuffle(mine)
        for url in mine:
            ms, status = fetch(url)
            with lock:
                times.append(ms)
                statuses.append(status)
                by_url.setdefault(url, []).append(ms)

    started = time.perf_counter()
    cpu = time.process_time()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    CLIENT_CPU_MS.append((time.process_time() - cpu) * 1000 / max(1, len(times)))
    return times, statuses, time.perf_counter() - started, by_url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, default=HERE / "out" / "index-10mb")
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over the query list")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients in the second run")
    ap.add_argument("--threads", type=int, default=4, help="server worker threads")
    ap.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()
    if not (args.index_dir / "searcher.json").exists():
        raise SystemExit(f"No index in {args.index_dir}; build one with: python bench/bench_core.py")

    qs = queries()
    server = Server(args.index_dir, args.threads, args.workers)
    try:
        with urllib.request.urlopen(server.url + "/healthz", timeout=30) as resp:
            health = json.loads(resp.read())
        if health.get("status") != "ok":
            raise SystemExit(f"server not ready: {health}")
        urls = [server.url + "/api/search?" + urlencode({"q": q}) for q in qs]
        # Warm up: caches, first-use imports. Each worker process has its own caches, and the
        # kernel hands a connection to any of them, so every worker must see every query.
        run(urls * 3 * args.workers, 1)
        seq, seq_status, seq_wall, seq_by_url = run(urls * args.repeat, 1)
        con, con_status, con_wall, _ = run(urls * args.repeat, args.clients)
        rss_mb, peak_mb = server_memory(server.proc.pid)
    finally:
        server.stop()

    size = sum(f.stat().st_size for f in args.index_dir.rglob("*") if f.is_file()) / 1e6
    bad = sum(s != 200 for s in seq_status + con_status)
    figures = {
        "index": str(args.index_dir),
        "index_mb": round(size, 1),
        "workers": args.workers,
        "queries": len(qs),
        "repeat": args.repeat,
        "sequential": {
            "p50_ms": percentile(seq, 0.5),
            "p95_ms": percentile(seq, 0.95),
            "mean_ms": statistics.mean(seq),
            "requests": len(seq),
            "req_per_s": len(seq) / seq_wall,
        },
        "concurrent": {
            "clients": args.clients,
            "p50_ms": percentile(con, 0.5),
            "p95_ms": percentile(con, 0.95),
            "mean_ms": statistics.mean(con),
            "requests": len(con),
            "req_per_s": len(con) / con_wall,
        },
        "non_200": bad,
        "server_rss_mb": rss_mb,
        "server_peak_rss_mb": peak_mb,
    }
    print(f"index         {args.index_dir} ({size:.1f} MB on disk)")
    print(
        f"queries       {len(qs)} from bench/queries.txt, {args.repeat} timed passes, "
        f"server {args.workers} process(es) x {args.threads} threads"
    )
    s, c = figures["sequential"], figures["concurrent"]
    print(f"sequential    p50 {s['p50_ms']:.1f} ms  p95 {s['p95_ms']:.1f} ms  ({s['req_per_s']:.0f} req/s)")
    print(f"{args.clients} clients     p50 {c['p50_ms']:.1f} ms  p95 {c['p95_ms']:.1f} ms  ({c['req_per_s']:.0f} req/s)")
    print(
        f"client CPU    {CLIENT_CPU_MS[-2]:.1f} ms per request sequential, {CLIENT_CPU_MS[-1]:.1f} ms with "
        f"{args.clients} clients (this process; it shares the cores)"
    )
    figures["client_cpu_ms"] = {"sequential": CLIENT_CPU_MS[-2], "concurrent": CLIENT_CPU_MS[-1]}
    print(f"server RSS    {rss_mb:.0f} MB after the runs (peak {peak_mb:.0f} MB; the largest process)")
    slowest = sorted(((statistics.median(ms), q) for q, ms in zip(qs, (seq_by_url[u] for u in urls))), reverse=True)[:3]
    print("slowest       " + ", ".join(f"{q} {ms:.0f} ms" for ms, q in slowest) + " (sequential medians)")
    figures["slowest"] = [{"query": q, "p50_ms": ms} for ms, q in slowest]
    if bad:
        print(f"WARNING       {bad} responses were not 200")
    if args.json:
        print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
