"""URL parameters -> ``Params`` (everything a search page shows is in its URL, so it can be
bookmarked and shared) and back to canonical URLs. Filters come from ``searcher.fields``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from flask import current_app, has_request_context, request, url_for

from searcher import api
from searcher.fields import FILTERS

MAX_PAGE = 10_000


class ParamError(api.QueryError):
    """A URL parameter that cannot be used; the message (English and Chinese) says how to fix it."""


@dataclass
class Params:
    q: str = ""
    # Filter name (searcher.fields.FILTERS) -> values; a multi-valued filter may hold several.
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    collapse: bool = True
    count: str = "passages"  # what facet values count: passages or articles (api.COUNTS)

    def value(self, name: str) -> str | None:
        values = self.filters.get(name)
        return values[-1] if values else None

    def has(self, name: str, value: str) -> bool:
        return value in self.filters.get(name, ())

    @property
    def has_filters(self) -> bool:
        return any(self.filters.values())

    @property
    def is_blank(self) -> bool:
        return not self.q.strip() and not self.has_filters

    def hidden_filters(self) -> list[tuple[str, str]]:
        """(URL parameter, value) of the filters the form keeps in hidden fields (dates have boxes)."""
        return [(spec.url_param, v) for spec in FILTERS if spec.resolve != "date" for v in self.filters.get(spec.name, ())]

    def options(self) -> api.SearchOptions:
        return api.SearchOptions(
            {name: list(values) for name, values in self.filters.items()},
            limit=self.limit,
            offset=(self.page - 1) * self.limit,
            sort=self.sort if self.sort in api.SORTS else "relevance",
            collapse=self.collapse,
            relative_sources=True,  # a shared server never shows its paths
            count="articles" if self.count == "articles" else "passages",
            base_url=_server_root(),
        )

    def args(self) -> list[tuple[str, str]]:
        """The canonical query string: defaults and empty values left out, filters in registry order."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for spec in FILTERS:
            out.extend((spec.url_param, v) for v in self.filters.get(spec.name, ()))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if not self.collapse:
            out.append(("collapse", "0"))
        if self.count != "passages":
            out.append(("count", self.count))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.limit != current_app.config["PAGE_SIZE"]:
            out.append(("limit", str(self.limit)))
        return out

    def with_filter(self, name: str, values: tuple[str, ...] | list[str]) -> Params:
        """These params with filter ``name`` set to ``values`` (none: removed), from page 1."""
        filters = {k: v for k, v in self.filters.items() if k != name}
        if values:
            filters[name] = tuple(values)
        return replace(self, filters=filters, page=1)

    def toggled(self, name: str, value: str) -> Params:
        """What clicking a facet value does: select it (added to a multi-valued filter) or deselect it."""
        current = self.filters.get(name, ())
        if value in current:
            return self.with_filter(name, [v for v in current if v != value])
        spec = next(f for f in FILTERS if f.name == name)
        return self.with_filter(name, [*current, value] if spec.multi else [value])

    def url(self, endpoint: str = "web.search", **changes: Any) -> str:
        """URL of this search with some parameters changed; any change but ``page`` restarts at page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        p = replace(self, **changes) if changes else self
        query = urlencode(p.args())
        return url_for(endpoint) + ("?" + query if query else "")


def _one(args: Any, name: str) -> str | None:
    value = args.get(name, "").strip()
    return value or None


def _int(args: Any, name: str, low: int, high: int, default: int, example: str) -> int:
    raw = _one(args, name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,7}", raw) or not low <= int(raw) <= high:
        raise ParamError(
            f"{name} takes a whole number from {low} to {high}, for example {name}={example} (got {raw!r}).",
            f"参数 {name} 要写 {low} 到 {high} 的整数，例如 {name}={example}（现在是 {raw!r}）。",
            field=name,
        )
    return int(raw)


def parse_filters(args: Any) -> dict[str, tuple[str, ...]]:
    """The filters of the request, by filter name; a value of the wrong form is a ParamError."""
    out: dict[str, tuple[str, ...]] = {}
    for spec in FILTERS:
        raw = [v.strip() for v in args.getlist(spec.url_param) if v.strip()]
        values = list(dict.fromkeys(raw)) if spec.multi else raw[-1:]
        for value in values:
            if spec.pattern and not re.fullmatch(spec.pattern, value):
                en, zh = spec.form
                raise ParamError(
                    f"{spec.url_param} takes {en}, for example {spec.url_param}={spec.example} (got {value!r}).",
                    f"{spec.label}要写{zh}，例如 {spec.url_param}={spec.example}（现在是 {value!r}）。",
                    field=spec.url_param,
                )
        if values:
            out[spec.name] = tuple(values)
    return out


def parse_params(args: Any) -> Params:
    """Request arguments -> Params, or ParamError naming the fix. Values are validated, never used as paths."""
    filters = parse_filters(args)
    sort = _one(args, "sort") or "relevance"
    if sort not in api.SORTS:
        raise ParamError(
            f"sort must be one of {', '.join(api.SORTS)} (got {sort!r}).",
            f"排序方式只能是 relevance（相关度）、date（日期，新→旧）或 date-asc（日期，旧→新）（现在是 {sort!r}）。",
            field="sort",
        )
    collapse = _one(args, "collapse") or "1"
    if collapse not in ("0", "1"):
        raise ParamError(
            f"collapse takes 0 (show every copy) or 1 (default) (got {collapse!r}).",
            f"collapse 只能是 0（显示全部重复段落）或 1（默认，合并）（现在是 {collapse!r}）。",
            field="collapse",
        )
    count = _one(args, "count") or "passages"
    if count not in api.COUNTS:
        raise ParamError(
            f"count takes passages (default) or articles (got {count!r}).",
            f"count 只能是 passages（按段落计数，默认）或 articles（按文章计数）（现在是 {count!r}）。",
            field="count",
        )
    return Params(
        q=args.get("q", "").strip(),
        filters=filters,
        sort=sort,
        collapse=collapse == "1",
        count=count,
        page=_int(args, "page", 1, MAX_PAGE, 1, "2"),
        limit=_int(args, "limit", 0, api.MAX_LIMIT, current_app.config["PAGE_SIZE"], "20"),
    )


def kept_params(args: Any) -> Params:
    """What a page with a bad parameter still shows in its form: the words and the date boxes."""
    dates: dict[str, tuple[str, ...]] = {}
    for spec in FILTERS:
        if spec.resolve == "date" and (value := _one(args, spec.url_param)):
            dates[spec.name] = (value,)
    return Params(q=args.get("q", ""), filters=dates)


def _server_root() -> str:
    """This server's root as the request reached it (http://host:port), for links in exports and
    citations; "" outside a request."""
    return request.url_root.rstrip("/") if has_request_context() else ""
