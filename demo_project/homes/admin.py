"""The demo admin: homes with their photos, and which layer serves each photo."""

from __future__ import annotations

from django.contrib import admin

from demo_project.homes.models import Home
from hybridmedia.admin import HybridMediaAdminMixin, origin_badge


@admin.register(Home)
class HomeAdmin(HybridMediaAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    # Each origin badge asks the hybrid where the photo lives: 25 rows keep that cheap.
    list_display = ("name", "city", origin_badge("photo", "photo"), "created")
    list_per_page = 25
    search_fields = ("name", "city")
    readonly_fields = ("created",)
