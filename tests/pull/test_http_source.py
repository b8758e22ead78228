"""Pulling from the read-only HTTP(S) layer: by name (a model's files), since a web server cannot list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from demo_project.homes.models import Home
from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests import services
from tests.commands.helpers import run
from tests.pull.helpers import cache_storages, pulled_files


@pytest.fixture
def over_http(settings: Any, local: Path, pulled: Path, web_production: services.Site) -> HybridStorage:
    settings.STORAGES = cache_storages(
        local, pulled, {"BACKEND": "hybridmedia.storage.HTTPStorage", "OPTIONS": {"base_url": web_production.base_url}}
    )
    return get_hybrid_storage()


@pytest.mark.django_db
def test_a_models_files_are_pulled_from_an_http_layer_and_refreshed(
    over_http: HybridStorage, web_production: services.Site, pulled: Path
) -> None:
    web_production.put("homes/1.jpg", b"house one")
    web_production.put("homes/2.jpg", b"house two")
    for number in (1, 2, 3):
        Home.objects.create(name=f"Home {number}", city="Utrecht", photo=f"homes/{number}.jpg")
    document = json.loads(run("media_pull", "--model", "homes.Home.photo", "--json")[0])
    assert (document["pulled"], document["missing"]) == (2, 1)
    assert pulled_files(pulled) == {"homes/1.jpg": b"house one", "homes/2.jpg": b"house two"}
    where = over_http.whereabouts("homes/1.jpg")
    assert (where.pulled_from, where.stale, where.shadowed) == ("production", False, False)

    before = len(web_production.requests())
    document = json.loads(run("media_pull", "--model", "homes.Home.photo", "--json")[0])
    assert (document["pulled"], document["up_to_date"]) == (0, 2)
    assert [r for r in web_production.requests()[before:] if "homes/3.jpg" not in r[1]] == []  # pulled: not asked

    web_production.put("homes/2.jpg", b"house two, renovated")
    with over_http.bypass_cache():  # this process asked before the change: its origin cache remembers
        assert over_http.whereabouts("homes/2.jpg").stale is True
    document = json.loads(run("media_pull", "--model", "homes.Home.photo", "--refresh", "--json")[0])
    assert (document["pulled"], document["up_to_date"]) == (1, 1)
    assert pulled_files(pulled)["homes/2.jpg"] == b"house two, renovated"


def test_a_prefix_pull_says_the_http_layer_cannot_list(over_http: HybridStorage, web_production: services.Site) -> None:
    web_production.put("homes/1.jpg", b"house one")
    out, _err = run("media_pull", "homes", verbosity=2)
    assert "Layer 'production' cannot list its files: pull its files by name (--model)." in out
