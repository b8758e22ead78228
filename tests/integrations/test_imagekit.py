"""django-imagekit: spec images of production originals, generated into the top layer under imagekit's names."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import caches
from PIL import Image

from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.integrations.helpers import gets, jpeg, stamp, top_files
from tests.integrations.models import KitPhoto
from tests.s3 import Bucket

pytestmark = pytest.mark.django_db

ORIGINAL = "kit/house.jpg"


@pytest.fixture
def photo(media: HybridStorage, production: Bucket) -> KitPhoto:
    """A row that names a production original, as in a copy of production's database."""
    production.put(ORIGINAL, jpeg())
    return KitPhoto.objects.create(image=ORIGINAL)


def fresh(photo: KitPhoto) -> KitPhoto:
    return KitPhoto.objects.get(pk=photo.pk)


def test_spec_image_is_generated_from_production_into_the_top_layer(
    photo: KitPhoto, media: HybridStorage, local: Path
) -> None:
    url = photo.thumbnail.url  # imagekit's JustInTime strategy generates it when its URL is asked

    name = photo.thumbnail.name
    assert name.startswith("CACHE/images/kit/house/")
    assert url == f"/media/{name}"
    assert top_files(local) == {name}
    assert Image.open(local / name).size == (40, 30)


def test_an_existing_spec_image_is_served_without_regenerating(
    photo: KitPhoto, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    photo.thumbnail.generate()  # what asking for its URL does, under the JustInTime strategy
    name = photo.thumbnail.name
    before = stamp(local, name)
    s3_requests.clear()

    assert fresh(photo).thumbnail.url == f"/media/{name}"
    assert stamp(local, name) == before
    assert s3_requests == []  # imagekit's cache knows it exists; the hybrid is not even asked


def test_a_spec_image_production_already_has_is_served_from_production(
    photo: KitPhoto, media: HybridStorage, production: Bucket, local: Path
) -> None:
    name = photo.thumbnail.name  # computed from the source's name, nothing generated yet
    production.put(name, jpeg(40, 30))

    url = photo.thumbnail.url

    assert url.startswith(production.endpoint_url)
    assert top_files(local) == set()


def test_a_spec_image_whited_out_is_generated_again_under_the_same_name(
    photo: KitPhoto, media: HybridStorage, production: Bucket, local: Path
) -> None:
    name = photo.thumbnail.name
    production.put(name, jpeg(40, 30))
    media.delete(name)  # e.g. the media browser's "delete": production's copy is hidden

    assert fresh(photo).thumbnail.url == f"/media/{name}"
    assert top_files(local) == {name}  # not a renamed copy that imagekit would ignore
    assert list(media.whiteouts()) == []


def test_after_purge_local_media_imagekit_s_cache_needs_clearing(
    photo: KitPhoto, media: HybridStorage, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    photo.thumbnail.generate()  # what asking for its URL does, under the JustInTime strategy
    name = photo.thumbnail.name

    run("purge_local_media", "--noinput")

    # imagekit remembers "exists" in its cache (IMAGEKIT_CACHE_BACKEND): the spec image is not remade.
    assert fresh(photo).thumbnail.url.endswith(name)
    assert not media.exists(name)

    caches["default"].clear()  # imagekit's cache; or wait IMAGEKIT_CACHE_TIMEOUT
    s3_requests.clear()

    assert fresh(photo).thumbnail.url == f"/media/{name}"
    assert top_files(local) == {name}
    assert len(gets(s3_requests)) == 1  # the original, read once
