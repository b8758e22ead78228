"""Describe where a name lives in a hybrid: its copies, their sizes and times, shadows and whiteouts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.backends.base import as_utc
from hybridmedia.storage.model import COMPARE_MAX_BYTES, Whereabouts, compare
from hybridmedia.storage.model import Copy as ModelCopy
from hybridmedia.storage.names import PULLED_DIR
from hybridmedia.storage.walk import new_names_in_batches, walk_files

#: Version of the JSON documents the commands print; bumped only for incompatible changes.
JSON_VERSION = 1


@dataclass(frozen=True)
class CopyFacts:
    """What the commands print about one layer's copy of a name (the model's ``Copy``, plus its URL)."""

    layer: Layer
    size: int | None = None
    modified: datetime | None = None
    url: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer.name,
            "writable": self.layer.writable,
            "size": self.size,
            "modified": self.modified.isoformat() if self.modified else None,
            "url": self.url,
        }


def _printed(copy: ModelCopy, name: str, details: bool) -> CopyFacts:
    if not details:
        return CopyFacts(copy.layer)
    try:
        url: str | None = copy.layer.storage.url(name)
    except NotImplementedError:
        url = None
    return CopyFacts(copy.layer, copy.size, as_utc(copy.modified), url)


# media_origin ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameReport:
    """Where one name lives: the serving layer, every layer holding it, shadowing and whiteouts."""

    name: str
    query: str
    origin: Layer | None
    copies: list[CopyFacts]
    shadowed: bool
    whited_out: bool
    #: The layer a serving pulled copy came from (``None``: not served from a cache layer's copy).
    pulled_from: str | None = None
    #: Whether the serving pulled copy no longer matches its source (``None``: not pulled, or unknown).
    stale: bool | None = None

    @property
    def found(self) -> bool:
        return bool(self.copies)

    @property
    def pulled(self) -> bool:
        return self.origin is not None and self.origin.cache

    def as_json(self, first: bool = False) -> dict[str, Any]:
        copies = [copy for copy in self.copies if not first or copy.layer == self.origin]
        return {
            "name": self.name,
            "query": self.query,
            "found": self.found,
            "origin": self.origin.name if self.origin else None,
            "shadowed": self.shadowed,
            "whited_out": self.whited_out,
            "layers": [{**copy.as_json(), "serves": copy.layer == self.origin} for copy in copies],
            # Only for a name served from a cache layer, so other hybrids' documents do not change.
            **({"pulled_from": self.pulled_from, "stale": self.stale} if self.pulled else {}),
        }


def describe_name(storage: HybridStorage, name: str, *, query: str | None = None, details: bool = True) -> NameReport:
    """Return where ``name`` lives in ``storage`` (the storage's model); ``details`` adds sizes, times, URLs."""
    return _report(storage.whereabouts(name), name if query is None else query, details)


def describe_names(storage: HybridStorage, queries: list[tuple[str, str]], *, details: bool = True) -> list[NameReport]:
    """Describe every ``(query, name)``, asking each lower layer once per directory where that is cheaper."""
    found = storage.whereabouts_many(name for _query, name in queries)
    return [_report(found[name], query, details) for query, name in queries]


def _report(where: Whereabouts, query: str, details: bool) -> NameReport:
    return NameReport(
        name=where.name,
        query=query,
        origin=where.origin,
        copies=[_printed(copy, where.name, details) for copy in where.copies],
        shadowed=where.shadowed,
        whited_out=where.whited_out and where.serving is None and where.found,
        pulled_from=where.pulled_from,
        stale=where.stale,
    )


# media_shadows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A lower layer's copy of a shadowed name, and whether its contents differ from the top's."""

    copy: CopyFacts
    differs: bool | None
    compared_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            **self.copy.as_json(),
            "differs": self.differs,
            "compared_by": self.compared_by,
        }


@dataclass(frozen=True)
class Shadow:
    """A top-layer file that hides the copies of the same name in lower layers."""

    name: str
    top: CopyFacts
    lower: list[Comparison] = field(default_factory=list)

    @property
    def differs(self) -> bool | None:
        """``True`` if any lower copy differs, ``False`` if all are the same, else ``None``."""
        if any(item.differs for item in self.lower):
            return True
        return None if any(item.differs is None for item in self.lower) else False

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "differs": self.differs,
            "top": self.top.as_json(),
            "lower": [item.as_json() for item in self.lower],
        }


def find_shadows(
    storage: HybridStorage, prefixes: Iterable[str] = ("",), max_bytes: int = COMPARE_MAX_BYTES
) -> Iterator[Shadow]:
    """Yield every shadowed name under ``prefixes``: its serving copy, and each hidden copy compared with it."""
    seen: set[str] = set()
    for prefix in prefixes:
        names = [name for name in storage.shadowed(prefix) if name not in seen]
        seen.update(names)
        for name, where in storage.whereabouts_many(names).items():
            serving = where.serving
            if serving is None or not where.shadowed:
                continue  # changed since shadowed() looked
            lower = []
            for hidden in where.hidden:
                result = compare(name, serving, hidden, max_bytes)
                lower.append(Comparison(_printed(hidden, name, True), result.differs, result.by))
            yield Shadow(name, _printed(serving, name, True), lower)


# Stale pulled copies ------------------------------------------------------------------------

#: ``find_stale_pulled()`` asks about this many pulled names at once.
STALE_BATCH = 1000


@dataclass(frozen=True)
class StalePull:
    """A pulled copy the hybrid serves whose source no longer holds the name as it was pulled."""

    name: str
    cache: Layer
    pulled_from: str | None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "cache_layer": self.cache.name, "pulled_from": self.pulled_from}


def find_stale_pulled(storage: HybridStorage, prefixes: Iterable[str] = ("",)) -> Iterator[StalePull]:
    """Yield every served pulled copy under ``prefixes`` that no longer matches its source (the model's ``stale``)."""
    seen: set[str] = set()
    for layer in storage.layers:
        if not layer.cache:
            continue
        for prefix in prefixes:
            names = walk_files(layer.storage, prefix.strip("/"), skip=PULLED_DIR)
            for batch in new_names_in_batches(names, seen, STALE_BATCH):
                yield from _stale_among(storage, batch)


def _stale_among(storage: HybridStorage, names: list[str]) -> Iterator[StalePull]:
    for name, where in storage.whereabouts_many(names).items():
        copy = where.pulled_copy
        if copy is not None and where.stale:
            yield StalePull(name, copy.layer, where.pulled_from)
