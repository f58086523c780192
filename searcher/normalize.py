"""Character-level normalisation shared by ingestion and queries.

NFKC on Chinese text is not safe: it turns full-width punctuation (，：（）) into ASCII and the
ideographic space into a plain one, which changes how the text reads and destroys the
full-width indentation that marks paragraphs. So only the characters that are really
"the same letter in another width" are folded: full-width digits, Latin letters and a few
symbols, odd spaces, and invisible characters.
"""

from __future__ import annotations

import re

IDEOGRAPHIC_SPACE = "\u3000"

_FOLD: dict[int, str | None] = {}
for _cp in range(0xFF10, 0xFF1A):  # ０-９
    _FOLD[_cp] = chr(_cp - 0xFEE0)
for _cp in list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B)):  # Ａ-Ｚ ａ-ｚ
    _FOLD[_cp] = chr(_cp - 0xFEE0)
for _ch in "％＋－＝＜＞＠＃＆＊／＿＾｜～":
    _FOLD[ord(_ch)] = chr(ord(_ch) - 0xFEE0)
_FOLD[ord("．")] = "."
for _cp in (0x00A0, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F, 0x205F):
    _FOLD[_cp] = " "
for _cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD):
    _FOLD[_cp] = None
_FOLD[ord("\r")] = None
_FOLD[ord("\f")] = "\n"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """Fold full-width letters/digits and odd spaces; keep CJK punctuation and U+3000.

    >>> normalize_text("全市３８条主干街路，ＢＲＴ\u00a0快速公交")
    '全市38条主干街路，BRT 快速公交'
    """
    text = text.translate(_FOLD)
    return _CONTROL.sub("", text)
