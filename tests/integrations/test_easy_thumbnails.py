"""easy-thumbnails: thumbnails of production originals, written to the top layer under easy-thumbnails' names."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.integrations.helpers import gets, jpeg, stamp, top_files
from tests.integrations.models import EasyPhoto
from tests.s3 import Bucket

pytestmark = pytest.mark.django_db

ORIGINAL = "easy/house.jpg"
THUMBNAIL = "easy/house.jpg.40x30_q85.jpg"  # easy-thumbnails' name for {"size": (40, 30)}
SIZE = {"size": (40, 30)}


@pytest.fixture
def photo(media: HybridStorage, production: Bucket) -> EasyPhoto:
    """A row that names a production original, as in a copy of production's database."""
    production.put(ORIGINAL, jpeg())
    return EasyPhoto.objects.create(image=ORIGINAL)


def test_thumbnail_is_generated_from_production_into_the_top_layer(
    photo: EasyPhoto, media: HybridStorage, local: Path
) -> None:
    thumbnail = photo.image.get_thumbnail(SIZE)

    assert thumbnail.name == THUMBNAIL
    assert top_files(local) == {THUMBNAIL}
    assert media.origin(THUMBNAIL) is media.top
    assert Image.open(local / THUMBNAIL).size == (40, 30)
    assert thumbnail.url == f"/media/{THUMBNAIL}"


def test_an_existing_thumbnail_is_served_without_regenerating(
    photo: EasyPhoto, media: HybridStorage, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    photo.image.get_thumbnail(SIZE)
    before = stamp(local, THUMBNAIL)
    s3_requests.clear()

    again = EasyPhoto.objects.get(pk=photo.pk).image.get_thumbnail(SIZE)

    assert again.name == THUMBNAIL
    assert stamp(local, THUMBNAIL) == before
    assert s3_requests == []  # the original's modified time and the thumbnail's come from cache and disk


def test_a_thumbnail_production_already_has_is_served_from_production(
    photo: EasyPhoto, media: HybridStorage, production: Bucket, local: Path
) -> None:
    production.put(THUMBNAIL, jpeg(40, 30))  # made by production's own easy-thumbnails, after the original

    thumbnail = photo.image.get_thumbnail(SIZE)

    assert thumbnail.name == THUMBNAIL
    assert top_files(local) == set()
    assert media.origin(THUMBNAIL) is media.layer("production")
    assert thumbnail.url.startswith(production.endpoint_url)


def test_an_original_changed_locally_replaces_production_s_stale_thumbnail_under_the_same_name(
    photo: EasyPhoto, media: HybridStorage, production: Bucket, local: Path
) -> None:
    production.put(THUMBNAIL, jpeg(40, 30))
    with media.open(ORIGINAL, "wb") as original:  # the environment edits the photo: newer than the thumbnail
        original.write(jpeg(color="tomato"))

    thumbnail = EasyPhoto.objects.get(pk=photo.pk).image.get_thumbnail(SIZE)

    # easy-thumbnails deletes the stale thumbnail, then saves the new one under the same name: the
    # delete whites out production's copy, the save replaces the whiteout and shadows it.
    assert thumbnail.name == THUMBNAIL
    assert top_files(local) == {ORIGINAL, THUMBNAIL}
    assert list(media.whiteouts()) == []
    assert media.is_shadowed(THUMBNAIL)
    assert Image.open(local / THUMBNAIL).getpixel((20, 15))[0] > 200  # tomato, not production's steelblue
    assert production.get(THUMBNAIL) == jpeg(40, 30)


def test_deleting_the_image_removes_local_thumbnails_and_whites_out_the_production_original(
    photo: EasyPhoto, media: HybridStorage, local: Path
) -> None:
    photo.image.get_thumbnail(SIZE)

    photo.image.delete(save=False)  # ThumbnailerFieldFile.delete(): the thumbnails it recorded, then the file

    assert top_files(local) == set()
    assert list(media.whiteouts()) == [ORIGINAL]
    assert not media.exists(ORIGINAL)
    assert not media.exists(THUMBNAIL)


def test_delete_thumbnails_whites_out_a_production_thumbnail_it_recorded(
    photo: EasyPhoto, media: HybridStorage, production: Bucket, local: Path
) -> None:
    production.put(THUMBNAIL, jpeg(40, 30))
    photo.image.get_thumbnail(SIZE)  # served from production, and recorded in easy-thumbnails' tables
    photo.image.get_thumbnail_cache(THUMBNAIL, create=True)

    assert photo.image.delete_thumbnails() == 1

    assert top_files(local) == set()
    assert list(media.whiteouts()) == [THUMBNAIL]
    assert media.exists(ORIGINAL)
    # Asked again, easy-thumbnails regenerates it under its own name, in the top layer.
    assert photo.image.get_thumbnail(SIZE).name == THUMBNAIL
    assert top_files(local) == {THUMBNAIL}
    assert list(media.whiteouts()) == []


def test_a_purged_thumbnail_is_regenerated(
    photo: EasyPhoto, media: HybridStorage, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    photo.image.get_thumbnail(SIZE)

    run("purge_local_media", "--noinput")
    assert top_files(local) == set()
    s3_requests.clear()

    # The hybrid counts as local storage for easy-thumbnails (path() works), so it compares the files'
    # modified times, not its database: a purged thumbnail is missing, and made again.
    assert EasyPhoto.objects.get(pk=photo.pk).image.get_thumbnail(SIZE).name == THUMBNAIL
    assert top_files(local) == {THUMBNAIL}
    assert len(gets(s3_requests)) == 1  # the original, read once
