"""Map a URL that one of a hybrid's layers produced (e.g. pasted from a browser) back to its name."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from hybridmedia.storage import HybridStorage, Layer

#: A name whose URL shows where a layer's URLs put the name; never looked up, only formatted.
_PROBE = "hybridmedia-url-probe"


def looks_like_url(text: str) -> bool:
    """Return whether ``text`` is a URL rather than a storage name."""
    return "://" in text or text.startswith("/")


def _url_prefix(layer: Layer) -> str | None:
    """Return what comes before the name in ``layer``'s URLs, or ``None`` if it has no URLs."""
    try:
        url = layer.storage.url(_PROBE)
    except (NotImplementedError, ValueError):
        return None
    url = _strip(url)
    if not url.endswith(_PROBE):
        return None
    return url[: -len(_PROBE)]


def _strip(url: str) -> str:
    return urlsplit(url)._replace(query="", fragment="").geturl()


def name_from_url(storage: HybridStorage, url: str) -> tuple[str, Layer] | None:
    """Return ``(name, layer)`` when ``url`` is a URL ``layer`` would produce for ``name``."""
    try:
        url = _strip(url)
        path = urlsplit(url).path
    except ValueError:  # not a URL at all (an unbalanced "[" in its host, say)
        return None
    for layer in storage.layers:
        prefix = _url_prefix(layer)
        if not prefix:
            continue
        # A relative prefix such as MEDIA_URL "/media/" matches the path of an absolute URL too.
        relative = not urlsplit(prefix).netloc
        candidate = path if relative and "://" in url else url
        if candidate.startswith(prefix) and len(candidate) > len(prefix):
            return unquote(candidate[len(prefix) :]), layer
    return None


def url_prefixes(storage: HybridStorage) -> list[str]:
    """Return what each layer's URLs start with, top first (for error messages)."""
    return [prefix for layer in storage.layers if (prefix := _url_prefix(layer))]
