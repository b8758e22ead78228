"""The filesystem adapter: a write layer that is never written through a link, and a directory's identity."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage
from django.utils._os import safe_join

from hybridmedia.storage.backends.base import Finding, ListedFiles, StorageAdapter, is_write_mode
from hybridmedia.storage.cache import MISSING, Probe
from hybridmedia.storage.names import is_missing

#: A directory holding one of these is a project's code, never a write layer.
PROJECT_MARKERS = ("manage.py",)


def is_filesystem(storage: Storage | type[Storage]) -> bool:
    if isinstance(storage, type):
        return issubclass(storage, FileSystemStorage)
    return isinstance(storage, FileSystemStorage)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class ContainedFileSystemMixin:
    """Write a ``FileSystemStorage`` write layer without following links out of its location.

    Saves, deletes and opens for writing refuse a name whose real location leaves the layer's
    directory (a symbolic link to a lower layer's directory or file, say), and an in-place write to
    a file with other hard links (which may be a lower layer's file). Reads are not restricted.
    """

    location: str
    path: Any

    def hybridmedia_contain(self, name: str, operation: str, *, follow_final: bool) -> None:
        root = os.path.realpath(self.location)
        full = self.path(name)
        target = os.path.realpath(full if follow_final else os.path.dirname(full))
        if not _inside(target, root):
            raise SuspiciousFileOperation(
                f"Refused to {operation} {str(name)!r}: it leads outside the write layer's directory through a "
                f"symbolic link, and writing there could modify another layer. Remove the link from the "
                f"write layer and try again."
            )
        if follow_final and has_other_links(full):
            raise SuspiciousFileOperation(
                f"Refused to {operation} {str(name)!r}: the file has other hard links, which may belong to "
                f"another layer, and writing it in place would change them too. Replace it with a copy first."
            )

    def _save(self, name: str, content: Any) -> str:
        # Django opens with O_EXCL, but follows a final link when allow_overwrite is set.
        self.hybridmedia_contain(name, "save", follow_final=bool(getattr(self, "_allow_overwrite", False)))
        return super()._save(name, content)  # type: ignore[misc,no-any-return]

    def delete(self, name: str) -> None:
        if name:  # FileSystemStorage says what is wrong with a missing name
            # The final link itself is removed, never its target: only the directories must stay inside.
            self.hybridmedia_contain(name, "delete", follow_final=False)
        super().delete(name)  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        if is_write_mode(mode):
            self.hybridmedia_contain(name, f"open for writing (mode {mode!r})", follow_final=True)
        return super()._open(name, mode)  # type: ignore[misc,no-any-return]

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        base = type(self).__mro__[2]
        return f"{base.__module__}.{base.__qualname__}", args, kwargs


def has_other_links(path: str) -> bool:
    """Return whether ``path`` is a regular file with more than one hard link."""
    try:
        status = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(status.st_mode) and status.st_nlink > 1


_contained_classes: dict[type[Storage], type[Storage]] = {}


def contained_class(storage_class: type[Storage]) -> type[Storage]:
    """Return a subclass of a ``FileSystemStorage`` class that never writes through a link."""
    if storage_class not in _contained_classes:
        _contained_classes[storage_class] = type(
            storage_class.__name__,
            (ContainedFileSystemMixin, storage_class),
            {"__module__": storage_class.__module__, "__qualname__": storage_class.__qualname__},
        )
    return _contained_classes[storage_class]


# The directory's identity ------------------------------------------------------------------


def identity_chain(location: str) -> tuple[str, list[tuple[int, int]], tuple[str, ...]]:
    """Return ``(real path, (st_dev, st_ino) of it and each ancestor, parts not created yet)``.

    A bind mount or a second path to one directory gives the same ``(st_dev, st_ino)``; a root that
    does not exist yet is represented by its nearest existing ancestor and the parts below it.
    """
    real = os.path.realpath(location)
    existing, missing = real, list[str]()
    while not os.path.exists(existing) and os.path.dirname(existing) != existing:
        existing, part = os.path.split(existing)
        missing.insert(0, part)
    chain = []
    current = existing
    while True:
        try:
            status = os.stat(current)
            chain.append((status.st_dev, status.st_ino))
        except OSError:
            pass
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return real, chain, tuple(missing)


def contains(outer: str, inner: str) -> bool:
    """Return whether the directory ``inner`` is ``outer`` or lies inside it, however either is reached."""
    outer_real, outer_chain, outer_missing = identity_chain(outer)
    inner_real, inner_chain, inner_missing = identity_chain(inner)
    if _inside(inner_real, outer_real):
        return True
    if outer_missing:
        return False  # not created yet, so nothing existing lies inside it (paths were compared above)
    return bool(outer_chain) and outer_chain[0] in inner_chain


def project_code_problem(location: str) -> str | None:
    """Say why ``location`` must not be a write layer (the filesystem root, the project's code), or ``None``."""
    real, chain, missing = identity_chain(location)
    if missing:
        return None
    root = os.stat(os.sep)
    if chain and chain[0] == (root.st_dev, root.st_ino):
        return f"is the filesystem root ({real})"
    for marker in PROJECT_MARKERS:
        if os.path.exists(os.path.join(real, marker)):
            return f"holds the project's code ({real} contains {marker})"
    module = sys.modules.get(getattr(settings, "SETTINGS_MODULE", None) or "")
    settings_file = getattr(module, "__file__", None)
    if settings_file and contains(real, os.path.dirname(settings_file)):
        return f"holds the project's code (the settings module {settings.SETTINGS_MODULE} lies inside {real})"
    base_dir = getattr(settings, "BASE_DIR", None)
    if isinstance(base_dir, (str, os.PathLike)) and contains(real, os.fspath(base_dir)):
        return f"holds the project's code (settings.BASE_DIR lies inside {real})"
    return None


def describe(storage: Any) -> str:
    return os.path.realpath(str(storage.location))


class FilesystemAdapter(StorageAdapter):
    """A ``FileSystemStorage``: a probe is one ``stat()``, a directory one ``scandir()``."""

    remote = False

    def _path(self, name: str) -> str:
        # safe_join() as FileSystemStorage.path() does: a guarded lower layer answers path() to
        # nobody, and its adapter only reads.
        return safe_join(str(self.storage.location), name)  # type: ignore[attr-defined]

    def probe(self, name: str) -> Probe:
        try:
            status = os.stat(self._path(name))
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        except OSError as exc:
            if is_missing(exc):
                return MISSING
            raise
        if stat.S_ISDIR(status.st_mode):
            return MISSING  # a directory is not a file this layer holds
        return Probe(exists=True, size=status.st_size, modified=_timestamp(status.st_mtime))

    def stat(self, name: str) -> Probe:
        return self.probe(name)

    def list_files(self, path: str, names: Iterable[str] = ()) -> ListedFiles:
        probes: dict[str, Probe] = {}
        try:
            with os.scandir(self._path(path) if path else str(self.storage.location)) as entries:  # type: ignore[attr-defined]
                for entry in entries:
                    if entry.is_file():  # follows links, as FileSystemStorage.exists() does
                        status = entry.stat()
                        probes[entry.name] = Probe(True, status.st_size, _timestamp(status.st_mtime))
        except (FileNotFoundError, NotADirectoryError):
            pass
        return ListedFiles(probes)

    def checksum(self, name: str, probe: Probe | None = None, max_bytes: int | None = None) -> str | None:
        return self.md5_of_stream(name, max_bytes)

    def diagnose(self) -> list[Finding]:
        location = str(self.storage.location)  # type: ignore[attr-defined]
        if not os.path.isdir(location):
            # FileSystemStorage creates its directory on the first save, as Django does for MEDIA_ROOT.
            return [Finding("directory", None, f"{location} does not exist yet: the first save creates it")]
        return super().diagnose()

    def urls_are_deterministic(self) -> bool:
        return True


def _timestamp(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)
