"""The production server: waitress with limits that a shared server needs, and errors that
waitress itself answers (431 headers too large, 400 malformed requests) in JSON on ``/api/``
as every other ``/api/`` error is."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask


class _JsonErrorTask(ErrorTask):
    def execute(self) -> None:
        if not _api_request(self.request):
            return super().execute()
        e = self.request.error
        body = json.dumps({"error": f"{e.reason}: {e.body}", "status": e.code}, ensure_ascii=False).encode("utf-8")
        self.status = f"{e.code} {e.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def _api_request(request: Any) -> bool:
    # For a 431 waitress has replaced the request line with "GET /"; the line as sent is at the
    # start of what it had buffered.
    raw = getattr(request, "header_plus", b"") or getattr(request, "first_line", b"") or b""
    first = raw.split(b"\r\n", 1)[0].split(b" ")
    path = first[1] if len(first) > 1 else (getattr(request, "path", "") or "").encode()
    return path.startswith(b"/api/")


class _Channel(HTTPChannel):
    error_task_class = _JsonErrorTask


def make_server(
    app: Any,
    host: str | None,
    port: int | None,
    *,
    threads: int,
    connection_limit: int,
    idle_timeout: int,
    sockets: list[socket.socket] | None = None,
) -> Any:
    """A waitress server for ``app`` (not yet running) on host:port or on ``sockets`` already
    listening; OSError when it cannot listen."""
    where: dict[str, Any] = {"sockets": sockets} if sockets else {"host": host, "port": port}
    # "Task queue depth is N" for every queued request under load: tens of thousands of lines a
    # minute that say only that requests wait for a thread.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(
        app,
        **where,
        threads=threads,
        ident="searcher",
        clear_untrusted_proxy_headers=True,
        # waitress's defaults (100 connections, 120 s idle) let 100 idle or slow clients lock
        # everyone else out for two minutes.
        connection_limit=connection_limit,
        channel_timeout=idle_timeout,
        cleanup_interval=max(1, min(5, idle_timeout // 3)),
        asyncore_use_poll=True,  # select() stops at 1024 descriptors
    )
    for each in getattr(server, "map", {}).values() if hasattr(server, "effective_listen") else [server]:
        if hasattr(each, "channel_class"):
            each.channel_class = _Channel
    return server


def listening_socket(host: str, port: int) -> socket.socket:
    """One socket all worker processes accept on (the kernel hands each connection to one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024)
    sock.setblocking(False)
    return sock


def run_workers(make_app: Callable[[], Any], sock: socket.socket, workers: int, **limits: Any) -> None:
    """Serves on ``sock`` from ``workers`` processes, each with its own app and index readers
    (the index files are shared through the page cache), so that requests use every core
    instead of queueing for one interpreter lock. A worker that dies is started again; SIGTERM
    or Ctrl-C stops them all."""
    children: dict[int, float] = {}
    stopping = False

    def start() -> None:
        pid = os.fork()
        if pid == 0:
            _worker(make_app, sock, limits)  # never returns
        children[pid] = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        start()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        started = children.pop(pid, None)
        if started is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        print(f"searcher serve: worker {pid} exited ({code}); starting another", file=sys.stderr, flush=True)
        if time.monotonic() - started < 1:
            time.sleep(1)  # a worker that dies at once would otherwise be restarted in a tight loop
        start()


def _worker(make_app: Callable[[], Any], sock: socket.socket, limits: dict[str, Any]) -> None:
    code = 0
    try:
        _die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its workers with SIGTERM

        def terminate(signum: int, frame: Any) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, terminate)
        server = make_server(make_app(), None, None, sockets=[sock], **limits)
        try:
            server.run()
        finally:
            server.close()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - reported, then this worker is replaced
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
