"""The one analyzer: text -> tokens, identical at index and query time.

Three token streams are indexed from every passage:

* ``words``: jieba words at *ordinal* positions (jieba's own ChineseAnalyzer stores
  character offsets, which breaks phrase queries), for BM25 ranking;
* ``grams``: overlapping character bigrams at ordinal positions, so that any string of
  two or more characters is an exact phrase of bigrams: this guarantees substring recall
  whatever jieba did with the text;
* ``chars``: the set of single characters, for one-character queries.

All three first fold traditional to simplified characters (OpenCC t2s) and ASCII to
lower case, so 誌願服務 finds 志愿服务. The version below is stamped into every index;
change it whenever any of this changes what tokens come out.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path

if "pkg_resources" in sys.modules:
    import jieba
else:
    # jieba imports pkg_resources (~0.1 s, a third of a search process's start) only to open its
    # own dictionary file; without it, it opens the file by path. Hide it for that one import.
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
import numpy as np
from whoosh.analysis import Token, Tokenizer

from .dupes import signature
from .model import Analyzed, Document, Passage
from .normalize import normalize_text

ANALYZER_VERSION = "1"
DATA_DIR = Path(__file__).parent / "data"

_lock = threading.Lock()


def _data(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


@cache
def dictionary_digest() -> str:
    return hashlib.sha1(_data("userdict.txt").encode()).hexdigest()[:8]


def analyzer_id() -> str:
    """What is stamped into the index; a different one means the index must be rebuilt."""
    return f"{ANALYZER_VERSION}/jieba-{jieba.__version__}/dict-{dictionary_digest()}/opencc-t2s"


@cache
def _full_tokenizer() -> jieba.Tokenizer:
    """jieba with its whole dictionary in a dict: fast per word, ~0.5-1.4 s to load per process."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with _lock:
        tok.initialize()
    for line in _data("userdict.txt").splitlines():
        parts = line.split()
        if parts:
            tok.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)
    return tok


class _FrozenFreq:
    """jieba's word-frequency table as sorted numpy arrays, memory-mapped from a cache file.

    jieba only asks ``word in FREQ``, ``FREQ[word]`` and ``FREQ.get(word)``; answering those by
    binary search gives exactly the same segmentation, and opening the arrays takes
    milliseconds where unmarshalling jieba's 350,000-entry dict takes most of a second. A
    search process segments a few short query words, so it uses this; indexing uses the dict.
    """

    def __init__(self, words_: np.ndarray, counts: np.ndarray) -> None:
        self.words = words_
        self.counts = counts

    def _find(self, key: str) -> int:
        i = int(np.searchsorted(self.words, key))
        return i if i < len(self.words) and self.words[i] == key else -1

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) >= 0

    def __getitem__(self, key: str) -> int:
        i = self._find(key)
        if i < 0:
            raise KeyError(key)
        return int(self.counts[i])

    def get(self, key: str, default: int | None = None) -> int | None:
        i = self._find(key)
        return int(self.counts[i]) if i >= 0 else default


def _frozen_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "searcher"


@cache
def _light_tokenizer() -> jieba.Tokenizer:
    """jieba over a memory-mapped copy of the full tokenizer's table (built once per machine)."""
    stem = f"jieba-{jieba.__version__}-{dictionary_digest()}"
    folder = _frozen_cache_dir()
    paths = {name: folder / f"{stem}.{name}.npy" for name in ("words", "counts", "total")}
    try:
        frozen = _FrozenFreq(np.load(paths["words"], mmap_mode="r"), np.load(paths["counts"], mmap_mode="r"))
        total = int(np.load(paths["total"])[0])
    except (OSError, ValueError, IndexError):
        full = _full_tokenizer()
        keys = sorted(full.FREQ)
        frozen = _FrozenFreq(np.array(keys), np.array([full.FREQ[k] for k in keys], dtype=np.int64))
        # jieba's own running total, not the sum of the table: add_word counts a re-added word twice.
        total = int(full.total)
        arrays = {"words": frozen.words, "counts": frozen.counts, "total": np.array([total], dtype=np.int64)}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, array in arrays.items():
                tmp = paths[name].with_name(f".{paths[name].name}.{os.getpid()}")
                with open(tmp, "wb") as fh:
                    np.save(fh, array)
                tmp.replace(paths[name])
        except OSError:
            pass  # a read-only home still works; the next process builds it again
    tok = jieba.Tokenizer()
    tok.FREQ = frozen
    tok.total = total
    tok.initialized = True
    return tok


_bulk = False


def use_full_dictionary() -> None:
    """Segment with jieba's in-memory dictionary from now on (indexing: millions of words)."""
    global _bulk
    _bulk = True


def _tokenizer() -> jieba.Tokenizer:
    return _full_tokenizer() if _bulk or _full_tokenizer.cache_info().currsize else _light_tokenizer()


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
    return [w for w in _tokenizer().lcut(fold(text), HMM=False) if _is_word(w)]


@lru_cache(maxsize=4096)
def term_words(term: str) -> tuple[str, ...]:
    """``words`` of a query term, cached: a search segments the same few terms many times."""
    return tuple(words(term))


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of folded text, ignoring whitespace.

    >>> bigrams("11.2万 件")
    ['11', '1.', '.2', '2万', '万件']
    """
    chars = [ch for ch in fold(text) if not ch.isspace()]
    return [chars[i] + chars[i + 1] for i in range(len(chars) - 1)]


def chars(text: str) -> list[str]:
    return [ch for ch in fold(text) if not ch.isspace()]


_hash_cache: dict[str, int] = {}


def word_hash(word: str) -> int:
    """A stable 64-bit id for a word (the same in every process and run), for word postings.

    >>> word_hash("路长") == word_hash("路长") and word_hash("路长") != word_hash("街长")
    True
    """
    h = _hash_cache.get(word)
    if h is None:
        h = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        if len(_hash_cache) < 2_000_000:
            _hash_cache[word] = h
    return h


def word_hashes(ws: list[str]) -> np.ndarray:
    return np.fromiter((word_hash(w) for w in ws), dtype=np.uint64, count=len(ws))


def analyze_passage(p: Passage, title_words: list[str] | None = None) -> Analyzed:
    """Everything the index needs from a passage's text, computed once (possibly in a worker)."""
    folded = fold(p.text)
    text_words = words(p.text)
    return Analyzed(
        text_words=text_words,
        text_hashes=word_hashes(text_words),
        title_words=title_words if title_words is not None else words(p.title),
        section_words=words(p.section) if p.section else [],
        folded=folded,
        minhash=signature(folded),
    )


def analyze_document(doc: Document) -> Document:
    """Attach ``Analyzed`` to every passage of ``doc`` (the title is segmented once)."""
    title_words = words(doc.title)
    for p in doc.passages:
        p.analyzed = analyze_passage(p, title_words)
    return doc


class _ListTokenizer(Tokenizer):
    """Feeds a list of strings into Whoosh with ordinal positions, reusing one Token."""

    def tokens(self, value: str) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, text in enumerate(self.tokens(value)):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = t.endchar = start_char
            yield t


class WordTokenizer(_ListTokenizer):
    def tokens(self, value: str | list[str]) -> list[str]:
        # A list is words an indexing worker already segmented with this same analyzer.
        return value if isinstance(value, list) else words(value)


class BigramTokenizer(_ListTokenizer):
    def tokens(self, value: str) -> list[str]:
        return bigrams(value)


class CharTokenizer(_ListTokenizer):
    def tokens(self, value: str) -> list[str]:
        return chars(value)
