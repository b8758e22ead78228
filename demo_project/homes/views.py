"""The public page: every home with its photo and the layer that serves it."""

from __future__ import annotations

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


def serving_layer(storage: HybridStorage, name: str) -> tuple[str, str | None, bool]:
    """Return ``(url, layer name, shadows a lower copy)`` for ``name``, as ``storage.url()`` decides.

    ``url_with_layer()`` sends no request to the bottom layer: a page of N production photos must
    not cost N HEAD requests. Only a top-layer file is checked against the lower layers.
    """
    url, layer = storage.url_with_layer(name)
    if layer is storage.top:
        if not storage.top.storage.exists(name):
            return url, None, False  # whited out, or in no layer at all
        try:
            shadows = storage.is_shadowed(name)
        except OSError:  # a lower layer that cannot tell (unreachable, or 403 for the name): no warning
            shadows = False
        return url, layer.name, shadows
    return url, layer.name, False


class HomeListView(ListView):  # type: ignore[type-arg]
    model = Home
    template_name = "homes/home_list.html"
    context_object_name = "homes"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # default_storage is a lazy proxy; isinstance() sees the configured class through it.
        storage = cast(models.FileField, Home._meta.get_field("photo")).storage
        hybrid = storage if isinstance(storage, HybridStorage) else None
        listings = []
        for home in context["homes"]:
            url, layer, shadows = serving_layer(hybrid, home.photo.name) if hybrid else (home.photo.url, None, False)
            listings.append(Listing(home=home, url=url, layer=layer, shadows=shadows))
        context["listings"] = listings
        context["layers"] = [layer.name for layer in hybrid.layers] if hybrid else []
        return context
