"""Layers: parsing the ``layers`` option and building one (guarded) storage per layer."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.utils.module_loading import import_string

from hybridmedia.exceptions import Check, configuration_error
from hybridmedia.redaction import has_userinfo, redact_config, redact_text
from hybridmedia.storage.backends import StorageAdapter, adapter_for, read_only_store
from hybridmedia.storage.backends.filesystem import contained_class, is_filesystem, project_code_problem
from hybridmedia.storage.backends.s3 import apply_default_timeouts
from hybridmedia.storage.readonly import guard
from hybridmedia.storage.stores import store_of, unsafe_layer_problems

HYBRID_BACKEND = "hybridmedia.storage.HybridStorage"
LAYER_KEYS = frozenset({"name", "storage", "serve", "role", "pull_on_read"})
#: How the media view (``hybridmedia.views``) serves a layer's files: ``None`` chooses by the layer's URL.
SERVE_CHOICES = ("redirect", "proxy")
#: A layer's ``role``: ``"cache"`` holds copies pulled from the layers below it (``hybridmedia.pull``).
ROLE_CHOICES = ("cache",)


@dataclass(frozen=True)
class ReadThrough:
    """A cache layer's ``pull_on_read``: which files opened from the layers below it are copied into it."""

    max_size: int | None = None
    exclude: tuple[str, ...] = ()

    def accepts(self, name: str, size: int | None) -> bool:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in self.exclude):
            return False
        return self.max_size is None or (size is not None and size <= self.max_size)


@dataclass(frozen=True)
class Layer:
    """One storage in a hybrid's stack; only the top layer is ``writable``.

    ``adapter`` asks the storage's kind of store what the Storage API cannot (see ``backends``).
    """

    name: str
    storage: Storage
    writable: bool
    #: How the media view serves this layer's files (``"redirect"`` or ``"proxy"``); ``None``: by its URL.
    serve: str | None = None
    #: A cache layer holds copies pulled from the layers below it: read-only for the app, written by
    #: ``hybridmedia.pull`` only; its copies are never local edits nor shadows.
    cache: bool = False
    #: A cache layer's read-through: files opened from the layers below it are copied into it.
    pull_on_read: ReadThrough | None = None
    #: How the layer is configured (to build the pull machinery's unguarded storage of a cache layer).
    spec: LayerSpec | None = field(default=None, compare=False, repr=False)
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
    serve: str | None = None
    role: str | None = None
    pull_on_read: ReadThrough | None = None

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
                f'nor a dict with the keys "storage" and optionally "name", "serve", "role" and "pull_on_read".',
                'Write each layer as an alias string, or as {"name": "...", "storage": <alias or '
                '{"BACKEND": ..., "OPTIONS": {...}}>}.',
            )
        serve = _serve_option(position, item)
        role = _role_option(position, item, len(layers))
        read_through = _pull_on_read_option(position, item, role)
        storage = item["storage"]
        if isinstance(storage, str):
            specs.append(
                LayerSpec(
                    name=item.get("name", storage),
                    alias=storage,
                    config=None,
                    serve=serve,
                    role=role,
                    pull_on_read=read_through,
                )
            )
        elif isinstance(storage, Mapping) and "BACKEND" in storage and "name" in item:
            if set(storage) - {"BACKEND", "OPTIONS"}:
                raise configuration_error(
                    Check.BAD_LAYER,
                    f"The inline storage of layer {item['name']!r} has unknown keys "
                    f"{sorted(set(storage) - {'BACKEND', 'OPTIONS'})}.",
                    'An inline storage takes only "BACKEND" and "OPTIONS", like an entry of STORAGES.',
                )
            specs.append(
                LayerSpec(
                    name=item["name"],
                    alias=None,
                    config=storage,
                    serve=serve,
                    role=role,
                    pull_on_read=read_through,
                )
            )
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


def _serve_option(position: int, item: Mapping[str, Any]) -> str | None:
    serve = item.get("serve")
    if serve is not None and serve not in SERVE_CHOICES:
        raise configuration_error(
            Check.BAD_SERVE,
            f"Layer {item.get('name', position)!r} of HybridStorage has serve={redact_config(serve)!r}.",
            f'Set "serve" to {" or ".join(map(repr, SERVE_CHOICES))} (how the media view serves the '
            "layer's files), or leave it out to redirect where the layer's URLs are public and "
            "absolute and proxy otherwise.",
        )
    return serve


def _role_option(position: int, item: Mapping[str, Any], count: int) -> str | None:
    role = item.get("role")
    if role is None:
        return None
    layer = redact_config(item.get("name", position))
    if role not in ROLE_CHOICES:
        raise configuration_error(
            Check.BAD_CACHE_LAYER,
            f"Layer {layer!r} of HybridStorage has role={redact_config(role)!r}.",
            'Set "role" to "cache" (a layer of copies pulled from the layers below it), or leave it out.',
        )
    if position == 0 or position == count - 1:
        where = "the write (first) layer" if position == 0 else "the bottom layer"
        raise configuration_error(
            Check.BAD_CACHE_LAYER,
            f"The cache layer {layer!r} of HybridStorage is {where}: it caches the layers below it.",
            "Put the cache layer between the write layer and the layer(s) it caches, e.g. "
            '["local", {"name": "pulled", "storage": "pulled", "role": "cache"}, "production"].',
        )
    return str(role)


def _pull_on_read_option(position: int, item: Mapping[str, Any], role: str | None) -> ReadThrough | None:
    option = item.get("pull_on_read")
    if option is None or option is False:
        return None
    layer = redact_config(item.get("name", position))
    hint = (
        'Set "pull_on_read" on a cache layer to True, or to {"max_size": <bytes>, "exclude": ["*.mp4", ...]} '
        "to copy only some of the files opened from the layers below it."
    )
    if role != "cache":
        raise configuration_error(
            Check.BAD_CACHE_LAYER, f"Layer {layer!r} of HybridStorage has pull_on_read but no role 'cache'.", hint
        )
    if option is True:
        return ReadThrough()
    max_size = option.get("max_size") if isinstance(option, Mapping) else None
    exclude = option.get("exclude", ()) if isinstance(option, Mapping) else None
    if (
        not isinstance(option, Mapping)
        or set(option) - {"max_size", "exclude"}
        or not (max_size is None or (isinstance(max_size, int) and not isinstance(max_size, bool) and max_size >= 0))
        or isinstance(exclude, (str, bytes))
        or not isinstance(exclude, (list, tuple))
        or not all(isinstance(pattern, str) for pattern in exclude)
    ):
        raise configuration_error(
            Check.BAD_CACHE_LAYER,
            f"The cache layer {layer!r} of HybridStorage has pull_on_read={redact_config(option)!r}.",
            hint,
        )
    return ReadThrough(max_size, tuple(exclude))


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
            refused = read_only_store(cls)
            if refused is not None:
                raise configuration_error(
                    Check.READ_ONLY_WRITE_LAYER,
                    f"The write layer {spec.name!r} ({spec.describe()}) is {refused}: it can never be written.",
                    "Put a writable storage first (usually a FileSystemStorage, file:media in MEDIA_LAYERS) and "
                    "the read-only layer below it.",
                )
            storage = (contained_class(cls) if is_filesystem(cls) else cls)(**options)
        else:
            refused = read_only_store(cls) if spec.role == "cache" else None
            if refused is not None:
                raise configuration_error(
                    Check.BAD_CACHE_LAYER,
                    f"The cache layer {spec.name!r} ({spec.describe()}) is {refused}: a pull could never write it.",
                    "Give the cache layer a writable storage, usually a FileSystemStorage of its own directory.",
                )
            storage = guard(cls, options, spec.name, allow_paths=lower_paths)
            apply_default_timeouts(storage, options)
        layers.append(
            Layer(
                name=spec.name,
                storage=storage,
                writable=position == 0,
                serve=spec.serve,
                cache=spec.role == "cache",
                pull_on_read=spec.pull_on_read,
                spec=spec,
            )
        )
    problems = unsafe_layer_problems(layers)
    if problems:
        raise configuration_error(
            Check.UNSAFE_LAYERS,
            " ".join(problems),
            "hybridmedia refuses a layer set whose write layer could modify a lower layer or the project.",
        )
    problems = cache_layer_problems(layers)
    if problems:
        raise configuration_error(
            Check.BAD_CACHE_LAYER,
            " ".join(problems),
            "Give the cache layer a directory or bucket prefix of its own, outside every other layer and the project.",
        )
    return tuple(layers)


def cache_layer_problems(layers: Sequence[Layer]) -> list[str]:
    """Explain why a cache layer must not be written by a pull: it overlaps another layer, or the project."""
    problems = []
    for layer in layers:
        if not layer.cache:
            continue
        cache = store_of(layer.storage)
        if cache.kind == "filesystem":
            problem = project_code_problem(cache.identity)
            if problem:
                problems.append(
                    f"The cache layer {layer.name!r} {problem}: emptying it could delete files that are not media."
                )
        for other in (other for other in layers if other is not layer):
            if cache.overlaps(store_of(other.storage)):
                problems.append(
                    f"The cache layer {layer.name!r} ({cache.description}) and the layer {other.name!r} share files: "
                    f"a pull into {layer.name!r} (or emptying it) would change {other.name!r}."
                )
    return problems


def cache_writer(layer: Layer) -> Storage:
    """Build an unguarded storage of a cache layer's configuration, for the pull machinery only.

    The app reads the cache layer through its read-only guard like any lower layer; only
    ``hybridmedia.pull`` writes it (a filesystem one never through a link out of its directory).
    """
    if not layer.cache or layer.spec is None:
        raise ValueError(f"Layer {layer.name!r} is not a cache layer; only a cache layer is written by a pull.")
    cls = storage_class(layer.spec)
    options = dict(storage_config(layer.spec).get("OPTIONS", {}))
    return (contained_class(cls) if is_filesystem(cls) else cls)(**options)
