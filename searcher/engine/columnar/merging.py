"""Merging segments: which to merge (a tiered policy, as Lucene's), and the merged arrays.

Each commit of an index run adds a store segment and its arrays; a researcher who adds a few
reports a day would otherwise collect hundreds of small segments (every query visits each) and
never reclaim the passages of replaced files. A merge copies the live passages of some
segments, in order, into one new segment: the store's copy through Whoosh's own merge (a merge
function given to ``commit``, Whoosh's public hook), the arrays rebuilt here from the old
segments' arrays (no re-reading or re-analysing of text). The arrays are written, under the new
store segment's id, before the store's table of contents names that segment, so a crash at any
point leaves either the old segments or the merged one, each with its arrays.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .datafile import DataFile
from .segments import COLUMNS, DATA_FILE, SegmentData


@dataclass(frozen=True)
class SegmentInfo:
    """One store segment as the policy sees it."""

    name: str
    passages: int  # including deleted ones
    deleted: int
    units: int  # characters of folded text, including deleted passages

    @property
    def live(self) -> int:
        return self.passages - self.deleted


@dataclass(frozen=True)
class TieredPolicy:
    """Segments are grouped in tiers by live size (each tier ``per_tier`` times the one below,
    anything under ``floor_passages`` counting as the floor); a tier holding ``per_tier``
    segments is merged, up to ``max_at_once`` of its smallest at a time. A segment with more
    than ``reclaim_share`` of its passages deleted is rewritten. Merges never produce a
    segment of more than ``max_units`` characters: merging costs memory in proportion to the
    merged text, like writing the batch of a commit."""

    floor_passages: int = 2_000
    per_tier: int = 8
    max_at_once: int = 10
    reclaim_share: float = 0.10
    max_units: int = 6_000_000

    def next_merge(self, segments: Sequence[SegmentInfo]) -> list[str]:
        """Names of the segments to merge next (in store order), or [] when none need it."""
        fits = [s for s in segments if _live_units(s) < self.max_units // 2]
        tiers: dict[int, list[SegmentInfo]] = {}
        for s in fits:
            tiers.setdefault(self._tier(s), []).append(s)
        for tier in sorted(tiers):
            members = sorted(tiers[tier], key=lambda s: (s.live, s.name))
            if len(members) >= self.per_tier:
                chosen: list[SegmentInfo] = []
                size = 0
                for s in members[: self.max_at_once]:
                    if chosen and size + _live_units(s) > self.max_units:
                        break
                    chosen.append(s)
                    size += _live_units(s)
                if len(chosen) > 1:
                    return _in_order(segments, chosen)
        for s in segments:
            if s.passages and s.deleted > self.reclaim_share * s.passages:
                return [s.name]
        return []

    def everything(self, segments: Sequence[SegmentInfo]) -> list[list[str]]:
        """Merges that leave as few segments as ``max_units`` allows, each segment's deletions
        reclaimed (``searcher optimize``)."""
        plans: list[list[str]] = []
        group: list[SegmentInfo] = []
        size = 0
        for s in segments:
            if group and size + _live_units(s) > self.max_units:
                plans.append([g.name for g in group])
                group, size = [], 0
            group.append(s)
            size += _live_units(s)
        if group:
            plans.append([g.name for g in group])
        by_name = {s.name: s for s in segments}
        # A segment alone and without deletions is already what a merge would write.
        return [p for p in plans if len(p) > 1 or by_name[p[0]].deleted]

    def _tier(self, s: SegmentInfo) -> int:
        return int(math.log(max(s.live, self.floor_passages) / self.floor_passages, self.per_tier))


def _live_units(s: SegmentInfo) -> int:
    return s.units * s.live // s.passages if s.passages else 0


def _in_order(segments: Sequence[SegmentInfo], chosen: Sequence[SegmentInfo]) -> list[str]:
    names = {s.name for s in chosen}
    return [s.name for s in segments if s.name in names]


def segment_info(seg_dir: Path, name: str, passages: int, deleted: int) -> SegmentInfo:
    meta = json.loads((seg_dir / "vocab.json").read_text(encoding="utf-8"))
    return SegmentInfo(name, passages, deleted, int(meta["data"]["text"][2]))


def merged_data(parts: Sequence[tuple[Path, np.ndarray]]) -> SegmentData:
    """The arrays of one segment holding the live passages of ``parts`` (each a segment's
    folder and its live mask), in order."""
    texts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    dates: list[np.ndarray] = []
    minhash: list[np.ndarray] = []
    doclen: list[np.ndarray] = []
    w_ids: list[np.ndarray] = []
    w_docs: list[np.ndarray] = []
    w_tf: list[np.ndarray] = []
    t_ids: list[np.ndarray] = []
    t_start: list[np.ndarray] = []
    t_len: list[np.ndarray] = []
    vocab: list[dict[str, int]] = [{"": 0} for _ in COLUMNS]
    base = 0
    for seg_dir, live in parts:
        meta = json.loads((seg_dir / "vocab.json").read_text(encoding="utf-8"))
        if meta["columns"] != list(COLUMNS):
            raise ValueError(f"{seg_dir} has other columns")
        data = DataFile(seg_dir / DATA_FILE, meta["data"])
        try:
            load = lambda name, d=seg_dir: np.load(d / f"{name}.npy")  # noqa: E731
            toff = load("toff")
            seg_lengths = np.diff(toff)
            text = data.read("text")
            keep = np.repeat(live, seg_lengths)
            texts.append(text[keep])
            lengths.append(seg_lengths[live])
            local_codes = load("codes")[live]
            for j, local_vocab in enumerate(meta["vocab"]):
                mapping = np.array([vocab[j].setdefault(v, len(vocab[j])) for v in local_vocab], dtype=np.int32)
                local_codes[:, j] = mapping[local_codes[:, j]]
            codes.append(local_codes)
            dates.append(load("dates")[live])
            minhash.append(load("minhash")[live])
            doclen.append(load("doclen")[live])
            # Word postings: renumber the live passages, drop the deleted ones.
            renumber = np.cumsum(live, dtype=np.int64) - 1 + base
            keys, off = load("w_keys"), load("w_off")
            ids = np.repeat(keys, np.diff(off))
            docs = data.read("w_docs").astype(np.int64)
            kept = live[docs]
            w_ids.append(ids[kept])
            w_docs.append(renumber[docs[kept]].astype(np.uint32))
            w_tf.append(data.read("w_tf")[kept])
            # The word sequences of the live passages (codes back to word ids: the vocabulary changes).
            in_live = np.repeat(live, load("doclen").astype(np.int64))
            t_ids.append(keys[data.read("t_codes")[in_live]])
            t_start.append(data.read("t_start")[in_live].astype(np.uint32))
            t_len.append(data.read("t_len")[in_live])
        finally:
            data.close()
        base += int(live.sum())
    ids = np.concatenate(w_ids) if w_ids else np.zeros(0, dtype=np.uint64)
    docs = np.concatenate(w_docs) if w_docs else np.zeros(0, dtype=np.uint32)
    # Passages are already in order within and across parts: a stable sort by word keeps it.
    order = np.argsort(ids, kind="stable")
    return SegmentData(
        text=np.concatenate(texts) if texts else np.zeros(0, dtype="<u2"),
        lengths=np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64),
        codes=np.concatenate(codes) if codes else np.zeros((0, len(COLUMNS)), dtype=np.int32),
        vocab=[list(v) for v in vocab],
        dates=np.concatenate(dates) if dates else np.zeros((0, 2), dtype=np.int32),
        minhash=np.concatenate(minhash),
        w_ids=ids[order],
        w_docs=docs[order],
        w_tf=np.concatenate(w_tf)[order] if w_tf else np.zeros(0, dtype=np.uint16),
        doclen=np.concatenate(doclen) if doclen else np.zeros(0, dtype=np.uint32),
        t_ids=np.concatenate(t_ids) if t_ids else np.zeros(0, dtype=np.uint64),
        t_start=np.concatenate(t_start) if t_start else np.zeros(0, dtype=np.uint32),
        t_len=np.concatenate(t_len) if t_len else np.zeros(0, dtype=np.uint8),
    )
