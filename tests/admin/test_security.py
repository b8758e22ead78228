"""Who may see and do what in the media browser, and what no page may ever show."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from hybridmedia.storage import HybridStorage
from tests import s3
from tests.admin import helpers
from tests.admin.helpers import assert_no_secrets, client_for, make_staff

BROWSER = "/admin/hybridmedia/mediafile/"
DETAIL = "/admin/hybridmedia/mediafile/file/"
DELETE_LOCAL = "/admin/hybridmedia/mediafile/file/delete-local/"
RESTORE = "/admin/hybridmedia/mediafile/file/restore/"

PAGES = [BROWSER, f"{BROWSER}?dir=homes", f"{DETAIL}?name=homes/1.jpg"]
CONFIRMATION = f"{DELETE_LOCAL}?name=homes/1.jpg"  # the page that asks before "Delete local copy"
GET_VIEWS = [*PAGES, f"{DETAIL}preview/?name=homes/1.jpg", CONFIRMATION]
POST_VIEWS = [DELETE_LOCAL, RESTORE]


@pytest.fixture
def files(media: HybridStorage, production: s3.Bucket) -> HybridStorage:
    production.put("homes/1.jpg", b"production")
    media.top.storage.save("homes/1.jpg", ContentFile(b"local"))
    return media


@pytest.mark.django_db
@pytest.mark.parametrize("url", GET_VIEWS + POST_VIEWS)
def test_anonymous_users_are_sent_to_the_login_page(client: Client, files: HybridStorage, url: str) -> None:
    response = client.post(url, {"name": "homes/1.jpg"}) if url in POST_VIEWS else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert files.top.storage.exists("homes/1.jpg")


@pytest.mark.django_db
@pytest.mark.parametrize("url", GET_VIEWS + POST_VIEWS)
def test_staff_without_permission_get_403(files: HybridStorage, url: str) -> None:
    client = client_for(make_staff("nobody"))
    response = client.post(url, {"name": "homes/1.jpg"}) if url in POST_VIEWS else client.get(url)
    assert response.status_code == 403
    assert files.top.storage.exists("homes/1.jpg")


@pytest.mark.django_db
def test_staff_without_permission_do_not_see_the_browser_on_the_index(files: HybridStorage) -> None:
    html = client_for(make_staff("nobody")).get("/admin/").content.decode()
    assert "Media files" not in html


@pytest.mark.django_db
def test_non_staff_users_are_sent_to_the_login_page(files: HybridStorage) -> None:
    from django.contrib.auth.models import User

    user = User.objects.create_user("visitor", password="pw")
    response = client_for(user).get(BROWSER)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", POST_VIEWS)
def test_view_permission_cannot_act(files: HybridStorage, url: str) -> None:
    client = client_for(make_staff("viewer", "view_mediafile"))
    assert client.get(BROWSER).status_code == 200
    detail = client.get(DETAIL, {"name": "homes/1.jpg"})
    assert detail.status_code == 200
    assert "Delete local copy" not in detail.content.decode()
    assert client.get(CONFIRMATION).status_code == 403
    assert client.post(url, {"name": "homes/1.jpg"}).status_code == 403
    assert files.top.storage.exists("homes/1.jpg")


@pytest.mark.django_db
def test_view_permission_shows_the_browser_on_the_index(files: HybridStorage) -> None:
    html = client_for(make_staff("viewer", "view_mediafile")).get("/admin/").content.decode()
    assert "Hybrid media" in html and f'href="{BROWSER}"' in html
    assert "/admin/hybridmedia/mediafile/add/" not in html


@pytest.mark.django_db
def test_only_a_post_changes_anything(admin_client: Client, files: HybridStorage, production: s3.Bucket) -> None:
    production.put("homes/2.jpg", b"production")
    files.delete("homes/2.jpg")  # a whiteout to restore
    # GET on "Delete local copy" only asks; "Restore" has no page to show.
    assert admin_client.get(DELETE_LOCAL, {"name": "homes/1.jpg"}).status_code == 200
    assert admin_client.head(CONFIRMATION).status_code == 200
    response = admin_client.get(RESTORE, {"name": "homes/2.jpg"})
    assert response.status_code == 405 and response["Allow"] == "POST"
    for method in ("put", "patch", "delete"):
        response = getattr(admin_client, method)(CONFIRMATION)
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD, POST", method
        response = getattr(admin_client, method)(f"{RESTORE}?name=homes/2.jpg")
        assert response.status_code == 405 and response["Allow"] == "POST", method
    assert files.top.storage.exists("homes/1.jpg")
    assert list(files.whiteouts()) == ["homes/2.jpg"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", POST_VIEWS)
def test_actions_require_the_csrf_token(admin_user: Any, files: HybridStorage, url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(url, {"name": "homes/1.jpg"}).status_code == 403
    assert files.top.storage.exists("homes/1.jpg")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "homes/../../secret", ".hybridmedia-whiteouts/homes/1.jpg", "a\x00b"],
)
def test_traversal_and_reserved_names_are_refused(admin_client: Client, files: HybridStorage, name: str) -> None:
    assert admin_client.get(DETAIL, {"name": name}).status_code in (400, 404)
    assert admin_client.get(BROWSER, {"dir": name}).status_code in (400, 404)
    assert admin_client.get(f"{DETAIL}preview/", {"name": name}).status_code in (400, 404)
    assert admin_client.get(DELETE_LOCAL, {"name": name}).status_code in (400, 404)
    for url in POST_VIEWS:
        assert admin_client.post(url, {"name": name}).status_code in (400, 404)
    assert files.top.storage.exists("homes/1.jpg")


@pytest.mark.django_db
def test_traversal_is_a_400(admin_client: Client, files: HybridStorage) -> None:
    assert admin_client.get(DETAIL, {"name": "../../etc/passwd"}).status_code == 400
    assert admin_client.get(BROWSER, {"dir": "../.."}).status_code == 400
    assert admin_client.get(DELETE_LOCAL, {"name": "../../etc/passwd"}).status_code == 400


@pytest.mark.django_db
def test_hostile_file_names_render_as_text(admin_client: Client, media: HybridStorage, production: s3.Bucket) -> None:
    hostile = "<script>alert(1)</script>.jpg"
    quote = 'say "hi" & <b>bold</b>.png'
    production.put(f"x/{hostile}", b"p")
    media.save(f"x/{quote}", ContentFile(b"l"))
    pages = [
        admin_client.get(BROWSER, {"dir": "x"}),
        admin_client.get(BROWSER, {"dir": "x", "q": "<script>"}),
        admin_client.get(DETAIL, {"name": f"x/{hostile}"}),
        admin_client.get(DETAIL, {"name": f"x/{quote}"}),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in html
        assert "<b>bold</b>" not in html
    # The "/" of "</script>" makes "<script>alert(1)<" a directory holding "script>.jpg".
    assert "&lt;script&gt;alert(1)&lt;/" in pages[0].content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.jpg" in pages[2].content.decode()
    inside = admin_client.get(BROWSER, {"dir": "x/<script>alert(1)<"})
    assert inside.status_code == 200
    assert "<script>" not in inside.content.decode()
    assert [row.entry.name for row in inside.context["rows"]] == ["script>.jpg"]
    # The search box echoes the query escaped.
    assert 'value="&lt;script&gt;"' in pages[1].content.decode()


@pytest.mark.django_db
def test_no_page_shows_credentials(admin_client: Client, files: HybridStorage) -> None:
    assert_no_secrets(admin_client.get(CONFIRMATION).content.decode())
    files.delete("homes/1.jpg")  # local copy gone, whiteout recorded
    for url in [*PAGES, "/admin/", f"{BROWSER}?whiteouts=1&dir=homes"]:
        assert_no_secrets(admin_client.get(url).content.decode())


@pytest.mark.django_db
def test_unreachable_production_gives_a_banner_not_a_500(
    admin_client: Client, settings: Any, files: HybridStorage, production: s3.Bucket
) -> None:
    files.save("homes/local-only.jpg", ContentFile(b"local"))
    settings.STORAGES = {**settings.STORAGES, "production": helpers.unreachable(production)}
    for url in [*PAGES, f"{DETAIL}?name=homes/local-only.jpg", CONFIRMATION]:
        response = admin_client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert 'class="warning" data-layer="production"' in html
        assert "The layer “production” could not be read" in html
        assert "EndpointConnectionError" in html
        assert_no_secrets(html)
    # The local layer still renders.
    listed = admin_client.get(BROWSER, {"dir": "homes"}).context["rows"]
    assert [row.entry.name for row in listed] == ["1.jpg", "local-only.jpg"]
    detail = admin_client.get(DETAIL, {"name": "homes/local-only.jpg"}).context["report"]
    assert detail.serving.layer.name == "local" and detail.copies[1].error


@pytest.mark.django_db
def test_error_messages_are_redacted() -> None:
    from hybridmedia.redaction import describe_error

    class FakeS3:
        access_key = helpers.ACCESS_KEY
        secret_key = helpers.SECRET_KEY

    message = describe_error(RuntimeError(f"signed with {helpers.SECRET_KEY} by {helpers.ACCESS_KEY}"), [FakeS3()])
    assert message == "RuntimeError: signed with *** by ***"
