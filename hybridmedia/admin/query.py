"""What the media browser's URL asks for, read and validated once, and the links that change it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.encoding import escape_uri_path

from hybridmedia.storage.names import validate_directory

__all__ = ["BrowserQuery"]

#: Longer than any S3 key: a marker this long was not written by the browser.
MARKER_MAX_LENGTH = 1024


@dataclass(frozen=True)
class BrowserQuery:
    """One browser URL: a directory, the search and filters, how it is paged, and where the page starts.

    The fields and their query-string parameters: ``directory`` (``dir``), ``search`` (``q``), ``layer``,
    ``shadowed`` and ``whiteouts`` (``=1``), ``counting`` (``count=1``: numbered pages of the whole
    listing), ``page`` (``p``), ``after`` (an unfiltered page starts after this name), ``trail``
    (``back``: earlier unfiltered pages' markers, for "Previous") and ``refresh`` (``=1``).
    """

    path: str
    directory: str = ""
    search: str = ""
    layer: str = ""
    shadowed: bool = False
    whiteouts: bool = False
    counting: bool = False
    page: int | None = None
    after: str = ""
    trail: tuple[str, ...] = ()
    refresh: bool = False

    @classmethod
    def from_request(cls, request: HttpRequest) -> BrowserQuery:
        """Read the browser's query string; a directory that is no valid name raises, anything else is ignored."""
        params = request.GET
        return cls(
            path=escape_uri_path(request.path),
            # SuspiciousFileOperation: the admin answers 400, as for any name the storage refuses.
            directory=validate_directory(params.get("dir", "")).strip("/"),
            search=params.get("q", "").strip(),
            layer=params.get("layer", ""),
            shadowed=params.get("shadowed") == "1",
            whiteouts=params.get("whiteouts") == "1",
            counting=params.get("count") == "1",
            page=_page(params.get("p")),
            after=_marker(params.get("after", "")),
            trail=tuple(marker for marker in map(_marker, params.getlist("back")) if marker),
            refresh=params.get("refresh") == "1",
        )

    @property
    def filtered(self) -> bool:
        """Whether the search or a filter narrows the directory (which then is listed whole)."""
        return bool(self.search or self.layer or self.shadowed or self.whiteouts)

    @property
    def filters(self) -> dict[str, str]:
        """The search and the filters as query-string parameters; empty values for those not set."""
        return {
            "q": self.search,
            "layer": self.layer,
            "shadowed": _flag(self.shadowed),
            "whiteouts": _flag(self.whiteouts),
        }

    def url(self, **changes: Any) -> str:
        """Return the URL of this query with ``changes``.

        A link keeps the directory, the search and the filters. Counting, the page, its markers and
        ``refresh`` describe the page being shown, not what the user asked to see: a link carries them
        only when ``changes`` sets them, so it leads to a first page, read the cheap way.
        """
        query = replace(self, **{**_PAGE_STATE, **changes})
        params = [
            ("dir", query.directory),
            *query.filters.items(),
            ("count", _flag(query.counting)),
            ("after", query.after),
            *(("back", marker) for marker in query.trail),
            ("p", "" if query.page is None else str(query.page)),
            ("refresh", _flag(query.refresh)),
        ]
        encoded = urlencode([(key, value) for key, value in params if value])
        return f"{query.path}?{encoded}" if encoded else query.path


#: What a link resets unless it says otherwise: see ``BrowserQuery.url()``.
_PAGE_STATE: dict[str, Any] = {"counting": False, "page": None, "after": "", "trail": (), "refresh": False}


def _flag(value: bool) -> str:
    return "1" if value else ""


def _page(value: str | None) -> int | None:
    # The paginators decide what an out-of-range number means; a page that is no number is no page.
    try:
        return int(value or "")
    except ValueError:
        return None


def _marker(value: str) -> str:
    # A marker is only compared with keys, never opened; still, refuse what no S3 key can be.
    if len(value) > MARKER_MAX_LENGTH or any(ord(char) < 32 for char in value):
        return ""
    return value
