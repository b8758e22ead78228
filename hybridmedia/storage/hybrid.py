"""``HybridStorage``: a writable top layer over read-only lower layers."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any, TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.signals import setting_changed
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

from hybridmedia.exceptions import LayerConfigurationError, ReadOnlyLayerError
from hybridmedia.storage.layers import Layer, build_layers, parse_layer_specs
from hybridmedia.storage.names import (
    WHITEOUT_DIR,
    is_missing,
    validate_directory,
    validate_name,
    whiteout_marker,
)
from hybridmedia.storage.readonly import is_write_mode
from hybridmedia.storage.walk import walk_files

T = TypeVar("T")

LOWER_DELETE_CHOICES = ("whiteout", "ignore", "error")


@deconstructible(path="hybridmedia.storage.HybridStorage")
class HybridStorage(Storage):
    """Serve each name from the topmost layer that holds it; write only to the top layer."""

    def __init__(
        self,
        layers: Sequence[str | dict[str, Any]] | None = None,
        lower_delete: str = "whiteout",
        **unknown_options: Any,
    ) -> None:
        if unknown_options:
            raise LayerConfigurationError(
                f"HybridStorage got unknown option(s) {sorted(unknown_options)}.",
                hint='Remove them from OPTIONS; HybridStorage accepts "layers" and "lower_delete".',
                check_id="hybridmedia.E007",
            )
        if lower_delete not in LOWER_DELETE_CHOICES:
            raise LayerConfigurationError(
                f"HybridStorage got lower_delete={lower_delete!r}.",
                hint=f'Set OPTIONS["lower_delete"] to one of {", ".join(map(repr, LOWER_DELETE_CHOICES))}.',
                check_id="hybridmedia.E008",
            )
        self._layer_specs = parse_layer_specs(layers)
        self.lower_delete = lower_delete
        # Inline OPTIONS are environment-specific and may hold credentials: keep them out of
        # deconstruct(), so a FileField(storage=HybridStorage(...)) migration is stable and secret-free.
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        if "layers" in kwargs:
            kwargs = {**kwargs, "layers": [_without_options(item) for item in kwargs["layers"]]}
        self._constructor_args = (args, kwargs)
        setting_changed.connect(self._clear_layers)

    def _clear_layers(self, *, setting: str, **kwargs: Any) -> None:
        if setting == "STORAGES":
            self.__dict__.pop("layers", None)

    # Layers ---------------------------------------------------------------------------------

    @cached_property
    def layers(self) -> tuple[Layer, ...]:
        """The layers, top (writable) first; built on first use."""
        return build_layers(self._layer_specs)

    @property
    def top(self) -> Layer:
        return self.layers[0]

    @property
    def lower_layers(self) -> tuple[Layer, ...]:
        return self.layers[1:]

    def layer(self, name: str) -> Layer:
        """Return the layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"No layer {name!r}; the layers are {[layer.name for layer in self.layers]}.")

    # Whiteouts ------------------------------------------------------------------------------

    def _is_whited_out(self, name: str) -> bool:
        return bool(self.lower_layers) and self.top.storage.exists(whiteout_marker(name))

    def _add_whiteout(self, name: str) -> None:
        marker = whiteout_marker(name)
        if not self.top.storage.exists(marker):
            saved = self.top.storage.save(marker, ContentFile(b""))
            if saved != marker:  # Another process wrote the same whiteout meanwhile.
                self.top.storage.delete(saved)

    def whiteouts(self, prefix: str = "") -> Iterator[str]:
        """Yield every whited-out name under the directory ``prefix``."""
        validate_directory(prefix)
        root = whiteout_marker(prefix.strip("/")).rstrip("/")
        for marker in walk_files(self.top.storage, root):
            yield posixpath.relpath(marker, WHITEOUT_DIR)

    def restore(self, name: str) -> bool:
        """Drop the whiteout of ``name`` so the lower layers' copy shows again; return whether one existed."""
        validate_name(name)
        marker = whiteout_marker(name)
        if not self.top.storage.exists(marker):
            return False
        self.top.storage.delete(marker)
        return True

    # Where a name lives ---------------------------------------------------------------------

    def origin(self, name: str) -> Layer | None:
        """Return the layer that serves ``name``, or ``None`` when the hybrid does not hold it."""
        validate_name(name)
        if self.top.storage.exists(name):
            return self.top
        if self._is_whited_out(name):
            return None
        for layer in self.lower_layers:
            if layer.storage.exists(name):
                return layer
        return None

    def locate(self, name: str) -> list[Layer]:
        """Return every layer that physically holds ``name``, top first, whiteouts ignored."""
        validate_name(name)
        return [layer for layer in self.layers if layer.storage.exists(name)]

    def is_shadowed(self, name: str) -> bool:
        """Return whether the top layer's ``name`` hides a lower layer's copy."""
        validate_name(name)
        return self.top.storage.exists(name) and any(
            layer.storage.exists(name) for layer in self.lower_layers
        )

    def shadowed(self, prefix: str = "") -> Iterator[str]:
        """Yield every top-layer name under the directory ``prefix`` that hides a lower copy."""
        validate_directory(prefix)
        for name in walk_files(self.top.storage, prefix.strip("/"), skip=WHITEOUT_DIR):
            if any(layer.storage.exists(name) for layer in self.lower_layers):
                yield name

    def _first(self, name: str, call: Callable[[Layer], T]) -> T:
        """Return ``call(layer)`` for the layer that serves ``name``, asking each layer in turn."""
        validate_name(name)
        candidates = self.layers[:1] if self._is_whited_out(name) else self.layers
        for layer in candidates:
            try:
                return call(layer)
            except NotImplementedError:
                if layer.storage.exists(name):
                    raise
            except Exception as exc:
                if not is_missing(exc):
                    raise
        raise FileNotFoundError(
            f"{name!r} does not exist in any layer of the hybrid storage "
            f"({', '.join(layer.name for layer in self.layers)})."
        )

    # The Storage API ------------------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> IO[Any]:
        if is_write_mode(mode):
            return self._open_for_writing(name, mode)
        return self._first(name, lambda layer: layer.storage.open(name, mode))

    def _open_for_writing(self, name: str, mode: str) -> IO[Any]:
        validate_name(name)
        top = self.top.storage
        if not top.exists(name):
            source = self.origin(name)
            if "x" in mode and source is not None:
                raise FileExistsError(f"{name!r} already exists in layer {source.name!r}.")
            if source is not None and "w" not in mode:
                # Copy up, as a union filesystem does: the lower copy is never opened for writing.
                with source.storage.open(name, "rb") as original:
                    saved = top.save(name, original)
            else:
                saved = top.save(name, ContentFile(b""))
            if saved != name:  # Another writer created the name meanwhile; use theirs.
                top.delete(saved)
            self._remove_whiteout(name)
        return top.open(name, mode.replace("x", "w"))

    def _save(self, name: str, content: Any) -> str:
        validate_name(name)
        # No fallback: if the top layer fails, the error propagates and nothing else is written.
        saved = self.top.storage.save(name, content)
        self._remove_whiteout(saved)
        return saved

    def _remove_whiteout(self, name: str) -> None:
        if self._is_whited_out(name):
            self.top.storage.delete(whiteout_marker(name))

    def is_name_available(self, name: str, max_length: int | None = None) -> bool:
        # Free only if no layer holds the name and no whiteout keeps it: an upload can never
        # shadow a production file, now or after the whiteout is restored.
        if max_length and len(name) > max_length:
            return False
        validate_name(name)
        return not (
            self.top.storage.exists(name)
            or self._is_whited_out(name)
            or any(layer.storage.exists(name) for layer in self.lower_layers)
        )

    def delete(self, name: str) -> None:
        validate_name(name)
        top = self.top.storage
        had_top_copy = top.exists(name)
        if had_top_copy:
            top.delete(name)
        if self.lower_delete == "ignore" or self._is_whited_out(name):
            return
        holder = next((layer for layer in self.lower_layers if layer.storage.exists(name)), None)
        if holder is None:
            return
        if self.lower_delete == "error" and not had_top_copy:
            raise ReadOnlyLayerError(holder.name, "delete", name)
        if self.lower_delete == "whiteout":
            self._add_whiteout(name)

    def exists(self, name: str) -> bool:
        return self.origin(name) is not None

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        validate_directory(path)
        path = path.strip("/")
        directories: set[str] = set()
        top_files: set[str] = set()
        lower_files: set[str] = set()
        found = False
        for layer in self.layers:
            try:
                layer_dirs, layer_files = layer.storage.listdir(path)
            except Exception as exc:
                if not is_missing(exc):
                    raise
                continue
            found = True
            directories.update(layer_dirs)
            (top_files if layer is self.top else lower_files).update(layer_files)
        if not found:
            raise FileNotFoundError(f"Directory {path!r} does not exist in any layer.")
        if path in ("", "."):
            directories.discard(WHITEOUT_DIR)
        if lower_files and self.lower_layers:
            try:
                lower_files -= set(self.top.storage.listdir(whiteout_marker(path).rstrip("/"))[1])
            except Exception as exc:
                if not is_missing(exc):
                    raise
        return sorted(directories), sorted(top_files | lower_files)

    def size(self, name: str) -> int:
        return self._first(name, lambda layer: layer.storage.size(name))

    def url(self, name: str | None) -> str:
        if name is None:
            return self.top.storage.url(name)
        validate_name(name)
        if self.top.storage.exists(name) or not self.lower_layers or self._is_whited_out(name):
            return self.top.storage.url(name)
        *middle, bottom = self.lower_layers
        for layer in middle:
            if layer.storage.exists(name):
                return layer.storage.url(name)
        # Nothing above the bottom holds the name: its URL needs no request to the bottom layer.
        return bottom.storage.url(name)

    def path(self, name: str) -> str:
        layer = self.origin(name) or self.top
        return layer.storage.path(name)

    def get_accessed_time(self, name: str) -> datetime:
        return self._first(name, lambda layer: layer.storage.get_accessed_time(name))

    def get_created_time(self, name: str) -> datetime:
        return self._first(name, lambda layer: layer.storage.get_created_time(name))

    def get_modified_time(self, name: str) -> datetime:
        return self._first(name, lambda layer: layer.storage.get_modified_time(name))


def _without_options(item: Any) -> Any:
    if isinstance(item, dict) and isinstance(item.get("storage"), dict):
        return {**item, "storage": {"BACKEND": item["storage"]["BACKEND"]}}
    return item


__all__ = ["LOWER_DELETE_CHOICES", "HybridStorage"]
