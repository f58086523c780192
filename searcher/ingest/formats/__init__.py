"""File bytes -> normalised text, whatever the format: the dispatch table.

``extract_text`` sniffs what the bytes really are (a .txt that is a PDF is read as PDF) and
hands them to the reader of that kind; plain text is decoded (``decoding``). Everything after
text is shared. A new input format: a module here with a ``*_text(data) -> str`` function, its
entry in ``READERS`` (and ``sniffing.sniff`` if its bytes can be recognised), its suffix in
``SUPPORTED_SUFFIXES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from ...text import normalize_text
from ..decoding import REPLACED, UnreadableFile, decode_bytes
from .layout import RADICALS, Block, layout_blocks
from .sniffing import ole2_reason, sniff, zip_reason

__all__ = [
    "READERS",
    "SUPPORTED_SUFFIXES",
    "Block",
    "UnreadableFile",
    "extract_text",
    "layout_blocks",
    "read_text",
    "sniff",
    "supported_suffixes",
    "unsupported_reason",
]

# .doc is picked up so that its owner hears "convert to .docx" instead of nothing at all.
SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".doc")

# Sniffed kind -> (module, function). Modules load on first use: pypdf and python-docx only
# when such a file turns up, so the search side starts fast.
READERS: dict[str, tuple[str, str]] = {
    "pdf": (".pdf", "pdf_text"),
    "docx": (".docx", "docx_text"),
    "html": (".html", "html_text"),
}


def _reader(kind: str) -> Callable[[bytes], str]:
    module, function = READERS[kind]
    reader: Callable[[bytes], str] = getattr(importlib.import_module(module, __name__), function)
    return reader


def supported_suffixes() -> tuple[str, ...]:
    """The file suffixes a folder walk picks up (lower case, with the dot)."""
    return SUPPORTED_SUFFIXES


def unsupported_reason(suffix: str) -> str:
    return f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}"


def extract_text(data: bytes, suffix: str = ".txt", warnings: list[str] | None = None) -> str:
    """The normalised text of a file's bytes, whatever its format; UnreadableFile with the reason.
    What a user should know of a file read all the same (bytes replaced) goes to ``warnings``.

    The content decides the format where it can (magic bytes, an <html> start); the suffix
    decides the rest (.html pages without a doctype, a .pdf or .docx that is no such thing).
    """
    suffix = suffix.lower()
    if not data.strip():
        return ""  # an empty file (Explorer's "New Word document" is 0 bytes) holds no documents
    kind = sniff(data)
    if kind is None and suffix in (".html", ".htm"):
        kind = "html"
    if kind in READERS:
        text = _reader(kind)(data)
    elif kind == "ole2":
        raise UnreadableFile(ole2_reason(data))
    elif kind == "rtf":
        raise UnreadableFile("RTF document; open it in Word and save as .docx")
    elif kind == "zip":
        if suffix == ".docx":
            raise UnreadableFile(zip_reason(data))
        raise UnreadableFile("zip archive, not a report; unpack it or save the document as .docx")
    elif suffix == ".pdf":
        raise UnreadableFile("not a PDF (no %PDF header); the file is damaged or misnamed")
    elif suffix == ".docx":
        raise UnreadableFile("not a Word .docx file (no zip signature); the file is damaged or misnamed")
    elif suffix == ".doc":
        # A .doc is read only when it is really a web page or a .docx; no guessing it is text.
        raise UnreadableFile("unsupported .doc content (not Word 97-2003, a web page or .docx); convert it to .docx")
    else:
        text, encoding = decode_bytes(data)
        if warnings is not None and REPLACED in encoding:
            warnings.append(f"read as {encoding}")
    # Text copied out of PDFs carries the same radical look-alikes (⽂ for 文) as PDFs read here.
    return normalize_text(text.translate(RADICALS))


def read_text(path: Path) -> str:
    """The normalised text of a supported file, or UnreadableFile with the reason."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(unsupported_reason(path.suffix))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from exc
    return extract_text(data, path.suffix)
