"""An index run: walk the paths, prepare files in worker processes, write with one writer.

Preparing a file (read, decode, reflow, split articles, place and date, jieba) is pure
CPU work on one file, so it runs in a process pool on all cores; the engine writer is
single-threaded and consumes prepared files as they finish (walk order with one worker); ranking
does not depend on that order (ties go by file path), so answers do not depend on the number of
workers. At most a few files per worker are in flight, which keeps
memory flat on large collections.

Work is committed every ``commit_every`` files or every ``COMMIT_SECONDS``, whichever comes
first: a run killed at any moment leaves the index as of its last commit (losing at most
half a minute of work), and the next run skips what was committed (content hashes) and
completes the rest. Each commit is a segment a query visits, so commits are not more
frequent than that.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .ingest.files import SourceFile

from .analysis import analyze_document
from .engine import Engine
from .engine.base import IndexBusy, Writer
from .model import Document

FOLDERS_FILE = "folders.json"
# Files that hold no text (0 bytes, only spaces): nothing of them is in the index, so they are
# remembered here (path_key -> content hash) or every run would read and "index" them again.
EMPTY_FILES = "empty_files.json"
COMMIT_EVERY_FILES = 1000
COMMIT_SECONDS = 30.0


@dataclass
class IndexSummary:
    files: int = 0
    unchanged: int = 0
    removed: int = 0
    documents: int = 0
    passages: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Things the user should know that did not stop the run.
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    megabytes: float = 0.0
    merges: int = 0  # segment merges after the run's last commit
    empty: int = 0  # files read this run that hold no text (remembered, not read again unchanged)

    @property
    def partial(self) -> bool:
        return bool(self.skipped)


@dataclass
class Progress:
    files_done: int
    files_total: int
    passages: int
    bytes_done: int
    bytes_total: int
    seconds: float
    current: str

    @property
    def mb_per_s(self) -> float:
        return self.bytes_done / 1e6 / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        if not self.bytes_done or self.seconds <= 0:
            return None
        return (self.bytes_total - self.bytes_done) / (self.bytes_done / self.seconds)


@dataclass
class Prepared:
    source: str
    path_key: str
    size: int
    status: Literal["ready", "unchanged", "error"]
    digest: str = ""
    reason: str = ""
    docs: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # read all the same, but the user should know


_worker_metadata: Any = None


def _init_worker(metadata: Any) -> None:
    global _worker_metadata
    _worker_metadata = metadata


def _start_worker(metadata: Any) -> None:
    """A worker process: it dies with the run that started it. A killed run's workers would
    otherwise go on for minutes, holding its files and the index's lock file."""
    _init_worker(metadata)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    parent = os.getppid()

    def watch() -> None:  # elsewhere, and should the parent have died before prctl
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


# One file may hold a run for this long, and be this big: a DOCX of a few hundred KB can hold
# 150 MB of paragraphs, a log dumped as .txt gigabytes. Beyond, it is skipped with the reason.
FILE_SECONDS = 300.0
FILE_BYTES_LIMIT = 200 * 10**6
# Writing one file's passages takes about 25 bytes of memory per byte of its text (its segment
# is built at once), so one file's text is limited too: a small DOCX can unpack to 150 MB.
FILE_TEXT_LIMIT = 40 * 10**6  # characters


class FileTooBig(Exception):
    pass


class FileTooSlow(BaseException):
    """Not an Exception: no reader's ``except Exception`` may take it for a damaged file."""


def _within(seconds: float, work: Callable[[], list[Document]]) -> list[Document]:
    """``work()``, stopped by FileTooSlow after ``seconds`` (SIGALRM: in a process's main thread
    only, which workers and the CLI are; elsewhere there is no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return work()

    def expire(signum: int, frame: Any) -> None:
        raise FileTooSlow()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return work()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def prepare(task: tuple[str, str, str | None, str]) -> Prepared:
    """Read, clean, split and analyze one file; never raises (errors come back as data)."""
    # Imported here: reading files pulls in the format libraries, which a search never needs.
    from .ingest.decoding import UnreadableFile
    from .ingest.pipeline import SourceFile, content_hash, read_documents

    path, source, known_digest, collection = task
    f = SourceFile(Path(path), source)
    try:
        data = f.path.read_bytes()
    except OSError as exc:
        return Prepared(source, f.path_key, 0, "error", reason=exc.strerror or str(exc))
    digest = content_hash(data)
    if _worker_metadata is not None and (fingerprint := _worker_metadata.fingerprint(f.path_key)):
        # Corrections count as content: editing a row re-indexes that file (and only that one).
        digest = f"{digest}+{fingerprint}"
    # So does the collection: indexing a folder again under another --collection name re-files it.
    digest = f"{digest}@{collection}"
    if digest == known_digest:
        return Prepared(source, f.path_key, len(data), "unchanged", digest)
    if len(data) > FILE_BYTES_LIMIT:
        reason = f"{len(data) / 1e6:.0f} MB, over the {FILE_BYTES_LIMIT / 1e6:.0f} MB limit for one file; split it"
        return Prepared(source, f.path_key, len(data), "error", digest, reason=reason)
    warnings: list[str] = []
    budget = float(os.environ.get("SEARCHER_FILE_SECONDS", FILE_SECONDS))

    def read() -> list[Document]:
        docs = read_documents(f, data, metadata=_worker_metadata, warnings=warnings)
        for doc in docs:
            for p in doc.passages:
                p.collection = collection
        chars = sum(len(p.text) for doc in docs for p in doc.passages)
        if chars > FILE_TEXT_LIMIT:
            limit = f"the {FILE_TEXT_LIMIT / 1e6:.0f} million limit for one file"
            raise FileTooBig(f"holds {chars / 1e6:.0f} million characters of text, over {limit}; split it")
        for doc in docs:
            analyze_document(doc)
        return docs

    try:
        docs = _within(budget, read)
    except FileTooBig as exc:
        return Prepared(source, f.path_key, len(data), "error", digest, reason=str(exc))
    except FileTooSlow:
        reason = f"took over {budget:g} s to read, the limit for one file (SEARCHER_FILE_SECONDS raises it)"
        return Prepared(source, f.path_key, len(data), "error", digest, reason=reason)
    except UnreadableFile as exc:
        return Prepared(source, f.path_key, len(data), "error", digest, reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - one odd file must never stop a run of thousands
        reason = f"could not be processed ({type(exc).__name__}: {exc}); please report this file"
        return Prepared(source, f.path_key, len(data), "error", digest, reason=reason)
    return Prepared(source, f.path_key, len(data), "ready", digest, docs=docs, warnings=warnings)


# How long the writer waits for a file before it looks at the clock (commits on time while a
# slow file is in flight).
_TICK_SECONDS = 1.0


def _prepared(tasks: list[tuple[str, str, str | None, str]], jobs: int, metadata: Any) -> Iterator[Prepared | None]:
    """Prepared files as they finish (None when none finished for a while: time to commit what is
    ready). With workers, a slow file does not hold back the files after it; the order of the
    index then depends on timing, which ranking does not (ties go by file path)."""
    if jobs <= 1 or len(tasks) <= 1:
        _init_worker(metadata)
        try:
            yield from (prepare(t) for t in tasks)
        finally:
            _init_worker(None)
        return
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait  # process pools cost a search nothing

    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(metadata,)) as pool:
        in_flight: list[Future[Prepared]] = []
        todo = iter(tasks)
        try:
            while True:
                for task in todo:
                    in_flight.append(pool.submit(prepare, task))
                    if len(in_flight) >= jobs * 4:
                        break
                if not in_flight:
                    return
                done, _ = wait(in_flight, timeout=_TICK_SECONDS, return_when=FIRST_COMPLETED)
                if not done:
                    yield None
                    continue
                for fut in [f for f in in_flight if f in done]:  # in submission order
                    in_flight.remove(fut)
                    yield fut.result()
        finally:
            for fut in in_flight:
                fut.cancel()


def run(
    engine: Engine,
    index_dir: Path,
    paths: list[str],
    jobs: int = 1,
    progress: Callable[[Progress], None] | None = None,
    commit_every: int = COMMIT_EVERY_FILES,
    metadata: Any = None,
    collection: str | None = None,
) -> IndexSummary:
    """One index run, holding the index's write lock throughout (IndexBusy if another process
    writes it): no other writer between its commits and its merges."""
    with engine.writing():
        return _run(engine, index_dir, paths, jobs, progress, commit_every, metadata, collection)


def _run(
    engine: Engine,
    index_dir: Path,
    paths: list[str],
    jobs: int = 1,
    progress: Callable[[Progress], None] | None = None,
    commit_every: int = COMMIT_EVERY_FILES,
    metadata: Any = None,
    collection: str | None = None,
) -> IndexSummary:
    started = time.monotonic()
    # SEARCHER_COMMIT_SECONDS exists for the tests of commits while a slow file is read.
    commit_seconds = float(os.environ.get("SEARCHER_COMMIT_SECONDS", COMMIT_SECONDS))
    summary = IndexSummary()
    known = engine.indexed_files()
    empty = _json_record(index_dir / EMPTY_FILES)
    known.update({k: v for k, v in empty.items() if k not in known})
    from .ingest.files import Missing, iter_files

    files: list[SourceFile] = []
    seen: set[str] = set()
    for item in iter_files(paths):
        if isinstance(item, Missing):
            summary.skipped.append((item.source, item.reason))
        elif item.path_key not in seen:  # one file is one document, however many given paths reach it
            seen.add(item.path_key)
            files.append(item)
    for key in engine.files_stored_twice():
        known[key] = ""  # read again: its delete removes every copy
    sizes = {f.path_key: _size(f.path) for f in files}
    total_bytes = sum(sizes.values())
    gone = _gone_from_folders(paths, known, {f.path_key for f in files})

    writer = engine.writer()
    pending = 0
    done_bytes = 0
    last_commit = time.monotonic()
    try:
        for key in gone:
            writer.delete_file(key)
            summary.removed += 1
            pending += 1
            empty.pop(key, None)
        named = collections_of(paths, files, collection)
        tasks = [(str(f.path), f.source, known.get(f.path_key), named[f.path_key]) for f in files]
        n = 0
        # None: a slow file is in flight; what is ready is committed on time all the same.
        for prep in _prepared(tasks, jobs, metadata):
            if prep is not None:
                n += 1
                done_bytes += sizes.get(prep.path_key, prep.size)
                pending += _take(prep, writer, known, empty, summary)
                if progress:
                    elapsed = time.monotonic() - started
                    progress(Progress(n, len(files), summary.passages, done_bytes, total_bytes, elapsed, prep.source))
            if pending >= commit_every or (pending and time.monotonic() - last_commit >= commit_seconds):
                writer.commit()
                writer = engine.writer()
                pending = 0
                last_commit = time.monotonic()
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    if summary.files or summary.removed:
        summary.merges = merge_segments(engine)
        engine.warm()  # duplicate groups now, not on the first search
    _record_folders(index_dir, paths, files)
    _write_json(index_dir / EMPTY_FILES, empty)
    summary.seconds = time.monotonic() - started
    return summary


def _take(prep: Prepared, writer: Writer, known: dict[str, str], empty: dict[str, str], summary: IndexSummary) -> int:
    """One prepared file into the writer and the summary; how many changes it adds to the commit."""
    if prep.status == "unchanged":
        summary.unchanged += 1
        return 0
    if prep.status == "error":
        summary.skipped.append((prep.source, prep.reason))
        return 0
    if not prep.docs:
        was_empty = prep.path_key in empty
        empty[prep.path_key] = prep.digest
        summary.empty += 1
        summary.notes.append(f"{prep.source}: no text in it (empty); nothing to index until it changes")
        if prep.path_key in known and not was_empty:
            writer.delete_file(prep.path_key)  # emptied since it was indexed
            return 1
        return 0
    if prep.path_key in known:
        writer.delete_file(prep.path_key)
    empty.pop(prep.path_key, None)
    for doc in prep.docs:
        writer.add_document(doc, prep.path_key, prep.digest)
        summary.documents += 1
        summary.passages += len(doc.passages)
    summary.files += 1
    summary.notes.extend(f"{prep.source}: {w}" for w in prep.warnings)
    summary.megabytes += prep.size / 1e6
    return 1


def merge_segments(engine: Engine) -> int:
    """Merges after a run's last commit, as the engine's policy asks: a collection that grows
    a little every day keeps few segments and reclaims replaced passages. Another writer
    holding the index now merges after its own run."""
    try:
        return engine.merge().merges
    except IndexBusy:
        return 0


def collection_name(given: str) -> str:
    """The collection a given path's files go to without --collection: the folder's own name
    (a file's folder's), as a user would call it."""
    p = Path(given).resolve()
    return (p if p.is_dir() else p.parent).name or str(p)


def collections_of(paths: list[str], files: list[SourceFile], collection: str | None) -> dict[str, str]:
    """File key -> collection: ``collection`` for all, else the name of the given folder it is under
    (the innermost, when given paths nest)."""
    if collection:
        return {f.path_key: collection for f in files}
    roots = sorted(((_key(Path(p)), collection_name(p)) for p in paths), key=lambda r: -len(r[0]))
    out = {}
    for f in files:
        out[f.path_key] = next((name for root, name in roots if _under(f.path_key, root)), collection_name(str(f.path)))
    return out


def _key(path: Path) -> str:
    from .ingest.files import path_key  # lazily: a search never loads the readers

    return path_key(path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _under(key: str, root: str) -> bool:
    return key == root or key.startswith(root.rstrip(os.sep) + os.sep)


def _gone_from_folders(paths: list[str], known: dict[str, str], present: set[str]) -> list[str]:
    """Indexed files below a folder being indexed that are no longer in it."""
    roots = [_key(Path(p)) for p in paths if Path(p).is_dir()]
    return sorted(k for k in known if k not in present and any(_under(k, r) for r in roots))


def _record_folders(index_dir: Path, paths: list[str], files: list[SourceFile]) -> None:
    record = folders(index_dir)
    now = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    for given in paths:
        p = Path(given)
        if not p.exists():
            continue
        root = _key(p)
        count = sum(1 for f in files if _under(f.path_key, root))
        record[root] = {"path": given, "last_indexed": now, "files": count}
    _write_folders(index_dir, record)


def folders(index_dir: Path) -> dict[str, dict[str, Any]]:
    """Resolved path -> {path as given, last_indexed (ISO time), files} of every indexed path."""
    return _json_record(index_dir / FOLDERS_FILE)


def _json_record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_folders(index_dir: Path, record: dict[str, dict[str, Any]]) -> None:
    _write_json(index_dir / FOLDERS_FILE, record)


def _write_json(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def remove(engine: Engine, index_dir: Path, paths: list[str]) -> tuple[int, list[str]]:
    """Remove the indexed files at or below ``paths``: (files removed, paths that matched nothing)."""
    with engine.writing():
        return _remove(engine, index_dir, paths)


def _remove(engine: Engine, index_dir: Path, paths: list[str]) -> tuple[int, list[str]]:
    known = engine.indexed_files()
    writer = engine.writer()
    removed = 0
    unmatched: list[str] = []
    try:
        for given in paths:
            root = _key(Path(given))
            keys = [k for k in known if _under(k, root)]
            if not keys:
                unmatched.append(given)
            for k in keys:
                writer.delete_file(k)
                removed += 1
                known.pop(k)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    if removed:
        merge_segments(engine)
    record = folders(index_dir)
    empty = _json_record(index_dir / EMPTY_FILES)
    for given in paths:
        root = _key(Path(given))
        for key in [k for k in record if _under(k, root)]:
            del record[key]
        for key in [k for k in empty if _under(k, root)]:
            del empty[key]
    _write_folders(index_dir, record)
    _write_json(index_dir / EMPTY_FILES, empty)
    return removed, unmatched
