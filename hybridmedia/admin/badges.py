"""Origin badges: which layer of a hybrid serves a file, as colour-coded admin HTML."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from hybridmedia.redaction import describe_error
from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.pulled import read_record

STYLESHEET = "hybridmedia/admin.css"


def as_hybrid(storage: object) -> HybridStorage | None:
    """Return ``storage`` if it is a hybrid (``default_storage``'s lazy wrapper included), else ``None``."""
    # LazyObject proxies __class__, so isinstance() sees through default_storage.
    return storage if isinstance(storage, HybridStorage) else None


def layer_role(storage: HybridStorage, layer: Layer) -> str:
    """Return ``"top"``, ``"middle"`` or ``"bottom"``: the badge colour follows the layer's place in the stack."""
    if layer.writable:
        return "top"
    if layer is storage.layers[-1]:
        return "bottom"
    return "middle"


def layer_badge(storage: HybridStorage, layer: Layer, title: str = "") -> SafeString:
    """Render the badge of one layer."""
    return format_html(
        '<span class="hm-badge hm-badge--{}" data-layer="{}" title="{}">{}</span>',
        layer_role(storage, layer),
        layer.name,
        title or _("Layer “%(layer)s”") % {"layer": layer.name},
        layer.name,
    )


def pulled_badge(storage: HybridStorage, layer: Layer, source: str | None, stale: bool | None = None) -> SafeString:
    """Render the badge of a cache layer's pulled copy: "production (pulled)", or "(pulled, stale)"."""
    source = source or _("unknown layer")
    if stale:
        label = _("%(layer)s (pulled, stale)") % {"layer": source}
        title = _("A copy pulled from “%(layer)s” into “%(cache)s”; the source has changed since.")
    else:
        label = _("%(layer)s (pulled)") % {"layer": source}
        title = _("A copy pulled from “%(layer)s” into “%(cache)s”, served without asking “%(layer)s”.")
    return format_html(
        '<span class="hm-badge hm-badge--{} hm-badge--{}" data-layer="{}" title="{}">{}</span>',
        layer_role(storage, layer),
        "stale" if stale else "pulled",
        layer.name,
        title % {"layer": source, "cache": layer.name},
        label,
    )


def serving_badge(storage: HybridStorage, layer: Layer, name: str, title: str = "") -> SafeString:
    """Render the badge of the layer serving ``name``: a pulled copy shows its source (read locally)."""
    if not layer.cache:
        return layer_badge(storage, layer, title)
    record = read_record(layer, name)
    return pulled_badge(storage, layer, record.layer if record else None, stale=None if record else True)


def status_badge(status: str, label: str, title: str = "") -> SafeString:
    """Render a badge that is not a layer: ``missing``, ``whiteout`` or ``error``."""
    return format_html('<span class="hm-badge hm-badge--{}" title="{}">{}</span>', status, title or label, label)


@dataclass(frozen=True)
class Origin:
    """Where a name of a hybrid is served from, or why that is unknown."""

    name: str
    layer: Layer | None
    error: str | None = None

    def badge(self, storage: HybridStorage) -> SafeString:
        if self.error is not None:
            return status_badge("error", _("unknown"), self.error)
        if self.layer is None:
            return status_badge("missing", _("missing"), _("No layer holds this file."))
        return serving_badge(storage, self.layer, self.name)


def find_origin(storage: HybridStorage, name: str) -> Origin:
    """Return the origin of ``name``; an unreachable layer or a bad name gives an error, never an exception."""
    try:
        layer = storage.origin(name)
        down = storage.unavailable_layers()
        if layer is None and down:
            # The hybrid treats an unreachable layer's files as missing; say "unknown" instead.
            secrets = [layer.storage for layer in storage.layers]
            return Origin(name, None, "; ".join(describe_error(error, secrets) for error in down.values()))
        return Origin(name, layer)
    except SuspiciousFileOperation as exc:
        return Origin(name, None, str(exc))
    except Exception as exc:  # noqa: BLE001 - an unreachable layer must not break an admin page.
        return Origin(name, None, describe_error(exc, [layer.storage for layer in storage.layers]))


def origin_badge_for_file(storage: object, name: str | None) -> SafeString:
    """Render the origin badge of ``name`` in ``storage``; empty when there is no file or no hybrid."""
    hybrid = as_hybrid(storage)
    if hybrid is None or not name:
        return SafeString("")
    return find_origin(hybrid, name).badge(hybrid)
