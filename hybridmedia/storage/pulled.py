"""The record of a pulled copy: which layer a cache layer's copy came from, and what that layer said then.

A pull (``hybridmedia.pull``) writes each copy into a cache layer, then its record: a small JSON
document under the cache layer's reserved directory ``.hybridmedia-pulled/`` (see
``names.pull_record_name``), never listed and never served. The model reads it to show a pulled copy
as the source layer's file ("production (pulled)") and to tell whether it is **stale**: the source
no longer holds the name, or holds it with another size, ETag or modification time.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage

from hybridmedia.storage.backends.base import as_utc
from hybridmedia.storage.backends.filesystem import ContainedFileSystemMixin, is_filesystem
from hybridmedia.storage.cache import Probe
from hybridmedia.storage.names import PULLED_DIR, is_missing, pull_record_name

if TYPE_CHECKING:
    from hybridmedia.storage.layers import Layer

#: Version of the record's JSON; bumped only for incompatible changes.
RECORD_VERSION = 1
#: Where unfinished copies are written, inside the cache layer's reserved directory.
PARTIAL_DIR = f"{PULLED_DIR}/.partial"
#: Bytes of a body kept in memory before it is spooled to disk (a cache layer that cannot rename).
SPOOL_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class PullRecord:
    """Where a pulled copy came from: the source layer and its size, MD5 (ETag) and modification time then."""

    layer: str
    size: int | None
    etag: str | None
    modified: datetime | None
    pulled_at: datetime | None = None

    @classmethod
    def of(cls, layer: str, probe: Probe, pulled_at: datetime | None = None) -> PullRecord:
        return cls(layer, probe.size, probe.etag, as_utc(probe.modified), pulled_at)

    def matches(self, source: Probe | None) -> bool:
        """Return whether the source's current answer is the one this copy was pulled from."""
        if source is None or not source.exists:
            return False
        if self.size is not None and source.size is not None and self.size != source.size:
            return False
        if self.etag and source.etag:
            return self.etag == source.etag
        if self.modified is not None and source.modified is not None:
            return self.modified == as_utc(source.modified)
        return self.size is not None and self.size == source.size

    def as_json(self) -> dict[str, Any]:
        return {
            "version": RECORD_VERSION,
            "layer": self.layer,
            "size": self.size,
            "etag": self.etag,
            "modified": self.modified.isoformat() if self.modified else None,
            "pulled_at": self.pulled_at.isoformat() if self.pulled_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PullRecord:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        size = data.get("size")
        etag = data.get("etag")
        return cls(
            layer=str(data["layer"]),
            size=size if isinstance(size, int) else None,
            etag=etag if isinstance(etag, str) else None,
            modified=when(data.get("modified")),
            pulled_at=when(data.get("pulled_at")),
        )


def read_record(layer: Layer, name: str) -> PullRecord | None:
    """Return the record of the cache layer's copy of ``name``; ``None`` when there is none (or it is unreadable)."""
    return read_record_from(layer.storage, name)


def read_record_from(storage: Storage, name: str) -> PullRecord | None:
    try:
        with storage.open(pull_record_name(name), "rb") as file:
            return PullRecord.from_json(json.loads(file.read()))
    except (ValueError, KeyError, TypeError):
        return None  # a damaged record: the copy is of unknown origin, so stale
    except Exception as exc:
        if is_missing(exc) or isinstance(exc, (NotADirectoryError, IsADirectoryError)):
            return None
        raise


def write_record(storage: Storage, name: str, record: PullRecord) -> None:
    """Write (or replace) the record of ``name`` through the cache layer's unguarded ``storage``."""
    record_name = pull_record_name(name)
    delete_record(storage, name)
    storage.save(record_name, ContentFile(json.dumps(record.as_json()).encode()))


def store_copy(writer: Storage, name: str, chunks: Iterable[bytes], source: str, probe: Probe) -> int:
    """Write ``chunks`` as the cache layer's copy of ``name``, then its record; return the bytes written.

    ``writer`` is the cache layer's unguarded storage. On a filesystem the bytes go to a temporary
    file in the reserved directory and are renamed into place, so an interrupted copy is never
    visible; other stores get one upload, which only shows once complete. ``probe`` is what the
    ``source`` layer said about the name (its size is the bytes written, when it did not say).
    """
    on_disk = is_filesystem(writer)
    size = (_write_file if on_disk else _upload)(writer, name, chunks)
    if probe.size is None:
        probe = Probe(True, size, probe.modified, probe.etag)
    record = PullRecord.of(source, probe, datetime.now(UTC))
    if on_disk:
        _write_record_file(writer, name, record)
    else:
        write_record(writer, name, record)
    return size


def _write_file(writer: Storage, name: str, chunks: Iterable[bytes]) -> int:
    final = writer.path(name)
    partial_dir = writer.path(PARTIAL_DIR)
    os.makedirs(partial_dir, exist_ok=True)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    if isinstance(writer, ContainedFileSystemMixin):
        # Never through a link out of the cache layer's directory (the final link itself is replaced).
        writer.hybridmedia_contain(name, "pull", follow_final=False)
    if os.path.isdir(final) and not os.path.islink(final):
        raise SuspiciousFileOperation(f"Cannot pull {name!r}: the cache layer has a directory of that name.")
    temporary = os.path.join(partial_dir, f"{os.getpid()}-{uuid.uuid4().hex}.part")
    size = 0
    try:
        with open(temporary, "xb") as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
        with contextlib.suppress(FileNotFoundError):  # the old record never describes the new bytes
            os.remove(writer.path(pull_record_name(name)))
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return size


def _write_record_file(writer: Storage, name: str, record: PullRecord) -> None:
    # Renamed into place like the copy: a record is whole or absent.
    record_name = pull_record_name(name)
    final = writer.path(record_name)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    if isinstance(writer, ContainedFileSystemMixin):
        writer.hybridmedia_contain(record_name, "record the pull of", follow_final=False)
    temporary = os.path.join(writer.path(PARTIAL_DIR), f"{os.getpid()}-{uuid.uuid4().hex}.json")
    try:
        with open(temporary, "x", encoding="utf-8") as out:
            json.dump(record.as_json(), out)
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _upload(writer: Storage, name: str, chunks: Iterable[bytes]) -> int:
    # A store without renames (S3): the body is spooled (to disk past a few MiB), then saved in one
    # upload, which only shows once complete.
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in chunks:
            spool.write(chunk)
            size += len(chunk)
        spool.seek(0)
        delete_record(writer, name)
        if writer.exists(name):
            writer.delete(name)
        writer.save(name, File(spool, name=posixpath.basename(name)))
    return size


def remove_abandoned_partials(writer: Storage) -> None:
    """Remove what interrupted copies left in the partial directory (their processes are gone)."""
    if not is_filesystem(writer):
        return
    try:
        entries = list(os.scandir(writer.path(PARTIAL_DIR)))
    except FileNotFoundError:
        return
    for entry in entries:
        pid = entry.name.split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def delete_record(storage: Storage, name: str) -> None:
    try:
        storage.delete(pull_record_name(name))
    except Exception as exc:
        if not is_missing(exc):
            raise


__all__ = [
    "PARTIAL_DIR",
    "PullRecord",
    "delete_record",
    "read_record",
    "read_record_from",
    "remove_abandoned_partials",
    "store_copy",
    "write_record",
]
