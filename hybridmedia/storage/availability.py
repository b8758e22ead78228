"""Noticing that a lower layer is unreachable, and not waiting for it again for a while."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.files.storage import Storage

from hybridmedia.exceptions import LayerMisconfigured, LayerUnavailable
from hybridmedia.redaction import describe_error, redact_url
from hybridmedia.storage.backends import http
from hybridmedia.storage.backends.s3 import is_connection_error as is_s3_connection_error
from hybridmedia.storage.backends.s3 import misconfiguration

T = TypeVar("T")
logger = logging.getLogger("hybridmedia")


def is_unreachable(exc: BaseException) -> bool:
    """Return whether ``exc`` says the layer could not answer, rather than what it answered."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return isinstance(status, int) and status >= 500
    return is_s3_connection_error(exc)


def describe_endpoint(storage: Storage) -> str:
    """Say where a layer lives, without credentials."""
    if http.is_http(storage):
        return http.describe(storage)  # type: ignore[arg-type]
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        # An endpoint_url may carry "user:password@" (a MinIO or proxy login).
        endpoint = redact_url(str(getattr(storage, "endpoint_url", None) or "AWS S3"))
        return f"bucket {bucket!r} at {endpoint}"
    location = getattr(storage, "location", None)
    return f"{type(storage).__name__} at {redact_url(str(location))}" if location else type(storage).__name__


def misconfigured(layer_name: str, storage: Storage, exc: BaseException) -> LayerMisconfigured | None:
    """Return the ``LayerMisconfigured`` that ``exc`` amounts to (a missing bucket, no access...), or ``None``."""
    problem = misconfiguration(exc) or http.misconfiguration(exc)
    return None if problem is None else LayerMisconfigured(layer_name, describe_endpoint(storage), *problem)


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
            # Not an empty layer: a bucket that does not exist or cannot be read, said once, clearly.
            error: LayerUnavailable | None = misconfigured(layer_name, storage, exc)
            if error is None and is_unreachable(exc):
                # botocore's message quotes the request URL, userinfo included; the admin banner shows it.
                error = LayerUnavailable(layer_name, describe_endpoint(storage), describe_error(exc, [storage]))
            if error is None:
                raise
            with self._lock:
                self._down[layer_name] = (time.monotonic() + self.retry_after, error)
            logger.warning("%s Not asking it again for %s seconds.", error, self.retry_after)
            raise error from exc

    def unavailable(self) -> dict[str, LayerUnavailable]:
        """The layers currently marked unavailable, with the error that marked them."""
        now = time.monotonic()
        return {name: error for name, (until, error) in self._down.items() if until > now}
