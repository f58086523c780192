"""The fields of a passage and the filters on them, each defined once.

Query parsing (``city:延吉``), ``api.SearchOptions``, the engine's columns, filters and facets,
the CLI's options, the web's URL parameters, facet panels and chips, and the export columns are
all driven by these two tables (datasette's facets and toggle URLs are the model). Adding a
field is one ``Field`` here (plus a ``Filter`` if users narrow by it), its extraction during
ingestion, and the attribute of that name on the records in ``searcher.model``.

This module is plain data: no searcher imports, so every layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a filter value a user typed becomes the values stored in the index.
Resolve = Literal["province", "place", "year", "date", "exact"]


@dataclass(frozen=True)
class Field:
    """One attribute of every passage (and hit), by name: ``getattr(record, field.name)``."""

    name: str
    label: str  # Chinese, as the web shows it
    # A per-passage column of the engine: filters and facets read it (full values, "" unknown).
    column: bool = False
    # Counted over every match and listed (most frequent first) in results and on the page.
    facet: bool = False
    # A column of CSV / JSON Lines exports and a key of each hit in JSON (in table order).
    export: bool = True
    # Listed for each copy (identical or near-identical passage) of a hit.
    copy: bool = False
    # Shown for each passage of the document page / ``/api/doc``.
    document: bool = False


# The order is the order of export columns and JSON keys.
FIELDS: tuple[Field, ...] = (
    Field("id", "段落编号", copy=True, document=True),
    Field("doc_id", "文章编号", copy=True),
    Field("title", "标题", copy=True),
    Field("source", "来源文件", copy=True),
    # The compilation (汇编) a file of many articles is, by its own title; None for a single report.
    Field("compilation", "汇编"),
    Field("paragraph", "段落", document=True),
    # PDF page(s) the passage was printed on ("12", "12-13"); None for formats without pages.
    Field("page", "页码", document=True),
    Field("section", "小节", document=True),
    Field("province", "省份", column=True, facet=True, copy=True, document=True),
    Field("city", "城市", column=True, facet=True, copy=True, document=True),
    Field("county", "区县", column=True, facet=True, copy=True, document=True),
    Field("doc_type", "文种", column=True, facet=True),
    Field("date", "日期", column=True, copy=True, document=True),
    Field("year", "年份", column=True, facet=True),
    # The sub-collection: ``searcher index --collection NAME``, else the indexed folder's name.
    Field("collection", "资料集", column=True, facet=True, copy=True),
    Field("score", "得分"),
    # The id of the earliest dated copy among the passage's identical or near-identical copies
    # (its own id when it has none): rows with one dup_group are one text.
    Field("dup_group", "重复组"),
    # Where a paper can point: the passage on the document page (stable ids), and a citation.
    Field("url", "链接"),
    Field("citation", "引用"),
    Field("text", "正文", document=True),
    Field("is_heading", "标题行", export=False, document=True),
)

BY_NAME = {f.name: f for f in FIELDS}
COLUMNS = tuple(f.name for f in FIELDS if f.column)
FACETS = tuple(f.name for f in FIELDS if f.facet)
EXPORTED = tuple(f.name for f in FIELDS if f.export)
COPY = tuple(f.name for f in FIELDS if f.copy)
DOCUMENT = tuple(f.name for f in FIELDS if f.document)


@dataclass(frozen=True)
class Filter:
    """One way to narrow a search: ``SearchOptions`` key, CLI option, URL parameter, query prefix."""

    name: str  # the SearchOptions key
    field: str  # the field it narrows
    label: str  # Chinese, for chips and messages
    resolve: Resolve
    # Query prefixes besides ``name:`` (empty and ``prefix=False``: not written in queries).
    aliases: tuple[str, ...] = ()
    prefix: bool = True
    # Several values are ORed (--city 延吉 --city 吉林, OR within a filter, AND across filters, as
    # Meilisearch and Kibana facets); otherwise the last one given counts.
    multi: bool = False
    # The columns a value may be found in (default: the field's own).
    columns: tuple[str, ...] = ()
    param: str = ""  # URL parameter and CLI option (default: name; CLI with - for _)
    example: str = ""
    help: str = ""  # CLI help, English
    # A value must match this regular expression; ``form`` says so in English and Chinese.
    pattern: str | None = None
    form: tuple[str, str] = ("", "")

    @property
    def url_param(self) -> str:
        return self.param or self.name

    @property
    def cli_option(self) -> str:
        return "--" + (self.param or self.name).replace("_", "-")

    @property
    def in_columns(self) -> tuple[str, ...]:
        return self.columns or (self.field,)


FILTERS: tuple[Filter, ...] = (
    Filter(
        "province",
        "province",
        "省份",
        "province",
        aliases=("省份", "省"),
        multi=True,
        example="吉林",
        help="Province, full or short name (吉林); repeatable.",
    ),
    Filter(
        "city",
        "city",
        "城市",
        "place",
        aliases=("城市", "市"),
        multi=True,
        columns=("city", "county"),
        example="延吉",
        help="City or county, full or short name (延吉); repeatable.",
    ),
    Filter(
        "county",
        "county",
        "区县",
        "place",
        aliases=("区县", "县"),
        multi=True,
        example="船营区",
        help="County-level unit; repeatable.",
    ),
    Filter(
        "doc_type",
        "doc_type",
        "文种",
        "exact",
        aliases=("文种", "类型"),
        multi=True,
        example="工作总结",
        help="Kind of report (工作总结, 经验材料, 综述 ...), from its title; repeatable.",
    ),
    Filter(
        "doc_id",
        "doc_id",
        "文章",
        "exact",
        aliases=("文章",),
        multi=True,
        param="doc",
        example="739e0a18f2312682",
        help="Only the passages of this article (its id, as in /doc/<id>); repeatable.",
        pattern=r"[A-Za-z0-9_-]{1,64}",
        form=("an article id such as 739e0a18f2312682", "文章编号，如 739e0a18f2312682"),
    ),
    Filter(
        "collection",
        "collection",
        "资料集",
        "exact",
        aliases=("资料集", "集"),
        multi=True,
        example="2023汇编",
        help="Sub-collection: the name given with index --collection, else the indexed folder's name; repeatable.",
    ),
    Filter(
        "year",
        "year",
        "年份",
        "year",
        aliases=("年份", "年"),
        example="2023",
        pattern=r"\d{4}",
        form=("a four-digit year", "四位数"),
        multi=True,
        help="Only passages dated in this year; repeatable (2021 or 2023).",
    ),
    Filter(
        "date_from",
        "date",
        "起",
        "date",
        prefix=False,
        param="from",
        example="2023-04",
        help="Dated on or after (2023, 2023-04, 2023-04-12).",
    ),
    Filter("date_to", "date", "止", "date", prefix=False, param="to", example="2023-12-31", help="Dated on or before."),
)

FILTER_BY_NAME = {f.name: f for f in FILTERS}
# Query prefix (city, 城市, 市 ...) -> filter name.
PREFIXES = {alias: f.name for f in FILTERS if f.prefix for alias in (f.name, *f.aliases)}
