"""The media view as a project mounts it: ``include("hybridmedia.urls")`` under ``media/``."""

from django.urls import include, path

from hybridmedia.views import serve_media

urlpatterns = [
    path("media/", include("hybridmedia.urls")),
    path("staging-media/<path:name>", serve_media, {"alias": "staging_hybrid"}),
]
