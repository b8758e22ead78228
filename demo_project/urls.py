from __future__ import annotations

from django.contrib import admin
from django.urls import path

from demo_project.homes.views import HomeListView
from hybridmedia.urls import media_urlpatterns

urlpatterns = [
    path("", HomeListView.as_view(), name="home-list"),
    path("admin/", admin.site.urls),
    # Every layer's files under MEDIA_URL (DEBUG only): local files from disk, production's by a redirect
    # to the S3 endpoint, or streamed through Django when production is read over HTTP (docs/demo.md).
    *media_urlpatterns(),
]
