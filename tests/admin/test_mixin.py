"""``HybridMediaAdminMixin`` and ``origin_badge`` on a ModelAdmin of a real model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection, models
from django.test import Client
from django.urls import path

from hybridmedia.admin import HybridFileWidget, HybridMediaAdminMixin, origin_badge
from hybridmedia.storage import HybridStorage
from tests import s3
from tests.admin.helpers import assert_no_secrets, unreachable

# A private app registry keeps this test model out of the project's migrations.
test_apps = Apps(["hybridmedia"])


class Photo(models.Model):
    title = models.CharField(max_length=50)
    image = models.FileField(upload_to="photos", blank=True)
    attachment = models.FileField(upload_to="docs", blank=True)

    class Meta:
        app_label = "hybridmedia"
        apps = test_apps

    def __str__(self) -> str:
        return self.title


class PhotoAdmin(HybridMediaAdminMixin, admin.ModelAdmin):
    list_display = ("title", origin_badge("image"))


site = admin.AdminSite(name="mixin_admin")
site.register(Photo, PhotoAdmin)
urlpatterns = [path("admin/", site.urls)]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(scope="module")
def photo_table(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(Photo)
        yield
        with connection.schema_editor() as editor:
            editor.delete_model(Photo)


@pytest.fixture
def photo(photo_table: None, db: None, media: HybridStorage, production: s3.Bucket) -> Photo:
    # The content type row of this test model is rolled back after each test; forget its cached id.
    ContentType.objects.clear_cache()
    production.put("photos/house.jpg", b"production photo")
    production.put("docs/plan.pdf", b"production plan")
    # Straight into the top layer: the hybrid itself never picks a name a lower layer holds.
    media.top.storage.save("docs/plan.pdf", ContentFile(b"local plan"))
    return Photo.objects.create(title="House", image="photos/house.jpg", attachment="docs/plan.pdf")


def change_url(photo: Photo) -> str:
    return f"/admin/hybridmedia/photo/{photo.pk}/change/"


def test_change_form_shows_a_badge_next_to_each_file(admin_client: Client, photo: Photo) -> None:
    response = admin_client.get(change_url(photo))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="hm-badge hm-badge--bottom" data-layer="production"' in html
    assert '<span class="hm-badge hm-badge--top" data-layer="local"' in html
    assert html.count('class="hm-origin"') == 2
    assert "hybridmedia/admin.css" in html
    assert_no_secrets(html)


def test_change_form_warns_about_a_shadowed_file(admin_client: Client, photo: Photo) -> None:
    response = admin_client.get(change_url(photo))
    warnings = [m.message for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "docs/plan.pdf" in warnings[0] and "“production”" in warnings[0]
    assert "shadowed" in warnings[0]


def test_no_warning_when_nothing_is_shadowed(admin_client: Client, photo: Photo, media: HybridStorage) -> None:
    media.delete("docs/plan.pdf")  # removes the local copy; production's shows again
    response = admin_client.get(change_url(photo))
    assert [m for m in response.context["messages"] if m.level_tag == "warning"] == []


def test_post_does_not_add_the_warning(admin_client: Client, photo: Photo) -> None:
    response = admin_client.post(change_url(photo), {"title": "Renamed", "image": "", "attachment": ""}, follow=True)
    assert response.status_code == 200
    warnings = [m.message for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == []


def test_change_list_column_shows_the_origin(admin_client: Client, photo: Photo) -> None:
    Photo.objects.create(title="Plan", image="docs/plan.pdf")
    response = admin_client.get("/admin/hybridmedia/photo/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Image origin" in html
    assert 'data-layer="production"' in html and 'data-layer="local"' in html
    assert "hybridmedia/admin.css" in html


def test_hostile_file_name_is_escaped(admin_client: Client, photo: Photo, media: HybridStorage) -> None:
    hostile = "photos/<script>alert(1)</script>.jpg"
    media.save(hostile, ContentFile(b"x"))
    Photo.objects.filter(pk=photo.pk).update(image=hostile)
    for url in (change_url(photo), "/admin/hybridmedia/photo/"):
        html = admin_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unreachable_layer_gives_an_unknown_badge_and_a_warning(
    admin_client: Client, photo: Photo, settings: Any, production: s3.Bucket
) -> None:
    storages = dict(settings.STORAGES)
    storages["production"] = unreachable(production)
    settings.STORAGES = storages
    response = admin_client.get(change_url(photo))
    html = response.content.decode()
    assert response.status_code == 200
    assert "hm-badge--error" in html
    warnings = [m.message for m in response.context["messages"] if m.level_tag == "warning"]
    assert any("Could not check" in w for w in warnings)
    assert_no_secrets(html)


def test_project_widget_override_is_respected(photo_table: None, db: None) -> None:
    class CustomWidget(admin.widgets.AdminFileWidget):
        pass

    class CustomAdmin(HybridMediaAdminMixin, admin.ModelAdmin):
        formfield_overrides = {models.FileField: {"widget": CustomWidget}}  # noqa: RUF012

    class PlainAdmin(HybridMediaAdminMixin, admin.ModelAdmin):
        pass

    field = Photo._meta.get_field("image")
    assert isinstance(CustomAdmin(Photo, site).formfield_for_dbfield(field, None).widget, CustomWidget)
    assert isinstance(PlainAdmin(Photo, site).formfield_for_dbfield(field, None).widget, HybridFileWidget)
