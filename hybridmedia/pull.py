"""Pull files of the layers below a hybrid's cache layer (production) into it: ``manage.py media_pull``.

A pulled copy is a cache of its source, never a local edit: it is written into the cache layer (see
``layers.py``, ``"role": "cache"``) through an unguarded storage of the same configuration, then its
record (``hybridmedia.storage.pulled``) says which layer it came from and that layer's size, ETag and
modification time. Bytes go to a temporary file in the cache layer's reserved directory first and are
renamed into place, so an interrupted pull leaves only complete files, and the next pull resumes
where it stopped (a copy with a record is not fetched again; ``refresh`` re-validates it).

Listings are read a page at a time and bodies are streamed chunk by chunk through a bounded queue
of transfers, so memory does not grow with the number or the size of the files.
"""

from __future__ import annotations

import fnmatch
import posixpath
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.files.storage import Storage

from hybridmedia.redaction import describe_error
from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.cache import Probe
from hybridmedia.storage.layers import cache_writer
from hybridmedia.storage.names import PULLED_DIR, is_missing, validate_directory, validate_name
from hybridmedia.storage.pulled import (
    PARTIAL_DIR,
    PullRecord,
    delete_record,
    read_record_from,
    remove_abandoned_partials,
    store_copy,
)
from hybridmedia.storage.walk import walk_files

#: Keys asked for per listing request (S3's maximum page).
LIST_PAGE = 1000
#: Names asked about at once when pulling a model's files (one listing per directory where cheaper).
NAME_BATCH = 500
#: How many transfers may wait per worker: enough to keep the workers busy, few enough to bound memory.
QUEUED_PER_JOB = 4


class NoCacheLayer(ValueError):
    """The hybrid has no cache layer (or not the one asked for) to pull into."""


@dataclass(frozen=True)
class Candidate:
    """A name to pull, the layer below the cache that serves it, and what that layer said about it."""

    name: str
    source: Layer
    probe: Probe


@dataclass
class PullSummary:
    """What a pull did (or, in a dry run, would do): counts, bytes, failures and time."""

    dry_run: bool = False
    pulled: int = 0
    pulled_bytes: int = 0
    up_to_date: int = 0
    excluded: int = 0
    too_large: int = 0
    missing: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Bytes per second of the transfers."""
        return self.pulled_bytes / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "pulled": self.pulled,
            "pulled_bytes": self.pulled_bytes,
            "up_to_date": self.up_to_date,
            "excluded": self.excluded,
            "too_large": self.too_large,
            "missing": self.missing,
            "failed": [{"name": name, "error": error} for name, error in self.failed],
            "seconds": round(self.seconds, 3),
        }


def cache_layer_of(storage: HybridStorage, name: str | None = None) -> Layer:
    """Return the hybrid's cache layer called ``name`` (by default its first), or raise ``NoCacheLayer``."""
    caches = [layer for layer in storage.layers if layer.cache]
    for layer in caches:
        if name is None or layer.name == name:
            return layer
    if name is not None:
        raise NoCacheLayer(f"The hybrid has no cache layer {name!r}; its cache layers are {[c.name for c in caches]}.")
    raise NoCacheLayer(
        "The hybrid has no cache layer to pull into. Add one between the write layer and production, e.g. "
        '{"name": "pulled", "storage": {"BACKEND": "django.core.files.storage.FileSystemStorage", '
        '"OPTIONS": {"location": BASE_DIR / "pulled-media"}}, "role": "cache"}.'
    )


class Puller:
    """Pull names from the layers below a cache layer into it; ``run()`` does the transfers."""

    def __init__(
        self,
        storage: HybridStorage,
        *,
        cache: str | None = None,
        max_size: int | None = None,
        exclude: Sequence[str] = (),
        refresh: bool = False,
        dry_run: bool = False,
        jobs: int = 4,
        progress: Callable[[PullSummary], None] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs!r}.")
        self.storage = storage
        self.cache = cache_layer_of(storage, cache)
        self.sources = storage.layers[storage.layers.index(self.cache) + 1 :]
        self.max_size = max_size
        self.exclude = tuple(exclude)
        self.refresh = refresh
        self.dry_run = dry_run
        self.jobs = jobs
        self.progress = progress
        self.log = log or (lambda message: None)
        #: The cache layer's storage without the read-only guard: only the pull writes through it.
        self.writer: Storage = cache_writer(self.cache)
        self._lock = threading.Lock()

    # Finding what to pull ----------------------------------------------------------------------

    def under(self, prefixes: Iterable[str]) -> Iterator[Candidate | str]:
        """Yield every file of the source layers under the directories ``prefixes`` (``""``: all).

        A name that an upper source layer holds too is pulled from that layer only (which costs a
        probe per name when there are several source layers). Names a layer cannot list are skipped.
        """
        for prefix in prefixes:
            prefix = validate_directory(prefix).strip("/")
            for position, source in enumerate(self.sources):
                if not source.adapter.can_list:
                    self.log(f"Layer {source.name!r} cannot list its files: pull its files by name (--model).")
                    continue
                for name, probe in self._walk(source, prefix):
                    if any(self._holds(upper, name) for upper in self.sources[:position]):
                        continue
                    yield Candidate(name, source, probe)

    def _walk(self, layer: Layer, path: str) -> Iterator[tuple[str, Probe]]:
        after = ""
        while True:
            page = self.storage.ask(layer, partial(layer.adapter.list_page, path, after, LIST_PAGE))
            for key in page.keys:
                name = posixpath.join(path, key.rstrip("/")) if path else key.rstrip("/")
                if key.endswith("/"):
                    yield from self._walk(layer, name)
                else:
                    probe = page.probes.get(key)
                    yield name, probe if probe is not None and probe.size is not None else Probe(exists=True)
            if not page.more or not page.keys:
                return
            after = page.keys[-1]

    def _holds(self, layer: Layer, name: str) -> bool:
        return self.storage.ask(layer, partial(layer.adapter.probe, name)).exists

    def named(self, names: Iterable[str]) -> Iterator[Candidate | str]:
        """Yield a candidate for each of ``names`` (a model's files), or the name itself when no source holds it.

        A name already pulled is yielded without asking the sources, unless ``refresh``; the others
        are asked about in batches (a listing per directory where that is cheaper than probing).
        """
        batch: list[str] = []
        for name in names:
            if not self.refresh and self._pulled(name) is not None:
                yield Candidate(name, self.cache, Probe(exists=True))  # already here: nothing to ask
                continue
            batch.append(name)
            if len(batch) >= NAME_BATCH:
                yield from self._sourced(batch)
                batch = []
        yield from self._sourced(batch)

    def _sourced(self, names: list[str]) -> Iterator[Candidate | str]:
        if not names:
            return
        with self.storage.bypass_cache():
            found = self.storage.whereabouts_many(names)
        for name in names:
            source = next((copy for copy in found[name].copies if copy.layer in self.sources), None)
            yield Candidate(name, source.layer, source.probe) if source is not None else name

    # Pulling ------------------------------------------------------------------------------------

    def run(self, candidates: Iterable[Candidate | str]) -> PullSummary:
        """Pull every candidate (a bare name is one no source holds), ``jobs`` at a time; return the summary."""
        summary = PullSummary(dry_run=self.dry_run)
        started = time.monotonic()
        if not self.dry_run:
            remove_abandoned_partials(self.writer)
        pending: set[Future[None]] = set()
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="media_pull") as pool:
            for candidate in candidates:
                work = self._plan(candidate, summary)
                if work is None:
                    continue
                if self.dry_run:
                    self._count(summary, work, work.probe.size or 0)
                    continue
                if len(pending) >= self.jobs * QUEUED_PER_JOB:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()
                pending.add(pool.submit(self._pull_one, work, summary))
            for future in pending:
                future.result()
        summary.seconds = time.monotonic() - started
        return summary

    def _plan(self, candidate: Candidate | str, summary: PullSummary) -> Candidate | None:
        """Return the candidate if it must be fetched; count it otherwise."""
        if isinstance(candidate, str):
            self._add(summary, "missing")
            self.log(f"No layer below {self.cache.name!r} holds {candidate!r}.")
            return None
        name = candidate.name
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in self.exclude):
            self._add(summary, "excluded")
            return None
        if candidate.source is self.cache:
            self._add(summary, "up_to_date")
            return None
        size = candidate.probe.size
        if self.max_size is not None and size is not None and size > self.max_size:
            self._add(summary, "too_large")
            self.log(f"Skipping {name!r}: {size:,} bytes is more than --max-size.")
            return None
        record = self._pulled(name)
        if (
            record is not None
            and record.layer == candidate.source.name
            and (not self.refresh or record.matches(candidate.probe))
        ):
            self._add(summary, "up_to_date")
            return None
        return candidate

    def _add(self, summary: PullSummary, counter: str) -> None:
        # The transfers update the summary from their threads too.
        with self._lock:
            setattr(summary, counter, getattr(summary, counter) + 1)

    def _pulled(self, name: str) -> PullRecord | None:
        """The record of the cache layer's copy of ``name``, when both the copy and its record are there."""
        if not self.writer.exists(name):  # a stat: cheaper than failing to open the record
            return None
        return read_record_from(self.writer, name)

    def _count(self, summary: PullSummary, work: Candidate, size: int) -> None:
        with self._lock:
            summary.pulled += 1
            summary.pulled_bytes += size
            if self.progress is not None:
                self.progress(summary)
        self.log(f"{'Would pull' if self.dry_run else 'Pulled'} {work.name!r} from {work.source.name!r}.")

    def _pull_one(self, work: Candidate, summary: PullSummary) -> None:
        try:
            size = self.pull(work)
        except Exception as exc:  # noqa: BLE001 - one failed file is reported; the others go on.
            if is_missing(exc):  # gone since the listing
                self._add(summary, "missing")
                return
            error = describe_error(exc, [layer.storage for layer in self.storage.layers])
            with self._lock:
                summary.failed.append((work.name, error))
            self.log(f"Could not pull {work.name!r}: {error}")
            return
        self._count(summary, work, size)

    def pull(self, work: Candidate) -> int:
        """Copy one name from its source into the cache layer, then write its record; return the bytes copied."""
        name = validate_name(work.name)
        source = work.source
        chunks = self.storage.ask(source, partial(source.adapter.open_range, name))
        try:
            return store_copy(self.writer, name, chunks, source.name, work.probe)
        finally:
            chunks.close()

    # Emptying the cache layer -------------------------------------------------------------------

    def purge(self, prefixes: Iterable[str] = ("",), *, dry_run: bool = False) -> tuple[int, int]:
        """Delete the pulled copies under ``prefixes``, with their records; return ``(files, bytes)``.

        Only the cache layer is touched: the write layer and the layers it caches never are. Emptying
        all of it also removes records without a copy and what interrupted pulls left.
        """
        files = total = 0
        prefixes = [validate_directory(prefix).strip("/") for prefix in prefixes]
        for prefix in prefixes:
            for name in walk_files(self.writer, prefix, skip=PULLED_DIR):
                try:
                    size = self.writer.size(name)
                except Exception as exc:
                    if is_missing(exc):
                        continue
                    raise
                files += 1
                total += size
                if not dry_run:
                    self.writer.delete(name)
                    delete_record(self.writer, name)
                self.log(f"{'Pretending to delete' if dry_run else 'Deleting'} {name!r}")
        if not dry_run and "" in prefixes:
            for leftover in list(walk_files(self.writer, PULLED_DIR)):
                self.writer.delete(leftover)
        return files, total


@dataclass(frozen=True)
class PulledCount:
    """How many pulled copies the cache layers hold (counted up to a limit), for the admin's offline banner."""

    files: int
    complete: bool
    layers: str

    @property
    def label(self) -> str:
        return f"{self.files:,}" if self.complete else f"{self.files:,}+"


def count_pulled(storage: HybridStorage, limit: int = 100_000) -> PulledCount | None:
    """Count the pulled copies of the hybrid's cache layers (a local walk), up to ``limit``; ``None`` without one."""
    caches = [layer for layer in storage.layers if layer.cache]
    if not caches:
        return None
    files = 0
    for layer in caches:
        for _name in walk_files(layer.storage, "", skip=PULLED_DIR):
            files += 1
            if files >= limit:
                return PulledCount(files, False, ", ".join(layer.name for layer in caches))
    return PulledCount(files, True, ", ".join(layer.name for layer in caches))


__all__ = [
    "PARTIAL_DIR",
    "Candidate",
    "NoCacheLayer",
    "PullSummary",
    "PulledCount",
    "Puller",
    "cache_layer_of",
    "count_pulled",
]
