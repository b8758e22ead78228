"""Which physical store a layer keeps its files in, and whether a write layer overlaps a lower one.

A hybrid whose write layer shares a store with a lower layer would write, delete and purge that
layer's files: ``unsafe_layer_problems()`` finds it when the layers are built, and the hybrid refuses
to exist. Two spellings of one store count as one: a filesystem directory is compared by
``(st_dev, st_ino)`` of it and its ancestors (bind mounts, links, relative paths), an S3 bucket by
its service however the endpoint is spelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.storage import InMemoryStorage, Storage

from hybridmedia.storage.backends import filesystem, http, s3

if TYPE_CHECKING:
    from hybridmedia.storage.layers import Layer


@dataclass(frozen=True)
class Store:
    """Where a storage keeps its files: a ``kind`` and what identifies the place within that kind."""

    kind: str
    identity: Any
    description: str

    def overlaps(self, other: Store) -> bool:
        """Return whether one store's files lie inside the other's (or they are the same)."""
        if self.kind != other.kind:
            return False
        if self.kind == "filesystem":
            return filesystem.contains(self.identity, other.identity) or filesystem.contains(
                other.identity, self.identity
            )
        if self.kind == "s3":
            (service, bucket, location), (other_service, other_bucket, other_location) = self.identity, other.identity
            shorter = min(len(location), len(other_location))
            return (
                bucket == other_bucket
                and location[:shorter] == other_location[:shorter]
                and s3.same_service(service, other_service)
            )
        return bool(self.identity == other.identity)


def store_of(storage: Storage) -> Store:
    """Return the physical store behind ``storage`` (a filesystem directory, an S3 prefix, ...)."""
    if filesystem.is_filesystem(storage):
        return Store("filesystem", storage.location, filesystem.describe(storage))  # type: ignore[attr-defined]
    if isinstance(storage, InMemoryStorage):
        # Every instance holds its own files, whatever its options say.
        return Store("memory", id(storage), f"in-memory storage {id(storage):#x}")
    if s3.is_s3(storage):
        return Store("s3", s3.s3_identity(storage), s3.describe(storage))
    if http.is_http(storage):
        return Store("http", storage.base_url, http.describe(storage))  # type: ignore[attr-defined,arg-type]
    # Unknown backends: two instances of one backend with the same options are taken to be one store.
    try:
        path, args, kwargs = storage.deconstruct()  # type: ignore[attr-defined]
    except AttributeError:
        return Store("object", id(storage), f"{type(storage).__qualname__} {id(storage):#x}")
    # The description leaves the options out: they may hold credentials.
    return Store(path, repr((args, sorted(kwargs.items()))), path)


def describe_location(storage: Storage) -> str:
    """Return a human description of where ``storage`` keeps its files, without credentials."""
    return store_of(storage).description


def unsafe_layer_problems(layers: Sequence[Layer]) -> list[str]:
    """Explain why the write layer of ``layers`` must not be written: it overlaps a lower layer, or the project."""
    if not layers:
        return []
    top_layer = layers[0]
    top = store_of(top_layer.storage)
    problems = []
    if top.kind == "filesystem":
        problem = filesystem.project_code_problem(top.identity)
        if problem:
            problems.append(
                f"The write layer {top_layer.name!r} {problem}: purging it or saving to it could delete or "
                f"overwrite files that are not media. Point it at a directory of its own, such as "
                f"BASE_DIR / 'media'."
            )
    for layer in layers[1:]:
        lower = store_of(layer.storage)
        if not top.overlaps(lower):
            continue
        problems.append(
            f"The write layer {top_layer.name!r} ({top.description}) and the lower layer {layer.name!r} "
            f"({lower.description}) share files: one is the other, or lies inside it, so saving, deleting "
            f"or purging in {top_layer.name!r} would change {layer.name!r}. Point the write layer at a "
            f"directory or bucket prefix of its own, outside every lower layer."
        )
    return problems
