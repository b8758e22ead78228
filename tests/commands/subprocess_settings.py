"""Settings for the commands run as ``python -m django ... --settings=tests.commands.subprocess_settings``.

The subprocess reads its layers from the environment: ``HYBRIDMEDIA_TEST_LOCAL`` is the filesystem
top layer's directory and ``HYBRIDMEDIA_TEST_PRODUCTION`` the JSON ``OPTIONS`` of the S3Storage
production layer (the moto bucket the test seeded).
"""

from __future__ import annotations

import json
import os

from tests.commands.helpers import hybrid_storages
from tests.settings import *  # noqa: F403

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
