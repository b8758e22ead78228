"""The media view: serve any name of a hybrid under ``MEDIA_URL``, from whichever layer serves it.

Files of local layers (the write layer, a filesystem lower layer) are streamed from disk. A remote
lower layer's file is redirected to (``302`` to the layer's own URL) or proxied (streamed through
Django), per layer: ``{"name": ..., "storage": ..., "serve": "redirect" | "proxy"}``; without
``serve``, a layer whose URLs are absolute and public is redirected to, any other is proxied.

Like ``django.views.static.serve`` this is a development tool (system check ``hybridmedia.W002``).
See docs/media-view.md.
"""

from __future__ import annotations

import logging
import math
import mimetypes
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import SuspiciousFileOperation
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from hybridmedia import get_hybrid_storage
from hybridmedia.byteranges import ByteRange, Unsatisfiable, if_range_passes, parse_range
from hybridmedia.conf import app_settings
from hybridmedia.exceptions import LayerUnavailable
from hybridmedia.placeholders import is_image_name, placeholder
from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.backends.base import CHUNK_SIZE, RangeNotSatisfiable
from hybridmedia.storage.cache import Probe
from hybridmedia.storage.model import Copy, Whereabouts
from hybridmedia.storage.names import is_missing, validate_name

T = TypeVar("T")
R = TypeVar("R", bound=HttpResponseBase)
logger = logging.getLogger("hybridmedia")

#: What ``mimetypes`` calls an encoding is the file's own format here: a ``.gz`` is served as gzip
#: data, never with ``Content-Encoding`` (a browser would unpack it). The same table as FileResponse's.
ENCODED_TYPES = {
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip",
    "compress": "application/x-compress",
    "gzip": "application/gzip",
    "xz": "application/x-xz",
}
#: The header that says which layer served a file (a development aid, like the admin's badges).
LAYER_HEADER = "X-Hybridmedia-Layer"


@csrf_exempt  # it only reads: a POST gets its 405, not the CSRF failure page
def serve_media(request: HttpRequest, name: str, alias: str | None = None) -> HttpResponseBase:
    """Serve ``name`` of the hybrid ``STORAGES[alias]`` (``HYBRIDMEDIA_STORAGE_ALIAS`` by default)."""
    if request.method not in ("GET", "HEAD"):
        return _secure(HttpResponseNotAllowed(["GET", "HEAD"]))
    storage = get_hybrid_storage(alias)
    try:
        if not name or name.endswith("/"):
            raise SuspiciousFileOperation("a directory")
        # Traversal, absolute names, NUL and control characters, whiteout markers: never served,
        # and never echoed into a placeholder.
        name = validate_name(name)
    except SuspiciousFileOperation:
        return _plain(404, "Not found.")
    # As a read does: no layer below the serving copy is asked (a local or pulled file costs no request).
    where = storage.whereabouts(name, skip_unavailable=True, serving_only=True)
    serving = where.serving
    unreachable = _unreachable_above(storage, where)
    if unreachable is not None:
        return _unavailable(storage, name, unreachable)
    if serving is None or not serving.probe.exists:  # missing, whited out, or a directory
        reason = f"deleted in layer {storage.top.name!r}" if where.whited_out else "not in any layer"
        return _missing(name, reason)
    try:
        try:
            return _serve_copy(request, storage, name, serving)
        except FileChanged as changed:
            # The file was replaced since the origin cache saw it: headers made from the old size would
            # not match the body. Serve it as the GET described it (a range past the new end described
            # nothing: then the layer is asked), and remember that.
            layer = serving.layer
            probe = changed.found or _ask(storage, layer, lambda: layer.adapter.probe(name))
            storage.remember(layer, name, probe)
            if not probe.exists:
                raise FileNotFoundError(name) from None
            return _serve_copy(request, storage, name, Copy(layer, probe))
    except LayerUnavailable as exc:
        return _unavailable(storage, name, exc)
    except FileNotFoundError:  # gone since the origin cache saw it
        return _missing(name, "not in any layer")
    except FileChanged:  # changed again while it was asked again: rare enough to let the client retry
        response = _plain(503, f"{name!r} changed while it was read. Try again.")
        response.headers["Retry-After"] = "1"
        return response


def _unreachable_above(storage: HybridStorage, where: Whereabouts) -> LayerUnavailable | None:
    """The outage of a layer above the serving copy, which might hold the name (``unavailable="error"``)."""
    if not where.unknown or where.whited_out or storage.unavailable == "miss":
        return None
    order = [layer.name for layer in storage.layers]
    serving = where.serving
    limit = order.index(serving.layer.name) if serving is not None else len(order)
    for layer_name, error in where.unknown.items():
        if order.index(layer_name) < limit:
            return error
    return None


def _serve_copy(request: HttpRequest, storage: HybridStorage, name: str, copy: Copy) -> HttpResponseBase:
    layer = copy.layer
    target = _redirect_target(request, storage, layer, name)
    if target is not None:
        redirect = HttpResponseRedirect(target)
        redirect.headers["Cache-Control"] = "no-cache"  # a local copy may take over the name at any time
        return _secure(redirect, layer)
    size, modified = _size_and_time(storage, copy, name)
    etag = _etag(copy, size, modified)
    last_modified = int(modified.timestamp()) if modified is not None else None
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-cache"}
    if etag is not None:
        headers["ETag"] = etag
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    validators = HttpResponse(headers=headers)
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified, response=validators)
    if conditional is not None and conditional is not validators:  # 304 Not Modified or 412 Precondition Failed
        return _secure(conditional, layer)
    byte_range: ByteRange | None = None
    header = request.META.get("HTTP_RANGE")
    if header is not None and if_range_passes(request.META.get("HTTP_IF_RANGE"), etag, last_modified):
        try:
            byte_range = parse_range(header, size)
        except Unsatisfiable:
            refusal = _plain(416, "Range Not Satisfiable.")
            for key, value in {"Content-Range": f"bytes */{size}", **headers}.items():
                refusal.headers[key] = value
            return _secure(refusal, layer)
    response = _body(request, storage, copy, name, byte_range, size)
    for key, value in headers.items():
        response.headers[key] = value
    response.headers["Content-Type"] = _content_type(name)
    response.headers["Content-Length"] = str(byte_range.length if byte_range else size)
    response.headers.pop("Content-Disposition", None)
    if byte_range is not None:
        response.status_code = 206
        response.headers["Content-Range"] = byte_range.content_range(size)
    return _secure(response, layer)


def _redirect_target(request: HttpRequest, storage: HybridStorage, layer: Layer, name: str) -> str | None:
    """The layer's URL to redirect to, or ``None`` to stream the file through Django."""
    if layer.serve == "proxy" or (layer.serve is None and not layer.adapter.remote):
        return None
    url, url_layer = storage.url_with_layer(name)
    if url_layer != layer:  # another layer took over the name meanwhile: stream what was found
        return None
    parts = urlsplit(url)
    if layer.serve is None and not (
        parts.scheme in ("http", "https") and parts.netloc and layer.adapter.urls_are_public()
    ):
        return None  # a relative URL leads back here; a signed one or a private host is proxied
    if not parts.netloc and parts.path == request.path:
        return None  # the layer's URL is this view's own: a redirect would loop
    return url


def _size_and_time(storage: HybridStorage, copy: Copy, name: str) -> tuple[int, datetime | None]:
    """The copy's size and modification time: from its probe, or asked of its layer where a probe had none."""
    layer = copy.layer
    size, modified = copy.size, copy.modified
    if size is None or modified is None:
        # One question answers both (a single HEAD for a remote layer), and is never asked twice.
        known = _ask(storage, layer, lambda: layer.adapter.stat(name))
        if not known.exists:
            raise FileNotFoundError(name)
        size = known.size if size is None else size
        modified = known.modified if modified is None else modified
    if size is None:  # the layer cannot tell: its own error says so
        size = _ask(storage, layer, lambda: layer.storage.size(name))
    return size, modified


def _etag(copy: Copy, size: int, modified: datetime | None) -> str | None:
    """A strong entity tag: the content's MD5 where the layer gave it, else modification time and size."""
    if copy.etag:
        return f'"{copy.etag}"'
    if modified is None:
        return None
    return f'"{int(modified.timestamp() * 1_000_000):x}-{size:x}"'


def _content_type(name: str) -> str:
    content_type, encoding = mimetypes.guess_type(name)
    if encoding:
        return ENCODED_TYPES.get(encoding, "application/octet-stream")
    return content_type or "application/octet-stream"


def _body(
    request: HttpRequest, storage: HybridStorage, copy: Copy, name: str, byte_range: ByteRange | None, size: int
) -> HttpResponseBase:
    """The response carrying the bytes (none for ``HEAD``), streamed with memory bounded by one chunk.

    ``size`` is the size the headers promise; a proxied file found to be another one when opened
    raises ``FileChanged`` before anything is sent.
    """
    layer = copy.layer
    if request.method == "HEAD":
        return HttpResponse()
    if byte_range is None and not layer.adapter.remote:
        # A whole local file: FileResponse, which a WSGI server's file_wrapper may send with sendfile().
        file = _ask(storage, layer, lambda: layer.storage.open(name, "rb"))
        response = FileResponse(file)
        response.block_size = CHUNK_SIZE
        return response
    start, length = (byte_range.start, byte_range.length) if byte_range else (0, None)
    try:
        # No end-of-body checksum: it could only fail once every byte was sent (see open_range()).
        chunks = _ask(storage, layer, lambda: layer.adapter.open_range(name, start, length, checksum=False))
    except RangeNotSatisfiable:
        raise FileChanged(name, None) from None  # shorter than the origin cache knew it
    if _changed(copy, size, chunks.found):
        chunks.close()
        raise FileChanged(name, chunks.found)
    return StreamingHttpResponse(chunks)


def _changed(copy: Copy, size: int, found: Probe | None) -> bool:
    """Whether the opened file differs from the copy the headers describe: its size, ETag or time."""
    if found is None:
        return False  # the layer could not tell
    if found.size is not None and found.size != size:
        return True
    if found.etag is not None and copy.etag is not None and found.etag != copy.etag:
        return True
    # To the second: a listing gives S3's times in milliseconds, a GET's Last-Modified in seconds.
    return (
        found.modified is not None
        and copy.modified is not None
        and int(found.modified.timestamp()) != int(copy.modified.timestamp())
    )


class FileChanged(Exception):
    """A proxied file is not the one the origin cache described: it was replaced meanwhile.

    ``found`` is what the layer's answer said about the file now, ``None`` where it said nothing.
    """

    def __init__(self, name: str, found: Probe | None) -> None:
        super().__init__(name)
        self.found = found


def _ask(storage: HybridStorage, layer: Layer, call: Callable[[], T]) -> T:
    """Run ``call`` against ``layer``: a lower layer through the outage breaker; "missing" as ``FileNotFoundError``."""
    try:
        return call() if layer.writable else storage.ask(layer, call)
    except LayerUnavailable:
        raise
    except Exception as exc:
        if is_missing(exc) and not isinstance(exc, FileNotFoundError):
            raise FileNotFoundError(str(exc)) from exc
        raise


# Answers without a file -------------------------------------------------------------------------


def _missing(name: str, reason: str) -> HttpResponseBase:
    return _without_file(404, name, reason, f"{name!r} was not found: {reason}.")


def _unavailable(storage: HybridStorage, name: str, error: LayerUnavailable) -> HttpResponseBase:
    reason = f"layer {error.layer_name!r} is unreachable"
    response = _without_file(503, name, reason, f"{name!r} is unavailable: {reason}. Try again later.")
    retry = getattr(storage.availability, "retry_after", None)
    if retry:
        response.headers["Retry-After"] = str(math.ceil(retry))
    return response


def _without_file(status: int, name: str, reason: str, message: str) -> HttpResponseBase:
    """A placeholder image (``HYBRIDMEDIA_PLACEHOLDERS``) or a line of text; never cached either way."""
    if app_settings.PLACEHOLDERS and is_image_name(name):
        image = placeholder(name, reason)
        response = HttpResponse(image.content, status=status, content_type=image.content_type)
        # The placeholder is our own drawing: nothing in it may run or load anything.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        response.headers["Cache-Control"] = "no-store"
        return _secure(response)
    return _plain(status, message)


def _plain(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return _secure(response)


def _secure(response: R, layer: Layer | None = None) -> R:
    response.headers["X-Content-Type-Options"] = "nosniff"
    if layer is not None:
        response.headers[LAYER_HEADER] = layer.name
    return response
