"""The media browser and the detail page, through the Django test client, against real S3."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.test import Client

from hybridmedia.admin.query import BrowserQuery
from hybridmedia.storage import HybridStorage
from tests import s3
from tests.admin import helpers
from tests.admin.helpers import assert_no_secrets

BROWSER = "/admin/hybridmedia/mediafile/"
DETAIL = "/admin/hybridmedia/mediafile/file/"
PREVIEW = "/admin/hybridmedia/mediafile/file/preview/"


@pytest.fixture
def tree(media: HybridStorage, production: s3.Bucket) -> HybridStorage:
    """Production files, a local-only file, a shadowing local copy and a whited-out production file."""
    production.put("homes/1.jpg", b"production house one")
    production.put("homes/2.jpg", b"production house two")
    production.put("homes/3.jpg", b"production house three")
    production.put("homes/interiors/kitchen.png", b"kitchen")
    production.put("readme.txt", b"production readme")
    media.save("homes/new.jpg", ContentFile(b"a local upload"))
    media.top.storage.save("homes/2.jpg", ContentFile(b"edited locally"))  # shadows production
    media.delete("homes/3.jpg")  # a whiteout: production keeps it
    return media


def rows(response: Any) -> dict[str, Any]:
    return {row.entry.name: row for row in response.context["rows"]}


@pytest.mark.django_db
def test_the_browser_is_on_the_admin_index(admin_client: Client, media: HybridStorage) -> None:
    html = admin_client.get("/admin/").content.decode()
    assert "Hybrid media" in html
    assert f'href="{BROWSER}"' in html and "Media files" in html


@pytest.mark.django_db
def test_root_lists_directories_and_files(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(BROWSER)
    assert response.status_code == 200
    assert [row.entry.name for row in response.context["rows"]] == ["homes", "readme.txt"]
    html = response.content.decode()
    assert ".hybridmedia-whiteouts" not in html
    assert f'href="{BROWSER}?dir=homes"' in html
    assert "hybridmedia/admin.css" in html
    assert_no_secrets(html)


@pytest.mark.django_db
def test_directory_shows_layer_badges_sizes_and_times(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(BROWSER, {"dir": "homes"})
    listed = rows(response)
    assert list(listed) == ["interiors", "1.jpg", "2.jpg", "new.jpg"]  # 3.jpg is whited out
    assert 'data-layer="production"' in listed["1.jpg"].badges
    assert 'data-layer="local"' in listed["new.jpg"].badges
    assert 'data-layer="local"' in listed["2.jpg"].badges and "shadows production" in listed["2.jpg"].badges
    assert listed["1.jpg"].stat.size == len(b"production house one")
    assert listed["2.jpg"].stat.size == len(b"edited locally")  # the serving (local) copy
    assert listed["new.jpg"].stat.modified is not None
    assert listed["1.jpg"].stat.modified is not None
    html = response.content.decode()
    assert "hm-badge--bottom" in html and "hm-badge--top" in html
    assert "20\xa0bytes" in html  # filesizeformat of the production file


@pytest.mark.django_db
def test_images_get_a_thumbnail_through_the_admin(admin_client: Client, tree: HybridStorage) -> None:
    listed = rows(admin_client.get(BROWSER, {"dir": "homes"}))
    assert listed["1.jpg"].thumbnail == f"{PREVIEW}?name=homes%2F1.jpg"
    assert listed["new.jpg"].thumbnail == f"{PREVIEW}?name=homes%2Fnew.jpg"
    assert listed["interiors"].thumbnail is None
    assert rows(admin_client.get(BROWSER))["readme.txt"].thumbnail is None
    production_image = admin_client.get(listed["1.jpg"].thumbnail)
    assert production_image["Content-Type"] == "image/jpeg"
    assert b"".join(production_image.streaming_content) == b"production house one"
    shadowing = admin_client.get(listed["2.jpg"].thumbnail)
    assert b"".join(shadowing.streaming_content) == b"edited locally"  # what the site serves
    assert production_image["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in production_image["Content-Security-Policy"]


@pytest.mark.django_db
def test_thumbnails_can_use_the_serving_layers_url(
    admin_client: Client, tree: HybridStorage, production: s3.Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hybridmedia.admin import MediaFileAdmin

    monkeypatch.setattr(MediaFileAdmin, "thumbnail_source", "url")
    listed = rows(admin_client.get(BROWSER, {"dir": "homes"}))
    assert listed["1.jpg"].thumbnail == f"{production.endpoint_url}/{production.name}/homes/1.jpg"
    assert listed["new.jpg"].thumbnail == "/media/homes/new.jpg"
    detail = admin_client.get(DETAIL, {"name": "homes/1.jpg"})
    assert detail.context["thumbnail"] == f"{production.endpoint_url}/{production.name}/homes/1.jpg"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["readme.txt", "homes/3.jpg", "homes/missing.jpg", "page.html", "x.svg"])
def test_preview_serves_only_visible_images(admin_client: Client, tree: HybridStorage, name: str) -> None:
    # Text, HTML and SVG are refused (they could run scripts on the admin's origin); a whited-out
    # or missing image has nothing to show.
    tree.save("page.html", ContentFile(b"<script>alert(1)</script>"))
    tree.save("x.svg", ContentFile(b"<svg onload=alert(1)></svg>"))
    assert admin_client.get(PREVIEW, {"name": name}).status_code == 404


@pytest.mark.django_db
def test_breadcrumbs_link_every_parent_directory(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(BROWSER, {"dir": "homes/interiors"})
    html = response.content.decode()
    assert response.context["crumbs"] == [
        ("homes", f"{BROWSER}?dir=homes"),
        ("interiors", f"{BROWSER}?dir=homes%2Finteriors"),
    ]
    assert f'<a href="{BROWSER}">Media files</a>' in html
    assert f'<a href="{BROWSER}?dir=homes">homes</a>' in html
    assert [row.entry.name for row in response.context["rows"]] == ["kitchen.png"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"layer": "production"}, ["1.jpg"]),
        ({"layer": "local"}, ["2.jpg", "new.jpg"]),
        ({"shadowed": "1"}, ["2.jpg"]),
        ({"whiteouts": "1"}, ["3.jpg"]),
        ({"q": "NEW"}, ["new.jpg"]),
        ({"q": "jpg", "layer": "local"}, ["2.jpg", "new.jpg"]),
        ({"q": "inter"}, ["interiors"]),
        ({"q": "nothing-matches"}, []),
    ],
)
def test_filters_and_search(
    admin_client: Client, tree: HybridStorage, params: dict[str, str], expected: list[str]
) -> None:
    response = admin_client.get(BROWSER, {"dir": "homes", **params})
    assert response.status_code == 200
    assert [row.entry.name for row in response.context["rows"]] == expected
    assert response.context["filtered"]
    assert "Filtering lists the whole directory." in response.content.decode()


@pytest.mark.django_db
def test_filter_links_keep_the_directory_and_other_filters(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(BROWSER, {"dir": "homes", "q": "jpg"})
    urls = [choice["url"] for choice in response.context["layer_choices"]]
    assert f"{BROWSER}?dir=homes&q=jpg&layer=production" in urls
    shadowed = response.context["toggle_choices"][0]["choices"][1]["url"]
    assert shadowed == f"{BROWSER}?dir=homes&q=jpg&shadowed=1"
    assert response.context["clear_filters_url"] == f"{BROWSER}?dir=homes"


@pytest.mark.django_db
def test_whited_out_rows_are_marked(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(BROWSER, {"dir": "homes", "whiteouts": "1"})
    html = response.content.decode()
    assert "hm-badge--whiteout" in html and "whited out" in html
    assert f'href="{DETAIL}?name=homes%2F3.jpg"' in html


@pytest.mark.django_db
def test_counting_numbers_the_pages_of_a_large_directory(
    admin_client: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put_many([f"big/p{number:04d}.txt" for number in range(150)], b"p")
    for number in range(100):
        media.save(f"big/l{number:04d}.txt", ContentFile(b"local"))
    first = admin_client.get(BROWSER, {"dir": "big", "count": "1"})
    assert first.context["result_count"] == 250
    assert len(first.context["rows"]) == 100
    assert first.context["rows"][0].entry.name == "l0000.txt"
    assert all(row.stat.size is not None for row in first.context["rows"])
    labels = [link["label"] for link in first.context["page_links"]]
    assert labels == [1, 2, 3]
    assert first.context["page_links"][2]["url"] == f"{BROWSER}?dir=big&count=1&p=3"
    assert "Counting lists the whole directory." in first.content.decode()
    third = admin_client.get(BROWSER, {"dir": "big", "count": "1", "p": "3"})
    names = [row.entry.name for row in third.context["rows"]]
    assert names[0] == "p0100.txt" and names[-1] == "p0149.txt" and len(names) == 50
    assert 'data-layer="production"' in third.content.decode()
    # An out-of-range or malformed page number shows a valid page instead of an error.
    assert admin_client.get(BROWSER, {"dir": "big", "count": "1", "p": "99"}).context["page"].number == 3
    assert admin_client.get(BROWSER, {"dir": "big", "count": "1", "p": "x"}).context["page"].number == 1
    # Without counting, the same directory pages natively and offers the count as a link.
    plain = admin_client.get(BROWSER, {"dir": "big"})
    assert "result_count" not in plain.context and plain.context["count_url"] == f"{BROWSER}?dir=big&count=1"
    assert [row.entry.name for row in plain.context["rows"]] == names_of(first)


def names_of(response: Any) -> list[str]:
    return [row.entry.name for row in response.context["rows"]]


@pytest.mark.django_db
def test_missing_directory_is_404(admin_client: Client, tree: HybridStorage) -> None:
    assert admin_client.get(BROWSER, {"dir": "no/such/dir"}).status_code == 404
    assert admin_client.get(BROWSER, {"dir": "readme.txt"}).status_code == 404


@pytest.mark.django_db
def test_detail_of_a_production_file(admin_client: Client, tree: HybridStorage, production: s3.Bucket) -> None:
    response = admin_client.get(DETAIL, {"name": "homes/1.jpg"})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.serving.layer.name == "production"
    assert [copy.present for copy in report.copies] == [False, True]
    production_copy = report.copies[1]
    assert production_copy.stat.size == len(b"production house one")
    assert production_copy.stat.modified is not None
    assert production_copy.url == f"{production.endpoint_url}/{production.name}/homes/1.jpg"
    assert response.context["warning"] is None
    html = response.content.decode()
    assert "Delete local copy" not in html and "Restore" not in html
    assert f'<img class="hm-preview" src="{PREVIEW}?name=homes%2F1.jpg"' in html
    assert_no_secrets(html)


@pytest.mark.django_db
def test_detail_of_a_local_file(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(DETAIL, {"name": "homes/new.jpg"})
    report = response.context["report"]
    assert report.serving.layer.name == "local"
    assert report.copies[0].url == "/media/homes/new.jpg"
    assert not report.shadowed and response.context["warning"] is None
    html = response.content.decode()
    assert "Delete local copy" in html
    assert "No other layer holds this file" in html


@pytest.mark.django_db
def test_detail_warns_about_shadowing_with_different_contents(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(DETAIL, {"name": "homes/2.jpg"})
    warning = response.context["warning"]
    assert "The “local” copy of this file hides the “production” copy" in warning
    assert "different contents" in warning
    html = response.content.decode()
    assert "hm-shadow-warning" in html
    assert "The “production” file will show again." in html
    assert [copy.stat.size for copy in response.context["report"].copies] == [14, 20]


@pytest.mark.django_db
def test_detail_says_when_shadowing_copies_are_identical(
    admin_client: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put("same.txt", b"same bytes")
    media.top.storage.save("same.txt", ContentFile(b"same bytes"))
    warning = admin_client.get(DETAIL, {"name": "same.txt"}).context["warning"]
    assert "identical contents" in warning


@pytest.mark.django_db
def test_detail_says_when_same_size_copies_differ(
    admin_client: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put("same-size.txt", b"aaaa")
    media.top.storage.save("same-size.txt", ContentFile(b"aaab"))
    warning = admin_client.get(DETAIL, {"name": "same-size.txt"}).context["warning"]
    assert "different contents" in warning


@pytest.mark.django_db
def test_detail_of_a_whited_out_file_offers_restore(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(DETAIL, {"name": "homes/3.jpg"})
    assert response.status_code == 200
    assert response.context["report"].whited_out
    assert response.context["can_restore"] and not response.context["can_delete_local"]
    html = response.content.decode()
    assert 'value="Restore"' in html and "csrfmiddlewaretoken" in html


@pytest.mark.django_db
def test_detail_of_a_missing_file_is_404(admin_client: Client, tree: HybridStorage) -> None:
    assert admin_client.get(DETAIL, {"name": "homes/nope.jpg"}).status_code == 404
    assert admin_client.get(DETAIL).status_code == 404


@pytest.mark.django_db
def test_a_browser_for_a_non_hybrid_storage_explains_itself(admin_client: Client, settings: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    for url in (BROWSER, f"{DETAIL}?name=a.txt"):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert "not a HybridStorage" in response.content.decode()


@pytest.mark.django_db
def test_filtered_paging_reuses_the_production_listing_until_refresh(
    admin_client: Client, media: HybridStorage, production: s3.Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    production.put_many([f"many/{number:03d}.txt" for number in range(120)], b"p")
    admin_client.get(BROWSER, {"dir": "many", "count": "1"})
    s3_requests.clear()
    for page in ("2", "1"):
        assert admin_client.get(BROWSER, {"dir": "many", "count": "1", "p": page}).status_code == 200
    assert admin_client.get(BROWSER, {"dir": "many", "q": "11"}).context["result_count"] == 11
    assert s3_requests == []  # sizes and times came with the listing; the listing was reused

    production.put("many/new.txt", b"p")
    s3_requests.clear()
    assert admin_client.get(BROWSER, {"dir": "many", "count": "1"}).context["result_count"] == 120
    refreshed = admin_client.get(BROWSER, {"dir": "many", "count": "1", "refresh": "1"})
    assert refreshed.context["result_count"] == 121
    assert [method for method, _url in s3_requests] == ["GET"]  # one listing request, no HEADs
    assert f'href="{BROWSER}?dir=many&amp;count=1&amp;refresh=1"' in refreshed.content.decode()
    s3_requests.clear()
    assert admin_client.get(BROWSER, {"dir": "many", "count": "1", "p": "2"}).context["result_count"] == 121
    assert s3_requests == []  # the refreshed listing is the one reused

    # An unfiltered page is never cached: it asks production once and sees the new file at once.
    production.put("many/000-newer.txt", b"p")
    s3_requests.clear()
    plain = admin_client.get(BROWSER, {"dir": "many"})
    assert names_of(plain)[:2] == ["000-newer.txt", "000.txt"]
    assert [method for method, _url in s3_requests] == ["GET"]
    assert "hm-refresh" not in plain.content.decode()


@pytest.mark.django_db
def test_local_changes_show_at_once(admin_client: Client, tree: HybridStorage) -> None:
    admin_client.get(BROWSER, {"dir": "homes"})
    tree.save("homes/fresh.jpg", ContentFile(b"new"))
    tree.restore("homes/3.jpg")
    names = [row.entry.name for row in admin_client.get(BROWSER, {"dir": "homes"}).context["rows"]]
    assert names == ["interiors", "1.jpg", "2.jpg", "3.jpg", "fresh.jpg", "new.jpg"]


@pytest.mark.django_db
def test_directory_links_keep_filters_but_not_the_search(admin_client: Client, tree: HybridStorage) -> None:
    response = admin_client.get(BROWSER, {"dir": "homes", "q": "inter", "layer": "production"})
    assert [row.entry.name for row in response.context["rows"]] == []  # directories have no serving layer
    response = admin_client.get(BROWSER, {"dir": "homes", "q": "inter", "shadowed": ""})
    assert rows(response)["interiors"].link == f"{BROWSER}?dir=homes%2Finteriors"
    response = admin_client.get(BROWSER, {"dir": "homes/interiors", "q": "kit", "layer": "production"})
    assert response.context["parent_url"] == f"{BROWSER}?dir=homes&layer=production"


@pytest.mark.django_db
def test_three_layers_show_the_middle_layer(
    admin_client: Client, settings: Any, local_config: dict[str, Any], make_bucket: Any
) -> None:
    staging, production = make_bucket(), make_bucket()
    production.put("homes/1.jpg", b"production")
    production.put("homes/2.jpg", b"production")
    staging.put("homes/2.jpg", b"staging edit")
    settings.STORAGES = helpers.three_layer_storages(local_config, staging, production)
    listed = rows(admin_client.get(BROWSER, {"dir": "homes"}))
    assert 'hm-badge--bottom" data-layer="production"' in listed["1.jpg"].badges
    assert 'hm-badge--middle" data-layer="staging"' in listed["2.jpg"].badges
    assert "Served by staging; held by staging, production" in listed["2.jpg"].badges
    assert listed["2.jpg"].entry.shadowed  # the serving copy, in staging, hides production's
    detail = admin_client.get(DETAIL, {"name": "homes/2.jpg"})
    assert [copy.present for copy in detail.context["report"].copies] == [False, True, True]
    assert detail.context["report"].serving.layer.name == "staging"
    # Every surface agrees with the storage: staging's copy shadows production's (no local copy to delete).
    assert detail.context["warning"].startswith("The “staging” copy of this file hides the “production” copy.")
    assert "Delete the local copy" not in detail.context["warning"]


def test_the_query_object_reads_what_the_url_says(rf: Any) -> None:
    request = rf.get(
        BROWSER,
        {"dir": "homes/interiors/", "q": "  kit ", "layer": "production", "shadowed": "1", "whiteouts": "yes"}
        | {"count": "1", "p": "x", "after": "homes/b.jpg", "back": ["homes/a.jpg", "bad\nmarker"], "refresh": "1"},
    )
    query = BrowserQuery.from_request(request)
    assert query == BrowserQuery(
        BROWSER,
        directory="homes/interiors",
        search="kit",
        layer="production",
        shadowed=True,
        whiteouts=False,  # only "1" turns a filter on
        counting=True,
        page=None,  # a page that is no number is no page
        after="homes/b.jpg",
        trail=("homes/a.jpg",),  # a marker no S3 key can be is dropped
        refresh=True,
    )
    assert query.filtered and query.filters == {"q": "kit", "layer": "production", "shadowed": "1", "whiteouts": ""}
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.search = "other"  # type: ignore[misc]
    with pytest.raises(SuspiciousFileOperation):
        BrowserQuery.from_request(rf.get(BROWSER, {"dir": "../etc"}))


def test_query_links_keep_the_filters_and_carry_the_page_only_when_told() -> None:
    query = BrowserQuery(BROWSER, "homes", search="jpg", layer="local", counting=True, page=3, refresh=True)
    # Counting, the page and "refresh" describe the page shown: a link starts afresh.
    assert query.url() == f"{BROWSER}?dir=homes&q=jpg&layer=local"
    assert query.url(directory="", search="", layer="") == BROWSER
    assert query.url(counting=True, page=2) == f"{BROWSER}?dir=homes&q=jpg&layer=local&count=1&p=2"
    plain = BrowserQuery(BROWSER, "a b")
    assert plain.url(after="a b/x", trail=("a b/c", "a b/d"), page=3) == (
        f"{BROWSER}?dir=a+b&after=a+b%2Fx&back=a+b%2Fc&back=a+b%2Fd&p=3"
    )
    assert query.page == 3  # url() never changes the query it is asked
