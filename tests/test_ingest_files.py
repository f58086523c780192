"""End to end on small files the tests write: encodings, hard wraps, a TOC, traditional text."""

from __future__ import annotations

from pathlib import Path

from searcher import api

WRAPPED_WITH_TOC = """2022年创建文明城市经验材料汇编

目 录

1. 延吉市推进路长制工作综述1

2. 台州市垃圾分类工作综述5

推进路长制 守护城市颜值

延吉市推进路长制工作综述

（2022年6月8日）

　　针对全市38条主干街路，延吉市设立38名一级路长、70名二级
路长，带领280名巡查员对主干街路的环境卫生、交通秩序、市场
经营等问题进行日常巡查和治理，累计解决问题11.2万余件。

　　下一步，延吉市将持续推进路长制。

- 2 -

台州市垃圾分类工作综述

（2022年7月1日）

　　台州市推进垃圾分类，建成BRT快速公交沿线分类示范点。
"""


def test_gbk_compilation_with_toc_and_hard_wraps(tmp_path: Path) -> None:
    f = tmp_path / "汇编.txt"
    f.write_bytes(WRAPPED_WITH_TOC.encode("gbk"))
    summary = api.index([str(f)], tmp_path / "ix")
    assert summary.files == 1 and summary.documents == 2 and not summary.skipped

    r = api.search('"二级路长"', tmp_path / "ix")  # spans a hard wrap: 二级 / 路长
    assert r.total == 1
    hit = r.hits[0]
    assert hit.text == (
        "针对全市38条主干街路，延吉市设立38名一级路长、70名二级路长，带领280名巡查员对主干街路的环境卫生、"
        "交通秩序、市场经营等问题进行日常巡查和治理，累计解决问题11.2万余件。"
    )
    assert (hit.title, hit.date) == ("延吉市推进路长制工作综述", "2022-06-08")
    assert (hit.province, hit.city, hit.county) == ("吉林省", "延边朝鲜族自治州", "延吉市")

    r = api.search("垃圾分类", tmp_path / "ix")  # the article's title (a passage of its own) and one paragraph
    assert r.total == 2 and {(h.city, h.date) for h in r.hits} == {("台州市", "2022-07-01")}
    assert r.hits[0].text == "台州市垃圾分类工作综述"  # the title match ranks first

    everything = [p["text"] for p in api.open_index(tmp_path / "ix").all_passages()]
    assert not any("综述1" in t or "综述5" in t or t in ("目 录", "- 2 -") for t in everything)


def test_utf16_and_big5_traditional_text(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "utf16.txt").write_bytes("浙江省台州市创建工作总结\n\n台州坚持以文化人，推进和合文化建设。\n".encode("utf-16"))
    (docs / "big5.txt").write_bytes("臺灣省某市創建工作總結\n\n該市志願服務隊累計服務三萬餘人次，推進垃圾分類。\n".encode("big5"))
    summary = api.index([str(docs)], tmp_path / "ix")
    assert summary.files == 2 and not summary.skipped
    # a simplified query finds traditional text, which is shown as written
    r = api.search("志愿服务", tmp_path / "ix")
    assert r.total == 1
    assert r.hits[0].text == "該市志願服務隊累計服務三萬餘人次，推進垃圾分類。"
    assert "<mark>志願服務</mark>" in r.hits[0].highlight
    assert api.search('"和合文化"', tmp_path / "ix").hits[0].city == "台州市"


def test_empty_and_unsupported_files_do_not_stop_a_run(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    (docs / "ok.md").write_text("# 某县创建工作\n\n某县推进口袋公园建设。\n", encoding="utf-8")
    (docs / "notes.docx").write_bytes(b"PK\x03\x04")  # a damaged .docx: named with the reason, run goes on
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # not a report format: not picked up by the folder walk
    summary = api.index([str(docs)], tmp_path / "ix")
    skipped = [(Path(s).name, reason) for s, reason in summary.skipped]
    assert skipped == [("notes.docx", "corrupt Word .docx file (damaged zip archive)")]
    assert api.search("口袋公园", tmp_path / "ix").total == 1


def test_side_segment_without_its_whoosh_commit_is_ignored(tmp_path: Path, seeds_dir: Path) -> None:
    """A crash between writing a side segment and the Whoosh commit leaves the last commit intact."""
    from searcher.analysis import analyze_document
    from searcher.ingest.pipeline import SourceFile, read_documents

    ix = tmp_path / "ix"
    api.index([str(seeds_dir / "000_012fe31ce3351ebb.txt")], ix)
    before = api.search('"路长"', ix).total
    engine = api.open_index(ix)
    writer = engine.writer()
    f = SourceFile(seeds_dir / "001_ca32e554f464536a.txt", "001.txt")
    for doc in read_documents(f):
        writer.add_document(analyze_document(doc), f.path_key, "x")
    writer._side.write(writer._side_dir, writer._w.newsegment.segid)  # the side half of a commit ...
    writer.cancel()  # ... and then the process dies before Whoosh commits
    assert api.search('"路长"', ix).total == before
    assert api.search('"飞线充电"', ix).total == 0
    api.index([str(seeds_dir)], ix)  # the next run completes the index
    assert api.search('"飞线充电"', ix).total == 2
    # ... and its merge removed the arrays no committed segment names.
    assert all(p.name in {s.segid for s in engine.ix._read_toc().segments} for p in (ix / "side").iterdir() if p.is_dir())
