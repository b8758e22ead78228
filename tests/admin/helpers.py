"""Helpers shared by the admin tests; their fixtures are in ``conftest.py``.

The admin needs the hybrid to be ``STORAGES["default"]``; ``hybrid_storages()`` configures it over the
real S3 endpoint with credentials distinctive enough to prove no page ever shows them.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests import s3

# moto accepts any credentials; these only exist so tests can search pages for them.
ACCESS_KEY = "AKIAHYBRIDMEDIATEST7"
SECRET_KEY = "hm-secret-9f8e7d6c5b4a3f2e1d0c"

STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def hybrid_storages(local_config: dict[str, Any], production: s3.Bucket) -> dict[str, Any]:
    """``STORAGES`` with ``default`` = a hybrid of ``local`` over ``production``."""
    return {
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "production"]},
        },
        "local": local_config,
        "production": production.config(access_key=ACCESS_KEY, secret_key=SECRET_KEY),
        "staticfiles": STATICFILES,
    }


def three_layer_storages(local_config: dict[str, Any], staging: s3.Bucket, production: s3.Bucket) -> dict[str, Any]:
    """``STORAGES`` with ``default`` = a hybrid of ``local`` over ``staging`` over ``production``."""
    return {
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "staging", "production"]},
        },
        "local": local_config,
        "staging": staging.config(),
        "production": production.config(),
        "staticfiles": STATICFILES,
    }


def unreachable(bucket: s3.Bucket) -> dict[str, Any]:
    """The bucket's config pointed at a closed port, failing fast: a lower layer that cannot be reached."""
    return bucket.config(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        # Port 9 (discard) on localhost refuses connections.
        endpoint_url="http://127.0.0.1:9",
        client_config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
    )


def make_staff(username: str, *permissions: str) -> User:
    """Create a staff user holding the ``hybridmedia`` permissions named by codename."""
    user = User.objects.create_user(username, password="pw", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="hybridmedia", codename=codename))
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_no_secrets(html: str) -> None:
    assert ACCESS_KEY not in html
    assert SECRET_KEY not in html
