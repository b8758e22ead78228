"""Time ``purge_local_media`` on 10,000 local files against ``shutil.rmtree`` of the same tree.

Run with ``python -m benchmarks.purge [--files N] [--repeat R]``. The contenders take turns for R
rounds (so a busy machine slows them alike); the tree is rebuilt before every run; the best and
the median wall-clock and CPU times of each are printed. The lower layer is a second, empty directory, so the benchmark
needs no S3 server and measures the purge of the write layer alone.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django
from django.conf import settings

PAYLOAD = b"x" * 256


def build_tree(root: Path, files: int) -> None:
    """Write ``files`` small files into 100 directories two levels deep under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for number in range(files):
        directory = root / f"d{number % 10}" / f"e{number // 10 % 10}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"photo-{number}.jpg").write_bytes(PAYLOAD)


def race(
    rounds: int, prepare: Callable[[], None], contenders: dict[str, Callable[[], None]]
) -> dict[str, list[tuple[float, float]]]:
    """Time each contender once per round, as ``(wall, cpu)`` seconds, rebuilding the tree before every run."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        names = list(contenders)
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            prepare()
            wall, cpu = time.perf_counter(), time.process_time()
            contenders[name]()
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return timings


def configure(local: Path, lower: Path) -> None:
    settings.configure(
        INSTALLED_APPS=["hybridmedia"],
        USE_TZ=True,
        STORAGES={
            "default": {
                "BACKEND": "hybridmedia.storage.HybridStorage",
                "OPTIONS": {"layers": ["local", "production"]},
            },
            "local": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(local)},
            },
            "production": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(lower)},
            },
        },
    )
    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hybridmedia-bench-") as scratch:
        local, lower = Path(scratch, "local"), Path(scratch, "production")
        lower.mkdir()
        configure(local, lower)

        from django.core.management import call_command

        from hybridmedia import get_hybrid_storage
        from hybridmedia.purge import LayerPurger

        def purge_command() -> None:
            call_command("purge_local_media", "--noinput", verbosity=0)

        def purge_through_storage_api() -> None:
            LayerPurger(get_hybrid_storage()).purge()

        def prepare() -> None:
            build_tree(local, options.files)

        build_tree(local, 10)
        purge_command()  # Import and build everything before the clock starts.
        timings = race(
            options.repeat,
            prepare,
            {
                "rmtree": lambda: shutil.rmtree(local),
                "command": purge_command,
                "portable": purge_through_storage_api,
            },
        )
        build_tree(local, options.files)
        purge_command()
        assert not any(local.rglob("*")), "the purge left files or directories behind"

    print(
        f"Purging {options.files:,} local files ({len(PAYLOAD)} bytes each, 110 directories), "
        f"{options.repeat} rounds; best / median seconds:"
    )
    rows = [
        ("shutil.rmtree", "rmtree"),
        ("purge_local_media --noinput (filesystem purger)", "command"),
        ("storage-API purger (keeps empty dirs)", "portable"),
    ]
    for column, title in ((0, "wall-clock"), (1, "CPU (user + system; steadier on a busy machine)")):
        print(f"  {title}:")
        best = {name: min(run[column] for run in runs) for name, runs in timings.items()}
        median = {name: statistics.median(run[column] for run in runs) for name, runs in timings.items()}
        for label, name in rows:
            ratio = ""
            if name != "rmtree":
                ratio = f"   {best[name] / best['rmtree']:.2f}x / {median[name] / median['rmtree']:.2f}x rmtree"
            print(f"    {label:<42} {best[name]:6.3f} / {median[name]:6.3f}{ratio}")


if __name__ == "__main__":
    main()
