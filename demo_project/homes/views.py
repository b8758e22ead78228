"""The public page: every home with its photo and the layer that serves it."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from typing import Any, cast

from django.db import models
from django.views.generic import ListView

from demo_project.homes.models import Home
from hybridmedia.storage import HybridStorage


@dataclass(frozen=True)
class Listing:
    home: Home
    url: str
    layer: str | None
    shadows: bool


def serving_layer(
    storage: HybridStorage, name: str, whiteouts: Container[str] = ()
) -> tuple[str | None, bool]:
    """Return ``(layer name, shadows a lower copy)`` for ``name``, deciding as ``storage.url()`` does.

    Like ``url()``, this sends no request to the bottom layer: a page of N production photos must
    not cost N HEAD requests. Only a top-layer file is checked against the lower layers.
    """
    top, *lower = storage.layers
    if top.storage.exists(name):
        return top.name, storage.is_shadowed(name)
    if not lower or name in whiteouts:
        return None, False
    for layer in lower[:-1]:
        if layer.storage.exists(name):
            return layer.name, False
    return lower[-1].name, False


class HomeListView(ListView):  # type: ignore[type-arg]
    model = Home
    template_name = "homes/home_list.html"
    context_object_name = "homes"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # default_storage is a lazy proxy; isinstance() sees the configured class through it.
        storage = cast(models.FileField, Home._meta.get_field("photo")).storage
        hybrid = storage if isinstance(storage, HybridStorage) else None
        whiteouts = set(hybrid.whiteouts()) if hybrid else set()  # One walk per page, not per photo.
        listings = []
        for home in context["homes"]:
            layer, shadows = serving_layer(hybrid, home.photo.name, whiteouts) if hybrid else (None, False)
            listings.append(Listing(home=home, url=home.photo.url, layer=layer, shadows=shadows))
        context["listings"] = listings
        context["layers"] = [layer.name for layer in hybrid.layers] if hybrid else []
        return context
