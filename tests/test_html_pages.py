"""Saved web pages (文明网, government sites): the article among the site's furniture, its title and date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import trafilatura

from searcher import api
from searcher.ingest.formats import extract_text, layout_blocks
from searcher.ingest.formats.html import html_blocks, html_text
from searcher.ingest.reflow import paragraphs

TITLE = "延吉市：小切口推动城市精细化管理"
BODY = [
    "今年以来，延吉市坚持以创建全国文明城市为抓手，聚焦群众身边的急难愁盼问题，从小切口入手推动城市精细化管理，城市面貌持续改善，群众的获得感不断增强。",
    "一、织密城市管理网格",
    "针对全市38条主干街路，延吉市设立38名一级路长、70名二级路长，带领280名巡查员对主干街路的环境卫生、交通秩序、市场经营等问题进行日常巡查和治理，累计解决问题11.2万余件。",
    "延吉市还把网格延伸到背街小巷和老旧小区，每个网格配备一名网格员，发现问题随手拍、随时报，一般问题两小时内响应。",
    "二、建设口袋公园",
    "延吉市利用城市边角地、闲置地新建口袋公园15处，配套健身器材和休闲座椅，惠及周边居民3万余人，让市民推窗见绿、出门见园。",
    "下一步，延吉市将持续巩固创建成果，把精细化管理延伸到每一条街巷，让文明成为这座城市最亮丽的底色。",
]
# Words that stand only in the page's furniture: menu, breadcrumb, share buttons, related
# articles (whose titles hold the article's words too), side box, footer.
FURNITURE = ["道德模范", "您当前的位置", "分享到", "珲春市", "图们市", "热点推荐", "龙井市", "上一篇"]
FURNITURE += ["版权所有", "ICP备", "公网安备"]


def wenming_page(charset: str = "utf-8", date: str = "发布时间：2023-03-07 10:26", title_tag: str = "div") -> str:
    """A page as 文明网 and government sites serve it: the article in plain <div>s among the rest."""
    paras = "\n".join(f"<p><strong>{p}</strong></p>" if p[1] == "、" else f'<p style="text-indent:2em">{p}</p>' for p in BODY)
    title = f"<h1>{TITLE}</h1>" if title_tag == "h1" else f'<div class="title">{TITLE}</div>'
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}">
<title>{TITLE}_地方文明_中国文明网</title>
<meta name="keywords" content="文明城市,精细化管理">
<link rel="stylesheet" href="/css/style.css">
<script>var _hmt = _hmt || []; function search() {{ return "站内搜索"; }}</script>
</head>
<body>
<div class="top"><div class="logo"><a href="/"><img src="/logo.png" alt="中国文明网"></a></div>
<div class="search"><form action="/search"><input type="text" name="q" value="请输入关键词">
<a href="#">搜索</a></form></div></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/yw/">要闻</a></li><li><a href="/pl/">时评</a></li>
<li><a href="/dfwm/">地方文明</a></li><li><a href="/zyfw/">志愿服务</a></li><li><a href="/ddmf/">道德模范</a></li>
<li><a href="/wlwm/">网络文明</a></li><li><a href="/wmcj/">文明创建</a></li>
</ul></div>
<div class="main">
<div class="position">您当前的位置：<a href="/">首页</a> &gt; <a href="/dfwm/">地方文明</a> &gt; 正文</div>
<div class="left">
{title}
<div class="info"><span>{date}</span>　<span>来源：延边日报</span>　<span>作者：金明</span></div>
<div class="TRS_Editor" id="content">
{paras}
</div>
<div class="editor">【责任编辑：李明】</div>
<div class="share">分享到：<a href="#" class="wx">微信</a> <a href="#" class="wb">微博</a> <a href="#">QQ空间</a></div>
<div class="page_nav"><a href="/dfwm/1.html">上一篇：龙井市举办文明家庭评选活动</a>
<a href="/dfwm/3.html">下一篇：和龙市开展志愿服务进社区</a></div>
<div class="related"><div class="hd">相关文章</div><ul>
<li><a href="/dfwm/201.html">珲春市推进口袋公园建设</a><span>2023-02-01</span></li>
<li><a href="/dfwm/202.html">图们市织密城市管理网格</a><span>2023-02-08</span></li>
<li><a href="/dfwm/203.html">敦化市精细化管理见实效</a><span>2023-02-15</span></li>
</ul></div>
</div>
<div class="right"><div class="box"><div class="hd">热点推荐</div><ul>
<li><a href="/r/1.html">龙井市评选最美志愿者</a></li><li><a href="/r/2.html">安图县开展文明交通劝导</a></li>
</ul></div></div>
</div>
<div class="footer">
<p><a href="/about/">关于我们</a> | <a href="/map/">网站地图</a> | <a href="/contact/">联系我们</a></p>
<p>版权所有 中国文明网 京ICP备12345678号-1 京公网安备11010202000001号</p>
<p>主办单位：中央精神文明建设指导委员会办公室</p>
</div>
<script>document.write("脚本文字");</script>
</body></html>
"""


def _index(tmp_path: Path, pages: dict[str, bytes]) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, data in pages.items():
        (docs / name).write_bytes(data)
    ix = tmp_path / "ix"
    summary = api.index([str(docs)], ix)
    assert summary.files == len(pages) and not summary.skipped
    return ix


def _hits(ix: Path, query: str) -> list[api.Hit]:
    return api.search(query, ix, api.SearchOptions(collapse=False)).hits


PAGES = {
    "utf8 h1 发布时间": lambda: wenming_page(title_tag="h1").encode(),
    "gbk div.title 年月日": lambda: wenming_page("gb2312", "2023年03月07日").encode("gbk"),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_a_saved_wenming_page_indexes_only_its_article_with_its_title_and_date(tmp_path: Path, page) -> None:
    ix = _index(tmp_path, {"延吉.html": page()})
    passages = [p["text"] for p in api.open_index(ix).all_passages()]
    assert passages == [TITLE, *BODY]  # the title, the heading and paragraphs: nothing of the page around them
    for word in FURNITURE:
        assert not _hits(ix, word), word
    hits = _hits(ix, "口袋公园")  # a word of the related articles too: only the article's passages
    assert {h.text for h in hits} == {BODY[4], BODY[5]}
    for hit in hits + _hits(ix, '"二级路长"'):
        assert (hit.title, hit.date) == (TITLE, "2023-03-07")  # not "..._中国文明网", the page's date
        assert (hit.province, hit.city, hit.county) == ("吉林省", "延边朝鲜族自治州", "延吉市")
    assert _hits(ix, '"二级路长"')[0].section == "一、织密城市管理网格"
    (doc,) = {h.doc_id for h in hits}
    view = api.document(doc, ix)
    assert view is not None and (view.title, view.date) == (TITLE, "2023-03-07")


def test_the_article_text_starts_with_its_title_and_date_line() -> None:
    paras = paragraphs(extract_text(wenming_page().encode(), ".html"))
    assert [p.text for p in paras] == [TITLE, "2023-03-07", *BODY]
    assert paras[0].is_heading and paras[2 + BODY.index("二、建设口袋公园")].is_heading
    # A date line of its own under the title is handed on as written.
    page = re.sub(r'<div class="info">.*?</div>', "<p>（2023年3月7日）</p>", wenming_page())
    written = paragraphs(extract_text(page.encode(), ".html"))
    assert [p.text for p in written[:2]] == [TITLE, "（2023年3月7日）"]


def test_title_and_date_from_the_head_when_the_body_has_none(tmp_path: Path) -> None:
    page = wenming_page().replace(f'<div class="title">{TITLE}</div>', "").replace("发布时间：2023-03-07 10:26", "")
    # The <title> without the site's name: 标题 - 中国文明网, 标题_栏目_中国文明网.
    dashed = page.replace(f"{TITLE}_地方文明_中国文明网", f"{TITLE} - 中国文明网")
    # Government sites' CMS: <meta name="ArticleTitle">, <meta name="PubDate">.
    meta = page.replace(
        "<title>", f'<meta name="ArticleTitle" content="{TITLE}"><meta name="PubDate" content="2023-03-07 10:26"><title>'
    ).replace(f"{TITLE}_地方文明_中国文明网", "延边州人民政府")
    ix = _index(tmp_path, {"a.html": page.encode(), "b.htm": dashed.encode(), "c.html": meta.encode()})
    hits = _hits(ix, '"二级路长"')
    assert sorted((h.source.rsplit("/", 1)[-1], h.title, h.date) for h in hits) == [
        ("a.html", TITLE, None),
        ("b.htm", TITLE, None),
        ("c.html", TITLE, "2023-03-07"),
    ]
    assert not any(_hits(ix, word) for word in FURNITURE)


PLAIN = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>网站首页_延吉新闻网</title></head>
<body>
<nav><a href="/">首页</a></nav>
<h1>吉林省延吉市创建文明城市工作总结</h1>
<p>（2023年4月12日）</p>
<p>近年来，延吉市坚持以人民为中心，把创建全国文明城市作为提升城市品质的重要抓手，全市上下形成“一盘棋”思想。</p>
<h2>一、主要做法</h2>
<p>针对全市38条主干街路，延吉市设立38名一级路长、70名二级路长，带领280名巡查员开展日常巡查。</p>
<ul><li>建立“红黑榜”曝光机制</li><li>设立学雷锋志愿服务站12个</li></ul>
<table><tr><td>垃圾分类</td><td>覆盖小区210个</td></tr></table>
<h2>二、下一步打算</h2>
<div>下一步，延吉市将持续推进路长制，深化志愿服务，不断巩固创建成果。</div>
<footer>版权所有 延吉新闻网</footer>
</body></html>
"""


@pytest.mark.parametrize(
    "data",
    [PLAIN.encode(), (Path(__file__).parent.parent / "examples" / "07_baohe_news.html").read_bytes()],
    ids=["report", "examples/07"],
)
def test_a_plain_html_document_reads_as_before(data: bytes) -> None:
    # Headings, the date line, list items and table cells (which trafilatura drops) all stay.
    assert html_text(data) == layout_blocks(html_blocks(data))


def test_without_an_article_found_the_whole_page_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = "<html><body><h1>通知</h1><p>明天停水</p><p>请相互转告</p></body></html>".encode()
    assert [p.text for p in paragraphs(html_text(tiny))] == ["通知", "明天停水", "请相互转告"]

    page = wenming_page().encode()
    everything = layout_blocks(html_blocks(page))
    assert "版权所有" in everything and BODY[2] in everything
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    assert html_text(page) == everything

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("lxml gave up")

    monkeypatch.setattr(trafilatura, "bare_extraction", broken)
    assert html_text(page) == everything


def test_an_extraction_holding_little_of_the_pages_running_text_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    page = wenming_page().encode()

    class SideBox:  # trafilatura taking the first paragraph for the article
        text = BODY[0]

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: SideBox())
    assert html_text(page) == layout_blocks(html_blocks(page))
