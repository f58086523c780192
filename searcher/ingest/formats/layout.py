"""Shared by the format readers: blocks -> text in the shape reflow reads, the radical look-alikes
some fonts put in text layers, short error text."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass

from ...text import display_width, ends_sentence

PARAGRAPH_MARK = "\u3000\u3000"
# Between the pages of a paged format (PDF), a line of its own; reflow numbers pages by it.
PAGE_BREAK = "\f"
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"

# --------------------------------------------------------------------------- blocks -> text


@dataclass
class Block:
    """One paragraph-level unit of a structured document."""

    text: str
    heading: bool = False


def layout_blocks(blocks: list[Block]) -> str:
    """Blocks -> text for reflow: marked paragraphs, or plain lines when the blocks are printed lines."""
    blocks = [b for b in blocks if b.text.strip()]
    if _printed_lines([b.text for b in blocks]):
        # A heading still starts (and the line after it still ends) a paragraph.
        out, after_heading = [], False
        for b in blocks:
            # Leading spaces stay: the indentation of a paragraph's first line tells reflow where it starts.
            text = b.text.rstrip()
            out.append(PARAGRAPH_MARK + text.lstrip() if b.heading or after_heading else text)
            after_heading = b.heading
        return "\n".join(out) + "\n"
    return "".join(f"{PARAGRAPH_MARK}{b.text.strip()}\n" for b in blocks)


def _printed_lines(lines: list[str]) -> bool:
    """True when the blocks look like a hard-wrapped page: mostly cut mid-sentence at one width."""
    widths = [display_width(t.strip()) for t in lines]
    if len(widths) < 5:
        return False
    unterminated = sum(1 for t in lines if not ends_sentence(t))
    median = sorted(widths)[len(widths) // 2]
    if median > 40 or unterminated < 0.5 * len(lines):
        return False
    # Headings and list items are short too; only lines cut at one printed width are a wrap.
    common = Counter(round(w) for w in widths if w >= 8).most_common(1)
    return bool(common) and common[0][1] >= 0.3 * len(lines)


# --------------------------------------------------------------------------- HTML


# Fonts shared by a radical and an ideograph (Noto/Source Han among them) often map the glyph to
# the radical in the PDF's ToUnicode table: 文 comes out as ⽂ (U+2F42), 民 as ⺠. Kangxi radicals
# fold by NFKC, except where NFKC picks a traditional variant; the supplement needs a table.
RADICALS: dict[int, str] = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}
RADICALS[0x2F3E] = "户"  # ⼾: NFKC gives 戶
RADICALS[0x2FAD] = "青"  # ⾭: NFKC gives 靑
RADICALS.update(
    {
        ord(r): u
        for r, u in zip(
            # Unicode's EquivalentUnifiedIdeograph, for the radicals that are whole characters.
            "⺒⺓⺟⺠⺩⺬⻁⻄⻅⻆⻉⻋⻑⻓⻔⻘⻙⻚⻛⻜⻝⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
            "巳幺母民王示虎西见角贝车長长门青韦页风飞食首马骨鬼鱼鸟卤麦黄黾齐齿龙龟",
        )
    }
)
RADICALS.update({cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFB00, 0xFB07)})  # ﬁ ligatures


def _short(exc: BaseException) -> str:
    """An exception as a short single line for the skipped-files list."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."
