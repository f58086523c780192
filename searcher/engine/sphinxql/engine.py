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

from ...analysis import fold
from ...fields import FACETS
from ...matching import term_spans
from ...model import StoredPassage
from ...query import ParsedQuery
from ..base import Count, EngineHit, EngineResult, Filters, Sort
from . import client, queries, schema
from .cluster import ClusterConfig

# OPTION max_matches: facet and group counts are exact only when it is at least the distinct
# values per shard (2,269 counties at 100 MB), and paging needs offset + limit.
MAX_MATCHES = 10_000
# Rows an inexact term's superset may bring to check in the app (their text is read).
MAX_CHECKED = 20_000
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
        plan = queries.plan(query)
        conditions = queries.where(filters)
        conn = self._connection()
        false = self._false_matches(conn, plan, conditions)
        args: list[Any] = []
        if plan.expression is not None:
            conditions.insert(0, "MATCH(%s)")
            args.append(plan.expression)
        if false:
            conditions.append(f"id NOT IN ({','.join(map(str, sorted(false)))})")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        max_matches = max(MAX_MATCHES, offset + limit)
        facet_sql = " ".join(f"FACET {name} ORDER BY COUNT(*) DESC LIMIT {max_matches}" for name in FACETS)
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

    def _false_matches(self, conn: Any, plan: queries.Plan, conditions: list[str]) -> set[int]:
        """Rows the expression keeps through an inexact term's superset that the term does not match."""
        false: set[int] = set()
        for check in plan.checks:
            where = " AND ".join(["MATCH(%s)", *conditions])
            answer = client.read(
                conn,
                f"SELECT id, stored FROM {schema.DISTRIBUTED} WHERE {where} LIMIT {MAX_CHECKED} OPTION max_matches={MAX_CHECKED}",
                [check.expression],
            )
            if answer.total > MAX_CHECKED:
                raise queries.Unsupported(
                    f"{check.term.text} needs {answer.total:,} passages checked one by one (at most {MAX_CHECKED:,}); "
                    "quote it or add a word"
                )
            for row_id, raw in answer.rows:
                if not term_spans(fold(json.loads(raw)["text"]), check.term):
                    false.add(int(row_id))
        return false


def _stored(raw: str | bytes) -> StoredPassage:
    fields = json.loads(raw)
    return StoredPassage(**fields)
