"""The HTTP(S) layer: production's media read from its public (or login-protected) URL, never written.

``HTTPStorage`` is a read-only Django storage over a base URL such as ``https://cdn.acme.com/media/``:
``url()`` is the base URL and the percent-encoded name (no request), a probe is one ``HEAD``, ``open()``
a streamed ``GET`` (ranged when seeking), and a listing is impossible: an HTTP server cannot say what
it holds, so ``HTTPAdapter.can_list`` is ``False`` and listings show the other layers. Every request
goes through one urllib3 ``PoolManager`` that refuses any method but ``GET`` and ``HEAD``.
"""

from __future__ import annotations

import io
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.encoding import filepath_to_uri
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.redaction import has_userinfo, redact_text, redact_url, redact_value
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

logger = logging.getLogger("hybridmedia")

#: Seconds to wait for a connection and for each read: as short as the S3 layer's (``s3.S3_TIMEOUTS``),
#: so a page of a hundred production images does not hang while production is unreachable.
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
#: Redirects followed within the base URL's origin before giving up.
MAX_REDIRECTS = 3
#: The only methods the layer's connection pool sends: the ones that change nothing.
READ_METHODS = frozenset({"GET", "HEAD"})
#: Bytes read from the network at a time.
CHUNK_SIZE = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MISSING_STATUSES = frozenset({404, 410})
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")
#: What fixes a 401: where an HTTP layer's credentials come from.
CREDENTIALS_FIX = (
    "Give the layer its login through the environment: credentials_env=PREFIX in its layer URL or OPTIONS, "
    "with PREFIX_USERNAME and PREFIX_PASSWORD (HTTP Basic) or PREFIX_HEADER_<NAME> (a header such as "
    "PREFIX_HEADER_AUTHORIZATION='Bearer ...'); see docs/configuration.md."
)


def is_http(storage: Storage | type[Storage]) -> bool:
    """Return whether ``storage`` (an instance or a class) is an ``HTTPStorage``."""
    if isinstance(storage, type):
        return issubclass(storage, HTTPStorage)
    return isinstance(storage, HTTPStorage)


# Errors -------------------------------------------------------------------------------------------


class HTTPLayerError(OSError):
    """An HTTP layer answered in a way that is neither the file nor "no such file"."""


class HTTPForbidden(HTTPLayerError, PermissionError):
    """The server answered 403 for a name: it refuses to say whether it holds it."""


class HTTPUnauthorized(HTTPLayerError, PermissionError):
    """The server answered 401: the layer's credentials are missing or wrong."""


class HTTPRedirectError(HTTPLayerError):
    """A redirect leads to another origin, or there are too many of them."""


class HTTPRangeNotSatisfiable(HTTPLayerError, RangeNotSatisfiable):
    """The server has no byte where a range starts (416): the file is shorter than the caller knew."""


class HTTPIncompleteBody(HTTPLayerError):
    """The body ended before its Content-Length: the connection broke or the length was wrong."""


class HTTPUnreachable(HTTPLayerError, ConnectionError):
    """The server could not be reached, or answered with a 5xx: the layer is unavailable."""


class HTTPTimeout(HTTPLayerError, TimeoutError):
    """The server did not connect or answer in time: the layer is unavailable."""


def misconfiguration(exc: BaseException) -> tuple[str, str] | None:
    """Return ``(what is wrong, how to fix it)`` when ``exc`` says an HTTP layer is set up wrongly."""
    if isinstance(exc, HTTPUnauthorized):
        return "it answers 401 Unauthorized: its credentials are missing or not accepted", CREDENTIALS_FIX
    return None


# Credentials from the environment --------------------------------------------------------------


def credentials_from_environ(prefix: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the ``username``/``password``/``auth_headers`` options that ``PREFIX_...`` variables give.

    ``PREFIX_USERNAME`` and ``PREFIX_PASSWORD`` are an HTTP Basic login; each ``PREFIX_HEADER_<NAME>``
    is a header sent with every request (``_`` in the name becomes ``-``: ``PREFIX_HEADER_X_CDN_KEY``
    sends ``X-Cdn-Key``). Raises ``ValueError`` (naming variables, never values) when none is set.
    """
    environ = os.environ if environ is None else environ
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
        raise ValueError(
            "credentials_env must be an environment variable prefix such as PROD (letters, digits and "
            "underscores, not starting with a digit)"
        )
    options: dict[str, Any] = {}
    username, password = environ.get(f"{prefix}_USERNAME"), environ.get(f"{prefix}_PASSWORD")
    if bool(username) != bool(password):
        missing = f"{prefix}_PASSWORD" if username else f"{prefix}_USERNAME"
        raise ValueError(f"{missing} is not set (an HTTP Basic login needs {prefix}_USERNAME and {prefix}_PASSWORD)")
    if username and password:
        options.update(username=username, password=password)
    marker = f"{prefix}_HEADER_"
    headers = {
        "-".join(part.capitalize() for part in variable[len(marker) :].split("_")): value
        for variable, value in sorted(environ.items())
        if variable.startswith(marker) and variable[len(marker) :] and value
    }
    if headers:
        options["auth_headers"] = headers
    if not options:
        raise ValueError(
            f"none of {prefix}_USERNAME and {prefix}_PASSWORD, or {prefix}_HEADER_<NAME>, is set in the environment"
        )
    return options


# The pool: GET and HEAD only ---------------------------------------------------------------------


class ReadOnlyPoolManager(urllib3.PoolManager):
    """A urllib3 pool that refuses to send any request but ``GET`` and ``HEAD``."""

    def __init__(self, layer_name: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._layer_name = layer_name

    def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:  # type: ignore[override]
        if str(method).upper() not in READ_METHODS:
            raise ReadOnlyLayerError(
                self._layer_name(),
                f"send the HTTP request {str(method).upper()}",
                hint="An HTTP layer only reads (GET and HEAD); it cannot write or delete.",
            )
        return super().urlopen(method, url, redirect=redirect, **kw)


# The storage ---------------------------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _length(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ImproperlyConfigured(
            f"HTTPStorage's {name} must be a number of seconds above 0, got {redact_value(name, value)}."
        )
    return float(value)


@deconstructible(path="hybridmedia.storage.HTTPStorage")
class HTTPStorage(Storage):
    """Read files from an HTTP(S) server under ``base_url``; never write (see the module docstring)."""

    #: Credential options, left out of ``deconstruct()`` (migrations) and never shown.
    CREDENTIAL_OPTIONS = ("password", "auth_headers", "username", "credentials_env")

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        forbidden_is_missing: bool = False,
        max_redirects: int = MAX_REDIRECTS,
        verify: bool = True,
        credentials_env: str | None = None,
        username: str | None = None,
        password: str | None = None,
        auth_headers: Mapping[str, str] | None = None,
    ) -> None:
        base_url = str(base_url)
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured(
                f"HTTPStorage's base_url must be an http:// or https:// URL, got {redact_url(base_url)!r}."
            )
        if has_userinfo(base_url):
            raise ImproperlyConfigured(
                "HTTPStorage's base_url must not hold credentials (user:password@): give them through "
                "credentials_env=PREFIX (PREFIX_USERNAME, PREFIX_PASSWORD, PREFIX_HEADER_<NAME>)."
            )
        if parts.query or parts.fragment:
            raise ImproperlyConfigured(
                f"HTTPStorage's base_url takes no query or fragment, got {redact_url(base_url)!r}."
            )
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        if timeout is not None:
            connect_timeout = read_timeout = timeout
        self.connect_timeout = _seconds("connect_timeout", connect_timeout)
        self.read_timeout = _seconds("read_timeout", read_timeout)
        self.forbidden_is_missing = bool(forbidden_is_missing)
        if isinstance(max_redirects, bool) or not isinstance(max_redirects, int) or max_redirects < 0:
            raise ImproperlyConfigured(
                "HTTPStorage's max_redirects must be a whole number of at least 0, "
                f"got {redact_value('max_redirects', max_redirects)}."
            )
        self.max_redirects = max_redirects
        self.verify = bool(verify)
        credentials: dict[str, Any] = {}
        if credentials_env is not None:
            try:
                credentials = credentials_from_environ(str(credentials_env))
            except ValueError as exc:
                raise ImproperlyConfigured(f"HTTPStorage's credentials_env: {exc}.") from None
        username = credentials.get("username", username)
        password = credentials.get("password", password)
        headers = dict(auth_headers or {})
        headers.update(credentials.get("auth_headers", {}))
        for header in headers:
            if not _HEADER_NAME.fullmatch(str(header)):
                raise ImproperlyConfigured(
                    f"HTTPStorage's auth_headers has an invalid header name {str(header)[:40]!r}."
                )
        if bool(username) != bool(password):
            raise ImproperlyConfigured(
                "HTTPStorage needs both username and password for an HTTP Basic login, or neither."
            )
        if username and password:
            headers.update(urllib3.make_headers(basic_auth=f"{username}:{password}"))
        # Name-mangled and never part of a message, a repr or deconstruct(): requests are their only use.
        self.__headers = headers
        self.__pool: ReadOnlyPoolManager | None = None
        self.__pool_lock = threading.Lock()
        # A FileField(storage=HTTPStorage(...)) migration must not carry the login: deconstruct() leaves it out.
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        self._constructor_args = (args, {k: v for k, v in kwargs.items() if k not in self.CREDENTIAL_OPTIONS})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {redact_url(self.base_url)}>"

    @property
    def endpoint_url(self) -> str:
        """Where the layer lives (the origin cache keys and error messages name it)."""
        return self.base_url

    @property
    def has_credentials(self) -> bool:
        return bool(self.__headers)

    @property
    def layer_name(self) -> str:
        return str(getattr(self, "hybridmedia_layer_name", None) or "HTTP layer")

    @property
    def pool(self) -> ReadOnlyPoolManager:
        """The layer's connection pool (shared by every request of this storage, thread-safe)."""
        if self.__pool is None:
            with self.__pool_lock:
                if self.__pool is None:
                    self.__pool = ReadOnlyPoolManager(
                        lambda: self.layer_name,
                        num_pools=4,
                        maxsize=10,
                        block=False,
                        timeout=urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout),
                        # One retry of a connection that failed, as the S3 layer's; a read is not retried.
                        retries=urllib3.Retry(total=1, connect=1, read=0, redirect=False, status=0, other=0),
                        cert_reqs="CERT_REQUIRED" if self.verify else "CERT_NONE",
                    )
        return self.__pool

    # Requests ------------------------------------------------------------------------------------

    def name_url(self, name: str) -> str:
        """The URL of ``name``: the base URL and the percent-encoded name."""
        return self.base_url + (filepath_to_uri(str(name)).lstrip("/") if name else "")

    def _where(self, name: str | None = None) -> str:
        where = f"Layer {self.layer_name!r} ({redact_url(self.base_url)})"
        return f"{where}, {name!r}," if name is not None else where

    def request(self, method: str, name: str, headers: Mapping[str, str] | None = None, *, stream: bool = False) -> Any:
        """Send ``method`` for ``name`` (``""`` is the base URL), following same-origin redirects.

        Returns the final response (body unread when ``stream``). Raises ``HTTPTimeout`` or
        ``HTTPUnreachable`` when the server cannot answer (or answers 5xx), ``HTTPUnauthorized`` for 401,
        ``HTTPRedirectError`` for a redirect that leaves the origin or one too many.
        """
        url = self.name_url(name)
        origin = _origin(self.base_url)
        all_headers = {"Accept-Encoding": "identity", **self.__headers, **(headers or {})}
        for _redirect in range(self.max_redirects + 1):
            try:
                response = self.pool.request(
                    method, url, headers=all_headers, redirect=False, preload_content=not stream, decode_content=False
                )
            except MaxRetryError as exc:
                raise self._network_error(method, name, exc.reason or exc) from None
            except (Urllib3Error, OSError) as exc:
                raise self._network_error(method, name, exc) from None
            status = response.status
            if status in _REDIRECTS and response.headers.get("Location"):
                target = urljoin(url, response.headers["Location"])
                response.drain_conn()
                response.release_conn()
                if _origin(target) != origin:
                    raise HTTPRedirectError(
                        f"{self._where(name)} redirects to another origin ({redact_url(target)}). An HTTP layer "
                        f"follows redirects within its own origin only, so its login never goes elsewhere; point "
                        f"base_url at the server that holds the files."
                    )
                url = target
                continue
            if status >= 500:
                response.drain_conn()
                raise HTTPUnreachable(f"{method} answered {status} {response.reason or ''}".rstrip())
            if status == 401:
                response.drain_conn()
                raise HTTPUnauthorized(f"{self._where(name)} answers 401 Unauthorized. {CREDENTIALS_FIX}")
            return response
        raise HTTPRedirectError(f"{self._where(name)} redirects more than {self.max_redirects} times (max_redirects).")

    def _network_error(self, method: str, name: str, exc: BaseException) -> HTTPLayerError:
        # urllib3's messages quote the URL (never headers); the URL carries no credentials (refused).
        reason = redact_text(f"{type(exc).__name__}: {exc}")
        message = f"{method} {redact_url(self.name_url(name))} failed: {reason}"
        # urllib3's NewConnectionError (refused, no route) is a ConnectTimeoutError for history's sake.
        if isinstance(exc, (Urllib3Timeout, TimeoutError)) and not isinstance(exc, NewConnectionError):
            return HTTPTimeout(message)
        return HTTPUnreachable(message)

    def _refused(self, name: str, response: Any) -> Exception | None:
        """The error a final answer other than 2xx amounts to (``FileNotFoundError`` for a missing name)."""
        status = response.status
        if status in _MISSING_STATUSES or (status == 403 and self.forbidden_is_missing):
            return FileNotFoundError(f"{self._where(name)} answers {status}: no such file.")
        if status == 403:
            return HTTPForbidden(
                f"{self._where(name)} answers 403 Forbidden: the server refuses to say whether it holds the file. "
                f"If it answers 403 for files it does not hold (an S3 bucket behind a CDN does), set "
                f"forbidden_is_missing=True in the layer's OPTIONS (or ?forbidden_is_missing=true in its URL)."
            )
        if not 200 <= status < 300:
            return HTTPLayerError(f"{self._where(name)} answers {status} {response.reason or ''}".rstrip() + ".")
        return None

    def head(self, name: str) -> Probe:
        """Return what one ``HEAD`` says about ``name``: missing, or its size, time and (an MD5) ETag."""
        response = self.request("HEAD", name)
        error = self._refused(name, response)
        if isinstance(error, FileNotFoundError):
            return MISSING
        if error is not None:
            raise error
        return probe_of_headers(response.headers)

    # The Storage API -----------------------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        if any(flag in mode for flag in "wax+"):
            raise ReadOnlyLayerError(self.layer_name, f"open for writing (mode {mode!r})", name)
        return HTTPFile(self, name)  # type: ignore[return-value]

    def _save(self, name: str, content: Any) -> str:
        raise ReadOnlyLayerError(self.layer_name, "save", name, hint="An HTTP layer is read-only.")

    def delete(self, name: str) -> None:
        raise ReadOnlyLayerError(self.layer_name, "delete", name, hint="An HTTP layer is read-only.")

    def exists(self, name: str) -> bool:
        return self.head(name).exists

    def _stat(self, name: str) -> Probe:
        probe = self.head(name)
        if not probe.exists:
            raise FileNotFoundError(f"{self._where(name)} answers 404: no such file.")
        return probe

    def size(self, name: str) -> int:
        size = self._stat(name).size
        if size is None:
            raise HTTPLayerError(f"{self._where(name)} sends no Content-Length for it.")
        return size

    def get_modified_time(self, name: str) -> datetime:
        modified = self._stat(name).modified
        if modified is None:
            raise NotImplementedError(f"{self._where(name)} sends no Last-Modified for it.")
        return modified if settings.USE_TZ else timezone.make_naive(modified)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        raise NotImplementedError(
            f"{self._where()} is an HTTP server: an HTTP layer cannot list its files. Listings of a "
            f"HybridStorage show the other layers; the HTTP layer's files are found by name."
        )

    def url(self, name: str | None) -> str:
        return self.name_url(name or "")


def probe_of_headers(headers: Mapping[str, str]) -> Probe:
    """Return the probe a response's headers give: size, modification time and an MD5 ETag."""
    return Probe(
        exists=True,
        size=_length(headers.get("Content-Length")),
        modified=_http_date(headers.get("Last-Modified")),
        etag=md5_of_etag(headers.get("ETag")),
    )


class HTTPFile(io.RawIOBase):
    """A file of an HTTP layer: a streamed ``GET``, seekable by ranged ``GET`` where the server allows it.

    At most one read's bytes are held at a time (``CHUNK_SIZE`` for ``read()`` of everything; what
    the caller asks for otherwise). A body shorter than its Content-Length raises
    ``HTTPIncompleteBody``, never returns truncated data as the whole file.
    """

    mode = "rb"

    def __init__(self, storage: HTTPStorage, name: str, start: int = 0, end: int | None = None) -> None:
        super().__init__()
        self.name = name
        self._storage = storage
        self._position = start
        self._response: Any = None
        self._remaining = 0  # bytes the current response still owes (-1: unknown)
        self._validator: str | None = None
        response = self._get(start, end)
        headers = response.headers
        #: What the GET told about the file, for the origin cache (the adapter's ``probe_of_open_file()``).
        self.obj = probe_of_headers(headers)
        match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", ""))
        if response.status == 206 and match is not None:
            total = _length(match[3])
            self.obj = Probe(True, total, self.obj.modified, None if total is None else self.obj.etag)
        self.size = self.obj.size
        self._ranges = headers.get("Accept-Ranges", "").lower() == "bytes" and self.size is not None
        self._ranges = self._ranges or response.status == 206
        self._validator = headers.get("ETag") or headers.get("Last-Modified")

    def _get(self, start: int, end: int | None = None) -> Any:
        headers = {}
        if start or end is not None:
            headers["Range"] = f"bytes={start}-{'' if end is None else end}"
            if self._validator:
                headers["If-Range"] = self._validator  # the same version, or the whole (new) file
        response = self._storage.request("GET", self.name, headers, stream=True)
        error = self._storage._refused(self.name, response)
        if error is None and response.status == 416:  # a range past the end: nothing to read
            error = HTTPRangeNotSatisfiable(f"{self._storage._where(self.name)} has no byte {start} (416).")
        if error is not None:
            response.drain_conn()
            response.release_conn()
            raise error
        self._response = response
        length = _length(response.headers.get("Content-Length"))
        self._remaining = length if length is not None else -1
        if "Range" in headers and response.status != 206:
            if self._validator:  # If-Range did not match: the file is another one now
                self._close_response()
                raise HTTPLayerError(
                    f"{self._storage._where(self.name)} changed while it was read (its ETag or Last-Modified "
                    f"changed); open it again."
                )
            self._skip(start)  # a server without Range support: read up to the start
        else:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if "Range" in headers and (match is None or int(match[1]) != start):
                self._close_response()
                raise HTTPLayerError(f"{self._storage._where(self.name)} answered another range than asked.")
        return response

    def _skip(self, count: int) -> None:
        position, self._position = self._position, self._position - count
        while self._position < position:
            if not self._read_some(min(CHUNK_SIZE, position - self._position)):
                break

    # io.RawIOBase ----------------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return self._ranges

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._position + offset
        elif whence == io.SEEK_END:
            if self.size is None:
                raise io.UnsupportedOperation("the server sent no Content-Length: cannot seek from the end")
            target = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence!r})")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._position:
            if not self._ranges:
                raise io.UnsupportedOperation(
                    f"{self._storage._where(self.name)} does not accept Range requests: the file can only be "
                    f"read from start to end."
                )
            self._close_response()  # the next read sends a ranged GET from the new position
            self._position = target
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(CHUNK_SIZE), b""))
        return self._read(size, whole=True)

    def read1(self, size: int = -1) -> bytes:
        """Return at most ``size`` bytes as soon as some arrived (``read()`` waits for ``size`` of them)."""
        return self._read(CHUNK_SIZE if size is None or size < 0 else size, whole=False)

    def _read(self, size: int, whole: bool) -> bytes:
        if size == 0 or (self.size is not None and self._position >= self.size):
            return b""
        if self._response is None:
            self._get(self._position)
        return self._read_some(size, whole)

    def _read_some(self, size: int, whole: bool = True) -> bytes:
        try:
            data = self._response.read(size) if whole else self._response.read1(size)
        except (Urllib3Error, OSError) as exc:
            raise self._incomplete(exc) from None
        if not data and self._remaining > 0:
            raise self._incomplete(None)
        self._position += len(data)
        if self._remaining > 0:
            self._remaining -= len(data)
        return bytes(data)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    def _incomplete(self, exc: BaseException | None) -> HTTPIncompleteBody:
        self._close_response()
        expected = f"{self.size:,}" if self.size is not None else "its Content-Length"
        cause = f" ({redact_text(f'{type(exc).__name__}: {exc}')})" if exc is not None else ""
        return HTTPIncompleteBody(
            f"{self._storage._where(self.name)} ended after {self._position:,} of {expected} bytes{cause}: the "
            f"connection broke, or the server's Content-Length is wrong. The data is incomplete; open it again."
        )

    def _close_response(self) -> None:
        response, self._response = self._response, None
        if response is None:
            return
        if self._remaining == 0:
            response.release_conn()  # read to the end: the connection can serve another request
        else:
            response.close()

    def close(self) -> None:
        self._close_response()
        super().close()


# The adapter ----------------------------------------------------------------------------------------


class HTTPAdapter(StorageAdapter):
    """``HTTPStorage``: a probe is one ``HEAD``; nothing can be listed; URLs are deterministic."""

    storage: HTTPStorage
    can_list = False

    def probe(self, name: str) -> Probe:
        return self.storage.head(name)

    def stat(self, name: str) -> Probe:
        return self.probe(name)

    def probe_of_open_file(self, file: Any) -> Probe:
        known = getattr(file, "obj", None)
        return known if isinstance(known, Probe) else Probe(exists=True)

    def list_page(self, path: str, after: str, limit: int) -> ListedPage:
        return ListedPage([], False, exists=False)

    def list_directory(self, path: str) -> ListedPage:
        return ListedPage([], False, exists=False)

    def list_files(self, path: str, names: Iterable[str] = ()) -> ListedFiles:
        # Nothing listed, and not complete: the hybrid probes each name instead.
        return ListedFiles({}, complete=False)

    def checksum(self, name: str, probe: Probe | None = None, max_bytes: int | None = None) -> str | None:
        return probe.etag if probe is not None and probe.exists else None

    def diagnose(self) -> list[Finding]:
        base = redact_url(self.storage.base_url)
        try:
            response = self.storage.request("HEAD", "")
        except HTTPUnauthorized:
            return [
                Finding("reachable", True),
                Finding("credentials accepted", False, f"{base} answers 401 Unauthorized. {CREDENTIALS_FIX}"),
            ]
        except HTTPRedirectError as exc:
            return [Finding("reachable", True), Finding("redirects stay on the same origin", False, str(exc))]
        except (HTTPUnreachable, HTTPTimeout) as exc:
            return [Finding("reachable", False, f"{base}: {exc}")]
        status = response.status
        findings = [Finding("reachable", True, f"HEAD {base} answers {status}")]
        if self.storage.has_credentials:
            findings.append(Finding("credentials accepted", True, "no 401 Unauthorized"))
        findings.append(
            Finding(
                "listing allowed",
                None,
                "an HTTP server cannot list its files: listings, media_shadows and the purge show the other layers "
                "only; its files are found by name",
            )
        )
        return [*findings, Finding("URLs", True, f"the same for everyone: {base}<name>")]

    def urls_are_deterministic(self) -> bool:
        return True

    def urls_are_public(self) -> bool:
        # Behind a login, a browser sent to the URL would be refused: such a layer is proxied.
        return not self.storage.has_credentials

    def open_range(self, name: str, start: int = 0, length: int | None = None, *, checksum: bool = True) -> Chunks:
        # One GET (ranged for a part), streamed: never the whole file, never a GET and then a ranged one.
        # An HTTP server sends no checksum: the length is what is checked (HTTPIncompleteBody).
        end = None if length is None else start + length - 1
        file = HTTPFile(self.storage, name, start, end)
        return Chunks(file, length, STREAM_CHUNK_SIZE, file.obj)


def describe(storage: HTTPStorage) -> str:
    """Say where an HTTP layer's files are, without credentials."""
    return f"HTTP server {redact_url(storage.base_url)}"


__all__ = [
    "HTTPAdapter",
    "HTTPFile",
    "HTTPForbidden",
    "HTTPIncompleteBody",
    "HTTPLayerError",
    "HTTPRangeNotSatisfiable",
    "HTTPRedirectError",
    "HTTPStorage",
    "HTTPTimeout",
    "HTTPUnauthorized",
    "HTTPUnreachable",
    "credentials_from_environ",
]
