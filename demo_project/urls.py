from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from demo_project.homes.views import HomeListView

urlpatterns = [
    path("", HomeListView.as_view(), name="home-list"),
    path("admin/", admin.site.urls),
    # Local-layer files; production photos are served by the S3 endpoint itself. (DEBUG only.)
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
