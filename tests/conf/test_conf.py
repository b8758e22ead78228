"""``hybridmedia.conf``: app settings, and STORAGES built from layer URLs (every option, every error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import override_settings

from hybridmedia import get_hybrid_storage
from hybridmedia.conf import LayerURLError, app_settings, storage_from_url, storages_from_urls
from tests import s3

ISSUE_EXAMPLE = [
    "file:///srv/media?base_url=/media/",
    "s3://acme-prod-media/media?region=eu-west-1&custom_domain=cdn.acme.com",
]


def options(url: str, **kwargs: Any) -> dict[str, Any]:
    return storage_from_url(url, **kwargs)[1]["OPTIONS"]  # type: ignore[no-any-return]


# App settings -----------------------------------------------------------------------------


def test_storage_alias_defaults_to_default() -> None:
    assert app_settings.STORAGE_ALIAS == "default"


def test_app_settings_are_read_lazily_on_each_access() -> None:
    with override_settings(HYBRIDMEDIA_STORAGE_ALIAS="media"):
        assert app_settings.STORAGE_ALIAS == "media"
    assert app_settings.STORAGE_ALIAS == "default"


# The whole STORAGES setting ---------------------------------------------------------------


def test_issue_example_builds_hybrid_and_layers() -> None:
    assert storages_from_urls(ISSUE_EXAMPLE) == {
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "production"]},
        },
        "local": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": "/srv/media", "base_url": "/media/"},
        },
        "production": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "acme-prod-media",
                "location": "media",
                "region_name": "eu-west-1",
                "custom_domain": "cdn.acme.com",
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_a_comma_separated_string_is_accepted_and_blank_items_ignored() -> None:
    assert storages_from_urls(",".join(ISSUE_EXAMPLE) + ", ") == storages_from_urls(ISSUE_EXAMPLE)


def test_default_names_for_one_three_and_four_layers() -> None:
    def layers(count: int) -> list[str]:
        return storages_from_urls(["memory://"] * count)["default"]["OPTIONS"]["layers"]  # type: ignore[no-any-return]

    assert layers(1) == ["local"]
    assert layers(3) == ["local", "staging", "production"]
    assert layers(4) == ["local", "staging1", "staging2", "production"]


def test_layers_are_named_by_fragment_or_name_option() -> None:
    built = storages_from_urls(["memory://#scratch", "memory://?name=qa", "memory://"])
    assert built["default"]["OPTIONS"]["layers"] == ["scratch", "qa", "production"]
    assert set(built) == {"default", "scratch", "qa", "production", "staticfiles"}


def test_hybrid_options_pass_through_to_the_hybrid() -> None:
    built = storages_from_urls(["memory://", "memory://"], lower_delete="error", cache="media", cache_timeout=60)
    assert built["default"]["OPTIONS"] == {
        "layers": ["local", "production"],
        "lower_delete": "error",
        "cache": "media",
        "cache_timeout": 60,
    }
    with pytest.raises(LayerURLError, match="builds the layers option itself"):
        storages_from_urls(["memory://"], layers=["x"])


def test_an_unknown_hybrid_option_is_reported_by_the_hybrid(settings: Any) -> None:
    settings.STORAGES = storages_from_urls(["memory://"], lower_delet="error")
    with pytest.raises(ImproperlyConfigured, match="lower_delet"):
        get_hybrid_storage()


def test_alias_lower_delete_and_staticfiles_parameters() -> None:
    built = storages_from_urls(["memory://"], alias="media", lower_delete="ignore", staticfiles=None)
    assert built == {
        "media": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local"], "lower_delete": "ignore"},
        },
        "local": {"BACKEND": "django.core.files.storage.InMemoryStorage", "OPTIONS": {}},
    }
    custom = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    assert storages_from_urls(["memory://"], staticfiles=custom)["staticfiles"] == custom


def test_relative_file_path_resolves_against_base_dir(tmp_path: Path) -> None:
    assert options("file:media", base_dir=tmp_path)["location"] == str(tmp_path / "media")
    assert options("file:media")["location"] == "media"
    assert options("file://localhost/srv/media")["location"] == "/srv/media"
    assert options("file:///srv/my%20media")["location"] == "/srv/my media"


def test_filesystem_options() -> None:
    assert options(
        "file:///srv/media?base_url=/m/&file_permissions_mode=0o640&directory_permissions_mode=750&allow_overwrite=yes"
    ) == {
        "location": "/srv/media",
        "base_url": "/m/",
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
        "allow_overwrite": True,
    }


def test_memory_options() -> None:
    name, config = storage_from_url("memory://?base_url=/m/&file_permissions_mode=600#scratch")
    assert name == "scratch"
    assert config == {
        "BACKEND": "django.core.files.storage.InMemoryStorage",
        "OPTIONS": {"base_url": "/m/", "file_permissions_mode": 0o600},
    }


def test_every_s3_option() -> None:
    url = (
        "s3://acme-prod-media/media/uploads/?region=eu-west-1&endpoint_url=http://127.0.0.1:9000"
        "&custom_domain=cdn.acme.com&addressing_style=path&querystring_auth=false&querystring_expire=60"
        "&signature_version=s3v4&url_protocol=http&use_ssl=0&verify=off&file_overwrite=no"
        "&default_acl=private&max_memory_size=1024&profile=readonly"
    )
    assert options(url) == {
        "bucket_name": "acme-prod-media",
        "location": "media/uploads",
        "region_name": "eu-west-1",
        "endpoint_url": "http://127.0.0.1:9000",
        "custom_domain": "cdn.acme.com",
        "addressing_style": "path",
        "querystring_auth": False,
        "querystring_expire": 60,
        "signature_version": "s3v4",
        "url_protocol": "http:",
        "use_ssl": False,
        "verify": False,
        "file_overwrite": False,
        "default_acl": "private",
        "max_memory_size": 1024,
        "session_profile": "readonly",
    }


def test_s3_option_aliases() -> None:
    assert options("s3://bucket?region_name=us-east-1&endpoint=https://s3.example.com") == {
        "bucket_name": "bucket",
        "location": "",
        "region_name": "us-east-1",
        "endpoint_url": "https://s3.example.com",
    }
    assert options("s3://bucket?url_protocol=https:&querystring_auth=TRUE")["url_protocol"] == "https:"


def test_s3_credentials_come_from_the_prefixed_environment() -> None:
    environ = {
        "PROD_AWS_ACCESS_KEY_ID": "AKIDPROD",
        "PROD_AWS_SECRET_ACCESS_KEY": "prod-secret",
        "PROD_AWS_SESSION_TOKEN": "token",
    }
    assert options("s3://bucket?credentials_env=PROD", environ=environ) == {
        "bucket_name": "bucket",
        "location": "",
        "access_key": "AKIDPROD",
        "secret_key": "prod-secret",
        "security_token": "token",
    }
    environ.pop("PROD_AWS_SESSION_TOKEN")
    assert "security_token" not in options("s3://bucket?credentials_env=PROD", environ=environ)


def test_s3_credentials_are_left_to_the_default_chain_without_the_option() -> None:
    # django-storages / boto3 then read AWS_ACCESS_KEY_ID, profiles or instance roles themselves.
    assert set(options("s3://bucket")) == {"bucket_name", "location"}


def test_dotted_backend_path_with_json_typed_options() -> None:
    name, config = storage_from_url(
        "django.core.files.storage.FileSystemStorage://?location=/data&base_url=/d/&file_permissions_mode=420"
        '&directory_permissions_mode="493"#archive'
    )
    assert name == "archive"
    assert config == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": "/data",
            "base_url": "/d/",
            "file_permissions_mode": 420,
            "directory_permissions_mode": "493",
        },
    }


def test_dotted_backend_taking_kwargs_is_not_second_guessed() -> None:
    # S3Storage accepts **settings and validates them itself when instantiated.
    assert options("storages.backends.s3.S3Storage://?bucket_name=b&anything=1") == {
        "bucket_name": "b",
        "anything": 1,
    }


# Errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/srv/media", "has no scheme"),
        ("relative/media", "has no scheme"),
        ("ftp://host/media", "unknown scheme 'ftp'"),
        ("s3://bucket:9000/media", "'bucket:9000' is not a bucket name"),
        ("s3://[::1/media", "is malformed"),
        ("s3://Bad_Bucket", "invalid bucket name 'Bad_Bucket'"),
        ("s3://a..b", "invalid bucket name 'a..b'"),
        ("s3:///media", "invalid bucket name ''"),
        ("file://media/photos", "names the host 'media'"),
        ("file://", "has no directory"),
        ("memory://somewhere", "remove 'somewhere'"),
        ("django.core.files.storage.InMemoryStorage://host/path", "remove 'host/path'"),
        ("no.such.module.Backend://", "'no.such.module.Backend'"),
        ("django.conf.settings://", "is not a Django Storage class"),
        ("hybridmedia.conf.AppSettings://", "is not a Django Storage class"),
        ("s3://bucket?region=eu-west-1&region=us-east-1", "'region' more than once"),
        ("s3://bucket?region=eu-west-1&region_name=us-east-1", "'region_name' twice"),
        ("s3://bucket?&=x", "query string"),
        ("memory://#a#b", "invalid layer name 'a#b'"),
        ("memory://?name=has space", "invalid layer name 'has space'"),
        ("memory://?name=a#b", "names its layer twice"),
        ("file:///srv/media?credentials_env=PROD", "applies to s3://, http:// and https:// layers only"),
        ("s3://bucket?credentials_env=1BAD", "credentials_env of layer URL 's3://bucket?credentials_env=***' must be"),
    ],
)
def test_malformed_urls_name_the_bad_part(url: str, named: str) -> None:
    with pytest.raises(LayerURLError, match=None) as info:
        storages_from_urls([url])
    assert isinstance(info.value, ImproperlyConfigured)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("url", "option"),
    [
        ("file:///srv/media?regoin=x", "'regoin'"),
        ("file:///srv/media?location=/x", "'location'"),
        ("memory://?allow_overwrite=1", "'allow_overwrite'"),
        ("s3://bucket?regoin=eu-west-1", "'regoin'"),
        ("s3://bucket?location=media", "'location'"),
        ("s3://bucket?bucket_name=other", "'bucket_name'"),
        ("django.core.files.storage.InMemoryStorage://?nope=1", "'nope'"),
    ],
)
def test_unknown_options_are_named_with_the_known_ones(url: str, option: str) -> None:
    with pytest.raises(LayerURLError) as info:
        storages_from_urls([url])
    assert f"unknown option {option}" in str(info.value)
    assert "Known options:" in str(info.value) and "name" in str(info.value)


def test_unknown_s3_option_lists_credentials_env() -> None:
    with pytest.raises(LayerURLError, match="for s3:// layers. Known options: .*credentials_env"):
        storage_from_url("s3://bucket?acl=private")


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("querystring_auth=maybe", "querystring_auth='maybe' of layer URL"),
        ("querystring_auth=", "must be true or false"),
        ("querystring_expire=soon", "must be a whole number"),
        ("max_memory_size=1.5", "must be a whole number"),
        ("addressing_style=dns", "must be one of auto, virtual, path"),
        ("endpoint_url=localhost:9000", "must be an http:// or https:// URL"),
        ("endpoint_url=http://user:pw@localhost:9000", "must not contain credentials"),
        ("custom_domain=https://cdn.acme.com", "without a scheme"),
        ("custom_domain=", "must be a host name"),
        ("region=EU_WEST", "must be an AWS region"),
        ("url_protocol=ftp", "must be http or https"),
        ("signature_version=", "needs a value"),
        ("use_ssl=2", "must be true or false"),
    ],
)
def test_bad_s3_option_values(query: str, named: str) -> None:
    with pytest.raises(LayerURLError) as info:
        storage_from_url(f"s3://bucket?{query}")
    assert named in str(info.value)


def test_bad_filesystem_option_values() -> None:
    with pytest.raises(LayerURLError, match="must be an octal file mode"):
        storage_from_url("file:///srv?file_permissions_mode=rw-r--r--")
    with pytest.raises(LayerURLError, match="base_url=''.*needs a value"):
        storage_from_url("file:///srv?base_url=")


@pytest.mark.parametrize(
    "url",
    [
        "s3://AKIDEXAMPLE:wJalrXUtnFEMI@bucket/media",
        "s3://AKIDEXAMPLE@bucket/media",
        "s3://bucket/media?access_key=AKIDEXAMPLE&secret_key=wJalrXUtnFEMI",
        "s3://bucket/media?SECRET_KEY=wJalrXUtnFEMI",
    ],
)
def test_credentials_in_the_url_are_refused_and_never_echoed(url: str) -> None:
    with pytest.raises(LayerURLError) as info:
        storage_from_url(url)
    message = str(info.value)
    assert "Never put credentials in a URL" in message
    assert "wJalrXUtnFEMI" not in message


def test_missing_prefixed_credentials_are_named() -> None:
    with pytest.raises(LayerURLError, match="PROD_AWS_SECRET_ACCESS_KEY is not set"):
        storage_from_url("s3://bucket?credentials_env=PROD", environ={"PROD_AWS_ACCESS_KEY_ID": "x"})


@pytest.mark.parametrize("urls", [[], "", " , ", [" "]])
def test_no_layers_is_an_error(urls: Any) -> None:
    with pytest.raises(LayerURLError, match="No layer URLs were given"):
        storages_from_urls(urls)


def test_non_string_url_is_an_error() -> None:
    with pytest.raises(LayerURLError, match="must be a non-empty string, got None"):
        storages_from_urls([None])  # type: ignore[list-item]


def test_duplicate_layer_names_are_an_error() -> None:
    with pytest.raises(LayerURLError, match="Two layer URLs are named 'cache'"):
        storages_from_urls(["memory://#cache", "memory://?name=cache"])
    with pytest.raises(LayerURLError, match="Two layer URLs are named 'production'"):
        storages_from_urls(["memory://#production", "memory://"])


@pytest.mark.parametrize(("name", "alias"), [("default", "default"), ("media", "media"), ("staticfiles", "default")])
def test_a_layer_cannot_take_another_entrys_alias(name: str, alias: str) -> None:
    with pytest.raises(LayerURLError, match=f"is named '{name}', which is the alias of another"):
        storages_from_urls([f"memory://#{name}"], alias=alias)


def test_staticfiles_is_a_free_name_when_not_generated() -> None:
    assert "staticfiles" in storages_from_urls(["memory://#staticfiles"], staticfiles=None)


# The built setting works end to end ---------------------------------------------------------


def test_built_storages_serve_a_real_bucket(tmp_path: Path, production: s3.Bucket) -> None:
    production.put("homes/1.jpg", b"production photo")
    built = storages_from_urls(
        [
            "file:local?base_url=/media/",
            (
                f"s3://{production.name}?endpoint_url={production.endpoint_url}&region=us-east-1"
                "&addressing_style=path&querystring_auth=false&credentials_env=TEST"
            ),
        ],
        base_dir=tmp_path,
        environ={"TEST_AWS_ACCESS_KEY_ID": s3.ACCESS_KEY, "TEST_AWS_SECRET_ACCESS_KEY": s3.SECRET_KEY},
    )
    with override_settings(STORAGES=built):
        storage = get_hybrid_storage()
        assert [layer.name for layer in storage.layers] == ["local", "production"]
        assert storage.open("homes/1.jpg").read() == b"production photo"
        assert storage.url("homes/1.jpg") == f"{production.endpoint_url}/{production.name}/homes/1.jpg"
        storage.save("homes/2.jpg", ContentFile(b"local photo"))
        assert (tmp_path / "local" / "homes" / "2.jpg").read_bytes() == b"local photo"
        assert storage.origin("homes/2.jpg").name == "local"  # type: ignore[union-attr]
        call_command("check")  # no hybridmedia.E0xx: the built setting is valid
