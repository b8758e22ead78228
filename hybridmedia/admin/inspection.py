"""What the detail page shows about one name, from the storage's model of where it lives.

The facts (copies, whiteout, serving copy, shadowing, whether contents differ) come from
``HybridStorage.whereabouts()`` and ``hybridmedia.storage.model.compare()``; this module only shapes
them per layer for the template, and turns layer failures into banners instead of errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hybridmedia.admin.listing import LayerError, Stat
from hybridmedia.redaction import describe_error
from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.model import COMPARE_MAX_BYTES, Copy, Whereabouts, compare
from hybridmedia.storage.names import validate_name

__all__ = ["COMPARE_MAX_BYTES", "FileReport", "LayerCopy", "inspect_file"]


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
    """One row per layer for the detail page, with the model's answers."""

    name: str
    copies: list[LayerCopy]
    whereabouts: Whereabouts | None
    errors: list[LayerError]
    contents_differ: bool | None = None

    def _row(self, copy: Copy | None) -> LayerCopy | None:
        return None if copy is None else next(row for row in self.copies if row.layer == copy.layer)

    @property
    def whited_out(self) -> bool:
        return self.whereabouts is not None and self.whereabouts.whited_out

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
        return self._row(self.whereabouts.serving) if self.whereabouts else None

    @property
    def hidden_copy(self) -> LayerCopy | None:
        """The copy the serving one hides, which shows again once the serving copy is gone."""
        if self.whereabouts is None or not self.whereabouts.shadowed:
            return None
        return self._row(_first_shadowed(self.whereabouts))

    @property
    def shadowed(self) -> bool:
        return self.hidden_copy is not None

    @property
    def known(self) -> bool:
        """Whether there is anything to show: a copy, a whiteout, or a layer that could not answer."""
        return bool(self.present or self.whited_out or self.errors)


def inspect_file(storage: HybridStorage, name: str, compare_max_bytes: int = COMPARE_MAX_BYTES) -> FileReport:
    """Ask the storage where ``name`` lives; layer failures are recorded, never raised."""
    name = validate_name(name)
    secrets = [layer.storage for layer in storage.layers]
    rows = [LayerCopy(layer) for layer in storage.layers]
    errors: list[LayerError] = []
    try:
        where: Whereabouts | None = storage.whereabouts(name, skip_unavailable=True)
    except Exception as exc:  # noqa: BLE001 - a failing layer becomes a banner, not a 500.
        errors.append(LayerError(storage.top, describe_error(exc, secrets)))
        return FileReport(name, rows, None, errors)
    assert where is not None
    for row in rows:
        if row.layer.name in where.unknown:
            row.error = describe_error(where.unknown[row.layer.name], secrets)
            errors.append(LayerError(row.layer, row.error))
    for copy in where.copies:
        row = next(row for row in rows if row.layer == copy.layer)
        row.present, row.stat, row.url = True, Stat.of(copy.size, copy.modified), _url(copy.layer, name)
    report = FileReport(name, rows, where, errors)
    if where.shadowed and compare_max_bytes:
        serving, hidden = where.serving, _first_shadowed(where)
        assert serving is not None
        try:
            comparison = storage.ask(hidden.layer, lambda: compare(name, serving, hidden, compare_max_bytes))
            report.contents_differ = comparison.differs
        except Exception as exc:  # noqa: BLE001 - "could not compare" is an answer too.
            errors.append(LayerError(hidden.layer, describe_error(exc, secrets)))
    return report


def _first_shadowed(where: Whereabouts) -> Copy:
    """The first copy the serving one shadows: a pulled copy in between is a cache, not the original."""
    return next(copy for copy in where.hidden if not copy.layer.cache)


def _url(layer: Layer, name: str) -> str | None:
    try:
        return layer.storage.url(name)
    except NotImplementedError:
        return None
