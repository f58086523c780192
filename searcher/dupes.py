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

from collections import defaultdict

import numpy as np

THRESHOLD = 0.7
MIN_CHARS = 30
HASHES = 64
BANDS = 16
ROWS = HASHES // BANDS
EMPTY = np.uint32(0xFFFFFFFF)

_MUL = np.uint64(0x9E3779B97F4A7C15)


def signature(folded: str) -> np.ndarray:
    """64 MinHash values of a passage's folded text (all EMPTY for a short passage).

    One-permutation hashing: each 4-gram is hashed once and falls into one of 64 bins,
    each bin keeps its minimum, and empty bins borrow from the next non-empty one
    ("rotation" densification). As accurate as 64 independent hashes for texts this long,
    at a fraction of the cost.
    """
    chars = [ch for ch in folded if ch.isalnum()]
    if len(chars) < MIN_CHARS:
        return np.full(HASHES, EMPTY, dtype=np.uint32)
    u = np.frombuffer("".join(chars).encode("utf-16-le"), dtype="<u2").astype(np.uint64)
    grams = (u[:-3] << np.uint64(48)) | (u[1:-2] << np.uint64(32)) | (u[2:-1] << np.uint64(16)) | u[3:]
    with np.errstate(over="ignore"):
        h = grams * _MUL
        h ^= h >> np.uint64(29)
        h *= _MUL
    bins = (h & np.uint64(HASHES - 1)).astype(np.intp)
    values = (h >> np.uint64(32)).astype(np.uint32)
    sig = np.full(HASHES, EMPTY, dtype=np.uint32)
    np.minimum.at(sig, bins, values)
    empty = sig == EMPTY
    if empty.any():
        filled = np.flatnonzero(~empty)
        # each empty bin takes the value of the next filled bin (cyclically), offset by distance
        nxt = filled[np.searchsorted(filled, np.flatnonzero(empty)) % len(filled)]
        sig[empty] = sig[nxt] ^ np.uint32(0x5BD1E995) * ((nxt - np.flatnonzero(empty)) % HASHES).astype(np.uint32)
    return sig


def groups(signatures: np.ndarray, live: np.ndarray) -> np.ndarray:
    """For each passage, the smallest document number of its duplicate group, or -1.

    ``signatures`` is (n, HASHES) uint32; ``live`` masks deleted passages out.
    """
    n = len(signatures)
    parent = np.arange(n, dtype=np.int64)
    usable = live & (signatures[:, 0] != EMPTY) if n else np.zeros(0, dtype=bool)
    idx = np.flatnonzero(usable)
    if len(idx) < 2:
        return np.full(n, -1, dtype=np.int64)
    sigs = np.ascontiguousarray(signatures[idx])

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:
            parent[x], x = root, int(parent[x])
        return root

    checked: set[tuple[int, int]] = set()
    for band in range(BANDS):
        block = np.ascontiguousarray(sigs[:, band * ROWS : (band + 1) * ROWS])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * ROWS))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], len(order)]
        shared = np.flatnonzero(ends - starts >= 2)
        for s, e in zip(starts[shared].tolist(), ends[shared].tolist()):
            members = order[s:e]
            first = int(members[0])
            for other in members[1:].tolist():
                pair = (first, other)
                if pair in checked:
                    continue
                checked.add(pair)
                if np.mean(sigs[first] == sigs[other]) >= THRESHOLD:
                    a, b = find(int(idx[first])), find(int(idx[other]))
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    roots = np.full(n, -1, dtype=np.int64)
    for i in idx.tolist():
        roots[i] = find(i)
    sizes = np.bincount(roots[idx], minlength=n)
    grouped = idx[sizes[roots[idx]] > 1]
    out = np.full(n, -1, dtype=np.int64)
    out[grouped] = roots[grouped]
    return out


def duplicate_articles(
    doc_ids: np.ndarray, group_of: np.ndarray, live: np.ndarray, min_share: float = 0.5
) -> list[tuple[int, int, int, int, int]]:
    """Pairs of articles sharing duplicate passages.

    Returns (doc code a, doc code b, shared groups, passages of a, passages of b), for pairs
    where the shared groups cover at least ``min_share`` of the smaller article.
    """
    counts = np.bincount(doc_ids[live], minlength=int(doc_ids.max()) + 1 if len(doc_ids) else 0)
    members: dict[int, set[int]] = defaultdict(set)
    for doc, group in zip(doc_ids[live].tolist(), group_of[live].tolist()):
        if group >= 0:
            members[group].add(doc)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for docs in members.values():
        ordered = sorted(docs)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared[(a, b)] += 1
    out = []
    for (a, b), n in shared.items():
        if n >= min_share * min(counts[a], counts[b]):
            out.append((a, b, n, int(counts[a]), int(counts[b])))
    return sorted(out, key=lambda t: (-t[2], t[0], t[1]))
