"""The writes of each shard, numbered, kept until every replica has them.

Sphinx 2.2 has no replication: the writer writes every replica of a shard itself, and a replica
that is down misses the write. Each commit to a shard is one journal entry (its statements, in a
file named by its sequence number) and each replica's last applied number is kept beside them;
a replica that lags is brought up to date (``catch_up``) before it serves again, and entries
every replica has are removed. Writes are REPLACE and DELETE by file id: applying an entry twice
changes nothing. (Manticore replicates RT tables itself — README "Running on a cluster".)
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from . import client
from .cluster import Cluster, ClusterConfig, ClusterError, Node, stop_by_pid_files

JOURNAL_DIR = "journal"
APPLIED_FILE = "applied.json"


class Journal:
    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self.dir = config.data_dir / JOURNAL_DIR

    def _shard_dir(self, shard: int) -> Path:
        return self.dir / f"shard{shard}"

    def entries(self, shard: int) -> list[int]:
        try:
            return sorted(int(p.stem) for p in self._shard_dir(shard).glob("*.json"))
        except ValueError:
            return []

    def last(self, shard: int) -> int:
        found = self.entries(shard)
        return max([*found, self._applied().get(f"shard{shard}", 0)])

    def append(self, shard: int, statements: list[str]) -> int:
        """Keep one commit's statements for a shard; its sequence number."""
        seq = self.last(shard) + 1
        folder = self._shard_dir(shard)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{seq:010d}.tmp"
        tmp.write_text(json.dumps(statements, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / f"{seq:010d}.json")
        self._save({**self._applied(), f"shard{shard}": seq})
        return seq

    def statements(self, shard: int, seq: int) -> list[str]:
        return list(json.loads((self._shard_dir(shard) / f"{seq:010d}.json").read_text(encoding="utf-8")))

    def applied(self, node: Node) -> int:
        return int(self._applied().get(node.name, 0))

    def pending(self, node: Node) -> list[int]:
        """The entries of its shard a replica has not applied, in order."""
        done = self.applied(node)
        return [seq for seq in self.entries(node.shard) if seq > done]

    def mark(self, node: Node, seq: int) -> None:
        self._save({**self._applied(), node.name: seq})
        self._compact(node.shard)

    def _compact(self, shard: int) -> None:
        """Remove the entries every replica of the shard has applied."""
        applied = self._applied()
        floor = min(int(applied.get(r.name, 0)) for r in self.config.replicas_of(shard))
        for seq in self.entries(shard):
            if seq <= floor:
                (self._shard_dir(shard) / f"{seq:010d}.json").unlink(missing_ok=True)

    def _applied(self) -> dict[str, int]:
        try:
            return dict(json.loads((self.dir / APPLIED_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def _save(self, applied: dict[str, int]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{APPLIED_FILE}.tmp"
        tmp.write_text(json.dumps(applied), encoding="utf-8")
        os.replace(tmp, self.dir / APPLIED_FILE)


def apply_pending(journal: Journal, node: Node, host: str, port: int) -> int:
    """Apply a replica's missed entries through (host, port); how many were applied."""
    pending = journal.pending(node)
    if not pending:
        return 0
    conn = client.connect(host, port)
    try:
        for seq in pending:
            for statement in journal.statements(node.shard, seq):
                client.write(conn, statement)
            journal.mark(node, seq)
    finally:
        conn.close()
    return len(pending)


def start_replica(cluster: Cluster, node: Node, detach: bool = False) -> int:
    """Start a replica, first bringing it up to date on ports the aggregator does not know, so
    that it never serves what it missed; the entries it was missing."""
    journal = Journal(cluster.config)
    missed = 0
    if node.shard >= 0 and journal.pending(node):
        sql_port, api_port = _free_ports(2)
        private = replace(node, sql_port=sql_port, api_port=api_port)
        cluster.start_node(private)
        try:
            cluster.wait([private])
            missed = apply_pending(journal, node, private.host, private.sql_port)
            conn = client.connect(private.host, private.sql_port)
            try:
                client.write(conn, f"FLUSH RTINDEX {node.index}")  # the restart then replays no binlog: it opens at once
            finally:
                conn.close()
        finally:
            cluster.stop_node(private)
    cluster.start([node], detach=detach)
    return missed


def start_caught_up(cluster: Cluster, detach: bool = False) -> int:
    """Start every node, each replica brought up to date first; the entries replayed. If one
    fails, those started are stopped again."""
    try:
        replayed = sum(start_replica(cluster, node, detach) for node in cluster.config.nodes[:-1])
        cluster.start([cluster.config.aggregator], detach=detach)
    except (ClusterError, client.Unreachable):
        cluster.stop()
        if detach:
            stop_by_pid_files(cluster.config)
        raise
    return replayed


def _free_ports(count: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
