"""Describe where a name lives in a hybrid: its copies, their sizes and times, shadows and whiteouts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.files.storage import FileSystemStorage, Storage
from django.utils import timezone

from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.backends.s3 import is_s3
from hybridmedia.storage.names import is_missing

#: Version of the JSON documents the commands print; bumped only for incompatible changes.
JSON_VERSION = 1

_MD5 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Copy:
    """One layer's copy of a name: its size, modification time and URL (``None`` where unknown)."""

    layer: Layer
    size: int | None = None
    modified: datetime | None = None
    url: str | None = None
    #: An MD5 the layer reported for free (an S3 ETag of a single-part upload).
    md5: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer.name,
            "writable": self.layer.writable,
            "size": self.size,
            "modified": self.modified.isoformat() if self.modified else None,
            "url": self.url,
        }


def _utc(value: datetime) -> datetime:
    if timezone.is_naive(value):  # Storages return local naive times when USE_TZ is False.
        value = timezone.make_aware(value)
    return value.astimezone(UTC)


def _s3_head(storage: Storage, name: str) -> dict[str, Any] | None:
    """Return S3's HEAD answer for ``name`` when ``storage`` is django-storages' S3Storage."""
    if not is_s3(storage):
        return None
    from storages.utils import clean_name

    # Like storage.probe.probe(), one HEAD; kept whole here because the ETag is a free checksum.
    key = storage._normalize_name(clean_name(name))  # type: ignore[attr-defined]
    return storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=key)  # type: ignore[attr-defined,no-any-return]


def copy_in(layer: Layer, name: str) -> Copy:
    """Return the facts about ``layer``'s copy of ``name``."""
    storage = layer.storage
    url = _optional(lambda: storage.url(name))
    try:
        head = _s3_head(storage, name)
    except Exception as exc:
        if not is_missing(exc):
            raise
        return Copy(layer, url=url)
    if head is not None:
        etag = str(head.get("ETag", "")).strip('"').lower()
        return Copy(
            layer,
            size=head["ContentLength"],
            modified=_utc(head["LastModified"]),
            url=url,
            md5=etag if _MD5.fullmatch(etag) else None,
        )
    size = _optional(lambda: storage.size(name))
    modified = _optional(lambda: storage.get_modified_time(name))
    return Copy(layer, size=size, modified=_utc(modified) if modified else None, url=url)


def _optional(call: Any) -> Any:
    try:
        return call()
    except NotImplementedError:
        return None
    except Exception as exc:
        if is_missing(exc):
            return None
        raise


def checksum(copy: Copy, name: str) -> str | None:
    """Return the MD5 of ``copy`` when its layer gives one cheaply (S3 ETag, or a local file)."""
    if copy.md5:
        return copy.md5
    if not isinstance(copy.layer.storage, FileSystemStorage):
        return None
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with copy.layer.storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


# media_origin ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameReport:
    """Where one name lives: the serving layer, every layer holding it, shadowing and whiteouts."""

    name: str
    query: str
    origin: Layer | None
    copies: list[Copy]
    shadowed: bool
    whited_out: bool

    @property
    def found(self) -> bool:
        return bool(self.copies)

    def as_json(self, first: bool = False) -> dict[str, Any]:
        copies = [copy for copy in self.copies if not first or copy.layer == self.origin]
        return {
            "name": self.name,
            "query": self.query,
            "found": self.found,
            "origin": self.origin.name if self.origin else None,
            "shadowed": self.shadowed,
            "whited_out": self.whited_out,
            "layers": [{**copy.as_json(), "serves": copy.layer == self.origin} for copy in copies],
        }


def describe_name(storage: HybridStorage, name: str, *, query: str | None = None, details: bool = True) -> NameReport:
    """Return where ``name`` lives in ``storage``; ``details`` adds sizes, times and URLs."""
    holders = storage.locate(name)
    origin = storage.origin(name) if holders else None
    below_origin = storage.layers[storage.layers.index(origin) + 1 :] if origin else ()
    return NameReport(
        name=name,
        query=name if query is None else query,
        origin=origin,
        copies=[copy_in(layer, name) if details else Copy(layer) for layer in holders],
        # The served copy hides a lower one (a middle layer can shadow the bottom one too).
        shadowed=any(layer in holders for layer in below_origin),
        # Held below, yet served by no layer: only a whiteout in the top layer does that.
        whited_out=origin is None and bool(holders),
    )


# media_shadows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A lower layer's copy of a shadowed name, and whether its contents differ from the top's."""

    copy: Copy
    differs: bool | None
    compared_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            **self.copy.as_json(),
            "differs": self.differs,
            "compared_by": self.compared_by,
        }


@dataclass(frozen=True)
class Shadow:
    """A top-layer file that hides the copies of the same name in lower layers."""

    name: str
    top: Copy
    lower: list[Comparison] = field(default_factory=list)

    @property
    def differs(self) -> bool | None:
        """``True`` if any lower copy differs, ``False`` if all are the same, else ``None``."""
        if any(item.differs for item in self.lower):
            return True
        return None if any(item.differs is None for item in self.lower) else False

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "differs": self.differs,
            "top": self.top.as_json(),
            "lower": [item.as_json() for item in self.lower],
        }


def compare(top: Copy, lower: Copy, name: str, top_md5: list[str | None]) -> Comparison:
    """Compare sizes, then checksums where both layers give them (``top_md5`` caches the top's)."""
    if top.size is not None and lower.size is not None and top.size != lower.size:
        return Comparison(lower, True, "size")
    lower_md5 = checksum(lower, name)
    if lower_md5 is None:
        return Comparison(lower, None, None)
    if not top_md5:
        top_md5.append(checksum(top, name))
    if top_md5[0] is None:
        return Comparison(lower, None, None)
    return Comparison(lower, top_md5[0] != lower_md5, "md5")


def find_shadows(storage: HybridStorage, prefixes: Iterable[str] = ("",)) -> Iterator[Shadow]:
    """Yield every top-layer file under ``prefixes`` that hides a lower copy, with the comparisons."""
    seen: set[str] = set()
    for prefix in prefixes:
        for name in storage.shadowed(prefix):
            if name in seen:
                continue
            seen.add(name)
            top = copy_in(storage.top, name)
            top_md5: list[str | None] = []
            lower = [
                compare(top, copy_in(layer, name), name, top_md5)
                for layer in storage.lower_layers
                if layer.storage.exists(name)
            ]
            yield Shadow(name, top, lower)
