"""One file -> Documents with passages: read, decode, reflow, split into articles, apply the
user's corrections. What the indexer consumes; never imports an engine."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from ..model import Document
from .articles import documents
from .files import Missing, SourceFile, iter_files, readable
from .formats import SUPPORTED_SUFFIXES, UnreadableFile, extract_text, unsupported_reason
from .reflow import paragraphs

__all__ = ["Missing", "SourceFile", "content_hash", "iter_files", "read_documents"]

if TYPE_CHECKING:
    from .metadata import Metadata


def content_hash(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def read_documents(
    f: SourceFile, data: bytes | None = None, *, metadata: Metadata | None = None, warnings: list[str] | None = None
) -> list[Document]:
    """Read, clean and split one file; raises UnreadableFile with a reason the user can act on.

    ``metadata`` (a user's corrections file) overrides the titles, places and dates found.
    """
    if f.path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(unsupported_reason(f.path.suffix))
    if data is None:
        try:
            data = f.path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(exc.strerror or str(exc)) from exc
    text = extract_text(data, f.path.suffix, warnings)
    docs = documents(paragraphs(text), f.source, content_hash(data), fallback_title=readable(f.path.stem))
    return metadata.apply(f.path_key, docs) if metadata is not None else docs
