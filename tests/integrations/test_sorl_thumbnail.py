"""sorl-thumbnail: thumbnails of production originals, written to the top layer, known to sorl's key-value store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils.functional import empty
from PIL import Image

from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.integrations.helpers import gets, jpeg, stamp, top_files
from tests.integrations.models import SorlPhoto
from tests.s3 import Bucket

pytestmark = pytest.mark.django_db

ORIGINAL = "sorl/house.jpg"


@pytest.fixture
def sorl(media: HybridStorage) -> Iterator[Any]:
    """sorl-thumbnail with its default cached-database key-value store, set up for this test's hybrid."""
    from sorl.thumbnail import default
    from sorl.thumbnail.images import get_or_create_storage

    # sorl keeps its storage and key-value store in lazy objects, and the storage of each alias its
    # store names in an lru_cache, for the life of the process: let them find this test's hybrid.
    def forget() -> None:
        for lazy in (default.storage, default.kvstore):
            lazy._wrapped = empty
        get_or_create_storage.cache_clear()

    forget()
    yield default
    forget()


def thumbnail_command(*args: str) -> None:
    """``manage.py thumbnail ...``: sorl's command, called by its class (tests/integrations/apps.py says why)."""
    from sorl.thumbnail.management.commands.thumbnail import Command

    run(Command(), *args)


@pytest.fixture
def photo(sorl: Any, production: Bucket) -> SorlPhoto:
    """A row that names a production original, as in a copy of production's database."""
    production.put(ORIGINAL, jpeg())
    return SorlPhoto.objects.create(image=ORIGINAL)


def thumbnail_of(photo: SorlPhoto) -> Any:
    from sorl.thumbnail import get_thumbnail

    return get_thumbnail(SorlPhoto.objects.get(pk=photo.pk).image, "40x30", crop="center")


def test_thumbnail_is_generated_from_production_into_the_top_layer(
    photo: SorlPhoto, media: HybridStorage, local: Path
) -> None:
    thumbnail = thumbnail_of(photo)

    assert thumbnail.name.startswith("cache/")
    assert top_files(local) == {thumbnail.name}
    assert Image.open(local / thumbnail.name).size == (40, 30)
    assert thumbnail.url == f"/media/{thumbnail.name}"


def test_an_existing_thumbnail_is_served_from_the_key_value_store(
    photo: SorlPhoto, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    name = thumbnail_of(photo).name
    before = stamp(local, name)
    s3_requests.clear()

    assert thumbnail_of(photo).name == name
    assert stamp(local, name) == before
    assert s3_requests == []


def test_a_thumbnail_a_lower_layer_has_under_sorl_s_name_is_served_from_there(
    photo: SorlPhoto, media: HybridStorage, production: Bucket, local: Path, sorl: Any
) -> None:
    # sorl's name hashes the original's name and the storage's class: a lower layer made through a
    # hybrid too (a staging layer) has the thumbnail under this name; production's own sorl, through
    # S3Storage, under another one (docs/integrations.md).
    name = thumbnail_of(photo).name
    production.put(name, jpeg(40, 30))
    (local / name).unlink()
    sorl.kvstore.clear()

    with media.bypass_cache():  # the hybrid asked production about this name before it had it
        thumbnail = thumbnail_of(photo)

    assert thumbnail.name == name
    assert top_files(local) == set()
    assert media.origin(name) is media.layer("production")


def test_sorl_delete_removes_local_thumbnails_and_whites_out_the_production_original(
    photo: SorlPhoto, media: HybridStorage, local: Path
) -> None:
    from sorl.thumbnail import delete

    name = thumbnail_of(photo).name

    delete(SorlPhoto.objects.get(pk=photo.pk).image)  # the thumbnails it knows, then the original

    assert top_files(local) == set()
    assert list(media.whiteouts()) == [ORIGINAL]
    assert not media.exists(name)


def test_a_model_s_deleted_image_leaves_its_thumbnails_to_thumbnail_cleanup(
    photo: SorlPhoto, media: HybridStorage, local: Path
) -> None:
    name = thumbnail_of(photo).name

    SorlPhoto.objects.get(pk=photo.pk).image.delete()  # sorl 13's ImageField leaves the thumbnails

    assert list(media.whiteouts()) == [ORIGINAL]
    assert top_files(local) == {name}

    thumbnail_command("cleanup")  # the original is gone: its store entries and thumbnails go too

    assert top_files(local) == set()
    assert list(media.whiteouts()) == [ORIGINAL]


def test_thumbnails_of_a_production_thumbnail_deleted_by_sorl_are_whited_out(
    photo: SorlPhoto, media: HybridStorage, production: Bucket, local: Path, sorl: Any
) -> None:
    name = thumbnail_of(photo).name
    production.put(name, jpeg(40, 30))
    (local / name).unlink()

    thumbnail_command("clear_delete_referenced")  # sorl deletes every thumbnail its store names

    assert top_files(local) == set()
    assert list(media.whiteouts()) == [name]
    assert media.exists(ORIGINAL)
    # Asked again, sorl makes it again under its own name, replacing the whiteout.
    assert thumbnail_of(photo).name == name
    assert top_files(local) == {name}
    assert list(media.whiteouts()) == []
    assert media.is_shadowed(name)


def test_after_purge_local_media_sorl_s_store_names_missing_thumbnails_until_thumbnail_cleanup(
    photo: SorlPhoto, media: HybridStorage, local: Path, s3_requests: list[tuple[str, str]]
) -> None:
    name = thumbnail_of(photo).name

    run("purge_local_media", "--noinput")

    # sorl trusts its key-value store: the thumbnail it names is gone, and it is not made again.
    assert thumbnail_of(photo).name == name
    assert not media.exists(name)

    thumbnail_command("cleanup")  # drops what the store says about files that no longer exist
    s3_requests.clear()

    assert thumbnail_of(photo).name == name
    assert top_files(local) == {name}
    assert len(gets(s3_requests)) == 1  # the original, read once
