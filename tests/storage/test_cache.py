"""The origin cache and URL memoisation, proved by counting the requests S3 receives."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.files.base import ContentFile

from hybridmedia.exceptions import LayerConfigurationError
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.cache import LocalLRUCache
from tests.s3 import Bucket

Requests = list[tuple[str, str]]

pytestmark = pytest.mark.every_s3_server


def make(local_config: dict[str, Any], *buckets: Bucket, **options: Any) -> HybridStorage:
    layers: list[Any] = [{"name": "local", "storage": local_config}]
    layers += [{"name": f"lower{i}", "storage": bucket.config()} for i, bucket in enumerate(buckets)]
    return HybridStorage(layers=layers, **options)


def methods(requests: Requests) -> list[str]:
    return [method for method, _ in requests]


@pytest.fixture
def seeded(production: Bucket, s3_requests: Requests) -> Bucket:
    production.put("homes/1.jpg", b"12345")
    s3_requests.clear()
    return production


class TestOriginCache:
    def test_exists_size_and_mtime_of_a_production_file_cost_one_request(
        self, hybrid: HybridStorage, seeded: Bucket, s3_requests: Requests
    ) -> None:
        assert hybrid.exists("homes/1.jpg")
        assert methods(s3_requests) == ["HEAD"]
        assert hybrid.size("homes/1.jpg") == 5
        assert hybrid.get_modified_time("homes/1.jpg").tzinfo is not None
        assert hybrid.exists("homes/1.jpg")
        assert hybrid.origin("homes/1.jpg").name == "production"
        assert methods(s3_requests) == ["HEAD"]

    def test_cold_size_is_one_request(self, hybrid: HybridStorage, seeded: Bucket, s3_requests: Requests) -> None:
        assert hybrid.size("homes/1.jpg") == 5
        assert hybrid.get_modified_time("homes/1.jpg") is not None
        assert methods(s3_requests) == ["HEAD"]

    def test_missing_names_are_cached_too(self, hybrid: HybridStorage, seeded: Bucket, s3_requests: Requests) -> None:
        assert not hybrid.exists("homes/none.jpg")
        assert not hybrid.exists("homes/none.jpg")
        with pytest.raises(FileNotFoundError):
            hybrid.open("homes/none.jpg")
        with pytest.raises(FileNotFoundError):
            hybrid.size("homes/none.jpg")
        # The layer's first "missing" checks once that its bucket is there (a one-key listing).
        assert methods(s3_requests) == ["HEAD", "GET"]
        assert not hybrid.exists("homes/other.jpg")
        assert methods(s3_requests) == ["HEAD", "GET", "HEAD"]

    def test_local_files_never_ask_production(
        self, hybrid: HybridStorage, seeded: Bucket, s3_requests: Requests
    ) -> None:
        hybrid.top.storage.save("mine.jpg", ContentFile(b"x"))
        for _ in range(3):
            assert hybrid.exists("mine.jpg") and hybrid.size("mine.jpg") == 1
            assert hybrid.url("mine.jpg") == "/media/mine.jpg"
            assert hybrid.open("mine.jpg").read() == b"x"
        assert s3_requests == []

    def test_open_costs_what_s3storage_costs_and_teaches_the_cache(
        self, hybrid: HybridStorage, seeded: Bucket, s3_requests: Requests
    ) -> None:
        from storages.backends.s3 import S3Storage

        with S3Storage(**seeded.options()).open("homes/1.jpg") as f:
            assert f.read() == b"12345"
        plain = methods(s3_requests)
        s3_requests.clear()
        with hybrid.open("homes/1.jpg") as f:
            assert f.read() == b"12345"
        assert methods(s3_requests) == plain  # S3Storage's own requests, no extra probe
        s3_requests.clear()
        assert hybrid.exists("homes/1.jpg") and hybrid.size("homes/1.jpg") == 5
        assert s3_requests == []

    def test_a_file_removed_from_production_is_noticed_by_open(
        self, hybrid: HybridStorage, production: Bucket, s3_requests: Requests
    ) -> None:
        production.put("gone.jpg")
        assert hybrid.exists("gone.jpg")
        production.client.delete_object(Bucket=production.name, Key="gone.jpg")
        del production.seeded["gone.jpg"]
        with pytest.raises(FileNotFoundError):
            hybrid.open("gone.jpg")
        assert not hybrid.exists("gone.jpg")  # the stale "exists" was replaced

    def test_bypass_cache_asks_again_and_refreshes(
        self, hybrid: HybridStorage, production: Bucket, s3_requests: Requests
    ) -> None:
        assert not hybrid.exists("late.jpg")
        production.put("late.jpg")
        assert not hybrid.exists("late.jpg")  # cached answer, within cache_timeout
        with hybrid.bypass_cache():
            assert hybrid.exists("late.jpg")
        assert hybrid.exists("late.jpg")  # the fresh answer replaced the cached one

    def test_answers_expire_after_cache_timeout(
        self, local_config: dict[str, Any], production: Bucket, s3_requests: Requests
    ) -> None:
        hybrid = make(local_config, production, cache_timeout=0.2)
        assert not hybrid.exists("later.jpg")
        production.put("later.jpg")
        time.sleep(0.3)
        assert hybrid.exists("later.jpg")

    def test_cache_timeout_zero_turns_the_cache_off(
        self, local_config: dict[str, Any], seeded: Bucket, s3_requests: Requests
    ) -> None:
        hybrid = make(local_config, seeded, cache_timeout=0)
        for _ in range(3):
            assert hybrid.exists("homes/1.jpg")
        assert methods(s3_requests) == ["HEAD", "HEAD", "HEAD"]

    def test_a_caches_alias_is_shared_between_hybrids(
        self, settings: Any, local_config: dict[str, Any], seeded: Bucket, s3_requests: Requests
    ) -> None:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "media": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "media"},
        }
        first = make(local_config, seeded, cache="media")
        second = make(local_config, seeded, cache="media")
        assert first.size("homes/1.jpg") == 5
        assert second.size("homes/1.jpg") == 5 and second.exists("homes/1.jpg")
        assert methods(s3_requests) == ["HEAD"]

    def test_name_availability_and_delete_never_trust_a_cached_miss(
        self, hybrid: HybridStorage, production: Bucket, s3_requests: Requests
    ) -> None:
        assert not hybrid.exists("new.jpg")
        production.put("new.jpg", b"prod")
        assert not hybrid.is_name_available("new.jpg")
        assert hybrid.save("new.jpg", ContentFile(b"upload")) != "new.jpg"
        hybrid.delete("new.jpg")
        assert list(hybrid.whiteouts()) == ["new.jpg"]

    def test_middle_layer_url_is_cached(
        self, local_config: dict[str, Any], make_bucket: Any, s3_requests: Requests
    ) -> None:
        staging, production = make_bucket(), make_bucket()
        staging.put("s.jpg")
        hybrid = make(local_config, staging, production)
        s3_requests.clear()
        for _ in range(3):
            assert staging.name in hybrid.url("s.jpg")
            assert production.name in hybrid.url("p.jpg")
        # One probe of staging per name, and staging's first "missing" checks its bucket once.
        assert methods(s3_requests) == ["HEAD", "HEAD", "GET"]

    def test_url_layer_presumes_the_bottom_without_a_request(
        self, hybrid: HybridStorage, seeded: Bucket, s3_requests: Requests
    ) -> None:
        hybrid.top.storage.save("mine.jpg", ContentFile(b"x"))
        assert hybrid.url_layer("homes/1.jpg").name == "production"
        assert hybrid.url_layer("mine.jpg").name == "local"
        assert hybrid.url_with_layer("homes/1.jpg") == (hybrid.url("homes/1.jpg"), hybrid.layer("production"))
        assert hybrid.url_with_layer("mine.jpg") == (hybrid.top.storage.url("mine.jpg"), hybrid.top)
        assert s3_requests == []

    @pytest.mark.parametrize(
        ("options", "fragment"),
        [
            ({"cache": 5}, "cache=5"),
            ({"cache_timeout": -1}, "cache_timeout=-1"),
            ({"cache_timeout": "300"}, "cache_timeout='300'"),
        ],
    )
    def test_bad_cache_options(self, options: dict[str, Any], fragment: str) -> None:
        with pytest.raises(LayerConfigurationError, match=fragment) as caught:
            HybridStorage(layers=["local"], **options)
        assert caught.value.check_id == "hybridmedia.E009"

    def test_unknown_caches_alias(self, local_config: dict[str, Any], production: Bucket) -> None:
        hybrid = make(local_config, production, cache="nope")
        with pytest.raises(LayerConfigurationError, match="'nope' is not in settings.CACHES"):
            hybrid.exists("x.jpg")


class TestUrlMemo:
    def count_url_calls(self, monkeypatch: pytest.MonkeyPatch, storage: Any) -> list[str]:
        calls: list[str] = []
        original = storage.url

        def url(name: str, *args: Any, **kwargs: Any) -> str:
            calls.append(name)
            return original(name, *args, **kwargs)

        monkeypatch.setattr(storage, "url", url)
        return calls

    def test_deterministic_urls_are_built_once(
        self, hybrid: HybridStorage, monkeypatch: pytest.MonkeyPatch, s3_requests: Requests
    ) -> None:
        calls = self.count_url_calls(monkeypatch, hybrid.layers[1].storage)
        urls = {hybrid.url("homes/1.jpg") for _ in range(5)}
        assert len(urls) == 1 and calls == ["homes/1.jpg"]
        assert s3_requests == []

    def test_signed_urls_are_never_memoised(
        self, local_config: dict[str, Any], production: Bucket, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        hybrid = HybridStorage(
            layers=[
                {"name": "local", "storage": local_config},
                {"name": "production", "storage": production.config(querystring_auth=True)},
            ]
        )
        calls = self.count_url_calls(monkeypatch, hybrid.layers[1].storage)
        hybrid.url("a.jpg")
        hybrid.url("a.jpg")
        assert calls == ["a.jpg", "a.jpg"]

    def test_memo_follows_settings_changes(self, settings: Any, tmp_path: Any) -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "local": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
        }
        settings.MEDIA_URL = "/media/"
        hybrid = HybridStorage(layers=["local"])
        assert hybrid.url("a.jpg") == "/media/a.jpg"
        settings.MEDIA_URL = "/uploads/"
        assert hybrid.url("a.jpg") == "/uploads/a.jpg"


class TestLocalLRUCache:
    def test_evicts_the_least_recently_used(self) -> None:
        cache = LocalLRUCache(max_entries=2)
        cache.set("a", 1)
        cache.set("b", 2)
        assert cache.get("a") == 1
        cache.set("c", 3)
        assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
        assert len(cache) == 2

    def test_expiry_and_clear(self) -> None:
        cache = LocalLRUCache()
        cache.set("a", 1, timeout=-1)
        assert cache.get("a", "default") == "default"
        cache.set("b", 2)
        cache.clear()
        assert cache.get("b") is None
