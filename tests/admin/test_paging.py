"""The unfiltered media browser pages natively: one listing request per page, however large the directory."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from hybridmedia.admin import MediaFileAdmin
from hybridmedia.storage import HybridStorage
from tests import s3
from tests.admin import helpers

BROWSER = "/admin/hybridmedia/mediafile/"
PHOTO = b"production photo"


def names_of(response: Any) -> list[str]:
    return [row.entry.name for row in response.context["rows"]]


def link(response: Any, css_class: str) -> str:
    """The href of the paginator link with ``css_class``, as a browser would follow it."""
    found = re.search(rf'<a class="{css_class}" href="([^"]+)"', response.content.decode())
    assert found, f"no {css_class} link"
    return html.unescape(found.group(1))


def listing_query(request: tuple[str, str]) -> dict[str, list[str]]:
    method, url = request
    assert method == "GET"
    return parse_qs(urlsplit(url).query)


@pytest.mark.django_db
def test_a_page_of_a_large_directory_costs_one_listing_request(
    admin_client: Client, media: HybridStorage, production: s3.Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    # More than one S3 listing page (1,000 keys): listing the whole directory would take two requests.
    production.put_many([f"big/{number:05d}.jpg" for number in range(1200)], PHOTO)
    media.top.storage.save("big/00001.jpg", ContentFile(b"local edit"))  # shadows production
    media.save("big/00002-local.jpg", ContentFile(b"a local upload"))
    s3_requests.clear()

    first = admin_client.get(BROWSER, {"dir": "big"})
    assert first.status_code == 200
    [request] = s3_requests  # the ListObjects page: no HEAD per row, no second listing page
    query = listing_query(request)
    assert query["max-keys"] == ["100"] and query["prefix"] == ["big/"] and "marker" not in query

    names = names_of(first)
    assert len(names) == 100
    assert names[:4] == ["00000.jpg", "00001.jpg", "00002-local.jpg", "00002.jpg"]
    rows = {row.entry.name: row for row in first.context["rows"]}
    assert 'data-layer="production"' in rows["00000.jpg"].badges
    assert 'data-layer="local"' in rows["00001.jpg"].badges and "shadows production" in rows["00001.jpg"].badges
    assert 'data-layer="local"' in rows["00002-local.jpg"].badges
    # Sizes and times: production's from the listing, the local layer's from a local stat.
    assert rows["00000.jpg"].stat.size == len(PHOTO) and rows["00000.jpg"].stat.modified is not None
    assert rows["00001.jpg"].stat.size == len(b"local edit") and rows["00001.jpg"].stat.modified
    assert rows["00002-local.jpg"].stat.size == len(b"a local upload")
    page = first.content.decode()
    assert "16\xa0bytes" in page and "10\xa0bytes" in page  # production's and the local copy's sizes
    assert 'class="hm-modified">&mdash;' not in page and "hm-badge--bottom" in page and "hm-shadowed" in page
    assert "Search and filters list the whole directory." in page
    assert "hm-previous" not in page and "hm-first" not in page

    s3_requests.clear()
    second = admin_client.get(link(first, "hm-next"))
    [request] = s3_requests
    query = listing_query(request)
    assert query["max-keys"] == ["100"] and query["marker"] == [f"big/{names[-1]}"]
    assert names_of(second)[0] == "00099.jpg" and len(names_of(second)) == 100
    assert second.context["page_number"] == 2
    assert link(second, "hm-previous") == f"{BROWSER}?dir=big" == link(second, "hm-first")
    assert 'rel="next"' in second.content.decode()


@pytest.mark.django_db
def test_next_and_previous_walk_every_entry_once_around_whiteouts(
    admin_client: Client,
    media: HybridStorage,
    production: s3.Bucket,
    monkeypatch: pytest.MonkeyPatch,
    s3_requests: list[tuple[str, str]],
) -> None:
    monkeypatch.setattr(MediaFileAdmin, "list_per_page", 10)
    production.put_many([f"d/p{number:02d}.txt" for number in range(60)], b"p")
    production.put("d/sub/x.txt", b"p")
    for number in range(5, 30):  # more than two pages' worth of whiteouts in a row
        media.delete(f"d/p{number:02d}.txt")
    media.save("d/local.txt", ContentFile(b"l"))
    media.save("d/sub/y.txt", ContentFile(b"l"))
    directories, files = media.listdir("d")
    visible = sorted([f"{name}/" for name in directories] + files)

    s3_requests.clear()
    pages = [admin_client.get(BROWSER, {"dir": "d"})]
    while "hm-next" in pages[-1].content.decode():
        pages.append(admin_client.get(link(pages[-1], "hm-next")))
    assert len(s3_requests) == len(pages)  # one listing request per page
    seen = [row.entry.key for page in pages for row in page.context["rows"]]
    assert sorted(seen) == visible and len(seen) == len(set(seen))
    assert all(not row.entry.whited_out for page in pages for row in page.context["rows"])
    assert [page.context["page_number"] for page in pages] == list(range(1, len(pages) + 1))

    # "Previous" retraces the same pages backwards.
    back = pages[-1]
    for expected in reversed(pages[:-1]):
        back = admin_client.get(link(back, "hm-previous"))
        assert names_of(back) == names_of(expected)
    assert back.context["page_number"] == 1 and "hm-previous" not in back.content.decode()


@pytest.mark.django_db
def test_previous_needs_the_trail_only_as_deep_as_it_goes(
    admin_client: Client, media: HybridStorage, production: s3.Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MediaFileAdmin, "list_per_page", 2)
    monkeypatch.setattr(MediaFileAdmin, "marker_trail", 2)
    production.put_many([f"t/{number}.txt" for number in range(10)], b"p")
    page = admin_client.get(BROWSER, {"dir": "t"})
    for _ in range(4):
        page = admin_client.get(link(page, "hm-next"))
    assert page.context["page_number"] == 5 and names_of(page) == ["8.txt", "9.txt"]
    assert page.context["next_url"] is None
    page = admin_client.get(link(page, "hm-previous"))
    assert names_of(page) == ["6.txt", "7.txt"]
    page = admin_client.get(link(page, "hm-previous"))
    assert names_of(page) == ["4.txt", "5.txt"] and page.context["page_number"] == 3
    # Page 3's URL kept no marker for page 2: only "First" goes back from here.
    assert page.context["previous_url"] is None
    assert names_of(admin_client.get(link(page, "hm-first"))) == ["0.txt", "1.txt"]


@pytest.mark.django_db
def test_a_page_lists_its_directories_first(admin_client: Client, media: HybridStorage, production: s3.Bucket) -> None:
    production.put_many(["m/a.txt", "m/b/x.txt", "m/c.txt", "m/d/x.txt"], b"p")
    media.save("m/e/y.txt", ContentFile(b"l"))
    response = admin_client.get(BROWSER, {"dir": "m"})
    assert names_of(response) == ["b", "d", "e", "a.txt", "c.txt"]
    assert [row.link for row in response.context["rows"][:1]] == [f"{BROWSER}?dir=m%2Fb"]


@pytest.mark.django_db
def test_empty_and_missing_directories(
    admin_client: Client, media: HybridStorage, production: s3.Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    media.save("empty/a.txt", ContentFile(b"l"))
    media.delete("empty/a.txt")  # the local directory stays, empty
    production.put("gone/a.txt", b"p")
    media.delete("gone/a.txt")  # a whiteout hides production's only file
    for directory in ("empty", "gone"):
        response = admin_client.get(BROWSER, {"dir": directory})
        assert response.status_code == 200 and names_of(response) == []
        assert "This directory is empty." in response.content.decode()
    s3_requests.clear()
    assert admin_client.get(BROWSER, {"dir": "nowhere"}).status_code == 404
    assert len(s3_requests) == 1  # the empty page itself; existence was decided locally
    media.save("note.txt", ContentFile(b"l"))
    assert admin_client.get(BROWSER, {"dir": "note.txt"}).status_code == 404  # a local file is no directory


@pytest.mark.django_db
@pytest.mark.parametrize("after", ["a\x00b", "x" * 1025, "\n"])
def test_a_malformed_marker_shows_the_first_page(
    admin_client: Client, media: HybridStorage, production: s3.Bucket, after: str
) -> None:
    production.put_many(["m/a.txt", "m/b.txt"], b"p")
    response = admin_client.get(BROWSER, {"dir": "m", "after": after, "p": "7"})
    assert response.status_code == 200
    assert names_of(response) == ["a.txt", "b.txt"] and response.context["page_number"] == 1


@pytest.mark.django_db
def test_an_unreachable_layer_still_pages_the_others(
    admin_client: Client,
    settings: Any,
    media: HybridStorage,
    production: s3.Bucket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(MediaFileAdmin, "list_per_page", 2)
    for name in ("a", "b", "c"):
        media.save(f"homes/{name}.jpg", ContentFile(b"l"))
    settings.STORAGES = {**settings.STORAGES, "production": helpers.unreachable(production)}
    first = admin_client.get(BROWSER, {"dir": "homes"})
    assert first.status_code == 200 and names_of(first) == ["a.jpg", "b.jpg"]
    assert 'class="warning" data-layer="production"' in first.content.decode()
    second = admin_client.get(link(first, "hm-next"))
    assert names_of(second) == ["c.jpg"] and second.context["next_url"] is None
