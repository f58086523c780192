"""The map ``/map`` and its JSON twin ``/api/map`` (downloads ``/map.csv``, ``/map.jsonl``): China's
34 provincial-level units as a tile grid (one square each, placed roughly where the province is),
each shaded by the query's matching passages per 1,000 passages of that province
(``api.trend(by="province")``) and linked to the search filtered by it.

A tile grid rather than real borders: every province gets the same area (Beijing is as visible as
Xinjiang), it needs no boundary data, and the SVG stays small and readable on a phone.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

from flask import Response, current_app, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from searcher import api
from searcher.fields import FILTERS
from searcher.model import Trend

from .blueprint import bp
from .params import Params, kept_params, parse_params
from .resources import get_engine, index_dir

# (full name as stored in the index, label on the tile, column, row). The full names are those of
# searcher/data/places.tsv; 台湾, 香港 and 澳门 are not in it, so their tiles show 无数据 unless an
# index ever holds them. Rows run north to south, columns west to east.
TILES: tuple[tuple[str, str, int, int], ...] = (
    ("黑龙江省", "黑龙江", 6, 0),
    ("内蒙古自治区", "内蒙古", 3, 1),
    ("北京市", "北京", 4, 1),
    ("辽宁省", "辽宁", 5, 1),
    ("吉林省", "吉林", 6, 1),
    ("新疆维吾尔自治区", "新疆", 0, 2),
    ("甘肃省", "甘肃", 1, 2),
    ("宁夏回族自治区", "宁夏", 2, 2),
    ("山西省", "山西", 3, 2),
    ("河北省", "河北", 4, 2),
    ("天津市", "天津", 5, 2),
    ("西藏自治区", "西藏", 0, 3),
    ("青海省", "青海", 1, 3),
    ("陕西省", "陕西", 2, 3),
    ("河南省", "河南", 3, 3),
    ("山东省", "山东", 4, 3),
    ("四川省", "四川", 1, 4),
    ("重庆市", "重庆", 2, 4),
    ("湖北省", "湖北", 3, 4),
    ("安徽省", "安徽", 4, 4),
    ("江苏省", "江苏", 5, 4),
    ("上海市", "上海", 6, 4),
    ("云南省", "云南", 1, 5),
    ("贵州省", "贵州", 2, 5),
    ("湖南省", "湖南", 3, 5),
    ("江西省", "江西", 4, 5),
    ("浙江省", "浙江", 5, 5),
    ("广西壮族自治区", "广西", 2, 6),
    ("广东省", "广东", 3, 6),
    ("福建省", "福建", 4, 6),
    ("台湾省", "台湾", 5, 6),
    ("海南省", "海南", 2, 7),
    ("澳门特别行政区", "澳门", 3, 7),
    ("香港特别行政区", "香港", 4, 7),
)
TILE = 54  # SVG units; the grid is 7 x 8 tiles, about 400 units wide, so labels stay legible at 375 px
GAP = 4
PAD = 2
# Sequential teal (the site's accent), light to dark; the two darkest carry white text. Bin 0 is
# "has passages, none match" (white, outlined); NONE is "no passages in the index".
COLOURS = ("#d4ebe8", "#a3d3cc", "#6bb5ab", "#237a72", "#0b4f4c")
DARK_FROM = 3
ZERO = "#ffffff"
NONE = "#eceef0"
BINS = len(COLOURS)
MAP_COLUMNS = ("province", "passages", "matched", "articles", "per_1000")
EXPORT_LABELS = {"csv": "CSV（Excel/WPS）", "jsonl": "JSONL"}
EXAMPLES = ("志愿服务", "垃圾分类", "路长", "文明实践")


def map_params(args: Any) -> Params:
    # The search page's own parameters mean nothing here (a tool-row link never carries them).
    return parse_params(MultiDict([(k, v) for k, v in args.items(multi=True) if k not in ("sort", "page", "limit", "collapse")]))


def map_url(p: Params, endpoint: str = "web.map_page", **values: Any) -> str:
    """This map's canonical URL: the words and filters only."""
    query = urlencode([(k, v) for k, v in p.args() if k not in ("sort", "collapse", "page", "limit")])
    return url_for(endpoint, **values) + ("?" + query if query else "")


def nice_step(top: float) -> float:
    """A round bin width (1 to 10 times a power of ten, in small steps) so that BINS bins cover
    ``top`` and nearly all of them are used."""
    raw = top / BINS
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * power * BINS >= top - 1e-9)


def bins_for(rates: list[float]) -> list[dict[str, Any]]:
    """Equal-width bins over (0, the highest rate]: bin k holds rates in (low, high]. Fewer bins
    than colours take colours spread over the whole scale, so the highest is always the darkest."""
    top = max(rates, default=0.0)
    if top <= 0:
        return []
    step = max(nice_step(top), 0.1)  # rates have one decimal: a narrower bin could hold none
    count = next(k for k in range(1, BINS + 1) if k * step >= top - 1e-9)
    out = []
    for k in range(count):
        shade = round(k * (BINS - 1) / (count - 1)) if count > 1 else BINS - 1
        low, high = round(k * step, 2), round((k + 1) * step, 2)
        out.append({"low": low, "high": high, "colour": COLOURS[shade], "dark": shade >= DARK_FROM})
    return out


def bin_of(rate: float, bins: list[dict[str, Any]]) -> int:
    return next(k for k, b in enumerate(bins) if rate <= b["high"] or k == len(bins) - 1)


def fmt_rate(rate: float) -> str:
    return f"{rate:.1f}"


def map_data(p: Params, trend: Trend) -> dict[str, Any]:
    """The JSON twin: every tile's figures, the bins, the passages of no known province."""
    rows = {r.key[0]: r for r in trend.rows}
    known = {full for full, *_ in TILES}
    rates = [r.rates()[0] or 0.0 for k, r in rows.items() if k in known and r.matched[0]]
    bins = bins_for(rates)
    provinces = []
    for full, label, *_ in TILES:
        r = rows.get(full)
        if r is None or not r.passages:
            provinces.append(
                {"province": full, "label": label, "passages": 0, "matched": 0, "articles": 0, "per_1000": None, "bin": None}
            )
            continue
        rate = r.rates()[0] or 0.0
        provinces.append(
            {
                "province": full,
                "label": label,
                "passages": r.passages,
                "matched": r.matched[0],
                "articles": r.articles[0],
                "per_1000": rate,
                "bin": bin_of(rate, bins) + 1 if r.matched[0] else 0,
            }
        )
    # Defensive: a province name the tile grid does not know still gets its row in the table.
    others = [
        {"province": k, "passages": r.passages, "matched": r.matched[0], "articles": r.articles[0], "per_1000": r.rates()[0]}
        for k, r in rows.items()
        if k is not None and k not in known
    ]
    unknown = rows.get(None)
    return {
        "query": p.q,
        "provinces": provinces,
        "other_provinces": others,
        "unknown": {
            "passages": unknown.passages if unknown else 0,
            "matched": unknown.matched[0] if unknown else 0,
            "articles": unknown.articles[0] if unknown else 0,
        },
        "totals": {"passages": trend.totals.passages, "matched": trend.totals.matched[0], "articles": trend.totals.articles[0]},
        "bins": [
            {"bin": k + 1, "low": b["low"], "high": b["high"], "colour": b["colour"], "dark": b["dark"]}
            for k, b in enumerate(bins)
        ],
        "notes": [n.en for n in trend.notes],
    }


def describe(pv: dict[str, Any]) -> str:
    """The tile's exact figures in words (its title and aria-label)."""
    if pv["per_1000"] is None:
        return f"{pv['province']}：索引中没有该省的段落（无数据）"
    return f"{pv['province']}：{pv['matched']} 条，占 {pv['passages']} 段的 {fmt_rate(pv['per_1000'])}‰"


def tile_views(p: Params, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Geometry, colour, label and link of each tile, in reading order (the keyboard's Tab order)."""
    geometry = {full: (col, row) for full, _, col, row in TILES}
    bins = data["bins"]
    out = []
    for pv in data["provinces"]:
        col, row = geometry[pv["province"]]
        x, y = PAD + col * (TILE + GAP), PAD + row * (TILE + GAP)
        k = pv["bin"]
        out.append(
            {
                **pv,
                "x": x,
                "y": y,
                "cx": x + TILE / 2,
                "name_y": y + TILE / 2 - 2,
                "rate_y": y + TILE / 2 + 14,
                "fill": NONE if k is None else ZERO if k == 0 else bins[k - 1]["colour"],
                "dark": bool(k) and bins[k - 1]["dark"],
                "kind": "none" if k is None else "zero" if k == 0 else "bin",
                "text": "无数据" if k is None else "0" if k == 0 else fmt_rate(pv["per_1000"]) + "‰",
                "describe": describe(pv),
                "url": None if k is None else province_url(p, pv["province"]),
            }
        )
    return sorted(out, key=lambda t: (t["y"], t["x"]))


def province_url(p: Params, province: str) -> str:
    return p.with_filter("province", [province]).url("web.search")


def table_views(p: Params, data: dict[str, Any], tiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every province's row under the map, most matches first; no data last."""
    rows = [{**t} for t in tiles] + [
        {**o, "label": o["province"], "kind": "bin", "describe": "", "url": province_url(p, o["province"])}
        for o in data["other_provinces"]
    ]
    return sorted(
        rows, key=lambda r: (r["per_1000"] is None, -r["matched"], -(r["per_1000"] or 0), -r["passages"], r["province"])
    )


def legend(data: dict[str, Any]) -> list[dict[str, Any]]:
    items = [{"label": f"{b['low']:g}–{b['high']:g}‰", "colour": b["colour"], "kind": "bin"} for b in data["bins"]]
    if any(pv["bin"] == 0 for pv in data["provinces"]):
        items.insert(0, {"label": "0（有段落，无匹配）", "colour": ZERO, "kind": "zero"})
    items.append({"label": "无数据（索引中没有该省段落）", "colour": NONE, "kind": "none"})
    return items


def run_map(p: Params) -> tuple[Trend, dict[str, Any]]:
    trend = api.trend([p.q], "province", index_dir(), p.options(), engine=get_engine())
    return trend, map_data(p, trend)


def page_context(p: Params) -> dict[str, Any]:
    return {
        "p": p,
        "current": "map",
        "hidden": [(spec.url_param, v) for spec in FILTERS for v in p.filters.get(spec.name, ())],
        "filter_labels": [f"{spec.label}：{v}" for spec in FILTERS for v in p.filters.get(spec.name, ())],
        "unfiltered_url": map_url(replace(p, filters={})),
        "examples": [{"query": q, "url": map_url(replace(p, q=q))} for q in EXAMPLES],
        "width": PAD * 2 + 7 * TILE + 6 * GAP,
        "height": PAD * 2 + 8 * TILE + 7 * GAP,
        "tile": TILE,
    }


@bp.route("/map")
def map_page() -> Any:
    try:
        p = map_params(request.args)
    except api.QueryError as exc:
        return render_template("map.html", error=exc, data=None, **page_context(kept_params(request.args))), 400
    if any(not v.strip() for _, v in request.args.items(multi=True)):
        # A submitted form sends its empty boxes; keep shared URLs short and canonical.
        return current_app.redirect(map_url(p))
    ctx = page_context(p)
    if not p.q.strip():
        return render_template("map.html", data=None, **ctx)
    try:
        trend, data = run_map(p)
    except api.QueryError as exc:
        return render_template("map.html", error=exc, data=None, **ctx), 400
    tiles = tile_views(p, data)
    return render_template(
        "map.html",
        data=data,
        tiles=tiles,
        table=table_views(p, data, tiles),
        legend=legend(data),
        notes=[n.zh for n in trend.notes],
        json_url=map_url(p, "web.api_map"),
        exports=[{"label": label, "url": map_url(p, "web.map_export", fmt=fmt)} for fmt, label in EXPORT_LABELS.items()],
        **ctx,
    )


@bp.route("/api/map")
def api_map() -> Response:
    return jsonify(run_map(map_params(request.args))[1])


@bp.route("/map.<any(csv, jsonl):fmt>")
def map_export(fmt: api.ExportFormat) -> Response:
    try:
        p = map_params(request.args)
        _, data = run_map(p)
    except api.QueryError as exc:
        # errors.py answers JSON for /api/ and /export. only; a download that fails says why in JSON too.
        resp = jsonify({"error": str(exc), "error_zh": exc.zh, "field": exc.field, "status": 400})
        resp.status_code = 400
        return resp
    rows = [{k: r[k] for k in MAP_COLUMNS} for r in data["provinces"] + data["other_provinces"]]
    word = "".join(ch if ch.isalnum() else "_" for ch in p.q).strip("_")[:60]
    name = f"searcher-map-{word}.{fmt}" if word else f"searcher-map.{fmt}"
    ascii_name = name if name.isascii() else f"searcher-map.{fmt}"
    resp = Response(b"".join(api.table_chunks(MAP_COLUMNS, rows, fmt)), content_type=api.EXPORT_MEDIA_TYPES[fmt])
    resp.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return resp
