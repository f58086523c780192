"""Articles, titles, places and dates on the seed reports, checked against what a reader sees."""

from __future__ import annotations

import re

import pytest

from searcher.ingest.articles import documents
from searcher.ingest.reflow import paragraphs

# (file prefix, passage text prefix, province, city, county, date): every passage of that file
# starting with the prefix must carry exactly this place and date.
EXPECTED = [
    ("000", "回望吉林省延边州延吉市", "吉林省", "延边朝鲜族自治州", "延吉市", None),
    ("000", "（一）坚持高位推动", "吉林省", "延边朝鲜族自治州", "延吉市", None),
    ("000", "（五）要提升主人翁意识", "吉林省", "延边朝鲜族自治州", "延吉市", None),
    ("001", "船营区昆明街、莲花街", "吉林省", "吉林市", None, None),
    ("001", "吉林市创城办、创卫办", "吉林省", "吉林市", None, None),
    ("001", "建设“一街一品”的口袋公园", "吉林省", "吉林市", "船营区", None),
    ("001", "今年入春以来,昌邑区", "吉林省", "吉林市", "昌邑区", None),
    ("001", "3月开始,该区陆续实施清理“飞线充电”", "吉林省", "吉林市", "龙潭区", None),
    ("001", "今年,丰满区投资590万元", "吉林省", "吉林市", "丰满区", None),
    ("002", "2020年 11月 20日，全国精神文明建设表彰大会", "吉林省", "通化市", "通化县", None),
    ("002", "“创城”，不是为了一块牌匾和称号", "吉林省", "通化市", "通化县", None),
    ("003", "日前，2021年全国文明城市创建工作培训班举办", None, None, None, "2021"),
    ("003", "吉林市于2020年获评全国文明城市", "吉林省", "吉林市", None, "2021"),
    ("003", "65年前，467名青年志愿者", "浙江省", "台州市", None, "2021"),
    ("003", "“民之所望，政之所向”", "江西省", "萍乡市", None, "2021"),
    ("003", "创建全国文明城市是老区人民的共同期盼", "陕西省", "延安市", None, "2021"),
    ("004", "日喀则，国家历史文化名城", "西藏自治区", "日喀则市", None, "2023-04-12"),
    ("004", "近年来，新宁县委、县政府以创", "湖南省", "邵阳市", "新宁县", "2023-05-19"),
    ("004", "“快看，公园里的海棠、樱花都", "河南省", "鹤壁市", None, "2023-03-20"),
    ("004", "文明，是一座城市的风骨，让一", "河南省", "鹤壁市", None, "2023-03-07"),
    ("004", "立足创建全国文明城市主阵地和", "山西省", "大同市", "平城区", "2023-05-12"),
    ("004", "曾经，占道经营妨碍行人通行，", "四川省", "攀枝花市", None, "2023-04-04"),
    ("004", "心中有信仰，脚下才有力量。想", "内蒙古自治区", "通辽市", None, "2023-03-08"),
    ("004", "走进临江，大街小巷绿树掩映，", "吉林省", "白山市", "临江市", "2023-03-04"),
    ("004", "大地复苏，初春的暖阳为小城临", "吉林省", "白山市", "临江市", "2023-03-22"),
    ("004", "开展创建文明城市工作以来，城", "湖南省", "邵阳市", "城步苗族自治县", "2023-05-19"),
    ("004", "6月15日，记者从双清区教育", "湖南省", "邵阳市", "双清区", "2023-06-16"),
    ("004", "你若喜欢一个人，多半是因为他", "内蒙古自治区", "巴彦淖尔市", "磴口县", "2023-03-29"),
    ("004", "漫步云州区街头，道路干净整洁", "山西省", "大同市", "云州区", "2023-03-28"),
    ("004", "核心提示：文明城市是反映城市", "河北省", "衡水市", None, "2023-05-03"),
    ("004", "斑马线前，汽车礼让行人井然有", "贵州省", "铜仁市", None, "2023-04-11"),
    ("004", "文明创建犹如春风化雨，浸润着", "内蒙古自治区", "巴彦淖尔市", "杭锦后旗", "2023-03-02"),
    ("004", "建地设市30年，是我市经济社", "四川省", "巴中市", None, "2023-10-17"),
    ("004", "全国文明城市创建工作开展以来", "甘肃省", "平凉市", "崆峒区", "2023-10-12"),
    ("004", "在市政务服务中心显著位置的E", "广西壮族自治区", "北海市", None, "2023-10-23"),
    ("004", "近年来，邵东市坚持以创建文明", "湖南省", "邵阳市", "邵东市", "2023-05-05"),
]


@pytest.mark.parametrize("prefix, start, province, city, county, date", EXPECTED, ids=[e[1][:8] for e in EXPECTED])
def test_seed_passage_place_and_date(seed_passages, prefix, start, province, city, county, date) -> None:
    matches = [p for p in seed_passages if p["source"].split("/")[-1].startswith(prefix) and p["text"].startswith(start)]
    assert matches, f"no passage of {prefix}_* starts with {start}"
    for p in matches:
        got = (p.get("province"), p.get("city"), p.get("county"), p.get("date"))
        assert got == (province, city, county, date), p["text"][:30]


def test_compilation_splits_into_its_34_articles(seed_passages) -> None:
    docs = {p["doc_id"]: p for p in seed_passages if p["source"].split("/")[-1].startswith("004")}
    titles = sorted(p["title"] for p in docs.values())
    assert len(docs) == 34
    assert titles.count("衡水高新区推进全国文明城市创建工作综述") == 2  # printed twice in the compilation
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["date"]) for p in docs.values())
    assert "日喀则市创建全国文明城市工作综述" in titles


def test_toc_and_artifacts_never_become_passages(seed_passages) -> None:
    texts = [p["text"] for p in seed_passages]
    assert not any("##paid" in t for t in texts)
    assert not any(re.match(r"^\d+\. .*综述\d+$", t) for t in texts)
    assert not any(t.replace(" ", "") == "目录" for t in texts)


def test_report_titles(seed_passages) -> None:
    by_file = {p["source"].split("/")[-1][:3]: p["title"] for p in seed_passages}
    assert by_file["000"] == "吉林省延吉市：持续深入推进文明城市创建 让群众充分共享创建成果"
    assert by_file["001"] == "建设百姓满意的新江城——吉林市深化全国文明城市创建工作和国家卫生城市复审工作走笔"
    assert by_file["002"] == "创城，为了增进人民的福祉——通化县成功创建全国文明城市纪实"
    assert by_file["003"].startswith("2021年全国文明城市创建工作培训班交流发言材料摘编")


def test_sections_record_the_nearest_heading(seed_passages) -> None:
    p = next(p for p in seed_passages if p["text"].startswith("一是旗帜鲜明树导向"))
    assert p["section"] == "一、坚持以创城引领民生工作，提升群众幸福感和满意度"
    p = next(p for p in seed_passages if p["text"].startswith("今年,丰满区投资590万元"))
    assert p["section"] == "丰满区：生态宜居 专项提升"
    # an inline heading "（一）...。" opening a paragraph is that paragraph's section
    p = next(p for p in seed_passages if p["text"].startswith("（一）坚持高位推动"))
    assert p["section"] == "（一）坚持高位推动，持续推进长效管理"


def test_body_year_is_not_the_report_date() -> None:
    text = "某县创建文明城市工作纪实\n\n2018年以来，某县深入推进创建工作。\n\n2020年 11月 20日，表彰大会举行。\n"
    docs = documents(paragraphs(text), "x.txt", "/x.txt", "x")
    assert docs[0].date is None


def test_place_unknown_stays_null() -> None:
    text = "关于加强精神文明建设的几点思考\n\n文明城市创建是一项系统工程，需要各方共同努力。\n"
    docs = documents(paragraphs(text), "x.txt", "/x.txt", "x")
    assert not docs[0].place
    assert docs[0].passages[-1].place.province is None


def test_single_report_takes_its_date_line() -> None:
    text = "吉林省延吉市创建文明城市工作总结\n\n（2023年4月12日）\n\n2018年以来，延吉市深入推进创建工作。\n"
    docs = documents(paragraphs(text), "x.txt", "/x.txt", "x")
    assert docs[0].date == "2023-04-12"
    assert [p.text for p in docs[0].passages] == ["吉林省延吉市创建文明城市工作总结", "2018年以来，延吉市深入推进创建工作。"]
