"""One page of a merged directory listing, paging lower S3 layers natively.

``listdir()`` must return a whole directory; a production prefix can hold millions of photos. A page
asks each layer only for its first ``limit`` entries after a marker (one ``ListObjects`` request
with ``Marker`` and ``MaxKeys`` on S3), so its cost and memory do not grow with the directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from hybridmedia.storage.names import WHITEOUT_DIR

if TYPE_CHECKING:
    from hybridmedia.storage.hybrid import HybridStorage
    from hybridmedia.storage.layers import Layer


@dataclass(frozen=True)
class Entry:
    """A name in a directory listing, and which layers list it (top first).

    ``size`` and ``modified`` are the serving (first listed) layer's, when its listing tells them
    (an S3 listing does, for files); ``None`` otherwise.
    """

    name: str
    is_dir: bool
    layers: tuple[str, ...]
    size: int | None = None
    modified: datetime | None = None

    @property
    def key(self) -> str:
        # S3's order: "a/" sorts after "a.jpg" because "/" > ".", so directories carry their slash.
        return f"{self.name}/" if self.is_dir else self.name


@dataclass(frozen=True)
class ListingPage:
    entries: list[Entry]
    #: Pass as ``after`` to get the next page; ``None`` on the last page.
    next_after: str | None


def list_page(hybrid: HybridStorage, path: str, after: str = "", limit: int = 100) -> ListingPage:
    """Return the ``limit`` entries of the merged directory ``path`` that sort after ``after``."""
    path = path.strip("/")
    hidden = hybrid.whited_out_in(path)
    holders: dict[str, list[str]] = {}
    stats: dict[str, tuple[int | None, datetime | None]] = {}
    # The last key each truncated layer listed: past the smallest, some layer's keys are unknown yet.
    # (A layer's whited-out keys are dropped below, so its page can be short of ``limit``.)
    horizons: list[str] = []
    layer: Layer
    for layer in hybrid.layers:
        if layer is hybrid.top:
            listed = layer.adapter.list_page(path, after, limit)
        else:
            listed = hybrid.ask(layer, partial(layer.adapter.list_page, path, after, limit))
        keys, layer_more, layer_stats = listed.keys, listed.more, listed.probes
        if layer_more and keys:
            horizons.append(keys[-1])
        if layer is not hybrid.top:
            keys = [key for key in keys if key.endswith("/") or key not in hidden]
        if layer is hybrid.top and path in ("", "."):
            keys = [key for key in keys if key != f"{WHITEOUT_DIR}/"]
        for key in keys:
            if key not in holders and key in layer_stats:
                probe = layer_stats[key]  # the serving layer's own figures
                stats[key] = (probe.size, probe.modified)
            holders.setdefault(key, []).append(layer.name)
    known = min(horizons) if horizons else None
    ordered = sorted(key for key in holders if known is None or key <= known)
    if len(ordered) > limit:
        ordered = ordered[:limit]
        known = ordered[-1]
    entries = [
        Entry(key.rstrip("/"), key.endswith("/"), tuple(holders[key]), *stats.get(key, (None, None))) for key in ordered
    ]
    return ListingPage(entries, known)
