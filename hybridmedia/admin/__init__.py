"""Admin integration: origin badges and shadowing warnings for your ModelAdmins, and the media browser.

Importing this module (the admin's autodiscovery does) registers the media browser on the default
admin site under "Hybrid media" → "Media files". For another ``AdminSite``, register it there:
``site.register(MediaFile, MediaFileAdmin)``.
"""

from __future__ import annotations

from django.contrib import admin

from hybridmedia.installed import require_installed_app

# Before the MediaFile model is imported: Django's own error would only say it has no app_label.
require_installed_app("hybridmedia.admin")

from hybridmedia.admin.browser import MediaFileAdmin  # noqa: E402
from hybridmedia.admin.mixins import HybridMediaAdminMixin, origin_badge  # noqa: E402
from hybridmedia.admin.widgets import HybridFileWidget  # noqa: E402
from hybridmedia.models import MediaFile  # noqa: E402

if not admin.site.is_registered(MediaFile):
    admin.site.register(MediaFile, MediaFileAdmin)

__all__ = ["HybridFileWidget", "HybridMediaAdminMixin", "MediaFileAdmin", "origin_badge"]
