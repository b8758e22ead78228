"""How the view relays a production file: the bytes as they arrive, the length checked, no end-of-body checksum."""

from __future__ import annotations

import os
from typing import Any

import pytest
from botocore.exceptions import IncompleteReadError
from botocore.httpchecksum import Crc32Checksum
from django.test import Client

from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.backends.s3 import RelayedBody
from tests import s3

MIB = 1 << 20
pytestmark = pytest.mark.parametrize("serve", ["proxy"])


@pytest.fixture
def crc_updates(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes botocore runs through its CRC32 of a response body (its checksum check)."""
    counted: list[int] = []
    original = Crc32Checksum.update

    def update(self: Any, chunk: bytes) -> None:
        counted.append(len(chunk))
        original(self, chunk)

    monkeypatch.setattr(Crc32Checksum, "update", update)
    return counted


def test_the_view_relays_without_the_end_of_body_checksum(
    media: HybridStorage, production: s3.Bucket, crc_updates: list[int]
) -> None:
    data = os.urandom(3 * MIB + 7)
    production.put("video.mp4", data)
    crc_updates.clear()  # the upload's own checksum
    response = Client().get("/media/video.mp4")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    # The check could only fail after the last byte had gone to the client: it is not computed.
    assert crc_updates == []


def test_other_callers_keep_the_checksum_check(
    media: HybridStorage, production: s3.Bucket, crc_updates: list[int]
) -> None:
    data = os.urandom(MIB + 7)
    production.put("video.mp4", data)
    crc_updates.clear()  # the upload's own checksum
    # A pull (open_range's default) stores what it reads: botocore checks every byte against S3's CRC.
    assert b"".join(media.layers[-1].adapter.open_range("video.mp4")) == data
    assert sum(crc_updates) == len(data)


def test_a_relayed_body_that_ends_before_its_length_raises(media: HybridStorage, production: s3.Bucket) -> None:
    production.put("video.mp4", b"x" * 1000)
    response = media.layers[-1].adapter.client.get_object(Bucket=production.name, Key=production.key("video.mp4"))
    # The server promised more than it sent (as a broken connection leaves it): never a silent short file.
    body = RelayedBody(response["Body"], 1010)
    assert body.raw is not None  # botocore's urllib3 response, read as the bytes arrive
    received = 0
    with pytest.raises(IncompleteReadError, match="1000 read, but total bytes expected is 1010"):
        while chunk := body.read1(4096):
            received += len(chunk)
    assert received == 1000
    body.close()


def test_what_a_relay_is_handed_cannot_write(media: HybridStorage, production: s3.Bucket) -> None:
    # open_range() of a lower layer hands out a body to read: nothing in it writes to production
    # (the fixtures check the bucket is byte-identical afterwards).
    production.put("video.mp4", b"production bytes")
    adapter, key = media.layers[-1].adapter, production.key("video.mp4")
    for checksum in (False, True):
        chunks = adapter.open_range("video.mp4", checksum=checksum)
        for stream in (chunks.stream, getattr(chunks.stream, "body", None)):
            if stream is None:
                continue
            assert not hasattr(stream, "write") and not getattr(stream, "writable", lambda: False)()
        with pytest.raises(ReadOnlyLayerError):  # the client behind it signs only reads
            adapter.client.put_object(Bucket=production.name, Key=key, Body=b"x")
        assert b"".join(chunks) == b"production bytes"
