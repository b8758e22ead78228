"""Noticing that a lower layer is unreachable, and not waiting for it again for a while."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.files.storage import Storage

from hybridmedia.exceptions import LayerUnavailable
from hybridmedia.redaction import describe_error, redact_url

T = TypeVar("T")
logger = logging.getLogger("hybridmedia")

#: Botocore defaults wait 60 s per attempt and retry up to 4 times: a development page with a hundred
#: production images would hang for hours while production is unreachable. Lower S3 layers get these
#: instead, unless their OPTIONS set ``client_config``.
S3_TIMEOUTS: dict[str, Any] = {
    "connect_timeout": 2,
    "read_timeout": 5,
    "retries": {"mode": "standard", "total_max_attempts": 2},
}


def is_unreachable(exc: BaseException) -> bool:
    """Return whether ``exc`` says the layer could not answer, rather than what it answered."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return isinstance(status, int) and status >= 500
    try:
        from botocore.exceptions import ConnectionError as BotocoreConnectionError
        from botocore.exceptions import HTTPClientError
    except ImportError:  # pragma: no cover - botocore is a dependency
        return False
    return isinstance(exc, (BotocoreConnectionError, HTTPClientError))


def describe_endpoint(storage: Storage) -> str:
    """Say where a layer lives, without credentials."""
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        # An endpoint_url may carry "user:password@" (a MinIO or proxy login).
        endpoint = redact_url(str(getattr(storage, "endpoint_url", None) or "AWS S3"))
        return f"bucket {bucket!r} at {endpoint}"
    location = getattr(storage, "location", None)
    return f"{type(storage).__name__} at {redact_url(str(location))}" if location else type(storage).__name__


def apply_default_timeouts(storage: Storage, options: dict[str, Any]) -> None:
    """Give a lower S3 layer short timeouts and one retry unless the user chose a client_config."""
    from hybridmedia.storage.backends.s3 import is_s3

    if not is_s3(storage) or "client_config" in options:
        return
    from botocore.config import Config
    from django.conf import settings

    if getattr(settings, "AWS_S3_CLIENT_CONFIG", None) is not None:
        return
    storage.client_config = storage.client_config.merge(Config(**S3_TIMEOUTS))  # type: ignore[attr-defined]


class Availability:
    """Remember which layers failed, and refuse to wait for them until ``retry_after`` seconds pass."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        self._down: dict[str, tuple[float, LayerUnavailable]] = {}
        self._lock = threading.Lock()

    def ask(self, layer_name: str, storage: Storage, call: Callable[[], T]) -> T:
        down = self._down.get(layer_name)
        if down is not None:
            if down[0] > time.monotonic():
                raise down[1]
            with self._lock:
                self._down.pop(layer_name, None)
        try:
            return call()
        except LayerUnavailable:
            raise
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            # botocore's message quotes the request URL, userinfo included; the admin banner shows it.
            error = LayerUnavailable(layer_name, describe_endpoint(storage), describe_error(exc, [storage]))
            with self._lock:
                self._down[layer_name] = (time.monotonic() + self.retry_after, error)
            logger.warning("%s Not asking it again for %s seconds.", error, self.retry_after)
            raise error from exc

    def unavailable(self) -> dict[str, LayerUnavailable]:
        """The layers currently marked unavailable, with the error that marked them."""
        now = time.monotonic()
        return {name: error for name, (until, error) in self._down.items() if until > now}
