"""The naive baseline: the 2013 "HybridStorage" design, re-implemented for comparison only.

Every operation asks the layers in order, top first, with ``exists()`` on each, and uses the first
that holds the name; nothing is remembered between calls. ``url()``, ``size()`` and ``open()`` each
probe top-down again (so ``size()`` of a production file is a HEAD for ``exists()`` plus S3Storage's
own HEAD for the size), uploads go to the top layer, and ``Storage.get_available_name()`` checks
``exists()`` across every layer. This is what issue 6 measures hybridmedia against; it is not
part of the package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any

from django.core.files.storage import Storage
from django.utils.module_loading import import_string


def _build(config: Storage | Mapping[str, Any]) -> Storage:
    if isinstance(config, Storage):
        return config
    return import_string(config["BACKEND"])(**config.get("OPTIONS", {}))  # type: ignore[no-any-return]


class NaiveHybridStorage(Storage):
    """Serve each name from the first layer whose ``exists()`` says yes; write to the first layer.

    ``tolerate_errors`` makes a layer that raises (a timeout, a refused connection) count as not
    holding the name, so a page still renders while production is down; without it the error
    propagates, as it did in 2013.
    """

    def __init__(self, layers: Sequence[Storage | Mapping[str, Any]], tolerate_errors: bool = False) -> None:
        self.layers = [_build(layer) for layer in layers]
        self.tolerate_errors = tolerate_errors

    def _holder(self, name: str) -> Storage | None:
        for storage in self.layers:
            try:
                if storage.exists(name):
                    return storage
            except Exception:
                if not self.tolerate_errors:
                    raise
        return None

    def _holder_or_raise(self, name: str) -> Storage:
        storage = self._holder(name)
        if storage is None:
            raise FileNotFoundError(f"{name!r} is in no layer.")
        return storage

    def exists(self, name: str) -> bool:
        return self._holder(name) is not None

    def url(self, name: str | None) -> str:
        storage = self._holder(name) if name is not None else None
        return (storage or self.layers[0]).url(name)  # type: ignore[no-any-return]

    def size(self, name: str) -> int:
        return self._holder_or_raise(name).size(name)  # type: ignore[no-any-return]

    def get_modified_time(self, name: str) -> Any:
        return self._holder_or_raise(name).get_modified_time(name)

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        return self._holder_or_raise(name).open(name, mode)  # type: ignore[no-any-return]

    def _save(self, name: str, content: Any) -> str:
        return self.layers[0].save(name, content)  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        self.layers[0].delete(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        directories: set[str] = set()
        files: set[str] = set()
        for storage in self.layers:
            try:
                layer_directories, layer_files = storage.listdir(path)
            except FileNotFoundError:
                continue
            directories.update(layer_directories)
            files.update(layer_files)
        return sorted(directories), sorted(files)
