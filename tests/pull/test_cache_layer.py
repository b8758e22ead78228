"""The cache layer in the model: a pulled copy is production's file, never a local edit or a shadow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.test import Client

from hybridmedia.admin.badges import find_origin
from hybridmedia.describe import find_shadows
from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.pull.helpers import CACHE_LAYER, filesystem
from tests.s3 import Bucket

pytestmark = pytest.mark.every_s3_server

DETAIL = "/admin/hybridmedia/mediafile/file/"
BROWSER = "/admin/hybridmedia/mediafile/"


@pytest.fixture
def pulled_home(storage: HybridStorage, production: Bucket) -> HybridStorage:
    """``homes/1.jpg`` and ``homes/2.jpg`` pulled; ``homes/3.jpg`` only in production."""
    for number in (1, 2, 3):
        production.put(f"homes/{number}.jpg", f"house {number}".encode())
    run("media_pull", "homes", "--exclude", "*3.jpg")
    return storage


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([{**CACHE_LAYER, "name": "p"}, "production"], "is the write \\(first\\) layer"),
        (["local", {**CACHE_LAYER, "name": "p"}], "is the bottom layer"),
        (["local", {**CACHE_LAYER, "name": "p", "role": "mirror"}, "production"], "role='mirror'"),
    ],
)
def test_a_misplaced_or_unknown_role_is_a_configuration_error(layers: list[Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        HybridStorage(layers=[{**layer, "storage": "pulled"} if isinstance(layer, dict) else layer for layer in layers])
    assert getattr(error.value, "check_id", None) == "hybridmedia.E016"


def test_the_check_reports_it(settings: Any, local: Path, pulled: Path, production: Bucket) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": [{"name": "p", "storage": "pulled", "role": "cache"}, "production"]},
        },
        "pulled": filesystem(pulled, "/p/"),
        "production": production.config(),
    }
    with pytest.raises(SystemCheckError, match="hybridmedia.E016"):
        call_command("check")


def test_a_pulled_copy_is_production_pulled_not_a_shadow(pulled_home: HybridStorage) -> None:
    storage = pulled_home
    where = storage.whereabouts("homes/1.jpg")
    assert [copy.layer.name for copy in where.copies] == ["pulled", "production"]
    assert (where.origin.name if where.origin else None, where.pulled_from, where.stale) == (
        "pulled",
        "production",
        False,
    )
    assert not where.shadowed and not storage.is_shadowed("homes/1.jpg")
    assert list(storage.shadowed()) == [] and list(find_shadows(storage)) == []
    assert storage.open("homes/1.jpg").read() == b"house 1"
    assert storage.url("homes/1.jpg") == "/pulled-media/homes/1.jpg"
    # Not pulled: served by production as before, and no "pulled" in the model.
    not_pulled = storage.whereabouts("homes/3.jpg")
    assert (not_pulled.origin.name if not_pulled.origin else None, not_pulled.pulled_from) == ("production", None)
    assert not_pulled.stale is None


def test_a_changed_source_makes_the_copy_stale(pulled_home: HybridStorage, production: Bucket) -> None:
    production.put("homes/1.jpg", b"house 1, renovated")
    assert pulled_home.whereabouts("homes/1.jpg").stale is True
    [report] = json.loads(run("media_origin", "homes/1.jpg", "--json")[0])["names"]
    assert (report["origin"], report["pulled_from"], report["stale"], report["shadowed"]) == (
        "pulled",
        "production",
        True,
        False,
    )
    out, _err = run("media_origin", "homes/1.jpg")
    assert "pulled from 'production', STALE" in out


def test_media_origin_of_a_pulled_copy(pulled_home: HybridStorage) -> None:
    out, _err = run("media_origin", "homes/1.jpg")
    assert out == (
        "Found 'homes/1.jpg' here:\n"
        "  pulled      serves it: pulled from 'production'\n"
        "  production  hidden by the copy in 'pulled'\n"
    )
    # A name not served from a cache layer keeps its JSON document unchanged.
    assert "pulled_from" not in json.loads(run("media_origin", "homes/3.jpg", "--json")[0])["names"][0]


def test_a_local_edit_over_a_pulled_copy_shadows_production(pulled_home: HybridStorage) -> None:
    storage = pulled_home
    with storage.open("homes/1.jpg", "r+b") as file:  # copy-up, then an edit
        file.write(b"H")
    where = storage.whereabouts("homes/1.jpg")
    assert (where.origin.name if where.origin else None, where.shadowed, where.pulled_from) == ("local", True, None)
    assert list(storage.shadowed()) == ["homes/1.jpg"]
    [shadow] = find_shadows(storage)
    assert [(item.copy.layer.name, item.differs) for item in shadow.lower] == [("pulled", True), ("production", True)]


def test_the_app_cannot_write_the_cache_layer(pulled_home: HybridStorage, pulled: Path, local: Path) -> None:
    layer = pulled_home.layer("pulled")
    with pytest.raises(ReadOnlyLayerError):
        layer.storage.save("x.jpg", ContentFile(b"x"))
    with pytest.raises(ReadOnlyLayerError):
        layer.storage.delete("homes/1.jpg")
    # Writes through the hybrid go to the write layer; deleting a pulled name whites it out there.
    pulled_home.delete("homes/1.jpg")
    assert not pulled_home.exists("homes/1.jpg")
    assert (pulled / "homes" / "1.jpg").read_bytes() == b"house 1"
    assert (local / ".hybridmedia-whiteouts" / "homes" / ".wh.1.jpg").exists()


def test_the_records_are_never_listed_nor_served(pulled_home: HybridStorage) -> None:
    storage = pulled_home
    assert storage.listdir("") == (["homes"], [])
    assert [entry.name for entry in storage.listdir_page("").entries] == ["homes"]
    assert [entry.name for entry in storage.listdir_entries("").entries] == ["homes"]
    with pytest.raises(SuspiciousFileOperation, match="records of pulled copies"):
        storage.open(".hybridmedia-pulled/homes/.pulled.1.jpg.json")
    assert [entry.shadowed for entry in storage.listdir_page("homes").entries] == [False, False, False]


def test_a_page_of_pulled_files_costs_no_request_to_production(
    storage: HybridStorage, production: Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    names = [f"photos/{number}.jpg" for number in range(100)]
    production.put_many(names, b"photo")
    run("media_pull", "photos", "--jobs", "8")
    s3_requests.clear()
    for name in names:
        assert storage.url(name) == f"/pulled-media/{name}"
        assert storage.exists(name) and storage.size(name) == 5
        with storage.open(name) as file:
            assert file.read() == b"photo"
        assert find_origin(storage, name).badge(storage).count("production (pulled)") == 1
    assert s3_requests == []


@pytest.mark.django_db
def test_the_admin_shows_pulled_and_stale_copies(
    admin_client: Client, pulled_home: HybridStorage, production: Bucket
) -> None:
    response = admin_client.get(DETAIL, {"name": "homes/1.jpg"})
    assert response.context["warning"] is None and not response.context["report"].shadowed
    assert "production (pulled)</span>" in str(response.context["serving_badge"])
    production.put("homes/2.jpg", b"house 2, renovated")
    stale = admin_client.get(DETAIL, {"name": "homes/2.jpg"})
    assert "production (pulled, stale)" in str(stale.context["serving_badge"])
    page = admin_client.get(BROWSER, {"dir": "homes"}).content.decode()
    assert page.count("production (pulled)") == 2 and "shadows" not in page


def test_media_shadows_ignores_pulled_copies_and_lists_stale_ones_apart(
    pulled_home: HybridStorage, production: Bucket
) -> None:
    out, _err = run("media_shadows")
    assert out == "No file in layer 'local' shadows a lower layer.\n"
    production.put("homes/2.jpg", b"house 2, renovated")
    out, _err = run("media_shadows")
    assert out == (
        "No file in layer 'local' shadows a lower layer.\n"
        "\n1 pulled copy no longer matches its source (media_pull --refresh fetches them again):\n"
        "  homes/2.jpg  (in 'pulled', pulled from 'production')\n"
    )
    document = json.loads(run("media_shadows", "--json")[0])
    assert (document["count"], document["stale_pulled"]) == (
        0,
        [{"name": "homes/2.jpg", "cache_layer": "pulled", "pulled_from": "production"}],
    )


def test_a_cache_layer_that_shares_files_with_another_layer_is_refused(local: Path, tmp_path: Path) -> None:
    production = tmp_path / "production"
    (production / "pulled").mkdir(parents=True)
    hybrid = HybridStorage(
        layers=[
            {"name": "local", "storage": filesystem(local, "/media/")},
            {"name": "pulled", "storage": filesystem(production / "pulled", "/p/"), "role": "cache"},
            {"name": "production", "storage": filesystem(production, "/x/")},
        ]
    )
    with pytest.raises(ImproperlyConfigured, match="share files") as error:
        hybrid.top  # noqa: B018 - builds the layers
    assert getattr(error.value, "check_id", None) == "hybridmedia.E016"
    assert "a pull into 'pulled' (or emptying it) would change 'production'" in str(error.value)


def test_the_media_view_serves_a_pulled_copy_without_asking_production(
    settings: Any, storage: HybridStorage, production: Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    production.put("homes/1.jpg", b"pulled house")
    run("media_pull", "homes")
    settings.ROOT_URLCONF = "tests.views.urls"
    settings.DEBUG = True
    s3_requests.clear()
    response = Client().get("/media/homes/1.jpg")
    assert b"".join(response.streaming_content) == b"pulled house"  # type: ignore[attr-defined]
    assert response["X-Hybridmedia-Layer"] == "pulled" and s3_requests == []
