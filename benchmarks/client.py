"""A client in a process of its own, as a browser is: it GETs what it is told and reads the body to its end.

The media view's benchmark (``benchmarks/media_view.py``) serves the view in its own process; a
client thread there would share the view's interpreter lock, a cost a browser never adds. This child
keeps one urllib3 pool (connections are reused, as a browser's are) and answers each request on its
stdin, a JSON line ``{"url": ..., "headers": {...}}``, with ``{"status": ..., "bytes": ...}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import urllib3

from benchmarks.servers import ChildProcess

#: Bytes the client reads at a time.
READ_SIZE = 256 * 1024


class ClientProcess(ChildProcess):
    """The child client, fed one request at a time by ``fetch()``'s rounds."""

    module = "benchmarks.client"

    def get(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, int]:
        """GET ``url`` in the child and read the whole body; return ``(status, bytes received)``."""
        answer = json.loads(self.ask({"url": url, "headers": headers or {}}) or '{"error": "the client died"}')
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
