"""View-models: what the templates show besides the result itself — facet panels, chips, toggle
URLs, pagination, suggestions, the year chart's geometry, download links. Facets and chips come
from ``searcher.fields`` (datasette's generic toggle URLs are the model)."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import current_app, url_for

from searcher import api
from searcher.fields import BY_NAME, FACETS, FILTERS
from searcher.model import FacetValue, Result

from .params import Params

EXAMPLES = [
    ("路长", "单个词：出现即命中"),
    ('"门前四包"', "引号：精确短语"),
    ("路长 OR 街长", "OR：任一词即可"),
    ("志愿服务 -疫情", "减号：排除含该词的段落"),
    ("垃圾分类 省份:河南", "省份/城市/区县：按地点"),
    ("文明城市 年份:2023", "年份：按年份"),
]
EXPORT_LABELS = {"csv": "CSV（Excel/WPS）", "jsonl": "JSONL"}
# The facet a filter on it narrows (a facet without a filter of its own is display only).
FILTER_OF = {spec.field: spec.name for spec in FILTERS if spec.resolve != "date"}
FACET_LABELS = {name: BY_NAME[name].label for name in FACETS}


def blank() -> dict[str, Any]:
    examples = [{"query": q, "note": note, "url": url_for("web.search", q=q)} for q, note in EXAMPLES]
    return {"examples": examples, "data": None, "facets": [], "chips": [], "stats": None, "notes": []}


def page_context(p: Params, result: Result) -> dict[str, Any]:
    """Everything the search template shows besides the result's data: facets, chips, chart, pages."""
    pages_total = result.collapsed_total if result.collapsed_total is not None else result.total
    pages = math.ceil(pages_total / p.limit) if p.limit else 1
    return {
        "notes": result.notes,  # Notice(en, zh): the page shows them in Chinese
        "facets": facet_views(result.facets, p, result.facet_distinct, result.facet_alternatives),
        "year_chart": year_chart(result.facets.get("year", []), p, result.total),
        "chips": chips(p),
        "pagination": pagination(p, pages),
        "first": (p.page - 1) * p.limit + 1,
        "last": (p.page - 1) * p.limit + len(result.hits),
        "sorts": [
            {"label": "按相关度", "url": p.url(sort="relevance"), "current": p.sort == "relevance"},
            {"label": "按日期", "url": p.url(sort="date"), "current": p.sort == "date"},
            {"label": "按日期（旧→新）", "url": p.url(sort="date-asc"), "current": p.sort == "date-asc"},
        ],
        "suggestions": suggestions(p) if result.total == 0 else [],
        "did_you_mean": [{"query": s.query, "total": s.total, "url": p.url(q=s.query)} for s in result.suggestions],
        "beyond_last_page": result.total > 0 and not result.hits,
        "exports": export_links(p) if result.total else [],
        "collapse_toggle": {
            "url": p.url(collapse=not p.collapse),
            "label": "显示全部重复段落" if p.collapse else "合并重复段落",
            "copies": result.total - pages_total,
        },
        "clear_url": p.url(filters={}),
        "count_toggle": [
            {"label": "段落", "url": p.url(count="passages", page=p.page), "current": p.count == "passages"},
            {"label": "文章", "url": p.url(count="articles", page=p.page), "current": p.count == "articles"},
        ],
    }


def toggle_url(name: str, value: str, p: Params) -> str:
    """The one place that says what clicking a facet value (or removing a chip) does."""
    return p.toggled(FILTER_OF[name], value).url(page=1)


def _selected(name: str, value: str, p: Params) -> bool:
    return name in FILTER_OF and p.has(FILTER_OF[name], value)


def _shown(name: str, p: Params, values: dict[str, list[dict[str, Any]]]) -> bool:
    """Cities from the first page (each with its province); counties once a province, city or
    county is chosen (or all matches are in one city); other facets always."""
    chosen = lambda *filters: any(p.filters.get(f) for f in filters)  # noqa: E731
    if name == "city":
        return True  # "which cities ..." is the question most searches are for
    if name == "county":
        return chosen("province", "city", "county") or len(values.get("city", [])) == 1
    return True


def facet_views(
    facets: dict[str, list[FacetValue]],
    p: Params,
    distinct: dict[str, int],
    alternatives: dict[str, list[FacetValue]] | None = None,
) -> list[dict[str, Any]]:
    """Facet data as the template shows it: ``{value, count, selected, url, bar, adds}`` per value.

    A facet whose field is filtered lists its chosen values (their matches) and then the other
    values with what each would add (``adds``: counted under the query and the other filters),
    so several can be chosen at once (ORed)."""
    shown_max = current_app.config["FACET_SHOWN"]
    alternatives = alternatives or {}

    def item(name: str, v: FacetValue, adds: bool) -> dict[str, Any]:
        return {
            "value": str(v.value),
            "count": v.count,
            "selected": _selected(name, str(v.value), p),
            "url": toggle_url(name, str(v.value), p) if name in FILTER_OF else None,
            "within": api.place_within(str(v.value), name) if name in ("city", "county") else None,
            "adds": adds,
        }

    values: dict[str, list[dict[str, Any]]] = {}
    for name in FACETS:
        vals = [item(name, v, False) for v in facets.get(name, [])]
        if name in alternatives:
            chosen = [x for x in vals if x["selected"]]
            taken = {x["value"] for x in chosen}
            vals = chosen + [item(name, v, True) for v in alternatives[name] if str(v.value) not in taken]
        values[name] = vals
    out = []
    for name in FACETS:
        vals = values[name]
        if not _shown(name, p, values) or not vals:
            continue
        top = max(v["count"] for v in vals)
        for v in vals:
            v["bar"] = round(100 * v["count"] / top, 1) if top else 0
        visible = vals[:shown_max] + [v for v in vals[shown_max:] if v["selected"]]
        more = [v for v in vals[shown_max:] if not v["selected"]]
        unlisted = max(0, distinct.get(name, len(vals)) - len(vals))
        out.append({"name": name, "label": FACET_LABELS[name], "values": visible, "more": more, "unlisted": unlisted})
    return out


CHART_WIDTH = 240  # SVG units; about the sidebar's width in CSS pixels, so 11-unit text stays readable


def year_chart(years: list[FacetValue], p: Params, total: int) -> dict[str, Any] | None:
    """Bars for matches per year, oldest first, gaps as empty slots; geometry for an inline SVG.

    The chart is always CHART_WIDTH wide: slots narrow as years are added, labels thin out
    (every year keeps its count in the bar's title and its link).
    """
    counts = {int(v.value): v.count for v in years}
    if not counts:
        return None
    low, high = min(counts), max(counts)
    span = list(range(low, high + 1)) if high - low < 40 else sorted(counts)
    slot = min(CHART_WIDTH / len(span), 48)
    left = (CHART_WIDTH - slot * len(span)) / 2
    bar_w = slot * 0.72
    top_pad, plot_h, label_h = 16, 80, 18
    year_step = math.ceil(34 / slot)  # a four-digit year label needs about 34 units
    peak = max(counts.values())
    bars = []
    for i, year in enumerate(span):
        n = counts.get(year, 0)
        h = max(round(plot_h * n / peak, 1), 2) if n else 0
        cx = round(left + i * slot + slot / 2, 1)
        bars.append(
            {
                "year": year,
                "count": n,
                "x": round(cx - bar_w / 2, 1),
                "w": round(bar_w, 1),
                "h": h,
                "y": top_pad + plot_h - h,
                "cx": cx,
                "slot": round(slot, 1),
                "slot_x": round(cx - slot / 2, 1),
                "label": (len(span) - 1 - i) % year_step == 0,
                "show_count": slot >= 7 * len(str(n)) + 4,
                "selected": _selected("year", str(year), p),
                "url": toggle_url("year", str(year), p) if n else None,
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": top_pad + plot_h + label_h,
        "base": top_pad + plot_h,
        "label_y": top_pad + plot_h + 13,
        "undated": total - sum(counts.values()),
    }


def chips(p: Params) -> list[dict[str, Any]]:
    """The active filters, each with the URL that removes it (and, for suggestions, the search without it)."""
    variants: list[tuple[str, Params]] = []
    for spec in FILTERS:
        for value in p.filters.get(spec.name, ()):
            without = p.with_filter(spec.name, [v for v in p.filters[spec.name] if v != value])
            variants.append((f"{spec.label}：{value}", without))
    return [{"label": label, "url": v.url(page=1), "without": v} for label, v in variants]


def pagination(p: Params, pages: int) -> dict[str, Any] | None:
    if pages <= 1 and p.page == 1:
        return None
    window = sorted({1, pages, *range(max(1, p.page - 2), min(pages, p.page + 2) + 1)} - {0})
    items: list[dict[str, Any]] = []
    for n in window:
        if items and n - items[-1]["page"] > 1:
            items.append({"page": n - 1, "gap": True})
        items.append({"page": n, "url": p.url(page=n), "current": n == p.page, "gap": False})
    return {
        "prev": p.url(page=p.page - 1) if p.page > 1 else None,
        "next": p.url(page=p.page + 1) if p.page < pages else None,
        "items": items,
        "pages": pages,
        "page": p.page,
    }


def count_for(p: Params) -> int | None:
    """How many passages a variant of the search would find (None if that variant is not a valid query)."""
    from .resources import get_engine, index_dir

    try:
        return api.search(p.q, index_dir(), replace(p, page=1, limit=0).options(), engine=get_engine()).total
    except api.QueryError:
        return None


def suggestions(p: Params) -> list[dict[str, Any]]:
    """For a search without results: variants that would find something, with their counts."""
    out: list[dict[str, Any]] = []
    if p.has_filters:
        variants = [(f"去掉「{c['label']}」", c["without"]) for c in chips(p)]
        if len(variants) > 1 and p.q:
            variants.append(("去掉全部筛选条件", replace(p, filters={})))
        for label, variant in variants[:7]:
            if not variant.is_blank and (n := count_for(variant)):
                out.append({"label": label, "count": n, "url": variant.url(page=1)})
    elif p.q:
        for text in api.single_clause_queries(p.q):
            if n := count_for(replace(p, q=text)):
                out.append({"label": f"只搜「{text}」", "count": n, "url": p.url(q=text)})
    return out


def place_label(item: Any) -> str:
    get = item.get if isinstance(item, dict) else lambda k: getattr(item, k, None)
    parts = [get("province"), get("city"), get("county")]
    return " › ".join(dict.fromkeys(x for x in parts if x))


def export_links(p: Params) -> list[dict[str, str]]:
    """Download links for every passage of this search (paging left out: an export has no pages)."""
    query = urlencode(replace(p, page=1, limit=current_app.config["PAGE_SIZE"]).args())
    return [
        {"format": fmt, "label": EXPORT_LABELS[fmt], "url": url_for("web.export_search", fmt=fmt) + "?" + query}
        for fmt in api.EXPORT_FORMATS
    ]


def export_filename(p: Params, fmt: str) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name) of the download: searcher-路长-延吉-2023.csv / searcher-export.csv."""
    parts = [p.q, *(v for spec in FILTERS for v in p.filters.get(spec.name, ()))]
    words = ["".join(ch if ch.isalnum() or ch in "-." else "_" for ch in part).strip("_.") for part in parts]
    stem = re.sub(r"_+", "_", "-".join(w for w in words if w))[:80] or "export"
    name = f"searcher-{stem}.{fmt}"
    return (name if name.isascii() else f"searcher-export.{fmt}"), name
