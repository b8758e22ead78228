"""Reading one directory of a hybrid layer by layer, for the media browser.

The hybrid's own ``listdir()`` merges the layers and forgets which layer holds what; the browser needs
exactly that, for thousands of names, without one request per name.

``read_page()`` serves the unfiltered browser: one page in S3 key order through the hybrid's
``listdir_page()``, one listing request per lower layer whatever the directory's size.
``read_directory()`` lists each layer's whole directory once, for what needs every name (filters,
search, counting); for S3 (django-storages) it keeps each object's size and modification time, which
``listdir()`` drops. Names, whiteouts and "which layer serves" follow the hybrid's rules.
"""

from __future__ import annotations

import posixpath
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.core.files.storage import Storage
from django.utils import timezone

from hybridmedia.redaction import describe_error
from hybridmedia.storage import WHITEOUT_DIR, HybridStorage, Layer
from hybridmedia.storage import listing as storage_listing

T = TypeVar("T")


@dataclass
class Stat:
    """Size and modification time of one file in one layer; ``None`` where the layer cannot tell."""

    size: int | None = None
    modified: datetime | None = None


@dataclass
class LayerListing:
    """What one layer holds directly in a directory."""

    layer: Layer
    directories: set[str] = field(default_factory=set)
    files: dict[str, Stat | None] = field(default_factory=dict)  # None: not fetched yet
    found: bool = False


@dataclass(frozen=True)
class LayerError:
    """A layer that could not be read; shown as a warning banner."""

    layer: Layer
    message: str


@dataclass
class Entry:
    """One name in a directory of the hybrid, with every layer that holds it (top first)."""

    name: str
    path: str
    is_dir: bool
    holders: list[Layer]
    whited_out: bool = False
    stat: Stat | None = None

    @property
    def key(self) -> str:
        """The entry's place in S3 key order, the order pages follow: a directory sorts as ``name/``."""
        return f"{self.name}/" if self.is_dir else self.name

    @property
    def serving(self) -> Layer | None:
        """The layer that serves the entry; ``None`` when a whiteout hides it."""
        if self.whited_out:
            return None
        return self.holders[0] if self.holders else None

    @property
    def shadowed(self) -> bool:
        """The serving copy hides a copy in a layer below it (the definition in ``storage.model``)."""
        return not self.is_dir and not self.whited_out and len(self.holders) > 1

    @property
    def hidden(self) -> list[Layer]:
        """The layers whose copy is hidden, by the top layer's copy or by a whiteout."""
        if self.whited_out:
            return list(self.holders)
        return self.holders[1:] if self.shadowed else []


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


def ask(storage: HybridStorage, layer: Layer, call: Callable[[], T]) -> T:
    """Run ``call`` against ``layer`` the way the hybrid does: a lower layer that recently failed to
    answer fails at once (``LayerUnavailable``) instead of making every admin page wait for it."""
    if layer.writable:
        return call()
    return storage.availability.ask(layer.name, layer.storage, call)


def _as_setting_time(modified: datetime | None) -> datetime | None:
    # S3 answers in UTC; without USE_TZ Django compares and displays naive local times.
    if modified is not None and not settings.USE_TZ:
        return timezone.make_naive(modified)
    return modified


class ListingCache:
    """Recent listings of read-only layers, per storage object and directory, for ``max_age`` seconds.

    Listing a 10,000-object S3 prefix takes ten requests; paging through it should not repeat them.
    Only lower layers are cached: the admin never changes them, so a stale answer can only miss
    what production added meanwhile, while the top layer (where deletes and restores happen) is
    always read fresh.
    """

    max_directories = 64

    def __init__(self) -> None:
        self._listings: weakref.WeakKeyDictionary[Storage, dict[str, tuple[float, LayerListing]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, storage: Storage, path: str, max_age: float) -> LayerListing | None:
        with self._lock:
            cached = self._listings.get(storage, {}).get(path)
        if cached is None or time.monotonic() - cached[0] > max_age:
            return None
        return cached[1]

    def put(self, storage: Storage, path: str, listing: LayerListing) -> None:
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


def list_layer(layer: Layer, path: str, max_age: float = 0, refresh: bool = False) -> LayerListing:
    """List what ``layer`` holds directly in ``path``; a missing directory is an empty listing.

    A read-only layer's listing may come from ``listing_cache`` if it is at most ``max_age`` seconds old;
    ``refresh`` lists it again and caches the new listing.
    """
    cacheable = max_age > 0 and not layer.writable
    if cacheable and not refresh and (cached := listing_cache.get(layer.storage, path, max_age)) is not None:
        return cached
    listing = _list_layer(layer, path)
    if cacheable:
        listing_cache.put(layer.storage, path, listing)
    return listing


def _list_layer(layer: Layer, path: str) -> LayerListing:
    listed = layer.adapter.list_directory(path)
    listing = LayerListing(layer, found=listed.exists)
    for key in listed.keys:
        if key.endswith("/"):
            listing.directories.add(key[:-1])
        else:
            probe = listed.probes.get(key)
            listing.files[key] = None if probe is None else Stat(probe.size, _as_setting_time(probe.modified))
    return listing


def _whiteouts(storage: HybridStorage, path: str) -> set[str]:
    try:
        return set(storage.whited_out_in(path))
    except NotADirectoryError:
        return set()


def read_directory(storage: HybridStorage, path: str, max_age: float = 0, refresh: bool = False) -> Directory:
    """Return every entry of the directory ``path`` (``""`` is the root), whited-out names included.

    ``max_age`` lets read-only layers answer from ``listing_cache``; ``refresh`` renews its entries.
    """
    path = path.strip("/")
    secrets = [layer.storage for layer in storage.layers]
    listings: list[LayerListing] = []
    errors: list[LayerError] = []
    for layer in storage.layers:
        try:
            listings.append(ask(storage, layer, partial(list_layer, layer, path, max_age, refresh)))
        except Exception as exc:  # noqa: BLE001 - an unreachable layer becomes a banner, not a 500.
            errors.append(LayerError(layer, describe_error(exc, secrets)))
    try:
        whiteouts = _whiteouts(storage, path)
    except Exception as exc:  # noqa: BLE001
        errors.append(LayerError(storage.top, describe_error(exc, secrets)))
        whiteouts = set()

    directories: dict[str, list[Layer]] = {}
    files: dict[str, list[Layer]] = {}
    stats: dict[str, Stat | None] = {}
    for listing in listings:
        for name in listing.directories:
            if not (path == "" and name == WHITEOUT_DIR):
                directories.setdefault(name, []).append(listing.layer)
        for name, stat in listing.files.items():
            holders = files.setdefault(name, [])
            if not holders:  # the serving (topmost) layer's stat
                stats[name] = stat
            holders.append(listing.layer)

    entries = [Entry(name, posixpath.join(path, name), True, holders) for name, holders in sorted(directories.items())]
    for name, holders in sorted(files.items()):
        whited_out = not holders[0].writable and name in whiteouts
        entries.append(Entry(name, posixpath.join(path, name), False, holders, whited_out, stats[name]))
    exists = path == "" or any(listing.found for listing in listings) or bool(errors)
    return Directory(path, entries, errors, exists)


def fill_stats(entries: Iterable[Entry], storage: HybridStorage) -> list[LayerError]:
    """Fetch size and time for the given file entries that lack them, from each one's topmost holder."""
    secrets = [layer.storage for layer in storage.layers]
    errors: list[LayerError] = []
    failed: set[str] = set()
    for entry in entries:
        if entry.is_dir or entry.stat is not None or not entry.holders:
            continue
        layer = entry.holders[0]
        entry.stat = Stat()
        if layer.name in failed:
            continue
        try:
            entry.stat = ask(storage, layer, partial(stat_file, layer, entry.path))
        except Exception as exc:  # noqa: BLE001 - report once per layer, keep the page.
            failed.add(layer.name)
            errors.append(LayerError(layer, describe_error(exc, secrets)))
    return errors


def stat_file(layer: Layer, name: str) -> Stat:
    """Return the size and modification time of ``name`` in ``layer``, ``None`` for what it cannot tell."""
    probe = layer.adapter.stat(name)
    return Stat(probe.size, _as_setting_time(probe.modified))


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
    entries = [_page_entry(storage, path, item) for item in page.entries]
    entries.sort(key=lambda entry: not entry.is_dir)  # stable: key order within each group
    exists = bool(entries or page.next_after or after) or _exists_without_entries(storage, path)
    return DirectoryPage(path, entries, [], exists, page.next_after)


def _page_entry(storage: HybridStorage, path: str, item: storage_listing.Entry) -> Entry:
    stat = None
    if not item.is_dir and (item.size is not None or item.modified is not None):
        stat = Stat(item.size, _as_setting_time(item.modified))
    holders = [storage.layer(name) for name in item.layers]
    return Entry(item.name, posixpath.join(path, item.name), item.is_dir, holders, stat=stat)


def _exists_without_entries(storage: HybridStorage, path: str) -> bool:
    # An empty first page: the directory exists if the top layer has it (possibly empty) or a
    # whiteout hides what a lower layer holds there. Both are local reads.
    return path == "" or _list_layer(storage.top, path).found or bool(_whiteouts(storage, path))


def _cut_page(directory: Directory, after: str, limit: int) -> DirectoryPage:
    visible = sorted((entry for entry in directory.entries if not entry.whited_out), key=lambda entry: entry.key)
    visible = [entry for entry in visible if entry.key > after]
    entries = visible[:limit]
    next_after = entries[-1].key if len(visible) > limit else None
    entries.sort(key=lambda entry: not entry.is_dir)
    return DirectoryPage(directory.path, entries, directory.errors, directory.exists, next_after)
