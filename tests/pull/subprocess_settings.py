"""Settings for ``python -m django media_pull ... --settings=tests.pull.subprocess_settings``.

The layers come from the environment: ``HYBRIDMEDIA_TEST_LOCAL`` and ``HYBRIDMEDIA_TEST_PULLED`` are the
write and cache layers' directories, ``HYBRIDMEDIA_TEST_PRODUCTION`` the JSON ``OPTIONS`` of production.
"""

from __future__ import annotations

import json
import os

from tests.pull.helpers import cache_storages
from tests.settings import *  # noqa: F403

STORAGES = cache_storages(
    os.environ["HYBRIDMEDIA_TEST_LOCAL"],
    os.environ["HYBRIDMEDIA_TEST_PULLED"],
    {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": json.loads(os.environ["HYBRIDMEDIA_TEST_PRODUCTION"])},
)
