"""Merged directory listings of a hybrid, whole or one page at a time, with one entry type.

``listdir()`` must return a whole directory as two name lists; a production prefix can hold millions
of photos. ``list_page()`` asks each layer only for its first ``limit`` entries after a marker (one
``ListObjects`` request with ``Marker`` and ``MaxKeys`` on S3), so its cost and memory do not grow with
the directory. ``list_directory()`` merges whole listings and keeps whited-out names (marked), for
views that filter, search or count. Both give ``Entry`` objects, whose shadowing follows the model.
"""

from __future__ import annotations

import logging
import posixpath
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from hybridmedia.storage.availability import describe_endpoint
from hybridmedia.storage.backends.base import ListedPage
from hybridmedia.storage.cache import Probe
from hybridmedia.storage.names import PULLED_DIR, WHITEOUT_DIR

if TYPE_CHECKING:
    from hybridmedia.storage.hybrid import HybridStorage
    from hybridmedia.storage.layers import Layer


logger = logging.getLogger("hybridmedia")
_said_unlisted: set[tuple[str, str]] = set()
_said_lock = threading.Lock()


def unlisted_layers(hybrid: HybridStorage) -> tuple[Layer, ...]:
    """The layers of ``hybrid`` that cannot list their files (an HTTP server): listings leave them out."""
    return tuple(layer for layer in hybrid.layers if not layer.adapter.can_list)


def skip_unlisted(layer: Layer) -> bool:
    """Return whether a listing must leave ``layer`` out because it cannot list; say so once per process."""
    if layer.adapter.can_list:
        return False
    key = (layer.name, describe_endpoint(layer.storage))
    with _said_lock:
        first = key not in _said_unlisted
        _said_unlisted.add(key)
    if first:
        logger.warning(
            "Layer %r (%s) cannot list its files: directory listings show the other layers only, and "
            "its files are found by name.",
            *key,
        )
    return True


@dataclass(frozen=True)
class Entry:
    """A name in a merged directory listing, and every layer that lists it (top first).

    ``whited_out``: a whiteout hides it (only ``list_directory()`` keeps such entries). ``size`` and
    ``modified`` are the serving layer's, when its listing tells them (an S3 listing does, for files).
    """

    name: str
    is_dir: bool
    holders: tuple[Layer, ...]
    directory: str = ""
    whited_out: bool = False
    size: int | None = None
    modified: datetime | None = None

    @property
    def path(self) -> str:
        """The entry's name in the storage."""
        return posixpath.join(self.directory, self.name)

    @property
    def key(self) -> str:
        # S3's order: "a/" sorts after "a.jpg" because "/" > ".", so directories carry their slash.
        return f"{self.name}/" if self.is_dir else self.name

    @property
    def layers(self) -> tuple[str, ...]:
        """The names of the layers that list the entry, top first."""
        return tuple(layer.name for layer in self.holders)

    @property
    def serving(self) -> Layer | None:
        """The layer that serves the entry; ``None`` when a whiteout hides it."""
        return None if self.whited_out or not self.holders else self.holders[0]

    @property
    def shadowed(self) -> bool:
        """The serving copy hides a copy in a layer below it (the definition in ``storage.model``).

        A cache layer's pulled copy neither shadows nor counts as shadowed.
        """
        if self.is_dir or self.whited_out or len(self.holders) < 2 or self.holders[0].cache:
            return False
        return any(not layer.cache for layer in self.holders[1:])

    @property
    def hidden(self) -> tuple[Layer, ...]:
        """The layers whose copy is hidden, by the serving copy or by a whiteout."""
        if self.whited_out:
            return self.holders
        return tuple(layer for layer in self.holders[1:] if not layer.cache) if self.shadowed else ()


@dataclass(frozen=True)
class ListingPage:
    entries: list[Entry]
    #: Pass as ``after`` to get the next page; ``None`` on the last page.
    next_after: str | None


@dataclass(frozen=True)
class DirectoryListing:
    """A whole directory: every entry (whited-out ones marked), and the layers that could not be read."""

    path: str
    entries: list[Entry]
    exists: bool
    unknown: dict[str, BaseException] = field(default_factory=dict)


#: How a layer's directory is read: ``(layer, path) -> ListedPage`` (a cache may stand in front).
LayerLister = Callable[["Layer", str], ListedPage]


def _stats(probe: Probe | None) -> tuple[int | None, datetime | None]:
    return (None, None) if probe is None else (probe.size, probe.modified)


def list_page(hybrid: HybridStorage, path: str, after: str = "", limit: int = 100) -> ListingPage:
    """Return the ``limit`` entries of the merged directory ``path`` that sort after ``after``."""
    path = path.strip("/")
    hidden = hybrid.whited_out_in(path)
    holders: dict[str, list[Layer]] = {}
    stats: dict[str, tuple[int | None, datetime | None]] = {}
    # The last key each truncated layer listed: past the smallest, some layer's keys are unknown yet.
    # (A layer's whited-out keys are dropped below, so its page can be short of ``limit``.)
    horizons: list[str] = []
    for layer in hybrid.layers:
        if skip_unlisted(layer):
            continue
        if layer is hybrid.top:
            listed = layer.adapter.list_page(path, after, limit)
        else:
            listed = hybrid.ask(layer, partial(layer.adapter.list_page, path, after, limit))
        keys = listed.keys
        if listed.more and keys:
            horizons.append(keys[-1])
        if layer is not hybrid.top:
            keys = [key for key in keys if key.endswith("/") or key not in hidden]
        if layer is hybrid.top and path in ("", "."):
            keys = [key for key in keys if key != f"{WHITEOUT_DIR}/"]
        if layer.cache and path in ("", "."):
            keys = [key for key in keys if key != f"{PULLED_DIR}/"]
        for key in keys:
            if key not in holders:
                stats[key] = _stats(listed.probes.get(key))  # the serving layer's own figures
            holders.setdefault(key, []).append(layer)
    known = min(horizons) if horizons else None
    ordered = sorted(key for key in holders if known is None or key <= known)
    if len(ordered) > limit:
        ordered = ordered[:limit]
        known = ordered[-1]
    entries = [
        Entry(key.rstrip("/"), key.endswith("/"), tuple(holders[key]), path, False, *stats[key]) for key in ordered
    ]
    return ListingPage(entries, known)


def list_directory(hybrid: HybridStorage, path: str, lister: LayerLister | None = None) -> DirectoryListing:
    """Return every entry of the directory ``path``, whited-out names included and marked.

    A lower layer that cannot be read is left out and named in ``unknown``; ``lister`` reads one
    layer's directory (by default its adapter's ``list_directory()``).
    """
    path = path.strip("/")
    read = lister or (lambda layer, directory: layer.adapter.list_directory(directory))
    listings: list[tuple[Layer, ListedPage]] = []
    unknown: dict[str, BaseException] = {}
    for layer in hybrid.layers:
        if skip_unlisted(layer):
            continue
        try:
            listed = read(layer, path) if layer.writable else hybrid.ask(layer, partial(read, layer, path))
        except Exception as exc:  # noqa: BLE001 - a layer that cannot be read is reported, not raised.
            unknown[layer.name] = exc
            continue
        listings.append((layer, listed))
    try:
        hidden = hybrid.whited_out_in(path)
    except NotADirectoryError:
        hidden = frozenset()
    except Exception as exc:  # noqa: BLE001
        unknown.setdefault(hybrid.top.name, exc)
        hidden = frozenset()
    holders: dict[str, list[Layer]] = {}
    stats: dict[str, tuple[int | None, datetime | None]] = {}
    for layer, listed in listings:
        for key in listed.keys:
            if layer.writable and path == "" and key == f"{WHITEOUT_DIR}/":
                continue
            if layer.cache and path == "" and key == f"{PULLED_DIR}/":
                continue
            if key not in holders:
                stats[key] = _stats(listed.probes.get(key))
            holders.setdefault(key, []).append(layer)
    entries = []
    for key in sorted(holders, key=lambda key: (not key.endswith("/"), key.rstrip("/"))):
        layers = tuple(holders[key])
        is_dir = key.endswith("/")
        whited_out = not is_dir and not layers[0].writable and key in hidden
        entries.append(Entry(key.rstrip("/"), is_dir, layers, path, whited_out, *stats[key]))
    exists = path == "" or any(listed.exists for _layer, listed in listings) or bool(unknown)
    return DirectoryListing(path, entries, exists, unknown)
