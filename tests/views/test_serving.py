"""The media view through Django's test client: every layer, conditional and range requests, bad names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils.http import http_date

from hybridmedia.storage import HybridStorage
from tests import s3
from tests.views.conftest import body, save_local

DATA = bytes(range(256)) * 40  # 10,240 bytes, every offset distinct enough to check slices


@pytest.fixture
def client() -> Client:
    return Client()


class TestLocalFiles:
    def test_a_local_file_is_served_from_disk_with_validators(self, media: HybridStorage, client: Client) -> None:
        save_local(media, "docs/a.txt", b"hello local")
        response = client.get("/media/docs/a.txt")
        assert response.status_code == 200
        assert body(response) == b"hello local"
        assert response["Content-Type"] == "text/plain"
        assert response["Content-Length"] == "11"
        assert response["Accept-Ranges"] == "bytes"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Hybridmedia-Layer"] == "local"
        assert response["ETag"].startswith('"') and response["Last-Modified"]
        assert "Content-Disposition" not in response

    def test_content_types_come_from_the_name(self, media: HybridStorage, client: Client) -> None:
        for name, expected in [
            ("a.jpg", "image/jpeg"),
            ("a.svg", "image/svg+xml"),
            ("a.pdf", "application/pdf"),
            ("a.tar.gz", "application/gzip"),  # the file itself, never Content-Encoding
            ("noextension", "application/octet-stream"),
        ]:
            save_local(media, name, b"x")
            response = client.get(f"/media/{name}")
            assert response["Content-Type"] == expected, name
            assert "Content-Encoding" not in response

    def test_if_none_match_and_if_modified_since_answer_304(self, media: HybridStorage, client: Client) -> None:
        save_local(media, "a.txt", b"cached")
        first = client.get("/media/a.txt")
        again = client.get("/media/a.txt", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == first["ETag"] and again["X-Content-Type-Options"] == "nosniff"
        assert client.get("/media/a.txt", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
        assert client.get("/media/a.txt", HTTP_IF_NONE_MATCH='"other"').status_code == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        response = client.get(
            "/media/a.txt", HTTP_IF_NONE_MATCH='"other"', HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )
        assert response.status_code == 200
        assert client.get("/media/a.txt", HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200
        assert client.get("/media/a.txt", HTTP_IF_MATCH='"other"').status_code == 412

    def test_a_changed_file_gets_a_new_etag(self, media: HybridStorage, local_root: Path, client: Client) -> None:
        save_local(media, "a.txt", b"one")
        first = client.get("/media/a.txt")["ETag"]
        (local_root / "a.txt").write_bytes(b"three")
        assert client.get("/media/a.txt", HTTP_IF_NONE_MATCH=first).status_code == 200

    def test_head_has_the_headers_and_no_body(self, media: HybridStorage, client: Client) -> None:
        save_local(media, "a.txt", DATA)
        response = client.head("/media/a.txt")
        assert response.status_code == 200
        assert response["Content-Length"] == str(len(DATA)) and response.content == b""
        ranged = client.head("/media/a.txt", HTTP_RANGE="bytes=0-9")
        assert ranged.status_code == 206 and ranged["Content-Length"] == "10"

    @pytest.mark.parametrize("method", ["post", "put", "delete", "patch", "options"])
    def test_only_get_and_head(self, media: HybridStorage, client: Client, method: str) -> None:
        save_local(media, "a.txt", b"x")
        response = getattr(client, method)("/media/a.txt")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        assert media.exists("a.txt")


class TestRanges:
    @pytest.fixture
    def file(self, media: HybridStorage) -> str:
        save_local(media, "data.bin", DATA)
        return "/media/data.bin"

    @pytest.mark.parametrize(
        ("header", "start", "end"),
        [
            ("bytes=0-0", 0, 0),
            ("bytes=0-99", 0, 99),
            ("bytes=100-", 100, len(DATA) - 1),  # open-ended
            ("bytes=-500", len(DATA) - 500, len(DATA) - 1),  # suffix
            ("bytes=-99999", 0, len(DATA) - 1),  # a suffix longer than the file: all of it
            ("bytes=10000-99999", 10000, len(DATA) - 1),  # an end past the end is clamped
            (f"bytes={len(DATA) - 1}-", len(DATA) - 1, len(DATA) - 1),
            ("bytes = 5 - 9", 5, 9),
        ],
    )
    def test_single_ranges(self, client: Client, file: str, header: str, start: int, end: int) -> None:
        response = client.get(file, HTTP_RANGE=header)
        assert response.status_code == 206
        assert body(response) == DATA[start : end + 1]
        assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
        assert response["Content-Length"] == str(end - start + 1)

    @pytest.mark.parametrize(
        "header",
        [
            "bytes=99999-",
            f"bytes={len(DATA)}-",
            "bytes=5-2",
            "bytes=abc",
            "bytes=",
            "bytes=-0",
            "bytes=-",
            "bytes=1-2,x",
        ],
    )
    def test_invalid_or_unsatisfiable_ranges_answer_416(self, client: Client, file: str, header: str) -> None:
        response = client.get(file, HTTP_RANGE=header)
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(DATA)}"

    def test_several_ranges_get_the_whole_file(self, client: Client, file: str) -> None:
        response = client.get(file, HTTP_RANGE="bytes=0-9,20-29")
        assert response.status_code == 200 and body(response) == DATA

    def test_another_unit_is_ignored(self, client: Client, file: str) -> None:
        response = client.get(file, HTTP_RANGE="items=0-9")
        assert response.status_code == 200 and body(response) == DATA

    def test_if_range(self, client: Client, file: str) -> None:
        etag = client.head(file)["ETag"]
        assert client.get(file, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag).status_code == 206
        stale = client.get(file, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"')
        assert stale.status_code == 200 and body(stale) == DATA
        modified = client.head(file)["Last-Modified"]
        assert client.get(file, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=modified).status_code == 206
        assert client.get(file, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=http_date(0)).status_code == 200

    def test_an_empty_file(self, media: HybridStorage, client: Client) -> None:
        save_local(media, "empty.txt", b"")
        assert client.get("/media/empty.txt").status_code == 200
        response = client.get("/media/empty.txt", HTTP_RANGE="bytes=0-")
        assert response.status_code == 416 and response["Content-Range"] == "bytes */0"


class TestBadNames:
    @pytest.mark.parametrize(
        "path",
        [
            "/media/../settings.py",
            "/media/%2e%2e/secret.txt",
            "/media/a/../../secret.txt",
            "/media//etc/passwd",
            "/media/%2Fetc%2Fpasswd",
            "/media/a%00b.txt",
            "/media/a%0ab.txt",
            "/media/..%5csecret.txt",
            "/media/.hybridmedia-whiteouts/.wh.a.txt",
            "/media/./.hybridmedia-whiteouts/.wh.a.txt",
            "/media/docs/",
            "/media/docs",
        ],
    )
    def test_never_served(
        self, media: HybridStorage, local_root: Path, production: s3.Bucket, client: Client, path: str
    ) -> None:
        (local_root.parent / "secret.txt").write_text("outside the media root")
        (local_root / "docs").mkdir()
        production.put("a.txt")
        media.delete("a.txt")  # writes the whiteout marker
        assert (local_root / ".hybridmedia-whiteouts" / ".wh.a.txt").exists()
        response = client.get(path)
        assert response.status_code == 404
        assert b"outside" not in body(response)

    def test_a_whited_out_name_is_404(self, media: HybridStorage, production: s3.Bucket, client: Client) -> None:
        production.put("photos/1.jpg")
        media.delete("photos/1.jpg")
        response = client.get("/media/photos/1.jpg")
        assert response.status_code == 404 and response["Cache-Control"] == "no-store"
        media.restore("photos/1.jpg")
        assert client.get("/media/photos/1.jpg").status_code == 302


class TestLowerLayers:
    def test_a_public_production_file_is_redirected_to(
        self, media: HybridStorage, production: s3.Bucket, client: Client, s3_requests: list[Any]
    ) -> None:
        production.put("photos/1.jpg", b"production bytes")
        s3_requests.clear()  # the seeding
        response = client.get("/media/photos/1.jpg")
        assert response.status_code == 302
        assert response["Location"] == media.url("photos/1.jpg")
        assert response["Location"].startswith(production.endpoint_url)
        assert response["X-Hybridmedia-Layer"] == "production"
        assert [method for method, _ in s3_requests] == ["HEAD"]  # the probe: no GET
        client.get("/media/photos/1.jpg")
        assert len(s3_requests) == 1  # the origin cache answers the second time

    def test_a_local_copy_wins_over_production(
        self, media: HybridStorage, production: s3.Bucket, client: Client
    ) -> None:
        production.put("photos/1.jpg", b"production bytes")
        save_local(media, "photos/1.jpg", b"local edit")
        response = client.get("/media/photos/1.jpg")
        assert response.status_code == 200 and body(response) == b"local edit"
        assert response["X-Hybridmedia-Layer"] == "local"

    @pytest.mark.parametrize("serve", ["proxy"])
    def test_a_proxied_file_is_streamed(
        self, media: HybridStorage, production: s3.Bucket, client: Client, s3_requests: list[Any]
    ) -> None:
        production.put("photos/1.jpg", DATA)
        s3_requests.clear()  # the seeding
        response = client.get("/media/photos/1.jpg")
        assert response.status_code == 200 and response.streaming
        assert body(response) == DATA
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Length"] == str(len(DATA))
        assert response["X-Hybridmedia-Layer"] == "production"
        # The S3 ETag is the content's MD5: the same validator whichever layer serves the bytes.
        assert response["ETag"] == production.seeded["photos/1.jpg"]
        assert [method for method, _ in s3_requests] == ["HEAD", "GET"]
        assert client.get("/media/photos/1.jpg", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
        assert client.head("/media/photos/1.jpg").status_code == 200
        assert [method for method, _ in s3_requests] == ["HEAD", "GET"]  # 304 and HEAD: no request at all

    def test_a_local_copy_costs_no_request_to_production(
        self, media: HybridStorage, production: s3.Bucket, client: Client, s3_requests: list[Any]
    ) -> None:
        # As a read does, the view stops at the serving copy: production is not asked about it.
        production.put("photos/1.jpg", b"production bytes")
        save_local(media, "photos/1.jpg", b"local edit")
        s3_requests.clear()
        assert body(client.get("/media/photos/1.jpg")) == b"local edit"
        assert s3_requests == []

    @pytest.mark.parametrize("serve", ["proxy"])
    def test_a_proxied_layer_s_url_leads_to_the_view(
        self, media: HybridStorage, production: s3.Bucket, client: Client, settings: Any
    ) -> None:
        # A page links to MEDIA_URL, so a browser that cannot reach the layer still shows its files.
        production.put("photos/a b.jpg", DATA)
        assert media.url("photos/a b.jpg") == "/media/photos/a%20b.jpg"
        assert media.url_with_layer("photos/a b.jpg")[1].name == "production"
        assert body(client.get(media.url("photos/a b.jpg"))) == DATA

    @pytest.mark.parametrize("serve", ["proxy"])
    def test_a_proxied_range_asks_s3_for_that_range_only(
        self, media: HybridStorage, production: s3.Bucket, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        big = os.urandom(3 * 1024 * 1024)
        production.put("video.mp4", big)
        received = count_s3_bytes(monkeypatch)
        response = client.get("/media/video.mp4", HTTP_RANGE="bytes=-1000")
        assert response.status_code == 206 and body(response) == big[-1000:]
        assert response["Content-Range"] == f"bytes {len(big) - 1000}-{len(big) - 1}/{len(big)}"
        assert received == [1000]
        middle = client.get("/media/video.mp4", HTTP_RANGE="bytes=1000000-1999999")
        assert body(middle) == big[1000000:2000000]
        assert sum(received) == 1000 + 1000000

    def test_a_signed_bucket_is_proxied_by_default(
        self, settings: Any, local_config: dict[str, Any], production: s3.Bucket, client: Client
    ) -> None:
        from hybridmedia import get_hybrid_storage
        from tests.views.conftest import storages

        settings.STORAGES = storages(local_config, production)
        settings.STORAGES["production"] = production.config(querystring_auth=True)
        settings.ROOT_URLCONF = "tests.views.urls"
        production.put("private.jpg", b"private bytes")
        assert "Signature=" in get_hybrid_storage().url("private.jpg")
        response = client.get("/media/private.jpg")
        assert response.status_code == 200 and body(response) == b"private bytes"

    @pytest.mark.parametrize("serve", ["redirect"])
    def test_redirect_can_be_forced(self, media: HybridStorage, production: s3.Bucket, client: Client) -> None:
        production.put("a.jpg")
        assert client.get("/media/a.jpg").status_code == 302

    def test_a_filesystem_lower_layer_is_served_from_disk(
        self, settings: Any, local_config: dict[str, Any], tmp_path: Path, client: Client
    ) -> None:
        shared = tmp_path / "shared"
        (shared / "photos").mkdir(parents=True)
        (shared / "photos" / "1.jpg").write_bytes(DATA)
        settings.STORAGES = {
            "default": {"BACKEND": "hybridmedia.storage.HybridStorage", "OPTIONS": {"layers": ["local", "shared"]}},
            "local": local_config,
            "shared": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(shared), "base_url": "/shared/"},
            },
        }
        settings.ROOT_URLCONF = "tests.views.urls"
        response = client.get("/media/photos/1.jpg")
        assert response.status_code == 200 and body(response) == DATA
        assert response["X-Hybridmedia-Layer"] == "shared"
        assert body(client.get("/media/photos/1.jpg", HTTP_RANGE="bytes=-10")) == DATA[-10:]

    def test_a_missing_name_is_a_plain_404(self, media: HybridStorage, client: Client) -> None:
        response = client.get("/media/photos/missing.jpg")
        assert response.status_code == 404
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response["Cache-Control"] == "no-store"
        assert b"Traceback" not in response.content

    def test_another_alias(
        self, settings: Any, media: HybridStorage, local_config: dict[str, Any], production: s3.Bucket, client: Client
    ) -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "staging_hybrid": {
                "BACKEND": "hybridmedia.storage.HybridStorage",
                "OPTIONS": {"layers": [{"name": "production", "storage": "production", "serve": "proxy"}]},
            },
        }
        production.put("a.txt", b"through another hybrid")
        assert body(client.get("/staging-media/a.txt")) == b"through another hybrid"


def count_s3_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the bytes of every body read from the S3 server: as the view relays it, or as read."""
    import botocore.response

    from hybridmedia.storage.backends.s3 import RelayedBody

    received: list[int] = []

    def counting(original: Any) -> Any:
        def read(self: Any, amt: int | None = None) -> bytes:
            chunk: bytes = original(self, amt)
            if chunk:
                if getattr(self, "_hybridmedia_counted", False):
                    received[-1] += len(chunk)
                else:
                    self._hybridmedia_counted = True
                    received.append(len(chunk))
            return chunk

        return read

    monkeypatch.setattr(botocore.response.StreamingBody, "read", counting(botocore.response.StreamingBody.read))
    monkeypatch.setattr(RelayedBody, "read1", counting(RelayedBody.read1))
    return received
