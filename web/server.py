"""The production server: waitress with limits that a shared server needs, and errors that
waitress itself answers (431 headers too large, 400 malformed requests) in JSON on ``/api/``
as every other ``/api/`` error is."""

from __future__ import annotations

import json
import logging
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


def make_server(app: Any, host: str, port: int, threads: int, connection_limit: int, idle_timeout: int) -> Any:
    """A waitress server for ``app`` (not yet running); OSError when it cannot listen."""
    # "Task queue depth is N" for every queued request under load: tens of thousands of lines a
    # minute that say only that requests wait for a thread.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(
        app,
        host=host,
        port=port,
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
