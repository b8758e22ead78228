"""Real Redis and Memcached servers on 127.0.0.1 for the shared-cache tests, started and stopped by PID."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """A server binary from Debian's packages, on a free port of 127.0.0.1, in the foreground."""

    def __init__(self, binary: str, arguments: list[str]) -> None:
        path = shutil.which(binary)
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
