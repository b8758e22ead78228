"""The guard: read-only lower-layer storages, and the read-only files they hand out.

A lower layer is only ever reachable through these objects. Its storage refuses ``save``,
``delete``, opening for writing, local paths and signed write URLs; every file it opens is a
``ReadOnlyFile`` that refuses writing, truncating and reopening for writing, whose ``name`` is the
storage name (never production's absolute path). Backend adapters add what a backend needs beyond
that (S3: a client that refuses every request but GET and HEAD).
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import InMemoryStorage, Storage

from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.storage.backends import guard_mixins
from hybridmedia.storage.backends.base import is_write_mode

#: What a ``ReadOnlyLayerError`` says about changing a file that a lower layer serves.
WRITE_HINT = (
    "To change it, open it for writing through the HybridStorage (storage.open(name, 'r+b') keeps its "
    "contents), which copies it to the write layer first; a model field's file must be closed and "
    "released first (del instance.field.file)."
)
PATH_HINT = (
    "A lower layer's local path would let a write reach it. To get a writable local copy, open the "
    "file for writing through the HybridStorage (storage.open(name, 'r+b')), which copies it to the "
    "write layer; path() then returns the copy's path. To read lower layers' files by path anyway, "
    'set the hybrid\'s OPTIONS["lower_paths"] = True (dangerous: anything written to such a path '
    "changes that layer)."
)


#: HTTP methods a signed URL of a lower layer may use: the ones that change nothing.
SAFE_HTTP_METHODS = frozenset({"GET", "HEAD"})


class RefusesWrites:
    """``write()``, ``writelines()`` and ``truncate()`` that raise what ``_refusal()`` says."""

    def _refusal(self, operation: str) -> ReadOnlyLayerError:
        raise NotImplementedError

    def write(self, data: Any) -> int:
        raise self._refusal("write to")

    def writelines(self, lines: Iterable[Any]) -> None:
        raise self._refusal("write to")

    def truncate(self, size: int | None = None) -> int:
        raise self._refusal("truncate")


class ReadOnlyStream(RefusesWrites, io.RawIOBase):
    """A file-like view of a lower layer's stream that can read and seek, never write."""

    def __init__(self, raw: IO[Any], layer_name: str, name: str) -> None:
        super().__init__()
        self.__raw = raw
        self.__layer_name = layer_name
        self.__name = name

    def _refusal(self, operation: str) -> ReadOnlyLayerError:
        return ReadOnlyLayerError(self.__layer_name, operation, self.__name, hint=WRITE_HINT)

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        seekable = getattr(self.__raw, "seekable", None)
        return bool(seekable()) if seekable is not None else True

    def read(self, size: int | None = -1) -> bytes:
        return self.__raw.read(-1 if size is None else size)  # type: ignore[no-any-return]

    def readinto(self, buffer: Any) -> int:
        data = self.__raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self.__raw.readline(-1 if size is None else size)  # type: ignore[no-any-return]

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.__raw.seek(offset, whence)

    def tell(self) -> int:
        return self.__raw.tell()

    def close(self) -> None:
        if not self.closed:
            self.__raw.close()
        super().close()

    def fileno(self) -> int:
        return self.__raw.fileno()  # a descriptor opened for reading: writes through it fail


class ReadOnlyFile(RefusesWrites, File):  # type: ignore[type-arg]
    """A file served by a lower layer: readable, seekable and reopenable for reading only.

    ``name`` is the storage name. ``layer_name`` says which layer it came from. Reopening a closed
    file (``FieldFile.open()`` does) asks the layer again, for reading.
    """

    mode = "rb"

    def __init__(self, raw: IO[Any], name: str, layer_name: str, reopen: Callable[[], IO[Any]]) -> None:
        self.layer_name = layer_name
        self.__reopen = reopen
        metadata = getattr(raw, "obj", None)  # S3's object: its HEAD, for the origin cache
        self.obj = metadata
        super().__init__(ReadOnlyStream(raw, layer_name, name), name)  # type: ignore[arg-type]

    def _refusal(self, operation: str) -> ReadOnlyLayerError:
        return ReadOnlyLayerError(self.layer_name, operation, self.name, hint=WRITE_HINT)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> ReadOnlyFile:
        if mode is not None and is_write_mode(mode):
            raise self._refusal(f"reopen for writing (mode {mode!r})")
        if not self.closed:
            self.seek(0)
        else:
            self.file = ReadOnlyStream(self.__reopen(), self.layer_name, str(self.name))  # type: ignore[assignment]
        return self

    def writable(self) -> bool:
        return False


#: Set while a guarded storage runs one of its own read methods, which may need its real paths
#: (FileSystemStorage.exists() calls self.path()); path() answers callers only with lower_paths.
_reading_inside = contextvars.ContextVar("hybridmedia_reading_inside", default=False)


_READ_METHODS = frozenset(
    {"exists", "listdir", "size", "get_accessed_time", "get_created_time", "get_modified_time", "_open"}
)


def _http_method(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    # S3Storage.url(name, parameters=None, expire=None, http_method=None): the method is 3rd.
    return kwargs.get("http_method", args[2] if len(args) > 2 else None)


class ReadOnlyStorageMixin:
    """Refuse every write and hand out only read-only files; everything else is the wrapped backend's."""

    hybridmedia_layer_name: str = "?"
    #: Whether ``path()`` answers (``HybridStorage(lower_paths=True)``): dangerous, off by default.
    hybridmedia_allow_paths: bool = False
    #: The backend class this guard wraps (set by ``read_only_class()``).
    hybridmedia_wrapped: type[Storage]
    #: Whether ``path()`` names a real file (not InMemoryStorage's names, which nothing can open).
    hybridmedia_local_paths: bool = True

    def _refuse(self, operation: str, name: str | None, hint: str | None = None) -> ReadOnlyLayerError:
        return ReadOnlyLayerError(self.hybridmedia_layer_name, operation, name, hint=hint)

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        raise self._refuse("save", name)

    def _save(self, name: str, content: Any) -> str:
        raise self._refuse("save", name)

    def delete(self, name: str) -> None:
        raise self._refuse("delete", name)

    def open(self, name: str, mode: str = "rb") -> IO[Any]:
        if is_write_mode(mode):
            raise self._refuse(f"open for writing (mode {mode!r})", name, WRITE_HINT)
        return super().open(name, mode)  # type: ignore[misc,no-any-return]

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        if is_write_mode(mode):
            raise self._refuse(f"open for writing (mode {mode!r})", name, WRITE_HINT)

        def raw_open() -> IO[Any]:
            return self._read("_open", name, mode)  # type: ignore[no-any-return]

        return ReadOnlyFile(raw_open(), str(name), self.hybridmedia_layer_name, raw_open)

    def _read(self, method: str, *args: Any) -> Any:
        assert method in _READ_METHODS, method
        token = _reading_inside.set(True)
        try:
            return getattr(super(), method)(*args)
        finally:
            _reading_inside.reset(token)

    def exists(self, name: str) -> bool:
        return self._read("exists", name)  # type: ignore[no-any-return]

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self._read("listdir", path)  # type: ignore[no-any-return]

    def size(self, name: str) -> int:
        return self._read("size", name)  # type: ignore[no-any-return]

    def get_accessed_time(self, name: str) -> datetime:
        return self._read("get_accessed_time", name)  # type: ignore[no-any-return]

    def get_created_time(self, name: str) -> datetime:
        return self._read("get_created_time", name)  # type: ignore[no-any-return]

    def get_modified_time(self, name: str) -> datetime:
        return self._read("get_modified_time", name)  # type: ignore[no-any-return]

    def path(self, name: str) -> str:
        if self.hybridmedia_local_paths and not (self.hybridmedia_allow_paths or _reading_inside.get()):
            raise NotImplementedError(
                f"{str(name)!r} is in the read-only layer {self.hybridmedia_layer_name!r}. {PATH_HINT}"
            )
        return super().path(name)  # type: ignore[misc,no-any-return]

    def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
        method = _http_method(args, kwargs)
        if method is not None and str(method).upper() not in SAFE_HTTP_METHODS:
            raise self._refuse(
                f"sign a URL for the HTTP method {str(method)!r}",
                name,
                "Lower layers only sign GET and HEAD URLs: a signed PUT, POST or DELETE would let its "
                "holder change the layer.",
            )
        return super().url(name, *args, **kwargs)  # type: ignore[misc,no-any-return]

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        # Deconstruct as the wrapped backend: the guard is not part of the storage's identity.
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        base = self.hybridmedia_wrapped
        return f"{base.__module__}.{base.__qualname__}", args, kwargs


_read_only_classes: dict[type[Storage], type[Storage]] = {}


def read_only_class(storage_class: type[Storage]) -> type[Storage]:
    """Return a subclass of ``storage_class`` whose instances refuse writes (one per class)."""
    if storage_class not in _read_only_classes:
        _read_only_classes[storage_class] = type(
            f"ReadOnly{storage_class.__name__}",
            (ReadOnlyStorageMixin, *guard_mixins(storage_class), storage_class),
            {
                "__module__": __name__,
                "__doc__": f"Read-only {storage_class.__qualname__}.",
                "hybridmedia_wrapped": storage_class,
                "hybridmedia_local_paths": not issubclass(storage_class, InMemoryStorage),
            },
        )
    return _read_only_classes[storage_class]


def guard(storage_class: type[Storage], options: dict[str, Any], layer_name: str, *, allow_paths: bool) -> Storage:
    """Build a read-only instance of ``storage_class`` for the lower layer ``layer_name``."""
    storage = read_only_class(storage_class)(**options)
    storage.hybridmedia_layer_name = layer_name  # type: ignore[attr-defined]
    storage.hybridmedia_allow_paths = allow_paths  # type: ignore[attr-defined]
    return storage
