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
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from ...analysis import analyzer_id, fold
from ...dates import date_key
from ...fields import FACETS
from ...matching import term_spans
from ...model import ArticleRef, IndexStats, StoredPassage
from ...query import ParsedQuery
from ..base import Count, Distribution, EngineHit, EngineResult, Filters, MergeReport, Sort
from ..columnar.locking import WriteLock
from . import client, dialect, queries, ranking, schema
from .cluster import ClusterConfig
from .writer import ClusterWriter

# OPTION max_matches: facet and group counts are exact only when it is at least the distinct
# values per shard (2,269 counties at 100 MB), and paging needs offset + limit.
MAX_MATCHES = 10_000
# Files and articles a listing may hold (Sphinx allocates its sorter by max_matches: a million
# made every GROUP BY take a second).
MAX_FILES = 200_000
# Export reads the matches in batches of this many, and at most this many in all.
EXPORT_BATCH = 2_000
MAX_EXPORTED = 500_000
# Buckets of a distribution (counties x years at most; the sorter Sphinx allocates grows with it).
MAX_BUCKETS = 50_000
# Candidates the application ranks when a query has more matches (every match when fewer).
POOL = 3000
# Rows an inexact term's superset may bring to check in the app (their text is read).
MAX_CHECKED = 20_000
# The sort key of each order and its direction (ties by id); oldest first lists the undated (0)
# after every dated passage, as the local engine does.
_KEYS = {
    "relevance": ("WEIGHT()", "DESC"),
    "date": ("date_start", "DESC"),
    "date-asc": ("IF(date_start = 0, 99999999, date_start)", "ASC"),
}


class ClusterEngine:
    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self._conn: Any = None
        self._lock: WriteLock | None = None
        # Reads the aggregator left partial (a replica down) and the shards answered instead.
        self.gathered = 0
        self._stats: tuple[int, ranking.Collection] | None = None

    # --- writing: the indexer's calls -------------------------------------------------------

    def writing(self) -> AbstractContextManager[None]:
        """The cluster's write lock, a file in its data folder: one indexing run at a time."""
        if self._lock is None:
            self._lock = WriteLock(self.config.data_dir)
        return self._lock.holding()

    def writer(self) -> ClusterWriter:
        return ClusterWriter(self.config)

    def indexed_files(self) -> dict[str, str]:
        """path_key -> content hash of every file in the cluster (one row of each file's)."""
        answer = client.read(
            self._connection(),
            f"SELECT file_id, stored FROM {schema.DISTRIBUTED} GROUP BY file_id LIMIT {MAX_FILES} {dialect.options(MAX_FILES)}",
        )
        if answer.total > MAX_FILES:
            raise queries.Unsupported(f"the cluster holds over {MAX_FILES:,} files; listing them needs paging (not yet)")
        out = {}
        for _, raw in answer.rows:
            fields = json.loads(raw)
            out[fields["path_key"]] = fields["content_hash"]
        return out

    def files_stored_twice(self) -> list[str]:
        return []  # rows are keyed by file and passage: writing a file again replaces its rows

    def merge(self, optimize: bool = False) -> MergeReport:
        return MergeReport(0, 0, 0, 0, 0, 0)  # each RT index merges its own disk chunks

    def warm(self) -> None:
        pass

    def generation(self) -> int:
        return schema.generation(self.config.data_dir)

    # --- reading -----------------------------------------------------------------------------

    def document(self, doc_id: str) -> list[StoredPassage]:
        answer = client.read(
            self._connection(),
            f"SELECT id, stored FROM {schema.DISTRIBUTED} WHERE doc = {schema.row_id(doc_id, '')} "
            f"ORDER BY file_id ASC, paragraph ASC LIMIT {MAX_MATCHES} {dialect.options(MAX_MATCHES)}",
        )
        return [_stored(raw) for _, raw in answer.rows]

    def articles(self, query: ParsedQuery, filters: Filters) -> list[ArticleRef]:
        """Every article with a passage the query and filters keep, in index order (files by path,
        articles in file order), from its first passage; ``passages`` all its passages."""
        conditions, args = self._matching(query, filters)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        kept = self._read(
            f"SELECT doc, COUNT(*) AS n FROM {{index}}{where} GROUP BY doc LIMIT {MAX_FILES} {dialect.options(MAX_FILES)}",
            args,
        ).rows
        if not kept:
            return []
        codes = ",".join(str(int(row[0])) for row in kept)
        # Each article as its first passage (the title passage) shows it, and all its passages counted.
        everything = self._read(
            f"SELECT doc, stored, COUNT(*) AS n FROM {{index}} WHERE doc IN ({codes}) GROUP BY doc "
            f"WITHIN GROUP ORDER BY paragraph ASC LIMIT {MAX_FILES} {dialect.options(MAX_FILES)}"
        ).rows
        matches = {int(doc): int(n) for doc, n in kept}
        out = []
        for doc, raw, n in everything:
            f = json.loads(raw)
            ref = ArticleRef(
                f["doc_id"],
                f["title"] or "",
                f["source"] or "",
                f["province"],
                f["city"],
                f["county"],
                f["date"],
                int(n),
                f["doc_type"],
                matches.get(int(doc), 0),
                f.get("compilation"),
                f.get("collection"),
            )
            out.append(((f["path_key"], f.get("seq", 0)), ref))
        return [ref for _, ref in sorted(out, key=lambda t: t[0])]

    # --- not on the cluster yet: a message naming what, never an AttributeError ---------------

    def _not_yet(self, what: str) -> queries.Unsupported:
        return queries.Unsupported(
            f"{what} is not supported on the cluster engine yet; use a local index for it (searcher --index-dir DIR index PATH)",
            f"集群引擎暂不支持{what}；请使用本机索引。",
        )

    def iter_hits(self, query: ParsedQuery, filters: Filters, sort: Sort) -> tuple[int, Iterator[EngineHit]]:
        """Every match in result order, for export: read in id order (a cursor, no growing
        max_matches), then ordered in the application as the local engine orders them (relevance:
        its score; dates: newest or oldest first, undated last; ties by file, then place in it)."""
        conditions, args = self._matching(query, filters)
        rows: list[tuple[Any, ...]] = []
        last = 0
        while True:
            where = " AND ".join([*conditions, f"id > {last}"])
            batch = self._read(
                f"SELECT id, stored FROM {{index}} WHERE {where} ORDER BY id ASC LIMIT {EXPORT_BATCH} "
                f"{dialect.options(EXPORT_BATCH)}",
                args,
            ).rows
            rows += batch
            if len(rows) > MAX_EXPORTED:
                raise self._not_yet(f"exporting more than {MAX_EXPORTED:,} passages")
            if len(batch) < EXPORT_BATCH:
                break
            last = max(int(r[0]) for r in batch)
        collection = self._collection(ranking.query_words(query)) if sort == "relevance" and query.must else None
        keyed = []
        for row_id, raw in rows:
            f = json.loads(raw)
            score = ranking.score(query, f, collection) if collection is not None else 0.0
            day = date_key(f["date"], end=False) if f.get("date") else 0
            if collection is not None:
                key: tuple[Any, ...] = (-score,)
            elif sort == "date-asc":
                key = (day == 0, day)
            else:
                key = (-day,)
            keyed.append((*key, f["path_key"], f.get("seq", 0), int(row_id), score, raw))
        keyed.sort(key=lambda t: t[:-2])
        return len(keyed), (EngineHit(_stored(t[-1]), round(t[-2], 4)) for t in keyed)

    def distribution(self, query: ParsedQuery, filters: Filters, by: tuple[str, ...]) -> Distribution:
        """Per bucket of ``by`` (facet fields; every bucket the filters keep, matched or not):
        matching passages, distinct articles among them (exact summed over shards: an article
        lives on one), all passages of the bucket."""
        if len(by) > 2:
            raise self._not_yet("a distribution over more than two fields")
        unknown = [name for name in by if name not in schema.CODE_ATTRS]
        if unknown:
            raise self._not_yet(f"a distribution by {', '.join(unknown)}")
        key = {0: "0", 1: by[0] if by else "0", 2: f"{by[0]}*4294967296+{by[1]}" if len(by) == 2 else ""}[len(by)]
        base_where = queries.where(filters)
        matched_where, args = self._matching(query, filters)

        def counted(conditions: list[str], values: list[Any], what: str) -> dict[int, int]:
            where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            answer = self._read(
                f"SELECT {key} AS g, {what} AS n FROM {{index}}{where} GROUP BY g "
                f"LIMIT {MAX_BUCKETS} {dialect.options(MAX_BUCKETS)}",
                values,
            )
            if answer.total > MAX_BUCKETS:
                raise self._not_yet(f"a distribution of more than {MAX_BUCKETS:,} buckets")
            rows = answer.rows
            out: dict[int, int] = {}
            for g, n in rows:  # one row a bucket, or one per shard when the shards answered
                out[int(g)] = out.get(int(g), 0) + int(n)
            return out

        passages = counted(base_where, [], "COUNT(*)")
        matched = counted(matched_where, args, "COUNT(*)")
        articles = counted(matched_where, args, "COUNT(DISTINCT doc)")
        known = schema.known_values(self.config.data_dir)

        def value(name: str, code: int) -> str:
            if not code:
                return ""
            return str(code) if name == "year" else known.get(name, {}).get(code, f"#{code}")

        keys = []
        for g in passages:
            parts = [g] if len(by) == 1 else [g >> 32, g & 0xFFFFFFFF] if len(by) == 2 else []
            keys.append((tuple(value(name, code) for name, code in zip(by, parts)), g))
        keys.sort()
        return Distribution(
            tuple(by),
            [k for k, _ in keys],
            [matched.get(g, 0) for _, g in keys],
            [articles.get(g, 0) for _, g in keys],
            [passages[g] for _, g in keys],
        )

    def _matching(self, query: ParsedQuery, filters: Filters) -> tuple[list[str], list[Any]]:
        """The WHERE conditions and arguments of the passages the query and filters keep."""
        plan = queries.plan(query)
        conditions = queries.where(filters)
        false = self._false_matches(plan, conditions)
        args: list[Any] = []
        if plan.expression is not None:
            conditions.insert(0, "MATCH(%s)")
            args.append(plan.expression)
        if false:
            conditions.append(f"id NOT IN ({','.join(map(str, sorted(false)))})")
        return conditions, args

    def word_counts(self, query: ParsedQuery, filter_sets: list[Filters]) -> Any:
        raise self._not_yet("collocates and keyness")

    def word_totals(self, filters: Filters, words: Any) -> Any:
        raise self._not_yet("collocates and keyness")

    def match_texts(self, query: ParsedQuery, filters: Filters, sort: Sort | None) -> Any:
        raise self._not_yet("the concordance")

    def word_strings(self, words: Any) -> dict[int, str]:
        raise self._not_yet("collocates and keyness")

    def duplicate_articles(self, min_share: float = 0.5) -> list[Any]:
        raise self._not_yet("the dupes report")

    def all_passages(self) -> Any:
        raise self._not_yet("reading every passage")

    def nearest_words(self, term: str, limit: int) -> list[str]:
        return []  # "did you mean" needs the word list: not on the cluster yet

    def stats(self) -> IndexStats:
        conn = self._connection()
        passages = client.read(conn, f"SELECT id FROM {schema.DISTRIBUTED} LIMIT 0 {dialect.options(1)}").total

        def distinct(attr: str) -> int:
            # Exact while max_matches holds every group of a shard.
            sql = f"SELECT {attr} FROM {schema.DISTRIBUTED} WHERE {attr} > 0 GROUP BY {attr} LIMIT 0"
            return client.read(conn, f"{sql} {dialect.options(MAX_FILES)}").total

        years = client.read(
            conn,
            f"SELECT year, COUNT(*) AS n FROM {schema.DISTRIBUTED} WHERE year > 0 GROUP BY year ORDER BY year ASC "
            f"LIMIT 1000 {dialect.options(1000)}",
        ).rows
        return IndexStats(
            documents=distinct("doc"),
            files=distinct("file_id"),
            passages=passages,
            provinces=distinct("province"),
            cities=distinct("city"),
            counties=distinct("county"),
            years={str(y): int(n) for y, n in years},
            index_bytes=0,
            analyzer=analyzer_id(),
            engine=f"sphinxql ({self.config.shards} shards x {self.config.replicas} replicas)",
        )

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
        conditions, args = self._matching(query, filters)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        max_matches = max(MAX_MATCHES, offset + limit)
        facet_sql = " ".join(f"FACET {name} ORDER BY COUNT(*) DESC LIMIT {max_matches}" for name in FACETS)
        answer = self._read(f"SELECT id FROM {{index}}{where} LIMIT 0 {dialect.options(max_matches)} {facet_sql}", args)
        total = answer.total
        if sort == "relevance" and query.must and limit:
            hits = self._ranked(query, where, args, total, offset, limit)
        else:
            key, direction = _KEYS[sort]
            hits_sql = (
                f"SELECT id, stored, {key} AS k FROM {{index}}{where} ORDER BY k {direction}, id ASC "
                f"LIMIT {{offset}},{{limit}} {dialect.options(max_matches)}"
            )
            rows = self._read(hits_sql, args, offset, limit, descending=direction == "DESC").rows if limit else []
            hits = [EngineHit(_stored(row[1]), 0.0) for row in rows]
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
        articles = self._read(f"SELECT doc FROM {{index}}{where} GROUP BY doc LIMIT 0 {dialect.options(max_matches)}", args).total
        return EngineResult(
            total=total, hits=hits, facets=facets, collapsed_total=total, facet_distinct=distinct, articles=articles
        )

    def _ranked(self, query: ParsedQuery, where: str, args: list[Any], total: int, offset: int, limit: int) -> list[EngineHit]:
        """The page of hits in the local engine's order: every match scored in the application when
        there are at most ``POOL`` (exact), else the cluster's best ``POOL`` by tf-idf of the words."""
        pool = max(POOL, 2 * (offset + limit))
        words = ranking.query_words(query)
        match_args = list(args)
        if words and args:
            fields = [
                (name, prefix) for name, prefix in (("words", schema.WORD), ("title", schema.TITLE), ("section", schema.SECTION))
            ]
            maybe = " | ".join(
                f"(@{name} " + " | ".join(schema.word_token(w, prefix) for w in words) + ")" for name, prefix in fields
            )
            match_args[0] = f"({args[0]}) MAYBE ({maybe})"
        collection = self._collection(words)
        ranker = dialect.candidate_ranker(collection.average_length, _shortest_term(query))
        sql = (
            f"SELECT id, stored, WEIGHT() AS k FROM {{index}}{where} ORDER BY k DESC, id ASC LIMIT {{offset}},{{limit}} "
            f"{dialect.options(max(pool, MAX_MATCHES), ranker)}"
        )
        rows = self._read(sql, match_args, 0, min(total, pool), descending=True).rows
        scored = []
        for row_id, raw, _ in rows:
            fields = json.loads(raw)
            scored.append((-ranking.score(query, fields, collection), fields["path_key"], fields.get("seq", 0), int(row_id), raw))
        scored.sort()
        return [EngineHit(_stored(raw), round(-neg, 4)) for neg, _, _, _, raw in scored[offset : offset + limit]]

    def _collection(self, words: list[str]) -> ranking.Collection:
        """Passages, their average length in words and each word's document frequency, per generation."""
        generation = self.generation()
        if self._stats is None or self._stats[0] != generation:
            answer = self._read("SELECT COUNT(*) AS c, SUM(doclen) AS s FROM {index} LIMIT 1")
            # One row through the aggregator; one per shard when the shards answered instead.
            count, length = sum(int(r[0]) for r in answer.rows), sum(int(r[1]) for r in answer.rows)
            self._stats = (generation, ranking.Collection(count, length / count if count else 0.0, {}))
        collection = self._stats[1]
        for w in words:
            if w not in collection.frequency:
                found = self._read(
                    "SELECT id FROM {index} WHERE MATCH(%s) LIMIT 0 " + dialect.options(1), [f"@words {schema.word_token(w)}"]
                )
                collection.frequency[w] = found.total
        return collection

    def _read(
        self, template: str, args: list[Any] | None = None, offset: int = 0, limit: int = 0, descending: bool = False
    ) -> client.Answer:
        """``template`` (``{index}``, and ``{offset}``, ``{limit}`` for hits) through the aggregator;
        if it stays partial (a replica died under it), from each shard's replicas directly, merged:
        totals and facet counts summed (shards hold disjoint passages, and each article is on
        one shard), hits merged by their sort key ``k`` then id."""
        args = args or []
        try:
            return client.read(self._connection(), template.format(index=schema.DISTRIBUTED, offset=offset, limit=limit), args)
        except client.PartialResult:
            self.gathered += 1
        parts = [
            self._read_shard(s, template.format(index=schema.shard_index(s), offset=0, limit=offset + limit), args)
            for s in range(self.config.shards)
        ]
        rows = [r for part in parts for r in part.rows]
        if limit:
            rows.sort(key=lambda r: (-r[2] if descending else r[2], r[0]))
            rows = rows[offset : offset + limit]
        facets = []
        for lists in zip(*(part.facets for part in parts)):
            summed: dict[Any, int] = {}
            for facet in lists:
                for value, n in facet:
                    summed[value] = summed.get(value, 0) + int(n)
            facets.append(list(summed.items()))
        return client.Answer(rows, facets, {"total_found": str(sum(part.total for part in parts))})

    def _read_shard(self, shard: int, sql: str, args: list[Any]) -> client.Answer:
        problems = []
        for node in self.config.replicas_of(shard):
            try:
                conn = client.connect(node.host, node.sql_port)
            except client.Unreachable as exc:
                problems.append(str(exc))
                continue
            try:
                return client.read(conn, sql, args)
            except client.Unreachable as exc:
                problems.append(str(exc))
            finally:
                conn.close()
        raise client.Unreachable(f"no replica of shard {shard} answers: {'; '.join(problems)}")

    def _false_matches(self, plan: queries.Plan, conditions: list[str]) -> set[int]:
        """Rows the expression keeps through an inexact term's superset that the term does not match."""
        false: set[int] = set()
        for check in plan.checks:
            where = " AND ".join(["MATCH(%s)", *conditions])
            answer = self._read(
                f"SELECT id, stored FROM {{index}} WHERE {where} LIMIT {MAX_CHECKED} {dialect.options(MAX_CHECKED)}",
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


def _shortest_term(query: ParsedQuery) -> int:
    """The fewest words of a positive term (a title holding them in a row gets the title bonus)."""
    counts = [len(ranking.term_words(t.text)) for t in query.positive_terms()]
    return max(1, min(counts, default=1))


_NOT_STORED_FIELDS = ("is_title", "place_names", "seq", "words")  # kept for ranking, not part of StoredPassage


def _stored(raw: str | bytes) -> StoredPassage:
    fields = json.loads(raw)
    for name in _NOT_STORED_FIELDS:
        fields.pop(name, None)
    return StoredPassage(**fields)
