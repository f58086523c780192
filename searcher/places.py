"""Gazetteer and place resolution: which place a title, heading or opening line is about.

The gazetteer is China's administrative divisions at three levels (``data/places.tsv``, current
divisions) plus ``data/place_aliases.tsv`` (former units and customary abbreviations).  Every unit is
known by its full official name and, where that is safe, by short forms: 台州 for 台州市, 延边 and
延边州 for 延边朝鲜族自治州, 城步 and 城步县 for 城步苗族自治县, 广西 for 广西壮族自治区.

Decisions (the tests pin them):

* Bare 吉林 is the province (吉林省); the prefecture must be written 吉林市.  Generally a short form
  shared by units at different levels means the highest one (通化 -> 通化市, not 通化县).
* Short forms that are ordinary words (文明-campaign prose is full of 和平, 光明, 安居乐业, 同心 ...)
  and generic full names (城区, 郊区, 新城区 ...) are *weak*: they count only right after their parent
  in a chain (北京朝阳 -> 朝阳区), or (full names only) at the very start of a text whose context
  city has such a unit: 城区创建工作综述 in a 阳泉市 document.
* An ambiguous name (朝阳区, 鼓楼区) is resolved by the context place (same city first, then same
  province).  Failing that, only the levels all readings share are returned (桥西区 -> 河北省),
  and None when they share nothing: never a guess.
* Former units (邵东县, 莱芜市 ...) keep the name and parent they had, because older reports use
  them; where a former and a current unit share a name, the current one wins unless the context
  points to the former.
* Two-character names (延吉, 衡水, and full names such as 和县) and names ending in 城市/城区 count
  only where a word surely starts (text start, after punctuation, a space or a date, or after their
  parent in a chain): without word segmentation 均衡水平 would hold 衡水 and 党和政府 和政.  Short
  forms followed by 路/街/小区 ... are street or estate names (昆明街, 东安小区), not places.
* Development zones are not units: 衡水高新区 is 衡水市 (the scan stops at what it knows).
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import NamedTuple

from searcher.model import Place

__all__ = ["all_names", "place_in", "resolve_name", "resolve_province", "short_forms"]

PROVINCE, CITY, COUNTY = 0, 1, 2

MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})

# The 55 minority nationalities, as they appear inside autonomous-area names (城步苗族自治县,
# 伊犁哈萨克自治州); stripped to get the customary short form.
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
# Bare one-character nationalities (水, 白, 土 ...) end many ordinary place names, so only
# "X族" or a multi-character nationality is stripped; 各族 ("all nationalities") as in 龙胜各族自治县.
_ETHNIC_AFFIXES = tuple(
    sorted({e + "族" for e in _ETHNIC} | {e for e in _ETHNIC if len(e) > 1} | {"各族"}, key=len, reverse=True)
)

# Longest first, so 自治县 is tried before 县 and 新区 before 区.
_PROVINCE_SUFFIXES = ("自治区", "省", "市")
# 杭锦后旗 is 杭锦 + 后旗 (rear banner): no short form 杭锦后.
_BANNER_PARTS = ("前", "后", "中", "左", "右", "翼", "联合")
_UNIT_SUFFIXES = ("自治州", "自治县", "自治旗", "地区", "林区", "特区", "新区", "市", "县", "区", "旗", "盟")

# Short forms that are ordinary words in these reports, or nicknames (江城 is 吉林市's), or too
# generic to take alone: candidates came from jieba's dictionary (county stems tagged as common
# nouns, verbs, adjectives ...) and from scanning the seed texts (安居乐业 holds 安居 and 乐业,
# 同心同向 holds 同心, 资源共享 holds 资源), then were picked by hand.  Province stems are never
# weak, and prefecture stems only where the word sense dominates (东方, 来宾): 保定, 大同 and 长治
# are places first, and NOT_PLACES catches 长治久安 and the like.  开发 is no stem today; it is
# listed so that no future data row makes it one.
WEAK_SHORT_FORMS = frozenset(
    """
    长安 和平 新华 城关 朝阳 中山 东方 永安 城中 城东 城西 城南 城北 市中 市北 市南 新城 老城 开发 郊区
    矿区 城区 西区 东区 城厢 江北 江南 江东 江岸 南岸 河东 河西 白云 青山 南山 宝山 西湖 桥东 桥西 铁东
    铁西 向阳 红旗 光明 前进 东风 红星 解放 平安 安定 太平 新兴 友谊 富裕 安宁 大方 公安 通道 方正 中原
    同心 平原 康乐 乐业 安居 和顺 平和 东海 南海 江城 全州 来宾 新星 白杨 双河 吉利 三山 上甘岭 普陀
    龙华 长宁 大通 新民 海州 永定 资源 合作 比如 南部 港口 友好 共和 中方 延长 运河 万年 光泽 会同 工农
    大名 清水 前锋 复兴 长子 宏伟 平定 芙蓉 太和 石门 振兴 三元 互助 威信 莲花 名山 龙泉 桃源 三门 大观
    建安 永和 二七 台前 石棉 丰满 双桥 高台 九龙 二道 无为 民权 小店 平房 万安 太白 灯塔 大兴 天涯 七星
    海棠 回民 黑水 鼓楼 湖里 上党 麒麟 海盐 高密 富民 清流 水城 紫金 爱民 上高 孝义 天台 景泰 开化 天心
    天元 新会 民乐 铜鼓 兴业 路南 路北 磐石 樟树 梨树 大田 双塔 大化 鸡冠 五常 天长 牧野 盐田 新田 交口
    进贤 新化 金水 双城 东光 雨花 平远 天全 建始 固安 博望 华龙 金安 城固 永丰 永新 永福 文峰 月湖 建华
    新建 惠民 满城 江山 阳春 古城 东城 西城 上街 山城 金山 新市 花都 温泉 鹤城 龙城 榕城 鹿城 凤城 钢城
    石城
    """.split()
)

# Official names that are also ordinary nouns in these reports (老城区改造, 平房区改造, 和平区 as
# a phrase); they still resolve inside a chain such as 天津市和平区.
WEAK_FULL_NAMES = frozenset(
    """
    城区 郊区 矿区 东区 西区 老城区 平房区 新城区 城关区 市中区 城中区 和平区 新华区 城东区 城西区 城北区
    城南区 解放区 新市区 古城区
    """.split()
)

# Phrases that begin with a place name but are not about it; matched like names and skipped whole.
NOT_PLACES = frozenset(
    """
    长治久安 大同小异 世界大同 天下大同 白山黑水 哈密瓜 阿里巴巴 阿里云 阿里郎 北海道 大理石 玉树临风 普洱茶
    龙井茶 兰州拉面 沙县小吃 黄山松 长白山 天南海北 山南海北 天长地久
    """.split()
)

# Two-character names straddle ordinary words all the time (党和政府 holds 和政, 提高县城 holds 高县),
# so they count only where a word surely starts (see _anchored and _needs_anchor).  These words
# before a name mark such a start too.
_ANCHOR_WORDS = ("中共", "关于")

# A short form followed by these is a street, estate or park named after a place (昆明街, 东安小区,
# 龙湖园); an industrial park (园区) still belongs to its place.
_LANDMARK_CHARS = frozenset("路街巷桥村镇乡庄寨屯园")
_LANDMARK_WORDS = frozenset({"小区", "社区", "公园", "广场", "大街", "大道", "花园", "新村"})


class _Entry(NamedTuple):
    place: Place
    level: int
    short: bool  # reached through a short form rather than the unit's official name
    current: bool  # a unit of today's divisions (not a former one kept for older reports)
    weak: bool  # an ordinary word too: only after its parent, see module docstring


@dataclass(frozen=True)
class _Gazetteer:
    names: dict[str, tuple[_Entry, ...]]  # empty tuple: a NOT_PLACES phrase
    lengths: dict[str, tuple[int, ...]]  # first character -> lengths of names with it, longest first
    provinces: dict[str, str]  # full or short province name -> full name


# --------------------------------------------------------------------------- building


def _strip_ethnic(core: str) -> str:
    """城步苗族 -> 城步, 黔东南苗族侗族 -> 黔东南; never strips a name down below two characters."""
    changed = True
    while changed:
        changed = False
        for affix in _ETHNIC_AFFIXES:
            if core.endswith(affix) and len(core) - len(affix) >= 2:
                core = core[: -len(affix)]
                changed = True
                break
    return core


def short_forms(name: str, level: int) -> list[str]:
    """Customary short forms of an official name (without the name itself).

    >>> short_forms("延边朝鲜族自治州", CITY)
    ['延边', '延边州']
    >>> short_forms("城步苗族自治县", COUNTY)
    ['城步', '城步县']
    >>> short_forms("广西壮族自治区", PROVINCE)
    ['广西']
    >>> short_forms("宁县", COUNTY)
    []
    """
    suffixes = _PROVINCE_SUFFIXES if level == PROVINCE else _UNIT_SUFFIXES
    for suffix in suffixes:
        if not name.endswith(suffix) or len(name) == len(suffix):
            continue
        core = name[: -len(suffix)]
        if suffix.startswith("自治"):
            core = _strip_ethnic(core)
            # A stem that is itself a nationality (鄂温克族自治旗) names a people, not a place.
            if core in _ETHNIC or core in _ETHNIC_AFFIXES:
                return []
        if len(core) < 2 or (suffix == "旗" and core.endswith(_BANNER_PARTS)):
            return []
        forms = [core]
        if suffix in ("自治州", "自治县", "自治旗"):
            forms.append(core + suffix[-1])  # 延边州, 城步县, 鄂伦春旗: the usual written forms
        return forms
    return []


def _data_file(name: str) -> Traversable:
    try:
        return resources.files("searcher") / "data" / name
    except (NotADirectoryError, TypeError):
        # An editable install imported from outside the checkout can make `searcher` a namespace
        # package, which importlib.resources cannot read in Python 3.11.
        return Path(__file__).with_name("data") / name


def _read_tsv(name: str) -> Iterator[list[str]]:
    """Rows of a package data file, without its header and # comment lines."""
    path = _data_file(name)
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as fh:
        rows = csv.reader((ln for ln in fh if ln.strip() and not ln.startswith("#")), delimiter="\t")
        next(rows, None)
        yield from rows


def _level(place: Place) -> int:
    return COUNTY if place.county else CITY if place.city else PROVINCE


def _units() -> tuple[list[Place], set[Place]]:
    """All current units (provinces, prefectures, counties), in gazetteer order."""
    units: dict[Place, None] = {}
    for province, city, county in _read_tsv("places.tsv"):
        units.setdefault(Place(province) if province not in MUNICIPALITIES else Place(province, province))
        units.setdefault(Place(province, city))
        if county:
            units.setdefault(Place(province, city, county))
    return list(units), set(units)


def _own_name(place: Place) -> str:
    return place.county or place.city or place.province or ""


def _entries(current: set[Place], order: list[Place]) -> Iterator[tuple[str, _Entry]]:
    """(name, entry) for every official name, short form and alias."""
    for place in order:
        level = _level(place)
        name = _own_name(place)
        yield name, _Entry(place, level, False, True, name in WEAK_FULL_NAMES)
        form_level = PROVINCE if level == CITY and place.province == place.city else level
        for form in short_forms(name, form_level):
            yield form, _Entry(place, level, True, True, form in WEAK_SHORT_FORMS)
    for alias, province, city, county in _read_tsv("place_aliases.tsv"):
        place = Place(province, city or None, county or None)
        level, is_current = _level(place), place in current
        is_own = alias == _own_name(place)
        yield alias, _Entry(place, level, not is_own, is_current, alias in WEAK_FULL_NAMES | WEAK_SHORT_FORMS)
        if is_own and not is_current:  # a former unit is also known by its short forms
            for form in short_forms(alias, level):
                yield form, _Entry(place, level, True, False, form in WEAK_SHORT_FORMS)


@functools.cache
def _gazetteer() -> _Gazetteer:
    order, current = _units()
    names: dict[str, list[_Entry]] = {}
    for name, entry in _entries(current, order):
        bucket = names.setdefault(name, [])
        if entry.place not in {e.place for e in bucket}:
            bucket.append(entry)
    frozen = {name: tuple(bucket) for name, bucket in names.items()}
    for phrase in NOT_PLACES:
        frozen.setdefault(phrase, ())
    by_first: dict[str, set[int]] = {}
    for name in frozen:
        by_first.setdefault(name[0], set()).add(len(name))
    lengths = {ch: tuple(sorted(ns, reverse=True)) for ch, ns in by_first.items()}
    provinces = {
        name: e.place.province
        for name, entries in frozen.items()
        for e in entries
        if e.current and e.place.province and e.place.city in (None, e.place.province) and e.level <= CITY
    }
    return _Gazetteer(frozen, lengths, provinces)


# --------------------------------------------------------------------------- choosing


def _inside(place: Place, parent: Place) -> bool:
    """True if place is strictly below parent in the hierarchy."""
    if place.province != parent.province or _level(place) <= _level(parent):
        return False
    if parent.city is None:
        return True
    return place.city == parent.city and _level(place) == COUNTY and parent.county is None


def _common(places: Iterable[Place]) -> Place | None:
    """The levels every reading agrees on: 鼓楼区 in 南京 and 徐州 -> 江苏省; nothing shared -> None."""
    places = list(places)
    provinces = {p.province for p in places}
    if len(provinces) != 1:
        return None
    cities = {p.city for p in places}
    city = cities.pop() if len(cities) == 1 else None
    return Place(provinces.pop(), city)


def _prefer(entries: list[_Entry], flags: list[bool]) -> list[_Entry]:
    """Narrow entries to those flagged, unless that would leave none."""
    narrowed = [e for e, keep in zip(entries, flags) if keep]
    return narrowed or entries


def _choose(entries: Iterable[_Entry], context: Place | None) -> Place | None:
    """The one place a name means here, or the levels its readings share."""
    cands = list(entries)
    cands = _prefer(cands, [not e.short for e in cands])
    if context is not None and len(cands) > 1:
        if context.city:
            same_city = [e.place.province == context.province and e.place.city == context.city for e in cands]
            cands = _prefer(cands, same_city)
        if context.province:
            cands = _prefer(cands, [e.place.province == context.province for e in cands])
    cands = _prefer(cands, [e.current for e in cands])
    top = min(e.level for e in cands)
    cands = [e for e in cands if e.level == top]
    if len(cands) == 1:
        return cands[0].place
    return _common(e.place for e in cands)


# --------------------------------------------------------------------------- scanning


def _longest(g: _Gazetteer, text: str, i: int) -> tuple[int, tuple[_Entry, ...]] | None:
    """End and entries of the longest gazetteer name (or NOT_PLACES phrase) starting at i."""
    room = len(text) - i
    for n in g.lengths.get(text[i], ()):
        if n <= room:
            entries = g.names.get(text[i : i + n])
            if entries is not None:
                return i + n, entries
    return None


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _anchored(text: str, i: int) -> bool:
    """True if position i starts a word for sure: text start, after punctuation, space or a date."""
    if i == 0 or not _is_cjk(text[i - 1]):
        return True
    if text[i - 1] in "年月日" and i >= 2 and text[i - 2].isdigit():
        return True  # 2023年衡水高新区...
    return text[max(0, i - 2) : i] in _ANCHOR_WORDS


def _landmark(text: str, end: int) -> bool:
    """True if the name is part of a street or estate name such as 昆明街, 平安路, 东安小区, 龙湖园."""
    after = text[end : end + 2]
    return bool(after) and (after[0] in _LANDMARK_CHARS or after in _LANDMARK_WORDS) and after != "园区"


def _needs_anchor(text: str, i: int, end: int) -> bool:
    """Two-character names, and names ending in the ubiquitous 城市/城区 (多项城市 holds 项城市)."""
    return end - i == 2 or text.startswith(("城市", "城区"), end - 2)


def _usable(entries: tuple[_Entry, ...], text: str, i: int, end: int) -> list[_Entry]:
    """Entries of the name text[i:end] that can stand here for a place."""
    if _needs_anchor(text, i, end) and not _anchored(text, i):
        return []
    if _landmark(text, end):
        return [e for e in entries if not e.short]
    return list(entries)


def _first(g: _Gazetteer, text: str, context: Place | None) -> tuple[int, Place] | None:
    """The leftmost place and where it ends."""
    i = 0
    while i < len(text):
        found = _longest(g, text, i)
        if found is None:
            i += 1
            continue
        end, entries = found
        usable = _usable(entries, text, i, end)
        strong = [e for e in usable if not e.weak]
        if not strong and i == 0 and context is not None and context.city:
            # A text that *starts* with 城区 in a 阳泉市 document is about 阳泉's 城区.
            strong = [e for e in usable if e.place.city == context.city and e.level == COUNTY and not e.short]
        if strong:
            place = _choose(strong, context)
            return (end, place) if place is not None else None
        if _needs_anchor(text, i, end) and not _anchored(text, i):
            i += 1  # 均衡水平 holds 衡水: the next character may still start a name
        else:
            i = end  # an ordinary word (老城区, 长治久安, 平安路): skipped whole
    return None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\u3000":
        i += 1
    return i


def _narrow(g: _Gazetteer, text: str, i: int, parent: Place, context: Place | None) -> Place:
    """Follow a chain such as 吉林省延边州延吉市 as long as each name lies inside the last.

    Inside a chain weak names count (北京朝阳, 天津市和平区) and need no word boundary.
    """
    while True:
        i = _skip_space(text, i)
        found = _longest(g, text, i) if i < len(text) else None
        if found is None:
            return parent
        end, entries = found
        below = [e for e in entries if _inside(e.place, parent) and not (e.short and _landmark(text, end))]
        place = _choose(below, context) if below else None
        if place is None or place == parent:
            return parent
        i, parent = end, place


def place_in(text: str, context: Place | None = None) -> Place | None:
    """The place a title, heading or opening line is about, in full names; None if none is named.

    >>> place_in("吉林省延吉市：")
    Place(province='吉林省', city='延边朝鲜族自治州', county='延吉市')
    >>> place_in("新宁县创建文明城市工作综述")
    Place(province='湖南省', city='邵阳市', county='新宁县')
    >>> place_in("衡水高新区推进全国文明城市创建工作综述")
    Place(province='河北省', city='衡水市', county=None)
    >>> place_in("朝阳区文明城市创建", context=Place("吉林省", "长春市"))
    Place(province='吉林省', city='长春市', county='朝阳区')
    >>> place_in("文明城市创建工作") is None
    True
    """
    if not text:
        return None
    g = _gazetteer()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    first = _first(g, text, context)
    if first is None:
        return None
    end, place = first
    return _narrow(g, text, end, place, context)


def resolve_name(name: str) -> list[Place]:
    """Every city- or county-level unit a user-typed name can mean (full or short form), in full names.

    Ordinary-word short forms count here: whoever types --city 朝阳 means a place.

    >>> resolve_name("延吉")
    [Place(province='吉林省', city='延边朝鲜族自治州', county='延吉市')]
    >>> resolve_name("吉林")
    [Place(province='吉林省', city='吉林市', county=None)]
    >>> [p.label() for p in resolve_name("通化")]
    ['吉林省 › 通化市', '吉林省 › 通化市 › 通化县']
    """
    key = unicodedata.normalize("NFKC", name).strip()
    entries = [e for e in _gazetteer().names.get(key, ()) if e.level != PROVINCE]
    entries.sort(key=lambda e: (e.level, not e.current, e.short))
    places: list[Place] = []
    for e in entries:
        if e.place not in places:
            places.append(e.place)
    return places


def resolve_province(name: str) -> str | None:
    """Full province-level name for a full or short form: 吉林 -> 吉林省, 广西 -> 广西壮族自治区.

    >>> resolve_province("内蒙古")
    '内蒙古自治区'
    >>> resolve_province("北京")
    '北京市'
    >>> resolve_province("延吉") is None
    True
    """
    return _gazetteer().provinces.get(unicodedata.normalize("NFKC", name).strip())


def place_names(place: Place) -> list[str]:
    """Every name a user may type for this place or its parents: full names and short forms.

    >>> place_names(Place("吉林省", "延边朝鲜族自治州", "延吉市"))
    ['吉林省', '吉林', '延边朝鲜族自治州', '延边', '延边州', '延吉市', '延吉']
    """
    names: list[str] = []
    for level, name in ((PROVINCE, place.province), (CITY, place.city), (COUNTY, place.county)):
        if name and name not in names:
            names.append(name)
            names.extend(n for n in short_forms(name, level) if n not in names)
    return names


def all_names() -> list[str]:
    """Every name the gazetteer resolves (official names, short forms, aliases), sorted.

    For suggesting the nearest valid name when a user's correction names no known place.
    """
    return sorted(name for name, entries in _gazetteer().names.items() if entries)
