"""Plan and carry out the purge of a hybrid's top layer: its files and its whiteouts.

Only the top layer is ever modified. ``purger_for()`` picks a fast ``os.scandir`` purger for a
filesystem top layer and the portable storage-API purger for every other backend.
"""

from __future__ import annotations

import errno
import functools
import os
import posixpath
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage

from hybridmedia.storage import WHITEOUT_DIR, HybridStorage
from hybridmedia.storage.names import is_missing, validate_directory, whiteout_marker
from hybridmedia.storage.walk import walk_files

T = TypeVar("T")

#: Whether files can be deleted relative to an open directory (POSIX), as shutil.rmtree does.
_UNLINK_AT = os.unlink in os.supports_dir_fd and hasattr(os, "O_DIRECTORY") and hasattr(os, "O_NOFOLLOW")

FILE = "file"
WHITEOUT = "whiteout"


@dataclass(frozen=True, slots=True)  # slots: a purge of 100,000 files plans 100,000 of these
class Item:
    """A top-layer file to delete, or a whiteout to remove (``name`` is then the whited-out name)."""

    kind: str
    name: str
    size: int = 0
    #: Absolute path, when the filesystem purger found the item itself.
    path: str | None = None
    #: Modification time when planned; a file written since then is left alone.
    mtime: float | None = None


@dataclass
class PurgePlan:
    """Everything one purge will delete, decided before anything is touched."""

    files: list[Item] = field(default_factory=list)
    whiteouts: list[Item] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(item.size for item in self.files)

    @property
    def items(self) -> list[Item]:
        return [*self.files, *self.whiteouts]

    def __len__(self) -> int:
        return len(self.files) + len(self.whiteouts)


@dataclass
class PurgeResult:
    files_deleted: int = 0
    bytes_freed: int = 0
    whiteouts_removed: int = 0
    directories_removed: int = 0


@dataclass(frozen=True)
class _Found:
    """A candidate; size and time are callables so the storage-API purger asks only about survivors."""

    name: str
    size: Callable[[], int]
    mtime: Callable[[], float]
    path: str | None = None


def _constant(value: T) -> Callable[[], T]:
    return lambda: value


_zero = _constant(0)


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
    """Purge the top layer through the Django storage API, which every backend offers."""

    def __init__(self, storage: HybridStorage) -> None:
        self.storage = storage
        self.top = storage.top.storage
        self.started = time.time()  # set again when planning starts

    # Finding ----------------------------------------------------------------------------------

    def _files(self, prefix: str) -> Iterator[_Found]:
        names = list(walk_files(self.top, prefix, skip=WHITEOUT_DIR))
        if prefix and not names and self.top.exists(prefix):
            names = [prefix]  # Object stores list nothing "under" a key: the prefix names a file.
        for name in names:
            yield _Found(name, functools.partial(self.top.size, name), functools.partial(self._mtime, name))

    def _whiteouts(self, prefix: str) -> Iterator[_Found]:
        for name in self.storage.whiteouts(prefix):
            yield _Found(name, _zero, functools.partial(self._mtime, whiteout_marker(name)))

    def _mtime(self, name: str) -> float:
        try:
            return self.top.get_modified_time(name).timestamp()
        except NotImplementedError:
            return time.time()  # Unknown age: never "older than" anything.

    def plan(
        self,
        prefixes: Iterable[str] = ("",),
        *,
        files: bool = True,
        whiteouts: bool = True,
        shadowed_only: bool = False,
        older_than: timedelta | None = None,
    ) -> PurgePlan:
        """Return what a purge with these filters would delete, without deleting anything."""
        self.started = time.time()
        cutoff = self.started - older_than.total_seconds() if older_than is not None else None
        plan = PurgePlan()
        for prefix in normalize_prefixes(prefixes):
            if files:
                for found in self._files(prefix):
                    if cutoff is not None and found.mtime() >= cutoff:
                        continue
                    if self.is_new(found):
                        continue
                    if shadowed_only and not self.storage.is_shadowed(found.name):
                        continue
                    plan.files.append(Item(FILE, found.name, found.size(), found.path, self.planned_mtime(found)))
            if whiteouts:
                for found in self._whiteouts(prefix):
                    if cutoff is None or found.mtime() < cutoff:
                        plan.whiteouts.append(Item(WHITEOUT, found.name, 0, found.path))
        plan.files.sort(key=lambda item: item.name)
        plan.whiteouts.sort(key=lambda item: item.name)
        return plan

    def is_new(self, found: _Found) -> bool:
        """Whether ``found`` was written after this purge started (an upload it must not take)."""
        return False  # Asking every file's time costs a request per file on an object store.

    def planned_mtime(self, found: _Found) -> float | None:
        return None

    # Deleting ---------------------------------------------------------------------------------

    def delete(self, item: Item) -> bool:
        """Delete one planned item; return whether it was still there."""
        if item.kind == WHITEOUT:
            return self.storage.restore(item.name)
        try:
            self.top.delete(item.name)
        except Exception as exc:
            if is_missing(exc):
                return False
            raise
        return True

    def finish(self) -> int:
        """Tidy up after the deletions; return how many directories were removed."""
        return 0

    def execute(self, plan: PurgePlan, before: Callable[[Item], None] | None = None) -> PurgeResult:
        """Delete everything in ``plan``, calling ``before(item)`` ahead of each deletion."""
        result = PurgeResult()
        try:
            for item in plan.items:
                if before is not None:
                    before(item)
                if not self.delete(item):
                    continue
                if item.kind == WHITEOUT:
                    result.whiteouts_removed += 1
                else:
                    result.files_deleted += 1
                    result.bytes_freed += item.size
        finally:
            result.directories_removed = self.finish()
        return result


class FilesystemPurger(LayerPurger):
    """Purge a ``FileSystemStorage`` top layer with ``os.scandir`` and ``os.unlink``.

    One ``scandir`` per directory instead of ``listdir`` + ``size`` per file through the storage
    API. Symbolic links are deleted themselves and never followed, so nothing outside the
    layer's location is touched. Directories the purge empties are removed.
    """

    def __init__(self, storage: HybridStorage) -> None:
        super().__init__(storage)
        assert isinstance(self.top, FileSystemStorage)
        self.root = os.path.realpath(self.top.location)
        self._emptied: set[str] = set()
        self._open_directory = ""
        self._directory_fd: int | None = None

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

    def _scan(self, path: str, name: str, skip: str | None = None) -> Iterator[_Found]:
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            return
        if not stat.S_ISDIR(status.st_mode):  # A file, or a link that is deleted itself, never followed.
            yield _Found(name, _constant(status.st_size), _constant(status.st_mtime), path)
            return
        stack = [(path, name)]
        while stack:
            directory, relative = stack.pop()
            try:
                entries = os.scandir(directory)
            except FileNotFoundError:
                continue
            with entries:
                for entry in entries:
                    entry_name = f"{relative}/{entry.name}" if relative else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if not (relative == "" and entry.name == skip):
                            stack.append((entry.path, entry_name))
                        continue
                    status = entry.stat(follow_symlinks=False)
                    yield _Found(entry_name, _constant(status.st_size), _constant(status.st_mtime), entry.path)

    def _files(self, prefix: str) -> Iterator[_Found]:
        return self._scan(self._path(self.root, prefix), prefix, skip=WHITEOUT_DIR)

    # Uploads go on while a purge runs: a file written after the purge started, or while it was
    # being planned, is someone's new upload, not part of the environment being reset.
    def is_new(self, found: _Found) -> bool:
        return found.mtime() >= self.started

    def planned_mtime(self, found: _Found) -> float | None:
        return found.mtime()

    def _changed_since_planned(self, item: Item, directory_fd: int | None) -> bool:
        if item.mtime is None or item.path is None:
            return False
        try:
            if directory_fd is None:
                status = os.lstat(item.path)
            else:
                status = os.stat(item.path.rpartition(os.sep)[2], dir_fd=directory_fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return status.st_mtime != item.mtime

    def _whiteouts(self, prefix: str) -> Iterator[_Found]:
        return self._scan(self._path(os.path.join(self.root, WHITEOUT_DIR), prefix), prefix)

    def delete(self, item: Item) -> bool:
        if item.path is None:  # pragma: no cover - every planned item of this purger has a path
            return super().delete(item)
        if not _UNLINK_AT:
            if self._changed_since_planned(item, None):
                return False
            try:
                os.unlink(item.path)
            except FileNotFoundError:
                return False
            self._emptied.add(os.path.dirname(item.path))
            return True
        directory, _, base = item.path.rpartition(os.sep)
        if directory != self._open_directory:
            self._close_directory()
            try:
                # Relative to an open directory, like shutil.rmtree; O_NOFOLLOW refuses a directory
                # that was swapped for a symbolic link since the scan.
                self._directory_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                    return False
                raise
            self._open_directory = directory
            self._emptied.add(directory)
        if self._changed_since_planned(item, self._directory_fd):
            return False
        try:
            os.unlink(base, dir_fd=self._directory_fd)
        except FileNotFoundError:
            return False
        return True

    def _close_directory(self) -> None:
        if self._directory_fd is not None:
            os.close(self._directory_fd)
        self._directory_fd = None
        self._open_directory = ""

    def finish(self) -> int:
        self._close_directory()
        # Every emptied directory and its ancestors below the root, deepest first, each tried once:
        # a directory that is not empty keeps its ancestors too.
        candidates: set[str] = set()
        prefix = self.root + os.sep
        for directory in self._emptied:
            while directory.startswith(prefix) and directory not in candidates:
                candidates.add(directory)
                directory = directory.rpartition(os.sep)[0]
        kept: set[str] = set()
        removed = 0
        for directory in sorted(candidates, key=lambda path: path.count(os.sep), reverse=True):
            if directory in kept:
                continue
            try:
                os.rmdir(directory)
            except FileNotFoundError:
                continue
            except OSError:
                while directory.startswith(prefix):  # Not empty: it and its parents stay.
                    kept.add(directory)
                    directory = directory.rpartition(os.sep)[0]
                continue
            removed += 1
        self._emptied.clear()
        return removed


def purger_for(storage: HybridStorage) -> LayerPurger:
    """Return the fastest purger that can handle ``storage``'s top layer."""
    if isinstance(storage.top.storage, FileSystemStorage):
        return FilesystemPurger(storage)
    return LayerPurger(storage)
