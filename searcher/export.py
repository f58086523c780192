"""Hits -> CSV or JSON Lines, as a stream: one row per passage, every field but the HTML highlight.

    chunks(hits, "csv")     -> Iterator[bytes]   (UTF-8; the CSV starts with a BOM for Excel/WPS)
    write(hits, "jsonl", f) -> rows written

Rows are produced one at a time (and sent in chunks of about CHUNK_BYTES), so memory stays flat
however many passages match. Used by ``searcher export`` and the web app's download links.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO, Literal

from .fields import EXPORTED
from .model import Hit

__all__ = ["CHUNK_BYTES", "FIELDS", "FORMATS", "MEDIA_TYPES", "chunks", "format_for_path", "lines", "row", "write"]

FIELDS = EXPORTED  # searcher.fields
Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
SUFFIXES: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
BOM = "\ufeff"
CHUNK_BYTES = 64 * 1024

# Valid in JSON text, but line breaks to str.splitlines() and some editors; escaped so that one
# line is always one record.
_LINE_BREAKS_IN_JSON = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def row(hit: Hit) -> dict[str, Any]:
    """The exported fields of one hit, in FIELDS order (unknown values are None)."""
    return {name: getattr(hit, name) for name in FIELDS}


def format_for_path(path: str) -> Format | None:
    """The format a file name asks for by its suffix (.csv, .jsonl, .ndjson), or None."""
    lowered = path.lower()
    for suffix, fmt in SUFFIXES.items():
        if lowered.endswith(suffix):
            return fmt
    return None


def lines(hits: Iterable[Hit], fmt: str) -> Iterator[str]:
    """The export as text, piece by piece: for CSV the BOM and header first, then one record per hit.

    CSV records end in CRLF, as RFC 4180 and spreadsheet software expect; line breaks inside a
    passage stay as written, inside a quoted field. Write the pieces without newline translation.
    """
    if fmt == "csv":
        yield from _csv_lines(hits)
    elif fmt == "jsonl":
        for hit in hits:
            yield json.dumps(row(hit), ensure_ascii=False).translate(_LINE_BREAKS_IN_JSON) + "\n"
    else:
        raise ValueError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")


# Excel, WPS and LibreOffice run a cell that starts with one of these as a formula (a title such
# as "=HYPERLINK(...)" or a passage "+1+1"); OWASP's advice: prefix such cells with a quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never evaluates."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_lines(hits: Iterable[Hit]) -> Iterator[str]:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    yield BOM + _take(buf)
    for hit in hits:
        writer.writerow({k: spreadsheet_safe(v) for k, v in row(hit).items()})
        yield _take(buf)


def _take(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text


def chunks(hits: Iterable[Hit], fmt: str, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The export as UTF-8 bytes in chunks of about ``size`` (never empty; at least the CSV header)."""
    pending: list[bytes] = []
    held = 0
    for piece in lines(hits, fmt):
        data = piece.encode("utf-8")
        pending.append(data)
        held += len(data)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def write(hits: Iterable[Hit], fmt: str, out: BinaryIO) -> int:
    """Write the export to a binary stream; returns the number of rows (passages) written."""
    count = 0

    def counted() -> Iterator[Hit]:
        nonlocal count
        for hit in hits:
            count += 1
            yield hit

    for data in chunks(counted(), fmt):
        out.write(data)
    return count


def table_chunks(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], fmt: str) -> Iterator[bytes]:
    """A table of an analysis view (concordance lines, trend rows, collocates ...) as CSV or JSON
    Lines, with the same rules as passage exports (BOM, CRLF, spreadsheet-safe cells)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if fmt == "jsonl":
        for r in rows:
            yield (json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False).translate(_LINE_BREAKS_IN_JSON) + "\n").encode(
                "utf-8"
            )
        return
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    yield (BOM + _take(buf)).encode("utf-8")
    for r in rows:
        writer.writerow({c: spreadsheet_safe(r.get(c)) for c in columns})
        yield _take(buf).encode("utf-8")
