"""Paths -> files -> Documents with passages: what the indexer consumes. Never imports an engine."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .articles import documents
from .model import Document
from .readers import SUPPORTED_SUFFIXES, UnreadableFile, extract_text, unsupported_reason
from .reflow import paragraphs

if TYPE_CHECKING:
    from .metadata import Metadata


@dataclass
class SourceFile:
    path: Path
    source: str  # the path as the user gave it (joined with the walk below a folder)

    @property
    def path_key(self) -> str:
        return str(self.path.resolve())


@dataclass
class Missing:
    """A path given to index that does not exist."""

    source: str
    reason: str = "no such file or folder"


def iter_files(paths: list[str]) -> Iterator[SourceFile | Missing]:
    """Files below the given paths, sorted; a path that does not exist comes back as Missing."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            for p in found:
                yield SourceFile(p, str(Path(given) / p.relative_to(path)))
        elif path.exists():
            yield SourceFile(path, given)
        else:
            yield Missing(given)


def content_hash(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def read_documents(f: SourceFile, data: bytes | None = None, *, metadata: Metadata | None = None) -> list[Document]:
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
    text = extract_text(data, f.path.suffix)
    docs = documents(paragraphs(text), f.source, content_hash(data), fallback_title=f.path.stem)
    return metadata.apply(f.path_key, docs) if metadata is not None else docs
