"""The demo corpus: short reports written for this project, one for each shape searcher reads.

Every clone has this folder, so the quick start and ``tests/test_examples.py`` work without the
seed reports in ../shared. The texts are original, written in the style of real campaign reports
(创建全国文明城市 work summaries, experience materials, a compilation, news, a speech); the numbers
in them are illustrative.

Files (one article each unless said otherwise):

- ``01_yanji_summary.txt``: UTF-8; 工作总结 of 吉林省延吉市, date line （2023年1月16日）.
- ``02_hebi_experience_gbk.txt``: GBK-encoded; 经验材料 of 河南省鹤壁市, date line 2023年3月7日.
- ``03_wuhou_news_wrapped.txt``: hard-wrapped at 36 characters mid-sentence, as PDF exports are,
  paragraphs indented with two full-width spaces; 新闻报道 of 四川省成都市武侯区, 2023年5月18日.
- ``04_compilation.txt``: a 汇编 with a 目录 and three 综述 articles, each starting with its title
  line and a date line: 宜昌市 (2023-04-12), 姑苏区 (2023-06-02), 威海市 (2023-08-21).
- ``05_ningbo_speech.docx``: 发言材料 of 浙江省宁波市, Word headings, a table and a page header.
- ``06_siming_summary.pdf``: 工作总结 of 福建省厦门市思明区, a text-layer PDF (reportlab's built-in
  STSong-Light CID font) with a running header and page numbers.
- ``07_baohe_news.html``: 新闻报道 of 安徽省合肥市包河区, a news page with navigation, a script and a
  footer around the article, and a 发布时间 line.

The .txt files are written by hand. This script writes the .docx, .pdf and .html; they are
committed too, because reportlab is a dev dependency only. Regenerate with
``python examples/make_examples.py`` (python-docx and reportlab installed); the output is
byte-for-byte the same on every run.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------- 05: .docx

SPEECH_TITLE = "浙江省宁波市：以“街长制”绣出城市文明新面貌"
SPEECH_DATE = "（2023年9月14日）"
SPEECH_SUBTITLE = "——在全省文明城市创建工作推进会上的交流发言"
SPEECH = [
    (
        "p",
        "各位领导、同志们：宁波市自2005年获评全国文明城市以来，始终把常态长效作为创城工作的生命线。下面，我就宁波市推行街长制、"
        "提升城市精细化管理水平的做法作简要汇报。",
    ),
    ("h", "一、一条街一名街长，责任落到人头"),
    (
        "p",
        "宁波市在中心城区412条街巷全面推行街长制，街长由街道班子成员担任，社区书记担任巷长，沿街单位和商户共同参与。"
        "每条街巷设立公示牌，写明街长姓名、职责和监督电话，群众发现问题可以直接反映。",
    ),
    ("h", "二、街长带着问题清单走街串巷"),
    (
        "p",
        "街长每周至少两次徒步巡街，重点检查“门前三包”落实、共享单车停放、店外经营和违规广告等问题，现场能解决的当场解决，"
        "不能解决的录入城市管理平台，由职能部门限时办结。今年以来，各级街长累计发现并解决问题2.7万个。",
    ),
    ("table", [("项目", "完成情况"), ("街长巡查", "累计巡查街巷5.8万人次"), ("门前三包", "签约商户3.2万户，履约率97%")]),
    ("h", "三、志愿服务让街巷更有温度"),
    (
        "p",
        "我们把志愿服务站点建到街巷里，组织“红马甲”志愿者开展文明劝导、垃圾分类督导和助老服务，"
        "全市注册志愿者已超过200万人，形成了人人参与创城、人人共享成果的良好氛围。",
    ),
    (
        "p",
        "下一步，宁波市将继续深化街长制，推动城市管理向背街小巷和城乡结合部延伸，以更高标准巩固全国文明城市创建成果。谢谢大家。",
    ),
]


def make_docx() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.author = "searcher"
    d.sections[0].header.paragraphs[0].text = "宁波市文明办 交流材料"
    d.add_heading(SPEECH_TITLE, level=0)
    d.add_paragraph(SPEECH_SUBTITLE, style="Subtitle")
    d.add_paragraph(SPEECH_DATE)
    for kind, content in SPEECH:
        if kind == "h":
            d.add_heading(content, level=2)
        elif kind == "table":
            table = d.add_table(rows=len(content), cols=2)
            for r, row in enumerate(content):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            d.add_paragraph(content)
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed timestamps and creation dates, so that a rerun gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2023-09-14T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2023, 9, 14, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --------------------------------------------------------------------------- 06: .pdf

SUMMARY_TITLE = "福建省厦门市思明区2022年创建全国文明城市工作总结"
SUMMARY_DATE = "（2022年12月28日）"
SUMMARY = [
    ("p", "2022年，思明区以巩固提升全国文明城市创建成果为主线，坚持全域创建、精细管理，城区环境和市民文明素质不断提升。"),
    ("h", "一、网格长守好城市“最小单元”"),
    (
        "p",
        "全区划分网格1046个，每个网格由一名网格长统筹，网格员、楼栋长和志愿者协同配合。网格长每日巡查，发现占道经营、"
        "乱贴乱画等问题第一时间处置，全年处置各类问题4.6万件。",
    ),
    ("h", "二、垃圾分类成为市民新习惯"),
    (
        "p",
        "思明区在全部小区推行垃圾分类“定时定点”投放，设置督导岗位1800个，由党员和志愿者轮流值守。"
        "全区生活垃圾回收利用率达到43%，垃圾分类工作连续多年在全市考评中名列前茅。",
    ),
    ("h", "三、下一步工作打算"),
    ("p", "2023年，思明区将持续深化网格化治理，完善志愿服务激励机制，推动创建工作从“抓突击”向“抓常态”转变。"),
]
SUMMARY_HEADER = "思明区创建全国文明城市工作材料"


def _wrap(paragraph: str, width: int) -> list[str]:
    text = "\u3000\u3000" + paragraph
    return [text[i : i + width] for i in range(0, len(text), width)]


def make_pdf() -> bytes:
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines = [SUMMARY_TITLE, SUMMARY_DATE]
    for kind, text in SUMMARY:
        lines += [text] if kind == "h" else _wrap(text, 24)
    per_page = 18
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5, invariant=1)
    c.setTitle(SUMMARY_TITLE)
    width, height = A5
    for n, page in enumerate(pages, start=1):
        c.setFont("STSong-Light", 8)
        c.drawString(40, height - 30, SUMMARY_HEADER)
        y = height - 60
        for line in page:
            if line in (SUMMARY_TITLE, SUMMARY_DATE):
                c.setFont("STSong-Light", 13)
                c.drawCentredString(width / 2, y, line)
            else:
                c.setFont("STSong-Light", 12)
                # First-line indentation as a position, as Word and WPS print it.
                indent = 24 if line.startswith("\u3000\u3000") else 0
                c.drawString(40 + indent, y, line.lstrip("\u3000"))
            y -= 20
        c.setFont("STSong-Light", 8)
        c.drawCentredString(width / 2, 25, f"- {n} -")
        c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- 07: .html

NEWS_TITLE = "安徽省合肥市包河区：“门前三包”小切口撬动城市大治理"
NEWS_PARAS = [
    "发布时间：2023-10-20 09:30",
    "清晨七点，包河区一条商业街上，店主们已经把门前的人行道清扫干净，共享单车也被整齐地摆放在停车线内。"
    "“门前干净了，来的顾客也多了。”一家早餐店的店主笑着说。",
    "今年以来，包河区把“门前三包”作为创建全国文明城市的重要抓手，与沿街1.1万家商户签订责任书，"
    "实行“红黑榜”月度评比，对连续三个月上榜红榜的商户给予表扬。",
    "与此同时，包河区组织路长、街长和社区网格长每天上街巡查，发现问题通过“城市管家”小程序即时上报，"
    "一般问题两小时内响应、24小时内办结。",
    "包河区还发动志愿者走进商铺宣传垃圾分类和文明经营，累计开展志愿服务活动1600余场。"
    "下一步，包河区将把“门前三包”经验推广到全部街巷，让文明成为城市的底色。",
]


def make_html() -> bytes:
    body = "\n".join(f"<p>　　{p}</p>" if not p.startswith("发布时间") else f'<p class="info">{p}</p>' for p in NEWS_PARAS)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{NEWS_TITLE}_包河新闻网</title>
<script>var nav = "首页 新闻 专题";</script>
</head>
<body>
<nav><ul><li><a href="/">首页</a></li><li><a href="/news/">包河要闻</a></li><li><a href="/wmcj/">文明创建</a></li></ul></nav>
<div class="article">
<h1>{NEWS_TITLE}</h1>
{body}
</div>
<footer>版权所有 包河新闻网　联系我们</footer>
</body></html>
"""
    return page.encode("utf-8")


def main() -> None:
    (HERE / "05_ningbo_speech.docx").write_bytes(make_docx())
    (HERE / "06_siming_summary.pdf").write_bytes(make_pdf())
    (HERE / "07_baohe_news.html").write_bytes(make_html())

    # The PDF's text layer must come back as written.
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(HERE / "06_siming_summary.pdf").pages)
    assert "网格长" in text and "垃圾分类" in text and SUMMARY_TITLE in text.replace("\n", ""), text[:200]


if __name__ == "__main__":
    main()
