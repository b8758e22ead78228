"""An S3 bucket as the write layer: whiteouts as objects, copy-up inside S3, names nobody else holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile

from hybridmedia.purge import purger_for
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.names import whiteout_marker
from tests import s3
from tests.fleet.conftest import Requests, requests_for

Build = Callable[..., HybridStorage]


def objects(bucket: s3.Bucket) -> dict[str, bytes]:
    return {
        key: bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read()
        for key in s3.s3_keys(bucket.client, bucket.name)
    }


@pytest.mark.every_s3_server
def test_whiteouts_are_objects_of_the_staging_bucket(
    fleet_hybrid: Build, staging_bucket: s3.Bucket, production: s3.Bucket
) -> None:
    production.put("homes/1.jpg", b"production")
    hybrid = fleet_hybrid()
    hybrid.delete("homes/1.jpg")
    assert objects(staging_bucket) == {whiteout_marker("homes/1.jpg"): b""}
    assert not hybrid.exists("homes/1.jpg")
    assert hybrid.listdir("homes") == ([], [])
    assert hybrid.save("homes/1.jpg", ContentFile(b"staging")) == "homes/1.jpg"  # a deleted name is free again
    assert objects(staging_bucket) == {"homes/1.jpg": b"staging"}
    hybrid.delete("homes/1.jpg")
    assert hybrid.restore("homes/1.jpg")
    assert hybrid.open("homes/1.jpg").read() == b"production"
    assert objects(staging_bucket) == {}


@pytest.mark.every_s3_server
def test_copy_up_happens_inside_s3(
    fleet_hybrid: Build, staging_bucket: s3.Bucket, production: s3.Bucket, s3_requests: Requests
) -> None:
    production.put("docs/big.pdf", b"%PDF production bytes")
    hybrid = fleet_hybrid()
    assert hybrid.origin("docs/big.pdf").name == "production"
    s3_requests.clear()
    with hybrid.open("docs/big.pdf", "r+b") as opened:  # a write mode: the file is copied up first
        assert opened.read() == b"%PDF production bytes"
    # CopyObject is a PUT to staging naming the production key: no GET of production's bytes.
    assert [method for method, _url in requests_for(s3_requests, production)] == ["HEAD"]
    assert ("PUT", f"{staging_bucket.endpoint_url}/{staging_bucket.name}/docs/big.pdf") in s3_requests
    assert objects(staging_bucket) == {"docs/big.pdf": b"%PDF production bytes"}
    assert hybrid.origin("docs/big.pdf").name == "staging"


def test_copy_up_goes_through_the_app_from_another_kind_of_store(staging_bucket: s3.Bucket, tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path)) / "production"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_bytes(b"filesystem production")
    hybrid = HybridStorage(
        layers=[
            {"name": "staging", "storage": staging_bucket.config()},
            {
                "name": "production",
                "storage": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(root)},
                },
            },
        ]
    )
    with hybrid.open("docs/a.txt", "r+b") as opened:
        assert opened.read() == b"filesystem production"
    assert objects(staging_bucket) == {"docs/a.txt": b"filesystem production"}
    assert (root / "docs" / "a.txt").read_bytes() == b"filesystem production"


def test_a_conditional_write_keeps_a_name_another_process_took(fleet_hybrid: Build, staging_bucket: s3.Bucket) -> None:
    # Both processes found "report.pdf" free; the first to write keeps it, moto refuses the second's
    # PUT with 412 (If-None-Match: *) and the second takes another name: nothing is replaced.
    first, second = fleet_hybrid(), fleet_hybrid()
    assert first.get_available_name("report.pdf") == second.get_available_name("report.pdf") == "report.pdf"
    assert first._save("report.pdf", ContentFile(b"first")) == "report.pdf"
    taken = second._save("report.pdf", ContentFile(b"second"))
    assert taken != "report.pdf" and taken.startswith("report_") and taken.endswith(".pdf")
    assert objects(staging_bucket) == {"report.pdf": b"first", taken: b"second"}


@pytest.mark.every_s3_server
def test_the_shared_lock_keeps_a_name_another_process_took(
    fleet_hybrid: Build, staging_bucket: s3.Bucket, shared_cache: str, s3_server: object
) -> None:
    # The same race with a shared cache: the second process checks the name under the cache's lock,
    # so even a server that ignores If-None-Match (s3rver) keeps both files.
    first, second = fleet_hybrid(cache=shared_cache), fleet_hybrid(cache=shared_cache)
    assert first.get_available_name("report.pdf") == second.get_available_name("report.pdf") == "report.pdf"
    assert first._save("report.pdf", ContentFile(b"first")) == "report.pdf"
    taken = second._save("report.pdf", ContentFile(b"second"))
    assert taken != "report.pdf"
    assert objects(staging_bucket) == {"report.pdf": b"first", taken: b"second"}


@pytest.mark.every_s3_server
def test_without_conditional_writes_or_a_shared_lock_the_last_writer_wins(
    fleet_hybrid: Build, staging_bucket: s3.Bucket, s3_server: object
) -> None:
    # What docs/configuration.md says about servers that ignore If-None-Match, measured: moto honours
    # it, s3rver replaces the first file. A fleet on such a server needs the shared cache.
    first, second = fleet_hybrid(), fleet_hybrid()
    first._save("report.pdf", ContentFile(b"first"))
    taken = second._save("report.pdf", ContentFile(b"second"))
    if type(s3_server).__name__ == "S3rverEndpoint":
        assert taken == "report.pdf" and objects(staging_bucket) == {"report.pdf": b"second"}
    else:
        assert taken != "report.pdf" and objects(staging_bucket) == {"report.pdf": b"first", taken: b"second"}


@pytest.mark.every_s3_server
def test_the_purge_empties_the_staging_bucket_and_production_shows_again(
    fleet_hybrid: Build, staging_bucket: s3.Bucket, production: s3.Bucket
) -> None:
    production.put("homes/1.jpg", b"production")
    hybrid = fleet_hybrid()
    hybrid.save("homes/1.jpg", ContentFile(b"staging"))  # shadows production
    hybrid.save("uploads/new.jpg", ContentFile(b"new"))
    hybrid.delete("homes/1.jpg")
    hybrid.delete("homes/1.jpg")  # now the whiteout
    assert not hybrid.exists("homes/1.jpg")
    purger_for(hybrid).purge()
    assert objects(staging_bucket) == {}
    assert hybrid.open("homes/1.jpg").read() == b"production"
