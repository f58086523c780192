"""User corrections to titles, places and dates, read from a metadata file (CSV or JSONL).

When the heuristics get a report wrong, the user says what is right in a file next to the
reports (``metadata.csv`` or ``metadata.jsonl`` in an indexed folder, see
``find_folder_metadata``) or one given with ``--metadata``. One row per correction:

    file,match_title,title,province,city,county,date
    延吉总结.pdf,,吉林省延吉市创建文明城市工作总结,,延吉,,2023-04-12
    汇编.docx,台州市垃圾分类工作综述,,,台州,,2022-07

Columns (CSV header, or the keys of each JSONL object):

``file`` (required)
    The report: a path relative to the metadata file's folder (``sub/a.pdf``), an absolute path,
    or a bare file name, which means every indexed file of that name in any folder.
``match_title``
    Only the article with this title (as searcher shows it, spaces ignored) is corrected;
    without it the row corrects every article of the file. Compilations need it.
``title``
    The new title.
``province``, ``city``, ``county``
    Where the article is about. Giving any of them replaces the whole place (all three levels)
    on every passage of the article, district sections included: the user said where it is.
    Short forms are accepted (吉林, 延边, 延吉) and stored as full names; missing upper levels
    are filled in (city 台州 -> 浙江省 › 台州市). A county-level city written in the ``city``
    column (延吉) is taken as that county. An ambiguous county (朝阳区) needs its city or province.
``date``
    2023, 2023-04 or 2023-04-12 (also 2023/4/12, 2023年4月12日); set on every passage.

Chinese column names work too: 文件, 原标题, 标题, 省份, 城市, 区县, 日期. An empty cell changes
nothing. Rows for the same file and article merge; two different values for one field are an
error. A per-article row wins over a per-file row, and a path over a bare file name.

The file may be UTF-8 (with or without BOM), GBK as Excel saves it on Chinese Windows, or
UTF-16; CSV cells are separated by commas or tabs. A malformed row stops the load with a
``MetadataError`` naming the file and line, and for an unknown place the nearest valid names.

For indexers: ``Metadata.apply(path_key, docs)`` corrects one file's documents (``ingest.read_documents``
does it when given ``metadata=``); ``fingerprint(path_key)`` changes when a file's corrections do, so
an unchanged file can be re-read when only its corrections changed; ``unmatched(path_keys)`` lists rows
naming no indexed file (typos); ``merged`` combines the files of several folders.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..dates import typed_date
from ..model import Document, Place
from ..places import MUNICIPALITIES, all_names, resolve_name, resolve_province
from ..text import normalize_text
from .decoding import UnreadableFile, decode_bytes
from .doctype import doc_type

__all__ = [
    "FOLDER_FILES",
    "Metadata",
    "MetadataError",
    "Override",
    "find_folder_metadata",
    "load_metadata",
    "parse_metadata",
    "read_metadata_text",
]

FOLDER_FILES = ("metadata.csv", "metadata.jsonl")
COLUMNS = ("file", "match_title", "title", "province", "city", "county", "date")
_ALIASES = {
    "文件": "file",
    "文件名": "file",
    "原标题": "match_title",
    "匹配标题": "match_title",
    "标题": "title",
    "省": "province",
    "省份": "province",
    "城市": "city",
    "市": "city",
    "区县": "county",
    "县": "county",
    "区": "county",
    "日期": "date",
}
_FIELDS = ("title", "province", "city", "county", "date")


class MetadataError(ValueError):
    """A metadata file that cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Override:
    """What one row (or several merged rows) sets; None leaves the value found in the text."""

    title: str | None = None
    place: Place | None = None
    date: str | None = None
    lines: tuple[int, ...] = ()  # where it was written, for messages

    def then(self, other: Override | None) -> Override:
        """This override with ``other`` applied on top (other's values win)."""
        if other is None:
            return self
        return Override(
            other.title if other.title is not None else self.title,
            other.place if other.place is not None else self.place,
            other.date if other.date is not None else self.date,
            self.lines + other.lines,
        )


# A row's target: ("path", absolute resolved path) or ("name", bare file name), and the folded
# match_title or None for every article of the file.
_Target = tuple[str, str]


@dataclass
class Metadata:
    """Corrections loaded from one or more metadata files. Picklable, for index worker processes."""

    sources: list[str] = field(default_factory=list)
    rows: dict[_Target, dict[str | None, Override]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def apply(self, path_key: str, docs: list[Document]) -> list[Document]:
        """The documents of one file (``path_key``: its absolute resolved path) with corrections applied."""
        layers = [self.rows.get(("name", Path(path_key).name)), self.rows.get(("path", path_key))]
        if not any(layers):
            return docs
        out = []
        for doc in docs:
            key = _fold_title(doc.title)
            override = Override()
            # Least specific first: file-wide rows, then rows for this article; a bare name, then a path.
            for match in (None, key):
                for layer in layers:
                    if layer:
                        override = override.then(layer.get(match))
            out.append(_overridden(doc, override))
        return out

    def fingerprint(self, path_key: str) -> str:
        """A digest of the corrections for one file ("" if none), so an indexer can re-read a file
        whose corrections changed although its content did not."""
        layers = [self.rows.get(("name", Path(path_key).name)), self.rows.get(("path", path_key))]
        parts = [
            (match or "", o.title, o.place and (o.place.province, o.place.city, o.place.county), o.date)
            for layer in layers
            if layer
            for match, o in sorted(layer.items(), key=lambda kv: kv[0] or "")
        ]
        return hashlib.sha1(repr(parts).encode()).hexdigest()[:16] if parts else ""

    def unmatched(self, path_keys: Iterable[str]) -> list[str]:
        """Rows naming a file that is none of ``path_keys``: "<line(s)>: <file>" for a warning."""
        keys = set(path_keys)
        names = {Path(k).name for k in keys}
        out = []
        for (kind, value), by_title in self.rows.items():
            if (kind == "path" and value not in keys) or (kind == "name" and value not in names):
                lines = sorted({n for o in by_title.values() for n in o.lines})
                out.append(f"line {', '.join(map(str, lines))}: {value}")
        return out

    def merged(self, other: Metadata) -> Metadata:
        """Both files' corrections (several indexed folders, each with its metadata.csv)."""
        result = Metadata(self.sources + other.sources, {k: dict(v) for k, v in self.rows.items()})
        for target, by_title in other.rows.items():
            for match, override in by_title.items():
                _add(result, target, match, override, other.sources[0] if other.sources else "metadata")
        return result


def _overridden(doc: Document, o: Override) -> Document:
    if o.title is None and o.place is None and o.date is None:
        return doc
    title = o.title if o.title is not None else doc.title
    kind = doc_type(title) if o.title is not None else doc.doc_type  # a corrected title gives its kind
    place = o.place if o.place is not None else doc.place
    date = o.date if o.date is not None else doc.date
    passages = [
        replace(
            p,
            title=title,
            place=o.place if o.place is not None else p.place,  # section places too: the user said where
            date=date,
            doc_type=kind,
        )
        for p in doc.passages
    ]
    return replace(doc, title=title, place=place, date=date, passages=passages, doc_type=kind)


def _fold_title(title: str) -> str:
    return re.sub(r"\s+", "", normalize_text(unicodedata.normalize("NFC", title)))


# --------------------------------------------------------------------------- loading


def find_folder_metadata(folder: Path) -> Path | None:
    """The metadata file inside an indexed folder: metadata.csv, else metadata.jsonl, else None."""
    for name in FOLDER_FILES:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


def load_metadata(path: Path) -> Metadata:
    """Read a CSV or JSONL metadata file; MetadataError names the file and line of a bad row."""
    return parse_metadata(read_metadata_text(path), path)


def read_metadata_text(path: Path) -> str:
    """A metadata file's text, whatever its encoding (MetadataError if it cannot be read)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MetadataError(f"{path}: {exc.strerror or exc}") from exc
    try:
        text, _ = decode_bytes(data)
    except UnreadableFile as exc:
        raise MetadataError(f"{path}: {exc}") from exc
    return text


def parse_metadata(text: str, path: Path, folder: Path | None = None) -> Metadata:
    """Corrections from the text of the metadata file ``path``; relative file names are taken
    from ``folder`` (default: the file's own folder). MetadataError names the line of a bad row."""
    path = Path(path)
    folder = folder if folder is not None else path.resolve().parent
    meta = Metadata([str(path)])
    first = text.lstrip()[:1]
    rows = _jsonl_rows(path, text) if path.suffix.lower() in (".jsonl", ".ndjson") or first == "{" else _csv_rows(path, text)
    for line, row in rows:
        target, match, override = _parse_row(path, folder, line, row)
        if override.title is None and override.place is None and override.date is None:
            continue  # a row that only names a file (a template line) changes nothing
        _add(meta, target, match, override, str(path))
    return meta


def _add(meta: Metadata, target: _Target, match: str | None, override: Override, source: str) -> None:
    by_title = meta.rows.setdefault(target, {})
    old = by_title.get(match)
    if old is not None:
        for name in ("title", "place", "date"):
            a, b = getattr(old, name), getattr(override, name)
            if a is not None and b is not None and a != b:
                shown = (a.label(), b.label()) if isinstance(a, Place) else (a, b)
                raise MetadataError(
                    f"{source} line {override.lines[0]}: {name} {shown[1]!r} contradicts {shown[0]!r} "
                    f"given for the same file and article on line {old.lines[0]}"
                )
        override = old.then(override)
    by_title[match] = override


def _column(path: Path, line: int, name: str) -> str:
    key = name.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")
    key = _ALIASES.get(name.strip(), key)
    if key not in COLUMNS:
        raise MetadataError(f"{path} line {line}: unknown column {name.strip()!r}; columns are {', '.join(COLUMNS)}")
    return key


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    header_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = "\t" if "\t" in header_line and "," not in header_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: list[str | None] | None = None
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            # Excel leaves unnamed empty columns at the end of a sheet: allowed while they stay empty.
            columns = [_column(path, line, c) if c.strip() else None for c in cells]
            named = [c for c in columns if c]
            if len(set(named)) != len(named):
                dup = next(c for c in named if named.count(c) > 1)
                raise MetadataError(f"{path} line {line}: column {dup!r} appears twice")
            if "file" not in named:
                raise MetadataError(f"{path} line {line}: no 'file' column; the header must name it (file,title,city,...)")
            continue
        if any(cell.strip() for col, cell in zip(columns, cells) if col is None) or any(c.strip() for c in cells[len(columns) :]):
            raise MetadataError(
                f"{path} line {line}: {len(cells)} cells but {len([c for c in columns if c])} named columns "
                "(a comma inside a value needs quotes)"
            )
        yield line, {col: cell for col, cell in zip(columns, cells) if col is not None}
    if columns is None:
        raise MetadataError(f"{path}: empty; the first line must name the columns (file,title,province,city,county,date)")


def _jsonl_rows(path: Path, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise MetadataError(f"{path} line {line}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(obj, dict):
            raise MetadataError(f'{path} line {line}: each line must be one JSON object {{"file": ..., ...}}')
        row: dict[str, str] = {}
        for key, value in obj.items():
            col = _column(path, line, str(key))
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise MetadataError(f"{path} line {line}: {key!r} must be text, not {type(value).__name__}")
            row[col] = str(value)
        if "file" not in row:
            raise MetadataError(f'{path} line {line}: no "file" key; every line names its file')
        yield line, row


def _parse_row(path: Path, folder: Path, line: int, row: dict[str, str]) -> tuple[_Target, str | None, Override]:
    def cell(name: str) -> str | None:
        value = normalize_text(row.get(name) or "").strip()
        return value or None

    where = f"{path} line {line}"
    file = cell("file")
    if file is None:
        raise MetadataError(f"{where}: the file cell is empty")
    match = cell("match_title")
    date = cell("date")
    parsed_date = typed_date(date) if date else None
    if date and parsed_date is None:
        raise MetadataError(f"{where}: bad date {date!r}; write 2023, 2023-04 or 2023-04-12")
    place = None
    if cell("province") or cell("city") or cell("county"):
        place = _resolve_place(where, cell("province"), cell("city"), cell("county"))
    override = Override(cell("title"), place, parsed_date, (line,))
    return _target(folder, file), _fold_title(match) if match else None, override


def _target(folder: Path, file: str) -> _Target:
    given = Path(file.replace("\\", "/"))  # paths typed on Windows
    if given.is_absolute():
        return "path", str(given.resolve())
    if len(given.parts) == 1:
        return "name", given.name
    return "path", str((folder / given).resolve())


# --------------------------------------------------------------------------- places


def _resolve_place(where: str, province: str | None, city: str | None, county: str | None) -> Place:
    """Full names at all three levels from what the user wrote, or MetadataError with suggestions."""
    prov = None
    if province:
        prov = resolve_province(province)
        if prov is None:
            raise MetadataError(f"{where}: unknown province {province!r}{_suggest(province, 'province')}")
    city_place = None
    if city:
        found = [p for p in resolve_name(city) if prov is None or p.province == prov]
        cities = [p for p in found if p.county is None]
        if cities:
            city_place = _one(where, "city", city, cities)
        elif found and not county:
            # 延吉 is a county-level city; the user means that place.
            return _one(where, "city", city, found)
        else:
            raise MetadataError(_unknown(where, "city", city, resolve_name(city), prov))
    if county:
        found = [
            p
            for p in resolve_name(county)
            if p.county and (prov is None or p.province == prov) and (city_place is None or p.city == city_place.city)
        ]
        if not found:
            counties = [p for p in resolve_name(county) if p.county]
            raise MetadataError(_unknown(where, "county", county, counties, prov, city_place))
        return _one(where, "county", county, found)
    if city_place is not None:
        return city_place
    assert prov is not None
    return Place(prov, prov) if prov in MUNICIPALITIES else Place(prov)


def _one(where: str, level: str, name: str, places: list[Place]) -> Place:
    if len(places) == 1:
        return places[0]
    options = "; ".join(p.label() for p in places[:6])
    parent = "province" if level == "city" else "city or province"
    raise MetadataError(f"{where}: {level} {name!r} is ambiguous ({options}); add its {parent}")


def _unknown(where: str, level: str, name: str, elsewhere: list[Place], prov: str | None, city: Place | None = None) -> str:
    if elsewhere:
        # The name exists, just not under the parent given.
        inside = city.city if city is not None else prov
        return f"{where}: {level} {name!r} is not in {inside} (it is in {'; '.join(p.label() for p in elsewhere[:4])})"
    return f"{where}: unknown {level} {name!r}{_suggest(name, level)}"


def _suggest(name: str, level: str) -> str:
    """'; nearest: A, B, C' from the gazetteer (full names at the right level), or ''."""
    close = difflib.get_close_matches(name, all_names(), n=40, cutoff=0.4)
    scored: dict[str, tuple[float, int, int]] = {}
    for candidate in close:
        ratio = difflib.SequenceMatcher(None, name, candidate).ratio()
        if level == "province":
            full = [(resolve_province(candidate), 0)]
        else:
            # A county-level city may stand in the city column (延吉), so counties count there too,
            # after the cities.
            full = [(p.county or p.city, 1 if p.county else 0) for p in resolve_name(candidate) if level == "city" or p.county]
        for f, rank in full:
            if f:
                key = (-ratio, rank, abs(len(f) - len(name)))
                scored[f] = min(scored.get(f, key), key)
    best = sorted(scored, key=lambda f: (scored[f], f))[:6]
    return f"; nearest: {', '.join(best)}" if best else ""
