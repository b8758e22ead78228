"""The admin and the commands on a fleet's hybrid: an S3 write layer and a shared Redis cache."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.names import whiteout_marker
from tests import s3
from tests.admin.helpers import STATICFILES, client_for, make_staff
from tests.commands.helpers import run

DETAIL = "/admin/hybridmedia/mediafile/file/"
DELETE_LOCAL = "/admin/hybridmedia/mediafile/file/delete-local/"


@pytest.fixture
def fleet(settings: Any, staging_bucket: s3.Bucket, production: s3.Bucket, shared_cache: str) -> HybridStorage:
    settings.STORAGES = {
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "production"], "cache": shared_cache},
        },
        "local": staging_bucket.config(),
        "production": production.config(),
        "staticfiles": STATICFILES,
    }
    return get_hybrid_storage()


def other_worker(fleet: HybridStorage) -> HybridStorage:
    """Another process's hybrid of the same fleet (it shares only the buckets and the cache)."""
    return HybridStorage(**fleet.deconstruct()[2])


def test_the_admin_deletes_a_staging_copy_and_every_worker_sees_production_again(
    db: None, fleet: HybridStorage, staging_bucket: s3.Bucket, production: s3.Bucket
) -> None:
    production.put("homes/1.jpg", b"production")
    fleet.delete("homes/1.jpg")
    assert fleet.save("homes/1.jpg", ContentFile(b"staging edit")) == "homes/1.jpg"  # it shadows production
    worker = other_worker(fleet)
    assert worker.origin("homes/1.jpg").name == "local"
    editor: Client = client_for(make_staff("editor", "view_mediafile", "delete_mediafile"))
    page = editor.get(DETAIL, {"name": "homes/1.jpg"})
    assert page.status_code == 200 and page.context["report"].shadowed
    response = editor.post(DELETE_LOCAL, {"name": "homes/1.jpg"}, follow=True)
    assert response.status_code == 200
    assert s3.s3_keys(staging_bucket.client, staging_bucket.name) == {}
    assert worker.origin("homes/1.jpg").name == "production"


def test_the_commands_report_a_fleet(fleet: HybridStorage, staging_bucket: s3.Bucket, production: s3.Bucket) -> None:
    production.put("homes/1.jpg", b"production")
    production.put("homes/2.jpg", b"production")
    fleet.delete("homes/2.jpg")
    fleet.save("uploads/new.jpg", ContentFile(b"new"))
    out, _ = run("media_origin", "homes/1.jpg", "homes/2.jpg", "uploads/new.jpg")
    assert "homes/1.jpg" in out and "production" in out
    assert "uploads/new.jpg" in out and "local" in out
    assert whiteout_marker("homes/2.jpg") in s3.s3_keys(staging_bucket.client, staging_bucket.name)
    out, _ = run("purge_local_media", "--noinput")
    assert out.startswith("Deleted 1 file from layer 'local'") and "removed 1 whiteout" in out
    assert other_worker(fleet).exists("homes/2.jpg") and not other_worker(fleet).exists("uploads/new.jpg")
