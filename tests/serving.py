"""A real ``searcher serve`` process for the tests that need one (browser, corrections)."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading


class Server:
    """``searcher ... serve --port 0`` as a subprocess; ``url`` once it says where it listens."""

    def __init__(self, args: list[str], timeout: float = 90) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "searcher.cli", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
        )
        self.stderr: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.stderr.append(line)
                lines.put(line)
            lines.put(None)

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                self.stop()
                raise RuntimeError("searcher serve did not start in time: " + "".join(self.stderr)) from None
            if line is None:
                self.stop()
                raise RuntimeError("searcher serve exited: " + "".join(self.stderr))
            m = re.match(r"serving (http://127\.0\.0\.1:\d+)/", line)
            if m:
                self.url = m.group(1)
                return

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        if self.proc.stderr:
            self.proc.stderr.close()
