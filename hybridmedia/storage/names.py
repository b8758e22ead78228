"""Name validation, whiteout marker names and "missing file" detection shared by the storage code."""

from __future__ import annotations

import errno
import os
import posixpath
import re

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name

#: Directory in the top layer that holds whiteout markers. Names inside it are reserved.
WHITEOUT_DIR = ".hybridmedia-whiteouts"
#: Directory in a cache layer that holds the record of each pulled copy. Names inside it are reserved.
PULLED_DIR = ".hybridmedia-pulled"
#: The directories hybridmedia keeps its own files in, never listed or served.
RESERVED_DIRS = frozenset({WHITEOUT_DIR, PULLED_DIR})

#: S3 keys are limited to 1,024 bytes and most filesystems to 255 bytes per component;
#: longer names are refused up front with a clear error instead of a backend-specific one.
MAX_NAME_BYTES = 1024


#: Unicode's control characters (category Cc): C0, DEL and C1. A regex, not ``unicodedata.category()``
#: per character: this runs on the path of every new name.
_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_characters(name: str) -> None:
    if not isinstance(name, str):
        raise SuspiciousFileOperation(f"File names must be strings, not {type(name).__name__}: {name!r}")
    if _CONTROL_CHARACTER.search(name):
        raise SuspiciousFileOperation(
            f"File name {name!r} contains a NUL or control character; remove it and try again."
        )
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise SuspiciousFileOperation(
            f"File name {name[:40]!r}... is {len(name.encode('utf-8'))} bytes long; names may be "
            f"at most {MAX_NAME_BYTES} bytes."
        )


def _check_not_reserved(name: str) -> None:
    # Normalised first: "./.hybridmedia-whiteouts/x" reaches the same file as the marker would.
    first = posixpath.normpath(name.replace("\\", "/")).lstrip("/").split("/", 1)[0]
    if first in RESERVED_DIRS:
        kept = "whiteout markers" if first == WHITEOUT_DIR else "the records of pulled copies"
        raise SuspiciousFileOperation(
            f"File name {name!r} is inside {first!r}, which hybridmedia reserves for {kept}; choose another directory."
        )


def as_name(name: str | os.PathLike[str]) -> str:
    """Return ``name`` as a string: Django's storages take ``pathlib`` paths as names too."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
        if isinstance(name, str) and os.sep != "/":
            name = name.replace(os.sep, "/")
    return name


def validate_name(name: str | os.PathLike[str]) -> str:
    """Return ``name`` as a string; refuse traversal, absolute paths, control characters, huge and reserved names."""
    if isinstance(name, str) and name in _valid_names:
        return name
    name = as_name(name)
    _check_characters(name)
    validate_file_name(name, allow_relative_path=True)
    _check_not_reserved(name)
    name = canonical_name(name)
    validate_file_name(name, allow_relative_path=True)  # "..\\x" is "../x"
    _remember_valid(name)
    return name


def canonical_name(name: str) -> str:
    """Return ``name`` spelled as every layer stores it: ``/`` separators, no ``.`` or empty components.

    Django's storages turn ``\\`` into ``/`` when they save, S3Storage does when it reads, and
    ``a/./b.jpg`` is ``a/b.jpg`` on every layer: one spelling keeps whiteouts, the origin cache and
    batched lookups about the same file.
    """
    if "\\" not in name and "/." not in name and "//" not in name and not name.startswith("./"):
        return name
    return "/".join(part for part in name.replace("\\", "/").split("/") if part not in ("", "."))


# Names are checked on every call, and a page asks about the same names again and again; a name that
# passed once always passes (the checks depend on nothing else), so valid names are remembered.
_VALID_NAMES_KEPT = 10_000
_valid_names: dict[str, None] = {}


def _remember_valid(name: str) -> None:
    if len(_valid_names) >= _VALID_NAMES_KEPT:
        _valid_names.clear()  # cheaper than LRU bookkeeping on the hot path; refills in one page
    _valid_names[name] = None


def validate_directory(path: str | os.PathLike[str]) -> str:
    """Like ``validate_name()`` for a directory; ``""`` means the root."""
    path = as_name(path)
    _check_characters(path)
    if path.strip("/") not in ("", "."):
        validate_file_name(path.rstrip("/"), allow_relative_path=True)
        _check_not_reserved(path)
    return path


#: A marker's file name is the hidden name's, after this prefix (overlayfs and aufs say ``.wh.`` too).
WHITEOUT_PREFIX = ".wh."


def _escape(directory: str) -> str:
    # A marker's directories are the name's own, except that a component starting with "." gets one
    # more: so no marker directory starts with ".wh.", and a marker (a file) is never in the way of
    # another marker's directory, although S3 holds "photos" and "photos/1.jpg" at once.
    if "." not in directory:
        return directory
    return "/".join(f".{part}" if part.startswith(".") else part for part in directory.split("/"))


def _unescape(directory: str) -> str:
    return "/".join(part[1:] if part.startswith(".") else part for part in directory.split("/"))


def whiteout_directory(path: str) -> str:
    """Return the top-layer directory that holds the markers of the names directly in ``path``."""
    path = path.strip("/")
    return f"{WHITEOUT_DIR}/{_escape(path)}" if path not in ("", ".") else WHITEOUT_DIR


def whiteout_marker(name: str) -> str:
    """Return the top-layer name of the marker that hides ``name`` from the lower layers."""
    directory, _, base = name.rpartition("/")
    if directory:
        return f"{WHITEOUT_DIR}/{_escape(directory)}/{WHITEOUT_PREFIX}{base}"
    return f"{WHITEOUT_DIR}/{WHITEOUT_PREFIX}{base}"  # f-strings: this runs on every read


#: A pull record's file name is the pulled name's, after this prefix, with this suffix.
PULLED_PREFIX = ".pulled."
PULLED_SUFFIX = ".json"


def pull_record_name(name: str) -> str:
    """Return the cache-layer name of the record that says where the pulled copy of ``name`` came from."""
    directory, _, base = name.rpartition("/")
    if directory:
        return f"{PULLED_DIR}/{_escape(directory)}/{PULLED_PREFIX}{base}{PULLED_SUFFIX}"
    return f"{PULLED_DIR}/{PULLED_PREFIX}{base}{PULLED_SUFFIX}"


def whited_out_name(marker: str) -> str | None:
    """Return the name a marker hides, given its path below ``WHITEOUT_DIR``; ``None`` if it is no marker."""
    directory, _, base = marker.strip("/").rpartition("/")
    if not base.startswith(WHITEOUT_PREFIX) or len(base) == len(WHITEOUT_PREFIX):
        return None
    base = base[len(WHITEOUT_PREFIX) :]
    return f"{_unescape(directory)}/{base}" if directory else base


def is_missing(exc: BaseException) -> bool:
    """Return whether ``exc`` is a layer's way of saying "no such file"."""
    if isinstance(exc, FileNotFoundError):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return True  # A name too long for a filesystem layer is a name that layer cannot hold.
    # botocore's ClientError, without importing botocore: S3 answers 404 for a missing key.
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = response.get("Error", {}).get("Code")
        return status == 404 or code in {"404", "NoSuchKey", "NotFound"}
    return False
