"""Identical and near-identical passages: MinHash signatures and LSH grouping.

The same paragraph circulates through many reports and compilations, sometimes with a
word changed. Two passages are near-duplicates when the Jaccard similarity of their sets
of character 4-grams (folded text, whitespace and punctuation removed) is at least
``THRESHOLD`` (0.7, as estimated from 64 MinHash values: one changed phrase in a typical 200-character paragraph still
groups; two paragraphs that merely share a slogan do not). Passages shorter than
``MIN_CHARS`` (headings, captions) are never grouped: identical headings such as
一、主要做法 are not copies of anything.

Signatures are 64 MinHash values (one-permutation hashing of the 4-grams). Candidate
pairs come from 16 bands of 4 rows (LSH); each candidate is then checked against the
estimated Jaccard of the full signatures, and groups are the connected components.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

import numpy as np

THRESHOLD = 0.7
MIN_CHARS = 30
HASHES = 64
BANDS = 16
ROWS = HASHES // BANDS
EMPTY = np.uint32(0xFFFFFFFF)

_MUL = np.uint64(0x9E3779B97F4A7C15)
_PAIR_CHUNK = 1 << 18


_NOT_ALNUM = re.compile(r"[\W_]+")  # exactly the characters for which str.isalnum() is false


def signature(folded: str) -> np.ndarray:
    """64 MinHash values of a passage's folded text (all EMPTY for a short passage)."""
    return signatures([folded])[0]


def signatures(folded_texts: list[str]) -> np.ndarray:
    """(len(folded_texts), 64) MinHash values, all passages of a document in one pass.

    One-permutation hashing: each 4-gram is hashed once and falls into one of 64 bins,
    each bin keeps its minimum, and empty bins borrow from the next non-empty one
    ("rotation" densification). As accurate as 64 independent hashes for texts this long,
    at a fraction of the cost. Batched because per-passage numpy calls cost more than the
    arithmetic.
    """
    n = len(folded_texts)
    sig = np.full((n, HASHES), EMPTY, dtype=np.uint32)
    kept = [_NOT_ALNUM.sub("", t) for t in folded_texts]
    rows = [i for i, t in enumerate(kept) if len(t) >= MIN_CHARS]
    if not rows:
        return sig
    parts = [np.frombuffer(kept[i].encode("utf-16-le"), dtype="<u2") for i in rows]
    lengths = np.array([len(p) for p in parts], dtype=np.int64)
    u = np.concatenate(parts).astype(np.uint64)
    grams = (u[:-3] << np.uint64(48)) | (u[1:-2] << np.uint64(32)) | (u[2:-1] << np.uint64(16)) | u[3:]
    # A 4-gram starting in the last three characters of a passage would run into the next one.
    ends = np.cumsum(lengths)
    row_of = np.repeat(np.array(rows, dtype=np.int64), lengths)[:-3]
    inside = np.ones(len(u), dtype=bool)
    for back in (1, 2, 3):
        inside[ends - back] = False
    inside = inside[:-3]
    grams, row_of = grams[inside], row_of[inside]
    with np.errstate(over="ignore"):
        h = grams * _MUL
        h ^= h >> np.uint64(29)
        h *= _MUL
    cell = row_of * HASHES + (h & np.uint64(HASHES - 1)).astype(np.int64)
    flat = sig.reshape(-1)
    np.minimum.at(flat, cell, (h >> np.uint64(32)).astype(np.uint32))
    for i in rows:
        row = sig[i]
        empty = row == EMPTY
        if empty.any():
            filled = np.flatnonzero(~empty)
            gaps = np.flatnonzero(empty)
            # each empty bin takes the value of the next filled bin (cyclically), offset by distance
            nxt = filled[np.searchsorted(filled, gaps) % len(filled)]
            row[empty] = row[nxt] ^ np.uint32(0x5BD1E995) * ((nxt - gaps) % HASHES).astype(np.uint32)
    return sig


def groups(signatures: np.ndarray, live: np.ndarray) -> np.ndarray:
    """For each passage, the smallest document number of its duplicate group, or -1.

    ``signatures`` is (n, HASHES) uint32; ``live`` masks deleted passages out. All numpy:
    candidate pairs per band are (first member of a bucket, each other member), checked in
    bulk, and groups are connected components found by min-label propagation.
    """
    n = len(signatures)
    usable = live & (signatures[:, 0] != EMPTY) if n else np.zeros(0, dtype=bool)
    idx = np.flatnonzero(usable)
    out = np.full(n, -1, dtype=np.int64)
    if len(idx) < 2:
        return out
    sigs = np.ascontiguousarray(signatures if len(idx) == n else signatures[idx])
    need = int(np.ceil(THRESHOLD * HASHES))
    m = len(idx)
    # Similar pairs as one int64 key (a * m + b, a the bucket's first member), kept distinct as
    # bands are added: memory stays at the distinct similar pairs, not every candidate of every
    # band (tens of millions for a million passages of a much-copied collection).
    pairs = np.zeros(0, dtype=np.int64)
    for band in range(BANDS):
        block = np.ascontiguousarray(sigs[:, band * ROWS : (band + 1) * ROWS])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * ROWS))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        bucket = np.cumsum(starts) - 1
        first = order[np.flatnonzero(starts)][bucket]
        others = order != first
        a, b = first[others], order[others]
        del keys, order, sorted_keys, starts, bucket, first, others
        found = [pairs]
        for start in range(0, len(a), _PAIR_CHUNK):
            ca, cb = a[start : start + _PAIR_CHUNK], b[start : start + _PAIR_CHUNK]
            similar = (sigs[ca] == sigs[cb]).sum(axis=1) >= need
            found.append(ca[similar].astype(np.int64) * m + cb[similar])
        pairs = np.concatenate(found)
        pairs.sort()
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    a, b = pairs // m, pairs % m
    if not len(a):
        return out
    label = np.arange(len(idx), dtype=np.int64)
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]  # pointer jumping
        if np.array_equal(label, before):
            break
    sizes = np.bincount(label, minlength=len(idx))
    grouped = sizes[label] > 1
    out[idx[grouped]] = idx[label[grouped]]
    return out


def duplicate_articles(
    doc_ids: np.ndarray,
    group_of: np.ndarray,
    live: np.ndarray,
    min_share: float = 0.5,
    max_group: int | None = None,
) -> list[tuple[int, int, int, int, int]]:
    """Pairs of articles sharing duplicate passages.

    Returns (doc code a, doc code b, shared groups, passages of a, passages of b), for pairs
    where the shared groups cover at least ``min_share`` of the smaller article. All numpy: the
    (group, article) pairs sorted, each paired with the ones 1, 2, ... places after it in its
    group, and the article pairs counted. With ``max_group``, groups spread over more articles
    than that (a slogan in every report) are not counted: their pairs grow with the square.
    """
    if not len(doc_ids):
        return []
    n_docs = int(doc_ids.max()) + 1
    counts = np.bincount(doc_ids[live], minlength=n_docs)
    grouped = live & (group_of >= 0)
    members = np.unique(group_of[grouped].astype(np.int64) * n_docs + doc_ids[grouped])
    group, doc = members // n_docs, members % n_docs
    if max_group is not None and len(group):
        starts = np.r_[True, group[1:] != group[:-1]]
        sizes = np.diff(np.r_[np.flatnonzero(starts), len(group)])
        small = np.repeat(sizes, sizes) <= max_group
        group, doc = group[small], doc[small]
    keys = np.zeros(0, dtype=np.int64)
    shared = np.zeros(0, dtype=np.int64)
    pending: list[np.ndarray] = []
    k = 1
    while k < len(group):
        same = group[k:] == group[:-k]
        if not same.any():
            break  # groups are runs: none holds two members this far apart
        pending.append(doc[:-k][same] * n_docs + doc[k:][same])  # a < b: sorted within a group
        k += 1
        if sum(len(p) for p in pending) > _PAIR_CHUNK * 8 or k >= len(group) or not (group[k:] == group[:-k]).any():
            keys, shared = _counted(keys, shared, np.concatenate(pending))
            pending = []
    if pending:
        keys, shared = _counted(keys, shared, np.concatenate(pending))
    a, b = keys // n_docs, keys % n_docs
    keep = shared >= min_share * np.minimum(counts[a], counts[b])
    a, b, shared = a[keep], b[keep], shared[keep]
    order = np.lexsort((b, a, -shared))
    return [(int(a[i]), int(b[i]), int(shared[i]), int(counts[a[i]]), int(counts[b[i]])) for i in order.tolist()]


def _counted(keys: np.ndarray, counts: np.ndarray, more: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` with their counts, ``more`` (each once) added."""
    all_keys = np.concatenate([keys, more])
    weights = np.concatenate([counts, np.ones(len(more), dtype=np.int64)])
    order = np.argsort(all_keys, kind="stable")
    all_keys, weights = all_keys[order], weights[order]
    starts = np.flatnonzero(np.r_[True, all_keys[1:] != all_keys[:-1]]) if len(all_keys) else np.zeros(0, dtype=np.int64)
    return all_keys[starts], np.add.reduceat(weights, starts) if len(starts) else weights


# A passage of one article is the same text as consecutive passages of a copy of that article,
# split into paragraphs differently (a PDF export joined two paragraphs, or broke one), when
# each of those passages is inside it and together they cover at least this share of it.
SPLIT_COVER = 0.9
SPLIT_PIECE_MIN = 8
# Copies of an article are found through the groups they share; a group spread over more articles
# than this is boilerplate, which tells no copy apart and costs pairs by the square.
SPLIT_MAX_GROUP = 32


def split_copies(
    doc_codes: np.ndarray, group_of: np.ndarray, live: np.ndarray, texts: Callable[[np.ndarray], list[str]]
) -> list[tuple[int, int]]:
    """Pairs of passages (document numbers) that are one text split differently in two copies of an article.

    Only copies the grouping found are looked into (article pairs of ``duplicate_articles``) and
    of those only the pairs where it left a passage ungrouped; their passages are read with
    ``texts`` and compared by their letters and digits alone (an export that dropped a …… or
    turned a comma into a full stop still holds the same text).
    """
    pairs = duplicate_articles(doc_codes, group_of, live, max_group=SPLIT_MAX_GROUP)
    if not pairs:
        return []
    articles = np.array(sorted({p[0] for p in pairs} | {p[1] for p in pairs}), dtype=np.int64)
    members = np.flatnonzero(live & np.isin(doc_codes, articles))
    loose_in = set(doc_codes[members[group_of[members] < 0]].tolist())
    pairs = [p for p in pairs if p[0] in loose_in or p[1] in loose_in]
    if not pairs:
        return []
    wanted = np.array(sorted({p[0] for p in pairs} | {p[1] for p in pairs}), dtype=np.int64)
    members = members[np.isin(doc_codes[members], wanted)]
    by_article: dict[int, list[int]] = defaultdict(list)
    for d, code in zip(members.tolist(), doc_codes[members].tolist()):
        by_article[code].append(d)
    text_of = dict(zip(members.tolist(), (_NOT_ALNUM.sub("", t) for t in texts(members))))
    edges: list[tuple[int, int]] = []
    for a, b, *_ in pairs:
        for whole_in, pieces_in in ((a, b), (b, a)):
            pieces = by_article.get(pieces_in, [])
            for x in by_article.get(whole_in, []):
                run = _pieces_of(text_of[x], pieces, text_of)
                # Already one group: nothing to join.
                if run and not (group_of[x] >= 0 and all(group_of[y] == group_of[x] for y in run)):
                    edges.extend((x, y) for y in run)
    return edges


def _pieces_of(whole: str, pieces: list[int], text_of: dict[int, str]) -> list[int]:
    """The consecutive passages among ``pieces`` (document numbers in order) that together are ``whole``."""
    if len(whole) < MIN_CHARS:
        return []
    found: list[int] = []
    run: list[int] = []
    for y in pieces + [-2]:  # the sentinel ends the last run
        text = text_of.get(y, "")
        inside = SPLIT_PIECE_MIN <= len(text) < len(whole) and text in whole
        if inside and run and y == run[-1] + 1:
            run.append(y)
            continue
        if len(run) >= 2 and sum(len(text_of[r]) for r in run) >= SPLIT_COVER * len(whole):
            found.extend(run)
        run = [y] if inside else []
    return found


def joined(group_of: np.ndarray, edges: list[tuple[int, int]]) -> np.ndarray:
    """``group_of`` with the groups (or ungrouped passages) at either end of each edge made one,
    labelled, as groups are, by their smallest document number."""
    if not edges:
        return group_of
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def label(d: int) -> int:
        g = int(group_of[d])
        return g if g >= 0 else d

    for x, y in edges:
        rx, ry = root(label(x)), root(label(y))
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    out = group_of.astype(np.int64)
    relabel = np.arange(len(group_of), dtype=np.int64)
    for node in list(parent):
        relabel[node] = root(node)
    grouped = out >= 0
    out[grouped] = relabel[out[grouped]]
    ends = np.array(edges, dtype=np.int64).ravel()
    loose = ends[group_of[ends] < 0]  # each its own label until now
    out[loose] = relabel[loose]
    return out


def fronts(group_of: np.ndarray, starts: np.ndarray, file_rank: np.ndarray) -> np.ndarray:
    """For each grouped passage, its group's earliest dated member (document number), else -1.

    ``starts`` are the passages' first days (yyyymmdd, 0 undated) and ``file_rank`` their files'
    places by path: undated members front a group only when none is dated; ties go by file path,
    then the file's order, as results do."""
    out = np.full(len(group_of), -1, dtype=np.int64)
    grouped = np.flatnonzero(group_of >= 0)
    if not len(grouped):
        return out
    day = starts[grouped]
    order = grouped[np.lexsort((grouped, file_rank[grouped], day, day <= 0, group_of[grouped]))]
    g = group_of[order]
    first = np.r_[True, g[1:] != g[:-1]]
    out[order] = order[first][np.cumsum(first) - 1]
    return out
