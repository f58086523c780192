"""Report dates: the date a text gives, at the precision it gives, as ISO text.

``2023-04-12`` for a day, ``2023-04`` for a month, ``2023`` for a year.  Accepted forms:
2023年4月12日 (spaces allowed between the parts, as in PDF text: 2020年 11月 20日), 2023.4.12,
2023-04-12, 2023/4/12, 2023-04 and 2023.4 (not before % or 万元: that is a number), Chinese
numerals (二〇二三年四月十二日, the usual form under official documents) and full-width digits.
Years outside 1949-2100 and impossible days are not dates.
"""

from __future__ import annotations

import calendar
import re
import unicodedata

__all__ = ["date_in", "date_line", "year_in_title"]

MIN_YEAR, MAX_YEAR = 1949, 2100

# ○ (a circle) and 零 stand in for 〇 in much typed text.
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}
_CN_YEAR = "[〇零○一二三四五六七八九]{4}"
_CN_NUMBER = "[一二三四五六七八九十]{1,3}"

# One alternative per written form; each names its groups y, m, d (m and d optional where the
# form allows a coarser date).  Digits next to the match mean a longer number, not a date.  A day
# needs 日/号 unless punctuation or the end follows (2023年4月5个工作组 is no 5 April).
_DATE = (
    r"(?<![\d.])(?P<y1>\d{4})\s*年"
    r"(?:\s*(?P<m1>\d{1,2})\s*月(?:\s*(?P<d1>\d{1,2})(?:\s*[日号]|(?=\s*(?:$|[^\w]))))?)?"
    r"|(?<![\d.])(?P<y2>\d{4})(?P<sep>[./-])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2})(?![\d.])"
    r"|(?<![\d./-])(?P<y3>\d{4})[-/.](?P<m3>\d{1,2})(?![\d./-]|\s*[%‰万亿千百元])"
    rf"|(?P<y4>{_CN_YEAR})\s*年(?:\s*(?P<m4>{_CN_NUMBER})\s*月(?:\s*(?P<d4>{_CN_NUMBER})\s*[日号])?)?"
)
_DATE_RE = re.compile(_DATE)

# A line that is only a date: optionally a short label (发布时间：) or brackets, a clock time or a
# weekday after it.
_LABEL = r"(?:[\u4e00-\u9fff]{1,6}\s*[:：]\s*|(?:发布|更新|发表|写)于\s*)"
_TAIL = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?(?:\s*(?:星期|周)[一二三四五六日天])?"
_DATE_LINE_RE = re.compile(rf"(?P<open>[(\[【]?)\s*(?P<label>{_LABEL})?(?P<date>{_DATE}){_TAIL}\s*(?P<close>[)\]】]?)")
_BRACKETS = {"(": ")", "[": "]", "【": "】", "": ""}
# No date line is longer than this (label, date, time, weekday, brackets, spacing).
_DATE_LINE_MAX = 80
_DIGIT_RE = re.compile(r"[\d〇零○一二三四五六七八九]")

_YEAR_IN_TITLE_RE = re.compile(
    rf"(?<![\d.])(?P<y>\d{{4}})\s*年(?!\s*(?:以来|以前|之前|前后))"
    rf"|(?P<cn>{_CN_YEAR})\s*年(?!\s*(?:以来|以前|之前|前后))"
    r"|^(?P<lead>\d{4})(?=[^\d.年\-—~～至到/])"
)
# 2021-2023年 states a span, not the report's year.
_YEAR_SPAN_RE = re.compile(r"\d{4}\s*年?\s*[-—–~～至到]\s*\d{4}")


def _normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), keeping ideographs as they are."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _cn_year(text: str) -> str:
    return "".join(_CN_DIGITS[c] for c in text)


def _cn_number(text: str) -> int:
    """一 .. 三十一 as an int (month and day numerals)."""
    if "十" not in text:
        return int(_CN_DIGITS[text])
    tens, _, units = text.partition("十")
    return (int(_CN_DIGITS[tens]) if tens else 1) * 10 + (int(_CN_DIGITS[units]) if units else 0)


def _parts(m: re.Match[str]) -> tuple[int, int | None, int | None]:
    """(year, month, day) of a _DATE match, None for the parts the text leaves out."""
    g = m.groupdict()
    if g["y4"]:
        month, day = g["m4"], g["d4"]
        return (
            int(_cn_year(g["y4"])),
            _cn_number(month) if month else None,
            _cn_number(day) if day else None,
        )
    for k in "123":
        if g[f"y{k}"]:
            month, day = g[f"m{k}"], g.get(f"d{k}")
            return int(g[f"y{k}"]), int(month) if month else None, int(day) if day else None
    raise AssertionError("a _DATE match always has a year")


def _iso(year: int, month: int | None, day: int | None) -> str | None:
    """ISO text at the given precision, or None if no such date exists."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def date_in(text: str) -> str | None:
    """The first valid date in text, at the precision the text gives.

    >>> date_in("（2023年4月12日）")
    '2023-04-12'
    >>> date_in("2020年 11月 20日，全国精神文明建设表彰大会在北京举行")
    '2020-11-20'
    >>> date_in("2023.4.12"), date_in("2023年4月"), date_in("2018 年以来")
    ('2023-04-12', '2023-04', '2018')
    >>> date_in("２０２３年４月１２日"), date_in("二〇二三年四月十二日")
    ('2023-04-12', '2023-04-12')
    >>> date_in("2023年2月30日") is None
    True
    """
    for m in _DATE_RE.finditer(_normalise(text)):
        iso = _iso(*_parts(m))
        if iso is not None:
            return iso
    return None


def date_key(date: str | None, end: bool) -> int:
    """A date of any precision as yyyymmdd: its first day, or its last day with ``end``.

    >>> date_key("2021", end=False), date_key("2021", end=True), date_key("2023-04", end=True)
    (20210101, 20211231, 20230431)
    """
    if not date:
        return 0
    parts = [int(p) for p in date.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if end else 1)
    day = parts[2] if len(parts) > 2 else (31 if end else 1)
    return year * 10000 + month * 100 + day


def typed_date(value: str) -> str | None:
    """A date as a user types it (an option, a form field, a corrections file), at its precision.

    >>> typed_date("2021"), typed_date("2023-4"), typed_date("2023/4/12"), typed_date("2023年4月")
    ('2021', '2023-04', '2023-04-12', '2023-04')
    >>> typed_date("2023-13") is None, typed_date("21") is None
    (True, True)
    """
    value = unicodedata.normalize("NFKC", value).strip()
    if m := re.fullmatch(r"(\d{4})年?", value):
        return m.group(1) if MIN_YEAR <= int(m.group(1)) <= MAX_YEAR else None
    if re.fullmatch(r"\d{4}(?:[-./]\d{1,2}){1,2}|\d{4}年\d{1,2}月(?:\d{1,2}[日号])?", value):
        return date_in(value)  # also rejects 2023-13 and 2023-02-30
    return None


def date_line(line: str) -> str | None:
    """The date if the whole line is a date line, such as （2023年4月12日） or 发布时间：2023-04-12.

    A bare year (2023年) is a heading more often than a date line, so it counts only in brackets
    or after a label.

    >>> date_line("（2023年4月12日）")
    '2023-04-12'
    >>> date_line("发布时间：2023-04-12 10:30")
    '2023-04-12'
    >>> date_line("2023年4月12日，市委召开创城推进会。") is None
    True
    """
    line = line.strip()
    if len(line) > _DATE_LINE_MAX or not _DIGIT_RE.search(line):
        return None  # paragraphs are most lines: skip them before normalising
    m = _DATE_LINE_RE.fullmatch(_normalise(line).strip())
    if m is None or _BRACKETS.get(m["open"]) != m["close"]:
        return None
    year, month, day = _parts(m)
    if month is None and not (m["open"] or m["label"]):
        return None
    return _iso(year, month, day)


def year_in_title(title: str) -> str | None:
    """The year a title states as its report's year: "2021年全国文明城市创建工作培训班..." -> "2021".

    Spans (2021-2023年) and "since" years (2018年以来) are not a report's year.

    >>> year_in_title("2023年创建文明城市工作总结、工作汇报、经验材料汇编")
    '2023'
    >>> year_in_title("XX市2022年度文明城市创建工作总结")
    '2022'
    >>> year_in_title("2018年以来创建工作综述") is None
    True
    """
    text = _normalise(title)
    if _YEAR_SPAN_RE.search(text):
        return None
    for m in _YEAR_IN_TITLE_RE.finditer(text):
        year = int(m["y"] or m["lead"] or _cn_year(m["cn"]))
        if MIN_YEAR <= year <= MAX_YEAR:
            return str(year)
    return None
