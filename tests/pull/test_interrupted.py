"""An interrupted ``media_pull`` (the process killed mid-transfer) leaves only complete files, and resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hybridmedia.pull import PARTIAL_DIR
from tests.pull.helpers import pulled_files
from tests.s3 import Bucket

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = 30
BODY = os.urandom(3 * 1024 * 1024)

pytestmark = pytest.mark.every_s3_server


def media_pull(local: Path, pulled: Path, production: Bucket, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HYBRIDMEDIA_TEST_LOCAL": str(local),
        "HYBRIDMEDIA_TEST_PULLED": str(pulled),
        "HYBRIDMEDIA_TEST_PRODUCTION": json.dumps(production.options()),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "django", "media_pull", *args, "--settings=tests.pull.subprocess_settings"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def killable(partial: Path) -> bool:
    """Whether a transfer is half-written: a partial file holds some bytes of the body, not all."""
    if not partial.is_dir():
        return False
    for path in partial.iterdir():
        try:
            if 0 < path.stat().st_size < len(BODY):
                return True
        except FileNotFoundError:  # renamed into place meanwhile
            continue
    return False


def test_a_killed_pull_leaves_only_complete_files_and_resumes(local: Path, pulled: Path, production: Bucket) -> None:
    names = [f"videos/{number:02}.bin" for number in range(OBJECTS)]
    production.put_many(names, BODY)
    partial = pulled / PARTIAL_DIR
    # Kill it while a transfer is being written (a partial file exists). A transfer may still finish in
    # the moment between seeing its partial file and the kill landing: then try again, a few times.
    for _attempt in range(5):
        process = media_pull(local, pulled, production, "--jobs", "1")
        while process.poll() is None and not killable(partial):
            time.sleep(0.001)
        assert process.poll() is None, f"the pull ended before a transfer was seen: {process.communicate()}"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if any(partial.iterdir()):
            break

    interrupted = pulled_files(pulled)
    assert len(interrupted) < OBJECTS
    assert all(data == BODY for data in interrupted.values()), "a partial file is visible"
    assert any(partial.iterdir())  # the abandoned transfer, in the reserved directory only

    resumed = media_pull(local, pulled, production, "--jobs", "4", "--json")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    summary = json.loads(out)
    assert summary["up_to_date"] >= len(interrupted) - 1  # the last file may have lost its record only
    assert summary["pulled"] + summary["up_to_date"] == OBJECTS
    assert pulled_files(pulled) == dict.fromkeys(names, BODY)
    assert list(partial.iterdir()) == []
