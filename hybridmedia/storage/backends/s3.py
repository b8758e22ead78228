"""The S3 adapter (django-storages' ``S3Storage``): the read-only client guard and the store's identity."""

from __future__ import annotations

import ipaddress
import posixpath
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.response import StreamingBody
from django.conf import settings
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.redaction import redact_text, redact_url
from hybridmedia.storage.backends.base import (
    STREAM_CHUNK_SIZE,
    Chunks,
    Finding,
    ListedFiles,
    ListedPage,
    RangeNotSatisfiable,
    StorageAdapter,
    md5_of_etag,
)
from hybridmedia.storage.cache import MISSING, Probe
from hybridmedia.storage.names import is_missing

#: The only HTTP methods a lower layer's S3 client may sign or send: the ones that change nothing.
READ_METHODS = frozenset({"GET", "HEAD"})
#: The largest object one CopyObject request copies (S3's limit); larger ones are copied in parts.
SINGLE_COPY_LIMIT = 5 * 1024**3
#: Host suffixes of AWS itself; there a bucket name is unique within the partition.
_AWS_PARTITIONS = {".amazonaws.com": "aws", ".amazonaws.com.cn": "aws-cn"}


def is_s3(storage: Storage | type[Storage]) -> bool:
    """Return whether ``storage`` (an instance or a class) is django-storages' ``S3Storage``."""
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


# Timeouts and errors ------------------------------------------------------------------------

#: Botocore defaults wait 60 s per attempt and retry up to 4 times: a development page with a hundred
#: production images would hang for hours while production is unreachable. Lower S3 layers get these
#: instead, unless their OPTIONS set ``client_config``.
S3_TIMEOUTS: dict[str, Any] = {
    "connect_timeout": 2,
    "read_timeout": 5,
    "retries": {"mode": "standard", "total_max_attempts": 2},
}


def apply_default_timeouts(storage: Storage, options: dict[str, Any]) -> None:
    """Give a lower S3 layer short timeouts and one retry unless the user chose a client_config."""
    if not is_s3(storage) or "client_config" in options:
        return
    if getattr(settings, "AWS_S3_CLIENT_CONFIG", None) is not None:
        return
    storage.client_config = storage.client_config.merge(Config(**S3_TIMEOUTS))  # type: ignore[attr-defined]


def is_connection_error(exc: BaseException) -> bool:
    """Return whether ``exc`` is botocore's way of saying the endpoint could not be reached."""
    return isinstance(exc, (BotocoreConnectionError, HTTPClientError))


_BAD_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
}
_DENIED = {"AccessDenied", "AllAccessDisabled", "403", "Forbidden"}
_CREDENTIALS_FIX = (
    "Give the layer credentials that can read the bucket: access_key and secret_key in its OPTIONS (read "
    "from the environment), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ?credentials_env=PREFIX in a "
    "layer URL (docs/configuration.md)."
)


def describe_problem(exc: BaseException) -> str:
    """Say what went wrong, with the fix where it is a configuration problem; never a credential."""
    problem = misconfiguration(exc)
    return f"{problem[0]}. {problem[1]}" if problem else redact_text(f"{type(exc).__name__}: {exc}")


def misconfiguration(exc: BaseException) -> tuple[str, str] | None:
    """Return ``(what is wrong, how to fix it)`` when ``exc`` says the layer is set up wrongly, else ``None``."""
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return "no credentials were found for it", _CREDENTIALS_FIX
    if not isinstance(exc, ClientError):
        return None
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code == "NoSuchBucket":
        return (
            "its bucket does not exist",
            "Check the bucket name, and endpoint_url and region_name for a server other than AWS.",
        )
    if code in _BAD_CREDENTIALS:
        return f"its credentials are not valid ({code})", _CREDENTIALS_FIX
    if code in _DENIED or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403:
        return (
            f"access is denied ({code or 403})",
            "Let its credentials read the bucket: s3:ListBucket on the bucket (without it S3 answers 403 "
            "for a missing key) and s3:GetObject on its objects; docs/configuration.md has the IAM policy.",
        )
    return None


# The adapter ----------------------------------------------------------------------------

#: S3 answers at most this many keys per ListObjects request.
LIST_PAGE_KEYS = 1000
#: One ListObjects page: its keys, its objects, and whether more follow.
Page = tuple[list[str], list[dict[str, Any]], bool]


class S3Adapter(StorageAdapter):
    """django-storages' ``S3Storage``: every boto3 call of the package is in this class."""

    storage: Any

    def key(self, name: str) -> str:
        return str(self.storage._normalize_name(clean_name(name)))

    def prefix(self, path: str) -> str:
        prefix = self.key(path) if path else self.key("")
        return prefix if not prefix or prefix.endswith("/") else prefix + "/"

    @property
    def client(self) -> Any:
        return self.storage.connection.meta.client

    def probe(self, name: str) -> Probe:
        # One HEAD answers existence, size, time and (for a single-part upload) the MD5 at once;
        # S3Storage.exists() sends the same request and throws them away. The storage's own object
        # parameters go along, so objects encrypted with a customer key (SSE-C) can be probed.
        params = {k: v for k, v in self.storage.get_object_parameters(name).items() if k.startswith("SSECustomer")}
        try:
            head = self.client.head_object(Bucket=self.storage.bucket_name, Key=self.key(name), **params)
        except Exception as exc:
            if is_missing(exc):
                return MISSING
            raise
        return Probe(
            exists=True,
            size=head.get("ContentLength"),
            modified=head.get("LastModified"),
            etag=md5_of_etag(head.get("ETag")),
        )

    def stat(self, name: str) -> Probe:
        return self.probe(name)

    def verify(self) -> None:
        """Ask the bucket for one key: raises what a missing bucket, bad credentials or no access raise."""
        self.client.list_objects(Bucket=self.storage.bucket_name, Prefix=self.prefix(""), MaxKeys=1)

    def diagnose(self) -> list[Finding]:
        findings = []
        try:
            response = self.client.list_objects(Bucket=self.storage.bucket_name, Prefix=self.prefix(""), MaxKeys=1)
        except Exception as exc:  # noqa: BLE001 - what failed is the finding
            problem = misconfiguration(exc)
            reachable = problem is not None or not (is_connection_error(exc) or isinstance(exc, ConnectionError))
            findings.append(Finding("reachable", reachable, "" if reachable else describe_problem(exc)))
            if reachable:
                findings.append(Finding("bucket exists and listing allowed", False, describe_problem(exc)))
            return findings
        findings += [Finding("reachable", True), Finding("bucket exists and listing allowed", True)]
        keys = [entry["Key"] for entry in response.get("Contents", []) if not entry["Key"].endswith("/")]
        sample = keys[0][len(self.prefix("")) :] if keys else None
        return findings + self._sample(sample)

    def probe_of_open_file(self, file: Any) -> Probe:
        obj = getattr(file, "obj", None)
        if obj is None:
            return Probe(exists=True)
        try:
            return Probe(exists=True, size=obj.content_length, modified=obj.last_modified, etag=md5_of_etag(obj.e_tag))
        except Exception:  # The object's metadata is an optimisation only.
            return Probe(exists=True)

    def _list(self, prefix: str, marker: str, max_keys: int = LIST_PAGE_KEYS) -> dict[str, Any]:
        # ListObjects (v1) with a Marker: every S3 implementation pages it (s3rver fails on a truncated
        # ListObjectsV2), and it is what django-storages' own listdir() uses.
        params: dict[str, Any] = {"Bucket": self.storage.bucket_name, "Prefix": prefix, "Delimiter": "/"}
        params["MaxKeys"] = max_keys
        if marker:
            params["Marker"] = marker
        return self.client.list_objects(**params)  # type: ignore[no-any-return]

    @staticmethod
    def _probe_of_entry(entry: dict[str, Any]) -> Probe:
        return Probe(True, entry.get("Size"), entry.get("LastModified"), md5_of_etag(entry.get("ETag")))

    def _pages(self, prefix: str, marker: str = "", max_keys: int = LIST_PAGE_KEYS) -> Iterator[Page]:
        """Yield each ``ListObjects`` page after ``marker``, asking for the next only when it is wanted.

        A page is its keys (prefix included; directories end in ``/``), its objects, and whether
        more follow.
        """
        while True:
            response = self._list(prefix, marker, max_keys)
            contents = response.get("Contents", [])
            found = [entry["Prefix"] for entry in response.get("CommonPrefixes", [])]
            found += [entry["Key"] for entry in contents]
            more = bool(response.get("IsTruncated")) and bool(found)
            yield found, contents, more
            if not more:
                return
            marker = response.get("NextMarker") or max(found)

    def list_page(self, path: str, after: str, limit: int) -> ListedPage:
        prefix = self.prefix(path)
        keys: set[str] = set()
        probes: dict[str, Probe] = {}
        more = False
        for found, contents, page_has_more in self._pages(prefix, prefix + after if after else "", limit):
            more = page_has_more
            # A directory equal to the marker may come back once more (its keys sort after the marker).
            keys.update(key[len(prefix) :] for key in found if key[len(prefix) :] > after)
            for entry in contents:
                probes[entry["Key"][len(prefix) :]] = self._probe_of_entry(entry)
            if len(keys) >= limit:
                break
        page = sorted(keys)[:limit]
        more = more or len(keys) > limit
        return ListedPage(page, more, {k: probes[k] for k in page if k in probes}, exists=bool(page) or more)

    def list_directory(self, path: str) -> ListedPage:
        prefix = self.prefix(path)
        keys: set[str] = set()  # some servers repeat a common prefix on every page: each key once
        probes: dict[str, Probe] = {}
        for found, contents, _more in self._pages(prefix):
            keys.update(key[len(prefix) :] for key in found if key != prefix)
            for entry in contents:
                if entry["Key"] != prefix:  # a "directory marker" object is no file
                    probes[entry["Key"][len(prefix) :]] = self._probe_of_entry(entry)
        return ListedPage(sorted(keys), False, probes, exists=bool(keys))

    def list_files(self, path: str, names: Iterable[str] = ()) -> ListedFiles:
        """List the files of ``path``, from just before the first of ``names`` to past the last.

        A listing costs one request per 1,000 keys, a probe one request per name: the listing gives
        up (``complete=False``, with what it found) once it has sent as many requests as there are
        names, so asking this way never costs more than probing each name.
        """
        prefix = self.prefix(path)
        wanted = sorted(names)
        budget = max(len(wanted), 1)
        # The marker is exclusive: start just before the first name (its predecessor in key order).
        marker = prefix + wanted[0][:-1] if wanted and wanted[0] else ""
        last = prefix + wanted[-1] if wanted else None
        probes: dict[str, Probe] = {}
        for requests, (found, contents, more) in enumerate(self._pages(prefix, marker), 1):
            for entry in contents:
                if entry["Key"] != prefix:
                    probes[entry["Key"][len(prefix) :]] = self._probe_of_entry(entry)
            if not more or (last is not None and max(found) >= last):
                break
            if requests >= budget:
                return ListedFiles(probes, complete=False)
        return ListedFiles(probes)

    def checksum(self, name: str, probe: Probe | None = None, max_bytes: int | None = None) -> str | None:
        probe = probe if probe is not None and probe.exists else self.probe(name)
        return probe.etag

    # As the write layer ---------------------------------------------------------------------------

    @contextmanager
    def exclusive_create(self) -> Iterator[None]:
        """Send the uploads of this thread with ``If-None-Match: *``: S3 refuses (412) to replace a key.

        AWS S3 and moto honour the condition; a server that ignores it (s3rver, older MinIO)
        replaces the key, and only the shared cache's write lock keeps two processes apart there
        (docs/configuration.md, "A staging fleet").
        """
        client = self.client
        if not getattr(client, "_hybridmedia_conditional", False):
            condition = _if_none_match(client)
            for operation in ("PutObject", "CompleteMultipartUpload"):
                client.meta.events.register(f"provide-client-params.s3.{operation}", condition)
            client._hybridmedia_conditional = True
        _exclusive_clients.add(id(client))
        try:
            yield
        except Exception as exc:
            if _precondition_failed(exc):
                raise FileExistsError(f"{self.storage.bucket_name!r} already holds the key.") from exc
            raise
        finally:
            _exclusive_clients.discard(id(client))

    def copy_from(self, source: StorageAdapter, name: str, size: int | None = None) -> bool:
        # CopyObject: the bytes move inside the service. The write layer's credentials must be able
        # to read the source bucket; where they cannot, the caller copies through this process.
        if not isinstance(source, S3Adapter):
            return False
        if not same_service(s3_identity(self.storage)[0], s3_identity(source.storage)[0]):
            return False
        copy_source = {"Bucket": source.storage.bucket_name, "Key": source.key(name)}
        target = {"Bucket": self.storage.bucket_name, "Key": self.key(name)}
        try:
            if size is not None and size <= SINGLE_COPY_LIMIT:
                self.client.copy_object(CopySource=copy_source, **target)
            else:  # a multipart copy (UploadPartCopy); it asks the source's size first
                self.client.copy(copy_source, target["Bucket"], target["Key"])
        except Exception as exc:
            if is_missing(exc) or misconfiguration(exc) is not None:
                return False
            raise
        return True

    def urls_are_deterministic(self) -> bool:
        signed = getattr(self.storage, "querystring_auth", True)
        if getattr(self.storage, "custom_domain", None):
            return not (signed and getattr(self.storage, "cloudfront_signer", None))
        return not signed

    def open_range(self, name: str, start: int = 0, length: int | None = None, *, checksum: bool = True) -> Chunks:
        # One GET, with a Range header for a part: S3Storage's own file would download the whole
        # object into memory (AWS_S3_MAX_MEMORY_SIZE is 0 by default) before the first byte.
        params = {k: v for k, v in self.storage.get_object_parameters(name).items() if k.startswith("SSECustomer")}
        if start or length is not None:
            params["Range"] = f"bytes={start}-{'' if length is None else start + length - 1}"
        try:
            response = self.client.get_object(Bucket=self.storage.bucket_name, Key=self.key(name), **params)
        except Exception as exc:
            if is_missing(exc):
                raise FileNotFoundError(f"{name!r} is not in bucket {self.storage.bucket_name!r}.") from exc
            if _error_code(exc) == "InvalidRange":
                bucket = self.storage.bucket_name
                raise RangeNotSatisfiable(f"{name!r} in bucket {bucket!r} has no byte {start}.") from exc
            raise
        body = response["Body"]
        if not checksum:
            body = RelayedBody(body, response.get("ContentLength"))
        total = response.get("ContentLength")
        if "Range" in params:  # "bytes 0-99/1234": the whole object's size is after the slash
            total = _length_of_range(response.get("ContentRange"))
        found = Probe(True, total, response.get("LastModified"), md5_of_etag(response.get("ETag")))
        return Chunks(body, length, STREAM_CHUNK_SIZE, found)


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _length_of_range(content_range: str | None) -> int | None:
    total = (content_range or "").rpartition("/")[2]
    return int(total) if total.isdigit() else None


class RelayedBody:
    """An S3 response body as a relay reads it: the bytes as they arrive, without the checksum check.

    ``read1()`` returns what the connection has (at most ``amt`` bytes) instead of waiting for
    ``amt`` of them, so the media view sends bytes on while more arrive. botocore checks a whole
    object's checksum (``response_checksum_validation``) only once the body has been read to its end,
    which for a relay is after every byte was passed on; the length is checked here as botocore does.
    """

    def __init__(self, body: StreamingBody, length: int | None) -> None:
        self.body = body
        self.expected = length
        self.received = 0
        # botocore's urllib3 response; a body without one is read by StreamingBody itself.
        self.raw = getattr(body, "_raw_stream", None)
        if not callable(getattr(self.raw, "read1", None)):
            self.raw = None

    def read(self, amt: int | None = None) -> bytes:
        chunk: bytes = StreamingBody.read(self.body, amt)  # the length check, not the checksum's
        return chunk

    def read1(self, amt: int = -1) -> bytes:
        if self.raw is None:
            return self.read(amt)
        chunk: bytes = self.raw.read1(amt)
        self.received += len(chunk)
        if not chunk and amt and self.expected is not None and self.received != self.expected:
            raise IncompleteReadError(actual_bytes=self.received, expected_bytes=self.expected)
        return chunk

    def close(self) -> None:
        self.body.close()


# Conditional writes ------------------------------------------------------------------------

#: The clients (by ``id``) whose uploads run inside ``exclusive_create()``. django-storages gives each
#: thread its own client, and s3transfer's worker threads use the calling thread's client.
_exclusive_clients: set[int] = set()


def _if_none_match(client: Any) -> Callable[..., None]:
    """A ``provide-client-params`` hook for ``client``: the condition, while its thread creates exclusively."""
    identity = id(client)

    def add_condition(params: dict[str, Any], **kwargs: Any) -> None:
        if identity in _exclusive_clients:
            params.setdefault("IfNoneMatch", "*")

    return add_condition


def _precondition_failed(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    # 412: the key exists; 409: another conditional write to it is in flight (AWS).
    return code in {"PreconditionFailed", "ConditionalRequestConflict"} or status in {409, 412}


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
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1
    # 0.0.0.0 and :: reach this machine too when connected to.
    return address.is_loopback or address.is_unspecified


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
