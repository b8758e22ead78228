"""Exceptions raised by hybridmedia."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured


class Check(StrEnum):
    """The id of every system check hybridmedia reports, defined once (listed in docs/checks.md)."""

    NO_LAYERS = "hybridmedia.E001"
    BAD_LAYER = "hybridmedia.E002"
    UNKNOWN_ALIAS = "hybridmedia.E003"
    DUPLICATE_LAYER = "hybridmedia.E004"
    BAD_BACKEND = "hybridmedia.E005"
    HYBRID_AS_LAYER = "hybridmedia.E006"
    UNKNOWN_OPTION = "hybridmedia.E007"
    BAD_LOWER_DELETE = "hybridmedia.E008"
    BAD_CACHE = "hybridmedia.E009"
    BAD_UNAVAILABLE = "hybridmedia.E010"
    UNSAFE_LAYERS = "hybridmedia.E011"
    BAD_LOWER_PATHS = "hybridmedia.E012"
    CREDENTIALS_IN_OPTION = "hybridmedia.E013"
    READ_ONLY_WRITE_LAYER = "hybridmedia.E014"
    BAD_SERVE = "hybridmedia.E015"
    BAD_CACHE_LAYER = "hybridmedia.E016"
    NOT_IN_DEBUG = "hybridmedia.W001"
    MEDIA_VIEW_NOT_IN_DEBUG = "hybridmedia.W002"


class ReadOnlyLayerError(PermissionError):
    """A write or delete reached a read-only (lower) layer."""

    def __init__(self, layer_name: str, operation: str, name: object = None, *, hint: str | None = None) -> None:
        self.layer_name = layer_name
        self.operation = operation
        self.name = None if name is None else str(name)
        target = f" {self.name!r}" if self.name is not None else ""
        hint = hint or (
            "Only the top layer of a HybridStorage accepts writes and deletes; lower layers are never modified."
        )
        super().__init__(f"Layer {layer_name!r} is read-only: refused to {operation}{target}. {hint}")


class LayerConfigurationError(ImproperlyConfigured):
    """A ``HybridStorage`` is configured wrongly; ``check_id`` names the matching system check."""

    def __init__(self, message: str, *, hint: str, check_id: str) -> None:
        self.message = message
        self.hint = hint
        self.check_id = check_id
        super().__init__(f"{message} {hint}")


class LayerUnavailable(OSError):
    """A lower layer could not be reached (connection refused, timed out, or a 5xx answer)."""

    #: A template that shows a file of an unreachable layer renders an empty value, not an error page;
    #: the admin's badges and banners say what happened.
    silent_variable_failure = True

    def __init__(self, layer_name: str, endpoint: str, reason: str) -> None:
        self.layer_name = layer_name
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(
            f"Layer {layer_name!r} ({endpoint}) cannot be reached: {reason}. Files only it serves are "
            f"unavailable until it answers again; the top layer keeps working. To treat its files as "
            f'missing instead of raising this error, set OPTIONS["unavailable"] = "miss".'
        )


class LayerMisconfigured(LayerUnavailable):
    """A lower layer answers but cannot be used as configured: no such bucket, no or bad credentials, no access.

    A subclass of ``LayerUnavailable``, so everything that copes with an outage copes with it; its
    message names the layer, where it is (never the credentials) and the fix.
    """

    def __init__(self, layer_name: str, endpoint: str, reason: str, fix: str) -> None:
        self.layer_name = layer_name
        self.endpoint = endpoint
        self.reason = reason
        self.fix = fix
        OSError.__init__(self, f"Layer {layer_name!r} ({endpoint}) cannot be used: {reason}. {fix}")


def configuration_error(check: Check, message: str, hint: str) -> LayerConfigurationError:
    """Return the error a hybrid raises for a configuration problem; the system check reports it as ``check``."""
    return LayerConfigurationError(message, hint=hint, check_id=str(check))
