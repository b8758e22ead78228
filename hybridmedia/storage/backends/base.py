"""The adapter contract, and the generic adapter that uses nothing but Django's Storage API.

The core asks a layer's adapter, never the backend's internals: probe a name, list a directory or a
page of it, give a checksum, say whether URLs are deterministic. A third-party backend gets this
generic adapter: correct, if slower (``exists()`` for a probe, ``listdir()`` for a listing).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.files.storage import Storage
from django.utils import timezone

from hybridmedia.redaction import redact_text
from hybridmedia.storage.cache import MISSING, Probe
from hybridmedia.storage.names import is_missing

#: Bytes read at a time when a checksum or a comparison streams a file.
CHUNK_SIZE = 256 * 1024
#: Bytes read at a time from a remote layer's response that is relayed (the media view, a pull): each
#: read costs a trip through the HTTP client, so fewer, larger ones move the same bytes with less CPU.
STREAM_CHUNK_SIZE = 1024 * 1024
_MD5 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class ListedPage:
    """One layer's page of a directory: keys (directories end in ``/``), whether more follow, and probes."""

    keys: list[str]
    more: bool
    probes: dict[str, Probe] = field(default_factory=dict)
    #: Whether the directory exists in the layer (S3 has no directories: there, whether it lists anything).
    exists: bool = True


@dataclass(frozen=True)
class Finding:
    """One line of a layer's diagnosis: what was tried, whether it worked (``None``: not applicable), details."""

    check: str
    ok: bool | None
    detail: str = ""


@dataclass(frozen=True)
class ListedFiles:
    """The files a layer holds directly in a directory, as probes; ``complete`` unless the listing gave up."""

    probes: dict[str, Probe]
    complete: bool = True


def is_write_mode(mode: str) -> bool:
    """Return whether opening a file in ``mode`` may change it."""
    return any(flag in mode for flag in "wax+")


def as_utc(value: datetime | None) -> datetime | None:
    """Return ``value`` as an aware UTC time (storages give local naive times when ``USE_TZ`` is off)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(UTC)


def md5_of_etag(etag: object) -> str | None:
    """Return the MD5 an ETag spells (S3's for a single-part upload), or ``None`` for any other ETag."""
    # A multipart upload's ETag has a "-N" suffix; a web server's (nginx: mtime-size) is no digest either.
    value = str(etag or "").strip('"').lower()
    return value if _MD5.fullmatch(value) else None


def sorted_keys(directories: Iterable[str], files: Iterable[str]) -> list[str]:
    # S3's order: "a/" sorts after "a.jpg" because "/" > ".", so directories carry their slash.
    return sorted([f"{directory}/" for directory in directories] + list(files))


class StorageAdapter:
    """Ask a store through Django's Storage API only."""

    #: Whether ``probe()`` costs a request (S3's HEAD) rather than a local call.
    remote = True
    #: Whether the store can list a directory. An HTTP server cannot: listings (``listdir()``, its pages,
    #: ``shadowed()``, the admin browser) leave such a layer out and say so; its files are found by name.
    can_list = True

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def probe(self, name: str) -> Probe:
        """Return whether the store holds ``name`` and, where cheap, its size, time and checksum."""
        return Probe(exists=True) if self.storage.exists(name) else MISSING

    def verify(self) -> None:
        """Raise what the store raises when it cannot be used as configured; cheap, read-only, once per layer."""

    def diagnose(self) -> list[Finding]:
        """Try the store with a few read-only requests and say what works (``manage.py media_doctor``)."""
        findings: list[Finding] = []
        try:
            directories, files = self.storage.listdir("")
        except Exception as exc:  # noqa: BLE001 - what failed is the finding
            return [Finding("listing allowed", False, redact_text(f"{type(exc).__name__}: {exc}"))]
        findings.append(
            Finding("listing allowed", True, f"{len(directories)} directories, {len(files)} files at the root")
        )
        findings.extend(self._sample(files[0] if files else None))
        return findings

    def _sample(self, name: str | None) -> list[Finding]:
        if name is None:
            return [Finding("a sample file readable", None, "no file at the root to read")]
        try:
            with self.storage.open(name, "rb") as handle:
                handle.read(1)
        except Exception as exc:  # noqa: BLE001
            return [Finding("a sample file readable", False, redact_text(f"{name!r}: {type(exc).__name__}: {exc}"))]
        findings = [Finding("a sample file readable", True, repr(name))]
        try:
            url = self.storage.url(name)
        except NotImplementedError:
            return findings
        except Exception as exc:  # noqa: BLE001
            return [*findings, Finding("URLs", False, redact_text(f"{type(exc).__name__}: {exc}"))]
        if self.urls_are_deterministic():
            return [*findings, Finding("URLs", True, f"the same for everyone: {url}")]
        # A signature grants access: show where the URL leads, not the URL.
        return [*findings, Finding("URLs", True, f"signed, they expire: {url.split('?')[0]}?…")]

    def probe_of_open_file(self, file: Any) -> Probe:
        """Return what an already opened file tells about itself without another request."""
        return Probe(exists=True)

    def stat(self, name: str) -> Probe:
        """Return the size and modification time of a file the store holds, ``None`` for what it cannot tell."""
        size = modified = None
        with contextlib.suppress(NotImplementedError):
            size = self.storage.size(name)
        with contextlib.suppress(NotImplementedError):
            modified = as_utc(self.storage.get_modified_time(name))
        return Probe(exists=True, size=size, modified=modified)

    def list_page(self, path: str, after: str, limit: int) -> ListedPage:
        """Return the first ``limit`` keys of the directory ``path`` that sort after ``after``."""
        whole = self.list_directory(path)
        keys = [key for key in whole.keys if key > after]
        return ListedPage(keys[:limit], len(keys) > limit, whole.probes, whole.exists)

    def list_directory(self, path: str) -> ListedPage:
        """Return every key of the directory ``path`` (directories end in ``/``), in S3's key order."""
        try:
            directories, files = self.storage.listdir(path)
        except NotADirectoryError:
            return ListedPage([], False, exists=False)
        except Exception as exc:
            if is_missing(exc):
                return ListedPage([], False, exists=False)
            raise
        return ListedPage(sorted_keys(directories, files), False)

    def list_files(self, path: str, names: Iterable[str] = ()) -> ListedFiles:
        """Return the files directly in ``path``; ``names`` are the ones the caller asks about (a hint)."""
        try:
            _directories, files = self.storage.listdir(path)
        except NotADirectoryError:
            return ListedFiles({})
        except Exception as exc:
            if is_missing(exc):
                return ListedFiles({})
            raise
        return ListedFiles({name: Probe(exists=True) for name in files})

    def checksum(self, name: str, probe: Probe | None = None, max_bytes: int | None = None) -> str | None:
        """Return the MD5 of ``name`` when the store gives it cheaply; ``None`` otherwise."""
        if probe is not None and probe.etag:
            return probe.etag
        return None

    def md5_of_stream(self, name: str, max_bytes: int | None) -> str | None:
        digest = hashlib.md5(usedforsecurity=False)
        read = 0
        with self.storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                read += len(chunk)
                if max_bytes is not None and read > max_bytes:
                    return None
                digest.update(chunk)
        return digest.hexdigest()

    def urls_are_deterministic(self) -> bool:
        """Return whether ``url(name)`` always gives the same answer (no signature, no expiry)."""
        return False

    # As the write layer ---------------------------------------------------------------------------

    def exclusive_create(self) -> AbstractContextManager[None]:
        """Inside this block, ``storage.save()`` raises ``FileExistsError`` rather than replace a file."""
        return contextlib.nullcontext()

    def copy_from(self, source: StorageAdapter, name: str, size: int | None = None) -> bool:
        """Copy ``name`` from ``source`` inside the store (no bytes through this process); ``False`` if it cannot."""
        return False

    # For the media view ---------------------------------------------------------------------------

    def urls_are_public(self) -> bool:
        """Return whether anyone may fetch ``url(name)`` as it is: no signature, no login behind it."""
        return self.urls_are_deterministic()

    def open_range(self, name: str, start: int = 0, length: int | None = None, *, checksum: bool = True) -> Chunks:
        """Open ``name`` now and return its bytes from ``start`` (``length`` of them, or to the end), chunk by chunk.

        The generic way: ``seek()`` and ``read()`` on the file the storage opens. A missing name or an
        unreachable store raises here, not while the chunks are read; memory stays at one chunk. The
        S3 and HTTP adapters also raise ``RangeNotSatisfiable`` for a range that starts past the end,
        and give ``Chunks.found``; this generic way does neither.

        ``checksum=False`` skips checking the content against a checksum the store sent with it (S3's
        CRC), which can only fail after the last byte: for a caller that has passed every chunk on by
        then (the media view), a failure could no longer stop them. A body shorter or longer than its
        length is an error either way.
        """
        handle = self.storage.open(name, "rb")
        try:
            if start:
                handle.seek(start)
        except BaseException:
            handle.close()
            raise
        return Chunks(handle, length)


class RangeNotSatisfiable(ValueError):
    """The store has no byte where a range starts: the file is shorter than the caller knew it (it changed)."""


class Chunks:
    """Iterate a stream in chunks of at most ``chunk_size`` bytes, ``length`` in all (``None``: to its end).

    ``close()`` closes the stream, also when iteration never started (a generator's ``finally`` would
    not run then), so a response that is never read leaks nothing. ``found`` is what the store said
    about the whole file when it was opened (size, ETag, time), where it said it: a caller that
    promised a size before opening can tell that the file changed meanwhile.
    """

    def __init__(
        self, stream: Any, length: int | None = None, chunk_size: int = CHUNK_SIZE, found: Probe | None = None
    ) -> None:
        self.stream = stream
        self.remaining = length
        self.chunk_size = chunk_size
        self.found = found
        # A stream with read1() (a network body, a buffered file) hands over what it has instead of
        # waiting for a whole chunk: a relay sends bytes on while more arrive.
        self.read = getattr(stream, "read1", None) or stream.read

    def __iter__(self) -> Chunks:
        return self

    def __next__(self) -> bytes:
        if self.remaining is not None and self.remaining <= 0:
            self.close()
            raise StopIteration
        size = self.chunk_size if self.remaining is None else min(self.chunk_size, self.remaining)
        chunk: bytes = self.read(size)
        if not chunk:
            self.close()
            raise StopIteration
        if self.remaining is not None:
            self.remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        self.stream.close()
