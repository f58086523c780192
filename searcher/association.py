"""Association measures for collocates and keyness, vectorised over words (numpy arrays).

The definitions are the ones corpus tools print (AntConc, CQPweb, Rayson & Garside 2000), so a
figure here can be checked by hand:

* **log-likelihood**: for collocates Dunning's G² of the 2x2 table, ``2 * sum(O * ln(O / E))``
  over the four cells (as CQPweb); for keyness Rayson & Garside's two-term form over the two
  sub-collections (as AntConc and Wmatrix); 3.84 is p < 0.05, 6.63 p < 0.01, 10.83 p < 0.001,
  15.13 p < 0.0001 (one degree of freedom);
* **MI** (mutual information, collocates): ``log2(O / E)`` where ``E = f(node window) * f(word) / N``;
* **log ratio** (effect size, keyness; Hardie 2014): ``log2((a / A) / (b / B))``, with 0.5 added to
  a zero count so a word absent from one side gets a finite value (each unit: twice as frequent).
"""

from __future__ import annotations

import numpy as np

# Critical values of G² with one degree of freedom.
LL_P05, LL_P01, LL_P001, LL_P0001 = 3.84, 6.63, 10.83, 15.13


def _xlogx_over(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o > 0, o * np.log(np.where(o > 0, o, 1) / np.where(e > 0, e, 1)), 0.0)


def log_likelihood_2x2(o11: np.ndarray, o12: np.ndarray, o21: np.ndarray, o22: np.ndarray) -> np.ndarray:
    """G² of the contingency tables [[o11, o12], [o21, o22]] (arrays of the same shape)."""
    o11, o12, o21, o22 = (np.asarray(x, dtype=np.float64) for x in (o11, o12, o21, o22))
    n = o11 + o12 + o21 + o22
    r1, r2 = o11 + o12, o21 + o22
    c1, c2 = o11 + o21, o12 + o22
    with np.errstate(divide="ignore", invalid="ignore"):
        e11, e12, e21, e22 = r1 * c1 / n, r1 * c2 / n, r2 * c1 / n, r2 * c2 / n
    g = 2 * (_xlogx_over(o11, e11) + _xlogx_over(o12, e12) + _xlogx_over(o21, e21) + _xlogx_over(o22, e22))
    return np.maximum(np.nan_to_num(g), 0.0)


def keyness_ll(a: np.ndarray, b: np.ndarray, total_a: int, total_b: int) -> np.ndarray:
    """Log-likelihood of a word occurring ``a`` times in ``total_a`` words and ``b`` in ``total_b``:
    Rayson & Garside's ``2 * (a ln(a / E1) + b ln(b / E2))``, ``E1 = total_a (a + b) / (total_a + total_b)``,
    the figure AntConc, WordSmith and Wmatrix print."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    total = float(max(total_a + total_b, 1))
    e1 = total_a * (a + b) / total
    e2 = total_b * (a + b) / total
    return np.maximum(2 * (_xlogx_over(a, e1) + _xlogx_over(b, e2)), 0.0)


def log_ratio(a: np.ndarray, b: np.ndarray, total_a: int, total_b: int) -> np.ndarray:
    """Hardie's log ratio: positive where the word is relatively more frequent in A."""
    a = np.where(np.asarray(a) > 0, a, 0.5).astype(np.float64)
    b = np.where(np.asarray(b) > 0, b, 0.5).astype(np.float64)
    return np.log2((a / max(total_a, 1)) / (b / max(total_b, 1)))


def collocation(
    observed: np.ndarray, word_freq: np.ndarray, window_tokens: int, corpus_tokens: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(expected, MI, log-likelihood) of words seen ``observed`` times in the node's windows
    (``window_tokens`` words in all), each occurring ``word_freq`` times in ``corpus_tokens``."""
    o = np.asarray(observed, dtype=np.float64)
    f = np.maximum(np.asarray(word_freq, dtype=np.float64), o)
    n = float(max(corpus_tokens, window_tokens, 1))
    expected = window_tokens * f / n
    with np.errstate(divide="ignore", invalid="ignore"):
        mi = np.where(expected > 0, np.log2(np.where(o > 0, o, 1) / np.where(expected > 0, expected, 1)), 0.0)
    ll = log_likelihood_2x2(o, window_tokens - o, f - o, n - window_tokens - (f - o))
    return expected, mi, ll
