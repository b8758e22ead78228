"""``media_pull --jobs 8`` against boto3's transfer manager, its memory, and a page of pulled photos.

Run with ``python -m benchmarks.pull [--objects N] [--size BYTES] [--jobs J] [--repeat R]``. moto runs
in its own process (``benchmarks.servers``), seeded inside the server. Three results, in one run:

- throughput: ``media_pull --jobs J`` of N objects into an empty cache layer against s3transfer's
  ``TransferManager`` (what ``boto3``'s ``download_file`` uses) downloading the same objects to a directory
  with ``max_request_concurrency=J``, listing included for both; the contenders take turns for R rounds;
- memory: the pull's peak traced memory (``tracemalloc``) for N/8 and N objects of the same size;
- a page of 100 pulled photos: ``url()`` and ``open().read()`` of each, the requests sent to production
  (none), and the time against the same reads from the write layer (local disk).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django
from django.conf import settings

from benchmarks.servers import ROOT, MotoProcess

BUCKET = "bench-pull"
PREFIX = "photos"


def configure(local: Path, pulled: Path, endpoint: str) -> None:
    from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY

    settings.configure(
        INSTALLED_APPS=["hybridmedia"],
        USE_TZ=True,
        STORAGES={
            "default": {
                "BACKEND": "hybridmedia.storage.HybridStorage",
                "OPTIONS": {
                    "layers": ["local", {"name": "pulled", "storage": "pulled", "role": "cache"}, "production"]
                },
            },
            "local": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(local), "base_url": "/media/"},
            },
            "pulled": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(pulled), "base_url": "/pulled-media/"},
            },
            "production": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "access_key": ACCESS_KEY,
                    "secret_key": SECRET_KEY,
                    "region_name": REGION,
                    "querystring_auth": False,
                },
            },
        },
    )
    django.setup()


def empty(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)


def race(rounds: int, prepare: Callable[[], None], contenders: dict[str, Callable[[], None]]) -> dict[str, list[float]]:
    """Time each contender once per round (wall-clock seconds), alternating the order."""
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        names = list(contenders)
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            prepare()
            gc.collect()
            started = time.perf_counter()
            contenders[name]()
            timings[name].append(time.perf_counter() - started)
    return timings


def transfer_manager_download(client: Any, target: Path, jobs: int, sizes_from_listing: bool = False) -> None:
    """List the prefix and download every object with s3transfer's manager, ``jobs`` requests at a time.

    As ``boto3``'s ``download_file`` does, the manager sends a ``HeadObject`` for each object's size
    first; ``sizes_from_listing`` hands it the listing's sizes instead (one request per object, as
    ``media_pull`` sends).
    """
    from s3transfer.manager import TransferConfig, TransferManager
    from s3transfer.subscribers import BaseSubscriber

    class ProvideSize(BaseSubscriber):  # type: ignore[misc]
        def __init__(self, size: int) -> None:
            self.size = size

        def on_queued(self, future: Any, **kwargs: Any) -> None:
            future.meta.provide_transfer_size(self.size)

    config = TransferConfig(max_request_concurrency=jobs)
    with TransferManager(client, config) as manager:
        for page in client.get_paginator("list_objects").paginate(Bucket=BUCKET, Prefix=f"{PREFIX}/"):
            for entry in page.get("Contents", []):
                key = entry["Key"]
                path = target / key
                path.parent.mkdir(parents=True, exist_ok=True)
                subscribers = [ProvideSize(entry["Size"])] if sizes_from_listing else None
                manager.download(BUCKET, key, str(path), subscribers=subscribers)


def peak_memory(run: Callable[[], None]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--size", type=int, default=50 * 1024)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    moto = MotoProcess()
    endpoint = moto.start()
    try:
        with tempfile.TemporaryDirectory(prefix="hybridmedia-bench-pull-") as scratch:
            run_benchmarks(Path(scratch), endpoint, moto, options)
    finally:
        moto.stop()


def run_benchmarks(scratch: Path, endpoint: str, moto: MotoProcess, options: argparse.Namespace) -> None:
    local, pulled, baseline = scratch / "local", scratch / "pulled", scratch / "baseline"
    for directory in (local, pulled, baseline):
        directory.mkdir()
    configure(local, pulled, endpoint)

    from django.core.management import call_command

    from benchmarks.measure import RequestCounter
    from hybridmedia import get_hybrid_storage
    from tests.s3 import admin_client

    client = admin_client(endpoint)
    client.create_bucket(Bucket=BUCKET)
    body = bytes(range(256)) * (options.size // 256) + b"x" * (options.size % 256)
    names = [f"{PREFIX}/{number:06}.jpg" for number in range(options.objects)]
    few = names[: max(options.objects // 8, 1)]
    if not moto.seed(BUCKET, names, body):
        for name in names:
            client.put_object(Bucket=BUCKET, Key=name, Body=body)

    def pull() -> None:
        call_command("media_pull", PREFIX, "--jobs", str(options.jobs), verbosity=0)

    # Warm both (imports, clients, connection pools) before the clock starts.
    transfer_manager_download(client, baseline, options.jobs)
    pull()
    assert len(list((pulled / PREFIX).iterdir())) == options.objects, "the pull did not copy every object"

    def prepare() -> None:
        empty(baseline)
        empty(pulled)

    timings = race(
        options.repeat,
        prepare,
        {
            "transfer manager": lambda: transfer_manager_download(client, baseline, options.jobs),
            "no HEAD": lambda: transfer_manager_download(client, baseline, options.jobs, sizes_from_listing=True),
            "media_pull": pull,
        },
    )
    best = {name: min(runs) for name, runs in timings.items()}
    median = {name: statistics.median(runs) for name, runs in timings.items()}
    megabytes = options.objects * options.size / 1e6
    print(
        f"Pulling {options.objects:,} objects of {options.size:,} bytes ({megabytes:.1f} MB) with "
        f"{options.jobs} concurrent transfers, {options.repeat} rounds; best / median:"
    )
    labels = {
        "transfer manager": "boto3's transfer manager (HEAD + GET per object)",
        "no HEAD": "the transfer manager given the listing's sizes (GET only)",
        "media_pull": f"media_pull --jobs {options.jobs}",
    }
    for name, label in labels.items():
        ratio = best["transfer manager"] / best[name], median["transfer manager"] / median[name]
        fair = best["no HEAD"] / best[name], median["no HEAD"] / median[name]
        print(f"  {label}")
        print(
            f"      {best[name]:6.2f} s / {median[name]:6.2f} s   {megabytes / best[name]:6.1f} MB/s   "
            f"{ratio[0]:.2f}x / {ratio[1]:.2f}x the transfer manager's throughput, "
            f"{fair[0]:.2f}x / {fair[1]:.2f}x without its HEADs"
        )

    # Memory: the same pull of N/8 and of N objects (into an empty cache layer each time).
    storage = get_hybrid_storage()
    from hybridmedia.pull import Puller

    def pull_names(subset: list[str]) -> Callable[[], None]:
        def run() -> None:
            puller = Puller(storage, jobs=options.jobs)
            puller.run(puller.named(subset))

        return run

    empty(pulled)
    small = peak_memory(pull_names(few))
    empty(pulled)
    large = peak_memory(pull_names(names))
    print(
        f"Peak traced memory of a pull: {len(few):,} objects {small / 1024:,.0f} KiB, {len(names):,} objects "
        f"{large / 1024:,.0f} KiB ({large / small:.2f}x for {len(names) / len(few):.0f}x the objects)"
    )

    # A page of 100 pulled photos: no request to production, local-disk speed.
    page = names[:100]
    (local / PREFIX).mkdir(exist_ok=True)
    for name in page:
        shutil.copyfile(pulled / name, local / f"{name}.local")
    counter = RequestCounter()

    def render(suffix: str) -> float:
        started = time.perf_counter()
        for name in page:
            storage.url(name + suffix)
            with storage.open(name + suffix) as file:
                file.read()
        return time.perf_counter() - started

    with counter.installed():
        pulled_times = [render("") for _round in range(5)]
    local_times = [render(".local") for _round in range(5)]
    print(
        f"A page of {len(page)} pulled photos (url() + open().read() each): {counter():,} requests to production; "
        f"best {min(pulled_times) * 1000:.1f} ms against {min(local_times) * 1000:.1f} ms from the write layer "
        f"({min(pulled_times) / min(local_times):.2f}x local disk)"
    )


if __name__ == "__main__":
    main()
