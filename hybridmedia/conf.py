"""hybridmedia's app settings, read lazily from ``django.conf.settings``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

# The layer-URL API is documented under hybridmedia.conf, where settings files import it from.
from hybridmedia.layer_urls import LayerURLError, storage_from_url, storages_from_urls

__all__ = ["AppSettings", "LayerURLError", "app_settings", "storage_from_url", "storages_from_urls"]


@dataclass(frozen=True)
class AppSettings:
    """hybridmedia's own settings, read from ``django.conf.settings`` on every access.

    Reading at access time (never at import) keeps ``override_settings`` working in tests.
    """

    prefix: str = "HYBRIDMEDIA_"

    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, self.prefix + name, default)

    @property
    def STORAGE_ALIAS(self) -> str:
        """The ``STORAGES`` alias of the hybrid the admin and the commands work on."""
        return str(self._get("STORAGE_ALIAS", "default"))

    @property
    def PLACEHOLDERS(self) -> bool:
        """Whether the media view answers a missing or unreachable image with a generated placeholder."""
        return bool(self._get("PLACEHOLDERS", False))

    @property
    def SERVE_WITHOUT_DEBUG(self) -> bool:
        """Whether the media view may be routed while ``DEBUG`` is off (staging): no ``W002``, patterns kept."""
        return bool(self._get("SERVE_WITHOUT_DEBUG", False))


app_settings = AppSettings()
