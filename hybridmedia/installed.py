"""Saying clearly that ``"hybridmedia"`` is missing from ``INSTALLED_APPS``, instead of Django's generic errors."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


def require_installed_app(feature: str) -> None:
    """Raise ``ImproperlyConfigured`` when the app registry is ready and ``"hybridmedia"`` is not in it."""
    if apps.apps_ready and not apps.is_installed("hybridmedia"):
        raise ImproperlyConfigured(
            f'{feature} needs "hybridmedia" in INSTALLED_APPS. Add it to settings.INSTALLED_APPS; it brings '
            f"the system checks, the admin's media browser and the management commands."
        )
