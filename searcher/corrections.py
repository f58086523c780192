"""Corrections kept in the index: what a user told us once stays until replaced or forgotten.

``searcher index --metadata fixes.csv`` (or a ``metadata.csv`` in an indexed folder) gives
corrections; they are copied into ``INDEX/corrections.json`` (the file's text, where it was,
when), so a later plain ``searcher index`` or ``searcher serve`` of the same reports applies
them again instead of reverting them, even if the file has moved or gone. Giving the same
file again replaces its kept copy; ``searcher corrections --forget FILE`` removes it. A rebuild
keeps them: they are what the user said, not what the index computed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .ingest.metadata import Metadata, MetadataError, parse_metadata, read_metadata_text

STORE_FILE = "corrections.json"


@dataclass
class KeptFile:
    """One metadata file as kept in the index."""

    path: str  # resolved path of the file when it was given
    text: str
    kept_at: str

    def parse(self) -> Metadata:
        return parse_metadata(self.text, Path(self.path), Path(self.path).parent)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "text": self.text, "kept_at": self.kept_at}


def kept(index_dir: Path) -> list[KeptFile]:
    """The metadata files kept in the index, in the order they were first given."""
    try:
        data = json.loads((index_dir / STORE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise MetadataError(
            f"{index_dir / STORE_FILE} cannot be read ({exc}); the corrections kept there are not "
            "lost: fix or move the file, then run the command again"
        ) from exc
    return [KeptFile(f["path"], f["text"], f["kept_at"]) for f in data.get("files", [])]


def _write(index_dir: Path, files: list[KeptFile]) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".{STORE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps({"files": [f.to_dict() for f in files]}, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(index_dir / STORE_FILE)


def merged(files: list[KeptFile]) -> Metadata | None:
    """All kept corrections as one Metadata (MetadataError if two files contradict each other)."""
    found: Metadata | None = None
    for f in files:
        meta = f.parse()
        try:
            found = meta if found is None else found.merged(meta)
        except MetadataError as exc:
            others = ", ".join(k.path for k in files if k is not f)
            raise MetadataError(
                f"{exc} (corrections kept in the index come from {others}; "
                "`searcher corrections --forget FILE` drops one of them)"
            ) from exc
    return found


def keep(index_dir: Path, given: list[Path]) -> tuple[Metadata | None, list[KeptFile]]:
    """Keep (or replace) the corrections of ``given`` metadata files in the index, then return
    every kept correction merged, and the kept files whose original is gone.

    Everything is read and checked before the store is written: a malformed file raises
    MetadataError and changes nothing."""
    files = kept(index_dir)
    now = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    changed = False
    for path in given:
        key = str(Path(path).resolve())
        text = read_metadata_text(Path(path))
        parse_metadata(text, Path(key), Path(key).parent)  # a bad row stops here, before anything is kept
        old = next((f for f in files if f.path == key), None)
        if old is None:
            files.append(KeptFile(key, text, now))
            changed = True
        elif old.text != text:
            old.text, old.kept_at = text, now
            changed = True
    result = merged(files)
    if changed:
        _write(index_dir, files)
    gone = [f for f in files if not Path(f.path).exists()]
    return result, gone


def forget(index_dir: Path, path: str) -> KeptFile | None:
    """Remove one kept file's corrections (by its path as given or resolved); the removed entry or None."""
    files = kept(index_dir)
    key = str(Path(path).resolve())
    found = next((f for f in files if f.path in (key, path)), None)
    if found is None:
        named = [f for f in files if Path(f.path).name == Path(path).name]
        if len(named) > 1:
            raise MetadataError(
                f"several kept files are called {Path(path).name}: give the full path, one of " + ", ".join(f.path for f in named)
            )
        found = named[0] if named else None
    if found is not None:
        _write(index_dir, [f for f in files if f is not found])
    return found
