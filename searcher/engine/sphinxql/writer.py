"""Writing passages to every replica of their shard (Sphinx 2.2 has no replication).

Rows are buffered per shard and written at ``commit`` with REPLACE (idempotent: a replica that
missed a commit is brought up to date by writing it again), in batches that fit
``max_packet_size``. A file's passages are removed from every replica of every shard by its
file id.
"""

from __future__ import annotations

from typing import Any

from ...analysis import words as analyzer_words
from ...dates import date_key
from ...matching import matching_text
from ...model import Document, Passage
from . import client, schema
from .cluster import ClusterConfig
from .journal import Journal, apply_pending

BATCH = 200
_COLUMNS = ("id", *schema.TEXT_FIELDS, *schema.UINT_ATTRS, *schema.BIGINT_ATTRS, *schema.MULTI_ATTRS, *schema.STRING_ATTRS)


def passage_row(p: Passage, path_key: str, content_hash: str, seq: int = 0) -> tuple[Any, ...]:
    """The row of one analysed passage, in ``_COLUMNS`` order (multi-value attributes as "(1,2)")."""
    a = p.analyzed
    if a is None:
        raise ValueError(f"passage {p.id} was not analysed; call analysis.analyze_document first")
    folded = a.folded
    plain = "".join(folded.split())
    starts, lengths = a.word_starts, a.word_lengths
    words = (
        [plain[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist())] if plain.isascii() or max(plain) <= "\uffff" else []
    )
    stored = {
        "id": p.id,
        "doc_id": p.doc_id,
        "title": p.title,
        "source": p.source,
        "paragraph": p.paragraph,
        "section": p.section,
        "text": p.text,
        "province": p.place.province,
        "city": p.place.city,
        "county": p.place.county,
        "doc_type": p.doc_type,
        "date": p.date,
        "is_heading": p.is_heading,
        "is_title": p.is_title,
        "seq": seq,  # its place in its file: ties in ranking go by file, then this
        # its words as indexed: ranking counts them without segmenting the text again
        "words": " ".join(words) if words else None,
        "place_names": list(a.place_names),
        "page": p.page,
        "compilation": p.compilation,
        "collection": p.collection,
        "path_key": path_key,
        "content_hash": content_hash,
    }
    places = sorted({schema.value_code(v) for v in (p.place.city, p.place.county) if v})
    year = int(p.date[:4]) if p.date else 0
    values = {
        "id": schema.row_id(path_key, p.id),
        "qchars": schema.char_tokens(folded),
        "mchars": schema.char_tokens(matching_text(folded)),
        "words": " ".join(schema.word_token(w) for w in words),
        "title": " ".join(schema.word_token(w, schema.TITLE) for w in analyzer_words(p.title or "")),
        "section": " ".join(schema.word_token(w, schema.SECTION) for w in analyzer_words(p.section or "")),
        "place": " ".join(schema.word_token(n, schema.PLACE) for n in a.place_names),
        "province": schema.value_code(p.place.province),
        "city": schema.value_code(p.place.city),
        "county": schema.value_code(p.place.county),
        "doc_type": schema.value_code(p.doc_type),
        "collection": schema.value_code(p.collection),
        "year": year,
        "date_start": date_key(p.date, end=False) if p.date else 0,
        "date_end": date_key(p.date, end=True) if p.date else 0,
        "paragraph": p.paragraph,
        "doclen": len(a.text_hashes),
        "heading": int(p.is_heading and not p.is_title),  # damped in ranking
        "file_id": schema.file_id(path_key),
        "content": int(content_hash[:15], 16) if content_hash else 0,
        "doc": schema.row_id(p.doc_id, ""),
        "places": places,
        "stored": schema.stored_json(stored),
    }
    return tuple(values[c] for c in _COLUMNS)


class ClusterWriter:
    """Adds and removes passages on every replica of their shard; nothing is visible before ``commit``."""

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self._rows: dict[int, list[tuple[Any, ...]]] = {}
        self._deleted: list[int] = []
        self._values: dict[str, dict[int, str]] = {}
        self._seq: dict[str, int] = {}

    def delete_file(self, path_key: str) -> None:
        self._deleted.append(schema.file_id(path_key))

    def add_document(self, doc: Document, path_key: str, content_hash: str) -> None:
        shard = schema.shard_of(doc.doc_id, self.config.shards)
        start = self._seq.get(path_key, 0)
        self._seq[path_key] = start + len(doc.passages)
        self._rows.setdefault(shard, []).extend(
            passage_row(p, path_key, content_hash, start + k) for k, p in enumerate(doc.passages)
        )
        for p in doc.passages:
            for name, value in (
                ("province", p.place.province),
                ("city", p.place.city),
                ("county", p.place.county),
                ("doc_type", p.doc_type),
                ("collection", p.collection),
            ):
                if value:
                    self._values.setdefault(name, {})[schema.value_code(value)] = value

    def commit(self) -> None:
        """Journal each shard's statements, then apply what each replica lacks (this commit and any
        it missed). A replica that is down gets them when it starts again (``journal.start_replica``);
        a shard none of whose replicas answers is an error, its entry kept for them."""
        journal = Journal(self.config)
        down: list[str] = []
        for shard in range(self.config.shards):
            rows = self._rows.get(shard, [])
            index = schema.shard_index(shard)
            statements = [f"DELETE FROM {index} WHERE file_id = {int(fid)}" for fid in self._deleted]
            statements += [_replace_sql(index, rows[start : start + BATCH]) for start in range(0, len(rows), BATCH)]
            if statements:
                journal.append(shard, statements)
            took = 0
            for node in self.config.replicas_of(shard):
                try:
                    apply_pending(journal, node, node.host, node.sql_port)
                    took += 1
                except (client.Unreachable, OSError) as exc:
                    down.append(f"{node.name} ({exc})")
            if statements and not took:
                raise client.Unreachable(
                    f"no replica of shard {shard} answered ({'; '.join(down)}); the writes are kept in the journal "
                    "and applied when one starts again: searcher cluster start CLUSTER.toml"
                )
        schema.remember_values(self.config.data_dir, self._values)
        schema.bump_generation(self.config.data_dir)
        self._rows, self._deleted, self._values = {}, [], {}

    def cancel(self) -> None:
        self._rows, self._deleted = {}, []


def _replace_sql(index: str, rows: list[tuple[Any, ...]]) -> str:
    """One REPLACE of many rows, values escaped (SphinxQL takes no parameters for MVA tuples)."""
    from pymysql.converters import escape_string

    def literal(v: Any) -> str:
        if isinstance(v, list):
            return "(" + ",".join(str(int(x)) for x in v) + ")"
        if isinstance(v, int):
            return str(v)
        return "'" + escape_string(str(v)) + "'"

    values = ",".join("(" + ",".join(literal(v) for v in row) + ")" for row in rows)
    return f"REPLACE INTO {index} ({','.join(_COLUMNS)}) VALUES {values}"
