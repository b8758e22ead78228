"""HTTP ``Range`` and ``If-Range`` for the media view (RFC 9110, sections 13.1.5 and 14)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.http import parse_http_date_safe

#: ``first-last``, ``first-`` or ``-suffix``, with optional whitespace around each range.
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class ByteRange:
    """One satisfiable range of a file: ``length`` bytes from ``start``."""

    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length - 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class Unsatisfiable(Exception):
    """The ``Range`` header is malformed, or no range in it lies within the file: answer 416."""


def parse_range(header: str, size: int) -> ByteRange | None:
    """Return the one range ``header`` asks of a file of ``size`` bytes; ``None`` means send the whole file.

    ``None`` for another unit than ``bytes`` (RFC 9110 says to ignore it) and for several ranges:
    RFC 9110 lets a server answer a multi-range request with the whole representation, which costs a
    client one response instead of a ``multipart/byteranges`` body to parse, and is what the view does.
    ``Unsatisfiable`` for a malformed header (``bytes=5-2``, ``bytes=x``) or one that starts past the end.
    """
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    parts = specs.split(",")
    if not specs.strip() or any(not _RANGE.match(part) for part in parts):
        raise Unsatisfiable(header)
    ranges = [_resolve(part, size) for part in parts]
    satisfiable = [found for found in ranges if found is not None]
    if not satisfiable:
        raise Unsatisfiable(header)
    return satisfiable[0] if len(parts) == 1 else None


def _resolve(spec: str, size: int) -> ByteRange | None:
    match = _RANGE.match(spec)
    assert match is not None
    first, last = match.groups()
    if not first and not last:
        raise Unsatisfiable(spec)
    if not first:  # a suffix: the last N bytes (all of them when N exceeds the size)
        suffix = int(last)
        if suffix == 0 or size == 0:
            return None
        length = min(suffix, size)
        return ByteRange(size - length, length)
    start = int(first)
    if last and int(last) < start:
        raise Unsatisfiable(spec)
    if start >= size:
        return None
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end - start + 1)


def if_range_passes(header: str | None, etag: str | None, last_modified: int | None) -> bool:
    """Return whether a ``Range`` may be honoured given ``If-Range`` (absent: yes).

    An entity tag must match strongly; a date must equal ``Last-Modified`` exactly.
    """
    if header is None:
        return True
    header = header.strip()
    if header.startswith(('"', "W/")):
        return etag is not None and not etag.startswith("W/") and header == etag
    date = parse_http_date_safe(header)
    return date is not None and last_modified is not None and date == last_modified
