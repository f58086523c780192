"""The compare page ``/compare`` and its JSON twin ``/api/compare`` (downloads ``/compare.csv``,
``/compare.jsonl``), in two modes:

* places: one query in two to four places side by side (``?q=志愿服务&field=city&place=延吉&place=吉林``),
  each place's count (the filtered search's total, linked to that search), rate per 1,000
  passages, best passages and distinctive words (``api.compare``);
* words: the distinctive words of two sub-collections given as filter queries
  (``?a=year:2021&b=year:2023[&q=...]``, ``api.keyness``).

The page's other filters (``year=2023`` ...) narrow every place / both sub-collections alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any, Literal
from urllib.parse import quote, urlencode

from flask import Response, current_app, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from searcher import api
from searcher.fields import FILTERS
from searcher.model import KEYWORD_COLUMNS, Comparison, Keyness

from .blueprint import bp
from .params import ParamError, Params, kept_params, parse_params
from .resources import get_engine, index_dir

Mode = Literal["places", "words"]
MODES: tuple[Mode, ...] = ("places", "words")
FIELD_LABELS = {"province": "省份", "city": "城市", "county": "区县"}
FIELD_EXAMPLES = {"province": ("吉林", "湖南"), "city": ("延吉", "吉林"), "county": ("船营区", "昌邑区")}
MAX_PLACES = 4
MAX_VALUE = 60  # characters of one place or sub-collection; longer is never a place name
HITS = 3
WORDS = 10
KEY_LIMIT = 50
EXPORT_LABELS = {"csv": "CSV（Excel/WPS）", "jsonl": "JSONL"}
PLACE_COLUMNS = ("field", "value", "total", "articles", "passages", "per_1000", "words")
# Examples under the sub-collection form: (A, B, what it compares).
SUB_EXAMPLES = [
    ("year:2021", "year:2023", "2021 年对 2023 年"),
    ("省:吉林", "省:湖南", "吉林省对湖南省"),
    ("city:延吉", "city:吉林", "延吉对吉林市"),
]


@dataclass
class CompareRequest:
    """What a compare URL asks for, validated."""

    p: Params  # the query and the filters shared by every place / sub-collection
    mode: Mode
    field: str = "city"
    places: list[str] = dc_field(default_factory=list)
    a: str = ""
    b: str = ""

    @property
    def ready(self) -> bool:
        """Whether there is something to compare (else the page shows its form only)."""
        return bool(self.places) if self.mode == "places" else bool(self.a or self.b)

    def args(self) -> list[tuple[str, str]]:
        """The canonical query string: the search's words and filters, then this page's own."""
        out = [(k, v) for k, v in self.p.args() if k not in ("sort", "collapse", "page", "limit")]
        if self.mode == "places":
            if self.field != "city" or self.places:
                out.append(("field", self.field))
            out.extend(("place", v) for v in self.places)
        else:
            out += [("a", self.a)] if self.a else []
            out += [("b", self.b)] if self.b else []
            if not self.a and not self.b:
                out.append(("mode", "words"))
        return out

    def url(self, endpoint: str = "web.compare", **kwargs: Any) -> str:
        query = urlencode(self.args())
        return url_for(endpoint, **kwargs) + ("?" + query if query else "")


def _value(raw: str, name: str, example: str) -> str:
    if len(raw) > MAX_VALUE:
        raise ParamError(
            f"{name} is too long ({len(raw)} characters; at most {MAX_VALUE}), for example {name}={example}.",
            f"参数 {name} 太长了（{len(raw)} 个字，最多 {MAX_VALUE} 个），请写地名或筛选条件，例如 {name}={example}。",
            field=name,
        )
    return raw


def parse_compare(args: Any) -> CompareRequest:
    """Request arguments -> CompareRequest, or ParamError naming the fix (English and Chinese)."""
    # Parameters of the search page that mean nothing here (a tool-row link never carries them).
    p = parse_params(MultiDict([(k, v) for k, v in args.items(multi=True) if k not in ("sort", "page", "limit", "collapse")]))
    a = _value(args.get("a", "").strip(), "a", "year:2021")
    b = _value(args.get("b", "").strip(), "b", "year:2023")
    mode_raw = args.get("mode", "").strip() or ("words" if a or b else "places")
    if mode_raw not in MODES:
        raise ParamError(
            f"mode takes places (places side by side) or words (two sub-collections' distinctive words) (got {mode_raw!r}).",
            f"mode 只能是 places（地方对比）或 words（两组特有词）（现在是 {mode_raw!r}）。",
            field="mode",
        )
    mode: Mode = "words" if mode_raw == "words" else "places"
    if mode == "words":
        return CompareRequest(p=p, mode=mode, a=a, b=b)
    field_name = args.get("field", "").strip() or "city"
    if field_name not in FIELD_LABELS:
        raise ParamError(
            f"field takes province, city or county, for example field=city (got {field_name!r}).",
            f"对比范围 field 只能是 province（省份）、city（城市）或 county（区县），例如 field=city（现在是 {field_name!r}）。",
            field="field",
        )
    one, two = FIELD_EXAMPLES[field_name]
    places = list(dict.fromkeys(_value(v.strip(), "place", one) for v in args.getlist("place") if v.strip()))
    if places and not 2 <= len(places) <= MAX_PLACES:
        raise ParamError(
            f"Give two to four different places to compare, for example place={one}&place={two} (got {len(places)}).",
            f"请填写两到四个不同的{FIELD_LABELS[field_name]}进行对比，例如 place={one}&place={two}（现在是 {len(places)} 个）。",
            field="place",
        )
    return CompareRequest(p=p, mode=mode, field=field_name, places=places)


# --- data: the same dict for the page, /api/compare and the downloads --------------------------


def run_compare(req: CompareRequest) -> Comparison | Keyness:
    if req.mode == "words":
        return api.keyness(req.a, req.b, req.p.q, index_dir(), req.p.options(), engine=get_engine(), limit=KEY_LIMIT)
    if not req.ready:
        one, two = FIELD_EXAMPLES[req.field]
        raise ParamError(
            f"Give two to four places to compare, for example place={one}&place={two}.",
            f"请填写两到四个{FIELD_LABELS[req.field]}进行对比，例如 place={one}&place={two}。",
            field="place",
        )
    return api.compare(req.p.q, req.field, req.places, index_dir(), req.p.options(), engine=get_engine(), hits=HITS, words=WORDS)


def compare_data(req: CompareRequest, found: Comparison | Keyness) -> dict[str, Any]:
    """The JSON twin: the core record's own ``to_dict`` with the mode (and the field compared by)."""
    if isinstance(found, Keyness):
        return {"mode": "words", **found.to_dict()}
    return {"mode": "places", "field": req.field, **found.to_dict()}


def search_url(p: Params, filters: dict[str, list[str]], q: str | None = None) -> str:
    """The search page for these words (or ``q``) with some filters replaced: the figures link here."""
    for name, values in filters.items():
        p = p.with_filter(name, values)
    return replace(p, q=p.q if q is None else q, page=1).url("web.search")


def word_query(q: str, word: str) -> str:
    # Quoted: a jieba word alone could read as an operator (OR, -) or a wildcard.
    return f'{q} "{word}"'.strip()


def place_views(req: CompareRequest, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each place as the page shows it: the figures, the link of its count, its words' links."""
    top = max((pl["per_1000"] or 0 for pl in data["places"]), default=0)
    out = []
    for pl in data["places"]:
        only = {req.field: [pl["value"]]}
        words = [{**w, "url": search_url(req.p, only, word_query(req.p.q, w["word"]))} for w in pl["words"]]
        bar = round(100 * (pl["per_1000"] or 0) / top, 1) if top else 0
        out.append({**pl, "url": search_url(req.p, only), "words": words, "bar": bar})
    return out


def keyness_views(req: CompareRequest, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The two keyword lists, each word linked to the search for it in its own sub-collection."""
    return {
        side: [{**w, "url": search_url(req.p, {}, f"{word_query(req.p.q, w['word'])} {spec}")} for w in data[f"key_{side}"]]
        for side, spec in (("a", req.a), ("b", req.b))
    }


def kept_compare(args: Any) -> CompareRequest:
    """What a page with a bad parameter still shows in its form (never raises)."""
    try:
        p = parse_params(args)
    except api.QueryError:
        p = kept_params(args)
    a, b = args.get("a", "")[:MAX_VALUE], args.get("b", "")[:MAX_VALUE]
    mode: Mode = "words" if args.get("mode") == "words" or a.strip() or b.strip() else "places"
    field_name = args.get("field", "city") if args.get("field", "city") in FIELD_LABELS else "city"
    places = [v[:MAX_VALUE] for v in args.getlist("place") if v.strip()][:MAX_PLACES]
    return CompareRequest(p=p, mode=mode, field=field_name, places=places, a=a, b=b)


def page_context(req: CompareRequest) -> dict[str, Any]:
    """What the form shows whatever the result: the mode links, hidden filters, examples."""
    mode_urls = {
        "places": CompareRequest(p=req.p, mode="places", field=req.field).url(),
        "words": CompareRequest(p=req.p, mode="words").url(),
    }
    one, two = FIELD_EXAMPLES[req.field]
    examples = [
        {"a": a, "b": b, "note": note, "url": CompareRequest(p=req.p, mode="words", a=a, b=b).url()}
        for a, b, note in SUB_EXAMPLES
    ]
    place_example = CompareRequest(
        p=replace(req.p, q=req.p.q or "志愿服务"), mode="places", field="city", places=["延吉", "吉林"]
    )
    return {
        "req": req,
        "p": req.p,
        "current": "compare",
        "mode_urls": mode_urls,
        "field_labels": FIELD_LABELS,
        "place_inputs": (req.places + [""] * MAX_PLACES)[:MAX_PLACES],
        "place_placeholders": [one, two, "", ""],
        "hidden": [(spec.url_param, v) for spec in FILTERS for v in req.p.filters.get(spec.name, ())],
        "filter_labels": [f"{spec.label}：{v}" for spec in FILTERS for v in req.p.filters.get(spec.name, ())],
        "unfiltered_url": CompareRequest(**{**req.__dict__, "p": replace(req.p, filters={})}).url(),
        "sub_examples": examples,
        "place_example": {"url": place_example.url(), "query": place_example.p.q},
    }


def export_links(req: CompareRequest) -> list[dict[str, str]]:
    return [{"label": label, "url": req.url("web.compare_export", fmt=fmt)} for fmt, label in EXPORT_LABELS.items()]


@bp.route("/compare")
def compare() -> Any:
    try:
        req = parse_compare(request.args)
    except api.QueryError as exc:
        return render_template("compare.html", error=exc, data=None, **page_context(kept_compare(request.args))), 400
    if any(not v.strip() for _, v in request.args.items(multi=True)):
        # A submitted form sends its empty boxes; keep shared URLs short and canonical.
        return current_app.redirect(req.url())
    ctx = page_context(req)
    if not req.ready:
        return render_template("compare.html", data=None, **ctx)
    try:
        found = run_compare(req)
    except api.QueryError as exc:
        return render_template("compare.html", error=exc, data=None, **ctx), 400
    data = compare_data(req, found)
    views: dict[str, Any] = {"places": place_views(req, data)} if req.mode == "places" else {"keys": keyness_views(req, data)}
    return render_template(
        "compare.html",
        data=data,
        notes=[n.zh for n in found.notes],
        json_url=req.url("web.api_compare"),
        exports=export_links(req),
        **views,
        **ctx,
    )


@bp.route("/api/compare")
def api_compare() -> Response:
    req = parse_compare(request.args)
    return jsonify(compare_data(req, run_compare(req)))


def table_rows(data: dict[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The download's columns and rows: one row per place, or one per keyword with its side."""
    if data["mode"] == "places":
        rows = [
            {**{k: pl[k] for k in PLACE_COLUMNS[:-1]}, "words": "、".join(w["word"] for w in pl["words"])}
            for pl in data["places"]
        ]
        return PLACE_COLUMNS, rows
    columns = (*KEYWORD_COLUMNS, "side")
    return columns, [{**w, "side": side.upper()} for side in ("a", "b") for w in data[f"key_{side}"]]


def export_filename(req: CompareRequest, fmt: str) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name): searcher-compare-志愿服务-延吉-吉林.csv."""
    parts = [req.p.q, *req.places] if req.mode == "places" else [req.p.q, req.a, "vs", req.b]
    words = ["".join(ch if ch.isalnum() or ch in "-." else "_" for ch in part).strip("_.") for part in parts]
    stem = "-".join(w for w in words if w)[:80]
    name = f"searcher-compare-{stem}.{fmt}" if stem else f"searcher-compare.{fmt}"
    return (name if name.isascii() else f"searcher-compare.{fmt}"), name


@bp.route("/compare.<any(csv, jsonl):fmt>")
def compare_export(fmt: api.ExportFormat) -> Response:
    try:
        req = parse_compare(request.args)
        data = compare_data(req, run_compare(req))
    except api.QueryError as exc:
        # errors.py answers JSON for /api/ and /export. only; a download that fails says why in JSON too.
        resp = jsonify({"error": str(exc), "error_zh": exc.zh, "field": exc.field, "status": 400})
        resp.status_code = 400
        return resp
    columns, rows = table_rows(data)
    ascii_name, name = export_filename(req, fmt)
    resp = Response(b"".join(api.table_chunks(columns, rows, fmt)), content_type=api.EXPORT_MEDIA_TYPES[fmt])
    resp.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return resp
