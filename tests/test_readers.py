"""Encoding detection and normalisation on files the tests write."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from searcher.ingest.decoding import UnreadableFile, decode_bytes
from searcher.ingest.formats import read_text
from searcher.text import normalize_text

TEXT = "吉林省延吉市：持续深入推进文明城市创建。针对全市38条主干街路，38名一级路长开展日常巡查，累计解决问题11.2万余件。"


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("utf-8", TEXT.encode("utf-8")),
        ("utf-8-sig", codecs.BOM_UTF8 + TEXT.encode("utf-8")),
        ("gb18030", TEXT.encode("gb18030")),
        ("gbk", TEXT.encode("gbk")),
        ("utf-16", TEXT.encode("utf-16")),
        ("utf-16-le without BOM", TEXT.encode("utf-16-le")),
        ("utf-16-be without BOM", TEXT.encode("utf-16-be")),
    ],
)
def test_decodes_every_encoding_reports_arrive_in(encoding: str, data: bytes) -> None:
    text, _ = decode_bytes(data)
    assert text == TEXT, encoding


def test_decodes_big5_traditional_text() -> None:
    trad = "臺灣省的文明城市創建工作，志願服務隊累計服務三萬餘人次。各區縣積極參與。"
    assert decode_bytes(trad.encode("big5"))[0] == trad


def test_short_gbk_file_is_not_mistaken_for_another_codepage(tmp_path: Path) -> None:
    f = tmp_path / "short.txt"
    f.write_bytes("路长制".encode("gbk"))
    assert read_text(f) == "路长制"


def test_binary_file_is_unreadable_with_a_reason(tmp_path: Path) -> None:
    f = tmp_path / "image.txt"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(UnreadableFile, match="binary"):
        read_text(f)


def test_unsupported_suffix_is_unreadable(tmp_path: Path) -> None:
    f = tmp_path / "report.doc"
    f.write_bytes(b"whatever")
    with pytest.raises(UnreadableFile, match="unsupported"):
        read_text(f)


def test_normalisation_folds_width_but_keeps_chinese_punctuation() -> None:
    assert normalize_text("３８条，ＢＲＴ快速公交：１１．２万") == "38条，BRT快速公交：11.2万"
    assert normalize_text("\u3000\u3000段落") == "\u3000\u3000段落"  # indentation survives for reflow
    assert normalize_text("零\u200b宽\ufeff字符") == "零宽字符"
