"""The cluster as an engine: search (totals, facets, hits) through the aggregator.

Being built (issue #14). What it answers already agrees with the local engine on the seeds
(tests/test_sphinxql.py): totals and every facet's counts for quoted strings, unquoted terms
matched by their text or the place they name, OR / NOT, and every filter; hits are the stored
passages ranked by Sphinx's BM25 (not yet the local engine's ranking). Not yet: the window rule
(b), wildcards, collapsing copies, counting articles in facets, the analysis views, the fault policy's
replica journal.
"""

from __future__ import annotations

import json
from typing import Any

from ...fields import FACETS
from ...model import StoredPassage
from ...query import ParsedQuery
from ..base import Count, EngineHit, EngineResult, Filters, Sort
from . import client, queries, schema
from .cluster import ClusterConfig

# OPTION max_matches: facet and group counts are exact only when it is at least the distinct
# values per shard (2,269 counties at 100 MB), and paging needs offset + limit.
MAX_MATCHES = 10_000
_ORDER = {
    "relevance": "ORDER BY WEIGHT() DESC, id ASC",
    "date": "ORDER BY date_start DESC, id ASC",
    # The undated (0) after every dated passage, as the local engine lists them.
    "date-asc": "ORDER BY day ASC, id ASC",
}


class ClusterEngine:
    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            agg = self.config.aggregator
            self._conn = client.connect(agg.host, agg.sql_port)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def search(
        self,
        query: ParsedQuery,
        filters: Filters,
        limit: int,
        offset: int,
        sort: Sort,
        collapse: bool = True,
        facet_size: int | None = None,
        count: Count = "passages",
    ) -> EngineResult:
        if count != "passages":
            raise queries.Unsupported("counting articles in facets is not supported on the cluster engine yet")
        match = queries.match_expression(query)
        conditions = queries.where(filters)
        args: list[Any] = []
        if match is not None:
            conditions.insert(0, "MATCH(%s)")
            args.append(match)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        max_matches = max(MAX_MATCHES, offset + limit)
        facet_sql = " ".join(f"FACET {name} ORDER BY COUNT(*) DESC LIMIT {max_matches}" for name in FACETS)
        conn = self._connection()
        # An expression in the select list and FACET fail together on a distributed index
        # ("column ... not found in result set schema"): oldest-first hits are a query of their own.
        day = ", IF(date_start = 0, 99999999, date_start) AS day" if sort == "date-asc" else ""
        head = f"SELECT id, stored{day} FROM {schema.DISTRIBUTED}{where} {_ORDER[sort]} LIMIT {offset},{limit} "
        option = f"OPTION max_matches={max_matches}, ranker=bm25"
        if day:
            rows = client.read(conn, head + option, args).rows
            answer = client.read(conn, f"SELECT id FROM {schema.DISTRIBUTED}{where} LIMIT 0 {option} {facet_sql}", args)
            answer.rows = rows
        else:
            answer = client.read(conn, f"{head}{option} {facet_sql}", args)
        total = answer.total
        hits = [EngineHit(_stored(row[1]), 0.0) for row in answer.rows]
        known = schema.known_values(self.config.data_dir)
        facets: dict[str, dict[str, int]] = {}
        distinct: dict[str, int] = {}
        for name, rows in zip(FACETS, answer.facets):
            counted = {}
            for code, n in rows:
                if int(code) == 0:
                    continue
                value = str(code) if name == "year" else known.get(name, {}).get(int(code), f"#{code}")
                counted[value] = int(n)
            ordered = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
            distinct[name] = len(ordered)
            facets[name] = dict(ordered[:facet_size] if facet_size is not None else ordered)
        articles = client.read(
            conn, f"SELECT doc FROM {schema.DISTRIBUTED}{where} GROUP BY doc LIMIT 0 OPTION max_matches={max_matches}", args
        ).total
        return EngineResult(
            total=total, hits=hits, facets=facets, collapsed_total=total, facet_distinct=distinct, articles=articles
        )


def _stored(raw: str | bytes) -> StoredPassage:
    fields = json.loads(raw)
    return StoredPassage(**fields)
