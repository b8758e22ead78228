"""django-versatileimagefield: sized images of production originals, created in the top layer on demand."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.integrations.helpers import gets, jpeg, stamp, top_files
from tests.integrations.models import VersatilePhoto
from tests.s3 import Bucket

pytestmark = pytest.mark.django_db

ORIGINAL = "versatile/house.jpg"
SIZED = "__sized__/versatile/house-thumbnail-40x30-70.jpg"  # versatileimagefield's name for thumbnail["40x30"]


@pytest.fixture
def photo(media: HybridStorage, production: Bucket) -> VersatilePhoto:
    """A row that names a production original, as in a copy of production's database."""
    production.put(ORIGINAL, jpeg())
    return VersatilePhoto.objects.create(image=ORIGINAL)


def fresh(photo: VersatilePhoto) -> VersatilePhoto:
    return VersatilePhoto.objects.get(pk=photo.pk)


def test_sized_image_is_created_from_production_into_the_top_layer(
    photo: VersatilePhoto, media: HybridStorage, local: Path
) -> None:
    sized = photo.image.thumbnail["40x30"]

    assert sized.name == SIZED
    assert sized.url == f"/media/{SIZED}"
    assert top_files(local) == {SIZED}
    assert Image.open(local / SIZED).size == (40, 30)


def test_an_existing_sized_image_is_served_without_recreating(
    photo: VersatilePhoto, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    photo.image.thumbnail["40x30"]
    before = stamp(local, SIZED)
    s3_requests.clear()

    assert fresh(photo).image.thumbnail["40x30"].url == f"/media/{SIZED}"
    assert stamp(local, SIZED) == before
    assert s3_requests == []


def test_a_sized_image_production_already_has_is_served_from_production(
    photo: VersatilePhoto, media: HybridStorage, production: Bucket, local: Path
) -> None:
    production.put(SIZED, jpeg(40, 30))

    sized = photo.image.thumbnail["40x30"]

    assert sized.url.startswith(production.endpoint_url)
    assert top_files(local) == set()


def test_delete_sized_images_whites_out_production_s_and_removes_local_ones(
    photo: VersatilePhoto, media: HybridStorage, production: Bucket, local: Path
) -> None:
    production.put(SIZED, jpeg(40, 30))
    photo.image.thumbnail["80x60"]  # made here, in the top layer
    made_here = "__sized__/versatile/house-thumbnail-80x60-70.jpg"
    assert top_files(local) == {made_here}

    photo.image.delete_sized_images()  # lists __sized__/versatile/ through the hybrid: both layers

    assert top_files(local) == set()
    assert list(media.whiteouts()) == [SIZED]
    assert media.exists(ORIGINAL)
    # Asked again, each is created again under versatileimagefield's own name.
    assert fresh(photo).image.thumbnail["40x30"].url == f"/media/{SIZED}"
    assert top_files(local) == {SIZED}
    assert list(media.whiteouts()) == []


def test_deleting_the_image_and_its_renditions_keeps_production(
    photo: VersatilePhoto, media: HybridStorage, local: Path
) -> None:
    photo.image.thumbnail["40x30"]

    photo.image.delete_all_created_images()
    photo.image.delete(save=False)

    assert top_files(local) == set()
    assert list(media.whiteouts()) == [ORIGINAL]


def test_a_purged_sized_image_is_created_again(
    photo: VersatilePhoto, media: HybridStorage, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    photo.image.thumbnail["40x30"]

    run("purge_local_media", "--noinput")
    s3_requests.clear()

    # versatileimagefield's cache is keyed by URL: once purged, the name's URL is production's, which
    # its cache does not know, so it checks the storage and creates the image again.
    assert fresh(photo).image.thumbnail["40x30"].url == f"/media/{SIZED}"
    assert top_files(local) == {SIZED}
    assert len(gets(s3_requests)) == 1  # the original, read once
