"""The servers the benchmarks talk to: moto's S3 in a child process, a production that hangs, and nginx.

moto runs in its own process (``MotoEndpoint`` from ``tests/s3.py``, started by ``python -m
benchmarks.servers``) so that its CPU time and memory are not counted as the storage's: on a
2-core machine the client and the server then run side by side, and ``tracemalloc`` sees only the
client. Seeding ten thousands of objects one PUT at a time costs minutes on moto (about 260 PUTs a
second here), so the child can also write objects straight into its in-memory backend; nothing is
measured while seeding.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class ChildProcess:
    """``python -m <module>`` of this project, answering each JSON line on its stdin with a line on its stdout."""

    module: str

    def spawn(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, message: dict[str, Any]) -> str:
        """Send ``message``; return the child's answer line (empty if the child died)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class MotoProcess(ChildProcess):
    """``MotoEndpoint`` in a child process; ``seed()`` fills a bucket without one request per object."""

    module = "benchmarks.servers"

    def start(self) -> str:
        self.spawn()
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError(f"moto did not start: {self.url!r}")
        return self.url

    def seed(self, bucket: str, names: list[str], data: bytes = b"") -> bool:
        """Write ``names`` into ``bucket`` inside the server; return False if moto cannot (use PUTs)."""
        return self.ask({"bucket": bucket, "names": names, "data": data.decode("latin-1")}) == "ok"


def _serve_moto() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.s3 import MotoEndpoint

    endpoint = MotoEndpoint()
    print(endpoint.start(), flush=True)
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        backend: Any = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    except Exception:  # A moto whose internals moved: the parent falls back to PUT requests.
        backend = None
    for line in sys.stdin:
        order = json.loads(line)
        if backend is None:
            print("unsupported", flush=True)
            continue
        data = order["data"].encode("latin-1")
        for name in order["names"]:
            backend.put_object(order["bucket"], name, data)
        print("ok", flush=True)
    endpoint.stop()


class HangingServer:
    """A TCP server that accepts connections and never answers: production that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)  # Held open, never read, never answered.

    def close(self) -> None:
        self.sock.close()
        for connection in self.connections:
            connection.close()


#: nginx as a reverse proxy in front of the S3 server, its buffers sized for large bodies: a relay written
#: in C, the reference for what any relay reaches on this machine (``benchmarks/media_view.py``).
NGINX_PROXY_CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    upstream origin {{ server {upstream}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host {upstream};
            proxy_buffers 16 1m;
            proxy_buffer_size 1m;
            proxy_busy_buffers_size 2m;
            proxy_max_temp_file_size 0;
        }}
    }}
}}
"""


@contextmanager
def nginx_proxy(upstream_url: str, directory: Path) -> Iterator[str]:
    """Run Debian's nginx as a reverse proxy to ``upstream_url``; yield its base URL."""
    from tests.services import LocalServer

    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    server = LocalServer("nginx", ["-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")])
    upstream = urlsplit(upstream_url).netloc
    config.write_text(NGINX_PROXY_CONFIG.format(directory=directory, upstream=upstream, port=server.port))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


if __name__ == "__main__":
    _serve_moto()
