"""``python -m benchmarks.pull`` runs end to end on a small set and reports what the docs quote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_pull_benchmark_runs_and_a_page_of_pulled_photos_sends_no_request() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.pull", "--objects", "48", "--size", "4096", "--repeat", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "media_pull --jobs 8" in result.stdout and "the transfer manager's throughput" in result.stdout
    assert re.search(r"Peak traced memory of a pull: 6 objects .* 48 objects", result.stdout)
    assert "A page of 48 pulled photos (url() + open().read() each): 0 requests to production" in result.stdout
