"""A directory of a hybrid as the media browser shows it: the storage's merged listings, presented.

The storage owns the listings and what each entry means (``HybridStorage.listdir_page()`` and
``listdir_entries()``, one ``Entry`` type). This module adds what only the browser needs: a short-lived
cache of lower layers' whole listings (filters and search re-read the same directory), the sizes and
times a page shows, and layer failures as banners.

``read_page()`` serves the unfiltered browser: one page in S3 key order, one listing request per lower
layer whatever the directory's size. ``read_directory()`` lists each layer's whole directory once, for
what needs every name (filters, search, counting).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.files.storage import Storage
from django.utils import timezone

from hybridmedia.redaction import describe_error
from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.backends import ListedPage
from hybridmedia.storage.listing import Entry, LayerLister

__all__ = ["Directory", "DirectoryPage", "Entry", "LayerError", "Stat", "read_directory", "read_page", "with_stats"]


@dataclass
class Stat:
    """Size and modification time of one file as the admin shows them; ``None`` where unknown."""

    size: int | None = None
    modified: datetime | None = None

    @classmethod
    def of(cls, size: int | None, modified: datetime | None) -> Stat:
        # S3 answers in UTC; without USE_TZ Django compares and displays naive local times.
        if modified is not None and not settings.USE_TZ and timezone.is_aware(modified):
            modified = timezone.make_naive(modified)
        return cls(size, modified)


@dataclass(frozen=True)
class LayerError:
    """A layer that could not be read; shown as a warning banner."""

    layer: Layer
    message: str


@dataclass
class Directory:
    """A directory of the hybrid: its entries (whited-out names included), and the layers that failed."""

    path: str
    entries: list[Entry]
    errors: list[LayerError]
    exists: bool


@dataclass
class DirectoryPage:
    """One page of a directory: visible entries after a marker, in key order, directories first."""

    path: str
    entries: list[Entry]
    errors: list[LayerError]
    exists: bool
    #: The marker of the next page (the last entry's key in S3 order); ``None`` on the last page.
    next_after: str | None


class ListingCache:
    """Recent whole listings of read-only layers, per storage object and directory, for ``max_age`` seconds.

    Listing a 10,000-object S3 prefix takes ten requests; filtering or searching it again should not
    repeat them. Only lower layers are cached: the admin never changes them, so a stale answer can only
    miss what production added meanwhile, while the top layer (where deletes and restores happen) is
    always read fresh.
    """

    max_directories = 64

    def __init__(self) -> None:
        self._listings: weakref.WeakKeyDictionary[Storage, dict[str, tuple[float, ListedPage]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, storage: Storage, path: str, max_age: float) -> ListedPage | None:
        with self._lock:
            cached = self._listings.get(storage, {}).get(path)
        if cached is None or time.monotonic() - cached[0] > max_age:
            return None
        return cached[1]

    def put(self, storage: Storage, path: str, listing: ListedPage) -> None:
        with self._lock:
            directories = self._listings.setdefault(storage, {})
            directories.pop(path, None)
            directories[path] = (time.monotonic(), listing)
            while len(directories) > self.max_directories:
                del directories[next(iter(directories))]  # the oldest

    def clear(self) -> None:
        with self._lock:
            self._listings.clear()


listing_cache = ListingCache()


def cached_lister(max_age: float, refresh: bool) -> LayerLister:
    """Read a layer's directory through ``listing_cache`` (lower layers only, at most ``max_age`` old)."""

    def read(layer: Layer, path: str) -> ListedPage:
        cacheable = max_age > 0 and not layer.writable
        if cacheable and not refresh and (cached := listing_cache.get(layer.storage, path, max_age)) is not None:
            return cached
        listed = layer.adapter.list_directory(path)
        if cacheable:
            listing_cache.put(layer.storage, path, listed)
        return listed

    return read


def _errors(storage: HybridStorage, unknown: dict[str, BaseException]) -> list[LayerError]:
    secrets = [layer.storage for layer in storage.layers]
    return [LayerError(storage.layer(name), describe_error(exc, secrets)) for name, exc in unknown.items()]


def read_directory(storage: HybridStorage, path: str, max_age: float = 0, refresh: bool = False) -> Directory:
    """Return every entry of the directory ``path`` (``""`` is the root), whited-out names included.

    ``max_age`` lets read-only layers answer from ``listing_cache``; ``refresh`` renews its entries.
    """
    listing = storage.listdir_entries(path.strip("/"), cached_lister(max_age, refresh))
    return Directory(listing.path, listing.entries, _errors(storage, listing.unknown), listing.exists)


def with_stats(entries: list[Entry], storage: HybridStorage) -> tuple[list[Entry], list[LayerError]]:
    """Return ``entries`` with the size and time of each file that lacks them, from its serving layer."""
    secrets = [layer.storage for layer in storage.layers]
    errors: list[LayerError] = []
    failed: set[str] = set()
    filled = []
    for entry in entries:
        layer = entry.serving
        if entry.is_dir or layer is None or entry.size is not None or layer.name in failed:
            filled.append(entry)
            continue
        try:
            probe = storage.ask(layer, partial(layer.adapter.stat, entry.path))
        except Exception as exc:  # noqa: BLE001 - report once per layer, keep the page.
            failed.add(layer.name)
            errors.append(LayerError(layer, describe_error(exc, secrets)))
            filled.append(entry)
            continue
        filled.append(dataclasses.replace(entry, size=probe.size, modified=probe.modified))
    return filled, errors


def read_page(storage: HybridStorage, path: str, after: str = "", limit: int = 100) -> DirectoryPage:
    """Return the ``limit`` visible entries of the directory ``path`` that sort after ``after``.

    The page comes from ``HybridStorage.listdir_page()``: one listing request per lower layer, memory
    proportional to the page, S3 files with their listed size and time. If a layer fails, the page is
    cut from ``read_directory()`` instead, which renders the layers that answer and reports the others.
    """
    path = path.strip("/")
    try:
        page = storage.listdir_page(path, after=after, limit=limit)
    except Exception:  # noqa: BLE001 - read_directory() names the failing layer in a banner.
        return _cut_page(read_directory(storage, path), after, limit)
    entries = sorted(page.entries, key=lambda entry: not entry.is_dir)  # stable: key order within each group
    exists = bool(entries or page.next_after or after) or _exists_without_entries(storage, path)
    return DirectoryPage(path, entries, [], exists, page.next_after)


def _exists_without_entries(storage: HybridStorage, path: str) -> bool:
    # An empty first page: the directory exists if the top layer has it (possibly empty) or a
    # whiteout hides what a lower layer holds there. Both are local reads.
    if path == "" or storage.top.adapter.list_directory(path).exists:
        return True
    try:
        return bool(storage.whited_out_in(path))
    except NotADirectoryError:
        return False


def _cut_page(directory: Directory, after: str, limit: int) -> DirectoryPage:
    visible = sorted((entry for entry in directory.entries if not entry.whited_out), key=lambda entry: entry.key)
    visible = [entry for entry in visible if entry.key > after]
    entries = visible[:limit]
    next_after = entries[-1].key if len(visible) > limit else None
    entries.sort(key=lambda entry: not entry.is_dir)
    return DirectoryPage(directory.path, entries, directory.errors, directory.exists, next_after)
