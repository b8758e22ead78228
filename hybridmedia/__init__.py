"""Layered Django storage: a writable local layer over read-only production media."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

__version__ = "0.1.0.dev0"
__all__ = ["__version__", "get_hybrid_storage"]

# A library's logger gets no handler but a NullHandler: where logging is not configured, Python's
# last-resort stderr handler would otherwise print hybridmedia's warnings next to a command's output.
logging.getLogger("hybridmedia").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from hybridmedia.storage import HybridStorage


def get_hybrid_storage(alias: str | None = None) -> HybridStorage:
    """Return the ``HybridStorage`` configured as ``STORAGES[alias]`` (``HYBRIDMEDIA_STORAGE_ALIAS`` by default)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.core.files.storage import InvalidStorageError, storages

    from hybridmedia.conf import app_settings
    from hybridmedia.storage import HybridStorage

    alias = alias or app_settings.STORAGE_ALIAS
    try:
        storage = storages[alias]
    except InvalidStorageError as exc:
        raise ImproperlyConfigured(
            f"There is no storage {alias!r} in settings.STORAGES. Add one whose BACKEND is "
            f"'hybridmedia.storage.HybridStorage', or pass the alias of an existing one."
        ) from exc
    if not isinstance(storage, HybridStorage):
        raise ImproperlyConfigured(
            f"STORAGES[{alias!r}] is a {type(storage).__module__}.{type(storage).__qualname__}, "
            f"not a HybridStorage. Set its BACKEND to 'hybridmedia.storage.HybridStorage', or "
            f"pass the alias of the storage that is."
        )
    return storage
