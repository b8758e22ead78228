"""Streaming with bounded memory: a 1 GiB file is never read into memory, whole or in part."""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from hybridmedia.storage import HybridStorage
from hybridmedia.storage.backends.base import CHUNK_SIZE, STREAM_CHUNK_SIZE
from tests import s3

GIB = 1 << 30
MIB = 1 << 20


def drain(chunks: Iterable[bytes]) -> tuple[int, int]:
    """Read a response to its end, keeping nothing; return ``(bytes, peak bytes allocated meanwhile)``."""
    gc.collect()
    tracemalloc.start()
    try:
        received = sum(len(chunk) for chunk in chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return received, peak


@pytest.fixture
def sparse_gib(media: HybridStorage, local_root: Path) -> str:
    """A 1 GiB file in the local layer that takes no disk space (a sparse file)."""
    with open(local_root / "big.bin", "wb") as file:
        file.truncate(GIB)
        file.seek(GIB - 4)
        file.write(b"tail")
    return "/media/big.bin"


def test_a_1_gib_local_file_streams_in_bounded_memory(sparse_gib: str) -> None:
    response = Client().get(sparse_gib)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Length"] == str(GIB)
    received, peak = drain(response.streaming_content)
    assert received == GIB
    assert peak < 4 * CHUNK_SIZE, f"peak {peak} bytes"


def test_a_range_of_a_1_gib_file_reads_only_that_range(sparse_gib: str) -> None:
    response = Client().get(sparse_gib, HTTP_RANGE=f"bytes=-{MIB}")
    assert response.status_code == 206
    chunks = list(response.streaming_content)
    assert sum(map(len, chunks)) == MIB and chunks[-1].endswith(b"tail")
    assert max(map(len, chunks)) <= CHUNK_SIZE


@pytest.mark.parametrize("serve", ["proxy"])
def test_a_proxied_production_file_streams_in_bounded_reads(
    media: HybridStorage, production: s3.Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib3.response

    size = 24 * MIB
    production.put("video.mp4", os.urandom(size))
    reads: list[tuple[str, int | None]] = []

    def spying(method: str) -> Any:
        original = getattr(urllib3.response.HTTPResponse, method)

        def spy(self: Any, amt: int | None = None, *args: Any, **kwargs: Any) -> Any:
            reads.append((method, amt))
            return original(self, amt, *args, **kwargs)

        return spy

    for method in ("read", "read1"):
        monkeypatch.setattr(urllib3.response.HTTPResponse, method, spying(method))
    response = Client().get("/media/video.mp4")
    assert response.status_code == 200
    chunks = list(response.streaming_content)
    assert sum(map(len, chunks)) == size
    # Every read of an S3 response (urllib3's, under botocore) asked for one chunk at most: never "the
    # rest" (amt=None), never the whole. The body's reads hand over what has arrived (read1), so a
    # chunk can be shorter; the HEAD's empty body is read() by botocore. (tracemalloc cannot tell
    # here: moto's server runs in this process. The benchmark, with moto in a child process,
    # measures the peak: the same for 10 MiB and 50 MiB.)
    assert sum(1 for method, _ in reads if method == "read1") >= size // STREAM_CHUNK_SIZE
    assert all(amt is not None and 0 < amt <= STREAM_CHUNK_SIZE for _, amt in reads)
    assert max(map(len, chunks)) <= STREAM_CHUNK_SIZE
