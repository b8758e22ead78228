"""A client in a process of its own, as a browser is: it GETs what it is told and reads the body to its end.

The media view's benchmark (``benchmarks/media_view.py``) serves the view in its own process; a
client thread there would share the view's interpreter lock, a cost a browser never adds. This child
keeps one urllib3 pool (connections are reused, as a browser's are) and answers each request on its
stdin, a JSON line ``{"url": ..., "headers": {...}}``, with ``{"status": ..., "bytes": ...}``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import urllib3

#: Bytes the client reads at a time.
READ_SIZE = 256 * 1024
ROOT = Path(__file__).resolve().parent.parent


class ClientProcess:
    """The child client, started with ``start()`` and fed one request at a time by ``fetch()``'s rounds."""

    def start(self) -> ClientProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.client"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def get(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, int]:
        """GET ``url`` in the child and read the whole body; return ``(status, bytes received)``."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"url": url, "headers": headers or {}}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline() or '{"error": "the client process died"}')
        if "error" in answer:
            raise RuntimeError(f"GET {url}: {answer['error']}")
        return answer["status"], answer["bytes"]

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Callable[[Any], int]:
        """Return a round that GETs ``url`` in the child; it returns the bytes received."""

        def run(_: Any) -> int:
            status, received = self.get(url, headers)
            assert status in (200, 206), (url, status)
            return received

        return run

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _serve() -> None:
    http = urllib3.PoolManager(retries=False, timeout=60)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            response = http.request("GET", request["url"], headers=request["headers"], preload_content=False)
            received = sum(len(chunk) for chunk in response.stream(READ_SIZE))
            response.release_conn()
            answer: dict[str, Any] = {"status": response.status, "bytes": received}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
