"""The media view's system check (W002), the layer option's check (E015) and ``media_urlpatterns()``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings
from django.urls import include, path

from hybridmedia.exceptions import LayerConfigurationError
from hybridmedia.storage import HybridStorage
from hybridmedia.urls import media_urlpatterns
from tests import s3
from tests.views.conftest import body, save_local, storages

urlpatterns = [path("", include("tests.views.urls")), *media_urlpatterns("/files/")]


def check_warnings(settings: Any) -> str:
    try:
        call_command("check", "--fail-level", "WARNING")
    except SystemCheckError as exc:
        return str(exc)
    return ""


def test_routed_while_debug_is_off_warns(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.views.urls"
    settings.DEBUG = False
    output = check_warnings(settings)
    assert "hybridmedia.W002" in output and "'media/<path:name>'" in output
    assert "'staging-media/<path:name>'" in output
    settings.HYBRIDMEDIA_SERVE_WITHOUT_DEBUG = True
    assert "hybridmedia.W002" not in check_warnings(settings)


def test_no_warning_under_debug_or_when_not_routed(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.views.urls"
    settings.DEBUG = True
    assert "hybridmedia.W002" not in check_warnings(settings)
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.urls"
    assert "hybridmedia.W002" not in check_warnings(settings)


def test_a_bad_serve_option_is_e015(settings: Any, local_config: dict[str, Any], production: s3.Bucket) -> None:
    settings.STORAGES = storages(local_config, production, serve="sideways")
    with pytest.raises(SystemCheckError, match=r"hybridmedia\.E015"):
        call_command("check")
    with pytest.raises(LayerConfigurationError, match="'sideways'.*\"redirect\"|'redirect' or 'proxy'"):
        HybridStorage(layers=["local", {"name": "production", "storage": "production", "serve": "sideways"}])


def test_the_serve_option_reaches_the_layer(local_config: dict[str, Any], production: s3.Bucket) -> None:
    hybrid = HybridStorage(
        layers=[
            {"name": "local", "storage": local_config},
            {"name": "production", "storage": production.config(), "serve": "proxy"},
        ]
    )
    assert [layer.serve for layer in hybrid.layers] == [None, "proxy"]


class TestMediaUrlpatterns:
    def test_like_static_nothing_while_debug_is_off(self, settings: Any) -> None:
        settings.DEBUG = False
        assert media_urlpatterns() == []
        settings.HYBRIDMEDIA_SERVE_WITHOUT_DEBUG = True
        assert len(media_urlpatterns()) == 1

    def test_nothing_for_a_prefix_on_another_host(self, settings: Any) -> None:
        settings.DEBUG = True
        assert media_urlpatterns("https://cdn.example.com/media/") == []

    def test_an_empty_prefix_is_refused(self) -> None:
        with pytest.raises(ImproperlyConfigured, match="MEDIA_URL"):
            media_urlpatterns("")

    def test_the_patterns_serve_the_hybrid(self, settings: Any, media: HybridStorage) -> None:
        settings.DEBUG = True
        save_local(media, "a/b.txt", b"via media_urlpatterns")
        with override_settings(ROOT_URLCONF=__name__):
            response = Client().get("/files/a/b.txt")
        assert body(response) == b"via media_urlpatterns"


def test_serve_in_a_layer_url() -> None:
    from hybridmedia.conf import LayerURLError, storage_from_url, storages_from_urls

    built = storages_from_urls("file:media,s3://acme-prod-media/media?region=eu-west-1&serve=proxy", base_dir="/srv")
    assert built["default"]["OPTIONS"]["layers"] == [
        "local",
        {"name": "production", "storage": "production", "serve": "proxy"},
    ]
    assert "serve" not in built["production"]["OPTIONS"]
    with pytest.raises(LayerURLError, match="storages_from_urls"):
        storage_from_url("s3://acme-prod-media/media?serve=proxy")
