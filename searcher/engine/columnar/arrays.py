"""Small numpy helpers the segment writer, reader and scans share."""

from __future__ import annotations

import numpy as np

from ...matching import IGNORED

# UTF-16 units an unquoted term skips between its characters (matching.IGNORED).
IGNORED_UNITS = np.zeros(0x10000, dtype=bool)
IGNORED_UNITS[[ord(ch) for ch in IGNORED]] = True


def units(text: str) -> np.ndarray:
    """UTF-16 code units of already folded text, without whitespace."""
    return np.frombuffer("".join(text.split()).encode("utf-16-le"), dtype="<u2")


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values. np.unique's hash-based path (numpy 2.3+) is ~40x slower than
    sorting for the millions of n-gram postings of a segment."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def positions(text: np.ndarray, off: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, passage index) of every occurrence of the units ``u`` inside one passage of ``text``."""
    pos = np.flatnonzero(text[: max(len(text) - len(u) + 1, 0)] == u[0])
    for j in range(1, len(u)):
        pos = pos[text[pos + j] == u[j]]
    owner = np.searchsorted(off, pos, side="right") - 1
    inside = pos + len(u) <= off[owner + 1]
    return pos[inside], owner[inside]
