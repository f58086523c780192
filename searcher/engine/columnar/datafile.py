"""One segment's arrays as a reader sees them: small arrays in memory, postings and text read
by slices from its data file."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .arrays import IGNORED_UNITS, distinct, positions

_pread = getattr(os, "pread", None)
_seek_lock = threading.Lock()


class DataFile:
    """A segment's postings and text, read by slices with ``pread``.

    Not memory-mapped: what a query reads is copied out of the OS page cache, so the
    process's memory holds only what it keeps, not every page any query ever touched."""

    def __init__(self, path: Path, layout: dict[str, list[Any]], open_now: bool = False) -> None:
        self.path = path
        self.layout = {name: (np.dtype(dt), int(off), int(count)) for name, (dt, off, count) in layout.items()}
        self._fd: int | None = None
        if open_now:  # a reader opens its files at once: a merge may remove the folder later
            self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))

    def count(self, name: str) -> int:
        return self.layout[name][2]

    def read(self, name: str, start: int = 0, stop: int | None = None) -> np.ndarray:
        dtype, offset, count = self.layout[name]
        stop = count if stop is None else min(stop, count)
        if stop <= start:
            return np.zeros(0, dtype=dtype)
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        size = dtype.itemsize
        if _pread is not None:
            data = _pread(self._fd, (stop - start) * size, offset + start * size)
        else:  # no pread (Windows): seek and read, one reader at a time
            with _seek_lock:
                os.lseek(self._fd, offset + start * size, os.SEEK_SET)
                data = os.read(self._fd, (stop - start) * size)
        return np.frombuffer(data, dtype=dtype)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()


@dataclass
class Segment:
    """The arrays of one segment: small ones loaded, postings and text in ``data``."""

    base: int
    n: int
    data: DataFile  # uni_docs, bi_docs, w_docs, w_tf, text
    toff: np.ndarray
    uni: tuple[np.ndarray, np.ndarray]  # keys, offsets into uni_docs
    bi: tuple[np.ndarray, np.ndarray]
    br: tuple[np.ndarray, np.ndarray]  # bridged bigrams (across ignorable punctuation)
    words: tuple[np.ndarray, np.ndarray]
    # Where each passage's words start in the word sequence (t_codes, t_start, t_len), n + 1 entries.
    t_off: np.ndarray | None = None
    _ignored: np.ndarray | None = None

    @property
    def ignored(self) -> np.ndarray:
        """Positions of the ignorable punctuation in the text, read on first use."""
        if self._ignored is None:
            self._ignored = self.data.read("ign").astype(np.int64)
        return self._ignored

    def word_postings(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        keys, off = self.words
        i = int(np.searchsorted(keys, np.uint64(key)))
        if i >= len(keys) or int(keys[i]) != key:
            return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint16)
        start, stop = int(off[i]), int(off[i + 1])
        return self.data.read("w_docs", start, stop), self.data.read("w_tf", start, stop)

    def postings(self, which: str, key: int) -> np.ndarray:
        keys, off = {"uni": self.uni, "bi": self.bi, "br": self.br}[which]
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or int(keys[i]) != key:
            return np.zeros(0, dtype=np.uint32)
        return self.data.read(f"{which}_docs", int(off[i]), int(off[i + 1]))

    def containing(self, cand: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The passages among ``cand`` (sorted local numbers) whose text contains the units ``u``.

        Reads the text from the first to the last candidate once, then narrows the positions
        of ``u[0]`` there by each further unit in turn, all vectorised."""
        first, last = int(cand[0]), int(cand[-1])
        lo = int(self.toff[first])
        text = self.data.read("text", lo, int(self.toff[last + 1]))
        # No need to intersect with ``cand``: a passage containing u contains all its bigrams.
        owners = positions(text, self.toff[first : last + 2] - lo, u)[1]
        return distinct(owners + first).astype(np.uint32)

    def matching_texts(self, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Matching text (ignorable punctuation removed) of passages back to back, the offsets
        where each starts, and which of them are ``cand`` (sorted local numbers).

        Few candidates far apart are read one by one; many but a small share of their range are
        read in one piece and gathered; dense ones come with every passage between them, which
        costs no gathering at all."""
        cand = cand.astype(np.int64)
        lo, hi = int(self.toff[cand[0]]), int(self.toff[cand[-1] + 1])
        starts, stops = self.toff[cand], self.toff[cand + 1]
        lengths = stops - starts
        wanted = int(lengths.sum())
        if 4 * wanted < hi - lo:
            if len(cand) <= 512 and hi - lo > 8 * wanted:
                text = np.concatenate([self.data.read("text", int(a), int(b)) for a, b in zip(starts, stops)])
            else:
                span = self.data.read("text", lo, hi)
                text = span[np.arange(wanted) + np.repeat(starts - lo - np.r_[0, np.cumsum(lengths)[:-1]], lengths)]
            off = np.zeros(len(cand) + 1, dtype=np.int64)
            np.cumsum(lengths, out=off[1:])
            rows = np.arange(len(cand))
            dropped = np.flatnonzero(IGNORED_UNITS[text])
        else:
            text = self.data.read("text", lo, hi)
            off = self.toff[cand[0] : cand[-1] + 2] - lo
            rows = cand - cand[0]
            first, last = np.searchsorted(self.ignored, [lo, hi])
            dropped = self.ignored[first:last] - lo
        if len(dropped):
            text = np.delete(text, dropped)
            off = off - np.searchsorted(dropped, off)
        return text, off, rows
