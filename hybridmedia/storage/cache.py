"""The origin cache: what each lower layer said about a name, kept for ``cache_timeout`` seconds.

Lower layers are remote, change rarely, and are never written through the hybrid, so their answers
can be reused until the staleness bound ``cache_timeout`` runs out. The top layer is the
environment's own: a local stat is cheap and always current, so it is not cached; a remote top layer
(an S3 staging bucket) is cached only in a cache the processes share, where every write through a
hybrid sets the answers it changes under a lock (``OriginCache.lock``; docs/configuration.md, "A
staging fleet").
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hybridmedia.redaction import redact_text

#: Seconds between two warnings that a shared cache is down.
CACHE_DOWN_WARNING_INTERVAL = 60.0
logger = logging.getLogger("hybridmedia")

#: Seconds a write lock lives if the process holding it dies, and seconds a writer waits for one.
WRITE_LOCK_SECONDS = 30
WRITE_LOCK_WAIT = 10.0

#: Entries the default in-process cache keeps before it drops the least recently used.
LOCAL_CACHE_ENTRIES = 100_000

_bypass: contextvars.ContextVar[bool] = contextvars.ContextVar("hybridmedia_bypass_cache", default=False)


@dataclass(frozen=True)
class Probe:
    """One layer's answer for one name: whether it holds it and, when known, its size, mtime and MD5."""

    exists: bool
    size: int | None = None
    modified: datetime | None = None
    #: The MD5 of the contents where the layer gave it for free (an S3 ETag of a single-part upload).
    etag: str | None = None


MISSING = Probe(exists=False)


class CacheBackend(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def add(self, key: str, value: Any, timeout: Any = ...) -> bool: ...
    def set(self, key: str, value: Any, timeout: Any = ...) -> None: ...
    def delete(self, key: str) -> Any: ...
    def clear(self) -> None: ...


class LocalLRUCache:
    """A thread-safe, size-bounded, expiring dict: the default when no ``CACHES`` alias is given."""

    def __init__(self, max_entries: int = LOCAL_CACHE_ENTRIES) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return default
            expires, value = entry
            if expires < time.monotonic():
                del self._data[key]
                return default
            self._data.move_to_end(key)
            return value

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        with self._lock:
            entry = self._data.get(key)
            if entry is not None and entry[0] >= time.monotonic():
                return False
            self._put(key, value, timeout)
            return True

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        with self._lock:
            self._put(key, value, timeout)

    def _put(self, key: str, value: Any, timeout: float | None) -> None:
        self._data[key] = (float("inf") if timeout is None else time.monotonic() + timeout, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class DjangoCache:
    """The ``CACHES`` entry ``alias``, looked up on each call: Django gives each thread its own client.

    A Memcached client is not thread-safe; one shared by the threads of a threaded worker hangs.
    """

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def __getattr__(self, method: str) -> Any:
        from django.core.cache import caches

        return getattr(caches[self.alias], method)


class OriginCache:
    """Probes of lower layers, keyed by layer identity and name, in a Django cache or a local LRU."""

    def __init__(self, backend: CacheBackend, timeout: float | None) -> None:
        self.backend = backend
        self.timeout = timeout
        self.enabled = timeout is None or timeout > 0
        self._hash_keys = not isinstance(backend, LocalLRUCache)
        self._last_warning = -CACHE_DOWN_WARNING_INTERVAL

    def key(self, layer_key: str, name: str) -> str:
        if not self._hash_keys:
            return f"{layer_key}:{name}"
        # Hashed so any name is a valid memcached key (no spaces, at most 250 characters).
        return f"hybridmedia:{layer_key}:{hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()}"

    def get(self, layer_key: str, name: str) -> Probe | None:
        if not self.enabled or _bypass.get():
            return None
        try:
            value = self.backend.get(self.key(layer_key, name))
        except Exception as exc:  # noqa: BLE001 - a cache that is down is a cache that misses
            self._down(exc)
            return None
        return value if isinstance(value, Probe) else None

    def set(self, layer_key: str, name: str, probe: Probe) -> None:
        if self.enabled:
            try:
                self.backend.set(self.key(layer_key, name), probe, self.timeout)
            except Exception as exc:  # noqa: BLE001
                self._down(exc)

    def add(self, layer_key: str, name: str, probe: Probe) -> None:
        """Remember ``probe`` unless an answer is there already (a writer's answer is never overwritten)."""
        if self.enabled:
            try:
                self.backend.add(self.key(layer_key, name), probe, self.timeout)
            except Exception as exc:  # noqa: BLE001
                self._down(exc)

    @contextmanager
    def lock(self, layer_key: str, name: str) -> Iterator[bool]:
        """Hold the cache's lock on ``name`` while writing it; yield whether the lock was taken.

        An ``add()`` is atomic on Redis and Memcached, so the processes that share the cache write a
        name one at a time. The lock expires after ``WRITE_LOCK_SECONDS`` should its holder die; a
        cache that is down or a lock not freed within ``WRITE_LOCK_WAIT`` seconds yields ``False``.
        """
        key = f"{self.key(layer_key, name)}:lock"
        token = secrets.token_hex(8)
        deadline = time.monotonic() + WRITE_LOCK_WAIT
        taken = False
        try:
            while not (taken := bool(self.backend.add(key, token, WRITE_LOCK_SECONDS))):
                if time.monotonic() >= deadline:
                    logger.warning("Writing %r without the shared lock: another process has held it too long.", name)
                    break
                time.sleep(0.005)
        except Exception as exc:  # noqa: BLE001
            self._down(exc)
        try:
            yield taken
        finally:
            if taken:
                try:
                    if self.backend.get(key) == token:
                        self.backend.delete(key)
                except Exception as exc:  # noqa: BLE001
                    self._down(exc)

    def forget(self, layer_key: str, name: str) -> None:
        if self.enabled:
            try:
                self.backend.delete(self.key(layer_key, name))
            except Exception as exc:  # noqa: BLE001
                self._down(exc)

    def _down(self, exc: BaseException) -> None:
        # The layers answer instead: slower, never an error page. Said at most once a minute.
        now = time.monotonic()
        if now - self._last_warning >= CACHE_DOWN_WARNING_INTERVAL:
            self._last_warning = now
            logger.warning(
                "The origin cache cannot be reached (%s); asking the layers instead.",
                redact_text(f"{type(exc).__name__}: {exc}"),
            )


@contextmanager
def bypass_cache() -> Iterator[None]:
    """Ask the layers themselves inside this block; fresh answers still refresh the cache."""
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


def layer_key(name: str, storage: Any) -> str:
    """Identify a layer's physical store, so hybrids that share a cache share answers about it."""
    base = getattr(type(storage), "hybridmedia_wrapped", type(storage))  # the backend, not its guard
    parts = [
        name,
        f"{base.__module__}.{base.__qualname__}",
        str(getattr(storage, "endpoint_url", "") or ""),
        str(getattr(storage, "bucket_name", "") or ""),
        str(getattr(storage, "location", "") or ""),
    ]
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]
