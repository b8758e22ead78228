"""Admin integration: origin badges and shadowing warnings for your ModelAdmins, and the media browser."""

from __future__ import annotations

from hybridmedia.admin.mixins import HybridMediaAdminMixin, origin_badge
from hybridmedia.admin.widgets import HybridFileWidget

__all__ = ["HybridFileWidget", "HybridMediaAdminMixin", "origin_badge"]
