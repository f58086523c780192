"""``searcher serve`` under hostile load: idle and half-sent connections, bursts of requests."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from serving import Server


def open_idle(url: str, n: int) -> list[socket.socket]:
    """Half keep-alive connections after one request, half with headers never finished."""
    parts = urlsplit(url)
    socks = []
    for i in range(n):
        s = socket.create_connection((parts.hostname, parts.port), timeout=10)
        if i % 2:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(65536)
        else:
            s.sendall(b"GET /?q=%E8%B7%AF HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    return socks


def test_200_idle_connections_do_not_lock_out_a_new_request(seed_index: Path) -> None:
    server = Server(["--index-dir", str(seed_index), "serve", "--port", "0", "--idle-timeout", "3"])
    socks: list[socket.socket] = []
    try:
        socks = open_idle(server.url, 200)
        started = time.monotonic()
        with urllib.request.urlopen(f"{server.url}/api/search?q=%E8%B7%AF%E9%95%BF", timeout=10) as resp:
            assert resp.status == 200
        assert time.monotonic() - started < 5
        # Idle and half-sent clients are dropped after the idle timeout (waitress's default was 120 s).
        open_socks = set(socks)
        end = time.monotonic() + 30
        while open_socks and time.monotonic() < end:
            time.sleep(0.5)
            for s in list(open_socks):
                s.settimeout(0.01)
                try:
                    if s.recv(65536) == b"":
                        open_socks.discard(s)
                except TimeoutError:
                    pass
                except OSError:
                    open_socks.discard(s)
        assert not open_socks, f"{len(open_socks)} of 200 idle connections still open after 30 s"
    finally:
        for s in socks:
            s.close()
        server.stop()


def test_a_burst_of_requests_does_not_flood_the_log(seed_index: Path) -> None:
    server = Server(["--index-dir", str(seed_index), "serve", "--port", "0", "--threads", "1"])
    try:
        errors: list[BaseException] = []

        def ask() -> None:
            try:
                with urllib.request.urlopen(f"{server.url}/api/search?q=%E6%96%87%E6%98%8E", timeout=60) as resp:
                    resp.read()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=ask) for _ in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
    finally:
        server.stop()
    assert not [line for line in server.stderr if "Task queue depth" in line]


def raw_request(url: str, data: bytes) -> bytes:
    """What the server answers to ``data``; the server may answer (and close) before all is sent."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:

        def send() -> None:
            try:
                s.sendall(data)
            except OSError:
                pass

        sender = threading.Thread(target=send)
        sender.start()
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
        sender.join()
    return b"".join(chunks)


def test_errors_waitress_answers_itself_are_json_on_the_api(seed_index: Path) -> None:
    server = Server(["--index-dir", str(seed_index), "serve", "--port", "0"])
    try:
        huge = b"GET /api/search?q=a HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 300_000 + b"\r\n\r\n"
        bad = b"GET /api/search?q=a HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
        for data, status in ((huge, b"431"), (bad, b"400")):
            head, _, body = raw_request(server.url, data).partition(b"\r\n\r\n")
            assert head.split(b" ")[1] == status, head
            assert b"Content-Type: application/json" in head
            assert json.loads(body)["status"] == int(status)
        page = raw_request(server.url, bad.replace(b"/api/search", b"/"))
        assert page.split(b" ")[1] == b"400" and b"application/json" not in page.partition(b"\r\n\r\n")[0]
    finally:
        server.stop()


def worker_pids(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid and fields[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return sorted(found)


def wait_until(condition, timeout: float = 20) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_worker_processes_share_the_port_are_restarted_and_stop_together(seed_index: Path) -> None:
    import os
    import signal

    server = Server(["--index-dir", str(seed_index), "serve", "--port", "0", "--workers", "2"])
    try:
        assert "2 processes x 4 threads" in "".join(server.stderr)
        assert wait_until(lambda: len(worker_pids(server.proc.pid)) == 2)
        first = worker_pids(server.proc.pid)
        totals: list[int] = []

        def ask() -> None:
            with urllib.request.urlopen(f"{server.url}/api/search?q=%E8%B7%AF%E9%95%BF&limit=1", timeout=30) as resp:
                totals.append(json.load(resp)["total"])

        threads = [threading.Thread(target=ask) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(totals) == 20 and len(set(totals)) == 1 and totals[0] > 0
        os.kill(first[0], signal.SIGKILL)
        assert wait_until(lambda: len(worker_pids(server.proc.pid)) == 2 and first[0] not in worker_pids(server.proc.pid))
        ask()
        assert len(totals) == 21
        workers = worker_pids(server.proc.pid)
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=15)
        assert wait_until(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), timeout=10)
    finally:
        server.stop()


def _gated_server(patience: float) -> tuple[Any, threading.Event, str]:
    """A gated waitress server (as each ``serve --workers`` process runs) over an app that holds
    every request until ``release`` is set; and its URL."""
    from web.server import AcceptGate, gated, listening_socket, make_server

    release = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/hold":
            release.wait(20)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    sock = listening_socket("127.0.0.1", 0)
    gate = AcceptGate(app, patience=patience)
    server = make_server(gate, None, None, sockets=[sock], threads=4, connection_limit=100, idle_timeout=15)
    gated(server, gate)
    threading.Thread(target=server.run, daemon=True).start()
    return server, release, f"http://127.0.0.1:{sock.getsockname()[1]}"


def _get_in_thread(url: str, got: dict[str, float]) -> threading.Thread:
    started = time.monotonic()

    def get() -> None:
        with urllib.request.urlopen(url, timeout=30) as resp:
            resp.read()
        got[url] = time.monotonic() - started

    t = threading.Thread(target=get)
    t.start()
    return t


def test_a_busy_worker_leaves_new_connections_in_the_queue(tmp_path: Path) -> None:
    # Waitress takes every connection it can; a worker busy with one request that took a second
    # would share one interpreter lock between the two while another worker's core idles.
    server, release, url = _gated_server(patience=10)
    got: dict[str, float] = {}
    try:
        held = _get_in_thread(url + "/hold", got)
        time.sleep(0.3)
        quick = _get_in_thread(url + "/quick", got)
        time.sleep(1.0)
        assert got == {}, "a busy worker accepted a second connection"
        release.set()
        held.join(10)
        quick.join(10)
        assert set(got) == {url + "/hold", url + "/quick"}  # the waiting connection is served after
    finally:
        release.set()
        server.close()


def test_a_long_request_does_not_hold_back_new_connections(tmp_path: Path) -> None:
    server, release, url = _gated_server(patience=0.3)
    got: dict[str, float] = {}
    try:
        held = _get_in_thread(url + "/hold", got)
        time.sleep(0.1)
        quick = _get_in_thread(url + "/quick", got)
        quick.join(5)
        assert url + "/quick" in got and url + "/hold" not in got
        assert got[url + "/quick"] < 3
        release.set()
        held.join(10)
    finally:
        release.set()
        server.close()
