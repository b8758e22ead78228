"""The media view's scenarios: a proxied stream against a direct GET from the same server, and a range.

The view runs behind a real HTTP server (Django's threaded WSGI server, in this process) and is
fetched by a client in a process of its own (``benchmarks/client.py``, urllib3), as a browser would,
over a reused connection: a client thread in this process would share the view's interpreter lock.
The "direct" contender fetches the same object from the S3 server with the same client: with a
presigned URL, or at its public URL for the HTTP layer.

The view's server sets ``TCP_NODELAY``, as gunicorn and uvicorn do. Django's development server
writes a response's status line, ``Date``, ``Server`` and headers in separate small writes; with
Nagle's algorithm on, the client's delayed ACK can hold the later ones for up to 40 ms on a reused
connection (CPython issue 108736, for ``http.server``): a stall of that server, not of the view.

For scale, the stream is also fetched through nginx as a reverse proxy in front of the S3 server: a
relay written in C, with buffers sized for large bodies, on the same two cores.

Memory is tracemalloc's peak in this process while a whole response is served: the S3 server and the
client run in child processes, so only the view and its server count.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.response
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.test import override_settings
from django.urls import include, path
from storages.backends.s3 import S3Storage

from benchmarks.client import ClientProcess
from benchmarks.lab import Lab, local_config
from benchmarks.measure import Contender, Scenario, compare, peak_memory
from benchmarks.servers import nginx_proxy
from hybridmedia.storage.backends.s3 import RelayedBody
from hybridmedia.views import serve_media

MIB = 1 << 20
urlpatterns = [
    path("media/", include("hybridmedia.urls")),
    path("over-http/<path:name>", serve_media, {"alias": "over-http"}),
]


class QuietHandler(WSGIRequestHandler):
    """Django's development server's handler, without its request log."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class NoDelayHandler(QuietHandler):
    """The same with ``TCP_NODELAY``, as production servers set it (see the module's docstring)."""

    disable_nagle_algorithm = True


@contextmanager
def view_server(handler: type[WSGIRequestHandler] = NoDelayHandler) -> Iterator[str]:
    """Serve this module's URLconf (the media view) over HTTP on a free port of 127.0.0.1."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), handler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def client_process() -> Iterator[ClientProcess]:
    client = ClientProcess()
    client.spawn()
    try:
        yield client
    finally:
        client.stop()


@contextmanager
def s3_bytes_received() -> Iterator[list[int]]:
    """Count the body bytes read from the S3 server while inside the block (as relayed, or as read)."""
    received = [0]
    patched = [(botocore.response.StreamingBody, "read"), (RelayedBody, "read1")]
    originals = [getattr(cls, name) for cls, name in patched]

    def counting(original: Callable[..., bytes]) -> Callable[..., bytes]:
        def read(self: Any, amt: int | None = None) -> bytes:
            chunk = original(self, amt)
            received[0] += len(chunk)
            return chunk

        return read

    for (cls, name), original in zip(patched, originals, strict=True):
        setattr(cls, name, counting(original))
    try:
        yield received
    finally:
        for (cls, name), original in zip(patched, originals, strict=True):
            setattr(cls, name, original)


def media_view_scenarios(lab: Lab) -> list[Scenario]:
    size = lab.sizes.view_file_mib * MIB
    small = max(1, lab.sizes.view_file_mib // 5) * MIB
    bucket = lab.bucket()
    bucket.put("video/big.mp4", os.urandom(size))
    bucket.put("video/small.mp4", os.urandom(small))
    # The HTTP layer reads the same object at the S3 server's public URL.
    bucket.client.put_object_acl(Bucket=bucket.name, Key=bucket.key("video/big.mp4"), ACL="public-read")
    public = f"{lab.endpoint_url}/{bucket.name}/{bucket.location + '/' if bucket.location else ''}"
    storages = {
        "default": proxied_hybrid(lab, "production"),
        "over-http": proxied_hybrid(lab, "public"),
        "production": bucket.config(),
        "public": {"BACKEND": "hybridmedia.storage.HTTPStorage", "OPTIONS": {"base_url": public}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    signed = S3Storage(**bucket.options(querystring_auth=True)).url("video/big.mp4")
    mib = lab.sizes.view_file_mib
    stream = Scenario("view-stream", f"stream a {mib} MiB production file: proxied by the view, or straight from S3")
    over_http = Scenario(
        "view-stream-http",
        f"the same {mib} MiB file with production an HTTP layer: proxied by the view, or straight from its URL",
    )
    ranged = Scenario("view-range", f"the last 1 MiB of that {mib} MiB file through the view")
    # A 50 MiB round takes some 40 ms, so more rounds than usual: the best of each is compared, and
    # with few rounds one lucky or unlucky round of either side moves the ratio by a tenth.
    rounds = 4 * lab.sizes.rounds
    with (
        override_settings(ROOT_URLCONF=__name__, STORAGES=storages, HYBRIDMEDIA_SERVE_WITHOUT_DEBUG=True),
        view_server() as base,
        client_process() as client,
        nginx_proxy(lab.endpoint_url, lab.scratch / "nginx-proxy") as proxy,
    ):
        through_view = client.fetch(f"{base}/media/video/big.mp4")
        through_http_layer = client.fetch(f"{base}/over-http/video/big.mp4")
        for warm_up in (through_view, through_http_layer):
            warm_up(None)  # the clients, connections and the origin cache, off the clock
        compare(
            lab.counter,
            stream,
            [
                Contender("direct GET from the S3 server", "floor", client.fetch(signed), 1, rounds),
                Contender("GET through the media view (proxy)", "proxy", through_view, 1, rounds),
                Contender(
                    "GET through nginx as a reverse proxy (the reference: a relay in C)",
                    "nginx",
                    client.fetch(signed.replace(lab.endpoint_url, proxy, 1)),
                    1,
                    rounds,
                    note="proxy_pass with 1 MiB buffers",
                ),
            ],
        )
        compare(
            lab.counter,
            over_http,
            [
                Contender("direct GET of the public URL", "floor", client.fetch(public + "video/big.mp4"), 1, rounds),
                Contender("GET through the media view (HTTP layer, proxy)", "proxy", through_http_layer, 1, rounds),
            ],
        )
        big_peak, received = peak_memory(lambda: through_view(None))
        assert received == size
        small_peak, _ = peak_memory(lambda: client.fetch(f"{base}/media/video/small.mp4")(None))
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
            run = client.fetch(f"{base}/media/video/big.mp4", {"Range": f"bytes=-{MIB}"})
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
    return [stream, over_http, ranged]


def proxied_hybrid(lab: Lab, production: str) -> dict[str, Any]:
    """A hybrid of an empty local layer over ``STORAGES[production]``, which the view streams (proxy)."""
    return {
        "BACKEND": "hybridmedia.storage.HybridStorage",
        "OPTIONS": {
            "layers": [
                {"name": "local", "storage": local_config(lab.directory("view-local"))},
                {"name": "production", "storage": production, "serve": "proxy"},
            ]
        },
    }
