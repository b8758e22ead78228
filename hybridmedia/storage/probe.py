"""Asking a layer about a name in as few requests as it allows."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage

from hybridmedia.storage.backends.s3 import is_s3
from hybridmedia.storage.cache import MISSING, Probe
from hybridmedia.storage.names import is_missing


def _s3_head(storage: Any, name: str) -> Probe:
    # One HEAD answers existence, size and modification time at once (S3Storage.exists() is the
    # same HEAD request, but throws the size and time away).
    from storages.utils import clean_name

    key = storage._normalize_name(clean_name(name))
    try:
        head = storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=key)
    except Exception as exc:
        if is_missing(exc):
            return MISSING
        raise
    return Probe(exists=True, size=head.get("ContentLength"), modified=head.get("LastModified"))


def probe(storage: Storage, name: str) -> Probe:
    """Return what ``storage`` knows about ``name``: one HEAD on S3, ``exists()`` elsewhere."""
    if is_s3(storage):
        return _s3_head(storage, name)
    return Probe(exists=True) if storage.exists(name) else MISSING


def probe_of_open_file(storage: Storage, file: Any) -> Probe:
    """Return the metadata an already opened file carries (S3Storage's file has loaded its HEAD)."""
    obj = getattr(file, "obj", None) if is_s3(storage) else None
    if obj is None:
        return Probe(exists=True)
    try:
        return Probe(exists=True, size=obj.content_length, modified=obj.last_modified)
    except Exception:  # The object's metadata is an optimisation only.
        return Probe(exists=True)


def url_is_deterministic(storage: Storage) -> bool:
    """Return whether ``storage.url(name)`` always gives the same answer (no signature, no expiry)."""
    from django.core.files.storage import FileSystemStorage, InMemoryStorage

    if isinstance(storage, (FileSystemStorage, InMemoryStorage)):
        return True
    if is_s3(storage):
        signed = getattr(storage, "querystring_auth", True)
        if getattr(storage, "custom_domain", None):
            return not (signed and getattr(storage, "cloudfront_signer", None))
        return not signed
    return False
