"""The detail page's actions: "Delete local copy" (confirmed first) and "Restore", with the delete permission."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests import s3
from tests.admin import helpers
from tests.admin.helpers import client_for, make_staff

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


def confirm(client: Client, confirmation: Any) -> Any:
    """Submit the confirmation page's form as a browser would: to the page's own URL, with its fields."""
    page = confirmation.content.decode()
    [form] = re.findall(r'<form method="post">(.*?)</form>', page, re.S)
    fields = {
        html.unescape(key): html.unescape(value) for key, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form)
    }
    assert set(fields) == {"csrfmiddlewaretoken", "name"}
    url = confirmation.request["PATH_INFO"] + "?" + confirmation.request["QUERY_STRING"]
    return client.post(url, fields, follow=True)


def test_delete_local_asks_first_and_names_both_copies(
    editor: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put("homes/1.jpg", b"production")
    media.top.storage.save("homes/1.jpg", ContentFile(b"local edit"))
    response = editor.get(DELETE_LOCAL, {"name": "homes/1.jpg"})
    assert response.status_code == 200
    assert response.templates[0].name == "admin/hybridmedia/mediafile/delete_local_confirmation.html"
    page = response.content.decode()
    assert "Are you sure you want to delete the “local” copy of “homes/1.jpg”?" in page
    assert "The “local” copy will be deleted." in page and "10\xa0bytes" in page
    assert "The “production” copy will show again; it is not changed." in page
    assert response.context["shows_again"].layer.name == "production"
    assert '<input type="hidden" name="name" value="homes/1.jpg">' in page and "csrfmiddlewaretoken" in page
    assert 'value="Yes, I’m sure"' in page
    assert f'<a href="{DETAIL}?name=homes%2F1.jpg" class="button cancel-link">No, take me back</a>' in page
    # Breadcrumbs: the directory, then the file's detail page, then this page.
    assert (
        f'<a href="{BROWSER}?dir=homes">homes</a>' in page
        and f'<a href="{DETAIL}?name=homes%2F1.jpg">1.jpg</a>' in page
    )
    assert "<h1>Delete local copy</h1>" in page
    # Asking changed nothing.
    assert media.origin("homes/1.jpg").name == "local"
    assert list(media.whiteouts()) == []

    done = confirm(editor, response)
    assert done.redirect_chain == [(f"{DETAIL}?name=homes%2F1.jpg", 302)]
    assert messages_of(done) == ["Deleted the “local” copy of “homes/1.jpg”; the “production” file shows again."]
    assert media.origin("homes/1.jpg").name == "production"


def test_confirming_a_local_only_file_says_it_will_be_gone(
    editor: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    media.save("homes/new.jpg", ContentFile(b"local upload"))
    response = editor.get(DELETE_LOCAL, {"name": "homes/new.jpg"})
    page = response.content.decode()
    assert "The “local” copy will be deleted." in page
    assert "No other layer holds this file: it will be gone from this environment." in page
    assert response.context["shows_again"] is None
    assert media.exists("homes/new.jpg")
    done = confirm(editor, response)
    assert done.redirect_chain == [(f"{BROWSER}?dir=homes", 302)]
    assert not media.exists("homes/new.jpg")


def test_nothing_to_confirm_without_a_local_copy(editor: Client, media: HybridStorage, production: s3.Bucket) -> None:
    production.put("homes/1.jpg", b"production")
    response = editor.get(DELETE_LOCAL, {"name": "homes/1.jpg"}, follow=True)
    assert response.redirect_chain == [(f"{DETAIL}?name=homes%2F1.jpg", 302)]
    assert messages_of(response) == ["“homes/1.jpg” has no local copy to delete."]
    assert editor.get(DELETE_LOCAL, {"name": "homes/nowhere.jpg"}).status_code == 404
    assert editor.get(DELETE_LOCAL).status_code == 404


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


def test_detail_page_links_to_the_confirmation_and_posts_restore(
    editor: Client, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put("a.jpg", b"production")
    media.top.storage.save("a.jpg", ContentFile(b"local"))
    page = editor.get(DETAIL, {"name": "a.jpg"}).content.decode()
    assert f'<a href="{DELETE_LOCAL}?name=a.jpg" class="deletelink">Delete local copy</a>' in page
    assert "<form" not in page.split('id="content-main"')[1]  # asking first is the next page's job
    production.put("b.jpg", b"production")
    media.delete("b.jpg")
    page = editor.get(DETAIL, {"name": "b.jpg"}).content.decode()
    assert f'<form method="post" action="{RESTORE}">' in page
    assert '<input type="hidden" name="name" value="b.jpg">' in page


def test_deleting_while_production_is_unreachable_says_so(
    editor: Client, media: HybridStorage, production: s3.Bucket, settings: object
) -> None:
    production.put("homes/1.jpg", b"production")
    media.top.storage.save("homes/1.jpg", ContentFile(b"local edit"))
    settings.STORAGES = {**settings.STORAGES, "production": helpers.unreachable(production)}  # type: ignore[attr-defined]
    confirmation = editor.get(DELETE_LOCAL, {"name": "homes/1.jpg"})
    page = confirmation.content.decode()
    assert 'class="warning" data-layer="production"' in page  # the banner naming the layer
    assert "Whether another layer holds this file could not be checked." in page
    assert "No other layer holds this file" not in page
    response = confirm(editor, confirmation)
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
    for response in (
        editor.get(DELETE_LOCAL, {"name": "a.txt"}),
        editor.post(DELETE_LOCAL, {"name": "a.txt"}),
        editor.post(RESTORE, {"name": "a.txt"}),
    ):
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


def test_with_three_layers_the_next_copy_down_shows_again(
    editor: Client, settings: Any, local_config: dict[str, Any], make_bucket: Any
) -> None:
    staging, production = make_bucket(), make_bucket()
    production.put("homes/2.jpg", b"production")
    staging.put("homes/2.jpg", b"staging edit")
    settings.STORAGES = helpers.three_layer_storages(local_config, staging, production)
    media = get_hybrid_storage()
    media.top.storage.save("homes/2.jpg", ContentFile(b"local edit"))
    response = editor.get(DELETE_LOCAL, {"name": "homes/2.jpg"})
    assert response.context["shows_again"].layer.name == "staging"
    assert "The “staging” copy will show again; it is not changed." in response.content.decode()
    assert messages_of(confirm(editor, response)) == [
        "Deleted the “local” copy of “homes/2.jpg”; the “staging” file shows again."
    ]
