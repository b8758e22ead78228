"""One model of where a name lives: every surface gives the same answer, and many names cost one listing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.management import call_command
from django.test import Client

from demo_project.homes.models import Home
from hybridmedia import get_hybrid_storage
from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.storage import HybridStorage
from tests import s3

FS = "django.core.files.storage.FileSystemStorage"
HYBRID = "hybridmedia.storage.HybridStorage"
STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
PACKAGE = Path(__file__).resolve().parents[2] / "hybridmedia"


def fs(location: Path) -> dict[str, Any]:
    location.mkdir(parents=True, exist_ok=True)
    return {"BACKEND": FS, "OPTIONS": {"location": str(location), "base_url": f"/{location.name}/"}}


@pytest.fixture(params=["staging on S3, production on disk", "staging on disk, production on S3"])
def three(
    request: pytest.FixtureRequest, settings: Any, tmp_path: Path, make_bucket: Callable[[], s3.Bucket]
) -> Iterator[HybridStorage]:
    """local / staging / production, where staging's ``a.jpg`` shadows production's and local's ``b.jpg`` both."""
    bucket = make_bucket()
    disk = tmp_path / "disk"
    disk.mkdir()

    def put(name: str, data: bytes) -> None:
        if request.param.startswith("staging on S3"):
            bucket.put(name, data)
        else:
            (disk / name).parent.mkdir(parents=True, exist_ok=True)
            (disk / name).write_bytes(data)

    def put_below(name: str, data: bytes) -> None:
        if request.param.startswith("staging on S3"):
            (disk / name).parent.mkdir(parents=True, exist_ok=True)
            (disk / name).write_bytes(data)
        else:
            bucket.put(name, data)

    put("a.jpg", b"staging edit")
    put_below("a.jpg", b"production")
    put_below("b.jpg", b"production b")
    put_below("c.jpg", b"production c")
    on_s3 = request.param.startswith("staging on S3")
    staging, production = (bucket.config(), fs(disk)) if on_s3 else (fs(disk), bucket.config())
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", "staging", "production"]}},
        "local": fs(tmp_path / "local"),
        "staging": staging,
        "production": production,
        "staticfiles": STATICFILES,
    }
    hybrid = get_hybrid_storage()
    hybrid.top.storage.save("b.jpg", ContentFile(b"local b"))
    seeded = {path: path.read_bytes() for path in disk.rglob("*") if path.is_file()}
    yield hybrid
    assert {path: path.read_bytes() for path in disk.rglob("*") if path.is_file()} == seeded


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_every_surface_agrees_that_a_middle_layer_shadows_the_bottom(
    three: HybridStorage, admin_client: Client
) -> None:
    # The storage API.
    a, b, c = (three.whereabouts(name) for name in ("a.jpg", "b.jpg", "c.jpg"))
    assert (a.origin.name, [copy.layer.name for copy in a.hidden], a.shadowed) == ("staging", ["production"], True)
    assert (b.origin.name, [copy.layer.name for copy in b.hidden], b.shadowed) == ("local", ["production"], True)
    assert (c.origin.name, c.shadowed) == ("production", False)
    assert [three.is_shadowed(name) for name in ("a.jpg", "b.jpg", "c.jpg")] == [True, True, False]
    assert sorted(three.shadowed()) == ["a.jpg", "b.jpg"]
    assert three.whereabouts_many(["a.jpg", "b.jpg", "c.jpg"]) == {"a.jpg": a, "b.jpg": b, "c.jpg": c}

    # media_origin.
    status, out = run("media_origin", "a.jpg", "c.jpg")
    assert status == 0
    assert re.search(r"staging\s+serves it; SHADOWED", out)
    assert "SHADOWED" not in out.split("'c.jpg'")[1]
    document = json.loads(run("media_origin", "--json", "a.jpg", "b.jpg", "c.jpg")[1])
    assert [(item["origin"], item["shadowed"]) for item in document["names"]] == [
        ("staging", True),
        ("local", True),
        ("production", False),
    ]

    # media_shadows and its exit status.
    status, out = run("media_shadows", "--json")
    assert status == 1
    shadows = {item["name"]: item for item in json.loads(out)["shadows"]}
    assert sorted(shadows) == ["a.jpg", "b.jpg"]
    assert shadows["a.jpg"]["top"]["layer"] == "staging"
    assert [(item["layer"], item["differs"]) for item in shadows["a.jpg"]["lower"]] == [("production", True)]

    # The admin browser and the detail page.
    browser = admin_client.get("/admin/hybridmedia/mediafile/").content.decode()
    assert browser.count("shadows production") == 2
    detail = admin_client.get("/admin/hybridmedia/mediafile/file/", {"name": "a.jpg"})
    assert detail.context["report"].shadowed
    assert detail.context["warning"].startswith("The “staging” copy of this file hides the “production” copy.")
    detail = admin_client.get("/admin/hybridmedia/mediafile/file/", {"name": "c.jpg"})
    assert not detail.context["report"].shadowed and detail.context["warning"] is None

    # The ModelAdmin mixin: the change form warns, naming the serving layer.
    home = Home.objects.create(name="A", city="X", photo="a.jpg")
    response = admin_client.get(f"/admin/homes/home/{home.pk}/change/", follow=True)
    warnings = [str(message) for message in response.context["messages"]]
    assert any("a copy in the “staging” layer hides the one in “production”" in text for text in warnings)
    home = Home.objects.create(name="C", city="X", photo="c.jpg")
    response = admin_client.get(f"/admin/homes/home/{home.pk}/change/", follow=True)
    assert not any("is shadowed" in str(message) for message in response.context["messages"])


@pytest.fixture
def hundred(settings: Any, local_config: dict[str, Any], production: s3.Bucket, monkeypatch: Any) -> list[str]:
    """100 rows whose photos live in production, in two directories."""
    names = [f"homes/{number:03}.jpg" for number in range(60)] + [f"flats/{number:03}.jpg" for number in range(40)]
    production.put_many(names, b"photo")
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": production.config(),
        "staticfiles": STATICFILES,
    }
    Home.objects.bulk_create(Home(name=name, city="X", photo=name) for name in names)
    monkeypatch.setattr(admin.site._registry[Home], "list_per_page", 100)
    return names


@pytest.mark.django_db
def test_a_changelist_of_100_production_files_costs_one_listing_per_directory(
    hundred: list[str], admin_client: Client, s3_requests: list[tuple[str, str]]
) -> None:
    response = admin_client.get("/admin/homes/home/")
    assert response.status_code == 200
    assert response.content.decode().count('data-layer="production"') == 100
    # Two directories, one lower layer: two ListObjects, and no HEAD for any badge.
    assert sorted(method for method, _url in s3_requests) == ["GET", "GET"]
    assert all("delimiter=%2F" in url and "prefix=" in url for _method, url in s3_requests)


@pytest.mark.django_db
def test_the_per_name_path_costs_one_head_each(hundred: list[str], s3_requests: list[tuple[str, str]]) -> None:
    # The baseline the batch replaces: asking name by name.
    hybrid = get_hybrid_storage()
    assert all(hybrid.origin(name).name == "production" for name in hundred)
    assert [method for method, _url in s3_requests] == ["HEAD"] * 100


def test_whereabouts_many_lists_a_directory_once_and_warms_the_cache(
    hybrid: HybridStorage, production: s3.Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    production.put_many([f"p/{number}.jpg" for number in range(10)])
    s3_requests.clear()
    names = [f"p/{number}.jpg" for number in range(12)] + ["one/x.jpg"]
    found = hybrid.whereabouts_many(names)
    assert [found[name].found for name in names] == [True] * 10 + [False] * 3
    # p/ is listed once; one/ has a single name, so a HEAD is cheaper than a listing (and its "missing",
    # the layer's first, checks once that the bucket is there: one more GET).
    assert sorted(method for method, _url in s3_requests) == ["GET", "GET", "HEAD"]
    s3_requests.clear()
    assert [hybrid.exists(name) for name in names] == [True] * 10 + [False] * 3
    assert s3_requests == []  # the listing's answers are in the origin cache


def test_a_listing_never_costs_more_than_the_heads_it_replaces(
    hybrid: HybridStorage, production: s3.Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    # 2,500 keys in one directory, and 3 names spread across it: a full listing would take 3 requests
    # for 3 names; the listing gives up at its budget and the rest is probed.
    production.put_many([f"big/{number:05}.jpg" for number in range(2500)], b"")
    s3_requests.clear()
    names = ["big/00000.jpg", "big/01200.jpg", "big/02499.jpg"]
    found = hybrid.whereabouts_many(names)
    assert all(found[name].found for name in names)
    assert len(s3_requests) <= len(names) + 1


def test_only_the_s3_adapter_touches_boto3() -> None:
    # Backend specifics live behind one adapter per kind of store: no other module reaches boto3.
    forbidden = re.compile(r"(import|from) (boto3|botocore)|\.meta\.client|head_object|list_objects|_normalize_name")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "storage/backends/s3.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line.split("#")[0])
    ]
    assert offenders == []


class DictStorage(Storage):
    """A third-party backend hybridmedia has no adapter for: only Django's Storage API."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files = dict(files or {})

    def _open(self, name: str, mode: str = "rb") -> Any:
        if name not in self.files:
            raise FileNotFoundError(name)
        return ContentFile(self.files[name], name=name)

    def exists(self, name: str) -> bool:
        return name in self.files

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        below = [name[len(prefix) :] for name in self.files if name.startswith(prefix)]
        return sorted({n.split("/")[0] for n in below if "/" in n}), sorted(n for n in below if "/" not in n)

    def size(self, name: str) -> int:
        return len(self.files[name])

    def url(self, name: str | None) -> str:
        return f"https://files.example/{name}"


def test_a_backend_without_an_adapter_gets_the_same_answers(local_config: dict[str, Any]) -> None:
    hybrid = HybridStorage(
        layers=[
            {"name": "local", "storage": local_config},
            {"name": "production", "storage": {"BACKEND": f"{__name__}.DictStorage"}},
        ]
    )
    production = hybrid.layer("production")
    DictStorage.__init__(production.storage, {"d/a.jpg": b"a", "d/b.jpg": b"b", "d/c.jpg": b"c", "e.jpg": b"e"})
    hybrid.top.storage.save("d/b.jpg", ContentFile(b"B"))
    assert type(production.adapter).__name__ == "StorageAdapter"  # the generic one
    found = hybrid.whereabouts_many(["d/a.jpg", "d/b.jpg", "d/c.jpg", "d/x.jpg"])
    assert [(name, where.origin.name if where.origin else None) for name, where in found.items()] == [
        ("d/a.jpg", "production"),
        ("d/b.jpg", "local"),
        ("d/c.jpg", "production"),
        ("d/x.jpg", None),
    ]
    assert list(hybrid.shadowed()) == ["d/b.jpg"]
    assert [(entry.name, entry.layers) for entry in hybrid.listdir_page("d").entries] == [
        ("a.jpg", ("production",)),
        ("b.jpg", ("local", "production")),
        ("c.jpg", ("production",)),
    ]
    assert hybrid.url("e.jpg") == "https://files.example/e.jpg"
    with pytest.raises(ReadOnlyLayerError):
        production.storage.save("new.jpg", ContentFile(b"x"))


def test_serving_only_stops_at_the_serving_copy_and_says_what_it_cannot_tell(
    hybrid: HybridStorage, production: s3.Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    production.put("homes/1.jpg", b"production")
    hybrid.top.storage.save("homes/1.jpg", ContentFile(b"local edit"))
    s3_requests.clear()
    quick = hybrid.whereabouts("homes/1.jpg", serving_only=True)
    assert quick.origin == hybrid.top and s3_requests == []  # production was not asked
    with pytest.raises(ValueError, match="looked for the serving copy only"):
        quick.shadowed  # noqa: B018 - the property is the question
    full = hybrid.whereabouts("homes/1.jpg")
    assert full.shadowed and len(s3_requests) == 1
    hybrid.delete("homes/1.jpg")
    hybrid.delete("homes/1.jpg")  # now whited out
    s3_requests.clear()
    gone = hybrid.whereabouts("homes/1.jpg", serving_only=True)
    assert gone.serving is None and gone.whited_out and s3_requests == []
