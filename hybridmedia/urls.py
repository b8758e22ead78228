"""URL patterns of the media view (``hybridmedia.views.serve_media``).

Either, like Django's ``static()``, under ``MEDIA_URL``::

    from hybridmedia.urls import media_urlpatterns

    urlpatterns += media_urlpatterns()

or included under a prefix of your choice: ``path("media/", include("hybridmedia.urls"))``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, path, re_path

from hybridmedia.conf import app_settings
from hybridmedia.views import serve_media

app_name = "hybridmedia"
urlpatterns = [path("<path:name>", serve_media, name="media")]


def media_urlpatterns(prefix: str | None = None, *, alias: str | None = None) -> list[URLPattern]:
    """Return the pattern that serves the hybrid ``STORAGES[alias]`` under ``prefix`` (``MEDIA_URL``).

    Like ``django.conf.urls.static.static()``, nothing is routed while ``DEBUG`` is off (unless
    ``HYBRIDMEDIA_SERVE_WITHOUT_DEBUG = True``) or when the prefix is on another host.
    """
    prefix = settings.MEDIA_URL if prefix is None else prefix
    if not prefix:
        raise ImproperlyConfigured("The media view needs a prefix: set MEDIA_URL (e.g. '/media/') or pass one.")
    if urlsplit(prefix).netloc or not (settings.DEBUG or app_settings.SERVE_WITHOUT_DEBUG):
        return []
    return [
        re_path(
            rf"^{re.escape(prefix.lstrip('/'))}(?P<name>.*)$",
            serve_media,
            kwargs={"alias": alias},
            name="hybridmedia-media",
        )
    ]
