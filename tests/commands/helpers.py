"""Helpers the command tests share: a hybrid ``STORAGES`` and ``call_command()`` that captures output.

``subprocess_settings.py`` builds its ``STORAGES`` with ``hybrid_storages()`` too; the fixtures are in
``conftest.py``.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from tests.settings import STORAGES as BASE_STORAGES


def hybrid_storages(local: dict[str, Any], production: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Return ``STORAGES`` with a hybrid "default" over the "local" and "production" aliases."""
    return {
        **BASE_STORAGES,
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "production"]},
        },
        "local": local,
        "production": production,
        **extra,
    }


def run(*args: Any, **options: Any) -> tuple[str, str]:
    """``call_command()`` that returns what the command wrote to stdout and stderr."""
    status, out, err = run_with_status(*args, **options)
    assert status == 0, f"exit status {status}; stderr: {err}"
    return out, err


def run_with_status(*args: Any, **options: Any) -> tuple[int, str, str]:
    """``call_command()`` that returns the exit status a ``sys.exit()`` chose, stdout and stderr."""
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=options.pop("stderr", err), **options)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
