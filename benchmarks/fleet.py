"""Issue 16's figures: a warm origin cache in Redis and Memcached, and a fleet of 1, 2 and 4 workers.

The servers are the real ones of the test suite (``tests/services.py``), started here on free ports.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import override_settings

from benchmarks.lab import Lab, hybrid_layers
from benchmarks.measure import Contender, Scenario, compare, sweep
from hybridmedia.storage import HybridStorage
from tests import services
from tests.fleet import worker

ENGINES = ("redis", "memcached")


@contextmanager
def cache_servers() -> Iterator[dict[str, dict[str, str]]]:
    """A real Redis and Memcached on free ports, as ``CACHES`` entries named after them."""
    started = [services.redis_server().start(), services.memcached_server().start()]
    try:
        yield {
            engine: services.cache_config(engine, server.port) for engine, server in zip(ENGINES, started, strict=True)
        }
    finally:
        for server in started:
            server.stop()


def shared_cache_scenarios(lab: Lab) -> list[Scenario]:
    """Warm ``exists()`` and ``size()`` of production files with the origin cache in each place."""
    photos, rounds = lab.photos, lab.sizes.rounds
    names = photos.production[: lab.sizes.names]
    scenarios = []
    with (
        cache_servers() as caches_by_engine,
        override_settings(
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, **caches_by_engine}
        ),
    ):
        hybrids = {"in-process": photos.hybrid()}
        for engine in ENGINES:
            hybrids[engine] = HybridStorage(
                layers=hybrid_layers(photos.local_root, photos.bucket.config()), cache=engine
            )
        for operation in ("exists", "size"):
            for hybrid in hybrids.values():
                sweep(hybrid, operation, names)(None)  # fill each cache, off the clock
            scenario = Scenario(
                f"fleet-cache-{operation}",
                f"warm {operation}() ×{len(names):,} of production files, by where the cache is",
            )
            contenders = [
                Contender(
                    f"S3Storage.{operation}() (a HEAD each)",
                    "floor",
                    sweep(photos.plain(), operation, names),
                    len(names),
                )
            ]
            for where, hybrid in hybrids.items():
                label = (
                    f"HybridStorage, warm cache {where}"
                    if where == "in-process"
                    else f"HybridStorage, warm cache in {where}"
                )
                contenders.append(Contender(label, where, sweep(hybrid, operation, names), len(names), rounds))
            compare(lab.counter, scenario, contenders)
            scenarios.append(scenario)
    return scenarios


def fleet_throughput_scenario(lab: Lab) -> list[Scenario]:
    """The multi-process test's work (save, delete, restore, read) with 1, 2 and 4 workers on Redis."""
    rounds = lab.sizes.fleet_rounds
    scenario = Scenario("fleet", f"{rounds} rounds per worker of save/delete/restore/read, S3 write layer, Redis")
    with cache_servers() as caches_by_engine:
        for workers in (1, 2, 4):
            production = lab.bucket()
            lab.seed(production, worker.production_names(workers, rounds), b"read through by every worker")
            staging = lab.new_writable_bucket()
            with tempfile.TemporaryDirectory(prefix="hybridmedia-fleet-") as out:
                config: dict[str, Any] = {
                    "staging": staging.config(),
                    "production": production.config(),
                    "cache": caches_by_engine["redis"],
                    "rounds": rounds,
                    "read_bytes": "read through by every worker",
                    "out": out,
                }
                codes = worker.run(config, workers)
                if codes != [0] * workers:
                    raise RuntimeError(f"a fleet worker failed: exit codes {codes}")
                records = worker.records(config, workers)
            operations = sum(record["operations"] for record in records)
            seconds = max(record["seconds"] for record in records)
            label = f"{workers} worker{'s' if workers > 1 else ''}"
            scenario.add(
                label,
                operations,
                0,
                seconds,
                role="floor" if workers == 1 else f"workers-{workers}",
                note=f"{operations / seconds:.0f} operations/s; requests are sent by the workers, not counted here",
            )
    return [scenario]
