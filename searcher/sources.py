"""Source paths as a shared server shows them: relative to the folder they were indexed from.

A file's ``source`` is the path as the user gave it to ``searcher index`` (joined with the walk
below a folder): ``/srv/data/reports/2021/a.txt``. The CLI shows it whole; the web UI, its JSON
and its exports show ``reports/2021/a.txt`` (the indexed folder's name and the path below it), or
the file name for a file given by itself, so that a page never reveals the server's layout.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import PurePath


class RelativeSources:
    """``source -> shown source`` for the paths an index was built from (``folders.json``'s "path")."""

    def __init__(self, given: Iterable[str]) -> None:
        # Longest first: a folder indexed inside another shows the path below the inner one.
        self.roots = sorted({g.rstrip("/" + os.sep) for g in given if g.strip("/" + os.sep)}, key=len, reverse=True)
        self._cache: dict[str, str] = {}

    def __call__(self, source: str) -> str:
        shown = self._cache.get(source)
        if shown is None:
            shown = self._cache[source] = self._shown(source)
            if len(self._cache) > 100_000:
                self._cache.clear()
        return shown

    def _shown(self, source: str) -> str:
        for root in self.roots:
            if source.startswith(root) and source[len(root) : len(root) + 1] in ("/", os.sep):
                name = PurePath(root).name
                below = source[len(root) + 1 :].replace(os.sep, "/")
                return f"{name}/{below}" if name and name not in (".", "..") else below
        return PurePath(source).name
