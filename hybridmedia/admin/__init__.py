"""Admin integration: origin badges and shadowing warnings for your ModelAdmins, and the media browser.

Importing this module (the admin's autodiscovery does) registers the media browser on the default
admin site under "Hybrid media" → "Media files". For another ``AdminSite``, register it there:
``site.register(MediaFile, MediaFileAdmin)``.
"""

from __future__ import annotations

from django.contrib import admin

from hybridmedia.admin.browser import MediaFileAdmin
from hybridmedia.admin.mixins import HybridMediaAdminMixin, origin_badge
from hybridmedia.admin.widgets import HybridFileWidget
from hybridmedia.models import MediaFile

if not admin.site.is_registered(MediaFile):
    admin.site.register(MediaFile, MediaFileAdmin)

__all__ = ["HybridFileWidget", "HybridMediaAdminMixin", "MediaFileAdmin", "origin_badge"]
