"""listdir_page(): a merged listing paged natively, whose cost does not grow with the directory."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile

from hybridmedia.storage import HybridStorage
from tests.s3 import Bucket

pytestmark = pytest.mark.every_s3_server


def all_pages(hybrid: HybridStorage, path: str, limit: int) -> list[str]:
    keys: list[str] = []
    after = ""
    while True:
        page = hybrid.listdir_page(path, after=after, limit=limit)
        keys += [entry.key for entry in page.entries]
        if page.next_after is None:
            return keys
        after = page.next_after


def test_pages_add_up_to_listdir(hybrid: HybridStorage, production: Bucket) -> None:
    production.put_many(
        [f"d/p{i:02d}.jpg" for i in range(30)] + ["d/sub/x.jpg", "d/sub.jpg", "d/shared.jpg", "d/gone.jpg"]
    )
    for i in range(7):
        hybrid.top.storage.save(f"d/l{i}.jpg", ContentFile(b"x"))
    hybrid.top.storage.save("d/shared.jpg", ContentFile(b"x"))
    hybrid.top.storage.save("d/local-dir/y.jpg", ContentFile(b"x"))
    hybrid.delete("d/gone.jpg")
    directories, files = hybrid.listdir("d")
    expected = sorted([f"{d}/" for d in directories] + files)
    for limit in (1, 4, 10, 100):
        assert all_pages(hybrid, "d", limit) == expected
    assert "gone.jpg" not in expected and "sub/" in expected and "sub.jpg" in expected


def test_entries_name_every_layer_that_lists_them(hybrid: HybridStorage, production: Bucket) -> None:
    production.put("d/shared.jpg")
    production.put("d/prod.jpg", b"production bytes")
    hybrid.top.storage.save("d/shared.jpg", ContentFile(b"x"))
    hybrid.top.storage.save("d/mine.jpg", ContentFile(b"x"))
    page = hybrid.listdir_page("d")
    assert page.entries[1].size == len(b"production bytes") and page.entries[1].modified is not None
    assert page.entries[0].size is None  # the filesystem's listing tells no sizes
    assert [(e.name, e.is_dir, e.layers) for e in page.entries] == [
        ("mine.jpg", False, ("local",)),
        ("prod.jpg", False, ("production",)),
        ("shared.jpg", False, ("local", "production")),
    ]
    assert page.next_after is None


def test_the_root_hides_the_whiteout_directory(hybrid: HybridStorage, production: Bucket) -> None:
    production.put("a.jpg")
    hybrid.delete("a.jpg")
    hybrid.save("b.jpg", ContentFile(b"x"))
    assert [entry.name for entry in hybrid.listdir_page("").entries] == ["b.jpg"]


def test_a_page_costs_one_request_however_large_the_directory(
    hybrid: HybridStorage, production: Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    production.put_many([f"big/{i:05d}.jpg" for i in range(1200)])
    s3_requests.clear()
    page = hybrid.listdir_page("big", limit=50)
    assert [entry.name for entry in page.entries][:2] == ["00000.jpg", "00001.jpg"] and len(page.entries) == 50
    assert len(s3_requests) == 1
    query = parse_qs(urlsplit(s3_requests[0][1]).query)
    assert query["max-keys"] == ["50"]
    s3_requests.clear()
    later = hybrid.listdir_page("big", after=page.next_after or "", limit=50)
    assert later.entries[0].name == "00050.jpg" and len(s3_requests) == 1


def test_limit_must_be_positive(hybrid: HybridStorage) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        hybrid.listdir_page("", limit=0)


def test_whiteouts_never_let_a_page_skip_a_lower_layers_names(hybrid: HybridStorage, production: Bucket) -> None:
    # Production's first page of 5 loses two names to whiteouts; local names sort just after it. A page
    # must stop at the last name production listed, or production's 6th name would be skipped.
    production.put_many([f"d/p{i:02d}" for i in range(20)])
    hybrid.delete("d/p01")
    hybrid.delete("d/p02")
    for i in range(4, 9):
        hybrid.top.storage.save(f"d/p{i:02d}x", ContentFile(b"x"))
    expected = sorted([f"p{i:02d}" for i in range(20) if i not in (1, 2)] + [f"p{i:02d}x" for i in range(4, 9)])
    assert all_pages(hybrid, "d", 5) == expected
    assert hybrid.listdir("d")[1] == expected
