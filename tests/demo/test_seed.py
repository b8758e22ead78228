"""The demo's seed data and embedded S3 server: real Pillow photos, a real bucket, idempotent seeding."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import FileSystemStorage
from PIL import Image

from demo_project.embedded_s3 import EmbeddedS3
from demo_project.homes import seed
from demo_project.homes.models import Home
from demo_project.homes.photos import render_photo
from hybridmedia.storage import HybridStorage
from tests import s3


def test_catalogue_has_two_dozen_varied_homes_under_homes() -> None:
    assert 20 <= len(seed.HOMES) <= 30
    keys = [home.key for home in seed.HOMES]
    assert len(set(keys)) == len(keys)
    assert all(key.startswith("homes/") for key in keys)
    assert len({(home.name, home.city) for home in seed.HOMES}) == len(seed.HOMES)
    assert len({home.size for home in seed.HOMES}) > 10
    assert len({home.wall for home in seed.HOMES}) > 10
    assert {home.format for home in seed.HOMES} == {"JPEG", "PNG"}


@pytest.mark.parametrize("home", [seed.HOMES[0], seed.HOMES[5]], ids=lambda home: home.key)
def test_photos_are_real_images_of_the_catalogued_size_and_format(home: Any) -> None:
    data = render_photo(home)
    image = Image.open(io.BytesIO(data))
    assert image.size == home.size
    assert image.format == home.format
    assert render_photo(home) == data, "the same home must always get the same photo"
    assert render_photo(home, banner="LOCAL EDIT") != data


def test_seed_production_uploads_every_photo_and_reseeding_changes_nothing(production: s3.Bucket) -> None:
    keys = seed.seed_production(production.put)
    assert sorted(keys) == sorted(home.key for home in seed.HOMES)
    first = dict(production.seeded)
    seed.seed_production(production.put)
    assert production.seeded == first
    assert production.get(seed.HOMES[3].key) == render_photo(seed.HOMES[3])


@pytest.mark.django_db
def test_seed_homes_is_idempotent() -> None:
    assert seed.seed_homes() == len(seed.HOMES)
    assert seed.seed_homes() == 0
    assert Home.objects.count() == len(seed.HOMES)
    rows = {home.photo.name for home in Home.objects.all()}
    assert rows == {home.key for home in seed.HOMES}
    newest = Home.objects.first()
    assert newest is not None and newest.name == seed.HOMES[0].name


@pytest.mark.django_db
def test_seed_homes_keeps_rows_edited_in_the_admin() -> None:
    seed.seed_homes()
    Home.objects.filter(name=seed.HOMES[1].name).update(photo="homes/uploads/new.jpg")
    assert seed.seed_homes() == 0
    assert Home.objects.get(name=seed.HOMES[1].name).photo.name == "homes/uploads/new.jpg"


def test_local_shadow_is_written_once_and_shadows_production(
    production: s3.Bucket, local_config: dict[str, Any]
) -> None:
    seed.seed_production(production.put)
    hybrid = HybridStorage(
        layers=[
            {"name": "local", "storage": local_config},
            {"name": "production", "storage": production.config()},
        ]
    )
    local = hybrid.top.storage
    assert seed.seed_local_shadow(local) is True
    written = local.open(seed.SHADOWED.key).read()
    assert seed.seed_local_shadow(local) is False
    assert local.open(seed.SHADOWED.key).read() == written
    assert hybrid.is_shadowed(seed.SHADOWED.key)
    assert list(hybrid.shadowed()) == [seed.SHADOWED.key]
    assert hybrid.open(seed.SHADOWED.key).read() == written != production.get(seed.SHADOWED.key)


def test_local_shadow_refuses_to_write_under_another_name(tmp_path: Any) -> None:
    class RenamingStorage(FileSystemStorage):
        # As if another process had just written the name: save() picks an alternative.
        def get_available_name(self, name: str, max_length: int | None = None) -> str:
            return name.replace(".jpg", "_1.jpg")

    with pytest.raises(RuntimeError, match="stored the shadow as 'homes/amsterdam/canal-house_1.jpg'"):
        seed.seed_local_shadow(RenamingStorage(location=str(tmp_path)))


@pytest.mark.django_db
def test_ensure_superuser_creates_once_and_keeps_the_printed_login_true(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # Fast, tests only.
    assert seed.ensure_superuser("admin", "admin") is True
    assert seed.ensure_superuser("admin", "admin") is False
    user = User.objects.get(username="admin")
    assert user.check_password("admin") and user.is_superuser and user.is_staff
    user.set_password("changed")
    user.is_superuser = False
    user.save()
    assert seed.ensure_superuser("admin", "admin") is False
    user.refresh_from_db()
    assert user.check_password("admin") and user.is_superuser


def test_embedded_s3_serves_public_photos_and_stops() -> None:
    server = EmbeddedS3().start()
    bucket = f"demo-{uuid.uuid4().hex[:12]}"
    try:
        writer = server.create_bucket(bucket)
        writer.put("homes/a.jpg", b"jpeg bytes")
        writer.put("homes/b.png", b"png bytes")
        writer.put("homes/notes", b"no extension")
        # An unsigned GET, as the browser sends for an <img>: the bucket policy allows it.
        with urllib.request.urlopen(f"{server.url}/{bucket}/homes/a.jpg") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "image/jpeg"
            assert response.read() == b"jpeg bytes"
        with urllib.request.urlopen(f"{server.url}/{bucket}/homes/b.png") as response:
            assert response.headers["Content-Type"] == "image/png"
        with urllib.request.urlopen(f"{server.url}/{bucket}/homes/notes") as response:
            assert response.headers["Content-Type"] == "application/octet-stream"
    finally:
        server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{server.url}/{bucket}/homes/a.jpg", timeout=5)
