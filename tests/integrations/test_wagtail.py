"""Wagtail images and documents: renditions of production originals, deleting images, clearing renditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.models import Filter

from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.integrations.helpers import jpeg, stamp, top_files
from tests.s3 import Bucket

pytestmark = pytest.mark.django_db

ORIGINAL = "original_images/house.jpg"
SPEC = "fill-40x30"


@pytest.fixture
def image(media: HybridStorage, production: Bucket) -> Any:
    """An image row that names a production original, as in a copy of production's database."""
    production.put(ORIGINAL, jpeg())
    return get_image_model().objects.create(title="House", file=ORIGINAL, width=120, height=90)


def fresh(image: Any) -> Any:
    return get_image_model().objects.get(pk=image.pk)


def test_rendition_is_generated_from_production_into_the_top_layer(
    image: Any, media: HybridStorage, local: Path
) -> None:
    rendition = image.get_rendition(SPEC)

    name = rendition.file.name
    assert name.startswith("images/house.") and name.endswith(".fill-40x30.jpg")
    assert top_files(local) == {name}
    assert PILImage.open(local / name).size == (40, 30)
    assert rendition.url == f"/media/{name}"


def test_an_existing_rendition_is_served_without_regenerating(
    image: Any, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    name = image.get_rendition(SPEC).file.name
    before = stamp(local, name)
    s3_requests.clear()

    assert fresh(image).get_rendition(SPEC).url == f"/media/{name}"
    assert stamp(local, name) == before
    assert s3_requests == []


def production_rendition(image: Any, production: Bucket) -> Any:
    """A rendition production made, with its row, as in a copy of production's database."""
    name = "images/house.prod.fill-40x30.jpg"
    production.put(name, jpeg(40, 30))
    key = Filter(SPEC).get_cache_key(image)
    return image.renditions.create(filter_spec=SPEC, focal_point_key=key, file=name, width=40, height=30)


def test_a_rendition_production_made_is_served_from_production(
    image: Any, media: HybridStorage, production: Bucket, local: Path
) -> None:
    made = production_rendition(image, production)

    rendition = fresh(image).get_rendition(SPEC)

    assert rendition.pk == made.pk
    assert rendition.url.startswith(production.endpoint_url)
    assert top_files(local) == set()


def test_deleting_an_image_whites_out_its_original_and_removes_local_renditions(
    image: Any, media: HybridStorage, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    image.get_rendition(SPEC)
    image.get_rendition("width-20")

    with django_capture_on_commit_callbacks(execute=True):
        fresh(image).delete()

    # Wagtail deletes files in a task that rebuilds the storage from its deconstruct(): a hybrid
    # configured by STORAGES aliases rebuilds the same layers.
    assert top_files(local) == set()
    assert list(media.whiteouts()) == [ORIGINAL]
    assert not media.exists(ORIGINAL)


def test_purging_renditions_whites_out_production_s_and_removes_local_ones(
    image: Any, media: HybridStorage, production: Bucket, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    made = production_rendition(image, production)
    local_one = fresh(image).get_rendition("width-20").file.name

    with django_capture_on_commit_callbacks(execute=True):
        run("wagtail_update_image_renditions", "--purge-only")

    assert image.renditions.count() == 0
    assert top_files(local) == set()
    assert list(media.whiteouts()) == [made.file.name]
    assert not media.exists(local_one)
    assert media.exists(ORIGINAL)


def test_regenerating_renditions_leaves_one_file_per_rendition(
    image: Any, media: HybridStorage, production: Bucket, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    made = production_rendition(image, production)

    with django_capture_on_commit_callbacks(execute=True):
        run("wagtail_update_image_renditions")

    # The command makes the new rendition before the old one's file is deleted (on commit), so the
    # new one takes another name; then the old name is whited out. No file is left without a row.
    (rendition,) = image.renditions.all()
    assert top_files(local) == {rendition.file.name}
    assert list(media.whiteouts()) == [made.file.name]
    assert PILImage.open(local / rendition.file.name).size == (40, 30)


def test_deleting_a_document_whites_out_its_production_file(
    media: HybridStorage, production: Bucket, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    production.put("documents/terms.pdf", b"%PDF production")
    document = get_document_model().objects.create(title="Terms", file="documents/terms.pdf")
    assert document.get_file_size() == len(b"%PDF production")  # read through the hybrid

    with django_capture_on_commit_callbacks(execute=True):
        document.delete()

    assert list(media.whiteouts()) == ["documents/terms.pdf"]
    assert top_files(local) == set()


def test_after_purge_local_media_renditions_are_remade_once_their_rows_are_purged(
    image: Any, media: HybridStorage, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    name = image.get_rendition(SPEC).file.name

    run("purge_local_media", "--noinput")

    # Wagtail trusts its rendition rows: the purged file is not made again.
    assert fresh(image).get_rendition(SPEC).file.name == name
    assert not media.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        run("wagtail_update_image_renditions", "--purge-only")

    remade = fresh(image).get_rendition(SPEC)
    assert top_files(local) == {remade.file.name}
    assert list(media.whiteouts()) == []  # the purged name is missing everywhere: nothing to hide
