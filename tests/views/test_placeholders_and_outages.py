"""Missing names and unreachable layers: plain 404/503, or generated placeholders with HYBRIDMEDIA_PLACEHOLDERS."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from botocore.config import Config
from django.test import Client

from hybridmedia import get_hybrid_storage
from hybridmedia.placeholders import size_in_name
from hybridmedia.storage import HybridStorage
from tests import s3
from tests.views.conftest import body, save_local, storages


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def placeholders(settings: Any) -> None:
    settings.HYBRIDMEDIA_PLACEHOLDERS = True


@pytest.fixture
def unreachable(settings: Any, local_config: dict[str, Any], production: s3.Bucket) -> HybridStorage:
    """The hybrid with production on a closed port, failing fast."""
    settings.STORAGES = storages(local_config, production, serve="proxy")
    settings.STORAGES["production"] = production.config(
        endpoint_url="http://127.0.0.1:9",
        client_config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
    )
    settings.ROOT_URLCONF = "tests.views.urls"
    return get_hybrid_storage()


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("photo_200x150.jpg", (200, 150)),
        ("photo-64x64.png", (64, 64)),
        ("photos/photo.jpg.200x150_q85_crop.jpg", (200, 150)),  # easy-thumbnails
        ("photo.200x150_q85.jpg", (200, 150)),
        ("photo.120x90.webp", (120, 90)),
        ("thumbs/1x1.gif", (1, 1)),
        ("photo.jpg", None),
        ("photo_200x.jpg", None),
        ("photo200x150.jpg", None),  # no separator: a name, not a size
        ("photo_0x150.jpg", None),
        ("200x150/photo.jpg", None),  # only the file's own name counts
    ],
)
def test_sizes_in_names(name: str, size: tuple[int, int] | None) -> None:
    assert size_in_name(name) == size


class TestWithoutPlaceholders:
    def test_a_missing_name_is_a_plain_404(self, media: HybridStorage, client: Client) -> None:
        response = client.get("/media/photos/missing_200x150.jpg")
        assert response.status_code == 404 and response["Content-Type"].startswith("text/plain")
        assert response["Cache-Control"] == "no-store"

    def test_an_unreachable_layer_is_a_plain_503(self, unreachable: HybridStorage, client: Client) -> None:
        response = client.get("/media/photos/1.jpg")
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/plain") and b"'production'" in response.content
        assert response["Retry-After"] == "30" and response["Cache-Control"] == "no-store"
        assert b"Traceback" not in response.content

    def test_local_files_keep_working_while_production_is_down(
        self, unreachable: HybridStorage, client: Client
    ) -> None:
        save_local(unreachable, "photos/local.jpg", b"local")
        assert client.get("/media/photos/1.jpg").status_code == 503
        response = client.get("/media/photos/local.jpg")
        assert response.status_code == 200 and body(response) == b"local"

    def test_unavailable_miss_makes_it_a_404(
        self, settings: Any, local_config: dict[str, Any], production: s3.Bucket, client: Client
    ) -> None:
        settings.STORAGES = storages(local_config, production, unavailable="miss")
        settings.STORAGES["production"] = production.config(
            endpoint_url="http://127.0.0.1:9",
            client_config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
        )
        settings.ROOT_URLCONF = "tests.views.urls"
        assert client.get("/media/photos/1.jpg").status_code == 404


@pytest.mark.usefixtures("placeholders")
class TestPlaceholders:
    def test_a_missing_image_gets_an_svg_naming_it(self, media: HybridStorage, client: Client) -> None:
        response = client.get("/media/photos/missing.jpg")
        assert response.status_code == 404
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Cache-Control"] == "no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"photos/missing.jpg" in response.content and b"not in any layer" in response.content

    def test_a_sized_name_gets_a_png_of_that_size(self, media: HybridStorage, client: Client) -> None:
        from PIL import Image

        response = client.get("/media/photos/missing.jpg.200x150_q85.jpg")
        assert response.status_code == 404 and response["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (200, 150)

    def test_without_pillow_a_sized_name_gets_an_svg_of_that_size(
        self, media: HybridStorage, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "PIL", None)  # "import PIL" now fails, as without Pillow
        response = client.get("/media/photos/missing_200x150.jpg")
        assert response.status_code == 404 and response["Content-Type"] == "image/svg+xml"
        assert b'width="200" height="150"' in response.content

    def test_the_name_is_escaped(self, media: HybridStorage, client: Client) -> None:
        response = client.get("/media/%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%26.svg")
        assert response.status_code == 404
        assert b"<script" not in response.content
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;.svg" in response.content
        from xml.etree import ElementTree

        ElementTree.fromstring(response.content)  # well-formed XML
        assert "default-src 'none'" in response["Content-Security-Policy"]

    def test_an_unreachable_layer_gets_a_503_placeholder(self, unreachable: HybridStorage, client: Client) -> None:
        response = client.get("/media/photos/1_100x100.jpg")
        assert response.status_code == 503 and response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "no-store"
        svg = client.get("/media/photos/1.jpg")
        assert svg.status_code == 503 and b"unreachable" in svg.content

    def test_a_whited_out_image_says_so(self, media: HybridStorage, production: s3.Bucket, client: Client) -> None:
        production.put("photos/1.jpg")
        media.delete("photos/1.jpg")
        response = client.get("/media/photos/1.jpg")
        assert response.status_code == 404 and b"deleted in layer" in response.content

    def test_other_names_and_bad_names_get_plain_answers(self, media: HybridStorage, client: Client) -> None:
        assert client.get("/media/missing.pdf")["Content-Type"].startswith("text/plain")
        bad = client.get("/media/..%2fsecret.jpg")
        assert bad.status_code == 404 and bad["Content-Type"].startswith("text/plain")
        assert b"secret" not in bad.content

    def test_huge_sizes_are_not_drawn(self, media: HybridStorage, client: Client) -> None:
        response = client.get("/media/photo_9000x9000.jpg")
        assert response["Content-Type"] == "image/svg+xml" and len(response.content) < 2000
        response = client.get("/media/photo_99999x99999.jpg")
        assert b'width="320" height="240"' in response.content
