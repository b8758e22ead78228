"""Layers: parsing the ``layers`` option and building one (guarded) storage per layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.utils.module_loading import import_string

from hybridmedia.exceptions import Check, configuration_error
from hybridmedia.redaction import has_userinfo, redact_config, redact_text
from hybridmedia.storage.backends import StorageAdapter, adapter_for
from hybridmedia.storage.backends.filesystem import contained_class, is_filesystem
from hybridmedia.storage.backends.s3 import apply_default_timeouts
from hybridmedia.storage.readonly import guard
from hybridmedia.storage.stores import unsafe_layer_problems

HYBRID_BACKEND = "hybridmedia.storage.HybridStorage"
LAYER_KEYS = frozenset({"name", "storage"})


@dataclass(frozen=True)
class Layer:
    """One storage in a hybrid's stack; only the top layer is ``writable``.

    ``adapter`` asks the storage's kind of store what the Storage API cannot (see ``backends``).
    """

    name: str
    storage: Storage
    writable: bool
    adapter: StorageAdapter = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", adapter_for(self.storage))

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class LayerSpec:
    """A layer as configured, before its storage is built: an alias or an inline config."""

    name: str
    alias: str | None
    config: Mapping[str, Any] | None

    def describe(self) -> str:
        return f"STORAGES[{self.alias!r}]" if self.alias else f"the inline storage of layer {self.name!r}"


def parse_layer_specs(layers: Any) -> tuple[LayerSpec, ...]:
    """Validate the ``layers`` option's shape (no settings needed) and return one spec per layer."""
    if not layers or isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise configuration_error(
            Check.NO_LAYERS,
            f"HybridStorage needs a non-empty list of layers, got {redact_config(layers)!r}.",
            'Set OPTIONS["layers"] to a list of STORAGES aliases, top (writable) layer first, '
            'e.g. ["local", "production"].',
        )
    specs = []
    for position, item in enumerate(layers):
        if isinstance(item, str):
            specs.append(LayerSpec(name=item, alias=item, config=None))
            continue
        if not isinstance(item, Mapping) or "storage" not in item or set(item) - LAYER_KEYS:
            raise configuration_error(
                Check.BAD_LAYER,
                f"Layer {position} of HybridStorage is {redact_config(item)!r}, which is neither a STORAGES alias "
                f'nor a dict with the keys "storage" and optionally "name".',
                'Write each layer as an alias string, or as {"name": "...", "storage": <alias or '
                '{"BACKEND": ..., "OPTIONS": {...}}>}.',
            )
        storage = item["storage"]
        if isinstance(storage, str):
            specs.append(LayerSpec(name=item.get("name", storage), alias=storage, config=None))
        elif isinstance(storage, Mapping) and "BACKEND" in storage and "name" in item:
            if set(storage) - {"BACKEND", "OPTIONS"}:
                raise configuration_error(
                    Check.BAD_LAYER,
                    f"The inline storage of layer {item['name']!r} has unknown keys "
                    f"{sorted(set(storage) - {'BACKEND', 'OPTIONS'})}.",
                    'An inline storage takes only "BACKEND" and "OPTIONS", like an entry of STORAGES.',
                )
            specs.append(LayerSpec(name=item["name"], alias=None, config=storage))
        else:
            raise configuration_error(
                Check.BAD_LAYER,
                f"Layer {position} of HybridStorage has an invalid storage {redact_config(storage)!r}.",
                'Give "storage" as a STORAGES alias, or as {"BACKEND": ..., "OPTIONS": {...}} '
                'together with a "name" for the layer.',
            )
        if not isinstance(specs[-1].name, str) or not specs[-1].name:
            raise configuration_error(
                Check.BAD_LAYER,
                f"Layer {position} of HybridStorage has an invalid name {redact_config(specs[-1].name)!r}.",
                "Layer names must be non-empty strings.",
            )
    _check_unique([spec.name for spec in specs], "name")
    _check_unique([spec.alias for spec in specs if spec.alias], "STORAGES alias")
    return tuple(specs)


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise configuration_error(
                Check.DUPLICATE_LAYER,
                f"HybridStorage lists the layer {what} {value!r} more than once.",
                f'Every layer must have a different {what}; remove the duplicate or give the layers distinct "name"s.',
            )
        seen.add(value)


def storage_config(spec: LayerSpec) -> Mapping[str, Any]:
    """Return the ``{"BACKEND": ..., "OPTIONS": ...}`` config a spec refers to."""
    if spec.config is not None:
        return spec.config
    configured = getattr(settings, "STORAGES", {})
    if spec.alias not in configured:
        raise configuration_error(
            Check.UNKNOWN_ALIAS,
            f"HybridStorage layer {spec.name!r} refers to STORAGES[{spec.alias!r}], which does not exist.",
            f"Add {spec.alias!r} to settings.STORAGES or fix the alias; the aliases are {sorted(configured)}.",
        )
    return configured[spec.alias]  # type: ignore[no-any-return]


def storage_class(spec: LayerSpec) -> type[Storage]:
    """Import the backend class of a spec, refusing hybrids (a hybrid cannot be a layer)."""
    backend = storage_config(spec).get("BACKEND")
    try:
        cls = import_string(str(backend))
    except ImportError as exc:
        raise configuration_error(
            Check.BAD_BACKEND,
            f"The backend {redact_config(backend)!r} of {spec.describe()} cannot be imported: {redact_text(str(exc))}.",
            "Fix the dotted path or install the package that provides it.",
        ) from exc
    if isinstance(cls, type) and getattr(cls, "hybridmedia_layered", False):
        raise configuration_error(
            Check.HYBRID_AS_LAYER,
            f"Layer {spec.name!r} ({spec.describe()}) is itself a HybridStorage.",
            "A HybridStorage cannot list itself or another hybrid as a layer; list the plain "
            "storages (e.g. a FileSystemStorage and an S3Storage) instead.",
        )
    if not (isinstance(cls, type) and issubclass(cls, Storage)):
        raise configuration_error(
            Check.BAD_BACKEND,
            f"The backend {redact_config(backend)!r} of {spec.describe()} is not a Django Storage class.",
            "Point BACKEND at a subclass of django.core.files.storage.Storage.",
        )
    return cls


def build_layers(specs: Sequence[LayerSpec], *, lower_paths: bool = False) -> tuple[Layer, ...]:
    """Instantiate every layer's storage, guarded; refuse a write layer that overlaps a lower one.

    The top layer never writes through a link out of its directory (filesystem); every other layer
    is wrapped read-only, and so is everything it hands out. ``lower_paths`` lets lower layers
    answer ``path()`` (dangerous: see ``HybridStorage``).
    """
    layers = []
    for position, spec in enumerate(specs):
        cls = storage_class(spec)
        options = dict(storage_config(spec).get("OPTIONS", {}))
        for key, value in options.items():
            if has_userinfo(value):
                # Backends quote such a URL whole in their own errors (botocore does): refuse it here.
                raise configuration_error(
                    Check.CREDENTIALS_IN_OPTION,
                    f"The option {key!r} of {spec.describe()} is a URL with credentials in it (user:password@).",
                    "Remove them from the URL and give them through the backend's own credential options, "
                    "read from the environment.",
                )
        if position == 0:
            storage = (contained_class(cls) if is_filesystem(cls) else cls)(**options)
        else:
            storage = guard(cls, options, spec.name, allow_paths=lower_paths)
            apply_default_timeouts(storage, options)
        layers.append(Layer(name=spec.name, storage=storage, writable=position == 0))
    problems = unsafe_layer_problems(layers)
    if problems:
        raise configuration_error(
            Check.UNSAFE_LAYERS,
            " ".join(problems),
            "hybridmedia refuses a layer set whose write layer could modify a lower layer or the project.",
        )
    return tuple(layers)
