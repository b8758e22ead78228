"""One adapter per kind of store, for what the core needs beyond Django's Storage API."""

from __future__ import annotations

from django.core.files.storage import InMemoryStorage, Storage

from hybridmedia.storage.backends import filesystem, http, s3
from hybridmedia.storage.backends.base import ListedFiles, ListedPage, StorageAdapter

__all__ = ["ListedFiles", "ListedPage", "StorageAdapter", "adapter_for", "guard_mixins", "read_only_store"]


def adapter_for(storage: Storage) -> StorageAdapter:
    """Return the adapter for ``storage``'s kind of store (the generic one for any other backend)."""
    if s3.is_s3(storage):
        return s3.S3Adapter(storage)
    if filesystem.is_filesystem(storage):
        return filesystem.FilesystemAdapter(storage)
    if http.is_http(storage):
        return http.HTTPAdapter(storage)
    if isinstance(storage, InMemoryStorage):
        return MemoryAdapter(storage)
    return StorageAdapter(storage)


class MemoryAdapter(StorageAdapter):
    """``InMemoryStorage``: local, with deterministic URLs; everything else through its Storage API."""

    remote = False

    def urls_are_deterministic(self) -> bool:
        return True


def read_only_store(storage_class: type[Storage]) -> str | None:
    """Say what ``storage_class`` is when it can never be written (so never be a write layer), else ``None``."""
    return "an HTTP(S) server, read over GET and HEAD only" if http.is_http(storage_class) else None


def guard_mixins(storage_class: type[Storage]) -> tuple[type, ...]:
    """The backend-specific mixins a read-only guard of ``storage_class`` needs besides the generic one."""
    return (s3.ReadOnlyS3Mixin,) if s3.is_s3(storage_class) else ()
