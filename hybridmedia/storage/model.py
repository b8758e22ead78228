"""One model of where a name lives in a hybrid, which every surface asks.

The definitions, once:

- a layer **holds** a name when it physically has a copy (whiteouts do not change that);
- the **serving** copy is the top layer's if it holds the name; otherwise, unless a whiteout in the
  top layer hides the name, the first lower layer's that holds it;
- a name is **shadowed** when the serving copy hides a copy in any layer below it, whichever layer
  serves (the top layer over production, or a staging layer over production); a cache layer's
  **pulled** copy is the source layer's file: it never shadows, and a copy above it shadows only the
  copies below it that are not pulled ones (production's);
- a pulled copy is **stale** when its source layer no longer holds the name as it was pulled;
- two copies' **contents differ** when their sizes differ; otherwise when their MD5s differ, where
  both layers give one cheaply (an S3 ETag of a single-part upload, a local file's digest); otherwise
  by reading both, up to a cap. ``None`` means "could not tell" (too large, or a layer failed).

The storage API (``HybridStorage.whereabouts()``, ``whereabouts_many()``, ``is_shadowed()``), the
commands, the admin and the demo page all use these objects, so they give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING

from hybridmedia.exceptions import LayerUnavailable
from hybridmedia.storage.backends.base import CHUNK_SIZE
from hybridmedia.storage.cache import Probe
from hybridmedia.storage.pulled import PullRecord

if TYPE_CHECKING:
    from hybridmedia.storage.layers import Layer

#: Copies larger than this are not read in full just to tell whether they differ.
COMPARE_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Copy:
    """One layer's copy of a name, with what the layer told about it (``None`` where it did not)."""

    layer: Layer
    probe: Probe

    @property
    def size(self) -> int | None:
        return self.probe.size

    @property
    def modified(self) -> datetime | None:
        return self.probe.modified

    @property
    def etag(self) -> str | None:
        return self.probe.etag


@dataclass(frozen=True)
class Whereabouts:
    """Where one name lives: every copy (top first), the whiteout, the serving copy and shadowing.

    ``unknown`` maps the layers that could not be asked (unreachable) to their errors; their copies,
    if any, are not in ``copies``. ``pulled`` is the record of the topmost cache layer's copy.
    """

    name: str
    copies: tuple[Copy, ...]
    whited_out: bool
    unknown: dict[str, LayerUnavailable] = field(default_factory=dict)
    pulled: PullRecord | None = None
    #: ``False`` when only the serving copy was looked for (``whereabouts(serving_only=True)``): the
    #: copies below it are unknown, so ``hidden``, ``shadowed`` and ``stale`` cannot be told.
    complete: bool = True

    @property
    def holders(self) -> list[Layer]:
        """Every layer that holds the name, top first."""
        return [copy.layer for copy in self.copies]

    @property
    def serving(self) -> Copy | None:
        """The copy the hybrid serves; ``None`` when no layer holds the name or a whiteout hides it."""
        if self.copies and self.copies[0].layer.writable:
            return self.copies[0]
        if self.whited_out or not self.copies:
            return None
        return self.copies[0]

    @property
    def origin(self) -> Layer | None:
        serving = self.serving
        return serving.layer if serving is not None else None

    @property
    def hidden(self) -> tuple[Copy, ...]:
        """The copies the hybrid does not serve: below the serving copy, or all of them behind a whiteout."""
        self._require_complete("hidden")
        serving = self.serving
        if serving is None:
            return self.copies if self.whited_out else ()
        return self.copies[self.copies.index(serving) + 1 :]

    @property
    def shadowed(self) -> bool:
        """Whether the serving copy hides a copy in a layer below it (pulled copies neither shadow nor count)."""
        serving = self.serving
        if serving is None or serving.layer.cache:
            return False
        return any(not copy.layer.cache for copy in self.hidden)

    @property
    def pulled_copy(self) -> Copy | None:
        """The serving copy when it is a cache layer's (pulled) copy, else ``None``."""
        serving = self.serving
        return serving if serving is not None and serving.layer.cache else None

    @property
    def pulled_from(self) -> str | None:
        """The layer the serving pulled copy came from (``None``: not served from a pulled copy, or no record)."""
        return self.pulled.layer if self.pulled is not None and self.pulled_copy is not None else None

    @property
    def stale(self) -> bool | None:
        """Whether the serving pulled copy no longer matches its source; ``None``: not pulled, or source unknown.

        A copy without a record is of unknown origin, so stale.
        """
        if self.pulled_copy is None:
            return None
        self._require_complete("stale")
        if self.pulled is None:
            return True
        if self.pulled.layer in self.unknown:
            return None
        source = next((copy for copy in self.copies if copy.layer.name == self.pulled.layer), None)
        return not self.pulled.matches(source.probe if source is not None else None)

    def _require_complete(self, what: str) -> None:
        if not self.complete:
            raise ValueError(f"{what} is not known: whereabouts({self.name!r}) looked for the serving copy only.")

    @property
    def found(self) -> bool:
        return bool(self.copies)


@dataclass(frozen=True)
class Comparison:
    """Whether two copies' contents differ (``None``: could not tell) and the evidence used."""

    differs: bool | None
    by: str | None = None


def compare(name: str, upper: Copy, lower: Copy, max_bytes: int = COMPARE_MAX_BYTES) -> Comparison:
    """Compare two copies of ``name``: size, then MD5 where both give one cheaply, then the bytes up to a cap."""
    if upper.size is not None and lower.size is not None:
        if upper.size != lower.size:
            return Comparison(True, "size")
        if upper.size > max_bytes:
            return Comparison(None)
    if lower.etag or upper.etag:
        # One side's MD5 came free; the other side's is cheap when it is local (a digest of the file).
        mine, theirs = _cheap_md5(name, upper, max_bytes), _cheap_md5(name, lower, max_bytes)
        if mine and theirs:
            return Comparison(mine != theirs, "md5")
    return _compare_bytes(name, upper, lower, max_bytes)


def _cheap_md5(name: str, copy: Copy, max_bytes: int) -> str | None:
    if copy.etag or copy.layer.adapter.remote:
        return copy.etag
    return copy.layer.adapter.checksum(name, None, max_bytes)


def _compare_bytes(name: str, upper: Copy, lower: Copy, max_bytes: int) -> Comparison:
    with upper.layer.storage.open(name, "rb") as mine, lower.layer.storage.open(name, "rb") as theirs:
        read = 0
        while True:
            a, b = _read_chunk(mine), _read_chunk(theirs)
            if a != b:
                return Comparison(True, "bytes")
            if not a:
                return Comparison(False, "bytes")
            read += len(a)
            if read > max_bytes:
                return Comparison(None)


def _read_chunk(file: IO[bytes]) -> bytes:
    # A stream may return short reads; fill the chunk so both sides are compared at equal offsets.
    chunk = b""
    while len(chunk) < CHUNK_SIZE:
        more = file.read(CHUNK_SIZE - len(chunk))
        if not more:
            break
        chunk += more
    return chunk
