"""The demo's public page and admin through Django's test client, over a real (moto) S3 production layer."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from demo_project.homes import seed
from demo_project.homes.models import Home
from demo_project.homes.photos import render_photo
from demo_project.homes.views import serving_layer
from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests import s3

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any, production: s3.Bucket, local_config: dict[str, Any]) -> s3.Bucket:
    """The demo's state after ``python -m demo_project``: seeded production, rows, one shadowing file."""
    settings.ROOT_URLCONF = "demo_project.urls"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [ROOT / "templates"]}]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "production"]},
        },
        "local": local_config,
        "production": production.config(),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    seed.seed_production(production.put)
    seed.seed_homes()
    seed.seed_local_shadow(get_hybrid_storage().top.storage)
    return production


def image_sources(html: str) -> dict[str, str]:
    """Return ``{alt: src}`` of the page's images."""
    return {alt: src for src, alt in re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)}


def test_page_lists_every_home_with_its_photo_and_layer(client: Client, demo: s3.Bucket) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = image_sources(html.replace("&#x27;", "'"))
    assert set(sources) == {home.name for home in seed.HOMES}
    for home in seed.HOMES:
        assert home.city in html
        if home is seed.SHADOWED:
            assert sources[home.name] == f"/media/{home.key}"
        else:
            assert sources[home.name] == f"{demo.endpoint_url}/{demo.name}/{home.key}"
    assert html.count('<span class="badge production"') == len(seed.HOMES) - 1 + 1  # + the legend
    assert html.count('<span class="badge local"') == 1 + 1
    assert html.count("Local copy shadows the production file") == 1


def test_every_photo_on_the_page_exists_where_its_url_points(client: Client, demo: s3.Bucket) -> None:
    html = client.get("/").content.decode().replace("&#x27;", "'")
    hybrid = get_hybrid_storage()
    for alt, src in image_sources(html).items():
        home = next(home for home in seed.HOMES if home.name == alt)
        if src.startswith("/media/"):
            data = hybrid.top.storage.open(src.removeprefix("/media/")).read()
            assert data == render_photo(home, banner=seed.SHADOW_BANNER)
        else:
            data = demo.get(src.removeprefix(f"{demo.endpoint_url}/{demo.name}/"))
            assert data == render_photo(home)
        assert Image.open(io.BytesIO(data)).size == home.size


def test_page_sends_no_request_for_production_only_photos(
    client: Client, demo: s3.Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    assert client.get("/").status_code == 200
    # Only the local file is checked against production (is it a shadow?); 23 photos cost nothing.
    assert s3_requests
    assert all(seed.SHADOWED.key in url for _, url in s3_requests), s3_requests


def test_page_says_when_no_layer_holds_a_photo(client: Client, demo: s3.Bucket) -> None:
    home = Home.objects.get(name=seed.HOMES[2].name)
    default_storage.delete(str(home.photo.name))  # A whiteout in the local layer; production untouched.
    html = client.get("/").content.decode()
    assert html.count("not in any layer") == 1


def test_page_without_a_hybrid_storage_still_renders(client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "demo_project.urls"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [ROOT / "templates"]}]
    Home.objects.create(name="Plain", city="Nowhere", photo="homes/plain.jpg")
    html = client.get("/").content.decode()
    assert "Plain" in html and 'class="badge' not in html


def test_empty_page_points_to_the_admin(client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "demo_project.urls"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [ROOT / "templates"]}]
    html = client.get("/").content.decode()
    assert "No homes yet" in html and 'href="/admin/homes/home/add/"' in html


def test_serving_layer_follows_the_middle_layers(
    make_bucket: Any, local_config: dict[str, Any], production: s3.Bucket
) -> None:
    staging = make_bucket()
    staging.put("homes/staged.jpg")
    production.put("homes/staged.jpg")
    production.put("homes/prod.jpg")
    hybrid = HybridStorage(
        layers=[
            {"name": "local", "storage": local_config},
            {"name": "staging", "storage": staging.config()},
            {"name": "production", "storage": production.config()},
        ]
    )
    staged_url = hybrid.layer("staging").storage.url("homes/staged.jpg")
    assert serving_layer(hybrid, "homes/staged.jpg") == (staged_url, "staging", False)
    prod_url = hybrid.layer("production").storage.url("homes/prod.jpg")
    assert serving_layer(hybrid, "homes/prod.jpg") == (prod_url, "production", False)
    hybrid.delete("homes/prod.jpg")
    assert serving_layer(hybrid, "homes/prod.jpg") == (hybrid.url("homes/prod.jpg"), None, False)
    assert hybrid.url("homes/prod.jpg").startswith(hybrid.top.storage.url(""))  # the top layer's URL: a 404


def test_admin_change_list_shows_where_each_photo_comes_from(admin_client: Client, demo: s3.Bucket) -> None:
    response = admin_client.get("/admin/homes/home/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-layer="production"') == len(seed.HOMES) - 1
    assert html.count('data-layer="local"') == 1


def test_admin_warns_about_the_shadowed_photo(admin_client: Client, demo: s3.Bucket) -> None:
    home = Home.objects.get(name=seed.SHADOWED.name)
    response = admin_client.get(f"/admin/homes/home/{home.pk}/change/")
    assert response.status_code == 200
    assert "is shadowed" in response.content.decode()
    other = Home.objects.get(name=seed.HOMES[1].name)
    assert "is shadowed" not in admin_client.get(f"/admin/homes/home/{other.pk}/change/").content.decode()


def test_admin_upload_is_stored_locally(admin_client: Client, demo: s3.Bucket, local_config: dict[str, Any]) -> None:
    photo = io.BytesIO(render_photo(seed.HOMES[4]))
    photo.name = "new-listing.jpg"
    response = admin_client.post("/admin/homes/home/add/", {"name": "New Listing", "city": "Utrecht", "photo": photo})
    assert response.status_code == 302, response.content.decode()[:2000]
    home = Home.objects.get(name="New Listing")
    assert home.photo.name == "homes/uploads/new-listing.jpg"
    local_file = Path(local_config["OPTIONS"]["location"]) / home.photo.name
    assert local_file.read_bytes() == render_photo(seed.HOMES[4])
    assert get_hybrid_storage().origin(home.photo.name).name == "local"  # type: ignore[union-attr]
    # The production bucket is unchanged: the autouse guard compares it byte for byte after the test.
