"""Exceptions raised by hybridmedia."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


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

    def __init__(self, layer_name: str, endpoint: str, reason: str) -> None:
        self.layer_name = layer_name
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(
            f"Layer {layer_name!r} ({endpoint}) cannot be reached: {reason}. Files only it serves are "
            f"unavailable until it answers again; the top layer keeps working. To treat its files as "
            f'missing instead of raising this error, set OPTIONS["unavailable"] = "miss".'
        )
