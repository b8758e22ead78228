"""The guard that makes a lower layer's storage refuse every write."""

from __future__ import annotations

from typing import IO, Any

from django.core.files.storage import Storage

from hybridmedia.exceptions import ReadOnlyLayerError


def is_write_mode(mode: str) -> bool:
    return any(flag in mode for flag in "wax+")


class ReadOnlyStorageMixin:
    """Refuse ``save``, ``delete`` and opening for writing; everything else is the wrapped backend's."""

    hybridmedia_layer_name: str = "?"

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        raise ReadOnlyLayerError(self.hybridmedia_layer_name, "save", name)

    def _save(self, name: str, content: Any) -> str:
        raise ReadOnlyLayerError(self.hybridmedia_layer_name, "save", name)

    def delete(self, name: str) -> None:
        raise ReadOnlyLayerError(self.hybridmedia_layer_name, "delete", name)

    def open(self, name: str, mode: str = "rb") -> IO[Any]:
        if is_write_mode(mode):
            raise ReadOnlyLayerError(self.hybridmedia_layer_name, f"open for writing (mode {mode!r})", name)
        return super().open(name, mode)  # type: ignore[misc,no-any-return]

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        if is_write_mode(mode):
            raise ReadOnlyLayerError(self.hybridmedia_layer_name, f"open for writing (mode {mode!r})", name)
        return super()._open(name, mode)  # type: ignore[misc,no-any-return]

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        # Deconstruct as the wrapped backend: the guard is not part of the storage's identity.
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        base = type(self).__mro__[2]
        return f"{base.__module__}.{base.__qualname__}", args, kwargs


_read_only_classes: dict[type[Storage], type[Storage]] = {}


def read_only_class(storage_class: type[Storage]) -> type[Storage]:
    """Return a subclass of ``storage_class`` whose instances refuse writes (one per class)."""
    if storage_class not in _read_only_classes:
        _read_only_classes[storage_class] = type(
            f"ReadOnly{storage_class.__name__}",
            (ReadOnlyStorageMixin, storage_class),
            {"__module__": __name__, "__doc__": f"Read-only {storage_class.__qualname__}."},
        )
    return _read_only_classes[storage_class]
