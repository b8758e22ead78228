"""Settings for running the hybridmedia commands in a subprocess, plus the helpers the command tests share.

A subprocess reads its layers from the environment: ``HYBRIDMEDIA_TEST_LOCAL`` is the filesystem
top layer's directory and ``HYBRIDMEDIA_TEST_PRODUCTION`` the JSON ``OPTIONS`` of the S3Storage
production layer (the moto bucket the test seeded).
"""

from __future__ import annotations

import json
import os
from io import StringIO
from typing import Any

from django.core.management import call_command

from tests.settings import *  # noqa: F403
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


if "HYBRIDMEDIA_TEST_LOCAL" in os.environ:
    STORAGES = hybrid_storages(
        {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": os.environ["HYBRIDMEDIA_TEST_LOCAL"], "base_url": "/media/"},
        },
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": json.loads(os.environ["HYBRIDMEDIA_TEST_PRODUCTION"]),
        },
    )
