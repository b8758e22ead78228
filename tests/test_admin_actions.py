"""The detail page's actions: "Delete local copy" and "Restore", with the delete permission."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from hybridmedia.storage import HybridStorage
from tests import s3
from tests import test_admin_support as support
from tests.test_admin_support import client_for, make_staff

media = support.media

BROWSER = "/admin/hybridmedia/mediafile/"
DETAIL = "/admin/hybridmedia/mediafile/file/"
DELETE_LOCAL = "/admin/hybridmedia/mediafile/file/delete-local/"
RESTORE = "/admin/hybridmedia/mediafile/file/restore/"


@pytest.fixture
def editor(db: None) -> Client:
    """A staff member with exactly the browser's view and delete permissions."""
    return client_for(make_staff("editor", "view_mediafile", "delete_mediafile"))


def messages_of(response: object) -> list[str]:
    return [str(message) for message in response.context["messages"]]  # type: ignore[attr-defined]


def test_deleting_a_shadowing_copy_shows_production_again(
    editor: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put("homes/1.jpg", b"production")
    media.top.storage.save("homes/1.jpg", ContentFile(b"local edit"))
    response = editor.post(DELETE_LOCAL, {"name": "homes/1.jpg"}, follow=True)
    assert response.redirect_chain == [(f"{DETAIL}?name=homes%2F1.jpg", 302)]
    assert messages_of(response) == ["Deleted the “local” copy of “homes/1.jpg”; the “production” file shows again."]
    assert not media.top.storage.exists("homes/1.jpg")
    assert list(media.whiteouts()) == []  # no whiteout: production's copy is visible
    assert media.origin("homes/1.jpg").name == "production"
    with media.open("homes/1.jpg") as f:
        assert f.read() == b"production"
    assert response.context["report"].serving.layer.name == "production"


def test_deleting_a_local_only_file_returns_to_its_directory(
    editor: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    media.save("homes/new.jpg", ContentFile(b"local upload"))
    response = editor.post(DELETE_LOCAL, {"name": "homes/new.jpg"}, follow=True)
    assert response.redirect_chain == [(f"{BROWSER}?dir=homes", 302)]
    assert messages_of(response) == ["Deleted the “local” copy of “homes/new.jpg”; no other layer holds it."]
    assert not media.exists("homes/new.jpg")


def test_deleting_without_a_local_copy_changes_nothing(
    editor: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put("homes/1.jpg", b"production")
    response = editor.post(DELETE_LOCAL, {"name": "homes/1.jpg"}, follow=True)
    assert messages_of(response) == ["“homes/1.jpg” has no local copy to delete."]
    assert media.origin("homes/1.jpg").name == "production"
    assert list(media.whiteouts()) == []


def test_restore_drops_the_whiteout(editor: Client, media: HybridStorage, production: s3.Bucket) -> None:
    production.put("homes/3.jpg", b"production")
    media.delete("homes/3.jpg")
    assert not media.exists("homes/3.jpg")
    response = editor.post(RESTORE, {"name": "homes/3.jpg"}, follow=True)
    assert response.redirect_chain == [(f"{DETAIL}?name=homes%2F3.jpg", 302)]
    assert messages_of(response) == ["Restored “homes/3.jpg”: it shows again."]
    assert media.origin("homes/3.jpg").name == "production"
    assert list(media.whiteouts()) == []
    listed = editor.get(BROWSER, {"dir": "homes"}).context["rows"]
    assert [row.entry.name for row in listed] == ["3.jpg"]


def test_restore_without_a_whiteout_says_so(editor: Client, media: HybridStorage, production: s3.Bucket) -> None:
    production.put("homes/1.jpg", b"production")
    response = editor.post(RESTORE, {"name": "homes/1.jpg"}, follow=True)
    assert messages_of(response) == ["“homes/1.jpg” was not whited out."]


def test_actions_need_a_name(editor: Client, media: HybridStorage) -> None:
    assert editor.post(DELETE_LOCAL, {}).status_code == 404
    assert editor.post(RESTORE, {"name": ""}).status_code == 404


def test_detail_page_forms_post_to_the_actions(editor: Client, media: HybridStorage, production: s3.Bucket) -> None:
    production.put("a.jpg", b"production")
    media.top.storage.save("a.jpg", ContentFile(b"local"))
    html = editor.get(DETAIL, {"name": "a.jpg"}).content.decode()
    assert f'<form method="post" action="{DELETE_LOCAL}">' in html
    assert '<input type="hidden" name="name" value="a.jpg">' in html


def test_deleting_while_production_is_unreachable_says_so(
    editor: Client, media: HybridStorage, production: s3.Bucket, settings: object
) -> None:
    production.put("homes/1.jpg", b"production")
    media.top.storage.save("homes/1.jpg", ContentFile(b"local edit"))
    settings.STORAGES = {**settings.STORAGES, "production": support.unreachable(production)}  # type: ignore[attr-defined]
    response = editor.post(DELETE_LOCAL, {"name": "homes/1.jpg"}, follow=True)
    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("Deleted the “local” copy of “homes/1.jpg”. Whether another layer still holds it")
    assert "production" in message
    assert not media.top.storage.exists("homes/1.jpg")


def test_actions_explain_a_missing_hybrid(editor: Client, settings: object) -> None:
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    for url in (DELETE_LOCAL, RESTORE):
        response = editor.post(url, {"name": "a.txt"})
        assert response.status_code == 200
        assert "not a HybridStorage" in response.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_actions_never_redirect_off_site(
    editor: Client, media: HybridStorage, production: s3.Bucket, target: str
) -> None:
    media.save("homes/a.jpg", ContentFile(b"x"))
    production.put("homes/b.jpg")
    media.delete("homes/b.jpg")
    for url, name in ((DELETE_LOCAL, "homes/a.jpg"), (RESTORE, "homes/b.jpg"), (DELETE_LOCAL, target)):
        response = editor.post(f"{url}?next={target}", {"name": name, "next": target})
        assert response.status_code in (302, 400, 404)
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/hybridmedia/mediafile/"), response["Location"]
