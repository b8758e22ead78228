"""One adapter per kind of store, for what the core needs beyond Django's Storage API."""

from __future__ import annotations

from django.core.files.storage import Storage

from hybridmedia.storage.backends import s3


def guard_mixins(storage_class: type[Storage]) -> tuple[type, ...]:
    """The backend-specific mixins a read-only guard of ``storage_class`` needs besides the generic one."""
    return (s3.ReadOnlyS3Mixin,) if s3.is_s3(storage_class) else ()
