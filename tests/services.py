"""Real servers on 127.0.0.1, started and stopped by PID: Redis and Memcached for the shared-cache tests,
nginx for the HTTP layer's, and tiny misbehaving HTTP servers (one that hangs, one that dies mid-body)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import socket
import struct
import subprocess
import threading
import time
import uuid
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """A server binary from Debian's packages, on a free port of 127.0.0.1, in the foreground."""

    def __init__(self, binary: str, arguments: list[str]) -> None:
        # Debian puts daemons such as nginx in /usr/sbin, which a non-root PATH may lack.
        path = shutil.which(binary) or shutil.which(binary, path="/usr/local/sbin:/usr/sbin:/sbin")
        if path is None:
            raise RuntimeError(f"{binary} is not installed: run scripts/system-deps (`make test` does it).")
        self.port = free_port()
        self.command = [path, *(argument.format(port=self.port) for argument in arguments)]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LocalServer:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"{self.command[0]} exited: {error}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.command[0]} did not listen on port {self.port} within 20 seconds")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def redis_server() -> LocalServer:
    # No persistence, no config file: a throwaway server.
    return LocalServer("redis-server", ["--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])


def memcached_server() -> LocalServer:
    return LocalServer("memcached", ["-l", "127.0.0.1", "-p", "{port}", "-U", "0", "-u", "root", "-m", "16"])


# nginx: the HTTP layer's production ---------------------------------------------------------------

#: The login of nginx's ``/<site>/private/`` location (HTTP Basic) and the key of ``/<site>/keyed/``.
NGINX_USER = "reader"
NGINX_PASSWORD = "NginxSecret-5be1/Tail"
NGINX_KEY = "CdnKey-0c9e7d"

NGINX_CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format counted '$request_method $request_uri $status $body_bytes_sent';
    access_log {directory}/access.log counted;
    client_body_temp_path {directory}/temp/body;
    proxy_temp_path {directory}/temp/proxy;
    fastcgi_temp_path {directory}/temp/fastcgi;
    uwsgi_temp_path {directory}/temp/uwsgi;
    scgi_temp_path {directory}/temp/scgi;
    types {{ image/jpeg jpg jpeg; image/png png; text/plain txt; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        # Under /<site>/: what a CDN or a web server in front of production answers.
        location ~ ^/([^/]+)/forbidden/ {{ return 403; }}
        location ~ ^/([^/]+)/gone/ {{ return 410; }}
        location ~ ^/([^/]+)/broken/ {{ return 503; }}
        location ~ ^/([^/]+)/cdn/(.*)$ {{ try_files /$1/$2 =403; }}
        location ~ ^/([^/]+)/moved/(.*)$ {{ return 302 /$1/$2; }}
        location ~ ^/([^/]+)/loop/(.*)$ {{ return 302 /$1/loop/$2; }}
        location ~ ^/([^/]+)/elsewhere/(.*)$ {{ return 302 http://127.0.0.1:{other_port}/$1/$2; }}
        location ~ ^/([^/]+)/private/(.*)$ {{
            auth_basic "production";
            auth_basic_user_file {directory}/htpasswd;
            try_files /$1/$2 =404;
        }}
        location ~ ^/([^/]+)/keyed/(.*)$ {{
            if ($http_x_cdn_key != "{key}") {{ return 401; }}
            try_files /$1/$2 =404;
        }}
    }}
    server {{
        listen 127.0.0.1:{other_port};
        root {root};
    }}
}}
"""


class NginxServer(LocalServer):
    """Debian's nginx serving ``root`` on a free port (and a second origin on ``other_port``), no daemon."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root = directory / "root"
        self.access_log = directory / "access.log"
        super().__init__(
            "nginx", ["-p", str(directory), "-c", str(directory / "nginx.conf"), "-e", str(directory / "error.log")]
        )
        self.other_port = free_port()
        self.root.mkdir(parents=True)
        (directory / "temp").mkdir()
        digest = base64.b64encode(hashlib.sha1(NGINX_PASSWORD.encode()).digest()).decode()
        (directory / "htpasswd").write_text(f"{NGINX_USER}:{{SHA}}{digest}\n")
        (directory / "nginx.conf").write_text(
            NGINX_CONFIG.format(
                directory=directory, root=self.root, port=self.port, other_port=self.other_port, key=NGINX_KEY
            )
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def snapshot(self) -> dict[str, str]:
        """Every file under the root, as ``{path: sha256}``."""
        return {
            str(path.relative_to(self.root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(self.root.rglob("*"))
            if path.is_file()
        }

    def requests(self, prefix: str = "/") -> list[tuple[str, str, int]]:
        """The requests nginx logged so far whose path starts with ``prefix``: ``(method, path, status)``.

        nginx writes a request's line after the response went out, so a client may have its answer
        before the line exists: wait until the log has stopped growing for a moment.
        """
        self._wait_for_quiet_log()
        logged = []
        for line in self.access_log.read_text().splitlines() if self.access_log.exists() else []:
            method, path, status, _sent = line.split(" ")
            if path.startswith(prefix):
                logged.append((method, path, int(status)))
        return logged

    def _wait_for_quiet_log(self, quiet: float = 0.1, limit: float = 5.0) -> None:
        deadline = time.monotonic() + limit
        size = -1
        while time.monotonic() < deadline:
            now = self.access_log.stat().st_size if self.access_log.exists() else 0
            if now == size:
                return
            size = now
            time.sleep(quiet)


def nginx_server(directory: Path) -> NginxServer:
    return NginxServer(directory)


class Site:
    """One test's directory of files under nginx's root, served at ``base_url``; seeded only by ``put()``."""

    def __init__(self, server: NginxServer) -> None:
        self.server = server
        self.name = f"site-{uuid.uuid4().hex[:10]}"
        self.directory = server.root / self.name
        self.directory.mkdir()
        self.seeded: dict[str, str] = {}

    def url(self, section: str = "") -> str:
        """The base URL of the site, or of one of its special locations (``forbidden/``, ``moved/`` ...)."""
        return f"{self.server.url}/{self.name}/{section}"

    @property
    def base_url(self) -> str:
        return self.url()

    def put(self, name: str, data: bytes = b"production bytes") -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.seeded[f"{self.name}/{name}"] = hashlib.sha256(data).hexdigest()

    def requests(self) -> list[tuple[str, str, int]]:
        """What nginx logged for this site: ``(method, path, status)``, in order."""
        return self.server.requests(f"/{self.name}/")

    def destroy(self) -> None:
        shutil.rmtree(self.directory)


# Servers that misbehave --------------------------------------------------------------------------


class ScriptedServer:
    """An HTTP server in a thread on a free port of 127.0.0.1 that misbehaves on purpose.

    It answers ``HEAD`` with the headers of a ``size``-byte file. ``GET`` depends on ``behaviour``:
    ``"hang"`` accepts and never answers; ``"die"`` sends half the body and resets the connection;
    ``"short"`` says ``Content-Length: size`` but sends half and closes cleanly. ``connections``
    counts the connections accepted.
    """

    def __init__(self, behaviour: str, size: int = 200_000) -> None:
        assert behaviour in ("hang", "die", "short"), behaviour
        self.behaviour = behaviour
        self.size = size
        self.connections = 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = int(self._socket.getsockname()[1])
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self._open:
            connection.close()
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _address = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            self._open.append(connection)
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection.makefile("rb") as reader:
            while True:
                request = reader.readline()
                if not request:
                    return
                while reader.readline() not in (b"\r\n", b"\n", b""):
                    pass  # the headers
                method = request.split(b" ")[0]
                if self.behaviour == "hang":
                    self._stop.wait()
                    return
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Length: {self.size}\r\nContent-Type: image/jpeg\r\n"
                    f"Last-Modified: Wed, 01 Jan 2025 00:00:00 GMT\r\n\r\n"
                ).encode()
                if method == b"HEAD":
                    connection.sendall(head)
                    continue
                connection.sendall(head + b"x" * (self.size // 2))
                if self.behaviour == "die":
                    # SO_LINGER 0: the close resets the connection, as a crashing server's does.
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                connection.close()
                return


CACHE_BACKENDS = {
    "redis": "django.core.cache.backends.redis.RedisCache",
    "memcached": "django.core.cache.backends.memcached.PyMemcacheCache",
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
}


def cache_config(engine: str, port: int | None = None) -> dict[str, str]:
    """A ``CACHES`` entry for ``engine`` on ``port`` of 127.0.0.1 (an in-process cache needs none)."""
    if engine == "redis":
        location = f"redis://127.0.0.1:{port}/0"
    elif engine == "memcached":
        location = f"127.0.0.1:{port}"
    else:
        location = "hybridmedia-tests"
    return {"BACKEND": CACHE_BACKENDS[engine], "LOCATION": location}
