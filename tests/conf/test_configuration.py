"""Configuration: the layers option, its errors, system checks, deconstruction and get_hybrid_storage()."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db.migrations.writer import MigrationWriter
from django.test import override_settings

from hybridmedia import get_hybrid_storage
from hybridmedia.exceptions import Check, LayerConfigurationError
from hybridmedia.storage import HybridStorage

FS = "django.core.files.storage.FileSystemStorage"
HYBRID = "hybridmedia.storage.HybridStorage"


@pytest.fixture
def configured(settings: Any, tmp_path: Any, production: Any) -> dict[str, Any]:
    settings.DEBUG = True  # pytest-django turns DEBUG off; W001 is tested on its own.
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", "production"]}},
        "local": {"BACKEND": FS, "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"}},
        "production": production.config(),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return settings.STORAGES  # type: ignore[no-any-return]


def hybrid_with(settings: Any, options: dict[str, Any], **extra_storages: Any) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": options},
        "local": {"BACKEND": FS, "OPTIONS": {"location": "/tmp/hybridmedia-never-written"}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        **extra_storages,
    }


class TestSettings:
    def test_aliases_from_storages(self, configured: dict[str, Any], production: Any) -> None:
        hybrid = storages["default"]
        assert isinstance(hybrid, HybridStorage)
        assert default_storage.exists("nothing.jpg") is False  # default_storage is the hybrid too
        assert [layer.name for layer in hybrid.layers] == ["local", "production"]
        assert hybrid.layers[1].storage.bucket_name == production.name

    def test_dict_layers_with_names_and_aliases(self, configured: dict[str, Any]) -> None:
        hybrid = HybridStorage(layers=[{"name": "mine", "storage": "local"}, {"name": "prod", "storage": "production"}])
        assert [layer.name for layer in hybrid.layers] == ["mine", "prod"]

    def test_layers_follow_settings_changes(self, configured: dict[str, Any], tmp_path: Any) -> None:
        hybrid = HybridStorage(layers=["local"])
        assert hybrid.top.storage.location == str(tmp_path)
        other = tmp_path / "other"
        with override_settings(STORAGES={**configured, "local": {"BACKEND": FS, "OPTIONS": {"location": str(other)}}}):
            assert hybrid.top.storage.location == str(other)

    def test_the_top_layer_is_not_the_shared_storages_instance(self, configured: dict[str, Any]) -> None:
        hybrid = storages["default"]
        assert hybrid.layers[1].storage is not storages["production"]
        storages["production"].exists("x")  # the plain alias stays a normal, writable S3Storage


class TestErrors:
    @pytest.mark.parametrize(
        ("options", "check_id", "fragment"),
        [
            ({}, "hybridmedia.E001", "non-empty list of layers"),
            ({"layers": []}, "hybridmedia.E001", "non-empty list of layers"),
            ({"layers": "local"}, "hybridmedia.E001", "non-empty list of layers"),
            ({"layers": [42]}, "hybridmedia.E002", "neither a STORAGES alias"),
            ({"layers": [{"name": "x"}]}, "hybridmedia.E002", "neither a STORAGES alias"),
            ({"layers": [{"storage": {"BACKEND": FS}}]}, "hybridmedia.E002", "invalid storage"),
            ({"layers": [{"name": "x", "storage": {"BACKEND": FS, "OPTONS": {}}}]}, "hybridmedia.E002", "unknown keys"),
            ({"layers": ["local", "local"]}, "hybridmedia.E004", "more than once"),
            ({"layers": ["local", {"name": "local", "storage": "other"}]}, "hybridmedia.E004", "name 'local'"),
            ({"layers": ["local"], "cache_everything": True}, "hybridmedia.E007", "unknown option"),
            ({"layers": ["local"], "lower_delete": "purge"}, "hybridmedia.E008", "lower_delete='purge'"),
        ],
    )
    def test_construction_errors(self, options: dict[str, Any], check_id: str, fragment: str) -> None:
        with pytest.raises(LayerConfigurationError, match=fragment) as caught:
            HybridStorage(**options)
        assert caught.value.check_id == check_id
        assert isinstance(caught.value, ImproperlyConfigured)
        assert caught.value.hint in str(caught.value)  # the message says how to fix it

    def test_unknown_alias(self, settings: Any) -> None:
        hybrid_with(settings, {"layers": ["local", "prodution"]})
        with pytest.raises(ImproperlyConfigured, match=r"STORAGES\['prodution'\], which does not exist") as caught:
            _ = storages["default"].layers
        assert "'local'" in str(caught.value)  # lists the aliases that do exist

    def test_unimportable_backend(self, settings: Any) -> None:
        hybrid_with(settings, {"layers": ["local", {"name": "p", "storage": {"BACKEND": "no.such.Backend"}}]})
        with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
            _ = storages["default"].layers

    def test_a_hybrid_cannot_be_a_layer(self, settings: Any) -> None:
        hybrid_with(settings, {"layers": ["local", "default"]})
        with pytest.raises(ImproperlyConfigured, match="is itself a HybridStorage"):
            _ = storages["default"].layers


S3 = "storages.backends.s3.S3Storage"
ENDPOINT_WITH_LOGIN = {"bucket_name": "b", "endpoint_url": "http://user:pass@127.0.0.1:9"}
SCHEMELESS_LOGIN = {"bucket_name": "b", "endpoint_url": "minio:supersecretpw@127.0.0.1:9000"}


class TestChecks:
    @pytest.mark.parametrize(
        ("options", "check_id"),
        [
            ({"layers": []}, "hybridmedia.E001"),
            ({"layers": [7]}, "hybridmedia.E002"),
            ({"layers": ["local", "missing"]}, "hybridmedia.E003"),
            ({"layers": ["local", "local"]}, "hybridmedia.E004"),
            ({"layers": ["local", {"name": "p", "storage": {"BACKEND": "no.such.Backend"}}]}, "hybridmedia.E005"),
            ({"layers": ["local", "default"]}, "hybridmedia.E006"),
            ({"layers": ["local", "other_hybrid"]}, "hybridmedia.E006"),
            ({"layers": ["local"], "colour": "blue"}, "hybridmedia.E007"),
            ({"layers": ["local"], "lower_delete": "nope"}, "hybridmedia.E008"),
            ({"layers": ["local"], "cache": "no-such-cache"}, "hybridmedia.E009"),
            ({"layers": ["local"], "cache_timeout": -5}, "hybridmedia.E009"),
            ({"layers": ["local"], "unavailable": "maybe"}, "hybridmedia.E010"),
            ({"layers": ["local"], "lower_paths": "yes"}, "hybridmedia.E012"),
            (
                {"layers": ["local", {"name": "p", "storage": {"BACKEND": S3, "OPTIONS": ENDPOINT_WITH_LOGIN}}]},
                "hybridmedia.E013",
            ),
            (
                {"layers": ["local", {"name": "p", "storage": {"BACKEND": S3, "OPTIONS": SCHEMELESS_LOGIN}}]},
                "hybridmedia.E013",
            ),
        ],
    )
    def test_each_error_is_reported_by_manage_py_check(
        self, settings: Any, options: dict[str, Any], check_id: str
    ) -> None:
        hybrid_with(settings, options, other_hybrid={"BACKEND": HYBRID, "OPTIONS": {"layers": ["local"]}})
        with pytest.raises(SystemCheckError, match=check_id) as caught:
            call_command("check")
        assert "HINT:" in str(caught.value)

    def test_e011_write_layer_in_the_same_store_as_a_lower_layer(self, settings: Any, tmp_path: Any) -> None:
        same = {"BACKEND": FS, "OPTIONS": {"location": str(tmp_path)}}
        inside = {"BACKEND": FS, "OPTIONS": {"location": str(tmp_path / "local")}}
        for top in (same, inside):
            hybrid_with(settings, {"layers": [{"name": "dev", "storage": top}, {"name": "prod", "storage": same}]})
            with pytest.raises(SystemCheckError, match="hybridmedia.E011") as caught:
                call_command("check")
            assert "'prod'" in str(caught.value)

    def test_e011_same_bucket_and_location(self, settings: Any, production: Any) -> None:
        hybrid_with(
            settings,
            {"layers": [{"name": "dev", "storage": production.config()}, "production"]},
            production=production.config(),
        )
        with pytest.raises(SystemCheckError, match="hybridmedia.E011"):
            call_command("check")

    def test_lists_itself(self, settings: Any) -> None:
        hybrid_with(settings, {"layers": ["local", "default"]})
        with pytest.raises(SystemCheckError, match=r"STORAGES\['default'\] lists itself"):
            call_command("check")

    def test_valid_configuration_passes(self, configured: dict[str, Any], capsys: Any) -> None:
        call_command("check")
        assert "no issues" in capsys.readouterr().out

    def test_w001_when_debug_is_off(self, configured: dict[str, Any], settings: Any) -> None:
        settings.DEBUG = False
        with pytest.raises(SystemCheckError, match="hybridmedia.W001"):
            call_command("check", fail_level="WARNING")
        settings.SILENCED_SYSTEM_CHECKS = ["hybridmedia.W001"]
        call_command("check", fail_level="WARNING")

    def test_no_w001_without_a_hybrid(self, settings: Any) -> None:
        settings.DEBUG = False
        call_command("check", fail_level="WARNING")


class TestDeconstruct:
    def test_aliases_roundtrip_and_serialize(self) -> None:
        storage = HybridStorage(layers=["local", "production"], lower_delete="ignore")
        path, args, kwargs = storage.deconstruct()
        assert path == HYBRID
        assert kwargs == {"layers": ["local", "production"], "lower_delete": "ignore"}
        code, imports = MigrationWriter.serialize(storage)
        assert code == "hybridmedia.storage.HybridStorage(layers=['local', 'production'], lower_delete='ignore')"
        assert imports == {"import hybridmedia.storage"}

    def test_inline_options_with_secrets_stay_out_of_migrations(self, production: Any) -> None:
        config = production.config(secret_key="TOP-SECRET-VALUE")
        storage = HybridStorage(layers=["local", {"name": "production", "storage": config}])
        code, _ = MigrationWriter.serialize(storage)
        assert "TOP-SECRET-VALUE" not in code and production.endpoint_url not in code
        assert "'BACKEND': 'storages.backends.s3.S3Storage'" in code

    def test_equal_configurations_deconstruct_equally(self) -> None:
        assert HybridStorage(layers=["a", "b"]).deconstruct() == HybridStorage(layers=["a", "b"]).deconstruct()


class TestGetHybridStorage:
    def test_returns_the_configured_hybrid(self, configured: dict[str, Any]) -> None:
        assert get_hybrid_storage() is storages["default"]

    def test_the_default_alias_is_a_setting(self, configured: dict[str, Any], settings: Any) -> None:
        settings.STORAGES = {"media": configured["default"], **configured}
        settings.HYBRIDMEDIA_STORAGE_ALIAS = "media"
        assert get_hybrid_storage() is storages["media"]

    def test_unknown_alias(self, configured: dict[str, Any]) -> None:
        with pytest.raises(ImproperlyConfigured, match="There is no storage 'media'"):
            get_hybrid_storage("media")

    def test_not_a_hybrid(self, configured: dict[str, Any]) -> None:
        with pytest.raises(ImproperlyConfigured, match="FileSystemStorage, not a HybridStorage"):
            get_hybrid_storage("local")
        assert isinstance(storages["local"], FileSystemStorage)


ROOT = Path(__file__).resolve().parents[2]


def test_every_check_id_is_defined_once_and_documented() -> None:
    documented = re.findall(r"^\| `(hybridmedia\.[EW]\d{3})`", (ROOT / "docs/checks.md").read_text(), re.MULTILINE)
    assert documented == sorted(documented) == sorted(check.value for check in Check)
