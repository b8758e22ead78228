"""Offline: with production unreachable, names with a pulled copy keep being served."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pytest

from hybridmedia import get_hybrid_storage
from hybridmedia.exceptions import LayerUnavailable
from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.pull.helpers import cache_storages
from tests.s3 import Bucket

pytestmark = pytest.mark.every_s3_server


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def offline(settings: Any, storage: HybridStorage, production: Bucket, local: Path, pulled: Path) -> HybridStorage:
    """The same layers after ``homes/1.jpg`` was pulled, with production's endpoint gone."""
    production.put("homes/1.jpg", b"pulled house")
    production.put("homes/2.jpg", b"not pulled")
    run("media_pull", "homes", "--exclude", "*2.jpg")
    gone = production.config(endpoint_url=f"http://127.0.0.1:{closed_port()}")
    settings.STORAGES = cache_storages(local, pulled, gone)
    return get_hybrid_storage()


def test_pulled_names_are_served_while_production_is_unreachable(
    offline: HybridStorage, caplog: pytest.LogCaptureFixture
) -> None:
    assert offline.open("homes/1.jpg").read() == b"pulled house"
    assert offline.size("homes/1.jpg") == len(b"pulled house")
    assert offline.url("homes/1.jpg") == "/pulled-media/homes/1.jpg"
    assert offline.origin("homes/1.jpg") == offline.layer("pulled")
    with pytest.raises(LayerUnavailable):
        offline.open("homes/2.jpg")
    with caplog.at_level(logging.WARNING, logger="hybridmedia"):
        assert offline.open("homes/1.jpg").read() == b"pulled house"
        offline.open("homes/1.jpg").close()  # said once per name
    stale = [record for record in caplog.records if "may be stale" in record.getMessage()]
    assert len(stale) == 1 and "'homes/1.jpg'" in stale[0].getMessage() and "'production'" in stale[0].getMessage()


def test_the_model_says_staleness_is_unknown(offline: HybridStorage) -> None:
    where = offline.whereabouts("homes/1.jpg", skip_unavailable=True)
    assert (where.origin.name if where.origin else None, where.pulled_from, where.stale) == (
        "pulled",
        "production",
        None,
    )
    assert list(where.unknown) == ["production"]


def test_the_media_view_serves_pulled_copies_while_production_is_unreachable(
    settings: Any, offline: HybridStorage
) -> None:
    from django.test import Client

    settings.ROOT_URLCONF = "tests.views.urls"
    settings.DEBUG = True
    client = Client()
    response = client.get("/media/homes/1.jpg")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"pulled house"  # type: ignore[attr-defined]
    assert client.get("/media/homes/2.jpg").status_code == 503


@pytest.mark.django_db
def test_the_admin_banner_counts_the_names_served_from_pulled_copies(settings: Any, offline: HybridStorage) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "admin"))
    page = client.get("/admin/hybridmedia/mediafile/", {"dir": "homes"}).content.decode()
    assert "The layer “production” could not be read" in page
    assert "1 name is served from a pulled copy (pulled), which may be stale." in page
