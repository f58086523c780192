"""A cluster described in a TOML file: shards, replicas per shard, one aggregator, ports.

    [cluster]
    host = "127.0.0.1"
    base_port = 9306      # the aggregator's SphinxQL port; every other port follows it
    shards = 2
    replicas = 2
    data_dir = "cluster"  # relative to this file: each node's config, data, logs, pid

Ports: the aggregator listens on base_port (SphinxQL) and base_port + 1 (API); node k (shard s,
replica r, k = s * replicas + r) on base_port + 2 + 2k and base_port + 3 + 2k. The aggregator's
distributed index names each shard's replicas as mirrors of one agent.

``Cluster.start`` writes every node's config and starts ``searchd --nodetach`` for each (the
processes are this one's children: stopped by PID), and waits until every SphinxQL port answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import dialect, schema

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

SEARCHD = "searchd"
START_SECONDS = 20.0


class ClusterError(RuntimeError):
    """The cluster cannot be used as configured; the message says what to change."""


@dataclass(frozen=True)
class Node:
    shard: int  # -1 for the aggregator
    replica: int
    host: str
    sql_port: int
    api_port: int
    directory: Path

    @property
    def name(self) -> str:
        return "aggregator" if self.shard < 0 else f"shard{self.shard}-replica{self.replica}"

    @property
    def index(self) -> str:
        """The index this node serves: its shard's RT index, or the distributed one."""
        return schema.DISTRIBUTED if self.shard < 0 else schema.shard_index(self.shard)


@dataclass
class ClusterConfig:
    host: str
    base_port: int
    shards: int
    replicas: int
    data_dir: Path
    source: Path | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ClusterConfig:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ClusterError(f"cannot read the cluster file {path}: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ClusterError(f"{path} is not valid TOML ({exc}); see README 'Running on a cluster' for its shape") from exc
        section = raw.get("cluster")
        if not isinstance(section, dict):
            raise ClusterError(f"{path} has no [cluster] section; see README 'Running on a cluster' for its shape")
        return cls.from_mapping(section, path.parent, path)

    @classmethod
    def from_mapping(cls, section: dict[str, object], base: Path, source: Path | None = None) -> ClusterConfig:
        def number(name: str, default: int, low: int, high: int) -> int:
            value = section.get(name, default)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ClusterError(f"[cluster] {name} must be a whole number from {low} to {high} (got {value!r})")
            return value

        shards = number("shards", 2, 1, 64)
        replicas = number("replicas", 2, 1, 8)
        base_port = number("base_port", 9306, 1024, 65535 - 2 - 2 * shards * replicas)
        host = section.get("host", "127.0.0.1")
        if not isinstance(host, str) or not host:
            raise ClusterError(f"[cluster] host must be a host name or address (got {host!r})")
        data_dir = section.get("data_dir", "cluster")
        if not isinstance(data_dir, str) or not data_dir:
            raise ClusterError(f"[cluster] data_dir must be a folder name (got {data_dir!r})")
        return cls(host, base_port, shards, replicas, (base / data_dir).resolve(), source)

    @property
    def aggregator(self) -> Node:
        return Node(-1, 0, self.host, self.base_port, self.base_port + 1, self.data_dir / "aggregator")

    def node(self, shard: int, replica: int) -> Node:
        k = shard * self.replicas + replica
        port = self.base_port + 2 + 2 * k
        return Node(shard, replica, self.host, port, port + 1, self.data_dir / f"shard{shard}-replica{replica}")

    @property
    def nodes(self) -> list[Node]:
        """Every node: the replicas of each shard in order, then the aggregator."""
        return [self.node(s, r) for s in range(self.shards) for r in range(self.replicas)] + [self.aggregator]

    def replicas_of(self, shard: int) -> list[Node]:
        return [self.node(shard, r) for r in range(self.replicas)]

    def config_text(self, node: Node) -> str:
        """The searchd configuration of one node."""
        d = node.directory
        searchd_lines = "\n".join(f"    {line}" for line in dialect.SEARCHD_LINES)
        searchd = f"""
searchd
{{
    listen = {node.host}:{node.api_port}
    listen = {node.host}:{node.sql_port}:mysql41
    log = {d / "searchd.log"}
    query_log = {d / "query.log"}
    pid_file = {d / "searchd.pid"}
    binlog_path = {d}
{searchd_lines}
    max_packet_size = 64M
    agent_retry_count = 3
    agent_retry_delay = 50
    ha_ping_interval = 100
}}
"""
        if node.shard < 0:
            agents = "\n".join(
                "    agent = " + "|".join(f"{r.host}:{r.api_port}:{schema.shard_index(s)}" for r in self.replicas_of(s))
                for s in range(self.shards)
            )
            index = f"""
index {schema.DISTRIBUTED}
{{
    type = distributed
{agents}
    ha_strategy = {dialect.HA_STRATEGY}
    agent_connect_timeout = 200
    agent_query_timeout = 3000
}}
"""
        else:
            index = schema.rt_index_config(schema.shard_index(node.shard), d / "data")
        return searchd + index


@dataclass
class Cluster:
    """The cluster's processes, started by this process and stopped by PID."""

    config: ClusterConfig
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, nodes: list[Node] | None = None, timeout: float = START_SECONDS, detach: bool = False) -> None:
        """Start the nodes: children of this process (stopped by ``stop``), or with ``detach``
        daemons of their own that outlive it (``stop_by_pid_files``)."""
        chosen = nodes or self.config.nodes
        try:
            for node in chosen:
                if detach:
                    self.start_daemon(node)
                else:
                    self.start_node(node)
            self.wait(chosen, timeout)
        except ClusterError:
            # Nothing half-started is left behind: what did start is stopped again.
            for node in chosen:
                self.stop_node(node)
            if detach:
                stop_by_pid_files(self.config)
            raise

    def _prepare(self, node: Node) -> Path:
        node.directory.mkdir(parents=True, exist_ok=True)
        (node.directory / "data").mkdir(exist_ok=True)
        conf = node.directory / "searchd.conf"
        conf.write_text(self.config.config_text(node), encoding="utf-8")
        return conf

    def start_daemon(self, node: Node) -> None:
        conf = self._prepare(node)
        try:
            done = subprocess.run([SEARCHD, "--config", str(conf)], capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
        except FileNotFoundError as exc:
            raise ClusterError(
                "searchd is not installed: apt-get install -y --no-install-recommends sphinxsearch (or Manticore's searchd)"
            ) from exc
        if done.returncode != 0:
            said = (done.stdout + done.stderr).decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ClusterError(f"{node.name} did not start: {' | '.join(said)}")

    def start_node(self, node: Node) -> None:
        conf = self._prepare(node)
        log = open(node.directory / "stdout.log", "ab")  # noqa: SIM115 - the child holds it
        try:
            self.processes[node.name] = subprocess.Popen(
                [SEARCHD, "--config", str(conf), "--nodetach"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        except FileNotFoundError as exc:
            raise ClusterError(
                "searchd is not installed: apt-get install -y --no-install-recommends sphinxsearch (or Manticore's searchd)"
            ) from exc
        finally:
            log.close()

    def wait(self, nodes: list[Node], timeout: float = START_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        for node in nodes:
            while not _answers(node.host, node.sql_port):
                proc = self.processes.get(node.name)
                if proc is not None and proc.poll() is not None:
                    raise ClusterError(f"{node.name} exited at start ({_tail(node.directory / 'stdout.log')})")
                if time.monotonic() > deadline:
                    raise ClusterError(f"{node.name} does not answer on {node.host}:{node.sql_port} after {timeout:.0f} s")
                time.sleep(0.05)

    def stop_node(self, node: Node, kill: bool = False) -> None:
        proc = self.processes.pop(node.name, None)
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        for node in reversed(self.config.nodes):
            self.stop_node(node)


def stop_by_pid_files(config: ClusterConfig, timeout: float = 10.0) -> list[str]:
    """Stop the nodes a previous process started (their searchd.pid files); the names of those stopped."""
    stopped = []
    for node in reversed(config.nodes):
        try:
            pid = int((node.directory / "searchd.pid").read_text().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        stopped.append(node.name)
    return stopped


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int = 3) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "no log"
