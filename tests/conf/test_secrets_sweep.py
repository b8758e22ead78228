"""A secrets sweep: plant credentials wherever a configuration can hold one, trigger every error path.

Each credential-like option of each layer kind and URL form carries one of a few distinctive secrets;
the tests then break the configuration, or make the layer unreachable, and read everything hybridmedia
says about it: exception texts, log records, ``manage.py check``, the commands' output and the admin's
HTML. None may contain a secret. (A botocore exception chained as ``__cause__`` may quote what it was
given; what hybridmedia raises, logs and prints may not.)
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from io import StringIO
from typing import Any
from urllib.parse import quote

import pytest
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import Client

from hybridmedia.conf import LayerURLError, storage_from_url, storages_from_urls
from hybridmedia.exceptions import LayerConfigurationError, LayerMisconfigured, LayerUnavailable
from hybridmedia.storage import HybridStorage

# A "/" and a "+" mislead URL parsers (a "/" ends the authority early, a "+" decodes to a space).
SLASHED = "SWEEP-SECRET-7f3a/TailPart9+Q"
PLAIN = "SweepSecretPlain2k"
ACCESS_KEY = "AKIASWEEPACCESSKEY01"
# Any of these in a text is a leak, whole or in part (a prefix before the "/", a percent-encoded form).
MARKERS = ("SWEEP-SECRET", "TailPart9", PLAIN, ACCESS_KEY)

HYBRID = "hybridmedia.storage.HybridStorage"
S3 = "storages.backends.s3.S3Storage"
STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
BROWSER = "/admin/hybridmedia/mediafile/"
DETAIL = "/admin/hybridmedia/mediafile/file/"
DELETE_LOCAL = "/admin/hybridmedia/mediafile/file/delete-local/"
COMMANDS = [
    ("media_origin", "homes/production-only.jpg"),
    ("media_origin", "http://elsewhere.example/homes/1.jpg"),
    ("media_shadows",),
    ("purge_local_media", "--noinput", "--shadowed-only"),
    ("purge_local_media", "--dry-run"),
]


def assert_clean(*texts: object) -> None:
    for text in texts:
        for marker in MARKERS:
            assert marker not in str(text), f"{marker!r} leaked into: {text}"


def assert_exception_clean(exc: BaseException) -> None:
    """Check ``exc`` and every hybridmedia or Django exception it was raised from."""
    seen: BaseException | None = exc
    while seen is not None:
        if seen is exc or type(seen).__module__.startswith(("hybridmedia", "django")):
            assert_clean(str(seen), repr(seen), *(getattr(seen, name, "") for name in ("message", "hint", "reason")))
            assert_clean(getattr(seen, "endpoint", ""))
        seen = seen.__cause__ or seen.__context__


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3_options(password: str = PLAIN, **overrides: Any) -> dict[str, Any]:
    """Inline S3 OPTIONS with a secret in every credential-like option, over a closed port."""
    return {
        "bucket_name": "sweep-production",
        "endpoint_url": f"http://127.0.0.1:{free_port()}",
        "access_key": ACCESS_KEY,
        "secret_key": SLASHED,
        "security_token": PLAIN,
        "object_parameters": {"SSECustomerKey": SLASHED, "SSECustomerAlgorithm": "AES256"},
        "region_name": "us-east-1",
        "querystring_auth": False,
        "client_config": Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
        **overrides,
    }


def s3_config(**overrides: Any) -> dict[str, Any]:
    return {"BACKEND": S3, "OPTIONS": s3_options(**overrides)}


# Malformed layer configurations ------------------------------------------------------------------

SHARED = s3_config()
BAD_LAYERS: dict[str, Any] = {
    "a dict instead of a list": {"production": s3_config()},
    "a string instead of a list": f"s3://{ACCESS_KEY}:{SLASHED}@bucket",
    "a layer without a name": ["local", {"storage": s3_config()}],
    "a layer with an unknown key": ["local", {"name": "p", "storage": "local", "options": s3_options()}],
    "a layer that is a bare config": ["local", s3_config()],
    "an inline storage with unknown keys": [
        "local",
        {"name": "p", "storage": {**s3_config(), "CREDENTIALS": {"password": PLAIN}}},
    ],
    "a name that holds a secret": ["local", {"name": {"password": PLAIN}, "storage": "local"}],
    "an unimportable backend": ["local", {"name": "p", "storage": {"BACKEND": "no.such.Backend", "OPTIONS": {}}}],
    "a backend URL with a login": [
        "local",
        {"name": "p", "storage": {"BACKEND": f"https://deploy:{SLASHED}@pkgs.example.com/x.Backend"}},
    ],
    "a backend that is not a storage": [
        "local",
        {"name": "p", "storage": {"BACKEND": "hybridmedia.conf.AppSettings", "OPTIONS": s3_options()}},
    ],
    "a hybrid as a layer": [
        "local",
        {"name": "p", "storage": {"BACKEND": HYBRID, "OPTIONS": {"layers": [{"name": "q", "storage": s3_config()}]}}},
    ],
    "an option S3Storage does not know": ["local", {"name": "p", "storage": s3_config(not_an_option=PLAIN)}],
    "a write layer that is a lower layer": [{"name": "dev", "storage": SHARED}, {"name": "prod", "storage": SHARED}],
}


def hybrid_settings(settings: Any, local_config: dict[str, Any], layers: Any) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": layers}},
        "local": local_config,
        "staticfiles": STATICFILES,
    }


@pytest.mark.parametrize("layers", BAD_LAYERS.values(), ids=BAD_LAYERS.keys())
def test_malformed_layers_are_reported_without_secrets(
    settings: Any, local_config: dict[str, Any], layers: Any
) -> None:
    hybrid_settings(settings, local_config, layers)
    with pytest.raises(ImproperlyConfigured) as caught:
        HybridStorage(layers=layers).layers  # noqa: B018 - building the layers raises
    assert_exception_clean(caught.value)


@pytest.mark.parametrize("layers", BAD_LAYERS.values(), ids=BAD_LAYERS.keys())
def test_manage_py_check_reports_malformed_layers_without_secrets(
    settings: Any, local_config: dict[str, Any], layers: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    hybrid_settings(settings, local_config, layers)
    with pytest.raises((SystemCheckError, ImproperlyConfigured)) as caught:
        call_command("check")
    assert_exception_clean(caught.value)
    assert_clean(*capsys.readouterr())


@pytest.mark.parametrize("layers", BAD_LAYERS.values(), ids=BAD_LAYERS.keys())
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_report_malformed_layers_without_secrets(
    settings: Any, local_config: dict[str, Any], layers: Any, command: tuple[str, ...]
) -> None:
    hybrid_settings(settings, local_config, layers)
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError, match="Cannot use --storage") as caught:
        call_command(*command, stdout=stdout, stderr=stderr)
    assert_exception_clean(caught.value)
    assert_clean(stdout.getvalue(), stderr.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("layers", BAD_LAYERS.values(), ids=BAD_LAYERS.keys())
def test_the_admin_reports_malformed_layers_without_secrets(
    admin_client: Client, settings: Any, local_config: dict[str, Any], layers: Any
) -> None:
    hybrid_settings(settings, local_config, layers)
    for url in (BROWSER, f"{DETAIL}?name=homes/1.jpg"):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert response.context["config_error"]
        assert_clean(response.content.decode())


# Layer URLs --------------------------------------------------------------------------------------

ENCODED_ENDPOINT = quote(f"http://sweepuser:{SLASHED}@minio.local:9000", safe="")
BAD_URLS = [
    # Userinfo, with and without a "/" in the secret, a token alone, and s3:// forgotten.
    f"s3://{ACCESS_KEY}:{SLASHED}@bucket/media",
    f"s3://{ACCESS_KEY}:{PLAIN}@bucket/media",
    f"s3://{PLAIN}@bucket/media",
    f"{ACCESS_KEY}:{SLASHED}@bucket/media",
    # Credentials as query options, under every name they go by.
    f"s3://bucket/media?access_key={ACCESS_KEY}",
    f"s3://bucket/media?secret_key={quote(SLASHED, safe='')}",
    f"s3://bucket/media?region=eu-west-1&SECRET_KEY={PLAIN}",
    f"s3://bucket/media?aws_secret_access_key={PLAIN}",
    f"s3://bucket/media?aws_access_key_id={ACCESS_KEY}",
    f"s3://bucket/media?security_token={PLAIN}",
    f"s3://bucket/media?session_token={PLAIN}",
    f"s3://bucket/media?sse_customer_key={PLAIN}",
    f"s3://bucket/media?password={PLAIN}",
    # An endpoint with a login, plain and percent-encoded.
    f"s3://bucket/media?endpoint_url=http://sweepuser:{SLASHED}@minio.local:9000",
    f"s3://bucket/media?endpoint_url=http://sweepuser:{PLAIN}@minio.local:9000",
    f"s3://bucket/media?endpoint_url={ENCODED_ENDPOINT}",
    f"s3://bucket/media?endpoint={ENCODED_ENDPOINT}",
    f"s3://bucket/media?custom_domain=https://sweepuser:{PLAIN}@cdn.example.com",
    f"s3://bucket/media?custom_domain=sweepuser:{PLAIN}@cdn.example.com",
    # A secret pasted where a name goes, and a secret beside another mistake.
    f"s3://bucket/media?credentials_env={quote(SLASHED, safe='')}",
    f"s3://bucket/media?credentials_env=SWEEP&acl=private&secret_key={PLAIN}",
    f"s3://bucket/media?region=EU_WEST&secret_key={PLAIN}",
    f"s3://bucket:9000/media?secret_key={PLAIN}",
    # Dotted backends: no credentials in the URL either.
    f"django.core.files.storage.InMemoryStorage://?api_token={PLAIN}",
    f"myproject.storage.Backend://?api_token={PLAIN}",
    f"myproject.storage.Backend://deploy:{SLASHED}@/",
    f"django.core.files.storage.InMemoryStorage://?base_url=/m/&client_secret={PLAIN}",
    # file:// and memory:// with junk.
    f"file://deploy:{SLASHED}@/srv/media",
    f"file://deploy:{PLAIN}@localhost/srv/media",
    f"file:///srv/media?password={PLAIN}",
    f"file:///srv/media?base_url=/m/&token={PLAIN}&nonsense",
    f"memory://deploy:{PLAIN}@/",
    f"memory://?auth_token={PLAIN}",
    # HTTP(S) layers: a login in the authority or the query, a secret where a prefix goes.
    f"https://{ACCESS_KEY}:{SLASHED}@cdn.example.com/media/",
    f"https://{PLAIN}@cdn.example.com/media/",
    f"http://reader:{PLAIN}@127.0.0.1:8080/media/",
    f"https://cdn.example.com/media/?password={PLAIN}",
    f"https://cdn.example.com/media/?auth_headers={PLAIN}",
    f"https://cdn.example.com/media/?timeout=3&api_key={PLAIN}",
    f"https://cdn.example.com/media/?credentials_env={quote(SLASHED, safe='')}",
    f"https://cdn.example.com/media/?credentials_env=SWEEP&timeout=soon&token={PLAIN}",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_layer_url_errors_never_echo_a_secret(url: str) -> None:
    for build in (lambda: storage_from_url(url), lambda: storages_from_urls(["memory://", url])):
        with pytest.raises(LayerURLError) as caught:
            build()
        assert_exception_clean(caught.value)


def test_a_non_string_layer_url_is_not_echoed() -> None:
    with pytest.raises(LayerURLError) as caught:
        storages_from_urls([{"secret_key": PLAIN}])  # type: ignore[list-item]
    assert_exception_clean(caught.value)


SWEEP_ENVIRON = {
    "SWEEP_AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "SWEEP_AWS_SECRET_ACCESS_KEY": SLASHED,
    "SWEEP_AWS_SESSION_TOKEN": PLAIN,
}


def test_credentials_from_the_environment_stay_out_of_later_errors() -> None:
    good = "s3://bucket/media?credentials_env=SWEEP#production"
    for urls in ([good, "memory://#production"], [good, "ftp://elsewhere"], ["memory://#local", good, good]):
        with pytest.raises(LayerURLError) as caught:
            storages_from_urls(urls, environ=SWEEP_ENVIRON)
        assert_exception_clean(caught.value)


def test_a_layer_built_from_the_environment_fails_without_secrets(
    settings: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hybridmedia")
    settings.STORAGES = storages_from_urls(
        ["file:local", f"s3://bucket/media?credentials_env=SWEEP&endpoint_url=http://127.0.0.1:{free_port()}"],
        base_dir=tmp_path,
        environ=SWEEP_ENVIRON,
    )
    settings.STORAGES["production"]["OPTIONS"]["client_config"] = Config(retries={"max_attempts": 1})
    with pytest.raises(LayerUnavailable) as caught:
        HybridStorage(layers=["local", "production"]).exists("homes/1.jpg")
    assert_exception_clean(caught.value)
    assert_clean(caplog.text)


# An unreachable layer ----------------------------------------------------------------------------


@pytest.fixture(params=["plain password", "password with a slash"])
def unreachable(request: pytest.FixtureRequest, settings: Any, local_config: dict[str, Any]) -> Iterator[HybridStorage]:
    """STORAGES["default"]: a local layer over an S3 layer on a closed port, secrets in every option."""
    password = PLAIN if request.param == "plain password" else SLASHED
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": s3_config(secret_key=password),
        "staticfiles": STATICFILES,
    }
    from hybridmedia import get_hybrid_storage

    storage = get_hybrid_storage()
    storage.top.storage.save("homes/local-only.jpg", ContentFile(b"local"))
    yield storage


@pytest.mark.parametrize("password", [PLAIN, SLASHED])
def test_an_endpoint_with_credentials_is_refused_when_built(
    local_config: dict[str, Any], password: str, caplog: pytest.LogCaptureFixture
) -> None:
    # botocore quotes an endpoint_url whole in its own errors: such a layer is never built.
    endpoint = f"http://sweepuser:{password}@127.0.0.1:{free_port()}"
    storage = HybridStorage(
        layers=[
            {"name": "local", "storage": local_config},
            {"name": "production", "storage": s3_config(endpoint_url=endpoint)},
        ]
    )
    with pytest.raises(LayerConfigurationError, match=r"'endpoint_url' of .* is a URL with credentials") as caught:
        storage.exists("homes/1.jpg")
    assert caught.value.check_id == "hybridmedia.E013"
    assert_exception_clean(caught.value)
    assert_clean(caplog.text)


@pytest.mark.parametrize("call", ["exists", "open", "size", "get_modified_time", "listdir"])
def test_an_unreachable_layer_is_reported_without_secrets(
    unreachable: HybridStorage, call: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hybridmedia")
    for _attempt in range(2):  # the first failure, then the remembered one
        with pytest.raises(LayerUnavailable) as caught:
            getattr(unreachable, call)("homes/production-only.jpg")
        assert_clean(caplog.text, *(record.getMessage() for record in caplog.records))
        assert_exception_clean(caught.value)
        assert "127.0.0.1" in caught.value.endpoint


def test_an_unreachable_layer_in_miss_mode_logs_without_secrets(
    local_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hybridmedia")
    storage = HybridStorage(
        layers=[{"name": "local", "storage": local_config}, {"name": "production", "storage": s3_config()}],
        unavailable="miss",
    )
    assert not storage.exists("homes/production-only.jpg")
    storage.save("homes/production-only.jpg", ContentFile(b"x"))
    storage.delete("homes/production-only.jpg")
    assert caplog.records, "the outage should have been logged"
    assert_clean(caplog.text, *(record.getMessage() for record in caplog.records))


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_report_an_unreachable_layer_without_secrets(
    unreachable: HybridStorage, command: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hybridmedia")
    unreachable.top.storage.save("homes/production-only.jpg", ContentFile(b"a shadow, maybe"))
    for verbosity in ("1", "3"):
        stdout, stderr = StringIO(), StringIO()
        try:
            call_command(*command, "-v", verbosity, stdout=stdout, stderr=stderr)
        except (CommandError, SystemExit) as exc:
            assert_exception_clean(exc)
        assert_clean(stdout.getvalue(), stderr.getvalue())
    assert_clean(caplog.text)


def test_purging_an_unreachable_write_layer_is_reported_without_secrets(
    settings: Any, local_config: dict[str, Any]
) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["remote", "local"]}},
        "remote": s3_config(),
        "local": local_config,
        "staticfiles": STATICFILES,
    }
    for options in (["--dry-run"], ["--noinput"], ["--noinput", "homes"]):
        stdout, stderr = StringIO(), StringIO()
        with pytest.raises(Exception) as caught:  # noqa: PT011 - whatever the write layer's error is
            call_command("purge_local_media", *options, stdout=stdout, stderr=stderr)
        assert isinstance(caught.value, CommandError), caught.value
        assert_exception_clean(caught.value)
        assert_clean(stdout.getvalue(), stderr.getvalue())


@pytest.mark.django_db
def test_admin_pages_show_an_unreachable_layer_without_secrets(
    admin_client: Client, unreachable: HybridStorage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hybridmedia")
    pages = [
        BROWSER,
        f"{BROWSER}?dir=homes",
        f"{BROWSER}?dir=homes&count=1",
        f"{BROWSER}?dir=homes&q=only",
        f"{BROWSER}?dir=homes&shadowed=1",
        f"{BROWSER}?dir=homes&whiteouts=1",
        f"{BROWSER}?dir=homes&layer=production",
        f"{DETAIL}?name=homes/local-only.jpg",
        f"{DETAIL}?name=homes/production-only.jpg",
    ]
    for url in pages:
        response = admin_client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert 'data-layer="production"' in html, url  # the banner naming the layer is there
        assert_clean(html)
    response = admin_client.post(DELETE_LOCAL, {"name": "homes/local-only.jpg"}, follow=True)
    assert response.status_code == 200
    assert_clean(response.content.decode(), *(str(message) for message in response.context["messages"]))
    assert_clean(caplog.text)


# An HTTP layer with a login ----------------------------------------------------------------------

HTTP_ENVIRON = {"SWEEPHTTP_USERNAME": ACCESS_KEY, "SWEEPHTTP_PASSWORD": SLASHED, "SWEEPHTTP_HEADER_X_CDN_KEY": PLAIN}


def http_config(base_url: str) -> dict[str, Any]:
    """An HTTP layer whose Basic login and CDN key, read through credentials_env, are the sweep's secrets."""
    return storages_from_urls([f"{base_url}?credentials_env=SWEEPHTTP&timeout=1"], environ=HTTP_ENVIRON)["local"]


def test_http_credentials_from_the_environment_stay_out_of_errors() -> None:
    for urls in (
        ["memory://#local", "https://cdn.example.com/media/?credentials_env=SWEEPHTTP&timeout=0"],
        ["memory://#local", "https://cdn.example.com/media/?credentials_env=SWEEPHTTP#local"],
    ):
        with pytest.raises(LayerURLError) as caught:
            storages_from_urls(urls, environ=HTTP_ENVIRON)
        assert_exception_clean(caught.value)
    with pytest.raises(LayerURLError) as caught:
        storages_from_urls(
            ["memory://", "https://cdn.example.com/?credentials_env=HALF"], environ={"HALF_PASSWORD": PLAIN}
        )
    assert_exception_clean(caught.value)


@pytest.mark.parametrize("where", ["closed port", "wrong login"])
def test_an_http_layer_fails_without_secrets(
    settings: Any,
    local_config: dict[str, Any],
    where: str,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    caplog.set_level(logging.DEBUG)
    if where == "closed port":
        base_url, expected = f"http://127.0.0.1:{free_port()}/media/", LayerUnavailable
    else:
        site = request.getfixturevalue("web_production")
        site.put("homes/production-only.jpg", b"x")
        base_url, expected = site.url("private/"), LayerMisconfigured
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": http_config(base_url),
        "staticfiles": STATICFILES,
    }
    from hybridmedia import get_hybrid_storage

    storage = get_hybrid_storage()
    layer = storage.layer("production").storage
    assert_clean(repr(layer), repr(layer.deconstruct()), repr(storage.layers))  # type: ignore[attr-defined]
    for call in ("exists", "open", "size", "get_modified_time"):
        for _attempt in range(2):
            with pytest.raises(expected) as caught:
                getattr(storage, call)("homes/production-only.jpg")
            assert_exception_clean(caught.value)
    storage.top.storage.save("homes/production-only.jpg", ContentFile(b"a shadow, maybe"))
    for command in [*COMMANDS, ("media_doctor",)]:
        for verbosity in ("1", "3"):
            stdout, stderr = StringIO(), StringIO()
            try:
                call_command(*command, "-v", verbosity, stdout=stdout, stderr=stderr)
            except (CommandError, SystemExit, LayerUnavailable) as exc:
                assert_exception_clean(exc)
            assert_clean(stdout.getvalue(), stderr.getvalue())
    assert_clean(caplog.text, *(record.getMessage() for record in caplog.records))


@pytest.mark.django_db
def test_admin_pages_show_an_http_layer_without_secrets(
    admin_client: Client, settings: Any, local_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": http_config(f"http://127.0.0.1:{free_port()}/media/"),
        "staticfiles": STATICFILES,
    }
    for url in (BROWSER, f"{BROWSER}?dir=homes&q=x", f"{DETAIL}?name=homes/production-only.jpg"):
        response = admin_client.get(url)
        assert response.status_code in (200, 404), url
        assert_clean(response.content.decode())
    assert_clean(caplog.text)
