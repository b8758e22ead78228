"""``HybridStorage``: a writable top layer over read-only lower layers."""

from __future__ import annotations

import contextvars
import heapq
import logging
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import datetime
from functools import partial
from itertools import pairwise
from typing import IO, Any, TypeVar
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.encoding import filepath_to_uri
from django.utils.functional import cached_property

from hybridmedia.exceptions import Check, LayerUnavailable, ReadOnlyLayerError, configuration_error
from hybridmedia.redaction import describe_error, redact_value
from hybridmedia.storage.availability import Availability, misconfigured
from hybridmedia.storage.backends.base import CHUNK_SIZE, is_write_mode
from hybridmedia.storage.backends.filesystem import ContainedFileSystemMixin
from hybridmedia.storage.cache import (
    MISSING,
    DjangoCache,
    LocalLRUCache,
    OriginCache,
    Probe,
    bypass_cache,
    layer_key,
)
from hybridmedia.storage.layers import Layer, build_layers, cache_writer, parse_layer_specs
from hybridmedia.storage.listing import (
    DirectoryListing,
    LayerLister,
    ListingPage,
    list_directory,
    list_page,
    skip_unlisted,
)
from hybridmedia.storage.model import Copy, Whereabouts
from hybridmedia.storage.names import (
    PULLED_DIR,
    WHITEOUT_DIR,
    WHITEOUT_PREFIX,
    as_name,
    is_missing,
    validate_directory,
    validate_name,
    whited_out_name,
    whiteout_directory,
    whiteout_marker,
)
from hybridmedia.storage.pulled import read_record, store_copy
from hybridmedia.storage.walk import new_names_in_batches, walk_files

T = TypeVar("T")

#: Whether ``os.access()`` can test a path without following a final symbolic link. It calls
#: faccessat2(), which some container seccomp profiles refuse with EPERM (so every answer would be
#: False): the root directory, which always exists, must answer True, or ``lexists()`` is used.
_ACCESS_NOFOLLOW = os.access in os.supports_follow_symlinks and os.access(os.sep, os.F_OK, follow_symlinks=False)

LOWER_DELETE_CHOICES = ("whiteout", "ignore", "error")
UNAVAILABLE_CHOICES = ("error", "miss")
OPTIONS = ("layers", "lower_delete", "cache", "cache_timeout", "unavailable", "unavailable_retry", "lower_paths")
#: A directory with at least this many uncached names is listed rather than probed name by name.
BATCH_MIN_NAMES = 3
#: ``shadowed()`` asks about this many candidate names at once.
SHADOW_BATCH = 1000
#: URLs memoised per deterministic layer: a dict lookup instead of building the URL (docs/benchmarks.md).
URL_MEMO_ENTRIES = 10_000

logger = logging.getLogger("hybridmedia")
_KNOWN_MISSING = object()
# The name a save() asked for, so an unreachable lower layer can keep only that name "taken".
_requested_name: contextvars.ContextVar[str | None] = contextvars.ContextVar("hybridmedia_requested", default=None)


@deconstructible(path="hybridmedia.storage.HybridStorage")
class HybridStorage(Storage):
    """Serve each name from the topmost layer that holds it; write only to the top layer."""

    #: Marks a storage made of layers, which cannot itself be a layer.
    hybridmedia_layered = True

    def __init__(
        self,
        layers: Sequence[str | dict[str, Any]] | None = None,
        lower_delete: str = "whiteout",
        cache: str | None = None,
        cache_timeout: float | None = 300,
        unavailable: str = "error",
        unavailable_retry: float = 30,
        lower_paths: bool = False,
        **unknown_options: Any,
    ) -> None:
        if unknown_options:
            raise configuration_error(
                Check.UNKNOWN_OPTION,
                f"HybridStorage got unknown option(s) {sorted(unknown_options)}.",
                f"Remove them from OPTIONS; HybridStorage accepts {', '.join(map(repr, OPTIONS))}.",
            )
        if lower_delete not in LOWER_DELETE_CHOICES:
            raise configuration_error(
                Check.BAD_LOWER_DELETE,
                f"HybridStorage got lower_delete={redact_value('lower_delete', lower_delete)}.",
                f'Set OPTIONS["lower_delete"] to one of {", ".join(map(repr, LOWER_DELETE_CHOICES))}.',
            )
        if cache is not None and not isinstance(cache, str):
            raise configuration_error(
                Check.BAD_CACHE,
                f"HybridStorage got cache={redact_value('cache', cache)}.",
                'Set OPTIONS["cache"] to the alias of an entry of CACHES, or leave it out for an in-process cache.',
            )
        if cache_timeout is not None and (
            isinstance(cache_timeout, bool) or not isinstance(cache_timeout, (int, float)) or cache_timeout < 0
        ):
            raise configuration_error(
                Check.BAD_CACHE,
                f"HybridStorage got cache_timeout={redact_value('cache_timeout', cache_timeout)}.",
                'Set OPTIONS["cache_timeout"] to a number of seconds (0 turns the cache off, None '
                "keeps answers until the process ends).",
            )
        if unavailable not in UNAVAILABLE_CHOICES:
            raise configuration_error(
                Check.BAD_UNAVAILABLE,
                f"HybridStorage got unavailable={redact_value('unavailable', unavailable)}.",
                'Set OPTIONS["unavailable"] to "error" (raise LayerUnavailable) or "miss" (treat the '
                "files of an unreachable layer as missing).",
            )
        if (
            isinstance(unavailable_retry, bool)
            or not isinstance(unavailable_retry, (int, float))
            or unavailable_retry < 0
        ):
            raise configuration_error(
                Check.BAD_UNAVAILABLE,
                f"HybridStorage got unavailable_retry={redact_value('unavailable_retry', unavailable_retry)}.",
                'Set OPTIONS["unavailable_retry"] to the number of seconds an unreachable layer is '
                "left alone before it is asked again.",
            )
        if not isinstance(lower_paths, bool):
            raise configuration_error(
                Check.BAD_LOWER_PATHS,
                f"HybridStorage got lower_paths={redact_value('lower_paths', lower_paths)}.",
                'Set OPTIONS["lower_paths"] to True or False (the default).',
            )
        self._layer_specs = parse_layer_specs(layers)
        #: Whether ``path()`` gives lower layers' real paths: anything written there changes that layer.
        self.lower_paths = lower_paths
        self.lower_delete = lower_delete
        self.cache_alias = cache
        self.cache_timeout = cache_timeout
        self.unavailable = unavailable
        self.availability = Availability(unavailable_retry)
        #: The lower layers that proved usable (see ``_verify()``).
        self._verified: set[str] = set()
        # Inline OPTIONS are environment-specific and may hold credentials: keep them out of
        # deconstruct(), so a FileField(storage=HybridStorage(...)) migration is stable and secret-free.
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        kwargs = dict(kwargs)
        if "layers" in kwargs:
            kwargs = {**kwargs, "layers": [_without_options(item) for item in kwargs["layers"]]}
        self._constructor_args = (args, kwargs)
        setting_changed.connect(self._settings_changed)

    def _settings_changed(self, *, setting: str, **kwargs: Any) -> None:
        if setting in ("STORAGES", "CACHES", "MEDIA_URL", "MEDIA_ROOT"):
            for attribute in (
                "layers",
                "origin_cache",
                "_layer_keys",
                "_url_memos",
                "_top_root",
                "_url_candidates",
                "_top_state_key",
                "_read_through",
                "_cache_writer",
            ):
                self.__dict__.pop(attribute, None)

    # Layers ---------------------------------------------------------------------------------

    @cached_property
    def layers(self) -> tuple[Layer, ...]:
        """The layers, top (writable) first; built on first use."""
        return build_layers(self._layer_specs, lower_paths=self.lower_paths)

    @property
    def top(self) -> Layer:
        return self.layers[0]

    @property
    def lower_layers(self) -> tuple[Layer, ...]:
        return self.layers[1:]

    @cached_property
    def _url_candidates(self) -> tuple[tuple[Layer, ...], Layer | None]:
        """The middle layers and the bottom one, which ``url_layer()`` presumes without asking."""
        lower = self.layers[1:]
        return (lower[:-1], lower[-1]) if lower else ((), None)

    def layer(self, name: str) -> Layer:
        """Return the layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"No layer {name!r}; the layers are {[layer.name for layer in self.layers]}.")

    # The origin cache -----------------------------------------------------------------------

    @cached_property
    def origin_cache(self) -> OriginCache:
        """What the lower layers said about each name, for at most ``cache_timeout`` seconds."""
        if self.cache_alias is None:
            return OriginCache(LocalLRUCache(), self.cache_timeout)
        if self.cache_alias not in settings.CACHES:
            raise configuration_error(
                Check.BAD_CACHE,
                f"HybridStorage's cache {self.cache_alias!r} is not in settings.CACHES.",
                f'Set OPTIONS["cache"] to one of {sorted(settings.CACHES)}, or leave it out for an in-process cache.',
            )
        return OriginCache(DjangoCache(self.cache_alias), self.cache_timeout)

    def bypass_cache(self) -> AbstractContextManager[None]:
        """Ask the layers themselves inside this ``with`` block (the admin and commands offer it)."""
        return bypass_cache()

    @cached_property
    def _layer_keys(self) -> dict[str, str]:
        return {layer.name: layer_key(layer.name, layer.storage) for layer in self.lower_layers}

    def unavailable_layers(self) -> dict[str, LayerUnavailable]:
        """The lower layers that failed recently and are not asked again yet, with their errors."""
        return self.availability.unavailable()

    def ask(self, layer: Layer, call: Callable[[], T]) -> T:
        """Run a request to a lower layer, turning "cannot reach it" into ``LayerUnavailable``."""
        return self.availability.ask(layer.name, layer.storage, call)

    def _probe(self, layer: Layer, name: str, *, fresh: bool = False) -> Probe:
        """What a lower ``layer`` holds under ``name``: cached, or one request to it."""
        if layer.cache and not layer.adapter.remote:
            # A local cache layer is asked every time (a stat): a pull by another process shows at once.
            return layer.adapter.probe(name)
        key = self._layer_keys[layer.name]
        cached = None if fresh else self.origin_cache.get(key, name)
        if cached is None:
            cached = self.ask(layer, lambda: layer.adapter.probe(name))
            if not cached.exists:
                self._verify(layer)
            self.origin_cache.set(key, name, cached)
        return cached

    def _verify(self, layer: Layer) -> None:
        """The first time ``layer`` says "missing", make sure it is not a bucket that is missing.

        S3 answers a HEAD for a key of a bucket that does not exist (or cannot be listed) as it
        answers one for a missing key: without this, a misspelt bucket would be an empty layer.
        One request per layer and process; a failure raises ``LayerMisconfigured``, remembered
        like an outage.
        """
        if layer.name not in self._verified:
            self.ask(layer, layer.adapter.verify)
            self._verified.add(layer.name)

    def remember(self, layer: Layer, name: str, answer: Probe) -> None:
        """Keep what a lower ``layer`` just said about ``name`` (an opened file's headers) in the origin cache.

        The write layer's answers are not kept here: its writes keep its own state (``_top_changed()``).
        """
        if layer.name not in self._layer_keys or (layer.cache and not layer.adapter.remote):
            return  # the write layer, or a local cache layer: never cached (see ``_probe()``)
        self.origin_cache.set(self._layer_keys[layer.name], name, answer)

    def _lower_holder(self, name: str, *, fresh: bool = False) -> tuple[Layer, Probe] | None:
        """The first lower layer holding ``name``; ``fresh`` asks the layers and never misses an outage."""
        for layer in self.lower_layers:
            try:
                answer = self._probe(layer, name, fresh=fresh)
            except LayerUnavailable:
                if fresh or self.unavailable == "error":
                    raise
                continue
            if answer.exists:
                return layer, answer
        return None

    # Whiteouts ------------------------------------------------------------------------------

    @cached_property
    def _top_root(self) -> str | None:
        """The top layer's directory and a separator when it is a plain ``FileSystemStorage``, for a direct stat."""
        cls = type(self.top.storage)
        if cls.exists is FileSystemStorage.exists and cls.path is FileSystemStorage.path:
            return os.path.join(os.path.abspath(self.top.storage.location), "")  # type: ignore[attr-defined]
        return None

    def _top_exists(self, name: str) -> bool:
        """``top.storage.exists(name)`` for a validated name, without ``safe_join()`` on a filesystem.

        This runs on every call (and twice with the whiteout check), so on the hot path of a page
        of a hundred production photos; a validated name cannot leave the directory it is joined to.
        ``os.access()`` answers a missing name without raising (and catching) an exception, which
        is cheaper than ``os.path.lexists()``; both look at a link itself, not its target.
        A remote top layer's answers are shared through the cache (see ``_top_state_key``).
        """
        root = self._top_root
        if root is None:
            key = self._top_state_key
            if key is None:
                return self.top.storage.exists(name)
            known = self.origin_cache.get(key, name)
            if known is None:
                known = Probe(exists=True) if self.top.storage.exists(name) else MISSING
                # A reader never overwrites: a writer's answer, set meanwhile, is newer than ours.
                self.origin_cache.add(key, name, known)
            return known.exists
        if _ACCESS_NOFOLLOW:
            return os.access(root + name, os.F_OK, follow_symlinks=False)
        return os.path.lexists(root + name)

    # The write layer's state, shared by a fleet -------------------------------------------------

    @cached_property
    def _top_state_key(self) -> str | None:
        """The cache key of the top layer's answers, when processes share them, else ``None``.

        A remote top layer (an S3 staging bucket) costs a request per ``exists()``; with a shared
        cache (``cache="alias"``) its answers are cached like a lower layer's, and every write
        through a hybrid sets the answers it changes, under a lock in the cache, so every process
        sees a save, delete or restore at once (docs/configuration.md, "A staging fleet").
        """
        if self.cache_alias is None or not self.top.adapter.remote or not self.origin_cache.enabled:
            return None
        from django.core.cache import caches
        from django.core.cache.backends.dummy import DummyCache
        from django.core.cache.backends.locmem import LocMemCache

        if isinstance(caches[self.cache_alias], (LocMemCache, DummyCache)):
            return None  # not shared with other processes: their answers would go stale here
        return layer_key(self.top.name, self.top.storage)

    def _top_changed(self, name: str, exists: bool) -> None:
        """Tell the processes that share the cache that the top layer now holds ``name`` (or not)."""
        key = self._top_state_key
        if key is not None:
            self.origin_cache.set(key, name, Probe(exists=True) if exists else MISSING)

    def _writing(self, name: str) -> AbstractContextManager[bool]:
        """Hold the shared lock on ``name`` while writing it; yield whether one was taken."""
        key = self._top_state_key
        return nullcontext(False) if key is None else self.origin_cache.lock(key, name)

    def delete_top_copy(self, name: str) -> bool:
        """Delete the top layer's copy of ``name`` only (no whiteout); return whether there was one."""
        name = validate_name(name)
        with self._writing(name):
            try:
                self.top.storage.delete(name)
            except Exception as exc:
                if is_missing(exc):
                    return False
                raise
            finally:
                self._top_changed(name, exists=False)
        return True

    # Whiteouts ------------------------------------------------------------------------------

    def _is_whited_out(self, name: str) -> bool:
        return bool(self.lower_layers) and self._top_exists(whiteout_marker(name))

    def _add_whiteout(self, name: str) -> None:
        marker = whiteout_marker(name)
        if not self._top_exists(marker):
            saved = self.top.storage.save(marker, ContentFile(b""))
            if saved != marker:  # Another process wrote the same whiteout meanwhile.
                self.top.storage.delete(saved)
            self._top_changed(marker, exists=True)

    def _remove_whiteout(self, name: str) -> None:
        if self._is_whited_out(name):
            marker = whiteout_marker(name)
            self.top.storage.delete(marker)
            self._top_changed(marker, exists=False)

    def whiteouts(self, prefix: str = "") -> Iterator[str]:
        """Yield every whited-out name under the directory ``prefix``."""
        prefix = validate_directory(prefix)
        for marker in walk_files(self.top.storage, whiteout_directory(prefix)):
            name = whited_out_name(posixpath.relpath(marker, WHITEOUT_DIR))
            if name is not None:
                yield name

    def restore(self, name: str) -> bool:
        """Drop the whiteout of ``name`` so the lower layers' copy shows again; return whether one existed."""
        name = validate_name(name)
        marker = whiteout_marker(name)
        with self._writing(name):
            if not self.top.storage.exists(marker):
                self._top_changed(marker, exists=False)
                return False
            self.top.storage.delete(marker)
            self._top_changed(marker, exists=False)
        return True

    # Where a name lives ---------------------------------------------------------------------

    def origin(self, name: str) -> Layer | None:
        """Return the layer that serves ``name``, or ``None`` when the hybrid does not hold it."""
        name = validate_name(name)
        if self._top_exists(name):
            return self.top
        if self._is_whited_out(name):
            return None
        holder = self._lower_holder(name)
        return holder[0] if holder else None

    def locate(self, name: str) -> list[Layer]:
        """Return every layer that physically holds ``name``, top first, whiteouts ignored."""
        return self.whereabouts(name).holders

    def whereabouts(self, name: str, *, skip_unavailable: bool = False, serving_only: bool = False) -> Whereabouts:
        """Return where ``name`` lives: every copy, the whiteout, the serving copy and shadowing.

        An unreachable lower layer raises ``LayerUnavailable`` (as reads do), unless
        ``skip_unavailable`` (or ``unavailable="miss"``): then it is listed in ``unknown``.
        ``serving_only`` stops at the serving copy, as a read does (no layer below it is asked); the
        answer then tells the serving copy, the whiteout and the outages, not shadowing or staleness.
        """
        name = validate_name(name)
        return self._whereabouts(name, lambda layer: self._probe(layer, name), skip_unavailable, serving_only)

    def whereabouts_many(self, names: Iterable[str], *, skip_unavailable: bool = False) -> dict[str, Whereabouts]:
        """Return ``whereabouts()`` of every name, asking each lower layer once per directory where cheaper.

        Names not in the origin cache are grouped by directory; a directory with at least
        ``BATCH_MIN_NAMES`` of them is listed (one request per 1,000 keys on S3) instead of probed name
        by name, and what the listing says is cached for each name. Cached answers cost nothing.
        """
        wanted = list(dict.fromkeys(validate_name(name) for name in names))
        answers: dict[str, dict[str, Probe]] = {layer.name: {} for layer in self.lower_layers}
        unknown: dict[str, LayerUnavailable] = {}
        for layer in self.lower_layers:
            try:
                self._list_for(layer, wanted, answers[layer.name])
            except LayerUnavailable as exc:
                if not (skip_unavailable or self.unavailable == "miss"):
                    raise
                unknown[layer.name] = exc

        def lower_answer(name: str, layer: Layer) -> Probe:
            if layer.name in unknown:
                raise unknown[layer.name]
            known = answers[layer.name].get(name)
            return known if known is not None else self._probe(layer, name)

        return {name: self._whereabouts(name, partial(lower_answer, name), skip_unavailable) for name in wanted}

    def _list_for(self, layer: Layer, names: list[str], answers: dict[str, Probe]) -> None:
        """Fill ``answers`` for the ``names`` the cache knows, and those of directories worth listing."""
        key = self._layer_keys[layer.name]
        by_directory: dict[str, list[str]] = {}
        for name in names:
            cached = self.origin_cache.get(key, name)
            if cached is not None:
                answers[name] = cached
            elif layer.adapter.remote:
                by_directory.setdefault(posixpath.dirname(name), []).append(name)
        for directory, group in by_directory.items():
            if len(group) < BATCH_MIN_NAMES:
                continue
            bases = [posixpath.basename(name) for name in group]
            listed = self.ask(layer, partial(layer.adapter.list_files, directory, bases))
            for name, base in zip(group, bases, strict=True):
                probe = listed.probes.get(base)
                if probe is None and listed.complete:
                    probe = MISSING
                if probe is not None:
                    answers[name] = probe
                    self.remember(layer, name, probe)

    def _whereabouts(
        self,
        name: str,
        lower_answer: Callable[[Layer], Probe],
        skip_unavailable: bool,
        serving_only: bool = False,
    ) -> Whereabouts:
        copies = []
        if self._top_exists(name):
            copies.append(Copy(self.top, self.top.adapter.stat(name)))
        unknown: dict[str, LayerUnavailable] = {}
        whited_out = self._is_whited_out(name)
        # Stopping early: the top layer's copy serves, or a whiteout hides every lower one.
        done = serving_only and (bool(copies) or whited_out)
        for layer in () if done else self.lower_layers:
            if serving_only and copies:
                break
            try:
                answer = lower_answer(layer)
            except LayerUnavailable as exc:
                if not (skip_unavailable or self.unavailable == "miss"):
                    raise
                unknown[layer.name] = exc
                continue
            if answer.exists:
                copies.append(Copy(layer, answer))
        where = Whereabouts(name, tuple(copies), whited_out, unknown, complete=not serving_only)
        pulled_copy = where.pulled_copy
        if pulled_copy is None:
            return where  # the record only tells about a pulled copy that serves: not read otherwise
        return replace(where, pulled=read_record(pulled_copy.layer, name))

    def is_shadowed(self, name: str) -> bool:
        """Return whether the copy ``name`` is served from hides a copy in a layer below it."""
        name = validate_name(name)
        if not self._top_exists(name) and (len(self.lower_layers) < 2 or self._is_whited_out(name)):
            return False  # the bottom layer serves it, or nothing does: nothing lies below
        return self.whereabouts(name).shadowed

    def shadowed(self, prefix: str = "") -> Iterator[str]:
        """Yield every shadowed name under the directory ``prefix``: its serving copy hides a lower one.

        The candidates are the files of every layer above the bottom (a middle layer can shadow the
        bottom one too), asked about in batches, a directory at a time where that is cheaper.
        """
        prefix = validate_directory(prefix)
        seen: set[str] = set()
        for layer in self.layers[:-1]:
            if skip_unlisted(layer) or layer.cache:  # unlisted; or pulled copies, which never shadow
                continue
            skip = WHITEOUT_DIR if layer.writable else None
            names = walk_files(layer.storage, prefix.strip("/"), skip=skip)
            for batch in new_names_in_batches(names, seen, SHADOW_BATCH):
                yield from self._shadowed_among(batch)

    def _shadowed_among(self, names: list[str]) -> Iterator[str]:
        for name, where in self.whereabouts_many(names).items():
            if where.shadowed:
                yield name

    def _serve(
        self,
        name: str,
        call: Callable[[Storage], T],
        from_probe: Callable[[Probe], T | None] | None = None,
    ) -> T:
        """Return ``call(storage)`` of the layer that serves ``name``.

        Lower layers are skipped when the cache knows they lack the name; ``from_probe`` answers
        from what a probe already told (an S3 HEAD carries the size and modification time).
        """
        name = validate_name(name)
        # A stat first: raising and catching the top layer's FileNotFoundError for every production
        # file costs more than the stat. NotImplementedError of a top layer that holds the name stays.
        if self._top_exists(name):
            try:
                return call(self.top.storage)
            except Exception as exc:
                if not is_missing(exc):  # it vanished since the stat: look below
                    raise
        if not self._is_whited_out(name):
            for layer in self.lower_layers:
                try:
                    answer = self._serve_from(layer, name, call, from_probe)
                except LayerUnavailable:
                    if self.unavailable == "error":
                        raise
                except Exception as exc:
                    if not is_missing(exc):
                        raise
                    self._verify(layer)
                    self.remember(layer, name, MISSING)
                else:
                    if answer is not _KNOWN_MISSING:
                        if layer.cache:
                            self._say_if_offline(layer, name)
                        return answer  # type: ignore[return-value]
        raise FileNotFoundError(
            f"{name!r} does not exist in any layer of the hybrid storage "
            f"({', '.join(layer.name for layer in self.layers)})."
        )

    def _say_if_offline(self, layer: Layer, name: str) -> None:
        """Log (once per name and outage) that a pulled copy is served while the layers below are unreachable."""
        down = [other for other in self.unavailable_layers() if other != layer.name]
        if not down:
            self._said_offline.clear()
            return
        if name not in self._said_offline:
            if len(self._said_offline) >= URL_MEMO_ENTRIES:
                self._said_offline.clear()
            self._said_offline.add(name)
            logger.warning(
                "Serving the pulled copy of %r from layer %r while %s cannot be reached: the copy may be stale.",
                name,
                layer.name,
                ", ".join(map(repr, down)),
            )

    @cached_property
    def _said_offline(self) -> set[str]:
        return set()

    def _serve_from(
        self,
        layer: Layer,
        name: str,
        call: Callable[[Storage], T],
        from_probe: Callable[[Probe], T | None] | None,
    ) -> T | object:
        key = self._layer_keys[layer.name]
        known = self.origin_cache.get(key, name) if from_probe is None else self._probe(layer, name)
        if known is not None and not known.exists:
            return _KNOWN_MISSING
        if known is not None and from_probe is not None:
            answer = from_probe(known)
            if answer is not None:
                return answer
        return self.ask(layer, lambda: call(layer.storage))

    # The Storage API ------------------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        name = validate_name(name)
        if is_write_mode(mode):
            return self._open_for_writing(name, mode)
        file: IO[Any] = self._serve(name, lambda storage: storage.open(name, mode))
        served_by = getattr(file, "layer_name", None)  # a lower layer's files are ReadOnlyFiles
        if served_by is not None and served_by in self._layer_keys:
            # S3Storage's file has loaded the object's HEAD: keep its size and time for later.
            layer = self.layer(served_by)
            probe = layer.adapter.probe_of_open_file(file)
            self.remember(layer, name, probe)
            cache = self._read_through
            if cache is not None and self.layers.index(layer) > self.layers.index(cache):
                return self._pull_through(cache, layer, name, probe, file)
        return file

    @cached_property
    def _read_through(self) -> Layer | None:
        """The first cache layer with ``pull_on_read``: what is opened from below it is copied into it."""
        return next((layer for layer in self.lower_layers if layer.cache and layer.pull_on_read), None)

    @cached_property
    def _cache_writer(self) -> Storage:
        assert self._read_through is not None
        return cache_writer(self._read_through)

    def _pull_through(self, cache: Layer, source: Layer, name: str, probe: Probe, file: IO[Any]) -> IO[Any]:
        """Copy a file just opened from ``source`` into the cache layer and serve the copy (see ``pull_on_read``).

        The bytes are read once, from the file already opened; a failed copy is logged and the
        original file served.
        """
        assert cache.pull_on_read is not None
        if not cache.pull_on_read.accepts(name, probe.size):
            return file
        try:
            file.seek(0)
            store_copy(self._cache_writer, name, iter(partial(file.read, CHUNK_SIZE), b""), source.name, probe)
        except Exception as exc:  # noqa: BLE001 - reading must not fail because the cache could not be written
            error = describe_error(exc, [cache.storage, source.storage])
            logger.warning("Could not pull %r into the cache layer %r on read: %s", name, cache.name, error)
            file.seek(0)
            return file
        file.close()
        return cache.storage.open(name, "rb")

    def _open_for_writing(self, name: str, mode: str) -> IO[Any]:
        top = self.top
        with self._writing(name):
            if not top.storage.exists(name):
                source = None if self._is_whited_out(name) else self._lower_holder(name, fresh=True)
                if "x" in mode and source is not None:
                    raise FileExistsError(f"{name!r} already exists in layer {source[0].name!r}.")
                if source is not None and "w" not in mode:
                    self._copy_up(*source, name)
                else:
                    self._create_in_top(name, ContentFile(b""))
                self._top_changed(name, exists=True)
                self._remove_whiteout(name)
        return top.storage.open(name, mode.replace("x", "w"))

    def _copy_up(self, source: Layer, probe: Probe, name: str) -> None:
        """Copy a lower layer's ``name`` into the top layer, as a union filesystem does before a write.

        Inside the store where both layers are on one S3 service (``CopyObject``); otherwise read
        through the lower layer's read-only file. The lower copy is never opened for writing.
        """
        if self.ask(source, lambda: self.top.adapter.copy_from(source.adapter, name, probe.size)):
            return
        with source.storage.open(name, "rb") as original:
            self._create_in_top(name, original)

    def _create_in_top(self, name: str, content: Any) -> None:
        """Create ``name`` in the top layer unless another writer created it meanwhile (theirs wins)."""
        try:
            with self.top.adapter.exclusive_create():
                saved = self.top.storage.save(name, content)
        except FileExistsError:
            return
        if saved != name:
            self.top.storage.delete(saved)

    #: How often ``_save()`` picks another name when other processes keep taking the one it chose.
    SAVE_ATTEMPTS = 10

    def _save(self, name: str, content: Any) -> str:
        name = validate_name(name)
        # No fallback: if the top layer fails, the error propagates and nothing else is written.
        for _attempt in range(self.SAVE_ATTEMPTS):
            with self._writing(name) as locked:
                # Under the shared lock, a name another process has just written is seen: take another.
                if not (locked and self.top.storage.exists(name)):
                    try:
                        with self.top.adapter.exclusive_create():
                            saved = self.top.storage.save(name, content)
                    except FileExistsError:  # S3's If-None-Match: * refused to replace a new key
                        pass
                    else:
                        self._top_changed(saved, exists=True)
                        self._remove_whiteout(saved)
                        return saved
                self._top_changed(name, exists=True)
            if hasattr(content, "seek"):
                content.seek(0)
            name = self.get_available_name(name)
        raise FileExistsError(
            f"Could not find a free name for {name!r} in {self.SAVE_ATTEMPTS} attempts: other processes took each one."
        )

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        token = _requested_name.set(as_name(name))
        try:
            return super().get_available_name(name, max_length)
        finally:
            _requested_name.reset(token)

    def is_name_available(self, name: str, max_length: int | None = None) -> bool:
        # Free if the top layer does not hold it and a whiteout hides the lower copies (the name was
        # deleted: a new file under it replaces the whiteout, as a library that regenerates a derived
        # file under the name it computed expects); otherwise free only if no lower layer holds it,
        # so an upload never shadows a production file. Asked fresh: a stale "missing" must not hand
        # out a taken name.
        if max_length and len(name) > max_length:
            return False
        name = validate_name(name)
        if self._top_exists(name):
            return False
        if self._is_whited_out(name):
            return True
        try:
            return self._lower_holder(name, fresh=True) is None
        except LayerUnavailable as exc:
            if name != _requested_name.get():
                # A generated alternative ends in 7 random characters: it cannot collide in practice.
                return True
            logger.warning("Saving %r under another name: %s", name, exc)
            return False

    def delete(self, name: str) -> None:
        if not name:
            raise ValueError("The name must be given to delete().")
        name = validate_name(name)
        with self._writing(name):
            self._delete(name)

    def _delete(self, name: str) -> None:
        top = self.top.storage
        had_top_copy = top.exists(name)
        if had_top_copy:
            top.delete(name)
            self._top_changed(name, exists=False)
        if self.lower_delete == "ignore" or self._is_whited_out(name):
            return
        # Asked fresh: a stale "missing" would leave the production file visible after a delete.
        try:
            holder = self._lower_holder(name, fresh=True)
        except LayerUnavailable as exc:
            if self.lower_delete == "error":
                raise
            logger.warning("Hiding %r with a whiteout in case a lower layer holds it: %s", name, exc)
            self._add_whiteout(name)
            return
        if holder is None:
            return
        if self.lower_delete == "error" and not had_top_copy:
            raise ReadOnlyLayerError(holder[0].name, "delete", name)
        if self.lower_delete == "whiteout":
            self._add_whiteout(name)

    def exists(self, name: str) -> bool:
        return self.origin(name) is not None

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        path = validate_directory(path)
        path = path.strip("/")
        directories: list[list[str]] = []
        files: list[list[str]] = []
        found = False
        hidden = self.whited_out_in(path)
        for layer in self.layers:
            if skip_unlisted(layer):  # an HTTP server cannot list: the other layers' names only
                continue
            try:
                if layer is self.top:
                    layer_dirs, layer_files = layer.storage.listdir(path)
                else:
                    layer_dirs, layer_files = self.ask(layer, partial(layer.storage.listdir, path))
            except LayerUnavailable:
                if self.unavailable == "error":
                    raise
                continue
            except Exception as exc:
                if not is_missing(exc):
                    raise
                continue
            found = True
            if hidden and layer is not self.top:
                layer_files = [name for name in layer_files if name not in hidden]
            directories.append(layer_dirs)
            files.append(layer_files)
        if not found:
            raise FileNotFoundError(f"Directory {path!r} does not exist in any layer.")
        merged_directories = _merge(directories)
        if path in ("", ".") and WHITEOUT_DIR in merged_directories:
            merged_directories.remove(WHITEOUT_DIR)
        if path in ("", ".") and PULLED_DIR in merged_directories:
            merged_directories.remove(PULLED_DIR)
        return merged_directories, _merge(files)

    def listdir_page(self, path: str, after: str = "", limit: int = 100) -> ListingPage:
        """Return one page of the merged listing of ``path``: the ``limit`` entries sorting after ``after``.

        Unlike ``listdir()``, a page costs one listing request per lower layer however large the
        directory is (S3 is paged natively), and memory proportional to ``limit``.
        """
        path = validate_directory(path)
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit!r}.")
        return list_page(self, path, after, limit)

    def listdir_entries(self, path: str, lister: LayerLister | None = None) -> DirectoryListing:
        """Return every entry of the merged directory ``path`` (whited-out ones marked), with holders and sizes.

        Unlike ``listdir()`` it tells which layers hold each name and reports the layers it could not
        read in ``unknown`` instead of raising; ``lister`` reads one layer's directory (a cache may
        stand in front of the adapters).
        """
        path = validate_directory(path)
        return list_directory(self, path, lister)

    def whited_out_in(self, path: str) -> frozenset[str]:
        """Return the whited-out names directly in the directory ``path``."""
        if not self.lower_layers:
            return frozenset()
        try:
            markers = self.top.storage.listdir(whiteout_directory(path))[1]
            return frozenset(base[len(WHITEOUT_PREFIX) :] for base in markers if base.startswith(WHITEOUT_PREFIX))
        except Exception as exc:
            if is_missing(exc):
                return frozenset()
            raise

    def size(self, name: str) -> int:
        name = validate_name(name)
        return self._serve(name, lambda storage: storage.size(name), lambda known: known.size)

    def url(self, name: str | None) -> str:
        if name is None:
            return self.top.storage.url(name)
        try:
            name = validate_name(name)
        except SuspiciousFileOperation:
            # A name no layer may hold (a control character, "../x"): no layer is asked, and the
            # top layer quotes it as FileSystemStorage.url() would; writes keep refusing it.
            return self.top.storage.url(as_name(name))
        return self._url(self.url_layer(name), name)

    def url_with_layer(self, name: str) -> tuple[str, Layer]:
        """Return ``(url(name), url_layer(name))`` from one lookup, for a page that shows both."""
        layer = self.url_layer(name)
        return self._url(layer, as_name(name)), layer

    def url_layer(self, name: str) -> Layer:
        """Return the layer whose URL ``url(name)`` gives, asking nothing of the bottom layer.

        It is ``origin(name)`` when the top or a middle layer holds the name; otherwise the bottom
        layer is presumed to (a badge for "served by production" on a page of a hundred photos
        costs no request). A whited-out name gets the top layer, whose URL answers 404.
        """
        name = validate_name(name)
        middle, bottom = self._url_candidates
        if bottom is None or self._top_exists(name) or self._top_exists(whiteout_marker(name)):
            return self.top
        for layer in middle:
            if self._probe(layer, name).exists:
                return layer
        return bottom

    @cached_property
    def _url_memos(self) -> dict[str, dict[str, str]]:
        return {layer.name: {} for layer in self.layers if layer.adapter.urls_are_deterministic()}

    def _url(self, layer: Layer, name: str) -> str:
        memo = self._url_memos.get(layer.name)
        if memo is None:
            return self._build_url(layer, name)
        url = memo.get(name)
        if url is None:
            url = self._build_url(layer, name)
            # A deterministic URL never goes stale, so a plain dict will do: no lock, no expiry, and
            # emptied when full rather than kept in LRU order (a page refills it in one render).
            if len(memo) >= URL_MEMO_ENTRIES:
                memo.clear()
            memo[name] = url
        return url

    def _build_url(self, layer: Layer, name: str) -> str:
        if layer.serve == "proxy":
            # Streamed by the media view (hybridmedia.urls, mounted at MEDIA_URL): a page links there, so
            # a browser that cannot reach the layer (a private bucket, a VPN-only host) still shows it.
            return urljoin(settings.MEDIA_URL, filepath_to_uri(name))
        try:
            return layer.storage.url(name)
        except Exception as exc:
            # Signing a URL without credentials fails: say which layer and how to fix it. (Not through
            # the outage breaker: building a URL needs no request, and works while production is down.)
            error = None if layer.writable else misconfigured(layer.name, layer.storage, exc)
            if error is None:
                raise
            raise error from exc

    def path(self, name: str) -> str:
        """Return the top layer's path for ``name``; a lower layer's file has none.

        A name served by a lower layer raises ``NotImplementedError`` saying how to get a writable
        local copy, unless ``lower_paths=True`` (then the lower layer's real path: dangerous).
        """
        name = validate_name(name)
        layer = self.origin(name) or self.top
        if layer is self.top and isinstance(layer.storage, ContainedFileSystemMixin):
            # Writing to the path must not reach through a link into another layer.
            layer.storage.hybridmedia_contain(name, "give the path of", follow_final=True)
        return layer.storage.path(name)

    def get_accessed_time(self, name: str) -> datetime:
        name = validate_name(name)
        return self._serve(name, lambda storage: storage.get_accessed_time(name))

    def get_created_time(self, name: str) -> datetime:
        name = validate_name(name)
        return self._serve(name, lambda storage: storage.get_created_time(name))

    def get_modified_time(self, name: str) -> datetime:
        name = validate_name(name)
        return self._serve(name, lambda storage: storage.get_modified_time(name), self._probed_mtime)

    @staticmethod
    def _probed_mtime(known: Probe) -> datetime | None:
        if known.modified is None or settings.USE_TZ:
            return known.modified
        return timezone.make_naive(known.modified)


def _merge(listings: list[list[str]]) -> list[str]:
    """Merge the layers' listings into one sorted list without duplicates.

    Each layer's list is sorted in place and merged lazily, so a directory of 100,000 names holds the
    layers' own lists and the result, never an extra set or copy of them.
    """
    listings = [listing for listing in listings if listing]
    for listing in listings:
        listing.sort()
    if len(listings) == 1 and all(a != b for a, b in pairwise(listings[0])):
        return listings[0]  # one layer and no duplicates (a listing that repeats names is merged below)
    merged: list[str] = []
    for name in heapq.merge(*listings):
        if not merged or merged[-1] != name:
            merged.append(name)
    return merged


def _without_options(item: Any) -> Any:
    if isinstance(item, dict) and isinstance(item.get("storage"), dict):
        return {**item, "storage": {"BACKEND": item["storage"]["BACKEND"]}}
    return item


__all__ = ["LOWER_DELETE_CHOICES", "HybridStorage"]
