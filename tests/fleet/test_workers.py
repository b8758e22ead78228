"""Four real worker processes share one hybrid: an S3 staging bucket, S3 production, Redis or Memcached."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hybridmedia.storage.names import whiteout_marker
from tests import s3
from tests.fleet import worker
from tests.services import cache_config

WORKERS = 4
ROUNDS = 8
READ_BYTES = "read through by every worker"


@pytest.mark.parametrize("engine", ["redis", "memcached"])
def test_four_workers_lose_nothing_and_agree(
    engine: str,
    request: pytest.FixtureRequest,
    staging_bucket: s3.Bucket,
    production: s3.Bucket,
    tmp_path: Path,
) -> None:
    server = request.getfixturevalue(f"{engine}_server")
    for name in worker.production_names(WORKERS, ROUNDS):
        production.put(name, READ_BYTES.encode() if name in worker.READ else b"production")
    config: dict[str, Any] = {
        "staging": staging_bucket.config(),
        "production": production.config(),
        "cache": cache_config(engine, server.port),
        "rounds": ROUNDS,
        "read_bytes": READ_BYTES,
        "out": str(tmp_path),
    }
    assert worker.run(config, WORKERS) == [0] * WORKERS

    records = worker.records(config, WORKERS)
    uploads = {name: content for record in records for name, content in record["uploads"].items()}
    every_name = [name for record in records for name in [*record["uploads"], *record["hot_uploads"]]]
    # No two uploads share a name (forty saves of "uploads/same.jpg" and the hot names among them).
    assert len(every_name) == len(set(every_name)) == len(uploads) + sum(len(r["hot_uploads"]) for r in records)
    assert len(uploads) == WORKERS * ROUNDS
    staging = {key: staging_bucket.get(key).decode() for key in s3.s3_keys(staging_bucket.client, staging_bucket.name)}
    assert {name: staging.get(name) for name in uploads} == uploads  # no upload lost or overwritten

    # What is true now, asked of the buckets behind the hybrid's back.
    def truth(name: str) -> bool:
        return name in staging or (name in production.seeded and whiteout_marker(name) not in staging)

    for number in range(WORKERS):
        seen = json.loads((tmp_path / f"seen-{number}.json").read_text())
        assert seen["uploads"] == uploads, f"worker {number}"
        assert not any(seen["deleted"].values()), f"worker {number} still sees a deleted name"
        assert all(seen["restored"].values()), f"worker {number} misses a restored name"
        assert seen["hot"] == {name: truth(name) for name in worker.HOT}, f"worker {number}"
    # production_is_untouched checks that production is byte-identical.
