"""The layered storage backend."""

from hybridmedia.storage.backends.http import HTTPStorage
from hybridmedia.storage.hybrid import LOWER_DELETE_CHOICES, HybridStorage
from hybridmedia.storage.layers import Layer
from hybridmedia.storage.names import WHITEOUT_DIR

__all__ = ["LOWER_DELETE_CHOICES", "WHITEOUT_DIR", "HTTPStorage", "HybridStorage", "Layer"]
