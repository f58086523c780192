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
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask
from werkzeug.wsgi import ClosingIterator

# Seconds a request may run before its worker takes new connections again (see AcceptGate).
PATIENCE = 0.5


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
        # SIGTERM waits until the child has its own handler: before that it would run the
        # parent's ``stop`` (signalling its siblings) and then serve on, never stopping.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            if stopping:  # SIGTERM came while a replacement waited to start
                return
            pid = os.fork()
            if pid == 0:
                _worker(make_app, sock, limits)  # never returns
            children[pid] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

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


class AcceptGate:
    """Requests in flight in one worker process, and whether it should take a new connection.

    Every worker polls the shared socket, so without a gate a worker already busy with a
    request accepts the next connection as often as an idle one does: two requests then share
    one interpreter lock while the other core waits, which costs throughput and doubles their
    latency. A busy worker leaves new connections in the kernel's queue for the first worker to
    be free (first come, first served, as a pre-fork sync server does) -- unless its request has
    run for longer than ``patience`` seconds (an export, a slow reader), so that long requests
    never starve short ones."""

    def __init__(self, app: Any, patience: float) -> None:
        self.app = app
        self.patience = patience
        self.started: dict[int, float] = {}
        self.connected: list[float] = []  # connections accepted whose request has not reached the app
        self.lock = threading.Lock()
        self.wake: Callable[[], None] = lambda: None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        token = id(environ)
        with self.lock:
            self.started[token] = time.monotonic()
            if self.connected:
                self.connected.pop(0)
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done(token)
            raise
        return ClosingIterator(body, lambda: self._done(token))

    def _done(self, token: int) -> None:
        with self.lock:
            self.started.pop(token, None)
        self.wake()  # the main loop asks accepting() again now, not at its next timeout

    def accepted(self) -> None:
        with self.lock:
            self.connected.append(time.monotonic())

    def accepting(self) -> bool:
        # A connection just accepted counts as busy until its request reaches the app: otherwise
        # the loop would take a second connection from the queue before the first one's request
        # had started.
        with self.lock:
            now = time.monotonic()
            self.connected = [t for t in self.connected if now - t <= self.patience]
            if self.connected:
                return False
            return not self.started or now - min(self.started.values()) > self.patience


def gated(server: Any, gate: AcceptGate) -> None:
    """Makes ``server`` (waitress, one listening socket) accept only while ``gate`` says so."""
    readable, accept = server.readable, server.handle_accept

    def handle_accept() -> None:
        before = len(server._map)
        accept()
        if len(server._map) > before:
            gate.accepted()

    server.readable = lambda: readable() and gate.accepting()
    server.handle_accept = handle_accept
    gate.wake = server.pull_trigger
    # The loop's poll timeout is when a worker asks again after a long request (waitress's
    # setting takes whole seconds only).
    server.adj.asyncore_loop_timeout = gate.patience


def _worker(make_app: Callable[[], Any], sock: socket.socket, limits: dict[str, Any]) -> None:
    code = 0
    try:
        _die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its workers with SIGTERM

        def terminate(signum: int, frame: Any) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, terminate)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # blocked by the parent around fork
        gate = AcceptGate(make_app(), patience=PATIENCE)
        server = make_server(gate, None, None, sockets=[sock], **limits)
        gated(server, gate)
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
