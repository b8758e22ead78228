"""System checks for the ``HybridStorage`` entries of ``settings.STORAGES``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from hybridmedia.exceptions import Check, LayerConfigurationError


def hybrid_aliases() -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(alias, config)`` for every ``STORAGES`` entry whose backend is a ``HybridStorage``."""
    from hybridmedia.storage import HybridStorage

    for alias, config in getattr(settings, "STORAGES", {}).items():
        try:
            backend = import_string(config.get("BACKEND", ""))
        except ImportError:
            continue  # Django's own storage handling reports unimportable backends.
        if isinstance(backend, type) and issubclass(backend, HybridStorage):
            yield alias, config


def check_hybrid_storages(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report every configuration error of each hybrid as ``hybridmedia.E0xx``.

    Building the layers runs every test the hybrid itself applies (including E011, an unsafe
    layer set), so the check and the running hybrid can never disagree.
    """
    errors: list[CheckMessage] = []
    for alias, config in hybrid_aliases():
        options = config.get("OPTIONS", {})
        layers = options.get("layers")
        if isinstance(layers, (list, tuple)) and alias in layers:
            errors.append(
                Error(
                    f"STORAGES[{alias!r}] lists itself as one of its layers.",
                    hint="A HybridStorage cannot be its own layer; list the plain storages "
                    "(e.g. a FileSystemStorage and an S3Storage) instead.",
                    obj=f"STORAGES[{alias!r}]",
                    id=Check.HYBRID_AS_LAYER,
                )
            )
            continue
        try:
            storage = import_string(config["BACKEND"])(**options)
            _ = storage.layers, storage.origin_cache
        except LayerConfigurationError as exc:
            errors.append(Error(exc.message, hint=exc.hint, obj=f"STORAGES[{alias!r}]", id=exc.check_id))
            continue
    return errors


def check_not_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn (``hybridmedia.W001``) when a hybrid is configured while ``DEBUG`` is off."""
    if settings.DEBUG:
        return []
    return [
        Warning(
            f"STORAGES[{alias!r}] is a HybridStorage while DEBUG is False.",
            hint="HybridStorage is meant for development, QA and staging environments. If this is "
            "one, silence this warning with SILENCED_SYSTEM_CHECKS = ['hybridmedia.W001'].",
            obj=f"STORAGES[{alias!r}]",
            id=Check.NOT_IN_DEBUG,
        )
        for alias, _config in hybrid_aliases()
    ]


def media_view_routes() -> list[str]:
    """Return the routes of ``ROOT_URLCONF`` that lead to the media view (``hybridmedia.views.serve_media``)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from hybridmedia.views import serve_media

    try:
        patterns = get_resolver().url_patterns
    except Exception:  # noqa: BLE001 - Django's own URL checks report a broken ROOT_URLCONF
        return []
    routes: list[str] = []
    stack: list[tuple[str, Any]] = [("", pattern) for pattern in reversed(patterns)]
    while stack:
        prefix, pattern = stack.pop()
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            stack.extend((route, child) for child in reversed(pattern.url_patterns))
        elif isinstance(pattern, URLPattern) and pattern.callback is serve_media:
            routes.append(route)
    return routes


def check_media_view_not_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn (``hybridmedia.W002``) when the media view is routed while ``DEBUG`` is off."""
    from hybridmedia.conf import app_settings

    if settings.DEBUG or app_settings.SERVE_WITHOUT_DEBUG or not getattr(settings, "ROOT_URLCONF", None):
        return []
    return [
        Warning(
            f"The media view hybridmedia.views.serve_media is routed ({route!r}) while DEBUG is False.",
            hint="Like django.views.static.serve, it is a development tool: in production, serve media from "
            "your storage's own URLs or a web server. If this is a staging environment that needs it, set "
            "HYBRIDMEDIA_SERVE_WITHOUT_DEBUG = True.",
            obj=str(settings.ROOT_URLCONF),
            id=Check.MEDIA_VIEW_NOT_IN_DEBUG,
        )
        for route in media_view_routes()
    ]
