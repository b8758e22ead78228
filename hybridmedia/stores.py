"""Which physical store a layer's storage writes to, so a purge can never reach production."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.files.storage import FileSystemStorage, InMemoryStorage, Storage

from hybridmedia.storage import HybridStorage

#: Endpoints that all reach AWS itself: there, a bucket name is globally unique.
_AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


@dataclass(frozen=True)
class Store:
    """Where a storage keeps its files: ``kind``, a ``root`` (``root`` nests like a directory path)."""

    kind: str
    root: tuple[str, ...]
    description: str

    def overlaps(self, other: Store) -> bool:
        """Return whether one store's files lie inside the other's (or they are the same)."""
        if self.kind != other.kind:
            return False
        shorter = min(len(self.root), len(other.root))
        return self.root[:shorter] == other.root[:shorter]


def _path_parts(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _s3_endpoint(endpoint_url: str | None) -> str:
    if not endpoint_url:
        return "aws"
    parts = urlsplit(endpoint_url if "://" in endpoint_url else f"https://{endpoint_url}")
    host = (parts.hostname or "").lower()
    if host == "amazonaws.com" or host.endswith(_AWS_SUFFIXES):
        return "aws"
    return f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def store_of(storage: Storage) -> Store:
    """Return the physical store behind ``storage`` (a filesystem directory, an S3 prefix, ...)."""
    if isinstance(storage, FileSystemStorage):
        location = os.path.realpath(storage.location)
        return Store("filesystem", _path_parts(location.replace(os.sep, "/")), location)
    if isinstance(storage, InMemoryStorage):
        # Every instance holds its own files, whatever its options say.
        return Store("memory", (str(id(storage)),), f"in-memory storage {id(storage):#x}")
    bucket = getattr(storage, "bucket_name", None)
    if isinstance(bucket, str) and bucket:
        endpoint = _s3_endpoint(getattr(storage, "endpoint_url", None))
        location = posixpath.normpath(getattr(storage, "location", "") or "").strip("/.")
        where = f"s3://{bucket}/{location + '/' if location else ''}"
        description = where if endpoint == "aws" else f"{where} at {getattr(storage, 'endpoint_url', '')}"
        return Store("s3", (endpoint, bucket, *_path_parts(location)), description)
    # Unknown backends: two instances of one backend with the same options are taken to be one store.
    try:
        path, args, kwargs = storage.deconstruct()  # type: ignore[attr-defined]
    except AttributeError:
        return Store(
            "object",
            (str(id(storage)),),
            f"{type(storage).__qualname__} {id(storage):#x}",
        )
    identity = repr((args, sorted(kwargs.items())))
    # The description leaves the options out: they may hold credentials.
    return Store(path, (identity,), path)


def describe_location(storage: Storage) -> str:
    """Return a human description of where ``storage`` keeps its files."""
    return store_of(storage).description


def shared_store_problems(storage: HybridStorage) -> list[str]:
    """Explain every lower layer whose files the top layer's store holds or lies inside."""
    top = store_of(storage.top.storage)
    problems = []
    for layer in storage.lower_layers:
        lower = store_of(layer.storage)
        if not top.overlaps(lower):
            continue
        if top.root == lower.root:
            relation = "is the same store as"
        elif len(top.root) > len(lower.root):
            relation = "lies inside"
        else:
            relation = "contains"
        problems.append(
            f"The write layer {storage.top.name!r} ({top.description}) {relation} the lower layer "
            f"{layer.name!r} ({lower.description}), so purging it would delete {layer.name!r}'s files. "
            f"Point the write layer at a directory or bucket prefix of its own."
        )
    return problems
