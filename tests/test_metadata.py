"""Metadata files: user corrections to titles, places and dates, in CSV or JSONL."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from searcher import api
from searcher.analysis import analyze_document
from searcher.engine import open_engine
from searcher.ingest.metadata import Metadata, MetadataError, find_folder_metadata, load_metadata
from searcher.ingest.pipeline import SourceFile, read_documents
from searcher.model import Document, Place

YANJI = Place("吉林省", "延边朝鲜族自治州", "延吉市")
TAIZHOU = Place("浙江省", "台州市")

# A report whose heuristics go wrong: no place in the title, a district section of its own.
REPORT = """创建工作总结

　　近年来，全市坚持以人民为中心，推进文明城市创建。

船营区：一街一品

　　船营区打造特色街区，推进口袋公园建设。
"""

COMPILATION = """2022年创建文明城市经验材料汇编

延吉市推进路长制工作综述

（2022年6月8日）

　　针对全市38条主干街路，延吉市设立38名一级路长、70名二级
路长，带领280名巡查员对主干街路的环境卫生、交通秩序、市场
经营等问题进行日常巡查和治理，累计解决问题11.2万余件。

　　下一步，延吉市将持续推进路长制。

台州市垃圾分类工作综述

（2022年7月1日）

　　台州市推进垃圾分类，建成快速公交沿线分类示范点。
"""


@pytest.fixture()
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    (folder / "总结.txt").write_text(REPORT, encoding="utf-8")
    (folder / "sub" / "汇编.txt").write_text(COMPILATION, encoding="utf-8")
    return folder


def read(path: Path, metadata: Metadata | None = None) -> list[Document]:
    return read_documents(SourceFile(path, path.name), metadata=metadata)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_heuristics_before_corrections(reports: Path) -> None:
    [doc] = read(reports / "总结.txt")
    assert (doc.title, doc.place, doc.date) == ("创建工作总结", Place(), None)
    assert {p.place.county for p in doc.passages} == {None, "船营区"}
    titles = [d.title for d in read(reports / "sub" / "汇编.txt")]
    assert titles[-2:] == ["延吉市推进路长制工作综述", "台州市垃圾分类工作综述"]


def test_csv_with_bom_corrects_every_article_of_a_file(reports: Path) -> None:
    meta = load_metadata(
        write(
            reports / "metadata.csv",
            "\ufefffile,title,province,city,county,date\n总结.txt,吉林省延吉市创建文明城市工作总结,,延吉,,2023-04-12\n",
        )
    )
    [doc] = read(reports / "总结.txt", meta)
    assert (doc.title, doc.place, doc.date) == ("吉林省延吉市创建文明城市工作总结", YANJI, "2023-04-12")
    # Every passage, the 船营区 section too: the user said where the report is about.
    assert {(p.title, p.place, p.date) for p in doc.passages} == {("吉林省延吉市创建文明城市工作总结", YANJI, "2023-04-12")}
    # Files the metadata does not name come back as they were.
    assert [d.title for d in read(reports / "sub" / "汇编.txt", meta)][-1] == "台州市垃圾分类工作综述"


def test_per_article_row_in_a_compilation_and_relative_path(reports: Path) -> None:
    meta = load_metadata(
        write(
            reports / "metadata.csv",
            "file,match_title,title,province,city,county,date\n"
            "sub/汇编.txt,台州市垃圾分类工作综述,,,,椒江区,2022-07\n"
            "sub/汇编.txt,,,,,,\n",  # a template row that sets nothing
        )
    )
    docs = {d.title: d for d in read(reports / "sub" / "汇编.txt", meta)}
    taizhou = docs["台州市垃圾分类工作综述"]
    assert taizhou.place == Place("浙江省", "台州市", "椒江区") and taizhou.date == "2022-07"
    assert all(p.place == taizhou.place and p.date == "2022-07" for p in taizhou.passages)
    yanji = docs["延吉市推进路长制工作综述"]
    assert (yanji.place, yanji.date) == (YANJI, "2022-06-08")  # untouched


def test_article_row_wins_over_file_row_and_path_over_bare_name(reports: Path) -> None:
    compilation = reports / "sub" / "汇编.txt"
    meta = load_metadata(
        write(
            reports / "fixes.jsonl",
            json.dumps({"file": "汇编.txt", "date": "2022"}, ensure_ascii=False)
            + "\n"
            + json.dumps({"file": str(compilation), "date": "2022-08"})
            + "\n"
            + "\n"
            + json.dumps({"file": "汇编.txt", "match_title": "延吉市 推进路长制工作综述", "date": 2021}, ensure_ascii=False)
            + "\n",
        )
    )
    dates = {d.title: d.date for d in read(compilation, meta)}
    assert dates["延吉市推进路长制工作综述"] == "2021"
    assert dates["台州市垃圾分类工作综述"] == "2022-08"


def test_jsonl_places_are_normalised_to_full_names(reports: Path) -> None:
    meta = load_metadata(
        write(
            reports / "metadata.jsonl",
            '{"file": "总结.txt", "city": "吉林市", "county": "船营"}\n',
        )
    )
    [doc] = read(reports / "总结.txt", meta)
    assert doc.place == Place("吉林省", "吉林市", "船营区")
    meta = load_metadata(write(reports / "metadata.jsonl", '{"file": "总结.txt", "province": "北京"}\n'))
    assert read(reports / "总结.txt", meta)[0].place == Place("北京市", "北京市")
    meta = load_metadata(write(reports / "metadata.jsonl", '{"file": "总结.txt", "city": "台州"}\n'))
    assert read(reports / "总结.txt", meta)[0].place == TAIZHOU


def test_excel_gbk_csv_with_chinese_column_names(reports: Path) -> None:
    body = "文件,标题,城市,日期\r\n总结.txt,台州市创建工作总结,台州,2023年4月\r\n"
    meta = load_metadata(write(reports / "metadata.csv", body, "gbk"))
    [doc] = read(reports / "总结.txt", meta)
    assert (doc.title, doc.place, doc.date) == ("台州市创建工作总结", TAIZHOU, "2023-04")


def test_unnamed_empty_columns_from_excel_are_ignored(reports: Path) -> None:
    meta = load_metadata(write(reports / "metadata.csv", "file,city,,\n总结.txt,延吉,,\n"))
    assert read(reports / "总结.txt", meta)[0].place == YANJI
    with pytest.raises(MetadataError, match="line 2: 3 cells but 2 named columns"):
        load_metadata(write(reports / "metadata.csv", "file,city,\n总结.txt,延吉,台州\n"))


def test_utf16_tab_separated_file(reports: Path) -> None:
    data = codecs.BOM_UTF16_LE + "file\tcity\n总结.txt\t延吉市\n".encode("utf-16-le")
    (reports / "metadata.csv").write_bytes(data)
    assert read(reports / "总结.txt", load_metadata(reports / "metadata.csv"))[0].place == YANJI


def test_corrections_are_what_search_finds(reports: Path, tmp_path: Path) -> None:
    meta = load_metadata(
        write(
            reports / "metadata.csv",
            "file,title,city,date\n总结.txt,吉林省延吉市创建文明城市工作总结,延吉,2023-04-12\n",
        )
    )
    ix = tmp_path / "ix"
    engine = open_engine(ix, create=True)
    writer = engine.writer()
    f = SourceFile(reports / "总结.txt", "总结.txt")
    for doc in read_documents(f, metadata=meta):
        writer.add_document(analyze_document(doc), f.path_key, "x")
    writer.commit()
    r = api.search("口袋公园", ix)
    assert r.total == 1
    hit = r.hits[0]
    assert (hit.title, hit.date) == ("吉林省延吉市创建文明城市工作总结", "2023-04-12")
    assert Place(hit.province, hit.city, hit.county) == YANJI
    assert api.search("口袋公园", ix, api.SearchOptions(city=["延吉"], year=2023)).total == 1


def test_find_folder_metadata(tmp_path: Path) -> None:
    assert find_folder_metadata(tmp_path) is None
    write(tmp_path / "metadata.jsonl", "")
    assert find_folder_metadata(tmp_path) == tmp_path / "metadata.jsonl"
    write(tmp_path / "metadata.csv", "file\n")
    assert find_folder_metadata(tmp_path) == tmp_path / "metadata.csv"


def test_fingerprint_changes_with_the_corrections_and_unmatched_rows_are_listed(reports: Path) -> None:
    key = str((reports / "总结.txt").resolve())
    one = load_metadata(write(reports / "a.csv", "file,date\n总结.txt,2023\n"))
    two = load_metadata(write(reports / "b.csv", "file,date\n总结.txt,2024\n"))
    assert one.fingerprint(key) and one.fingerprint(key) != two.fingerprint(key)
    assert one.fingerprint(str(reports / "other.txt")) == ""
    meta = load_metadata(write(reports / "c.csv", "file,date\n总结.txt,2023\nsub/缺失.txt,2023\n"))
    assert meta.unmatched([key]) == [f"line 3: {(reports / 'sub' / '缺失.txt').resolve()}"]


def test_metadata_survives_pickling_for_worker_processes(reports: Path) -> None:
    import pickle

    meta = load_metadata(write(reports / "metadata.csv", "file,city\n总结.txt,延吉\n"))
    assert read(reports / "总结.txt", pickle.loads(pickle.dumps(meta)))[0].place == YANJI


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "body, message",
    [
        ("file,city\n总结.txt,延吉是\n", r"metadata\.csv line 2: unknown city '延吉是'; nearest: 延吉市"),
        ("file,province\n总结.txt,吉临\n", r"line 2: unknown province '吉临'; nearest: 吉林省"),
        ("file,county\n总结.txt,船鹰区\n", r"line 2: unknown county '船鹰区'; nearest: .*船营区"),
        ("file,date\n总结.txt,2023\n总结.txt,2023-13\n", r"metadata\.csv line 3: bad date '2023-13'; write 2023, 2023-04"),
        ("file,date\n总结.txt,2023-02-30\n", r"line 2: bad date '2023-02-30'"),
        ("file,colour\n总结.txt,红\n", r"line 1: unknown column 'colour'; columns are file, match_title, title"),
        ("title,city\n总结,延吉\n", r"line 1: no 'file' column"),
        ("file,city\n,延吉\n", r"line 2: the file cell is empty"),
        ("file,title\n总结.txt,甲,乙\n", r"line 2: 3 cells but 2 named columns \(a comma inside a value needs quotes\)"),
        (
            "file,county\n总结.txt,朝阳区\n",
            r"line 2: county '朝阳区' is ambiguous \(北京市 › 北京市 › 朝阳区; 吉林省 › 长春市 › 朝阳区\); add",
        ),
        ("file,province,city\n总结.txt,浙江,延吉\n", r"line 2: city '延吉' is not in 浙江省 \(it is in 吉林省 › 延边"),
        ("file,date\n总结.txt,2023\n\n总结.txt,2024\n", r"line 4: date '2024' contradicts '2023' given for the .* on line 2"),
        ("", r"metadata\.csv: empty"),
    ],
)
def test_malformed_csv_rows_name_file_line_and_fix(reports: Path, body: str, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        load_metadata(write(reports / "metadata.csv", body))


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"file": "a.txt"}\n{"file": "b.txt", city: "延吉"}\n', r"metadata\.jsonl line 2: not valid JSON"),
        ('["a.txt", "延吉"]\n', r"line 1: each line must be one JSON object"),
        ('{"city": "延吉"}\n', r'line 1: no "file" key'),
        ('{"file": "a.txt", "city": ["延吉"]}\n', r"line 1: 'city' must be text, not list"),
        ('{"file": "a.txt", "town": "延吉"}\n', r"line 1: unknown column 'town'"),
        ('\n\n{"file": "a.txt", "city": "延级市"}\n', r"line 3: unknown city '延级市'; nearest: "),
    ],
)
def test_malformed_jsonl_lines_name_file_line_and_fix(reports: Path, body: str, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        load_metadata(write(reports / "metadata.jsonl", body))


def test_missing_metadata_file(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="nope.csv"):
        load_metadata(tmp_path / "nope.csv")
