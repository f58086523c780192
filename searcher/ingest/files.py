"""Paths a user gives -> the report files below them (sorted; hidden folders skipped)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .formats import SUPPORTED_SUFFIXES


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
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            for p in found:
                yield SourceFile(p, str(Path(given) / p.relative_to(path)))
        elif path.exists():
            yield SourceFile(path, given)
        else:
            yield Missing(given)
