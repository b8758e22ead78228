"""The S3 adapter (django-storages' ``S3Storage``): the read-only client guard and the store's identity."""

from __future__ import annotations

import ipaddress
import posixpath
import socket
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.core.files.storage import Storage

from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.redaction import redact_url

#: The only HTTP methods a lower layer's S3 client may sign or send: the ones that change nothing.
READ_METHODS = frozenset({"GET", "HEAD"})
#: Host suffixes of AWS itself; there a bucket name is unique within the partition.
_AWS_PARTITIONS = {".amazonaws.com": "aws", ".amazonaws.com.cn": "aws-cn"}


def is_s3(storage: Storage | type[Storage]) -> bool:
    """Return whether ``storage`` (an instance or a class) is django-storages' ``S3Storage``."""
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    if isinstance(storage, type):
        return issubclass(storage, S3Storage)
    return isinstance(storage, S3Storage)


def guard_client(client: Any, layer_name: str) -> None:
    """Make a boto3 S3 ``client`` refuse to send or sign any request that is not a GET or HEAD.

    ``before-sign`` runs for every request the client sends and for every URL or POST form it
    presigns (signed or not), so a write cannot leave through the storage's API, its ``bucket``
    or ``connection``, a file's ``obj``, ``generate_presigned_url()`` or ``generate_presigned_post()``.
    """

    def refuse_writes(request: Any = None, operation_name: str = "?", **kwargs: Any) -> None:
        method = str(getattr(request, "method", "") or "").upper()
        if method not in READ_METHODS:
            raise ReadOnlyLayerError(
                layer_name,
                f"send or sign the S3 request {operation_name} ({method or 'unknown method'})",
                hint="The S3 client of a lower layer only reads (GET and HEAD); it cannot write, delete or "
                "presign a write.",
            )

    client.meta.events.register("before-sign.s3", refuse_writes, unique_id="hybridmedia-read-only")


class ReadOnlyS3Mixin:
    """Hand out only guarded boto3 connections (``connection``, ``unsigned_connection``, ``bucket``)."""

    hybridmedia_layer_name: str

    @property
    def connection(self) -> Any:
        return self._hybridmedia_guarded(super().connection)  # type: ignore[misc]

    @property
    def unsigned_connection(self) -> Any:
        return self._hybridmedia_guarded(super().unsigned_connection)  # type: ignore[misc]

    def _hybridmedia_guarded(self, connection: Any) -> Any:
        if not getattr(connection, "_hybridmedia_guarded", False):
            guard_client(connection.meta.client, self.hybridmedia_layer_name)
            connection._hybridmedia_guarded = True
        return connection


# The store's identity ----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _addresses(host: str, port: int) -> frozenset[str]:
    """The IP addresses ``host`` resolves to (asked only when two layers name one bucket)."""
    try:
        return frozenset(str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP))
    except (OSError, UnicodeError):
        return frozenset()


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=64)
def _service(endpoint_url: str | None, bucket: str) -> tuple[str, str, int]:
    """Return ``(kind, host, port)`` of the S3 service ``endpoint_url`` reaches, spelled one way."""
    if not endpoint_url:
        return ("aws", "aws", 443)
    parts = urlsplit(endpoint_url if "://" in endpoint_url else f"https://{endpoint_url}")
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port or (80 if parts.scheme == "http" else 443)
    except ValueError:
        port = 443
    if host.startswith(f"{bucket}."):  # virtual-hosted style: the bucket is a label of the host
        host = host[len(bucket) + 1 :]
    for suffix, partition in _AWS_PARTITIONS.items():
        if host == suffix[1:] or host.endswith(suffix):
            return ("aws", partition, 443)  # regional, global, dual-stack and legacy endpoints alike
    if _is_loopback(host):
        return ("host", "loopback", port)
    return ("host", host, port)


def _machine(host: str, port: int) -> frozenset[str]:
    """The addresses behind ``host``, with every loopback address spelled ``loopback``."""
    if host == "loopback":
        return frozenset({"loopback"})
    return frozenset("loopback" if _is_loopback(address) else address for address in _addresses(host, port))


def same_service(first: tuple[str, str, int], second: tuple[str, str, int]) -> bool:
    """Return whether two normalised endpoints may reach the same S3 service."""
    if first == second:
        return True
    if first[0] != "host" or second[0] != "host" or first[2] != second[2]:
        return False
    # Another name for the same machine (a custom domain, an /etc/hosts alias): compare addresses.
    return bool(_machine(first[1], first[2]) & _machine(second[1], second[2]))


def s3_identity(storage: Any) -> tuple[tuple[str, str, int], str, tuple[str, ...]]:
    """Return ``(service, bucket, location parts)`` of an ``S3Storage``."""
    bucket = str(storage.bucket_name)
    location = posixpath.normpath(getattr(storage, "location", "") or "").strip("/.")
    parts = tuple(part for part in location.split("/") if part)
    return _service(getattr(storage, "endpoint_url", None) or None, bucket), bucket, parts


def describe(storage: Any) -> str:
    """Say where an ``S3Storage`` keeps its files, without credentials."""
    location = (getattr(storage, "location", "") or "").strip("/")
    where = f"s3://{storage.bucket_name}/{location + '/' if location else ''}"
    endpoint = getattr(storage, "endpoint_url", None)
    return f"{where} at {redact_url(endpoint)}" if endpoint else where
