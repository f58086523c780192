"""Plain string helpers every layer may use (a leaf: it imports nothing from searcher):
character folding, sentence ends, display width.

Character-level normalisation is shared by ingestion and queries.

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
# A form feed stays: it is a page break (ingest/reflow.py numbers pages by it).

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """Fold full-width letters/digits and odd spaces; keep CJK punctuation and U+3000.

    >>> normalize_text("全市３８条主干街路，ＢＲＴ\u00a0快速公交")
    '全市38条主干街路，BRT 快速公交'
    """
    text = text.translate(_FOLD)
    return _CONTROL.sub("", text)


# What may end a sentence, including a closing quote or bracket after the stop.
SENTENCE_END = "。！？；…!?;"
CLOSERS = "”’」』）)》】"
_END_RE = re.compile(f"[{re.escape(SENTENCE_END)}][{re.escape(CLOSERS)}]*$")


def ends_sentence(text: str) -> bool:
    """True when text ends at a sentence end (。！？；… optionally followed by a closing quote).

    >>> ends_sentence("延吉市设立一级路长。”"), ends_sentence("一、主要做法")
    (True, False)
    """
    return bool(_END_RE.search(text.rstrip()))


_WIDE = re.compile("[^\u0000-\u2e7f]+")


def display_width(text: str) -> float:
    """Width in CJK cells: ASCII counts half, as it does on the printed page the wrap came from.

    >>> display_width("路长38名")
    4.0
    """
    narrow = len(_WIDE.sub("", text))
    return len(text) - 0.5 * narrow
