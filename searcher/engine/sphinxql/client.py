"""SphinxQL over the MySQL protocol (pymysql), with the cluster's error policy in one place.

- Connections are opened with ``autocommit=True``: Sphinx starts each one with autocommit 0,
  and writes would stay invisible to other connections until a COMMIT.
- A read through the aggregator whose ``SHOW META`` carries a warning (an agent was down or timed
  out: the answer may be partial) is re-issued, up to ``RETRIES`` times, then raised as
  ``PartialResult``: a partial total is never returned.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..base import EngineUnavailable
from . import dialect

RETRIES = 2
RETRY_PAUSE = (0.1, 0.4)


class PartialResult(RuntimeError):
    """The cluster answered without all its shards, even after re-issuing the query."""


@dataclass
class Answer:
    rows: list[tuple[Any, ...]]
    # One list of rows per FACET clause, in order.
    facets: list[list[tuple[Any, ...]]]
    meta: dict[str, str]

    @property
    def total(self) -> int:
        return int(self.meta.get("total_found", "0"))


class Unreachable(EngineUnavailable):
    """A node does not answer; the message says how to start the cluster."""


def connect(host: str, port: int) -> Any:
    try:
        import pymysql
    except ImportError as exc:
        raise Unreachable("the cluster engine needs pymysql: pip install pymysql") from exc
    try:
        return pymysql.connect(host=host, port=port, autocommit=True, charset="utf8", connect_timeout=5, read_timeout=30)
    except pymysql.err.OperationalError as exc:
        raise Unreachable(
            f"the cluster does not answer on {host}:{port} ({exc.args[-1]}); start it: searcher cluster start CLUSTER.toml"
        ) from exc


def _lost(exc: Exception) -> Unreachable:
    return Unreachable(f"the cluster stopped answering ({exc}); start it: searcher cluster start CLUSTER.toml")


def read(conn: Any, sql: str, args: Sequence[Any] = ()) -> Answer:
    """One SELECT (with its FACET clauses) and its META; re-issued on a warning, then PartialResult."""
    import pymysql

    try:
        return _read(conn, sql, args)
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
        raise _lost(exc) from exc


def _read(conn: Any, sql: str, args: Sequence[Any]) -> Answer:
    for attempt in range(RETRIES + 1):
        if attempt:
            # The aggregator moves to a shard's other mirror once it has seen this one fail (ha_strategy).
            time.sleep(RETRY_PAUSE[attempt - 1])
        with conn.cursor() as cur:
            cur.execute(sql, args or None)
            rows = list(cur.fetchall())
            facets = []
            while cur.nextset():
                facets.append(list(cur.fetchall()))
            cur.execute("SHOW META")
            meta = {str(k): str(v) for k, v in cur.fetchall()}
        if not meta.get("warning") and dialect.exact_total(meta):
            return Answer(rows, facets, meta)
    raise PartialResult(f"the cluster answered with a warning {RETRIES + 1} times: {meta.get('warning')}")


def write(conn: Any, sql: str) -> None:
    import pymysql

    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
        raise _lost(exc) from exc
