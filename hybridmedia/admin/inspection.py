"""Everything the detail page says about one name: each layer's copy, the whiteout, and shadowing."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import IO

from django.conf import settings
from django.utils import timezone

from hybridmedia.admin.listing import LayerError, Stat, ask, stat_file
from hybridmedia.redaction import describe_error
from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.names import validate_name, whiteout_marker
from hybridmedia.storage.probe import probe

#: Copies larger than this are not read in full just to tell whether they differ.
COMPARE_MAX_BYTES = 32 * 1024 * 1024
CHUNK_SIZE = 256 * 1024


@dataclass
class LayerCopy:
    """One layer's view of a name: whether it holds a copy, and its size, time and URL."""

    layer: Layer
    present: bool = False
    stat: Stat = field(default_factory=Stat)
    url: str | None = None
    error: str | None = None


@dataclass
class FileReport:
    """Where a name lives in a hybrid and what hides what."""

    name: str
    copies: list[LayerCopy]
    whited_out: bool
    errors: list[LayerError]
    contents_differ: bool | None = None

    @property
    def present(self) -> list[LayerCopy]:
        return [copy for copy in self.copies if copy.present]

    @property
    def top_copy(self) -> LayerCopy | None:
        top = self.copies[0]
        return top if top.present and top.layer.writable else None

    @property
    def serving(self) -> LayerCopy | None:
        """The copy the site serves; ``None`` when a whiteout hides every copy or none exists."""
        if self.top_copy is not None:
            return self.top_copy
        if self.whited_out:
            return None
        return self.present[0] if self.present else None

    @property
    def hidden_copy(self) -> LayerCopy | None:
        """The lower copy that shows again once the top layer's copy is deleted."""
        if self.top_copy is None:
            return None
        lower = [copy for copy in self.present if not copy.layer.writable]
        return lower[0] if lower else None

    @property
    def shadowed(self) -> bool:
        return self.hidden_copy is not None

    @property
    def known(self) -> bool:
        """Whether there is anything to show: a copy, a whiteout, or a layer that could not answer."""
        return bool(self.present or self.whited_out or self.errors)


def inspect_file(storage: HybridStorage, name: str, compare_max_bytes: int = COMPARE_MAX_BYTES) -> FileReport:
    """Ask every layer about ``name``; layer failures are recorded, never raised."""
    validate_name(name)
    secrets = [layer.storage for layer in storage.layers]
    copies: list[LayerCopy] = []
    errors: list[LayerError] = []
    for layer in storage.layers:
        copy = LayerCopy(layer)
        copies.append(copy)
        try:
            ask(storage, layer, partial(_fill_copy, copy, name))
        except Exception as exc:  # noqa: BLE001 - an unreachable layer becomes a banner, not a 500.
            copy.error = describe_error(exc, secrets)
            errors.append(LayerError(layer, copy.error))
    whited_out = False
    if storage.lower_layers and not copies[0].present:
        try:
            whited_out = storage.top.storage.exists(whiteout_marker(name))
        except Exception as exc:  # noqa: BLE001
            errors.append(LayerError(storage.top, describe_error(exc, secrets)))
    report = FileReport(name, copies, whited_out, errors)
    if report.shadowed:
        try:
            hidden_layer = report.hidden_copy.layer  # type: ignore[union-attr]
            report.contents_differ = ask(storage, hidden_layer, lambda: contents_differ(report, compare_max_bytes))
        except Exception as exc:  # noqa: BLE001 - "could not compare" is an answer too.
            errors.append(LayerError(report.hidden_copy.layer, describe_error(exc, secrets)))  # type: ignore[union-attr]
    return report


def _fill_copy(copy: LayerCopy, name: str) -> None:
    # One probe answers existence, size and time at once where the layer allows it (an S3 HEAD).
    answer = probe(copy.layer.storage, name)
    copy.present = answer.exists
    if not copy.present:
        return
    if answer.size is not None and answer.modified is not None:
        modified = answer.modified
        if not settings.USE_TZ and timezone.is_aware(modified):
            modified = timezone.make_naive(modified)
        copy.stat = Stat(answer.size, modified)
    else:
        copy.stat = stat_file(copy.layer, name)
    copy.url = _url(copy.layer, name)


def _url(layer: Layer, name: str) -> str | None:
    try:
        return layer.storage.url(name)
    except NotImplementedError:
        return None


def contents_differ(report: FileReport, max_bytes: int) -> bool | None:
    """Compare the top copy with the copy it hides; ``None`` when they are too large to read."""
    top, hidden = report.top_copy, report.hidden_copy
    assert top is not None and hidden is not None
    if top.stat.size is not None and hidden.stat.size is not None:
        if top.stat.size != hidden.stat.size:
            return True
        if top.stat.size > max_bytes:
            return None
    with top.layer.storage.open(report.name, "rb") as mine, hidden.layer.storage.open(report.name, "rb") as theirs:
        read = 0
        while True:
            a, b = _read_chunk(mine), _read_chunk(theirs)
            if a != b:
                return True
            if not a:
                return False
            read += len(a)
            if read > max_bytes:
                return None


def _read_chunk(file: IO[bytes]) -> bytes:
    # A stream may return short reads; fill the chunk so both sides are compared at equal offsets.
    chunk = b""
    while len(chunk) < CHUNK_SIZE:
        more = file.read(CHUNK_SIZE - len(chunk))
        if not more:
            break
        chunk += more
    return chunk
