"""Hard-wrap reflow, headings, artifacts and TOC removal."""

from __future__ import annotations

from pathlib import Path

from searcher.ingest.formats import read_text
from searcher.ingest.reflow import ends_sentence, paragraphs, split_long

WRAPPED = """一、主要做法

（一）坚持高位推动，持续推进长效管理。延吉市

坚持高起点谋划，统筹实施，全市上下形成“一盘棋”

思想，把创建工作定位为全市“一把手”工程。市委宣

传部负责常态化具体落实各项工作。

针对全市38条主干街路，38名（副县以上）一级路长

带领280名巡查员开展日常巡查和治理。
"""


def test_hard_wrapped_lines_are_joined_without_spaces() -> None:
    paras = paragraphs(WRAPPED)
    texts = [p.text for p in paras]
    assert texts[0] == "一、主要做法" and paras[0].is_heading
    assert texts[1] == (
        "（一）坚持高位推动，持续推进长效管理。延吉市坚持高起点谋划，统筹实施，全市上下形成“一盘棋”思想，"
        "把创建工作定位为全市“一把手”工程。市委宣传部负责常态化具体落实各项工作。"
    )
    assert texts[2] == "针对全市38条主干街路，38名（副县以上）一级路长带领280名巡查员开展日常巡查和治理。"


def test_full_width_indentation_starts_paragraphs_even_on_one_line() -> None:
    text = "标题在这里　　第一段内容。　　第二段内容。　　一、小标题　　第三段。"
    assert [p.text for p in paragraphs(text)] == ["标题在这里", "第一段内容。", "第二段内容。", "一、小标题", "第三段。"]


def test_toc_page_numbers_and_artifacts_are_dropped() -> None:
    text = (
        "2023年经验材料汇编\n\n目 录\n\n1. 日喀则市创建全国文明城市工作综述1 \n\n"
        "##paidbegin##2. 新宁县创建文明城市工作综述4 \n\n3. 鹤壁市全国文明城市创建成效综述6 \n\n"
        "城市更文明生活更美好\n\n　　日喀则市成立了创建专班。\n\n- 2 -\n\n　　同时形成五大机制。##paidend##\n"
    )
    texts = [p.text for p in paragraphs(text)]
    assert texts == ["2023年经验材料汇编", "城市更文明生活更美好", "日喀则市成立了创建专班。", "同时形成五大机制。"]


def test_toc_without_header_is_dropped() -> None:
    text = "汇编\n1. 甲市工作综述1\n2. 乙县工作综述4\n3. 丙区工作综述9\n\n正文第一段。\n"
    assert [p.text for p in paragraphs(text)] == ["汇编", "正文第一段。"]


def test_blank_lines_break_paragraphs_in_unwrapped_text() -> None:
    text = "第一段写完了。\n\n第二段也写完了。\n"
    assert [p.text for p in paragraphs(text)] == ["第一段写完了。", "第二段也写完了。"]


def test_long_paragraphs_are_split_at_sentence_ends() -> None:
    sentence = "延吉市持续推进文明城市创建工作，群众满意度不断提升。"
    chunks = split_long(sentence * 60)
    assert len(chunks) > 1
    assert all(ends_sentence(c) for c in chunks)
    assert "".join(chunks) == sentence * 60
    paras = paragraphs(sentence * 60)
    assert len(paras) > 1 and all(len(p.text) <= 500 for p in paras)


def test_latin_words_across_a_wrap_keep_a_space() -> None:
    lines = [
        "这是一段被硬换行的文字，其中包含英文单词",
        "Smart City 和数字治理平台的建设内容，还",
        "有更多内容在这里继续写下去直到结束为止。",
    ]
    text = "\n".join(lines * 4)
    joined = paragraphs(text)[0].text
    assert "英文单词Smart City" in joined


def test_seed_passages_end_at_sentence_ends(seeds_dir: Path) -> None:
    """The issue's bar: at least 98% of passages end a sentence or are headings."""
    total = good = 0
    for f in sorted(seeds_dir.glob("*.txt")):
        for p in paragraphs(read_text(f)):
            total += 1
            good += p.is_heading or ends_sentence(p.text)
    assert total > 900
    assert good / total >= 0.98, f"{good}/{total}"


def test_wrapped_seed_has_no_mid_sentence_breaks(seeds_dir: Path) -> None:
    paras = paragraphs(read_text(seeds_dir / "000_012fe31ce3351ebb.txt"))
    body = [p for p in paras if not p.is_heading]
    assert all(ends_sentence(p.text) for p in body)
    assert any(p.text.startswith("回望吉林省延边州延吉市创建“全国文明城市”的历程，每一个生活在这座城市的人") for p in body)


def test_a_sentence_broken_across_a_blank_line_is_not_a_heading() -> None:
    text = (
        "夯根基提颜值 市民生活更美好\n\n　　创建全国文明城市是一次大考，比拼勇气、考验担当。\n\n"
        "良好的市容环境是城市最直观的“面子”，更是群众看得见、摸得着的幸\n\n福。\n\n"
        "　　我市始终坚持“人民城市人民建，人民城市为人民”思想。\n"
    )
    paras = paragraphs(text)
    assert [(p.text, p.is_heading) for p in paras] == [
        ("夯根基提颜值 市民生活更美好", True),
        ("创建全国文明城市是一次大考，比拼勇气、考验担当。", False),
        ("良好的市容环境是城市最直观的“面子”，更是群众看得见、摸得着的幸福。", False),
        ("我市始终坚持“人民城市人民建，人民城市为人民”思想。", False),
    ]


def test_lines_inside_a_quotation_are_not_headings() -> None:
    text = (
        "二、全体市民的付出\n\n“街道两旁乱停乱放的车不见了原来坑坑洼洼的路修整平了\n\n每个店面换了门头，做了亮化\n\n"
        "我们的小巷有了自己的名字：‘花田小巷’。\n\n　　独自行走在秋风微凉的小巷中，轻松惬意……”\n\n"
        "三、城市的变化\n\n　　深入335个包抓片区。\n"
    )
    paras = paragraphs(text)
    assert [p.text for p in paras if p.is_heading] == ["二、全体市民的付出", "三、城市的变化"]
    assert any("每个店面换了门头，做了亮化" in p.text for p in paras)


def test_the_seed_compilation_has_no_broken_sentence_headings(seeds_dir: Path) -> None:
    paras = paragraphs(read_text(seeds_dir / "004_85142685c79bb824.txt"))
    headings = {p.text for p in paras if p.is_heading}
    assert not any(h.endswith("的幸") or h == "每个店面换了门头，做了亮化" or h.startswith("“街道两旁") for h in headings)
    assert "良好的市容环境是城市最直观的“面子”，更是群众看得见、摸得着的幸福。" in {p.text for p in paras}
