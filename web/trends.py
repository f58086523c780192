"""``/trend`` (趋势: matching passages per year, province, city, county or kind of report, for one
query or two overlaid), its JSON twin ``/api/trend`` and the downloads ``/trend.csv`` / ``.jsonl``.

Parameters besides q and the filters (which narrow the collection the rates are taken over):
``q2`` (a second term on the same chart), ``by`` (``api.TREND_FIELDS``: the year or a facet) and
``mode`` (count: matching passages; rate: per 1,000 passages of the bucket). The chart is an SVG
made here, no script: its bars carry the exact figures of ``api.trend``, as the table does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from flask import Response, jsonify, request

from searcher import api
from searcher.fields import BY_NAME
from searcher.model import Trend, TrendRow

from .blueprint import bp
from .params import ParamError, Params
from .resources import get_engine, index_dir
from .tools import (
    analysis_params,
    choice,
    download,
    download_links,
    error_json,
    filter_chips,
    has_empty_values,
    options,
    page_url,
    render_view,
)

BY = {name: BY_NAME[name].label for name in api.TREND_FIELDS}
UNKNOWN = {name: "未注明日期" if name == "year" else f"{label}不详" for name, label in BY.items()}
MODES = {"count": "条数", "rate": "每千段"}
MAX_Q2 = 500
# Buckets drawn in a chart of places or kinds (the table lists them all).
CHART_BUCKETS = 30


@dataclass(frozen=True)
class TrendArgs:
    q2: str = ""
    by: str = "year"
    mode: str = "count"

    def extra(self) -> list[tuple[str, Any]]:
        return [
            ("q2", self.q2 or None),
            ("by", None if self.by == "year" else self.by),
            ("mode", None if self.mode == "count" else self.mode),
        ]


def parse_trend(args: Any) -> tuple[Params, TrendArgs]:
    p = analysis_params(args)
    q2 = (args.get("q2") or "").strip()
    if len(q2) > MAX_Q2:
        raise ParamError(
            f"q2 takes at most {MAX_Q2} characters.", f"第二个检索词 q2 最多 {MAX_Q2} 个字，请缩短后重试。", field="q2"
        )
    return p, TrendArgs(q2=q2, by=choice(args, "by", BY, "year"), mode=choice(args, "mode", MODES, "count"))


def run_trend(p: Params, t: TrendArgs) -> Trend:
    queries = [p.q] + ([t.q2] if t.q2 else [])
    return api.trend(queries, t.by, index_dir(), options(p), engine=get_engine())


def trend_url(p: Params, t: TrendArgs, endpoint: str = "web.trend", **values: Any) -> str:
    return page_url(endpoint, p, t.extra(), **values)


def bucket_label(by: str, value: str | None) -> str:
    return UNKNOWN[by] if value is None else value


def fmt_value(mode: str, count: int, rate: float | None) -> str:
    """A bar's number as drawn beside it (the axis carries the unit)."""
    if mode == "rate":
        return "—" if rate is None else f"{rate:.1f}"
    return f"{count:,}"


def _nice_top(peak: float) -> tuple[float, float]:
    """(top of the axis, step of its gridlines): four steps of 1, 2 or 5 times a power of ten."""
    if peak <= 0:
        return 1.0, 0.25
    raw = peak / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(peak / step - 1e-9), step


def _bar(by: str, row: TrendRow, i: int, term: str, mode: str, scale: float, length_max: float) -> dict[str, Any]:
    """One bar's figures (exactly the trend's) and its length in chart units."""
    count, rate = row.matched[i], row.rates()[i]
    value = rate if mode == "rate" else count
    length = 0.0 if not value else max(round(length_max * value / scale, 1), 1.5)
    label = bucket_label(by, row.key[0])
    when = f"{label} 年" if by == "year" and row.key[0] is not None else label
    rate_text = "—" if rate is None else f"{rate:.1f}‰"
    return {
        "term": i + 1,
        "bucket": "" if row.key[0] is None else row.key[0],
        "count": count,
        "rate": "" if rate is None else f"{rate:.1f}",
        "value": fmt_value(mode, count, rate),
        "length": length,
        "title": f"{when} · “{term}”：{count:,} 条，每千段 {rate_text}（该组共 {row.passages:,} 段）",
    }


def _axis(top: float, step: float, mode: str) -> list[tuple[float, str]]:
    ticks = []
    v = 0.0
    while v <= top + 1e-9:
        text = f"{v:g}" if mode == "rate" else f"{int(v):,}" if v == int(v) else f"{v:g}"
        ticks.append((v, text))
        v += step
    return ticks


def year_chart(found: Trend, mode: str) -> dict[str, Any]:
    """Grouped vertical bars, one slot per year (gaps kept as empty slots), the undated apart."""
    terms = found.queries
    n = len(terms)
    dated = {r.key[0]: r for r in found.rows if r.key[0] is not None}
    undated = next((r for r in found.rows if r.key[0] is None), None)
    years = sorted(int(y) for y in dated if y.isdigit())
    span = list(range(years[0], years[-1] + 1)) if years and years[-1] - years[0] < 40 else years
    values = [(r.rates()[i] if mode == "rate" else r.matched[i]) or 0 for r in found.rows for i in range(n)]
    top, step = _nice_top(max(values, default=0))
    left, right, top_pad, plot_h, label_h = 44, 8, 20, 160, 24
    room = 860 - left - right - (96 if undated else 0)
    # Few years: wide bars (up to 40 units) in a chart of at least 440 units (a phone shows it at
    # about 4/5 size); many years: narrower slots, thinner labels, down to what 860 units hold.
    slot = min(120.0, max(n * 24.0 + 16, (440 - left - right - (96 if undated else 0)) / max(len(span), 1)))
    if span and slot * len(span) > room:
        slot = room / len(span)
    bar_w = min(40.0, (slot - 16) / n) if slot > 16 + 8 * n else slot * 0.8 / n
    apart_gap, apart_slot = 24, max(72.0, n * (bar_w + 2) + 16)
    plot_w = slot * len(span) + (apart_gap + apart_slot if undated else 0)
    width = max(320, round(left + plot_w + right))
    base = top_pad + plot_h
    slots: list[dict[str, Any]] = []
    year_step = math.ceil(34 / slot)

    def slot_of(row: TrendRow | None, label: str, x0: float, w: float, show_label: bool, apart: bool) -> dict[str, Any]:
        bars = []
        group = n * bar_w + (n - 1) * 2
        for i in range(n):
            if row is None:
                continue
            b = _bar(found.by[0], row, i, terms[i], mode, top, plot_h)
            b["x"] = round(x0 + (w - group) / 2 + i * (bar_w + 2), 1)
            b["w"] = round(bar_w, 1)
            b["y"] = round(base - b["length"], 1)
            b["cx"] = round(b["x"] + bar_w / 2, 1)
            b["show_value"] = b["length"] > 0 and len(b["value"]) * 6.2 <= bar_w + 4
            bars.append(b)
        return {
            "label": label,
            "show_label": show_label,
            "cx": round(x0 + w / 2, 1),
            "bars": bars,
            "passages": row.passages if row else 0,
            "apart": apart,
        }

    for j, year in enumerate(span):
        show = (len(span) - 1 - j) % year_step == 0
        slots.append(slot_of(dated.get(str(year)), str(year), left + j * slot, slot, show, False))
    separator = None
    if undated:
        x0 = left + slot * len(span) + apart_gap
        separator = round(x0 - apart_gap / 2, 1)
        slots.append(slot_of(undated, UNKNOWN["year"], x0, apart_slot, True, True))
    ticks = [{"y": round(base - plot_h * v / top, 1), "text": text} for v, text in _axis(top, step, mode)]
    return {
        "kind": "columns",
        "width": width,
        "height": base + label_h,
        "left": left,
        "right_edge": round(left + slot * len(span), 1) if span else left,
        "base": base,
        "label_y": base + 16,
        "slots": slots,
        "ticks": ticks,
        "separator": separator,
        "plot_top": top_pad,
    }


def bucket_chart(found: Trend, mode: str) -> dict[str, Any]:
    """Grouped horizontal bars for places or kinds (long names read across), the unknown apart."""
    terms = found.queries
    n = len(terms)
    known = [r for r in found.rows if r.key[0] is not None]
    unknown = next((r for r in found.rows if r.key[0] is None), None)
    drawn = known[:CHART_BUCKETS]
    values = [
        (r.rates()[i] if mode == "rate" else r.matched[i]) or 0 for r in drawn + ([unknown] if unknown else []) for i in range(n)
    ]
    top, step = _nice_top(max(values, default=0))
    # About the width of a phone's column, so its 12-unit text stays readable when scaled down.
    width, label_w, value_w, top_pad = 420, 104, 46, 22
    plot_w = width - label_w - value_w
    bar_h, gap = 12, 10
    row_h = n * bar_h + (n - 1) * 2 + gap
    rows: list[dict[str, Any]] = []
    y = top_pad

    def row_of(row: TrendRow, y0: float, apart: bool) -> dict[str, Any]:
        label = bucket_label(found.by[0], row.key[0])
        bars = []
        for i in range(n):
            b = _bar(found.by[0], row, i, terms[i], mode, top, plot_w)
            b["x"] = label_w
            b["y"] = round(y0 + i * (bar_h + 2), 1)
            b["w"] = b["length"]
            b["h"] = bar_h
            b["text_x"] = round(label_w + b["length"] + 4, 1)
            b["text_y"] = round(b["y"] + bar_h - 2, 1)
            bars.append(b)
        short = label if len(label) <= 8 else label[:7] + "…"
        return {
            "label": label,
            "short": short,
            "label_y": round(y0 + (n * bar_h + (n - 1) * 2) / 2 + 4, 1),
            "bars": bars,
            "apart": apart,
        }

    for r in drawn:
        rows.append(row_of(r, y, False))
        y += row_h
    separator = None
    if unknown:
        separator = y + 2
        y += 10
        rows.append(row_of(unknown, y, True))
        y += row_h
    ticks = [{"x": round(label_w + plot_w * v / top, 1), "text": text} for v, text in _axis(top, step, mode)]
    return {
        "kind": "rows",
        "width": width,
        "height": round(y + 4),
        "label_w": label_w,
        "plot_w": plot_w,
        "plot_top": top_pad - 6,
        "rows": rows,
        "ticks": ticks,
        "separator": separator,
        "left_out": len(known) - len(drawn),
    }


def table_view(found: Trend) -> dict[str, Any]:
    """The table under the chart: every bucket and the totals, the figures of ``api.trend``."""
    by = found.by[0]

    def one(row: TrendRow, label: str) -> dict[str, Any]:
        return {
            "label": label,
            "bucket": "" if not row.key or row.key[0] is None else row.key[0],
            "passages": row.passages,
            "terms": [
                {"matched": m, "articles": a, "rate": None if r is None else f"{r:.1f}"}
                for m, a, r in zip(row.matched, row.articles, row.rates())
            ],
        }

    return {
        "by_label": BY[by],
        "rows": [one(r, bucket_label(by, r.key[0])) for r in found.rows],
        "totals": one(found.totals, "合计"),
    }


def form_model(p: Params, t: TrendArgs) -> dict[str, Any]:
    """What the page's forms keep and offer, with or without a result."""
    return {
        "bys": [{"value": b, "label": label, "current": b == t.by} for b, label in BY.items()],
        "hidden": [(name, value) for name, value in t.extra() if value is not None],
        "chips": filter_chips("web.trend", p, t.extra()),
        "q2": t.q2,
        "by": t.by,
        "mode": t.mode,
        "by_label": BY[t.by],
    }


def view_model(p: Params, t: TrendArgs, found: Trend) -> dict[str, Any]:
    chart = year_chart(found, t.mode) if t.by == "year" else bucket_chart(found, t.mode)
    modes = [
        {"label": f"{label}（{'‰' if m == 'rate' else '条'}）", "url": trend_url(p, replace(t, mode=m)), "current": m == t.mode}
        for m, label in MODES.items()
    ]
    return {
        **form_model(p, t),
        "chart": chart if found.rows else None,
        "table": table_view(found),
        "terms": found.queries,
        "modes": modes,
        "downloads": download_links("web.trend_download", p, t.extra()) if found.rows else [],
    }


@bp.route("/trend")
def trend() -> Any:
    def build() -> dict[str, Any]:
        p, t = parse_trend(request.args)
        if has_empty_values(request.args):
            return {"redirect": trend_url(p, t)}
        base = {"p": p, "json_url": trend_url(p, t, "web.api_trend")}
        if not p.q.strip():
            return {**base, "data": None, "view": form_model(p, t)}
        found = run_trend(p, t)
        return {**base, "data": found, "view": view_model(p, t, found)}

    return render_view("trend.html", "trend", build)


@bp.route("/api/trend")
def api_trend() -> Response:
    p, t = parse_trend(request.args)
    return jsonify(run_trend(p, t).to_dict())


@bp.route("/trend.<any(csv, jsonl):fmt>")
def trend_download(fmt: api.ExportFormat) -> Response:
    """The table of ``Trend.table()``: one row per bucket, the columns of ``Trend.columns()``."""
    try:
        p, t = parse_trend(request.args)
        found = run_trend(p, t)
    except api.QueryError as exc:
        return error_json(exc)
    return download("trend", fmt, p, found.columns(), found.table())
