"""The field registry drives every layer: query prefixes, options, the CLI, the web, facets, exports."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher import api
from searcher.cli import main
from searcher.fields import EXPORTED, FACETS, FILTER_BY_NAME, FILTERS, PREFIXES
from searcher.query import parse_query


def test_every_filter_is_an_option_of_search_and_export() -> None:
    for command in ("search", "export"):
        out = CliRunner().invoke(main, [command, "--help"])
        assert out.exit_code == 0
        for spec in FILTERS:
            assert spec.cli_option in out.output, (command, spec.name)


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_every_query_prefix_is_a_filter(prefix: str) -> None:
    spec = FILTER_BY_NAME[PREFIXES[prefix]]
    value = "2023" if spec.name == "year" else spec.example if spec.pattern else "延吉"
    parsed = parse_query(f"路长 {prefix}:{value}")
    assert parsed.filters == {PREFIXES[prefix]: [value]}


def _normalized(text: str) -> str:
    return "".join(text.split())


def test_facet_counts_are_counts_over_the_match_set(seed_index: Path, seed_passages: list) -> None:
    """Every facet of the registry, counted by the engine, equals a plain count over the passages
    that hold the quoted string (the oracle), for every value."""
    result = api.search('"志愿服务"', seed_index, api.SearchOptions(facet_size=None, collapse=False))
    matching = [p for p in seed_passages if "志愿服务" in _normalized(p["text"])]
    assert result.total == len(matching)
    assert set(result.facets) == set(FACETS)
    for name in FACETS:
        expected = Counter(
            str(p.get(name) if name != "year" else p["date"][:4])
            for p in matching
            if (p["date"] if name == "year" else p.get(name))
        )
        assert {f.value: f.count for f in result.facets[name]} == dict(expected), name


@pytest.mark.parametrize("spec", [f for f in FILTERS if f.resolve != "date"], ids=lambda f: f.name)
def test_every_filter_narrows_to_passages_with_that_value(seed_index: Path, seed_passages: list, spec) -> None:  # type: ignore[no-untyped-def]
    """For each filter: pick the commonest stored value among the matches, filter by it, and get
    exactly the matches holding it in one of the filter's columns (the registry's rule)."""
    base = api.search('"文明"', seed_index, api.SearchOptions(facet_size=None, collapse=False, limit=0))
    values = base.facets.get(spec.field)
    if spec.field not in FACETS:  # a filter that is no facet (doc_id): the commonest value by a plain count
        counted = Counter(p.get(spec.field) for p in seed_passages if "文明" in _normalized(p["text"]) and p.get(spec.field))
        values = [api.FacetValue(v, n) for v, n in counted.most_common(1)]
    assert values, f"no {spec.field} values among the matches"
    value = values[0].value
    filtered = api.search('"文明"', seed_index, api.SearchOptions({spec.name: [value]}, collapse=False, limit=0))

    def holds(p: dict) -> bool:
        stored = {c: (p["date"][:4] if c == "year" and p["date"] else p.get(c)) for c in spec.in_columns}
        return value in stored.values()

    expected = [p for p in seed_passages if "文明" in _normalized(p["text"]) and holds(p)]
    assert filtered.total == len(expected) > 0


def test_export_columns_are_the_registry_s(seed_index: Path) -> None:
    out = CliRunner().invoke(main, ["--index-dir", str(seed_index), "export", '"路长"', "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    first = json.loads(out.stdout.splitlines()[0])
    assert tuple(first) == EXPORTED


def test_an_index_built_with_other_fields_asks_for_a_rebuild(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("吉林省延吉市创建工作总结\n\n延吉市设立一级路长38名。\n", encoding="utf-8")
    ix = tmp_path / "ix"
    api.index([str(docs)], ix)
    meta = json.loads((ix / "searcher.json").read_text(encoding="utf-8"))
    meta["columns"] = [c for c in meta["columns"] if c != "doc_type"]
    (ix / "searcher.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(api.IndexMismatch, match="doc_type"):
        api.search("路长", ix)
    out = CliRunner().invoke(main, ["--index-dir", str(ix), "search", "路长"])
    assert out.exit_code == 1 and "searcher index --rebuild" in out.output


def test_the_web_and_the_cli_name_no_filter_of_their_own() -> None:
    """doc_type was added through the registry alone: neither caller spells it out."""
    root = Path(__file__).resolve().parent.parent
    sources = [*(root / "web").rglob("*.py"), *(root / "web" / "templates").glob("*.html"), root / "searcher" / "cli.py"]
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "doc_type" not in text and "文种" not in text, path


def test_doc_type_through_every_caller(seed_index: Path) -> None:
    """The new field works in the CLI (option and facet line), the web (parameter, facet panel, chip,
    JSON twin) and the export, with the counts search gives."""
    from web import create_app

    expected = api.search("志愿服务", seed_index, api.SearchOptions(doc_type="综述", limit=0)).total
    assert expected > 0
    out = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", "志愿服务", "--doc-type", "综述", "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["total"] == expected
    text = CliRunner().invoke(main, ["--index-dir", str(seed_index), "search", "志愿服务"]).output
    assert "doc_type: 综述 (" in text
    client = create_app({"INDEX_DIR": str(seed_index), "TESTING": True}).test_client()
    assert client.get("/api/search", query_string={"q": "志愿服务", "doc_type": "综述"}).get_json()["total"] == expected
    page = client.get("/", query_string={"q": "志愿服务"}).get_data(as_text=True)
    assert 'id="facet-doc_type"' in page and "文种" in page
    chosen = client.get("/", query_string={"q": "志愿服务", "doc_type": "综述"}).get_data(as_text=True)
    assert "文种：综述" in chosen and f"共 {expected:,} 条结果" in chosen
    rows = client.get("/export.jsonl", query_string={"q": "志愿服务", "doc_type": "综述"}).get_data(as_text=True).splitlines()
    assert len(rows) == expected and all(json.loads(r)["doc_type"] == "综述" for r in rows)
