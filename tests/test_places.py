"""Place resolution: titles, headings and opening lines from the seeds, short forms, ambiguity."""

from __future__ import annotations

import csv
import doctest
import re
from importlib import resources
from pathlib import Path

import pytest

from searcher import places
from searcher.model import Place
from searcher.places import place_in, resolve_name, resolve_province, short_forms

JL = "吉林省"
YANBIAN = "延边朝鲜族自治州"
SHAOYANG = ("湖南省", "邵阳市")

# (text, expected place as (province, city, county) or None)
TITLES: list[tuple[str, tuple[str | None, ...] | None]] = [
    # seed 000: the heading, the byline and a chain through the abbreviated prefecture
    ("吉林省延吉市：", (JL, YANBIAN, "延吉市")),
    ("□ 中共延吉市委宣传部", (JL, YANBIAN, "延吉市")),
    ("回望吉林省延边州延吉市创建“全国文明城市”的", (JL, YANBIAN, "延吉市")),
    ("吉林省延边州", (JL, YANBIAN, None)),
    # seed 001: the city and its district sections
    ("——吉林市深化全国文明城市创建工作和国家卫生城市复审工作走笔", (JL, "吉林市", None)),
    ("船营区：一街一品 共绘幸福", (JL, "吉林市", "船营区")),
    ("昌邑区：民生实事 扮美生活", (JL, "吉林市", "昌邑区")),
    ("龙潭区：巧手汇聚 文明共享", (JL, "吉林市", "龙潭区")),
    ("丰满区：生态宜居 专项提升", (JL, "吉林市", "丰满区")),
    ("吉林市丰满区的五代广场", (JL, "吉林市", "丰满区")),
    # seed 002
    ("2018 年以来，通化县深入贯彻", (JL, "通化市", "通化县")),
    # seed 003: its four sections
    ("吉林省吉林市", (JL, "吉林市", None)),
    ("浙江省台州市", ("浙江省", "台州市", None)),
    ("江西省萍乡市", ("江西省", "萍乡市", None)),
    ("陕西省延安市", ("陕西省", "延安市", None)),
    # seed 004: article titles (table-of-contents numbering included)
    ("1. 日喀则市创建全国文明城市工作综述1", ("西藏自治区", "日喀则市", None)),
    ("新宁县创建文明城市工作综述", (*SHAOYANG, "新宁县")),
    ("平城区推进创建全国文明城市综述", ("山西省", "大同市", "平城区")),
    ("云州区创建全国文明城市常态长效管理工作综述", ("山西省", "大同市", "云州区")),
    ("衡水高新区推进全国文明城市创建工作综述", ("河北省", "衡水市", None)),
    ("铜仁推进全国文明城市创建综述", ("贵州省", "铜仁市", None)),
    ("杭锦后旗创建自治区文明城市工作综述", ("内蒙古自治区", "巴彦淖尔市", "杭锦后旗")),
    ("磴口县创建自治区文明城市工作综述", ("内蒙古自治区", "巴彦淖尔市", "磴口县")),
    ("大同市教育系统助力创建全国文明城市工作综述", ("山西省", "大同市", None)),
    ("北海市行政审批局开展创城活动综述", ("广西壮族自治区", "北海市", None)),
    ("城步苗族自治县创建文明城市工作综述", (*SHAOYANG, "城步苗族自治县")),
    ("双清区教育系统推进创建全国文明城市工作综述", (*SHAOYANG, "双清区")),
    ("邵东市创建文明城市工作综述", (*SHAOYANG, "邵东市")),
    ("崆峒区创建全国文明城市综述", ("甘肃省", "平凉市", "崆峒区")),
    ("临江市全力推进全国文明城市创建工作综述", (JL, "白山市", "临江市")),
    ("驻马店市巩固提升全国文明城市创建成果综述", ("河南省", "驻马店市", None)),
    # short forms
    ("延吉：持续深入推进文明城市创建", (JL, YANBIAN, "延吉市")),
    ("延边州文明委召开会议", (JL, YANBIAN, None)),
    ("台州坚持从地方人文禀赋出发", ("浙江省", "台州市", None)),
    ("延安坚持把习近平新时代中国特色社会主义思想作为创建工作的根本遵循", ("陕西省", "延安市", None)),
    ("城步县委、县政府高度重视文明创建工作", (*SHAOYANG, "城步苗族自治县")),
    ("广西南宁市", ("广西壮族自治区", "南宁市", None)),
    ("内蒙古文明城市创建", ("内蒙古自治区", None, None)),
    ("北京朝阳", ("北京市", "北京市", "朝阳区")),
    ("天津市和平区", ("天津市", "天津市", "和平区")),
    ("2023年衡水经济开发区工作总结", ("河北省", "衡水市", None)),
    ("攀枝花新区建设", ("四川省", "攀枝花市", None)),
    # 吉林: the province unless written 吉林市
    ("吉林", (JL, None, None)),
    ("吉林好人评选", (JL, None, None)),
    ("吉林市", (JL, "吉林市", None)),
    # longest match first
    ("宁县创建文明城市", ("甘肃省", "庆阳市", "宁县")),
    # ambiguous without context: only the shared levels, or nothing
    ("朝阳区文明城市创建工作情况汇报", None),
    ("鼓楼区创建文明城市工作总结", None),
    ("桥西区创建全国文明城市综述", ("河北省", None, None)),
    ("昌邑：民生实事", None),
    # former units keep their name; a shared name prefers today's unit
    ("邵东县创建文明城市", (*SHAOYANG, "邵东县")),
    ("莱芜市文明城市创建", ("山东省", "莱芜市", None)),
    ("钢城区文明城市创建", ("山东省", "莱芜市", "钢城区")),
    # not places
    ("文明城市创建工作", None),
    ("2021年全国文明城市创建工作培训班交流发言材料摘编（三）", None),
    ("城市更文明生活更美好", None),
    ("持续推进文明幸福江城建设", None),
    ("建设百姓满意的新江城", None),
    ("满城文明风满目和谐情", None),
    ("坚持以人民为中心，让群众安居乐业", None),
    ("勠力同心、攻坚克难", None),
    ("维护社会长治久安", None),
    ("二、紧盯任务，全方位无死角大力推进", None),
    ("核心指标的均衡水平保持了全国领先", None),
    ("感受到党和政府的温暖", None),
    ("船营区昆明街、莲花街等7条道路", (JL, "吉林市", "船营区")),
    ("昆明街、莲花街等7条道路", None),
    ("两江新区创建工作", None),
    ("", None),
]


def _place(expected: tuple[str | None, ...] | None) -> Place | None:
    return None if expected is None else Place(*expected)


@pytest.mark.parametrize(("text", "expected"), TITLES)
def test_place_in(text: str, expected: tuple[str | None, ...] | None) -> None:
    assert place_in(text) == _place(expected)


CONTEXT: list[tuple[str, Place, tuple[str | None, ...] | None]] = [
    ("朝阳区文明城市创建", Place("吉林省", "长春市"), ("吉林省", "长春市", "朝阳区")),
    ("朝阳区文明城市创建", Place("北京市", "北京市", "东城区"), ("北京市", "北京市", "朝阳区")),
    ("朝阳区文明城市创建", Place("吉林省"), ("吉林省", "长春市", "朝阳区")),
    ("朝阳区文明城市创建", Place("浙江省"), None),
    ("鼓楼区创建文明城市工作总结", Place("江苏省", "徐州市"), ("江苏省", "徐州市", "鼓楼区")),
    ("鼓楼区创建文明城市工作总结", Place("江苏省"), ("江苏省", None, None)),
    ("昌邑：民生实事 扮美生活", Place("吉林省", "吉林市"), ("吉林省", "吉林市", "昌邑区")),
    ("钢城区文明城市创建", Place("山东省", "莱芜市"), ("山东省", "莱芜市", "钢城区")),
    # a weak name at the very start counts when the context city has such a unit
    ("城区常态化开展全国文明城市创建工作综述", Place("山西省", "阳泉市"), ("山西省", "阳泉市", "城区")),
    ("新华区创建文明城市工作综述", Place("河北省", "沧州市"), ("河北省", "沧州市", "新华区")),
    ("中心城区环境整治", Place("山西省", "阳泉市"), None),
    ("和平发展之路", Place("辽宁省", "沈阳市"), None),
    # context never overrides a name that is not ambiguous
    ("延吉市创建工作", Place("浙江省", "台州市"), (JL, YANBIAN, "延吉市")),
    # bare 吉林 in a 吉林市 document is the city
    ("吉林：常态长效", Place("吉林省", "吉林市"), (JL, "吉林市", None)),
    # 通化 is the prefecture, also inside a 通化县 document
    ("通化：创城为民", Place("吉林省", "通化市", "通化县"), (JL, "通化市", None)),
]


@pytest.mark.parametrize(("text", "context", "expected"), CONTEXT)
def test_place_in_context(text: str, context: Place, expected: tuple[str | None, ...] | None) -> None:
    assert place_in(text, context) == _place(expected)


def test_place_in_accepts_full_width_and_spaced_chains() -> None:
    assert place_in("吉林省\u3000延吉市") == Place(JL, YANBIAN, "延吉市")
    assert place_in("（吉林省延吉市）") == Place(JL, YANBIAN, "延吉市")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("延吉", [(JL, YANBIAN, "延吉市")]),
        ("延吉市", [(JL, YANBIAN, "延吉市")]),
        ("吉林市", [(JL, "吉林市")]),
        ("吉林", [(JL, "吉林市")]),
        ("延边州", [(JL, YANBIAN)]),
        ("延边", [(JL, YANBIAN)]),
        (" 台州 ", [("浙江省", "台州市")]),
        ("北京", [("北京市", "北京市")]),
        ("通化", [(JL, "通化市"), (JL, "通化市", "通化县")]),
        ("城步", [(*SHAOYANG, "城步苗族自治县")]),
        ("邵东", [(*SHAOYANG, "邵东县"), (*SHAOYANG, "邵东市")]),
        ("吉林省", []),
        ("文明", []),
        ("", []),
    ],
)
def test_resolve_name(name: str, expected: list[tuple[str, ...]]) -> None:
    assert resolve_name(name) == [Place(*e) for e in expected]


def test_resolve_name_lists_every_reading_even_ordinary_words() -> None:
    found = resolve_name("朝阳")
    assert Place("辽宁省", "朝阳市") in found
    assert Place("北京市", "北京市", "朝阳区") in found
    assert Place("吉林省", "长春市", "朝阳区") in found
    assert found[0].county is None  # prefecture-level readings come first


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("吉林", "吉林省"),
        ("吉林省", "吉林省"),
        ("广西", "广西壮族自治区"),
        ("内蒙古", "内蒙古自治区"),
        ("内蒙", "内蒙古自治区"),
        ("新疆", "新疆维吾尔自治区"),
        ("北京", "北京市"),
        ("上海市", "上海市"),
        ("延吉", None),
        ("台湾", None),
    ],
)
def test_resolve_province(name: str, expected: str | None) -> None:
    assert resolve_province(name) == expected


@pytest.mark.parametrize(
    ("name", "level", "expected"),
    [
        ("延边朝鲜族自治州", places.CITY, ["延边", "延边州"]),
        ("恩施土家族苗族自治州", places.CITY, ["恩施", "恩施州"]),
        ("伊犁哈萨克自治州", places.CITY, ["伊犁", "伊犁州"]),
        ("阿克苏地区", places.CITY, ["阿克苏"]),
        ("兴安盟", places.CITY, ["兴安"]),
        ("城步苗族自治县", places.COUNTY, ["城步", "城步县"]),
        ("龙胜各族自治县", places.COUNTY, ["龙胜", "龙胜县"]),
        ("杭锦旗", places.COUNTY, ["杭锦"]),
        ("杭锦后旗", places.COUNTY, []),
        ("鄂温克族自治旗", places.COUNTY, []),
        ("滨海新区", places.COUNTY, ["滨海"]),
        ("宁县", places.COUNTY, []),
        ("广西壮族自治区", places.PROVINCE, ["广西"]),
        ("北京市", places.PROVINCE, ["北京"]),
    ],
)
def test_short_forms(name: str, level: int, expected: list[str]) -> None:
    assert short_forms(name, level) == expected


# --------------------------------------------------------------------------- the data files


def _rows(name: str) -> list[list[str]]:
    with (resources.files("searcher") / "data" / name).open(encoding="utf-8") as fh:
        return [r for r in csv.reader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")]


def test_places_tsv_is_a_clean_hierarchy() -> None:
    rows = _rows("places.tsv")
    assert rows[0] == ["province", "city", "county"]
    body = [tuple(r) for r in rows[1:]]
    assert len(body) == len(set(body)) > 3000
    assert all(len(r) == 3 and r[0] and r[1] for r in body)
    prefectures = {(p, c) for p, c, k in body if not k}
    for p, c, k in body:
        if k:
            assert (p, c) in prefectures or p == c, (p, c, k)
    assert len({p for p, _, _ in body}) == 31


def test_place_aliases_point_into_known_provinces() -> None:
    rows = _rows("place_aliases.tsv")
    assert rows[0] == ["name", "province", "city", "county"]
    provinces = {r[0] for r in _rows("places.tsv")[1:]}
    for name, province, city, county in rows[1:]:
        assert name and province in provinces
        assert city or not county


def test_every_official_name_resolves_to_its_own_unit() -> None:
    """Each county-level unit that is the only one of its name is found by that name."""
    body = [r for r in _rows("places.tsv")[1:] if r[2]]
    counts: dict[str, int] = {}
    for _, _, county in body:
        counts[county] = counts.get(county, 0) + 1
    misses = [
        (p, c, k)
        for p, c, k in body
        if counts[k] == 1 and k not in places.WEAK_FULL_NAMES and place_in(f"{k}创建全国文明城市工作综述") != Place(p, c, k)
    ]
    assert misses == []


def test_gazetteer_is_built_once() -> None:
    assert places._gazetteer() is places._gazetteer()


# --------------------------------------------------------------------------- the seeds

_TOC = re.compile(r"^(?:##\w+##)?\d+\.\s*(\S.*?)\s*\d+$")


def test_every_compilation_title_in_seed_004_names_a_place(seeds_dir: Path) -> None:
    (path,) = seeds_dir.glob("004_*.txt")
    titles = [m.group(1) for ln in path.read_text(encoding="utf-8").splitlines() if (m := _TOC.match(ln.strip()))]
    assert len(titles) == 34
    found = {t: place_in(t) for t in titles}
    assert [t for t, p in found.items() if p is None] == []
    assert found["北海市行政审批局开展创城活动综述"] == Place("广西壮族自治区", "北海市")


# Units whose names hide inside ordinary words of the seeds (the word in the comment).
FALSE_FRIENDS = {
    "惠民县",  # 创建惠民
    "新建区",  # 新建改造
    "满城区",  # 满城劲吹
    "江山市",  # 江山就是人民
    "阳春市",  # 阳春三月
    "项城市",  # 多项城市顽疾
    "龙湖区",  # 龙湖园社区
    "和县",  # 会和县政府
    "成县",  # 建成县人民医院
    "高县",  # 提高县城
    "建水县",  # 创建水平
    "明水县",  # 文明水平
    "福清市",  # 幸福清单
    "马龙区",  # 车水马龙
    "和政县",  # 党和政府
    "大城县",  # 扩大城乡
    "利通区",  # 顺利通过
    "上街区",  # 走上街头
    "扬中市",  # 弘扬中华
    "新和县",  # 更新和补植
    "增城区",  # 新增城镇
    "花都区",  # 樱花都开了
    "建平县",  # 创建平台
    "文成县",  # 创文成效
    "迁安市",  # 回迁安置
    "上城区",  # 县级以上城市
    "都安瑶族自治县",  # 都安排
    "新平彝族傣族自治县",  # 创新平台
    "资兴市",  # 投资兴业
    "容城县",  # 美容城市
    "古城区",  # 这座古城
    "江城哈尼族彝族自治县",  # 幸福江城
    "同心县",  # 勠力同心
    "资源县",  # 文化资源
    "合作市",  # 合作关系
    "东安县",  # 东安小区
    "昆明市",  # 昆明街
}


def test_no_seed_line_is_placed_by_an_ordinary_word(seeds_dir: Path) -> None:
    wrong = []
    for path in sorted(seeds_dir.glob("*.txt")):
        for line in re.split(r"\n|\u3000{2,}", path.read_text(encoding="utf-8")):
            place = place_in(line)
            if place is not None and {place.city, place.county} & FALSE_FRIENDS:
                wrong.append((line[:30], place.label()))
    assert wrong == []


def test_doctests() -> None:
    assert doctest.testmod(places).failed == 0
