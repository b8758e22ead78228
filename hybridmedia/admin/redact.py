"""Keep credentials out of error messages shown in admin pages."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import Storage

#: Attribute names under which storage backends keep credentials (django-storages S3, Azure, GCS, SFTP...).
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

# Short values ("", "x") would redact ordinary words; real credentials are longer.
MIN_SECRET_LENGTH = 4


def secret_values(storages: Iterable[Storage]) -> set[str]:
    """Return every credential-like option value held by ``storages``."""
    values: set[str] = set()
    for storage in storages:
        for attribute in SECRET_ATTRIBUTES:
            value = getattr(storage, attribute, None)
            if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
                values.add(value)
    return values


def describe_error(exc: BaseException, storages: Iterable[Storage] = ()) -> str:
    """Return ``"ErrorType: message"`` with any credential of ``storages`` replaced by ``***``."""
    message = f"{type(exc).__name__}: {exc}"
    # Longest first, so a secret that contains another is redacted whole.
    for secret in sorted(secret_values(storages), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message
