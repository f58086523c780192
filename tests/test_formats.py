"""HTML, DOCX and PDF on files the tests build: text, structure, running headers, errors, search."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from searcher import api
from searcher.ingest.formats import (
    SUPPORTED_SUFFIXES,
    Block,
    UnreadableFile,
    extract_text,
    layout_blocks,
    read_text,
    sniff,
    supported_suffixes,
)
from searcher.ingest.formats.docx import docx_blocks
from searcher.ingest.formats.pdf import strip_running_lines
from searcher.ingest.pipeline import SourceFile, iter_files, read_documents
from searcher.ingest.reflow import paragraphs

TITLE = "吉林省延吉市创建文明城市工作总结"
DATE_LINE = "（2023年4月12日）"
P_INTRO = "近年来，延吉市坚持以人民为中心，把创建全国文明城市作为提升城市品质的重要抓手，全市上下形成“一盘棋”思想。"
P_ROADS = (
    "针对全市38条主干街路，延吉市设立38名一级路长、70名二级路长，带领280名巡查员对主干街路的环境卫生、"
    "交通秩序、市场经营等问题进行日常巡查和治理，累计解决问题11.2万余件。"
)
P_NEXT = "下一步，延吉市将持续推进路长制，深化志愿服务，不断巩固创建成果，让群众充分共享文明城市创建成果。"
RUNNING_HEADER = "延吉市创建全国文明城市工作材料"


def _hits(index_dir: Path, query: str) -> list:
    # The same report in several formats: every copy, not one hit with its copies folded in.
    return api.search(query, index_dir, api.SearchOptions(collapse=False)).hits


# --------------------------------------------------------------------------- builders


def make_pdf(
    lines: list[str],
    lines_per_page: int = 9,
    header: str | None = RUNNING_HEADER,
    footer: str | None = "- {n} -",
    **encrypt: str,
) -> bytes:
    """A PDF with the lines as printed text (built-in CID font, needs no system font), paginated."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5, invariant=1)
    width, height = A5
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    for n, page in enumerate(pages, start=1):
        if header:
            c.setFont("STSong-Light", 8)
            c.drawString(40, height - 30, header)
        c.setFont("STSong-Light", 12)
        y = height - 60
        for line in page:
            # First-line indentation as a position, the way Word and WPS print it: no characters.
            indent = 24 if line.startswith("\u3000\u3000") else 0
            c.drawString(40 + indent, y, line.lstrip("\u3000"))
            y -= 20
        if footer:
            c.setFont("STSong-Light", 8)
            c.drawCentredString(width / 2, 25, footer.format(n=n, total=len(pages)))
        c.showPage()
    c.save()
    data = buf.getvalue()
    if encrypt:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(**encrypt)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def wrap(paragraph: str, width: int = 18) -> list[str]:
    """Hard-wrap like a print export: indentation on the first line, cut mid-sentence."""
    text = "\u3000\u3000" + paragraph
    return [text[i : i + width] for i in range(0, len(text), width)]


def report_lines() -> list[str]:
    return [TITLE, DATE_LINE, *wrap(P_INTRO), "一、主要做法", *wrap(P_ROADS), "二、下一步打算", *wrap(P_NEXT)]


def make_docx(with_table: bool = True) -> bytes:
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "内部资料 注意保存"
    d.add_heading(TITLE, level=0)
    d.add_paragraph(DATE_LINE)
    d.add_paragraph(P_INTRO)
    d.add_heading("一、主要做法", level=2)
    d.add_paragraph(P_ROADS)
    # A long paragraph without a final stop must not run into the next one.
    d.add_paragraph("延吉市在全市范围内开展“门前四包”责任制落实情况专项检查，重点整治占道经营和乱堆乱放等突出问题并建立长效机制")
    d.add_paragraph("全市共设立学雷锋志愿服务站12个，注册志愿者达到8.6万人。")
    if with_table:
        table = d.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "项目"
        table.cell(0, 1).text = "完成情况"
        table.cell(1, 0).text = "口袋公园"
        table.cell(1, 1).text = "新建口袋公园15处，惠及周边居民3万余人。"
    d.add_heading("二、下一步打算", level=2)
    d.add_paragraph(P_NEXT)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


HTML_PAGE = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>网站首页_延吉新闻网</title>
<style>p {{ text-indent: 2em }} .x:before {{ content: "样式文字" }}</style>
<script>var msg = "脚本文字"; document.write("<p>脚本段落</p>");</script>
</head>
<body>
<nav><ul><li><a href="/">首页</a></li><li>导航栏目</li></ul></nav>
<div class="article">
<h1>{TITLE}</h1>
<p>{DATE_LINE}</p>
<p>　　{P_INTRO}</p>
<h2>一、主要做法</h2>
<p>针对全市38条主干街路，延吉市设立38名一级路长、70名二级
路长，带领280名巡查员对主干街路的环境卫生、交通秩序、市场经营等问题进行日常巡查和治理，累计解决问题11.2万余件。</p>
<ul><li>建立“红黑榜”曝光机制，每月通报一次</li><li>设立学雷锋志愿服务站12个</li></ul>
<p>第一行文字&nbsp;说明<br>新建口袋公园15处，惠及周边居民3万余人。</p>
<table><tr><td>垃圾分类</td><td>覆盖小区210个</td></tr></table>
<h2>二、下一步打算</h2>
<div>{P_NEXT}</div>
</div>
<footer>版权所有 延吉新闻网</footer>
<script>console.log("尾部脚本")</script>
</body></html>
"""


# --------------------------------------------------------------------------- sniffing and suffixes


def test_folder_walk_picks_up_the_new_suffixes(tmp_path: Path) -> None:
    assert supported_suffixes() == SUPPORTED_SUFFIXES
    assert {".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".doc"} <= set(supported_suffixes())
    for name in ("a.txt", "b.HTML", "c.htm", "d.docx", "e.pdf", "f.doc", "g.xlsx", "metadata.csv"):
        (tmp_path / name).write_bytes(b"x")
    found = sorted(f.path.name for f in iter_files([str(tmp_path)]) if isinstance(f, SourceFile))
    assert found == ["a.txt", "b.HTML", "c.htm", "d.docx", "e.pdf", "f.doc"]


def test_sniffs_the_type_from_the_content() -> None:
    assert sniff(b"%PDF-1.4\n") == "pdf"
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE html>\n<html>") == "html"
    assert sniff(b"<!-- saved -->\n<HTML lang='zh'>") == "html"
    assert sniff("\ufeff<html><body>".encode("utf-16-le")) == "html"
    assert sniff(make_docx()) == "docx"
    assert sniff(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)) == "ole2"
    assert sniff(b"{\\rtf1\\ansi") == "rtf"
    assert sniff("延吉市<p>不是网页".encode()) is None
    assert sniff(P_INTRO.encode("gbk")) is None


# --------------------------------------------------------------------------- PDF


def test_pdf_text_is_chinese_without_running_headers_footers_or_page_numbers() -> None:
    text = extract_text(make_pdf(report_lines()), ".pdf")
    assert TITLE in text and "路长" in text and "\ufffd" not in text
    assert RUNNING_HEADER not in text
    assert not re.search(r"^-\s*\d+\s*-$", text, re.M)
    # The text goes to reflow as printed lines: hard wraps still there, joined by reflow.
    assert P_ROADS not in text
    paras = [p.text for p in paragraphs(text)]
    assert paras[:3] == [TITLE, DATE_LINE, P_INTRO]
    assert P_ROADS in paras  # spans a page break, the running header and the footer between
    assert P_NEXT in paras
    assert "一、主要做法" in paras


def test_pdf_paragraph_ending_on_a_full_line_stays_apart_by_its_indentation() -> None:
    full = "延吉市开展“门前四包”专项整治行动，累计清理乱堆乱放杂物三千五百处。"  # two full printed lines
    assert len("\u3000\u3000" + full) == 36
    lines = [TITLE, *wrap(P_INTRO), *wrap(full), *wrap(P_ROADS)]
    paras = [p.text for p in paragraphs(extract_text(make_pdf(lines, lines_per_page=30, header=None), ".pdf"))]
    assert paras == [TITLE, P_INTRO, full, P_ROADS]


@pytest.mark.parametrize("footer", ["第{n}页", "第 {n} 页 共 {total} 页", "{n}/{total}", "延吉市文明办印 {n}"])
def test_pdf_footer_variants_with_page_numbers_are_removed(footer: str) -> None:
    text = extract_text(make_pdf(report_lines(), header=None, footer=footer), ".pdf")
    assert "页" not in text and "/" not in text and "文明办印" not in text
    assert P_ROADS in [p.text for p in paragraphs(text)]


def test_running_lines_keep_date_lines_that_open_each_page() -> None:
    # A compilation with one article a page: its date lines differ, but not as page numbers do.
    pages = [
        ["延吉市推进路长制工作综述", "（2022年6月8日）", "正文一。"],
        ["台州市垃圾分类工作综述", "（2022年7月1日）", "正文二。"],
        ["运城市文明城市创建综述", "（2023年3月27日）", "正文三。"],
    ]
    assert strip_running_lines(pages) == pages
    numbered = [[*p, f"第{i + 1}页"] for i, p in enumerate(pages)]
    assert strip_running_lines(numbered) == pages
    # A page number that does not step with the page is no page number.
    fixed = [[*p, "第9页"] for p in pages]
    assert strip_running_lines(fixed) == pages  # the same line on every page: a running footer


def test_pdf_readers_fold_radicals_from_cjk_fonts() -> None:
    from searcher.ingest.formats.pdf import _clean_lines

    # Noto/Source Han PDFs map 文 to the Kangxi radical ⽂ and 民 to ⺠; search must see 文 and 民.
    assert _clean_lines(["⽂明城市 创建为⺠，⼾籍⼈⼝，⻁开仲"], [False]) == ["文明城市创建为民，户籍人口，虎开仲"]
    # Text copied out of such PDFs too.
    assert extract_text("⽂明城市创建为⺠".encode(), ".txt") == "文明城市创建为民"


def test_pdf_with_only_an_image_needs_ocr() -> None:
    from PIL import Image
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5)
    for _ in range(2):
        c.drawImage(ImageReader(Image.new("L", (60, 80), 200)), 20, 20, 300, 400)
        c.showPage()
    c.save()
    with pytest.raises(UnreadableFile, match=r"^PDF has no text layer \(scanned\?\); run OCR first$"):
        extract_text(buf.getvalue(), ".pdf")


def test_encrypted_pdf_needs_a_password_but_copy_protection_is_read() -> None:
    with pytest.raises(UnreadableFile, match="^encrypted PDF"):
        extract_text(make_pdf(report_lines(), user_password="secret", owner_password="owner"), ".pdf")
    # Only an owner password (printing/copying restricted): opens with the empty password.
    protected = make_pdf(report_lines(), user_password="", owner_password="owner", algorithm="AES-128")
    assert P_ROADS in [p.text for p in paragraphs(extract_text(protected, ".pdf"))]


def test_truncated_and_corrupt_pdfs_are_named() -> None:
    data = make_pdf(report_lines())
    with pytest.raises(UnreadableFile, match="^truncated PDF"):
        extract_text(data[: len(data) // 2], ".pdf")
    with pytest.raises(UnreadableFile, match="^corrupt PDF"):
        extract_text(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n%%EOF\n", ".pdf")
    with pytest.raises(UnreadableFile, match=r"^not a PDF \(no %PDF header\)"):
        extract_text(b"\x00\x01\x02 broken download", ".pdf")


# --------------------------------------------------------------------------- DOCX


def test_docx_paragraphs_headings_and_table_cells() -> None:
    text = extract_text(make_docx(), ".docx")
    assert "内部资料" not in text  # page header
    paras = paragraphs(text)
    by_text = {p.text: p for p in paras}
    assert [p.text for p in paras[:3]] == [TITLE, DATE_LINE, P_INTRO]
    assert by_text["一、主要做法"].is_heading and by_text["二、下一步打算"].is_heading
    assert P_ROADS in by_text and P_NEXT in by_text
    assert "延吉市在全市范围内开展“门前四包”责任制落实情况专项检查，重点整治占道经营和乱堆乱放等突出问题并建立长效机制" in by_text
    assert "全市共设立学雷锋志愿服务站12个，注册志愿者达到8.6万人。" in by_text
    assert "新建口袋公园15处，惠及周边居民3万余人。" in by_text


def test_docx_headings_are_found_without_a_style_lookup_per_paragraph(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-docx's paragraph.style looks the style up anew each time (~1 ms a paragraph: a DOCX of
    158 MB of paragraphs ran for minutes); styles are read once per document instead."""
    import docx
    from docx.text.paragraph import Paragraph

    d = docx.Document()
    d.add_heading("一、主要做法", level=1)
    d.add_paragraph("路长每日巡查。")
    d.add_paragraph("二、下一步打算", style="Title")
    d.add_paragraph("继续推进。")
    buf = io.BytesIO()
    d.save(buf)

    def refuse(self: object) -> None:
        raise AssertionError("paragraph.style looked up per paragraph")

    monkeypatch.setattr(Paragraph, "style", property(refuse))
    blocks = docx_blocks(buf.getvalue())
    assert [(b.text, b.heading) for b in blocks] == [
        ("一、主要做法", True),
        ("路长每日巡查。", False),
        ("二、下一步打算", True),
        ("继续推进。", False),
    ]


def test_docx_of_hard_wrapped_lines_is_joined_like_a_text_export() -> None:
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    for line in [*wrap(P_ROADS), *wrap(P_NEXT)]:
        d.add_paragraph(line)  # one Word paragraph per printed line, as PDF converters write
    buf = io.BytesIO()
    d.save(buf)
    assert [p.text for p in paragraphs(extract_text(buf.getvalue(), ".docx"))] == [TITLE, P_ROADS, P_NEXT]


def test_corrupt_docx_is_named() -> None:
    good = make_docx()
    with pytest.raises(UnreadableFile, match=r"^corrupt Word \.docx file"):
        extract_text(good[: len(good) // 2], ".docx")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as zf, zipfile.ZipFile(io.BytesIO(good)) as src:
        for name in src.namelist():
            zf.writestr(name, b"<w:document><w:body><w:p>" if name == "word/document.xml" else src.read(name))
    with pytest.raises(UnreadableFile, match=r"^corrupt Word \.docx file"):
        extract_text(broken.getvalue(), ".docx")
    with pytest.raises(UnreadableFile, match="^not a Word .docx file"):
        extract_text("一个文本文件".encode(), ".docx")


def test_old_word_doc_and_other_non_reports_say_what_to_do() -> None:
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    with pytest.raises(UnreadableFile, match=r"^old Word \.doc format; convert to \.docx$"):
        extract_text(ole + "WordDocument".encode("utf-16-le"), ".doc")
    with pytest.raises(UnreadableFile, match=r"^old Word \.doc format; convert to \.docx$"):
        extract_text(ole, ".doc")
    with pytest.raises(UnreadableFile, match="^password-protected Word file"):
        extract_text(ole + "EncryptedPackage".encode("utf-16-le"), ".docx")
    with pytest.raises(UnreadableFile, match="^RTF document"):
        extract_text(b"{\\rtf1\\ansi ...}", ".doc")
    with pytest.raises(UnreadableFile, match=r"^unsupported \.doc content"):
        extract_text("延吉市创建工作总结".encode(), ".doc")
    # Sites often serve a web page as .doc: it is read as the page it is.
    assert P_NEXT in extract_text(HTML_PAGE.encode("gb18030"), ".doc")


# --------------------------------------------------------------------------- HTML


def test_html_blocks_become_paragraphs_and_page_furniture_is_dropped() -> None:
    text = extract_text(HTML_PAGE.encode("gb18030"), ".html")
    for furniture in ("网站首页", "样式文字", "脚本", "导航栏目", "版权所有", "尾部脚本", "首页"):
        assert furniture not in text
    paras = paragraphs(text)
    by_text = {p.text: p for p in paras}
    assert [p.text for p in paras[:3]] == [TITLE, DATE_LINE, P_INTRO]
    assert by_text[TITLE].is_heading and by_text["一、主要做法"].is_heading
    assert P_ROADS in by_text  # the line break inside the source paragraph is no space
    assert "建立“红黑榜”曝光机制，每月通报一次" in by_text and "设立学雷锋志愿服务站12个" in by_text
    assert "第一行文字 说明" in by_text and "新建口袋公园15处，惠及周边居民3万余人。" in by_text
    assert "垃圾分类" in by_text and "覆盖小区210个" in by_text
    assert P_NEXT in by_text


def test_html_charset_declared_wrongly_still_reads_utf8() -> None:
    page = HTML_PAGE.encode("utf-8")  # declares gb2312, is UTF-8: valid UTF-8 wins
    assert P_INTRO in extract_text(page, ".htm")
    fragment = f"<p>{P_NEXT}</p>".encode()  # no doctype: the suffix says HTML
    assert extract_text(fragment, ".html").strip() == P_NEXT


def test_layout_keeps_short_unterminated_blocks_apart() -> None:
    blocks = [Block("工作亮点", heading=True), Block("口袋公园建设"), Block("背街小巷改造")]
    assert [p.text for p in paragraphs(layout_blocks(blocks))] == ["工作亮点", "口袋公园建设", "背街小巷改造"]


# --------------------------------------------------------------------------- end to end


def test_index_and_search_pdf_docx_html_and_a_pdf_named_txt(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "总结.pdf").write_bytes(make_pdf(report_lines()))
    (docs / "总结.docx").write_bytes(make_docx())
    (docs / "总结.html").write_bytes(HTML_PAGE.encode("gb18030"))
    (docs / "其实是PDF.txt").write_bytes(make_pdf(report_lines(), footer="第{n}页"))
    ix = tmp_path / "ix"
    summary = api.index([str(docs)], ix)
    assert summary.files == 4 and not summary.skipped

    hits = _hits(ix, '"二级路长"')  # spans a hard wrap in the PDFs
    assert len(hits) == 4
    for hit in hits:
        assert hit.text == P_ROADS
        # articles.py takes only the year from a single report's date line (the day only in
        # compilations); the readers hand it the date line as its own paragraph, tested above.
        assert (hit.title, hit.year) == (TITLE, 2023)
        assert (hit.province, hit.city, hit.county) == ("吉林省", "延边朝鲜族自治州", "延吉市")
        assert hit.section == "一、主要做法"
    everything = [p["text"] for p in api.open_index(ix).all_passages()]
    assert not any(RUNNING_HEADER in t or "内部资料" in t or "脚本" in t for t in everything)
    assert {h.source.rsplit(".", 1)[-1] for h in _hits(ix, "口袋公园")} == {"docx", "html"}


def test_unreadable_files_are_skipped_with_one_line_reasons(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.pdf").write_bytes(make_pdf(report_lines()))
    (docs / "old.doc").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    (docs / "locked.pdf").write_bytes(make_pdf(report_lines(), user_password="secret"))
    (docs / "half.pdf").write_bytes(make_pdf(report_lines())[:900])
    good = make_docx()
    (docs / "half.docx").write_bytes(good[: len(good) // 2])
    summary = api.index([str(docs)], tmp_path / "ix")
    assert summary.files == 1
    reasons = {Path(src).name: why for src, why in summary.skipped}
    assert set(reasons) == {"old.doc", "locked.pdf", "half.pdf", "half.docx"}
    assert reasons["old.doc"] == "old Word .doc format; convert to .docx"
    assert reasons["locked.pdf"].startswith("encrypted PDF")
    assert reasons["half.pdf"].startswith("truncated PDF")
    assert reasons["half.docx"].startswith("corrupt Word .docx file")
    assert all("\n" not in why for why in reasons.values())
    assert len(_hits(tmp_path / "ix", '"二级路长"')) == 1


def test_read_text_and_read_documents_dispatch_by_content(tmp_path: Path) -> None:
    f = tmp_path / "report.docx"
    f.write_bytes(make_docx())
    assert P_ROADS in read_text(f)
    docs = read_documents(SourceFile(f, "report.docx"))
    assert [d.title for d in docs] == [TITLE]
    with pytest.raises(UnreadableFile, match=r"unsupported file type \.xlsx; supported: \.txt, \.md, \.html"):
        read_documents(SourceFile(tmp_path / "sheet.xlsx", "sheet.xlsx"), b"PK")
