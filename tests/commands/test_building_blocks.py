"""The small modules behind the commands: durations, physical stores, URL mapping and prefixes."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from storages.backends.s3 import S3Storage

from hybridmedia.management.base import format_bytes
from hybridmedia.management.durations import format_duration, parse_duration
from hybridmedia.purge import normalize_prefixes
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.stores import store_of
from hybridmedia.urlmap import name_from_url
from tests.s3 import Bucket


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("12h", timedelta(hours=12)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        ("45s", timedelta(seconds=45)),
        (" 7D ", timedelta(days=7)),
        ("0s", timedelta(0)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "7x", "-1d", "1.5d", "7 days", "d7"])
def test_parse_duration_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="e.g. 7d, 12h or 1d12h"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["7d", "1d12h", "2w3d4h5m6s", "0s", "90m"])
def test_format_duration_round_trips(text: str) -> None:
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


def test_format_bytes() -> None:
    assert format_bytes(1) == "1 byte"
    assert format_bytes(1023) == "1,023 bytes"
    assert format_bytes(3_456_789) == "3,456,789 bytes (3.3 MB)"


def s3(**options: Any) -> S3Storage:
    return S3Storage(**{"bucket_name": "media", "access_key": "a", "secret_key": "b", **options})


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ({}, {}, True),
        ({"location": "dev"}, {}, True),
        ({"location": "dev"}, {"location": "dev/"}, True),
        ({"location": "dev"}, {"location": "prod"}, False),
        ({"location": "dev"}, {"location": "development"}, False),
        ({"bucket_name": "other"}, {}, False),
        ({"endpoint_url": "http://127.0.0.1:9000"}, {"endpoint_url": "http://127.0.0.1:9000/"}, True),
        ({"endpoint_url": "http://127.0.0.1:9000"}, {"endpoint_url": "http://127.0.0.1:9001"}, False),
        ({"endpoint_url": "http://127.0.0.1:9000"}, {}, False),
        ({"endpoint_url": "https://s3.eu-west-1.amazonaws.com"}, {}, True),
    ],
)
def test_s3_stores_overlap_by_endpoint_bucket_and_location(a: dict[str, Any], b: dict[str, Any], overlap: bool) -> None:
    assert store_of(s3(**a)).overlaps(store_of(s3(**b))) is overlap
    assert store_of(s3(**b)).overlaps(store_of(s3(**a))) is overlap


def test_filesystem_stores_compare_real_paths(tmp_path: Path) -> None:
    (tmp_path / "media/local").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "media")
    media = store_of(FileSystemStorage(location=str(tmp_path / "media")))
    assert media.overlaps(store_of(FileSystemStorage(location=str(tmp_path / "link"))))
    assert media.overlaps(store_of(FileSystemStorage(location=str(tmp_path / "media/local"))))
    assert not media.overlaps(store_of(FileSystemStorage(location=str(tmp_path / "medias"))))
    assert media.description == str(tmp_path / "media")


def test_in_memory_storages_are_separate_stores() -> None:
    assert not store_of(InMemoryStorage()).overlaps(store_of(InMemoryStorage()))
    memory = InMemoryStorage()
    assert store_of(memory).overlaps(store_of(memory))


def test_the_s3_description_names_bucket_location_and_endpoint_without_secrets() -> None:
    store = store_of(s3(location="dev", endpoint_url="http://127.0.0.1:9000"))
    assert store.description == "s3://media/dev/ at http://127.0.0.1:9000"
    assert store_of(s3()).description == "s3://media/"


@pytest.mark.parametrize(
    ("prefixes", "expected"),
    [
        ([], [""]),
        (["homes", ""], [""]),
        (["homes/", "homes/42", "docs/./a", "."], [""]),
        (["homes/", "homes/42", "docs/./a"], ["docs/a", "homes"]),
        (["homes", "homesick"], ["homes", "homesick"]),
    ],
)
def test_normalize_prefixes(prefixes: list[str], expected: list[str]) -> None:
    assert normalize_prefixes(prefixes) == expected


@pytest.mark.parametrize("prefix", ["/homes", "../x", "a/../../x", "a\x00", ".hybridmedia-whiteouts"])
def test_normalize_prefixes_refuses_unsafe_prefixes(prefix: str) -> None:
    with pytest.raises(SuspiciousFileOperation):
        normalize_prefixes([prefix])


def test_name_from_url(hybrid: HybridStorage, production: Bucket, s3_requests: list[Any]) -> None:
    base = f"{production.endpoint_url}/{production.name}"
    assert name_from_url(hybrid, f"{base}/homes/%C3%A9t%C3%A9.jpg") == (
        "homes/été.jpg",
        hybrid.layer("production"),
    )
    assert name_from_url(hybrid, "/media/a.jpg?v=2") == ("a.jpg", hybrid.layer("local"))
    assert name_from_url(hybrid, "https://example.com/media/a.jpg") == ("a.jpg", hybrid.layer("local"))
    assert name_from_url(hybrid, "/static/a.jpg") is None
    assert name_from_url(hybrid, f"{base}/") is None
    assert s3_requests == []  # URLs are formatted, never fetched
