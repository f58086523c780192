"""The analyzer: jieba_fast_dat over jieba's dictionary must give exactly jieba's words."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from searcher import analysis
from searcher.ingest.formats import read_text


@pytest.fixture(scope="module")
def reference_jieba():  # type: ignore[no-untyped-def]
    """Plain jieba with searcher's added words: the reference the fast tokenizer must match."""
    hidden = "pkg_resources" not in sys.modules
    if hidden:  # jieba imports it only to find its dictionary; importing it warns (deprecated)
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if hidden:
            del sys.modules["pkg_resources"]

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer(str(analysis.jieba_dictionary()))
    tok.initialize()
    for word, freq in analysis.user_words():
        tok.add_word(word, freq)
    return tok


def test_fast_tokenizer_segments_every_seed_line_like_jieba(seeds_dir: Path, reference_jieba) -> None:  # type: ignore[no-untyped-def]
    fast = analysis._tokenizer()
    assert fast.total == reference_jieba.total
    lines = 0
    for f in sorted(seeds_dir.glob("*.txt")):
        for line in read_text(f).splitlines():
            folded = analysis.fold(line)
            assert fast.lcut(folded, HMM=False) == reference_jieba.lcut(folded, HMM=False), line
            lines += 1
    assert lines > 2500


def test_tokenizer_cache_is_built_once_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference_jieba) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "searcher").mkdir()
    (tmp_path / "searcher" / "jieba-0.42.1-0123abcd.words.npy").write_bytes(b"an older searcher's table")
    built = analysis._tokenizer.__wrapped__()
    assert sorted(p.suffix for p in (tmp_path / "searcher").iterdir()) == [".cache", ".total"]
    loaded = analysis._tokenizer.__wrapped__()
    text = analysis.fold("持续推进飞线充电整治，深化新时代文明实践中心建设，誌願服務ＢＲＴ")
    assert built.lcut(text, HMM=False) == loaded.lcut(text, HMM=False) == reference_jieba.lcut(text, HMM=False)
    assert built.total == loaded.total == reference_jieba.total


def test_words_drop_punctuation_and_keep_added_words() -> None:
    assert analysis.words("持续推进飞线充电整治。") == ["持续", "推进", "飞线充电", "整治"]
    assert analysis.words("創建全國文明城市") == ["创建", "全国", "文明城市"]
