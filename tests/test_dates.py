"""Report dates: date_in, date_line and year_in_title."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from searcher import dates
from searcher.dates import date_in, date_line, year_in_title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年4月12日", "2023-04-12"),
        ("（2023年4月12日）", "2023-04-12"),
        ("2020年 11月 20日，全国精神文明建设表彰大会在北京举行", "2020-11-20"),  # seed 002's spacing
        ("2018 年以来，通化县深入贯彻", "2018"),
        ("2023年 4 月", "2023-04"),
        ("2023年4月12号", "2023-04-12"),
        ("2023年4月12）", "2023-04-12"),
        ("2023.4.12", "2023-04-12"),
        ("2023.04.12", "2023-04-12"),
        ("2023-04-12", "2023-04-12"),
        ("2023/4/12", "2023-04-12"),
        ("2023-04", "2023-04"),
        ("2023/4", "2023-04"),
        ("2023.4", "2023-04"),
        ("２０２３年４月１２日", "2023-04-12"),  # full-width digits
        ("２０２３．４．１２", "2023-04-12"),
        ("二〇二三年四月十二日", "2023-04-12"),
        ("二〇二三年十月二十一日", "2023-10-21"),
        ("二〇二三年十二月", "2023-12"),
        ("二○二三年三月三十一日", "2023-03-31"),  # a circle typed for 〇
        ("2024年2月29日", "2024-02-29"),
        ("1949年10月1日", "1949-10-01"),
        ("会议于2023年5月5日召开，6月1日前完成", "2023-05-05"),
        # a number after the month is no day unless 日/号 or punctuation follows
        ("2023年4月5个工作组", "2023-04"),
        ("2023年4月1000余人参加", "2023-04"),
        # invalid dates are no dates
        ("2023年2月29日", None),
        ("2023年4月31日", None),
        ("2023年13月1日", None),
        ("2023年0月1日", None),
        ("2023-02-30", None),
        ("1900年1月1日", None),
        ("2101年", None),
        ("二〇二三年十三月", None),
        # numbers that are not dates
        ("共有2023人参加", None),
        ("12023年", None),
        ("2023.4万元", None),
        ("增长2023.4%", None),
        ("2023.04.12.5", None),
        ("2022-2024", None),
        ("文明城市创建工作", None),
        ("", None),
    ],
)
def test_date_in(text: str, expected: str | None) -> None:
    assert date_in(text) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("（2023年4月12日）", "2023-04-12"),  # seed 004's article date lines
        ("(2023年4月12日)", "2023-04-12"),
        ("2023年4月12日", "2023-04-12"),
        ("  2023年4月12日\u3000", "2023-04-12"),
        ("【2023-04-12】", "2023-04-12"),
        ("［2023-04-12］", "2023-04-12"),
        ("发布时间：2023-04-12", "2023-04-12"),
        ("发布时间: 2023-04-12 10:30:15", "2023-04-12"),
        ("日期：2023/4/12", "2023-04-12"),
        ("发布于2023-04-12", "2023-04-12"),
        ("2023年4月12日 星期三", "2023-04-12"),
        ("（二〇二三年四月十二日）", "2023-04-12"),
        ("2023年4月", "2023-04"),
        ("（2023年）", "2023"),
        ("时间：2023年", "2023"),
        ("（２０２３年４月１２日）", "2023-04-12"),
        # not date lines
        ("2023年4月12日，市委召开创城推进会。", None),  # a body sentence with a date
        ("据2023年4月12日消息", None),
        ("2020年 11月 20日，全国精神文", None),  # seed 002's hard-wrapped first line
        ("2021年全国文明城市创建工作培训班交流发言材料摘编（三）", None),
        ("来源：人民网 2023-04-12", None),
        ("（2023年4月12日", None),  # unbalanced brackets
        ("2023年4月12日）", None),
        ("(2023年4月12日】", None),
        ("（2023年2月30日）", None),  # impossible day
        ("2023年", None),  # a bare year is a heading more often than a date line
        ("2023", None),
        ("18", None),
        ("", None),
    ],
)
def test_date_line(line: str, expected: str | None) -> None:
    assert date_line(line) == expected


def test_seed_004_date_lines(seeds_dir: Path) -> None:
    """Every article of the compilation has its date line, and no body line is taken for one."""
    (path,) = seeds_dir.glob("004_*.txt")
    found = [d for ln in path.read_text(encoding="utf-8").splitlines() if (d := date_line(ln))]
    assert len(found) == 34
    assert found[0] == "2023-04-12"
    assert all(d.startswith("2023-") for d in found)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2021年全国文明城市创建工作培训班交流发言材料摘编（三）（建设更高水平文明城市）", "2021"),
        ("2023年创建文明城市工作总结、工作汇报、经验材料汇编", "2023"),
        ("XX市2022年度文明城市创建工作总结", "2022"),
        ("XX市文明城市创建工作总结（2023年）", "2023"),
        ("2023 年文明城市创建工作要点", "2023"),
        ("2023全国文明城市测评体系", "2023"),
        ("二〇二三年文明城市创建工作总结", "2023"),
        ("２０２３年工作总结", "2023"),
        ("2022年工作总结和2023年工作计划", "2022"),
        ("2018年以来创建工作综述", None),
        ("2021-2023年文明城市创建行动计划", None),
        ("2021—2023年文明城市创建行动计划", None),
        ("日喀则市创建全国文明城市工作综述", None),
        ("1000名志愿者走上街头", None),
        ("1900年的老城", None),
        ("", None),
    ],
)
def test_year_in_title(title: str, expected: str | None) -> None:
    assert year_in_title(title) == expected


def test_doctests() -> None:
    assert doctest.testmod(dates).failed == 0
