"""The HTTP(S) layer against real servers on 127.0.0.1: Debian's nginx, moto's public-read objects, and
tiny socket servers that hang or die mid-body. No HTTP is mocked; requests are counted from nginx's
access log and from the layer's connection pool, and nginx's root is byte-identical after each test."""

from __future__ import annotations

import io
import logging
import os
import tracemalloc
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from hybridmedia.conf import LayerURLError, storages_from_urls
from hybridmedia.exceptions import LayerConfigurationError, LayerMisconfigured, LayerUnavailable, ReadOnlyLayerError
from hybridmedia.storage import HTTPStorage, HybridStorage
from hybridmedia.storage.backends.http import (
    HTTPAdapter,
    HTTPForbidden,
    HTTPIncompleteBody,
    HTTPRedirectError,
    ReadOnlyPoolManager,
)
from hybridmedia.storage.readonly import ReadOnlyFile
from tests import s3, services

HTTP = "hybridmedia.storage.HTTPStorage"
JPEG = b"\xff\xd8\xff" + bytes(range(256)) * 40  # 10 KiB that are not all alike


@pytest.fixture
def http_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record every request an HTTP layer's pool sends, as ``(method, url)``."""
    sent: list[tuple[str, str]] = []
    original = ReadOnlyPoolManager.urlopen

    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append((method, url))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(ReadOnlyPoolManager, "urlopen", urlopen)
    return sent


def http_layer(base_url: str, **options: Any) -> dict[str, Any]:
    return {"BACKEND": HTTP, "OPTIONS": {"base_url": base_url, **options}}


def make_hybrid(local_config: dict[str, Any], *lower: dict[str, Any], **hybrid_options: Any) -> HybridStorage:
    names = ["production"] if len(lower) == 1 else [f"lower{index}" for index in range(len(lower))]
    layers = [{"name": "local", "storage": local_config}]
    layers += [{"name": name, "storage": config} for name, config in zip(names, lower, strict=True)]
    return HybridStorage(layers=layers, **hybrid_options)


@pytest.fixture
def site(web_production: services.Site) -> services.Site:
    web_production.put("homes/1.jpg", JPEG)
    web_production.put("homes/2.jpg", b"second")
    web_production.put("homes/a b+c.jpg", b"odd name")
    return web_production


@pytest.fixture
def hybrid(local_config: dict[str, Any], site: services.Site) -> HybridStorage:
    """A filesystem top layer over nginx serving production's files."""
    return make_hybrid(local_config, http_layer(site.base_url))


@pytest.fixture
def scripted() -> Iterator[Any]:
    servers: list[services.ScriptedServer] = []

    def start(behaviour: str, size: int = 200_000) -> services.ScriptedServer:
        servers.append(services.ScriptedServer(behaviour, size).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


# url(): no request --------------------------------------------------------------------------------


def test_url_is_the_base_url_and_the_quoted_name_without_a_request(
    hybrid: HybridStorage, site: services.Site, http_requests: list[tuple[str, str]]
) -> None:
    assert hybrid.url("homes/1.jpg") == f"{site.base_url}homes/1.jpg"
    assert hybrid.url("homes/a b+c.jpg") == f"{site.base_url}homes/a%20b%2Bc.jpg"
    assert hybrid.url("homes/été.jpg") == f"{site.base_url}homes/%C3%A9t%C3%A9.jpg"
    for number in range(100):  # a page of a hundred production photos
        hybrid.url_with_layer(f"homes/{number}.jpg")
    assert http_requests == []
    assert site.requests() == []
    assert hybrid.layer("production").adapter.urls_are_deterministic()
    assert "production" in hybrid._url_memos  # memoised like S3's unsigned URLs


def test_the_url_serves_the_file(hybrid: HybridStorage) -> None:
    import urllib3

    response = urllib3.request("GET", hybrid.url("homes/a b+c.jpg"))
    assert (response.status, response.data) == (200, b"odd name")


# Probes: one HEAD, shared --------------------------------------------------------------------------


def test_one_head_answers_exists_size_and_time(hybrid: HybridStorage, site: services.Site) -> None:
    source = site.directory / "homes/1.jpg"
    assert hybrid.exists("homes/1.jpg")
    assert hybrid.size("homes/1.jpg") == len(JPEG)
    assert int(hybrid.get_modified_time("homes/1.jpg").timestamp()) == int(source.stat().st_mtime)
    assert hybrid.origin("homes/1.jpg").name == "production"  # type: ignore[union-attr]
    assert [layer.name for layer in hybrid.locate("homes/1.jpg")] == ["production"]
    assert site.requests() == [("HEAD", f"/{site.name}/homes/1.jpg", 200)]


def test_a_missing_name_costs_one_head_then_nothing(hybrid: HybridStorage, site: services.Site) -> None:
    for _ in range(3):
        assert not hybrid.exists("homes/missing.jpg")
    with pytest.raises(FileNotFoundError):
        hybrid.size("homes/missing.jpg")
    with pytest.raises(FileNotFoundError):
        hybrid.open("homes/missing.jpg")
    assert site.requests() == [("HEAD", f"/{site.name}/homes/missing.jpg", 404)]


def test_probes_are_shared_through_a_shared_origin_cache(
    settings: Any, local_config: dict[str, Any], site: services.Site
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "origins": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "http-layer"},
    }
    first = make_hybrid(local_config, http_layer(site.base_url), cache="origins")
    second = make_hybrid(local_config, http_layer(site.base_url), cache="origins")
    assert first.size("homes/2.jpg") == 6
    assert second.exists("homes/2.jpg") and second.size("homes/2.jpg") == 6
    assert len(site.requests()) == 1


def test_410_gone_is_missing(local_config: dict[str, Any], site: services.Site) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("gone/")))
    assert not hybrid.exists("homes/1.jpg")
    assert site.requests() == [("HEAD", f"/{site.name}/gone/homes/1.jpg", 410)]


def test_403_is_forbidden_and_said_so(local_config: dict[str, Any], site: services.Site) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("forbidden/")))
    with pytest.raises(HTTPForbidden, match="403 Forbidden.*forbidden_is_missing") as caught:
        hybrid.exists("homes/1.jpg")
    assert isinstance(caught.value, PermissionError)
    assert "'production'" in str(caught.value)


def test_a_cdn_that_answers_403_for_missing_names(local_config: dict[str, Any], site: services.Site) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("cdn/"), forbidden_is_missing=True))
    assert hybrid.exists("homes/1.jpg")
    assert not hybrid.exists("homes/missing.jpg")
    assert [status for _method, _path, status in site.requests()] == [200, 403]


# Redirects ---------------------------------------------------------------------------------------------


def test_redirects_within_the_origin_are_followed(local_config: dict[str, Any], site: services.Site) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("moved/")))
    assert hybrid.size("homes/1.jpg") == len(JPEG)
    with hybrid.open("homes/1.jpg") as handle:
        assert handle.read() == JPEG
    assert site.requests() == [
        ("HEAD", f"/{site.name}/moved/homes/1.jpg", 302),
        ("HEAD", f"/{site.name}/homes/1.jpg", 200),
        ("GET", f"/{site.name}/moved/homes/1.jpg", 302),
        ("GET", f"/{site.name}/homes/1.jpg", 200),
    ]


def test_a_redirect_to_another_origin_is_an_error_that_says_so(
    local_config: dict[str, Any], site: services.Site
) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("elsewhere/")))
    for call in (hybrid.exists, hybrid.open):
        with pytest.raises(HTTPRedirectError, match=r"redirects to another origin \(http://127.0.0.1:\d+/"):
            call("homes/1.jpg")
    # Never followed: the other origin (a second nginx server logging to the same file) saw nothing.
    assert [path for _method, path, _status in site.requests()] == [f"/{site.name}/elsewhere/homes/1.jpg"] * 2


def test_redirects_are_followed_a_bounded_number_of_times(local_config: dict[str, Any], site: services.Site) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("loop/"), max_redirects=2))
    with pytest.raises(HTTPRedirectError, match="more than 2 times"):
        hybrid.exists("homes/1.jpg")
    assert len(site.requests()) == 3


# open(): streamed, seekable, checked ------------------------------------------------------------------


def test_open_streams_a_read_only_file(hybrid: HybridStorage, site: services.Site) -> None:
    with hybrid.open("homes/1.jpg") as handle:
        assert isinstance(handle, ReadOnlyFile)
        assert handle.name == "homes/1.jpg" and handle.layer_name == "production"
        assert handle.read(3) == JPEG[:3]
        assert handle.read() == JPEG[3:]
        assert handle.size == len(JPEG)
        for write in (lambda: handle.write(b"x"), lambda: handle.truncate(0), lambda: handle.open("wb")):
            with pytest.raises(ReadOnlyLayerError):
                write()
    # The GET's headers warmed the origin cache: size() asks nothing more.
    assert hybrid.size("homes/1.jpg") == len(JPEG)
    assert site.requests() == [("GET", f"/{site.name}/homes/1.jpg", 200)]


def test_a_large_file_is_never_held_in_memory(web_production: services.Site, local_config: dict[str, Any]) -> None:
    size = 24 * 1024 * 1024
    web_production.put("videos/big.bin", os.urandom(1024) * (size // 1024))
    hybrid = make_hybrid(local_config, http_layer(web_production.base_url))
    tracemalloc.start()
    try:
        read = 0
        with hybrid.open("videos/big.bin") as handle:
            for chunk in handle.chunks(256 * 1024):
                read += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read == size
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes while streaming {size:,}"


def test_seeking_sends_a_ranged_get(hybrid: HybridStorage, site: services.Site) -> None:
    with hybrid.open("homes/1.jpg") as handle:
        assert handle.seekable()
        assert handle.read(10) == JPEG[:10]
        handle.seek(5000)
        assert handle.read(100) == JPEG[5000:5100]
        handle.seek(-10, io.SEEK_END)
        assert handle.tell() == len(JPEG) - 10
        assert handle.read() == JPEG[-10:]
        handle.seek(1)
        assert handle.read(2) == JPEG[1:3]
    assert site.requests() == [
        ("GET", f"/{site.name}/homes/1.jpg", 200),
        ("GET", f"/{site.name}/homes/1.jpg", 206),
        ("GET", f"/{site.name}/homes/1.jpg", 206),
        ("GET", f"/{site.name}/homes/1.jpg", 206),
    ]


def test_open_range_hands_out_a_file_that_cannot_write(hybrid: HybridStorage, site: services.Site) -> None:
    chunks = hybrid.layers[-1].adapter.open_range("homes/1.jpg", checksum=False)  # as the media view relays
    assert not chunks.stream.writable()
    for write in (lambda: chunks.stream.write(b"x"), lambda: chunks.stream.truncate(0)):
        with pytest.raises((OSError, NotImplementedError)):  # nginx's root is unchanged (the fixture checks)
            write()
    assert b"".join(chunks) == JPEG
    assert [method for method, _, _ in site.requests()] == ["GET"]


def test_open_range_fetches_only_the_part(site: services.Site) -> None:
    storage = HTTPStorage(base_url=site.base_url)
    part = b"".join(HTTPAdapter(storage).open_range("homes/1.jpg", len(JPEG) - 1000, 1000))
    assert part == JPEG[-1000:]
    assert site.requests() == [("GET", f"/{site.name}/homes/1.jpg", 206)]
    assert int(site.server.access_log.read_text().splitlines()[-1].split()[-1]) == 1000  # bytes sent


def test_copy_up_reads_the_http_file_and_writes_only_the_top_layer(hybrid: HybridStorage, site: services.Site) -> None:
    with hybrid.open("homes/2.jpg", "ab") as handle:
        handle.write(b" edited")
    assert hybrid.top.storage.open("homes/2.jpg").read() == b"second edited"
    assert hybrid.origin("homes/2.jpg") is hybrid.top
    hybrid.delete("homes/1.jpg")
    assert not hybrid.exists("homes/1.jpg")  # a whiteout; nginx's root is unchanged (the fixture checks)


@pytest.mark.parametrize("behaviour", ["die", "short"])
def test_a_body_shorter_than_its_content_length_raises(
    local_config: dict[str, Any], scripted: Any, behaviour: str
) -> None:
    server = scripted(behaviour)
    hybrid = make_hybrid(local_config, http_layer(f"{server.url}/media/"))
    assert hybrid.size("homes/1.jpg") == server.size  # HEAD answers properly
    with hybrid.open("homes/1.jpg") as handle, pytest.raises(HTTPIncompleteBody, match="ended after") as caught:
        handle.read()
    assert f"of {server.size:,} bytes" in str(caught.value)


@pytest.mark.parametrize("behaviour", ["die", "short"])
def test_a_relayed_body_shorter_than_its_content_length_raises(scripted: Any, behaviour: str) -> None:
    # The media view's way (open_range, read1: the bytes as they arrive) checks the length too.
    server = scripted(behaviour)
    chunks = HTTPAdapter(HTTPStorage(base_url=f"{server.url}/media/")).open_range("homes/1.jpg")
    with pytest.raises(HTTPIncompleteBody, match=f"ended after .* of {server.size:,} bytes"):
        for _ in chunks:
            pass


# Outages: exactly as for S3 ----------------------------------------------------------------------------


def test_a_hanging_server_times_out_and_the_layer_is_left_alone(
    local_config: dict[str, Any], scripted: Any, http_requests: list[tuple[str, str]]
) -> None:
    server = scripted("hang")
    hybrid = make_hybrid(local_config, http_layer(f"{server.url}/media/", read_timeout=0.5))
    with pytest.raises(LayerUnavailable, match="'production'.*cannot be reached.*HTTPTimeout") as caught:
        hybrid.exists("homes/1.jpg")
    assert str(server.url) in caught.value.endpoint
    with pytest.raises(LayerUnavailable):  # the circuit breaker: not asked again for a while
        hybrid.open("homes/1.jpg")
    assert len(http_requests) == 1 and server.connections == 1
    assert set(hybrid.unavailable_layers()) == {"production"}
    hybrid.top.storage.save("homes/local.jpg", ContentFile(b"local"))
    assert hybrid.exists("homes/local.jpg")  # the top layer keeps working


def test_a_refused_connection_makes_the_layer_unavailable(local_config: dict[str, Any]) -> None:
    hybrid = make_hybrid(local_config, http_layer(f"http://127.0.0.1:{services.free_port()}/media/"))
    with pytest.raises(LayerUnavailable, match="HTTPUnreachable"):
        hybrid.size("homes/1.jpg")
    miss = make_hybrid(local_config, http_layer(f"http://127.0.0.1:{services.free_port()}/media/"), unavailable="miss")
    assert not miss.exists("homes/1.jpg")


def test_a_5xx_makes_the_layer_unavailable(local_config: dict[str, Any], site: services.Site) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("broken/")))
    with pytest.raises(LayerUnavailable, match="503"):
        hybrid.exists("homes/1.jpg")


def test_401_is_misconfigured_with_a_hint_about_credentials(local_config: dict[str, Any], site: services.Site) -> None:
    hybrid = make_hybrid(local_config, http_layer(site.url("private/")))
    with pytest.raises(LayerMisconfigured, match="401 Unauthorized.*credentials_env=PREFIX") as caught:
        hybrid.exists("homes/1.jpg")
    assert "PREFIX_USERNAME" in caught.value.fix


# Authentication from the environment ------------------------------------------------------------------


def test_http_basic_from_the_environment(
    local_config: dict[str, Any], site: services.Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROD_USERNAME", services.NGINX_USER)
    monkeypatch.setenv("PROD_PASSWORD", services.NGINX_PASSWORD)
    hybrid = make_hybrid(local_config, http_layer(site.url("private/"), credentials_env="PROD"))
    assert hybrid.open("homes/2.jpg").read() == b"second"
    storage = hybrid.layer("production").storage
    assert services.NGINX_PASSWORD not in repr(storage) + repr(storage.deconstruct())
    assert not hybrid.layer("production").adapter.urls_are_public()  # the media view must proxy it


def test_a_header_from_the_environment(
    settings: Any, local_config: dict[str, Any], site: services.Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDN_HEADER_X_CDN_KEY", services.NGINX_KEY)
    settings.STORAGES = storages_from_urls(
        ["file:local", f"{site.url('keyed/')}?credentials_env=CDN&timeout=3"],
        base_dir=local_config["OPTIONS"]["location"],
    )
    hybrid = HybridStorage(layers=["local", "production"])
    assert hybrid.size("homes/2.jpg") == 6
    monkeypatch.setenv("CDN_HEADER_X_CDN_KEY", "wrong")
    settings.STORAGES = storages_from_urls(["file:local", f"{site.url('keyed/')}?credentials_env=CDN"])
    with pytest.raises(LayerMisconfigured):
        HybridStorage(layers=["local", "production"]).exists("homes/2.jpg")


def test_credentials_env_with_nothing_set_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOBODY_USERNAME", raising=False)
    with pytest.raises(LayerURLError, match="NOBODY_USERNAME and NOBODY_PASSWORD, or NOBODY_HEADER_<NAME>"):
        storages_from_urls(["file:///srv/media", "https://cdn.example.com/media/?credentials_env=NOBODY"])
    with pytest.raises(ImproperlyConfigured, match="NOBODY_USERNAME"):
        HTTPStorage(base_url="https://cdn.example.com/", credentials_env="NOBODY")


# Listing: an HTTP layer cannot ----------------------------------------------------------------------


def test_the_storage_itself_cannot_list(site: services.Site) -> None:
    with pytest.raises(NotImplementedError, match="an HTTP layer cannot list its files"):
        HTTPStorage(base_url=site.base_url).listdir("homes")


def test_listings_show_the_other_layers_and_say_so_once(
    hybrid: HybridStorage, site: services.Site, caplog: pytest.LogCaptureFixture
) -> None:
    from hybridmedia.storage import listing

    listing._said_unlisted.clear()
    caplog.set_level(logging.WARNING, logger="hybridmedia")
    hybrid.top.storage.save("homes/local.jpg", ContentFile(b"local"))
    assert hybrid.listdir("homes") == ([], ["local.jpg"])
    assert hybrid.listdir("") == (["homes"], [])
    assert [entry.name for entry in hybrid.listdir_page("homes").entries] == ["local.jpg"]
    assert [entry.name for entry in hybrid.listdir_entries("homes").entries] == ["local.jpg"]
    said = [record.getMessage() for record in caplog.records if "cannot list" in record.getMessage()]
    assert len(said) == 1
    assert "'production'" in said[0] and site.base_url in said[0]
    assert site.requests() == []


def test_whereabouts_many_probes_by_name(hybrid: HybridStorage, site: services.Site) -> None:
    hybrid.top.storage.save("homes/2.jpg", ContentFile(b"a local copy"))  # copied in by hand: a shadow
    names = ["homes/1.jpg", "homes/2.jpg", "homes/a b+c.jpg", "homes/missing.jpg"]
    where = hybrid.whereabouts_many(names)
    assert [where[name].origin.name if where[name].origin else None for name in names] == [
        "production",
        "local",
        "production",
        None,
    ]
    assert where["homes/2.jpg"].shadowed
    assert sorted(method for method, _path, _status in site.requests()) == ["HEAD"] * 4
    hybrid.whereabouts_many(names)
    assert len(site.requests()) == 4  # cached


def test_shadowed_and_media_shadows_cope(hybrid: HybridStorage, site: services.Site, settings: Any) -> None:
    hybrid.top.storage.save("homes/2.jpg", ContentFile(b"a local copy"))
    hybrid.save("homes/local.jpg", ContentFile(b"local only"))
    assert list(hybrid.shadowed()) == ["homes/2.jpg"]
    assert hybrid.is_shadowed("homes/2.jpg")


def test_an_http_middle_layer_is_left_out_of_listings(
    local_config: dict[str, Any], site: services.Site, production: s3.Bucket
) -> None:
    production.put("homes/2.jpg", b"bottom")
    production.put("homes/3.jpg", b"bottom only")
    hybrid = make_hybrid(local_config, http_layer(site.base_url), production.config())
    assert hybrid.listdir("homes") == ([], ["2.jpg", "3.jpg"])
    assert list(hybrid.shadowed()) == []  # the HTTP layer's names cannot be listed
    assert hybrid.is_shadowed("homes/2.jpg")  # but a name is found
    assert hybrid.open("homes/2.jpg").read() == b"second"


# The guard, the top layer, configuration ---------------------------------------------------------------


def test_the_read_only_guard_applies(hybrid: HybridStorage, site: services.Site) -> None:
    layer = hybrid.layer("production").storage
    with pytest.raises(ReadOnlyLayerError):
        layer.save("homes/new.jpg", ContentFile(b"x"))
    with pytest.raises(ReadOnlyLayerError):
        layer.delete("homes/1.jpg")
    with pytest.raises(ReadOnlyLayerError):
        layer.open("homes/1.jpg", "r+b")
    with pytest.raises(ReadOnlyLayerError):
        layer.url("homes/1.jpg", http_method="PUT")
    for method in ("PUT", "DELETE", "POST"):
        with pytest.raises(ReadOnlyLayerError, match=f"'production' is read-only.*{method}"):
            layer.pool.request(method, f"{site.base_url}homes/1.jpg")  # type: ignore[attr-defined]
    with pytest.raises(NotImplementedError, match="copies it to the write layer"):
        hybrid.path("homes/1.jpg")
    with hybrid.open("homes/1.jpg") as served:  # what the hybrid hands out from the HTTP layer
        for attempt in (lambda: served.write(b"x"), lambda: served.file.write(b"x"), lambda: served.open("wb")):
            with pytest.raises(ReadOnlyLayerError):
                attempt()
    with pytest.raises(ReadOnlyLayerError):
        HTTPStorage(base_url=site.base_url).save("x.jpg", ContentFile(b"x"))
    assert all(method in ("GET", "HEAD") for method, _path, _status in site.requests())


def test_the_write_layer_cannot_be_http(settings: Any, local_config: dict[str, Any]) -> None:
    layers = [{"name": "cdn", "storage": http_layer("https://cdn.example.com/media/")}]
    with pytest.raises(LayerConfigurationError, match="can never be written") as caught:
        HybridStorage(layers=[*layers, {"name": "local", "storage": local_config}]).layers  # noqa: B018
    assert caught.value.check_id == "hybridmedia.E014"
    settings.STORAGES = {
        **storages_from_urls(["https://cdn.example.com/media/", "file:///srv/media"]),
    }
    with pytest.raises(SystemCheckError, match="hybridmedia.E014"):
        call_command("check")


def test_it_is_deconstructible_without_credentials() -> None:
    storage = HTTPStorage(base_url="https://cdn.example.com/media", password="pw-secret", username="u")
    path, args, kwargs = storage.deconstruct()
    assert path == "hybridmedia.storage.HTTPStorage"
    assert kwargs == {"base_url": "https://cdn.example.com/media"}
    assert storage.url("a.jpg") == "https://cdn.example.com/media/a.jpg"
    assert repr(storage) == "<HTTPStorage https://cdn.example.com/media/>"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "ftp://cdn.example.com/"}, "http:// or https://"),
        ({"base_url": "https://user:pw@cdn.example.com/"}, "must not hold credentials"),
        ({"base_url": "https://cdn.example.com/", "read_timeout": 0}, "read_timeout"),
        ({"base_url": "https://cdn.example.com/", "username": "only-a-user"}, "both username and password"),
    ],
)
def test_bad_options_are_configuration_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        HTTPStorage(**options)


def test_layer_urls_build_http_layers() -> None:
    storages = storages_from_urls(
        "file:media,https://cdn.example.com/media/?timeout=3&forbidden_is_missing=true&max_redirects=1#cdn",
        base_dir="/srv/app",
    )
    assert storages["cdn"] == {
        "BACKEND": HTTP,
        "OPTIONS": {
            "base_url": "https://cdn.example.com/media/",
            "timeout": 3.0,
            "forbidden_is_missing": True,
            "max_redirects": 1,
        },
    }
    assert storages_from_urls("file:m,http://127.0.0.1:8080/a%20b")["production"]["OPTIONS"] == {
        "base_url": "http://127.0.0.1:8080/a%20b/"
    }
    for bad, message in [
        ("https://reader:secret@cdn.example.com/media/", "credentials before the host"),
        ("https://cdn.example.com/media/?password=secret", "carries the credential"),
        ("https://cdn.example.com/media/?timeout=soon", "number of seconds"),
        ("https://cdn.example.com/media/?bucket_name=x", "unknown option 'bucket_name' for https:// layers"),
    ]:
        with pytest.raises(LayerURLError, match=message):
            storages_from_urls(["file:///srv/media", bad])


# A second source: moto's public-read objects ------------------------------------------------------------


def test_the_moto_bucket_read_over_plain_http(
    local_config: dict[str, Any], production: s3.Bucket, s3_admin: Any, http_requests: list[tuple[str, str]]
) -> None:
    production.put("homes/1.jpg", JPEG)
    s3_admin.put_object_acl(Bucket=production.name, Key="homes/1.jpg", ACL="public-read")
    hybrid = make_hybrid(local_config, http_layer(f"{production.endpoint_url}/{production.name}/"))
    assert hybrid.exists("homes/1.jpg") and hybrid.size("homes/1.jpg") == len(JPEG)
    assert not hybrid.exists("homes/missing.jpg")
    # S3's ETag of a single-part upload is an MD5: the model compares contents with it for free.
    assert hybrid.whereabouts("homes/1.jpg").copies[0].probe.etag == production.seeded["homes/1.jpg"].strip('"')
    with hybrid.open("homes/1.jpg") as handle:
        handle.seek(100)
        assert handle.read(50) == JPEG[100:150]
    assert [method for method, _url in http_requests] == ["HEAD", "HEAD", "GET", "GET"]


# The commands and the admin ------------------------------------------------------------------------------


def http_settings(settings: Any, local_config: dict[str, Any], base_url: str) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": "hybridmedia.storage.HybridStorage", "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": http_layer(base_url),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_media_doctor_checks_an_http_layer(settings: Any, local_config: dict[str, Any], site: services.Site) -> None:
    http_settings(settings, local_config, site.base_url)
    stdout = StringIO()
    call_command("media_doctor", stdout=stdout)
    output = stdout.getvalue()
    assert f"production (read-only, HTTP server {site.base_url})" in output
    assert "reachable: HEAD" in output and "cannot list its files" in output
    assert site.requests() == [("HEAD", f"/{site.name}/", 403)]  # no directory index: nginx says 403
    http_settings(settings, local_config, f"http://127.0.0.1:{services.free_port()}/media/")
    stdout = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("media_doctor", stdout=stdout)
    assert exited.value.code == 1
    assert "FAIL reachable" in stdout.getvalue()


def test_media_origin_and_media_shadows_work_by_name(
    settings: Any, local_config: dict[str, Any], site: services.Site
) -> None:
    http_settings(settings, local_config, site.base_url)
    stdout = StringIO()
    call_command("media_origin", "homes/1.jpg", f"{site.base_url}homes/2.jpg", stdout=stdout)
    assert stdout.getvalue().count("production") >= 2
    from hybridmedia import get_hybrid_storage

    get_hybrid_storage().top.storage.save("homes/2.jpg", ContentFile(b"local copy"))
    stdout = StringIO()
    with pytest.raises(SystemExit):
        call_command("media_shadows", stdout=stdout)
    assert "homes/2.jpg" in stdout.getvalue() and "contents differ" in stdout.getvalue()


@pytest.mark.django_db
def test_the_admin_browser_says_the_http_layer_is_not_listed(
    admin_client: Any, settings: Any, local_config: dict[str, Any], site: services.Site
) -> None:
    http_settings(settings, local_config, site.base_url)
    from hybridmedia import get_hybrid_storage

    get_hybrid_storage().save("homes/local.jpg", ContentFile(b"local"))
    for url in ("/admin/hybridmedia/mediafile/?dir=homes", "/admin/hybridmedia/mediafile/?dir=homes&q=jpg"):
        html = admin_client.get(url).content.decode()
        assert 'class="info hm-unlisted" data-layer="production"' in html
        assert "local.jpg" in html
    detail = admin_client.get("/admin/hybridmedia/mediafile/file/?name=homes/1.jpg")
    assert detail.status_code == 200
    assert f"{site.base_url}homes/1.jpg" in detail.content.decode()
