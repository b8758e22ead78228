"""One page of a merged directory listing, paging lower S3 layers natively.

``listdir()`` must return a whole directory; a production prefix can hold millions of photos. A page
asks each layer only for its first ``limit`` entries after a marker (one ``ListObjects`` request
with ``Marker`` and ``MaxKeys`` on S3), so its cost and memory do not grow with the directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.files.storage import Storage

from hybridmedia.storage.backends.s3 import is_s3
from hybridmedia.storage.names import WHITEOUT_DIR, is_missing

if TYPE_CHECKING:
    from hybridmedia.storage.hybrid import HybridStorage
    from hybridmedia.storage.layers import Layer


@dataclass(frozen=True)
class Entry:
    """A name in a directory listing, and which layers list it (top first).

    ``size`` and ``modified`` are the serving (first listed) layer's, when its listing tells them
    (an S3 listing does, for files); ``None`` otherwise.
    """

    name: str
    is_dir: bool
    layers: tuple[str, ...]
    size: int | None = None
    modified: datetime | None = None

    @property
    def key(self) -> str:
        # S3's order: "a/" sorts after "a.jpg" because "/" > ".", so directories carry their slash.
        return f"{self.name}/" if self.is_dir else self.name


@dataclass(frozen=True)
class ListingPage:
    entries: list[Entry]
    #: Pass as ``after`` to get the next page; ``None`` on the last page.
    next_after: str | None


def _keys(directories: Iterable[str], files: Iterable[str]) -> list[str]:
    return sorted([f"{d}/" for d in directories] + list(files))


Stats = dict[str, tuple[int | None, datetime | None]]


def _generic_page(storage: Storage, path: str, after: str, limit: int) -> tuple[list[str], bool, Stats]:
    try:
        directories, files = storage.listdir(path)
    except Exception as exc:
        if is_missing(exc):
            return [], False, {}
        raise
    keys = [key for key in _keys(directories, files) if key > after]
    return keys[:limit], len(keys) > limit, {}


def _s3_page(storage: Any, path: str, after: str, limit: int) -> tuple[list[str], bool, Stats]:
    from storages.utils import clean_name

    prefix = storage._normalize_name(clean_name(path)) if path else storage._normalize_name("")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    client = storage.connection.meta.client
    # ListObjects (v1) with a Marker: every S3 implementation pages it (s3rver fails on a truncated
    # ListObjectsV2), and it is what django-storages' own listdir() uses.
    params: dict[str, Any] = {"Bucket": storage.bucket_name, "Prefix": prefix, "Delimiter": "/", "MaxKeys": limit}
    if after:
        params["Marker"] = prefix + after
    keys: set[str] = set()
    stats: Stats = {}
    while True:
        response = client.list_objects(**params)
        found = [entry["Prefix"] for entry in response.get("CommonPrefixes", [])]
        found += [entry["Key"] for entry in response.get("Contents", [])]
        # A directory equal to the marker may come back once more (its keys sort after the marker).
        keys.update(key[len(prefix) :] for key in found if key[len(prefix) :] > after)
        for entry in response.get("Contents", []):
            stats[entry["Key"][len(prefix) :]] = (entry.get("Size"), entry.get("LastModified"))
        truncated = bool(response.get("IsTruncated"))
        if len(keys) >= limit or not truncated or not found:
            page = sorted(keys)[:limit]
            return page, truncated or len(keys) > limit, {key: stats[key] for key in page if key in stats}
        params["Marker"] = response.get("NextMarker") or max(found)


def list_page(hybrid: HybridStorage, path: str, after: str = "", limit: int = 100) -> ListingPage:
    """Return the ``limit`` entries of the merged directory ``path`` that sort after ``after``."""
    path = path.strip("/")
    hidden = hybrid._whiteouts_in(path)
    holders: dict[str, list[str]] = {}
    stats: Stats = {}
    # The last key each truncated layer listed: past the smallest, some layer's keys are unknown yet.
    # (A layer's whited-out keys are dropped below, so its page can be short of ``limit``.)
    horizons: list[str] = []
    layer: Layer
    for layer in hybrid.layers:
        storage = layer.storage
        if layer is hybrid.top:
            keys, layer_more, layer_stats = _generic_page(storage, path, after, limit)
        else:

            def page(storage: Any = storage) -> tuple[list[str], bool, Stats]:
                if is_s3(storage):
                    return _s3_page(storage, path, after, limit)
                return _generic_page(storage, path, after, limit)

            keys, layer_more, layer_stats = hybrid._ask(layer, page)
        if layer_more and keys:
            horizons.append(keys[-1])
        if layer is not hybrid.top:
            keys = [key for key in keys if key.endswith("/") or key not in hidden]
        if layer is hybrid.top and path in ("", "."):
            keys = [key for key in keys if key != f"{WHITEOUT_DIR}/"]
        for key in keys:
            if key not in holders and key in layer_stats:
                stats[key] = layer_stats[key]  # the serving layer's own figures
            holders.setdefault(key, []).append(layer.name)
    known = min(horizons) if horizons else None
    ordered = sorted(key for key in holders if known is None or key <= known)
    if len(ordered) > limit:
        ordered = ordered[:limit]
        known = ordered[-1]
    entries = [
        Entry(key.rstrip("/"), key.endswith("/"), tuple(holders[key]), *stats.get(key, (None, None))) for key in ordered
    ]
    return ListingPage(entries, known)
