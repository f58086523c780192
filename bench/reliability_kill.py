"""Crash safety: SIGKILL ``searcher index`` at random moments, then rerun; every rerun must give
exactly the index a clean build gives, and the killed run must leave no process behind.

    python bench/reliability_kill.py [--size-mb 10] [--kills 20] [--commit-every 20] [--work /tmp/kill]

For each kill: a fresh copy of the index as the previous trial left it is not needed; each trial
starts from an empty index, kills the run after a random delay within the clean build's time
(commits every ``--commit-every`` files), checks that what was committed opens and answers,
that the run's worker processes are gone within 3 s, reruns to completion, and compares every
passage id and the totals of the bench queries with the clean build.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_core import queries  # noqa: E402

from searcher import api  # noqa: E402


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def snapshot(index_dir: Path, qs: list[str]) -> tuple[list[str], list[int]]:
    ids = sorted(p["id"] for p in api.open_index(index_dir).all_passages())
    totals = [api.search(q, index_dir, api.SearchOptions(limit=0)).total for q in qs]
    return ids, totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=10)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--commit-every", type=int, default=20)
    ap.add_argument("--work", default="/tmp/searcher-kill")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    if not corpus.is_dir():
        subprocess.run(
            [
                sys.executable,
                str(ROOT.parent / "shared/tools/make_corpus.py"),
                "--size-mb",
                str(args.size_mb),
                "--out",
                str(corpus),
                "-q",
            ],
            check=True,
            cwd=ROOT,
        )
        (corpus / "manifest.jsonl").unlink(missing_ok=True)
    qs = [q for q in queries() if q.strip()][:40]
    env = dict(os.environ, SEARCHER_COMMIT_EVERY=str(args.commit_every))
    cmd = [sys.executable, "-m", "searcher.cli", "--index-dir"]
    clean = work / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    t0 = time.monotonic()
    subprocess.run([*cmd, str(clean), "index", str(corpus), "--jobs", "2"], env=env, check=True, capture_output=True, cwd=ROOT)
    build = time.monotonic() - t0
    want = snapshot(clean, qs)
    print(f"clean build: {len(want[0])} passages in {build:.1f} s; killing at random points in (0.3, {build:.1f}) s")
    rng = random.Random(args.seed)
    failures = corrupt = stray = 0
    for k in range(args.kills):
        ix = work / "trial"
        shutil.rmtree(ix, ignore_errors=True)
        run = subprocess.Popen(
            [*cmd, str(ix), "index", str(corpus), "--jobs", "2"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        delay = rng.uniform(0.3, build)
        time.sleep(delay)
        workers = children(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait()
        end = time.monotonic() + 3
        while any(alive(w) for w in workers) and time.monotonic() < end:
            time.sleep(0.05)
        left = [w for w in workers if alive(w)]
        stray += bool(left)
        try:
            committed = api.search("文明", ix, api.SearchOptions(limit=0)).total if (ix / "searcher.json").exists() else 0
        except (api.NoIndex, api.IndexMismatch):
            committed = 0
        except Exception as exc:  # noqa: BLE001 - what this bench looks for
            corrupt += 1
            committed = f"CORRUPT {type(exc).__name__}: {exc}"  # type: ignore[assignment]
        again = subprocess.run(
            [*cmd, str(ix), "index", str(corpus), "--jobs", "2"], env=env, capture_output=True, text=True, cwd=ROOT
        )
        same = again.returncode == 0 and snapshot(ix, qs) == want
        failures += not same
        verdict = "identical" if same else "DIFFERENT " + again.stderr[-300:]
        print(f"kill {k + 1:>2} at {delay:5.1f} s: 文明={committed}, workers left {len(left)}, rerun {verdict}", flush=True)
    print(
        f"{args.kills} kills: {corrupt} corrupt, {failures} reruns different from a clean build, "
        f"{stray} with workers left after 3 s"
    )


if __name__ == "__main__":
    main()
