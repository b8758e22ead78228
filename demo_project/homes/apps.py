from __future__ import annotations

from django.apps import AppConfig


class HomesConfig(AppConfig):
    name = "demo_project.homes"
    label = "homes"
    verbose_name = "Homes"
    default_auto_field = "django.db.models.BigAutoField"
