"""The segments on their own: postings, substrings and columns of a segment written and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from searcher.analysis import word_hash, word_hashes
from searcher.dupes import signatures
from searcher.engine.columnar.segments import SegmentBuilder, Segments


def _build(side: Path, texts: list[str], words: list[list[str]], name: str = "s0") -> None:
    builder = SegmentBuilder()
    sigs = signatures(texts)
    for i, (text, ws) in enumerate(zip(texts, words)):
        builder.add(
            text,
            {"city": "延吉市" if i % 2 else "临江市", "paragraph": str(i)},
            "2023-04-12" if i % 3 else None,
            sigs[i],
            word_hashes(ws),
            np.array([text.find(w) for w in ws], dtype=np.uint32),
            np.array([len(w) for w in ws], dtype=np.uint8),
        )
    builder.write(side, name)


def test_segment_beyond_16_bit_document_numbers(tmp_path: Path) -> None:
    """Segments under 65,536 passages store 16-bit document numbers; bigger ones must not wrap."""
    n = 70_000
    texts = [f"第{i}段路长巡查" if i % 1000 == 999 else f"第{i}段" for i in range(n)]
    words = [["路长", "巡查"] if i % 1000 == 999 else ["段"] for i in range(n)]
    _build(tmp_path, texts, words)
    side = Segments(tmp_path, [("s0", n)], deleted=[])
    expected = np.arange(999, n, 1000)
    assert np.array_equal(side.substring("路长巡查"), expected)  # bigrams + text verification
    assert np.array_equal(side.substring("巡"), expected)  # unigram postings
    docs, tf = side.word_postings(word_hash("巡查"))
    assert np.array_equal(docs, expected) and set(tf.tolist()) == {1}
    assert side.value("paragraph", 69_999) == "69999"
    assert side.counts("city", expected) == {"延吉市": 70}  # every 1000th passage is odd-numbered


def test_substring_never_spans_two_passages_and_respects_deletions(tmp_path: Path) -> None:
    texts = ["文明城市创建", "工作总结文明", "城市管理", "全国文明城市"]
    _build(tmp_path, texts, [["文明城市", "创建"], ["工作", "总结", "文明"], ["城市", "管理"], ["全国", "文明城市"]])
    side = Segments(tmp_path, [("s0", len(texts))], deleted=[3])
    # 工作总结文明|城市管理 are stored back to back; the match across them is not a match.
    assert side.substring("文明城市").tolist() == [0]
    assert side.substring("明城").tolist() == [0]
    assert side.counts("city", np.array([0, 1, 2])) == {"临江市": 2, "延吉市": 1}


def test_reads_without_pread(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Platforms without os.pread (Windows) seek and read instead."""
    from searcher.engine.columnar import datafile

    monkeypatch.setattr(datafile, "_pread", None)
    test_substring_never_spans_two_passages_and_respects_deletions(tmp_path)
