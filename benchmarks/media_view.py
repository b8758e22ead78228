"""The media view's scenarios: a proxied stream against a direct GET from S3, and a range at the end of a file.

The view runs behind a real HTTP server (Django's threaded WSGI server, in this process) and is
fetched with urllib3, as a browser would; the "direct" contender fetches the same object from the S3
server with a presigned URL. Memory is tracemalloc's peak in this process while a whole response is
read (the S3 server runs in a child process, so only the view, the server thread and the client count).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.response
import urllib3
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.test import override_settings
from django.urls import include, path
from storages.backends.s3 import S3Storage

from benchmarks.lab import Lab
from benchmarks.measure import Contender, Scenario, compare, peak_memory
from hybridmedia.storage.backends.base import CHUNK_SIZE

MIB = 1 << 20
urlpatterns = [path("media/", include("hybridmedia.urls"))]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def view_server() -> Iterator[str]:
    """Serve this module's URLconf (the media view) over HTTP on a free port of 127.0.0.1."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def s3_bytes_received() -> Iterator[list[int]]:
    """Count the body bytes read from the S3 server while inside the block."""
    received = [0]
    original = botocore.response.StreamingBody.read

    def read(self: Any, amt: int | None = None) -> bytes:
        chunk: bytes = original(self, amt)
        received[0] += len(chunk)
        return chunk

    botocore.response.StreamingBody.read = read  # type: ignore[method-assign]
    try:
        yield received
    finally:
        botocore.response.StreamingBody.read = original  # type: ignore[method-assign]


def fetch(http: urllib3.PoolManager, url: str, headers: dict[str, str] | None = None) -> Callable[[Any], int]:
    """Return a round that GETs ``url`` and reads the body to its end in chunks, keeping none."""

    def run(_: Any) -> int:
        response = http.request("GET", url, headers=headers, preload_content=False)
        assert response.status in (200, 206), (url, response.status)
        received = sum(len(chunk) for chunk in response.stream(CHUNK_SIZE))
        response.release_conn()
        return received

    return run


def media_view_scenarios(lab: Lab) -> list[Scenario]:
    size = lab.sizes.view_file_mib * MIB
    small = max(1, lab.sizes.view_file_mib // 5) * MIB
    bucket = lab.bucket()
    bucket.put("video/big.mp4", os.urandom(size))
    bucket.put("video/small.mp4", os.urandom(small))
    storages = {
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", {"name": "production", "storage": "production", "serve": "proxy"}]},
        },
        "local": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(lab.directory("view-local"))},
        },
        "production": bucket.config(),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    signed = S3Storage(**bucket.options(querystring_auth=True))
    http = urllib3.PoolManager(retries=False, timeout=60)
    stream = Scenario(
        "view-stream",
        f"stream a {lab.sizes.view_file_mib} MiB production file: proxied by the view, or straight from S3",
    )
    ranged = Scenario("view-range", f"the last 1 MiB of that {lab.sizes.view_file_mib} MiB file through the view")
    with (
        override_settings(ROOT_URLCONF=__name__, STORAGES=storages, HYBRIDMEDIA_SERVE_WITHOUT_DEBUG=True),
        view_server() as base,
    ):
        through_view = fetch(http, f"{base}/media/video/big.mp4")
        through_view(None)  # warm: the S3 client and the origin cache, off the clock
        direct = fetch(http, signed.url("video/big.mp4"))
        compare(
            lab.counter,
            stream,
            [
                Contender("direct GET from the S3 server", "floor", direct, 1, lab.sizes.rounds),
                Contender("GET through the media view (proxy)", "proxy", through_view, 1, lab.sizes.rounds),
            ],
        )
        big_peak, received = peak_memory(lambda: through_view(None))
        assert received == size
        small_peak, _ = peak_memory(lambda: fetch(http, f"{base}/media/video/small.mp4")(None))
        stream.row("proxy").peak_bytes = big_peak  # type: ignore[union-attr]
        stream.add(
            f"GET through the media view, a {small // MIB} MiB file",
            1,
            0,
            0.0,
            role="proxy-small",
            peak_bytes=small_peak,
            note="peak memory only: the same as for the big file",
        )
        with s3_bytes_received() as from_s3:
            before = lab.counter()
            run = fetch(http, f"{base}/media/video/big.mp4", {"Range": f"bytes=-{MIB}"})
            started = time.perf_counter()
            got = run(None)
            seconds = time.perf_counter() - started
        assert got == MIB
        ranged.add(
            "Range: bytes=-1048576 through the media view",
            1,
            lab.counter() - before,
            seconds,
            role="range",
            note=f"{from_s3[0] / MIB:.2f} MiB received from S3 for {got / MIB:.2f} MiB sent",
        )
        # What the S3 server sent, for the target (benchmarks/targets.py).
        ranged.row("range").received_bytes = from_s3[0]  # type: ignore[union-attr]
    return [stream, ranged]
