"""Bytes -> str: BOM, UTF-8, UTF-16 with and without BOM, GB18030/GBK, Big5 (charset-normalizer
for the undecided cases); ``UnreadableFile`` carries the reason a user sees."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# The encodings reports really arrive in. Restricting the detector to them keeps it from
# "discovering" exotic code pages in short GBK files.
_CANDIDATES = ["utf_8", "gb18030", "big5", "utf_16", "utf_16_le", "utf_16_be"]


class UnreadableFile(Exception):
    """A file that cannot be turned into text; the message says why, for the user."""


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for report bytes, or raise UnreadableFile.

    >>> decode_bytes("创建文明城市".encode("gb18030"))
    ('创建文明城市', 'gb18030')
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16"), "utf-16"
    if not data.strip():
        return "", "empty"
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    if b"\x00" in data[:4096]:
        raise UnreadableFile("binary data, not text (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    gb = _strict(data, "gb18030")
    big5 = _strict(data, "big5")
    if gb is not None and big5 is None:
        return gb, "gb18030"
    if big5 is not None and gb is None:
        return big5, "big5"
    if gb is not None and len(data) < 200:
        # Too short for statistics to mean anything; mainland reports are far more common.
        return gb, "gb18030"
    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is not None and best.encoding in ("big5", "gb18030", "utf_8"):
        return str(best), "gb18030" if best.encoding == "gb18030" else best.encoding
    if gb is not None:
        return gb, "gb18030"
    bad = invalid_utf8_sequences(data)
    if bad <= max(16, len(data) // 1000):
        # UTF-8 with a few damaged bytes (a truncated copy, a bad sector): the text is worth
        # having; the caller warns with the count of what was replaced.
        return data.decode("utf-8", errors="replace"), f"utf-8, {bad} invalid byte sequence(s) replaced with U+FFFD"
    raise UnreadableFile("unknown text encoding (tried UTF-8, UTF-16, GB18030/GBK, Big5)")


def invalid_utf8_sequences(data: bytes) -> int:
    """How many invalid byte sequences a UTF-8 decode with replacement replaces."""
    count = 0

    def counted(err: UnicodeError) -> tuple[str, int]:
        nonlocal count
        count += 1
        assert isinstance(err, UnicodeDecodeError)
        return "\ufffd", err.end

    codecs.register_error("searcher-count", counted)
    data.decode("utf-8", errors="searcher-count")
    return count


REPLACED = "invalid byte sequence(s) replaced"


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    # GB18030 decodes almost any byte string; private-use and control characters mean it guessed.
    bad = sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff" or (ch < " " and ch not in "\t\r\n\f"))
    return text if bad <= len(text) // 1000 else None


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII-heavy UTF-16 has NULs in one byte lane; CJK-heavy UTF-16 has none but is rejected
    # by UTF-8 and usually decodes with many CJK characters in one of the two byte orders.
    for enc, lane_nuls in (("utf_16_le", odd_nuls), ("utf_16_be", even_nuls)):
        if lane_nuls > half * 0.3:
            try:
                return data.decode(enc), "utf-16"
            except UnicodeDecodeError:
                return None
    # Pure ASCII without NULs is ASCII: "file,colour\na.txt,x\n" also "decodes" as UTF-16 CJK, while
    # real CJK UTF-16 of any length has bytes above 0x7F.
    if len(data) % 2 == 0 and not data.isascii():
        for enc in ("utf_16_le", "utf_16_be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            head = text[:4000]  # a sample decides as well as the whole text does
            cjk = sum(1 for ch in head if "\u4e00" <= ch <= "\u9fff" or ch in "，。、：；“”\n\u3000 ")
            if cjk > len(head) * 0.85:
                return text, "utf-16"
    return None
