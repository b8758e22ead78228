"""What the scenarios run against: sizes, buckets, local directories and the storages to compare."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage, Storage
from storages.backends.s3 import S3Storage

from benchmarks.measure import Counter
from benchmarks.naive import NaiveHybridStorage
from hybridmedia.storage import HybridStorage
from tests.s3 import Bucket

#: Production objects are small: the benchmarks measure requests and bookkeeping, not bandwidth.
PAYLOAD = b"p" * 1024
WARM_UP_NAME = "warm-up/never-measured.jpg"


@dataclass(frozen=True)
class Sizes:
    """How much work each scenario does; ``FULL`` is issue 6's, ``QUICK`` a smoke run."""

    names: int = 1_000
    listdir_objects: int = 10_000
    photos: int = 100
    uploads: int = 100
    purge_files: int = 10_000
    memory_files: int = 100_000
    page_directory: int = 20_000
    small_directory: int = 2_000
    page_limit: int = 100
    url_calls: int = 10_000
    outage_images: int = 100
    #: The size of the file the media view streams (``benchmarks/media_view.py``), in MiB.
    view_file_mib: int = 50
    #: Rounds each worker of the fleet scenario runs (``benchmarks/fleet.py``).
    fleet_rounds: int = 20
    #: Rounds of the cheap, request-free measurements; the best round is reported.
    rounds: int = 5
    purge_rounds: int = 2

    def scaled(self, **changes: int) -> Sizes:
        return replace(self, **changes)


FULL = Sizes()
QUICK = Sizes(
    names=200,
    listdir_objects=2_000,
    photos=100,
    uploads=20,
    purge_files=2_000,
    memory_files=20_000,
    page_directory=4_000,
    small_directory=400,
    url_calls=2_000,
    outage_images=20,
    fleet_rounds=5,
    rounds=2,
    purge_rounds=1,
)


def warm_up(storage: Storage) -> Storage:
    """Create the storage's S3 clients off the clock, with a name no scenario measures."""
    storage.exists(WARM_UP_NAME)
    storage.url(WARM_UP_NAME)
    return storage


@dataclass
class Lab:
    """An S3 endpoint, a scratch directory and a request counter, shared by every scenario."""

    endpoint_url: str
    scratch: Path
    counter: Counter
    sizes: Sizes
    new_bucket: Callable[[], Bucket]
    #: A bucket the benchmarks may write to (a staging bucket); ``None`` means ``new_bucket``.
    writable_bucket: Callable[[], Bucket] | None = None
    #: Fills a bucket without one PUT per object when the server can; ``None`` means PUTs.
    fast_seed: Callable[[Bucket, list[str], bytes], bool] | None = None
    _directories: itertools.count = field(default_factory=itertools.count)

    def bucket(self, names: Sequence[str] = (), data: bytes = PAYLOAD) -> Bucket:
        bucket = self.new_bucket()
        if names:
            self.seed(bucket, list(names), data)
        return bucket

    def new_writable_bucket(self) -> Bucket:
        return (self.writable_bucket or self.new_bucket)()

    def seed(self, bucket: Bucket, names: list[str], data: bytes = PAYLOAD) -> None:
        if self.fast_seed is None or not self.fast_seed(bucket, [bucket.key(name) for name in names], data):
            bucket.put_many(names, data)

    def directory(self, label: str, files: Sequence[str] = (), data: bytes = b"l" * 1024) -> Path:
        """Return a new local directory holding ``files``."""
        root = self.scratch / f"{label}-{next(self._directories)}"
        root.mkdir(parents=True)
        for name in files:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return root

    @cached_property
    def photos(self) -> Photos:
        """Production photos, local uploads and missing names for the per-name scenarios."""
        count = max(self.sizes.names, self.sizes.photos)
        production = [f"homes/{i:05d}.jpg" for i in range(count)]
        local = [f"uploads/{i:05d}.jpg" for i in range(count)]
        return Photos(
            bucket=self.bucket(production),
            local_root=self.directory("photos-local", local),
            production=production,
            local=local,
            missing=[f"homes/missing-{i:05d}.jpg" for i in range(count)],
        )


def local_config(root: Path) -> dict[str, Any]:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": "/media/"},
    }


def hybrid_layers(root: Path, bucket_config: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": "local", "storage": local_config(root)}, {"name": "production", "storage": bucket_config}]


@dataclass
class Photos:
    bucket: Bucket
    local_root: Path
    production: list[str]
    local: list[str]
    missing: list[str]

    def local_config(self) -> dict[str, Any]:
        return local_config(self.local_root)

    def filesystem(self) -> FileSystemStorage:
        return FileSystemStorage(location=str(self.local_root), base_url="/media/")

    def plain(self, **options: Any) -> S3Storage:
        return warm_up(S3Storage(**self.bucket.options(**options)))  # type: ignore[return-value]

    def naive(self) -> NaiveHybridStorage:
        return warm_up(NaiveHybridStorage([self.local_config(), self.bucket.config()]))  # type: ignore[return-value]

    def hybrid(self, **options: Any) -> HybridStorage:
        """A fresh hybrid: its origin cache is empty, its S3 client already built."""
        return warm_up(HybridStorage(layers=hybrid_layers(self.local_root, self.bucket.config()), **options))  # type: ignore[return-value]

    def hybrid_config(self) -> dict[str, Any]:
        return {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": hybrid_layers(self.local_root, self.bucket.config())},
        }

    def naive_config(self) -> dict[str, Any]:
        return {
            "BACKEND": "benchmarks.naive.NaiveHybridStorage",
            "OPTIONS": {"layers": [self.local_config(), self.bucket.config()]},
        }
