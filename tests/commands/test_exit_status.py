"""Exit statuses, as a shell or CI sees them: each command run as ``python -m django`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.s3 import Bucket

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manage(local_config: dict[str, Any], production: Bucket) -> Any:
    """Run ``python -m django COMMAND ...`` against the test's local directory and moto bucket."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HYBRIDMEDIA_TEST_LOCAL": local_config["OPTIONS"]["location"],
        "HYBRIDMEDIA_TEST_PRODUCTION": json.dumps(production.options()),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "django", *args, "--settings=tests.commands.subprocess_settings"],
            input=stdin,
            check=False,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )

    return run


def test_media_origin_exits_0_when_every_name_is_found(manage: Any, production: Bucket) -> None:
    production.put("homes/1.jpg")
    result = manage("media_origin", "homes/1.jpg", "-v", "0")
    assert (result.returncode, result.stdout, result.stderr) == (0, "production\n", "")


def test_media_origin_exits_1_when_a_name_is_missing(manage: Any, production: Bucket) -> None:
    production.put("homes/1.jpg")
    result = manage("media_origin", "nowhere.jpg", "homes/1.jpg")
    assert result.returncode == 1
    assert result.stdout == "Found 'homes/1.jpg' here:\n  production  serves it\n"
    assert result.stderr == "No layer holds 'nowhere.jpg'.\n"


def test_a_bad_name_exits_1_with_a_command_error(manage: Any) -> None:
    result = manage("media_origin", "../../etc/passwd")
    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: Refusing the name '../../etc/passwd'")


def test_media_shadows_exits_1_when_a_file_shadows_production(manage: Any, production: Bucket, local: Path) -> None:
    production.put("homes/1.jpg")
    assert manage("media_shadows").returncode == 0
    (local / "homes").mkdir()
    (local / "homes/1.jpg").write_bytes(b"edited")
    result = manage("media_shadows", "--json")
    assert result.returncode == 1
    assert [shadow["name"] for shadow in json.loads(result.stdout)["shadows"]] == ["homes/1.jpg"]


def test_purge_proceeds_on_a_typed_yes(manage: Any, local: Path) -> None:
    (local / "upload.jpg").write_bytes(b"local")
    result = manage("purge_local_media", stdin="yes\n")
    assert result.returncode == 0, result.stderr
    assert "Type 'yes' to continue, or 'no' to cancel: " in result.stdout
    assert result.stdout.endswith("Deleted 1 file from layer 'local', freed 5 bytes, removed 0 whiteouts.\n")
    assert not (local / "upload.jpg").exists()


def test_purge_cancelled_exits_1_and_deletes_nothing(manage: Any, local: Path) -> None:
    (local / "upload.jpg").write_bytes(b"local")
    result = manage("purge_local_media", stdin="no\n")
    assert result.returncode == 1
    assert result.stderr == "CommandError: Purge cancelled.\n"
    assert (local / "upload.jpg").read_bytes() == b"local"


def test_a_storage_that_is_not_a_hybrid_exits_1(manage: Any) -> None:
    result = manage("purge_local_media", "--noinput", "--storage", "staticfiles")
    assert result.returncode == 1
    assert "is a django.contrib.staticfiles.storage.StaticFilesStorage, not a HybridStorage" in result.stderr


@pytest.fixture
def manage_while_production_is_down(local_config: dict[str, Any], production: Bucket) -> Any:
    """Run a command whose production layer's endpoint is a closed port."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    options = {**production.options(), "endpoint_url": f"http://127.0.0.1:{closed}"}
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HYBRIDMEDIA_TEST_LOCAL": local_config["OPTIONS"]["location"],
        "HYBRIDMEDIA_TEST_PRODUCTION": json.dumps(options),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "django", *args, "--settings=tests.commands.subprocess_settings"]
        return subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)

    return run


@pytest.mark.parametrize(
    "args",
    [("media_origin", "homes/1.jpg"), ("media_shadows",), ("purge_local_media", "--noinput", "--shadowed-only")],
)
def test_an_unreachable_production_is_one_line_and_status_1(
    manage_while_production_is_down: Any, local: Path, args: tuple[str, ...]
) -> None:
    (local / "homes").mkdir()
    (local / "homes" / "2.jpg").write_bytes(b"local")  # something for shadows and purge to ask about
    result = manage_while_production_is_down(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("CommandError: Layer 'production'")
    assert "cannot be reached" in lines[0] and "testing" not in lines[0]  # no credentials
    assert (local / "homes" / "2.jpg").read_bytes() == b"local"  # nothing was deleted


def test_a_plain_purge_needs_no_production(manage_while_production_is_down: Any, local: Path) -> None:
    (local / "mine.jpg").write_bytes(b"x")
    result = manage_while_production_is_down("purge_local_media", "--noinput")
    assert result.returncode == 0, result.stderr
    assert not (local / "mine.jpg").exists()
