"""``media_shadows``: top-layer files that hide a production file, against moto S3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management.base import CommandError

from hybridmedia import get_hybrid_storage
from hybridmedia.describe import find_shadows
from hybridmedia.storage import HybridStorage
from tests.commands.helpers import hybrid_storages, run, run_with_status
from tests.s3 import Bucket


def shadow(storage: HybridStorage, name: str, data: bytes) -> None:
    """Write ``name`` straight into the top layer, as an edit of a production file leaves it."""
    storage.top.storage.save(name, ContentFile(data))


@pytest.fixture
def shadows(storage: HybridStorage, production: Bucket) -> HybridStorage:
    production.put("homes/same.jpg", b"identical")
    production.put("homes/size.jpg", b"production")
    production.put("homes/edit.jpg", b"aaaa")
    production.put("docs/only-production.txt")
    shadow(storage, "homes/same.jpg", b"identical")
    shadow(storage, "homes/size.jpg", b"local")
    shadow(storage, "homes/edit.jpg", b"bbbb")
    storage.save("uploads/only-local.jpg", ContentFile(b"new"))
    return storage


def test_no_shadow_exits_0(storage: HybridStorage, production: Bucket) -> None:
    production.put("a.jpg")
    storage.save("b.jpg", ContentFile(b"local only"))
    assert run("media_shadows") == ("No file in layer 'local' shadows a lower layer.\n", "")
    assert run("media_shadows", verbosity=0) == ("", "")


def test_lists_shadows_with_both_layers_and_exits_1(shadows: HybridStorage) -> None:
    status, out, err = run_with_status("media_shadows")
    assert status == 1
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "homes/edit.jpg  (contents differ)"
    assert lines[1].startswith("  local       4 bytes, modified 20")
    assert lines[2].startswith("  production  4 bytes, modified 20") and lines[2].endswith("differs (by md5)")
    assert lines[3] == "homes/same.jpg  (same contents)"
    assert lines[5].endswith("same (by md5)")
    assert lines[6] == "homes/size.jpg  (contents differ)"
    assert lines[7].startswith("  local       5 bytes")
    assert lines[8].startswith("  production  10 bytes") and lines[8].endswith("differs (by size)")
    assert lines[9:] == ["", "3 files in layer 'local' shadow a lower layer (2 with different contents)."]


def test_verbosity_0_prints_bare_names_and_2_adds_urls(shadows: HybridStorage, production: Bucket) -> None:
    assert run_with_status("media_shadows", verbosity=0) == (
        1,
        "homes/edit.jpg\nhomes/same.jpg\nhomes/size.jpg\n",
        "",
    )
    _, out, _ = run_with_status("media_shadows", "homes/same.jpg", verbosity=2)
    assert ", url /media/homes/same.jpg" in out
    assert f", url {production.endpoint_url}/{production.name}/homes/same.jpg" in out


def test_prefixes_limit_the_search(shadows: HybridStorage) -> None:
    assert run_with_status("media_shadows", "docs", "uploads", verbosity=0) == (0, "", "")
    status, out, _ = run_with_status("media_shadows", "homes/size.jpg", "homes/size.jpg", verbosity=0)
    assert (status, out) == (1, "homes/size.jpg\n")


def test_json_document(shadows: HybridStorage, production: Bucket) -> None:
    status, out, _ = run_with_status("media_shadows", "homes", "--json")
    assert status == 1
    document = json.loads(out)
    assert set(document) == {"version", "storage", "top", "prefixes", "count", "shadows"}
    assert (document["version"], document["storage"], document["top"]) == (1, "default", "local")
    assert (document["prefixes"], document["count"]) == (["homes"], 3)
    edit, same, size = document["shadows"]
    assert set(edit) == {"name", "differs", "top", "lower"}
    assert set(edit["top"]) == {"layer", "writable", "size", "modified", "url"}
    assert (edit["name"], edit["differs"], edit["top"]["layer"], edit["top"]["size"]) == (
        "homes/edit.jpg",
        True,
        "local",
        4,
    )
    (lower,) = edit["lower"]
    assert set(lower) == {"layer", "writable", "size", "modified", "url", "differs", "compared_by"}
    assert (lower["layer"], lower["writable"], lower["differs"], lower["compared_by"]) == (
        "production",
        False,
        True,
        "md5",
    )
    assert lower["url"] == f"{production.endpoint_url}/{production.name}/homes/edit.jpg"
    assert (same["differs"], same["lower"][0]["compared_by"]) == (False, "md5")
    assert (size["differs"], size["lower"][0]["compared_by"]) == (True, "size")


def test_json_without_shadows(storage: HybridStorage) -> None:
    document = json.loads(run("media_shadows", "--json")[0])
    assert (document["count"], document["shadows"], document["prefixes"]) == (0, [], [""])


def test_contents_are_compared_by_their_bytes_without_checksums(settings: Any, production: Bucket) -> None:
    production.put("a.jpg", b"same size")
    settings.STORAGES = hybrid_storages({"BACKEND": "django.core.files.storage.InMemoryStorage"}, production.config())
    shadow(get_hybrid_storage(), "a.jpg", b"SAME SIZE")
    status, out, _ = run_with_status("media_shadows")
    assert status == 1
    assert out.splitlines()[0] == "a.jpg  (contents differ)"
    assert "differs (by bytes)" in out.splitlines()[2]
    (item,) = json.loads(run_with_status("media_shadows", "--json")[1])["shadows"]
    assert (item["differs"], item["lower"][0]["differs"], item["lower"][0]["compared_by"]) == (True, True, "bytes")


def test_contents_too_large_to_read_are_not_compared(settings: Any, production: Bucket) -> None:
    production.put("a.jpg", b"same size")
    settings.STORAGES = hybrid_storages({"BACKEND": "django.core.files.storage.InMemoryStorage"}, production.config())
    storage = get_hybrid_storage()
    shadow(storage, "a.jpg", b"SAME SIZE")
    (found,) = find_shadows(storage, max_bytes=4)
    assert (found.differs, found.lower[0].compared_by) == (None, None)
    out = run_with_status("media_shadows")[1]
    assert "differs (by bytes)" in out  # the command's cap is 32 MiB


def test_bad_prefixes_are_refused(storage: HybridStorage, s3_requests: list[Any]) -> None:
    with pytest.raises(CommandError, match="Refusing the prefix: Detected path traversal"):
        run("media_shadows", "../x")
    assert s3_requests == []


def test_storage_must_be_a_hybrid(storage: HybridStorage) -> None:
    with pytest.raises(CommandError, match=r"--storage 'local'.*not a HybridStorage"):
        run("media_shadows", "--storage", "local")
