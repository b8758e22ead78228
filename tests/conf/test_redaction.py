"""``hybridmedia.redaction``: what of a configuration value may appear in a message."""

from __future__ import annotations

from typing import Any

import pytest

from hybridmedia.redaction import (
    MASK,
    describe_error,
    is_credential_key,
    redact_config,
    redact_text,
    redact_url,
    redact_value,
    secret_values,
)

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"


@pytest.mark.parametrize(
    "key",
    [
        "access_key",
        "secret_key",
        "SECRET_KEY",
        "aws_secret_access_key",
        "security_token",
        "session_token",
        "sse_customer_key",
        "cloudfront_key",
        "password",
        "api_token",
        "credentials",
        "X-Amz-Signature",
        "X-Amz-Credential",
        "basic_auth",
    ],
)
def test_credential_keys(key: str) -> None:
    assert is_credential_key(key)


@pytest.mark.parametrize(
    "key", ["bucket_name", "endpoint_url", "region_name", "location", "querystring_auth", "signature_version"]
)
def test_options_that_are_not_credentials(key: str) -> None:
    assert not is_credential_key(key)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("http://user:pw@minio.local:9000/bucket", "http://***@minio.local:9000/bucket"),
        # A "/" in the password ends the authority early in urlsplit(); the whole login still goes.
        (f"s3://AKIAEXAMPLE:{SECRET}@bucket/media", "s3://***@bucket/media"),
        # A token alone as the userinfo.
        ("https://ghp_token123@host/repo", "https://***@host/repo"),
        # An unencoded "@" in the password: masked up to the last "@", as urlsplit() reads it.
        ("http://user:p@ss@host/path", "http://***@host/path"),
        ("s3://bucket?secret_key=abc&region=eu-west-1", "s3://bucket?secret_key=***&region=eu-west-1"),
        (f"s3://bucket?aws_secret_access_key={SECRET}", "s3://bucket?aws_secret_access_key=***"),
        ("myproject.Backend://?api_token=t0k3n&x=1", "myproject.Backend://?api_token=***&x=1"),
        (
            "https://b.s3.amazonaws.com/a.jpg?AWSAccessKeyId=AKIA&Signature=sig%3D&Expires=1",
            "https://b.s3.amazonaws.com/a.jpg?AWSAccessKeyId=***&Signature=***&Expires=1",
        ),
        # A percent-encoded endpoint inside another URL's query string.
        (
            "s3://bucket?endpoint_url=http%3A%2F%2Fuser%3Apw%40minio%3A9000",
            "s3://bucket?endpoint_url=http://***@minio:9000",
        ),
        ("s3://bucket?endpoint_url=http://user:pw@minio:9000", "s3://bucket?endpoint_url=http://***@minio:9000"),
        # A login without a scheme in an option's value.
        ("s3://bucket?custom_domain=user:pw@cdn.example.com", "s3://bucket?custom_domain=***@cdn.example.com"),
        # A value parse_qsl() decoded: the "+" of the password became a space.
        ("http://user:se/cret pa@minio:9000", "http://***@minio:9000"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/media/a@b.jpg",
        "https://cdn.example.com/media/user@example.com/avatar.png",
        "file:///srv/media/a@b.jpg",
        "/media/a@b.jpg",
        "s3://bucket/media?region=eu-west-1&querystring_auth=false&signature_version=s3v4",
        "http://127.0.0.1:9000/bucket/media/a%40b.jpg",
    ],
)
def test_names_and_plain_options_are_not_mangled(url: str) -> None:
    assert redact_url(url) == url


def test_redact_text_masks_urls_pairs_and_reprs_in_free_text() -> None:
    message = (
        'Could not connect to the endpoint URL: "http://user:pw@127.0.0.1:1/b/k" '
        f"(secret_key={SECRET}, token='abc def', {{'access_key': 'AKIA1', 'security_token': b'xyz', 'a': 'b'}})"
    )
    redacted = redact_text(message)
    for secret in ("user:pw", SECRET, "abc def", "AKIA1", "xyz"):
        assert secret not in redacted
    assert '"http://***@127.0.0.1:1/b/k"' in redacted
    assert "'access_key': '***'" in redacted and "'a': 'b'" in redacted


def test_redact_config_masks_nested_credentials_and_keeps_the_rest() -> None:
    config: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "prod",
            "access_key": "AKIAEXAMPLE",
            "secret_key": SECRET,
            "endpoint_url": "http://user:pw@minio:9000",
            "object_parameters": {"SSECustomerKey": "k3y"},
            "proxies": ["http://proxy:pw@proxy:3128"],
            "querystring_auth": False,
            "max_memory_size": 5,
        },
    }
    assert redact_config(config) == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "prod",
            "access_key": MASK,
            "secret_key": MASK,
            "endpoint_url": "http://***@minio:9000",
            "object_parameters": {"SSECustomerKey": MASK},
            "proxies": ["http://***@proxy:3128"],
            "querystring_auth": False,
            "max_memory_size": 5,
        },
    }
    assert config["OPTIONS"]["secret_key"] == SECRET  # a copy: the configuration itself is untouched
    assert redact_config(("a", {"password": "x"})) == ("a", {"password": MASK})


def test_redact_value() -> None:
    assert redact_value("secret_key", SECRET) == "'***'"
    assert redact_value("endpoint_url", "http://u:p@h") == "'http://***@h'"
    assert redact_value("querystring_auth", "maybe") == "'maybe'"
    assert redact_value("layers", [{"password": "x"}]) == "[{'password': '***'}]"


def test_describe_error_masks_the_values_the_storages_hold() -> None:
    class Storage:
        secret_key = SECRET  # a class attribute, found by its well-known name

        def __init__(self) -> None:
            self.api_token = "instance-token"  # an instance attribute, found by its name
            self.location = "media"

    error = RuntimeError(f"signed with {SECRET} and instance-token at http://u:p@h/media")
    assert secret_values([Storage()]) == {SECRET, "instance-token"}
    assert describe_error(error, [Storage()]) == "RuntimeError: signed with *** and *** at http://***@h/media"
