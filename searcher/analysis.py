"""The one analyzer: text -> tokens, identical at index and query time.

Every passage is folded (width, traditional to simplified with OpenCC t2s, ASCII lower
case: 誌願服務 finds 志愿服务) and segmented into jieba words (``HMM=False``: only dictionary
words and single characters, so the same string always segments the same way), with the
words of ``data/userdict.txt`` added. The engine ranks by those words and matches exact
substrings on the folded text itself. The id below is stamped into every index; change
``ANALYZER_VERSION`` whenever what comes out changes.

Segmentation runs on jieba_fast_dat (jieba's algorithm in C++ over a double-array trie) loaded
with *jieba's own dictionary* and jieba's word-frequency total: the same words as jieba,
about eight times faster, and it opens in milliseconds from a cache file, which keeps a
one-query CLI process short. ``tests/test_analysis.py`` checks the words against jieba.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import tempfile
import threading
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .dupes import signatures
from .model import Analyzed, Document, Place
from .places import place_names
from .text import normalize_text

ANALYZER_VERSION = "1"
DATA_DIR = Path(__file__).parent / "data"

_lock = threading.Lock()


def _data(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


@cache
def dictionary_digest() -> str:
    return hashlib.sha1(_data("userdict.txt").encode()).hexdigest()[:8]


@cache
def analyzer_id() -> str:
    """What is stamped into the index; a different one means the index must be rebuilt."""
    return f"{ANALYZER_VERSION}/jieba-{_package_version('jieba')}/dict-{dictionary_digest()}/opencc-t2s"


def _package_file(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is a dependency of searcher"
    return Path(spec.origin)


@cache
def _package_version(package: str) -> str:
    """``__version__`` read from the package's source: importing jieba, or importlib.metadata,
    would cost a one-query CLI process tens of milliseconds."""
    found = re.search(r"""__version__\s*=\s*["']([^"']+)""", _package_file(package).read_text(encoding="utf-8"))
    return found.group(1) if found else "unknown"


def jieba_dictionary() -> Path:
    """jieba's dictionary file, found without importing jieba (its import is slow)."""
    return _package_file("jieba").parent / "dict.txt"


def user_words() -> list[tuple[str, int]]:
    """The words searcher adds to jieba's dictionary, with their frequencies."""
    out = []
    for line in _data("userdict.txt").splitlines():
        parts = line.split()
        if parts:
            out.append((parts[0], int(parts[1])))
    return out


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "searcher"


def _jieba_total(dictionary: Path) -> int:
    """jieba's running frequency total: every line of its dictionary (a repeated word counts
    twice, as jieba counts it) plus every added word. Route scores subtract log(total), so the
    total must be jieba's to the unit for the same words to come out."""
    total = 0
    with open(dictionary, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ", 2)
            if len(parts) > 1:
                total += int(parts[1])
    return total + sum(freq for _, freq in user_words())


@cache
def _tokenizer() -> Any:
    """jieba_fast_dat over jieba's dictionary; its trie is cached on disk (built once, ~1 s)."""
    import jieba_fast_dat

    jieba_fast_dat.setLogLevel(logging.WARNING)
    dictionary = jieba_dictionary()
    stamp = f"{_package_version('jieba')}-{_package_version('jieba_fast_dat')}-{dictionary.stat().st_size}-{dictionary_digest()}"
    folder = _cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    if not os.access(folder, os.W_OK):  # a read-only home: build (once per boot) in the temp folder
        folder = Path(tempfile.gettempdir())
    trie = folder / f"jieba-dat-{stamp}.cache"
    total_file = folder / f"jieba-dat-{stamp}.total"
    with _lock:
        tok = jieba_fast_dat.Tokenizer(dictionary=dictionary)
        try:
            total = int(total_file.read_text())
            tok.cache_file = str(trie)
            tok.initialize()
        except (OSError, ValueError):
            # First use on this machine: build into a file of our own, then rename, so that
            # indexing workers starting together never read a half-written cache.
            total = _jieba_total(dictionary)
            tmp = folder / f".{trie.name}.{os.getpid()}"
            tok.cache_file = str(tmp)
            tok.initialize()
            try:
                os.replace(tmp, trie)
                tmp_total = folder / f".{total_file.name}.{os.getpid()}"
                tmp_total.write_text(str(total))
                os.replace(tmp_total, total_file)
                for old in folder.glob("jieba-*"):  # tables of other versions (and older searchers)
                    if stamp not in old.name:
                        old.unlink(missing_ok=True)
            except OSError:
                pass  # a read-only cache folder still works; the next process builds again
        for word, freq in user_words():
            tok.add_word(word, freq)
        tok.total = total
    return tok


@cache
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Normalise width, fold traditional to simplified and ASCII to lower case.

    >>> fold("誌願服務ＢＲＴ")
    '志愿服务brt'
    """
    text = normalize_text(text)
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        converted = _converter().convert(text)
        # t2s is meant to keep length; if a phrase rule ever changed it, offsets into the
        # original text would be wrong, so fall back to the unconverted text.
        if len(converted) == len(text):
            text = converted
    return text.lower()


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def words(text: str) -> list[str]:
    """jieba words of folded text, without whitespace and punctuation tokens.

    >>> words("持续推进飞线充电整治")
    ['持续', '推进', '飞线充电', '整治']
    """
    return [w for w in _tokenizer().lcut(fold(text), HMM=False) if w.isalnum() or _is_word(w)]


def word_spans(folded: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of the jieba words of already folded text, as ``words`` finds them."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    for w in _tokenizer().lcut(folded, HMM=False):
        end = pos + len(w)
        if w.isalnum() or _is_word(w):
            out.append((w, pos, end))
        pos = end
    return out


@lru_cache(maxsize=4096)
def term_words(term: str) -> tuple[str, ...]:
    """``words`` of a query term, cached: a search segments the same few terms many times."""
    return tuple(words(term))


class _WordIds(dict[str, int]):
    """word -> word_hash, filled on first use: most words of a collection repeat."""

    def __missing__(self, word: str) -> int:
        h = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        if len(self) < 2_000_000:
            self[word] = h
        return h


_word_ids = _WordIds()


def word_hash(word: str) -> int:
    """A stable 64-bit id for a word (the same in every process and run), for word postings.

    >>> word_hash("路长") == word_hash("路长") and word_hash("路长") != word_hash("街长")
    True
    """
    return _word_ids[word]


def word_hashes(ws: list[str]) -> np.ndarray:
    return np.fromiter(map(_word_ids.__getitem__, ws), dtype=np.uint64, count=len(ws))


def analyze_document(doc: Document) -> Document:
    """Attach ``Analyzed`` to every passage of ``doc``."""
    tok = _tokenizer()
    # In batches: the signatures' n-gram arrays of a whole 50 MB file at once took a gigabyte.
    for start in range(0, len(doc.passages), _BATCH):
        batch = doc.passages[start : start + _BATCH]
        folded = [fold(p.text) for p in batch]
        for p, text, minhash in zip(batch, folded, signatures(folded)):
            astral = _astral(text)
            ws, starts = _words_and_starts(tok.lcut(text, HMM=False), astral)
            p.analyzed = Analyzed(
                text_hashes=word_hashes(ws),
                folded=text,
                minhash=minhash,
                place_names=_place_names(p.place),
                word_starts=np.array(starts, dtype=np.uint32),
                word_lengths=np.minimum(
                    np.fromiter(map(_units, ws) if astral else map(len, ws), dtype=np.int64, count=len(ws)), 255
                ).astype(np.uint8),
            )
    return doc


_BATCH = 2000


def _astral(text: str) -> bool:
    return bool(text) and not text.isascii() and max(text) > "\uffff"


def _units(text: str) -> int:
    """Length in UTF-16 code units, the engine's text positions (an astral character is two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _words_and_starts(tokens: list[str], astral: bool = False) -> tuple[list[str], list[int]]:
    """The word tokens, and where each starts in the text without whitespace (as the engine
    keeps it), in UTF-16 units: collocates find the words around a match from these. ``astral``:
    the text has characters beyond the BMP (two units each)."""
    if astral:
        return _words_and_starts_in_units(tokens)
    ws: list[str] = []
    starts: list[int] = []
    pos = 0
    is_word = _is_word
    for t in tokens:
        if t.isalnum() or is_word(t):
            ws.append(t)
            starts.append(pos)
            pos += len(t)
        elif not t.isspace():
            pos += len(t) if len(t) == 1 else len("".join(t.split()))
    return ws, starts


def _words_and_starts_in_units(tokens: list[str]) -> tuple[list[str], list[int]]:
    """``_words_and_starts`` for text with characters beyond the BMP (two UTF-16 units each)."""
    ws: list[str] = []
    starts: list[int] = []
    pos = 0
    for t in tokens:
        if t.isalnum() or _is_word(t):
            ws.append(t)
            starts.append(pos)
            pos += _units(t)
        elif not t.isspace():
            pos += _units("".join(t.split()))
    return ws, starts


@cache
def _place_names(place: Place) -> tuple[str, ...]:
    return tuple(place_names(place))
