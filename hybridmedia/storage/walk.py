"""Walking a storage's tree through the portable ``listdir()`` API."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from django.core.files.storage import Storage

from hybridmedia.storage.names import is_missing


def new_names_in_batches(names: Iterable[str], seen: set[str], size: int) -> Iterator[list[str]]:
    """Yield the ``names`` not in ``seen`` (adding them to it) in lists of at most ``size``."""
    batch: list[str] = []
    for name in names:
        if name not in seen:
            seen.add(name)
            batch.append(name)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def walk_files(storage: Storage, path: str = "", skip: str | None = None) -> Iterator[str]:
    """Yield every file name under the directory ``path`` of ``storage``, depth first.

    ``skip`` names a top-level directory to leave out. A ``path`` that names a file yields it.
    """
    try:
        directories, files = storage.listdir(path)
    except NotADirectoryError:
        yield path
        return
    except Exception as exc:
        if is_missing(exc):
            return
        raise
    for file_name in files:
        yield posixpath.join(path, file_name)
    for directory in directories:
        if path in ("", ".") and directory == skip:
            continue
        yield from walk_files(storage, posixpath.join(path, directory))
