"""What is particular to the server: Sphinx 2.2 here, Manticore Search in production.

Every choice below was measured on Sphinx 2.2.11 (../shared/notes/sphinxql-facts.md); the
Manticore value (from its manual, not run here) is in the comment beside it. A port changes
this module (and, if its tokenizer is used, ``schema.CHARSET``), nothing else.

- Totals: Sphinx's ``total_found`` is exact without ``cutoff``. Manticore stops counting early
  unless told: ``OPTION cutoff=0``, and ``SHOW META`` then says ``total_relation: eq`` (anything
  else is not a total to show).
- Ranking: Sphinx 2.2's ``bm25a`` scores every row of an RT index filled by INSERT alike, so the
  cluster only picks candidates (tf-idf of the words) and the application ranks them
  (``ranking``). Manticore's ``bm25a``/``bm25f`` work on RT with ``index_field_lengths``; the
  application's ranking stays (it adds the local engine's bonuses) but the candidates could be
  picked by ``bm25a`` directly.
- Replication: none in Sphinx 2.2 — the writer writes every replica and keeps a journal
  (``journal``). Manticore replicates RT tables itself (``CREATE CLUSTER`` / ``ALTER CLUSTER ...
  ADD``, Galera): the writer would write one node per shard and the journal would go.
- Chinese: Sphinx 2.2 has no segmenter and rejects the ``cjk`` / ``non_cjk`` charset aliases;
  words are sent already segmented. Manticore has ``charset_table = non_cjk, cjk`` and
  ``morphology = jieba_chinese``; searcher keeps sending its own analyzer's words (one analyzer
  for indexing and querying, stamped into the index).
- Mirrors: ``ha_strategy = nodeads`` moved away from a killed replica fastest here (``noerrors``
  left more partial answers); Manticore has the same strategies, plus ``mirror_retry_count``.
- ``workers = threads`` is required by Sphinx 2.2 for RT indexes; Manticore always uses threads
  and rejects the option in recent versions.
"""

from __future__ import annotations

SERVER = "sphinx-2.2"
SEARCHD_LINES = ("workers = threads",)  # Manticore: ()
HA_STRATEGY = "nodeads"
REPLICATES = False  # Manticore: True (Galera); the journal would not be needed


def candidate_ranker(average_length: float, term_words: int) -> str:
    """How the cluster orders candidates for the application's ranking, close to the local
    engine's: BM25 of the words field (tf_idf over tf + the length norm from the ``doclen``
    attribute; exact for one word), the title and section bonuses (all of a term's words in a row
    there: ``lcs``), bare headings damped. Manticore: ``bm25a(1.2,0.75)`` works on RT and could
    replace the first part."""
    avg = max(average_length, 1.0)
    bm25 = f"if(user_weight=1000, tf_idf*2.2/(hit_count+1.2*(0.25+0.75*doclen/{avg:.3f})), 0)"
    bonus = f"if(user_weight=7 and lcs>={term_words}, 1.5, 0) + if(user_weight=5 and lcs>={term_words}, 1.2, 0)"
    return (
        f"ranker=expr('sum({bm25} + {bonus})*if(heading=1,0.5,1)*1000000'), idf='plain,tfidf_unnormalized', "
        "field_weights=(words=1000, title=7, section=5, qchars=1, mchars=1, place=1)"
    )


def options(max_matches: int, *more: str) -> str:
    """The OPTION clause of a read: every count exact (Manticore: add ``cutoff=0``)."""
    return "OPTION " + ", ".join([f"max_matches={max_matches}", *more])


def exact_total(meta: dict[str, str]) -> bool:
    """Whether SHOW META's total is the true one (Manticore: ``total_relation`` must be ``eq``)."""
    return meta.get("total_relation", "eq") == "eq"
