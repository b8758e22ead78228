"""django-filer: its file manager over a hybrid as its public storage (tests/settings.py, FILER_STORAGES)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from filer.models import File, Image

from hybridmedia.storage import HybridStorage
from tests.integrations.helpers import gets, jpeg, stamp, top_files
from tests.s3 import Bucket

pytestmark = pytest.mark.django_db

ORIGINAL = "filer_public/4f/2a/house.jpg"
ICON = 120  # the upload widget's thumbnail size (FILER_THUMBNAIL_ICON_SIZE, one of DEFERRED_THUMBNAIL_SIZES)


@pytest.fixture
def image(media: HybridStorage, production: Bucket) -> Image:
    """A filer image whose file is in production, as in a copy of production's database."""
    production.put(ORIGINAL, jpeg())
    return Image.objects.create(original_filename="house.jpg", file=ORIGINAL)  # its size read via the hybrid


def icon(client: Any, image: Image) -> str:
    """Ask filer's admin for the image's thumbnail, as its folder view does; return where it redirects."""
    response = client.get(reverse("admin:filer_image_fileicon", args=(image.pk, ICON)))
    assert response.status_code == 302
    return str(response["Location"])


def test_a_production_image_s_thumbnail_is_made_in_the_top_layer(
    admin_client: Any, image: Image, media: HybridStorage, local: Path
) -> None:
    assert (image.width, image.height) == (120, 90)

    url = icon(admin_client, image)

    (name,) = top_files(local)
    assert name.startswith("filer_public_thumbnails/filer_public/4f/2a/house.jpg__120x120")
    assert url == f"/media/{name}"


def test_the_thumbnail_is_served_afterwards_without_being_made_again(
    admin_client: Any, image: Image, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    icon(admin_client, image)
    (name,) = top_files(local)
    before = stamp(local, name)
    s3_requests.clear()

    assert icon(admin_client, image) == f"/media/{name}"
    assert stamp(local, name) == before
    assert gets(s3_requests) == []  # the original is not read again


def test_an_upload_through_filer_s_file_manager_goes_to_the_top_layer(
    admin_client: Any, media: HybridStorage, local: Path
) -> None:
    upload = SimpleUploadedFile("garden.jpg", jpeg(color="olive"), content_type="image/jpeg")

    response = admin_client.post(reverse("admin:filer-ajax_upload"), {"file": upload})

    assert response.status_code == 200, response.content
    uploaded = File.objects.get(pk=response.json()["file_id"])
    assert top_files(local) == {uploaded.file.name}
    assert uploaded.file.name.startswith("filer_public/") and uploaded.file.name.endswith("garden.jpg")
    assert media.origin(uploaded.file.name) is media.top


def test_deleting_a_production_image_whites_it_out_and_removes_its_thumbnails(
    admin_client: Any, image: Image, media: HybridStorage, local: Path
) -> None:
    icon(admin_client, image)

    response = admin_client.post(reverse("admin:filer_image_delete", args=(image.pk,)), {"post": "yes"}, follow=False)

    assert response.status_code == 302
    assert not File.objects.filter(pk=image.pk).exists()
    assert top_files(local) == set()
    assert list(media.whiteouts()) == [ORIGINAL]
