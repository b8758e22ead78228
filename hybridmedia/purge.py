"""Purge a hybrid's top layer, its files and its whiteouts, as a stream.

Only the top layer is ever modified. ``purger_for()`` picks a fast purger for a filesystem top
layer (``os`` calls relative to open directories, as ``shutil.rmtree`` does) and the portable
storage-API purger for every other backend.

A purge never holds the whole list of names: it works through the layer one directory at a
time, so 100,000 files cost the memory of the largest directory's names, not of every name.
``survey()`` counts what a purge would take (for a confirmation or a dry run) without deleting;
``purge()`` deletes. What was uploaded after the purger was created is never taken, even if a
user took minutes to confirm: the filesystem purger reads the layer afresh on each pass and
leaves alone what was modified or moved in since it started (by the later of mtime and ctime,
to the resolution of the filesystem's timestamps), and the storage-API purger deletes exactly what its survey counted.
"""

from __future__ import annotations

import errno
import functools
import os
import posixpath
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage

from hybridmedia.storage import WHITEOUT_DIR, HybridStorage
from hybridmedia.storage.names import (
    is_missing,
    validate_directory,
    whited_out_name,
    whiteout_directory,
    whiteout_marker,
)
from hybridmedia.storage.walk import walk_files

#: Whether directories can be read and files deleted relative to an open directory (POSIX).
_AT_FUNCTIONS = (
    os.unlink in os.supports_dir_fd
    and os.stat in os.supports_dir_fd
    and os.listdir in os.supports_fd
    and hasattr(os, "O_DIRECTORY")
    and hasattr(os, "O_NOFOLLOW")
)

#: What opening a non-directory with O_DIRECTORY | O_NOFOLLOW fails with: a file, or a link
#: (ELOOP on Linux, EMLINK on FreeBSD).
_NOT_A_DIRECTORY = (errno.ENOTDIR, errno.ELOOP, errno.EMLINK)

FILE = "file"
WHITEOUT = "whiteout"


@dataclass(frozen=True, slots=True)
class Item:
    """A top-layer file to delete, or a whiteout to remove (``name`` is then the whited-out name)."""

    kind: str
    name: str
    size: int = 0
    #: The open directory that holds the item, and its name there: the filesystem purger's own,
    #: valid only while a ``survey()`` or ``purge()`` callback runs for this item.
    directory_fd: int | None = None
    base: str = ""


@dataclass
class PurgeCount:
    """What a purge deleted, or what a survey found it would delete."""

    files: int = 0
    bytes: int = 0
    whiteouts: int = 0
    directories: int = 0

    def add(self, item: Item) -> None:
        if item.kind == WHITEOUT:
            self.whiteouts += 1
        else:
            self.files += 1
            self.bytes += item.size

    @property
    def items(self) -> int:
        return self.files + self.whiteouts

    def __bool__(self) -> bool:
        return bool(self.items or self.directories)


def normalize_prefixes(prefixes: Iterable[str]) -> list[str]:
    """Validate ``prefixes`` (raising ``SuspiciousFileOperation``) and drop redundant ones."""
    cleaned: list[str] = []
    for prefix in prefixes:
        validate_directory(prefix)
        normalized = posixpath.normpath(prefix.strip("/")) if prefix.strip("/") else ""
        cleaned.append("" if normalized == "." else normalized)
    if "" in cleaned or not cleaned:
        return [""]
    # "homes" already covers "homes/42".
    kept = sorted(set(cleaned))
    return [p for p in kept if not any(p.startswith(other + "/") for other in kept if other != p)]


class LayerPurger:
    """Purge the top layer through the Django storage API, which every backend offers.

    ``prefixes`` limits the purge to those directories; ``files=False`` keeps the files and
    ``whiteouts=False`` the whiteouts; ``shadowed_only`` takes only files that shadow a lower
    layer's; ``older_than`` takes only what was last modified longer ago than that.

    An arbitrary backend cannot tell a new upload from an old file without a request per file,
    so after a ``survey()`` this purger keeps what it counted and ``purge()`` deletes exactly that:
    nothing uploaded while a confirmation waited. (Its listings are whole lists anyway.)
    """

    #: Whether ``survey()`` keeps its items for ``purge()`` (see the class docstring).
    keeps_survey = True

    def __init__(
        self,
        storage: HybridStorage,
        prefixes: Iterable[str] = ("",),
        *,
        files: bool = True,
        whiteouts: bool = True,
        shadowed_only: bool = False,
        older_than: timedelta | None = None,
    ) -> None:
        self.storage = storage
        self.top = storage.top.storage
        self.prefixes = normalize_prefixes(prefixes)
        self.files = files
        self.whiteouts = whiteouts
        self.shadowed_only = shadowed_only
        #: When the purge began: anything written since is someone's new upload, never taken.
        self.started = time.time()
        self.cutoff = self.started - older_than.total_seconds() if older_than is not None else None
        self._deleting = False
        self._directories_removed = 0
        self._surveyed: list[Item] | None = None
        #: With ``shadowed_only``, the names a survey found shadowing, so a purge need not ask
        #: the lower layers again (commands bypass the origin cache).
        self._shadowing: set[str] | None = None

    # The two passes ---------------------------------------------------------------------------

    def survey(self, each: Callable[[Item], None] | None = None) -> PurgeCount:
        """Count what ``purge()`` would delete now, calling ``each(item)`` on every item; delete nothing."""
        count = PurgeCount()
        surveyed: list[Item] = []
        self._shadowing = set() if self.shadowed_only else None
        for item in self._items():
            if each is not None:
                each(item)
            count.add(item)
            if self.keeps_survey:
                surveyed.append(item)
        self._surveyed = surveyed if self.keeps_survey else None
        return count

    def purge(self, before: Callable[[Item], None] | None = None) -> PurgeCount:
        """Delete every item, calling ``before(item)`` ahead of each deletion; return what went."""
        count = PurgeCount()
        self._deleting, self._directories_removed = True, 0
        items = self._items() if self._surveyed is None else iter(self._surveyed)
        try:
            for item in items:
                if before is not None:
                    before(item)
                if self._delete(item):
                    count.add(item)
        finally:
            self._deleting = False
        count.directories = self._directories_removed
        return count

    def _items(self) -> Iterator[Item]:
        for prefix in self.prefixes:
            if self.files:
                yield from self._files(prefix)
            if self.whiteouts:
                yield from self._whiteouts(prefix)

    def _takes(self, name: str) -> bool:
        """Whether the file ``name`` passes the filters; its time is asked only when a filter needs it."""
        if self.cutoff is not None and self._mtime(name) >= self.cutoff:
            return False
        return not self.shadowed_only or self._is_shadowed(name)

    def _is_shadowed(self, name: str) -> bool:
        if self._deleting and self._shadowing is not None:
            return name in self._shadowing  # What the survey found, asked again of nobody.
        try:
            shadowing = self.storage.is_shadowed(name)
        except SuspiciousFileOperation:
            return False  # A name the hybrid refuses (a control character...) shadows nothing it serves.
        if shadowing and self._shadowing is not None:
            self._shadowing.add(name)
        return shadowing

    # Finding and deleting, through the storage API ---------------------------------------------

    def _files(self, prefix: str) -> Iterator[Item]:
        found = False
        for name in walk_files(self.top, prefix, skip=WHITEOUT_DIR):
            found = True
            if self._takes(name):
                yield Item(FILE, name, self.top.size(name))
        # Object stores list nothing "under" a key: the prefix may name a file.
        if prefix and not found and self.top.exists(prefix) and self._takes(prefix):
            yield Item(FILE, prefix, self.top.size(prefix))

    def _whiteouts(self, prefix: str) -> Iterator[Item]:
        names_a_whiteout = prefix and posixpath.basename(prefix) in self.storage.whited_out_in(
            posixpath.dirname(prefix)
        )
        if names_a_whiteout and (self.cutoff is None or self._mtime(whiteout_marker(prefix)) < self.cutoff):
            yield Item(WHITEOUT, prefix)  # the prefix names one whited-out file
        for name in self.storage.whiteouts(prefix):
            if self.cutoff is None or self._mtime(whiteout_marker(name)) < self.cutoff:
                yield Item(WHITEOUT, name)

    def _mtime(self, name: str) -> float:
        try:
            return self.top.get_modified_time(name).timestamp()
        except NotImplementedError:
            return time.time()  # Unknown age: never "older than" anything.

    def _delete(self, item: Item) -> bool:
        """Delete one item; return whether it was still there."""
        if item.kind == WHITEOUT:
            return self.storage.restore(item.name)
        return self.storage.delete_top_copy(item.name)


class FilesystemPurger(LayerPurger):
    """Purge a ``FileSystemStorage`` top layer with ``os`` calls relative to open directories.

    One ``listdir`` per directory and one ``lstat`` per file, instead of ``listdir`` + ``size`` +
    ``get_modified_time`` per file through the storage API. Directories are opened with
    ``O_NOFOLLOW`` and entries reached only relative to them, as ``shutil.rmtree`` does, so a
    directory swapped for a symbolic link mid-purge leads nowhere: nothing outside the layer's
    location is touched, and links are deleted themselves, never followed. A file written or
    moved in after the purge started is left alone, judged by the later of its mtime and ctime:
    each pass reads the layer afresh, so a survey keeps nothing. Directories the purge empties are removed.
    """

    keeps_survey = False

    def __init__(self, storage: HybridStorage, prefixes: Iterable[str] = ("",), **filters: Any) -> None:
        super().__init__(storage, prefixes, **filters)
        assert isinstance(self.top, FileSystemStorage)
        self.root = os.path.realpath(self.top.location)
        for prefix in self.prefixes:
            self._path(self.root, prefix)  # Refuse a prefix through a link now, not halfway through.

    def _path(self, base: str, prefix: str) -> str:
        if not prefix:
            return base
        path = os.path.join(base, *prefix.split("/"))
        parent = os.path.realpath(os.path.dirname(path))
        if parent != self.root and not parent.startswith(self.root + os.sep):
            raise SuspiciousFileOperation(
                f"The prefix {prefix!r} leads outside the location of layer {self.storage.top.name!r} "
                f"({self.root}) through a symbolic link; purge the directory the link points to instead."
            )
        return path

    def _files(self, prefix: str) -> Iterator[Item]:
        return self._tree(FILE, self._path(self.root, prefix), prefix)

    def _whiteouts(self, prefix: str) -> Iterator[Item]:
        # Items are found in the markers' own tree (see names.whiteout_marker()), then named by
        # the names they hide: the directory of a prefix's markers, or the one marker of a file.
        where = whiteout_directory(prefix)
        path = self._path(self.root, where)
        if prefix and not os.path.isdir(path):
            where = whiteout_marker(prefix)
            path = self._path(self.root, where)
        return self._tree(WHITEOUT, path, posixpath.relpath(where, WHITEOUT_DIR) if where != WHITEOUT_DIR else "")

    def _tree(self, kind: str, path: str, name: str) -> Iterator[Item]:
        """Yield the items at ``path`` (layer name ``name``): a file's, or a directory tree's."""
        try:
            fd = _open_directory(path)
        except OSError as exc:
            if is_missing(exc):  # Not there, or a name too long to be there.
                return
            if exc.errno not in _NOT_A_DIRECTORY:
                raise
            # The prefix names a file, or a link that is deleted itself, never followed. Its
            # directory may be reached through a link: _path() checked that it stays in the layer.
            directory, _, base = path.rpartition(os.sep)
            try:
                parent = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            except OSError as exc:
                if is_missing(exc) or exc.errno == errno.ENOTDIR:
                    return  # "photo.jpg/x": under a file, nothing can be.
                raise
            items = self._entries(kind, parent, name.rpartition("/")[0], [base])
            yield from self._closing(parent, items, lambda: self._remove_emptied(directory))
            return
        items = self._directory(kind, fd, name, skip=WHITEOUT_DIR if kind == FILE and not name else None)
        yield from self._closing(fd, items, lambda: self._remove_emptied(path))

    def _closing(self, fd: int, items: Iterator[Item], tidy: Callable[[], None]) -> Iterator[Item]:
        """Yield ``items``, then close ``fd``; if any came and this pass deletes, call ``tidy()``."""
        found = False
        try:
            for item in items:
                found = True
                yield item
        finally:
            os.close(fd)
        if found and self._deleting:
            tidy()

    def _directory(self, kind: str, fd: int, relative: str, skip: str | None = None) -> Iterator[Item]:
        """Yield the items of the open directory ``fd``: its files in name order, then each subdirectory's.

        Only this directory's names are held while its files are handled; then only the names of
        its subdirectories. A subdirectory that yielded items is removed if the purge emptied it.
        """
        names = os.listdir(fd)
        names.sort()  # In place: the one copy of this directory's names.
        if skip in names:
            names.remove(skip)
        subdirectories: list[str] = []
        yield from self._entries(kind, fd, relative, names, subdirectories)
        del names
        for base in subdirectories:
            try:
                child = _open_directory(base, fd)
            except OSError as exc:
                if exc.errno == errno.ENOENT or exc.errno in _NOT_A_DIRECTORY:
                    continue  # Gone, or swapped for a link, since the listing.
                raise
            items = self._directory(kind, child, f"{relative}/{base}" if relative else base)
            yield from self._closing(child, items, functools.partial(self._remove_emptied_at, base, fd))

    def _entries(
        self, kind: str, fd: int, relative: str, names: list[str], subdirectories: list[str] | None = None
    ) -> Iterator[Item]:
        for base in names:
            try:
                status = os.stat(base, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(status.st_mode):
                if subdirectories is not None:
                    subdirectories.append(base)
                continue
            # A rename keeps a file's old mtime (Django moves large uploads into place; so do cp -p
            # and rsync -a) but sets its ctime: the later of the two says when it came here.
            arrived = max(status.st_mtime, status.st_ctime)
            if arrived >= self.started:
                continue  # Written or moved here after the purge started: an upload to keep.
            if self.cutoff is not None and status.st_mtime >= self.cutoff:
                continue  # --older-than asks how old the contents are: the mtime
            name = f"{relative}/{base}" if relative else base
            if kind == WHITEOUT:
                hidden = whited_out_name(name)  # ``name`` is the marker's, below WHITEOUT_DIR
                if hidden is not None:
                    yield Item(WHITEOUT, hidden, 0, fd, base)
            elif not self.shadowed_only or self._is_shadowed(name):
                yield Item(FILE, name, status.st_size, fd, base)

    def _delete(self, item: Item) -> bool:
        try:
            os.unlink(item.base, dir_fd=item.directory_fd)
        except FileNotFoundError:
            return False
        return True

    def _remove_emptied_at(self, base: str, fd: int) -> None:
        """Remove the subdirectory ``base`` of the open directory ``fd`` if the purge emptied it."""
        try:
            os.rmdir(base, dir_fd=fd)
        except OSError:
            return  # Not empty: something was kept or written since.
        self._directories_removed += 1

    def _remove_emptied(self, path: str) -> None:
        """Remove the directory ``path`` and its parents below the layer's root while they are empty."""
        while path != self.root and path.startswith(self.root + os.sep):
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError:
                return  # Not empty (or not a directory): it and its parents stay.
            else:
                self._directories_removed += 1
            path = os.path.dirname(path)


def _open_directory(path: str, dir_fd: int | None = None) -> int:
    # O_NOFOLLOW refuses a directory that was swapped for a symbolic link since it was listed.
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def purger_for(storage: HybridStorage, prefixes: Iterable[str] = ("",), **filters: Any) -> LayerPurger:
    """Return the fastest purger for ``storage``'s top layer; ``filters`` are ``LayerPurger``'s."""
    fast = isinstance(storage.top.storage, FileSystemStorage) and _AT_FUNCTIONS
    return (FilesystemPurger if fast else LayerPurger)(storage, prefixes, **filters)
