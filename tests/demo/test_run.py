"""``python -m demo_project`` itself, as a newcomer runs it: a real process, real HTTP, real signals."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from demo_project.homes import seed

ROOT = Path(__file__).resolve().parents[2]
# Generous: a deadline for the server to come up on a slow CI machine, not a performance check.
STARTUP_DEADLINE = 120.0
EXIT_DEADLINE = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Images(HTMLParser):
    """Collect ``(alt, src)`` of every ``<img>``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            values = dict(attrs)
            self.found.append((values.get("alt") or "", values.get("src") or ""))


@dataclass
class Demo:
    """One run of the demo command, with its output captured in a file (no pipe to fill up)."""

    process: subprocess.Popen[bytes]
    log: Path
    url: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_up(self) -> str:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the demo exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    return response.read().decode()  # type: ignore[no-any-return]
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        pytest.fail(f"the demo did not answer on {self.url}:\n{self.output()}")

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=EXIT_DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the demo ignored signal {signum}:\n{self.output()}")


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a newcomer's shell, with the database and media folder in a temp dir."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DEMO_", "DJANGO_"))}
    env.pop("MEDIA_LAYERS", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        ENV_FILE=str(tmp_path / "no.env"),  # A developer's own .env must not change the test.
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_demo(tmp_path: Path, demo_env: dict[str, str]) -> Iterator[Callable[..., Demo]]:
    started: list[Demo] = []

    def start(port: int, *arguments: str) -> Demo:
        log = tmp_path / f"demo-{len(started)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "demo_project", "--port", str(port), *arguments],
                cwd=ROOT,
                env=demo_env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        demo = Demo(process=process, log=log, url=f"http://127.0.0.1:{port}/")
        started.append(demo)
        return demo

    yield start
    for demo in started:  # Never leave a server behind, even when an assertion failed.
        if demo.process.poll() is None:
            demo.process.kill()
            demo.process.wait()


def fetch_status(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status, response.headers["Content-Type"]


def every_photo_loads(demo: Demo) -> dict[str, str]:
    """Wait for the demo's page, check that it shows every seeded home's photo and each one loads; return them."""
    parser = Images()
    parser.feed(demo.wait_until_up())
    images = dict(parser.found)
    assert set(images) == {home.name for home in seed.HOMES}
    for alt, src in images.items():
        status, content_type = fetch_status(urljoin(demo.url, src))
        assert status == 200 and content_type.startswith("image/"), (alt, status, content_type)
    return images


def test_demo_command_serves_the_seeded_homes_and_stops_cleanly(
    start_demo: Callable[[int], Demo], tmp_path: Path
) -> None:
    demo = start_demo(free_port())
    images = every_photo_loads(demo)
    # The shadowing local file is served by Django from the temp media folder, the rest by S3.
    local = [src for src in images.values() if src.startswith("/media/")]
    assert local == [f"/media/{seed.SHADOWED.key}"]
    assert (tmp_path / "media" / seed.SHADOWED.key).is_file()
    s3_origin = re.match(r"http://127\.0\.0\.1:\d+/", images[seed.HOMES[1].name])
    assert s3_origin is not None

    assert fetch_status(urljoin(demo.url, "/admin/login/"))[0] == 200
    assert "login 'admin' / password 'admin'" in demo.output()

    assert demo.stop(signal.SIGINT) == 0
    assert "Stopped the demo site and its embedded S3 server." in demo.output()
    # The embedded S3 server lived in the same process and is gone with it.
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(s3_origin.group(0), timeout=10)


def test_demo_reads_production_over_http_without_credentials(start_demo: Callable[..., Demo]) -> None:
    demo = start_demo(free_port(), "--production", "http")
    every_photo_loads(demo)
    assert re.search(
        r"read over HTTP from http://127\.0\.0\.1:\d+/demo-production/, without S3 credentials", demo.output()
    )
    assert demo.stop(signal.SIGINT) == 0


def test_demo_command_twice_creates_nothing_twice(start_demo: Callable[[int], Demo]) -> None:
    first = start_demo(free_port())
    first.wait_until_up()
    assert first.stop(signal.SIGTERM) == 0
    assert f"{len(seed.HOMES)} home(s) created" in first.output()

    second = start_demo(free_port())
    html = second.wait_until_up()
    assert second.stop(signal.SIGTERM) == 0
    assert f"0 home(s) created, {len(seed.HOMES)} already there" in second.output()
    assert "already there (it shadows the production copy)" in second.output()
    assert "Admin user 'admin' ready" in second.output()
    parser = Images()
    parser.feed(html)
    assert len(parser.found) == len(seed.HOMES)


def test_demo_command_refuses_a_busy_port(start_demo: Callable[[int], Demo]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        demo = start_demo(busy.getsockname()[1])
        assert demo.process.wait(timeout=EXIT_DEADLINE) == 2
    assert "is in use" in demo.output() and "--port" in demo.output()


def test_demo_over_http_in_a_real_browser_shows_every_photo_and_a_placeholder(
    start_demo: Callable[..., Demo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    from contextlib import closing

    from playwright.sync_api import sync_playwright

    from tests.admin.test_real_browser import CHROMIUM_ARGS, chromium_path

    demo = start_demo(free_port(), "--production", "http")
    demo.wait_until_up()
    # A row whose photo production does not hold (a database dump newer than the bucket).
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as database, database:
        database.execute(
            "INSERT INTO homes_home (name, city, photo, created) VALUES (?, ?, ?, ?)",
            ("Missing Mansion", "Nowhere", "homes/nowhere/missing-mansion.jpg", "2100-01-01 00:00:00"),
        )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        statuses: dict[str, int] = {}
        page.on("response", lambda response: statuses.__setitem__(response.url, response.status))
        page.goto(demo.url)
        page.wait_for_function("Array.from(document.images).every(img => img.complete)")
        widths = page.evaluate("Object.fromEntries(Array.from(document.images).map(i => [i.alt, i.naturalWidth]))")
        sources = page.evaluate("Object.fromEntries(Array.from(document.images).map(i => [i.alt, i.src]))")
        browser.close()
    assert set(widths) == {home.name for home in seed.HOMES} | {"Missing Mansion"}
    assert all(width > 0 for width in widths.values()), widths  # no broken image, the missing one included
    # Every photo came through Django's media view: the browser never talked to production.
    assert all(source.startswith(f"{demo.url}media/") for source in sources.values()), sources
    assert statuses[sources["Missing Mansion"]] == 404  # a placeholder, marked as not found
    assert statuses[sources[seed.HOMES[1].name]] == 200
    assert demo.stop(signal.SIGINT) == 0
