"""The one place that decides what of a configuration value may appear in a message.

Every error, banner, log line and command output that shows part of a configuration goes through
these helpers, so no credential reaches a page, a log or a terminal: values of credential-like
options are replaced by ``***``, and so is the userinfo of any URL (``user:password@``), even when
the password holds a ``/`` that makes the URL parse wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

__all__ = [
    "MASK",
    "describe_error",
    "is_credential_key",
    "redact_config",
    "redact_text",
    "redact_url",
    "redact_value",
    "secret_values",
]

MASK = "***"

#: An option whose name contains one of these holds a credential (``access_key``, ``secret_key``,
#: ``aws_secret_access_key``, ``security_token``, ``sse_customer_key``, ``cloudfront_key``, ...).
CREDENTIAL_WORDS = ("key", "secret", "token", "password", "passwd", "credential", "signature", "auth")

#: django-storages options whose names contain such a word but which hold a flag or a version:
#: masking them would only hide the typo an error message is about.
NOT_CREDENTIALS = frozenset({"querystring_auth", "signature_version"})

#: Attributes under which storage backends keep credentials even when a class, not an instance, sets
#: them (django-storages S3, Azure, GCS, SFTP...); instance attributes are found by name as well.
SECRET_ATTRIBUTES = (
    "access_key",
    "secret_key",
    "security_token",
    "session_token",
    "account_key",
    "sas_token",
    "password",
    "credentials",
    "private_key",
)

# Short values ("", "x") would mask ordinary words; real credentials are longer.
MIN_SECRET_LENGTH = 4

# "scheme://" then the userinfo up to an "@": a token without "/", or "user:password" whose password
# may hold a "/" (which would otherwise end the authority early and leave the secret in the path).
# Both run to the last "@" of the authority, as urlsplit() does, so a raw "@" in a password is masked too.
# In free text a URL ends at whitespace or a quote; a URL value (a query parameter parse_qsl() decoded,
# say) may hold a space that was a "+" of the password.
_SCHEME = r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-_]*://)"
_USERINFO_IN_TEXT = re.compile(_SCHEME + r"(?P<userinfo>[^/?#\s'\"]*|[^/?#@\s'\":]*:[^?#\s'\"]*)@")
_USERINFO_IN_URL = re.compile(_SCHEME + r"(?P<userinfo>[^/?#]*|[^/?#@:]*:[^?#]*)@")
# key=value in a query string or a message, key%3Dvalue in an encoded one, key='value' in a repr.
_KEY_VALUE = re.compile(
    r"(?P<key>[A-Za-z0-9_.\-]+)(?P<sep>=|%3D)(?P<value>'[^']*'|\"[^\"]*\"|[^&#\s'\",;]*)", re.IGNORECASE
)
# 'key': 'value' in the repr of a dict (an OPTIONS dict that reached a message some other way).
_QUOTED_PAIR = re.compile(
    r"(?P<key>(?P<quote>['\"])[A-Za-z0-9_.\-]+(?P=quote)\s*:\s*)(?P<value>b?'[^']*'|b?\"[^\"]*\")"
)


def is_credential_key(key: object) -> bool:
    """Return whether an option called ``key`` may hold a credential."""
    lowered = str(key).lower()
    if lowered in NOT_CREDENTIALS:
        return False
    return any(word in lowered for word in CREDENTIAL_WORDS)


def _mask_pair(match: re.Match[str]) -> str:
    key, sep, value = match["key"], match["sep"], match["value"]
    quote = value[:1] if value[:1] in {"'", '"'} else ""
    if is_credential_key(key):
        return f"{key}{sep}{quote}{MASK}{quote}"
    decoded = unquote(value[1:-1] if quote else value)
    if "@" not in decoded:
        return match.group(0)
    # A login inside the value: a (percent-encoded) URL's userinfo, or "user:password@host" with no scheme.
    shown = redact_url(decoded) if "://" in decoded else redact_url(f"x://{decoded}").removeprefix("x://")
    return match.group(0) if shown == decoded else f"{key}{sep}{quote}{shown}{quote}"


def _mask_quoted_pair(match: re.Match[str]) -> str:
    if is_credential_key(match["key"].strip("'\": \t")):
        return f"{match['key']}{MASK!r}"
    return match.group(0)


def _mask_userinfo(match: re.Match[str]) -> str:
    return f"{match['scheme']}{MASK}@"


def redact_url(url: str) -> str:
    """Return ``url`` with its userinfo and every credential-like query value masked."""
    return _KEY_VALUE.sub(_mask_pair, _USERINFO_IN_URL.sub(_mask_userinfo, url))


#: ``user:password@host`` without a scheme (an endpoint written without ``http://``).
_SCHEMELESS_USERINFO = re.compile(r"^[^\s/@:]+:[^\s@]*@[^\s@]+$")


def has_userinfo(value: object) -> bool:
    """Return whether ``value`` is text holding a URL with credentials (``user:password@``, with a scheme or not)."""
    return isinstance(value, str) and bool(_USERINFO_IN_URL.search(value) or _SCHEMELESS_USERINFO.match(value))


def redact_text(text: str) -> str:
    """Return free text (an exception's message, say) with URL userinfo and ``secret=...`` pairs masked."""
    text = _KEY_VALUE.sub(_mask_pair, _USERINFO_IN_TEXT.sub(_mask_userinfo, text))
    return _QUOTED_PAIR.sub(_mask_quoted_pair, text)


def redact_value(key: object, value: Any) -> str:
    """Return ``repr(value)`` for a message about the option ``key``, masked if it may be a credential."""
    if is_credential_key(key):
        return repr(MASK)
    return repr(redact_config(value))


def redact_config(value: Any) -> Any:
    """Return a copy of ``value`` (a config dict, list or string) safe to ``repr()`` in a message."""
    if isinstance(value, Mapping):
        return {key: MASK if is_credential_key(key) else redact_config(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_config(item) for item in value)
    if isinstance(value, str):
        return redact_url(value)
    return value


def secret_values(holders: Iterable[object]) -> set[str]:
    """Return every credential-like attribute value of ``holders`` (storages, say)."""
    values: set[str] = set()
    for holder in holders:
        names = {*SECRET_ATTRIBUTES, *(name for name in getattr(holder, "__dict__", {}) if is_credential_key(name))}
        for name in names:
            value = getattr(holder, name, None)
            if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
                values.add(value)
    return values


def describe_error(exc: BaseException, holders: Iterable[object] = ()) -> str:
    """Return ``"ErrorType: message"`` for a message, masked like ``redact_text()``.

    Low-level errors (botocore's, a backend's) may quote a credential without naming it, so every
    credential-like value of ``holders`` (the storages involved) is masked wherever it appears too.
    """
    message = f"{type(exc).__name__}: {exc}"
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted(secret_values(holders), key=len, reverse=True):
        message = message.replace(secret, MASK)
    return redact_text(message)
