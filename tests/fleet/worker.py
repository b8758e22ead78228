"""One worker process of a staging fleet (tests/fleet/test_workers.py, benchmarks): plain Python, no pytest.

Each worker saves, deletes, restores and reads the same names as the others through its own
``HybridStorage`` (an S3 staging bucket over S3 production, the origin cache in a real Redis or
Memcached), writes what it did to a JSON file, waits for the others, then reports what it sees.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

HOT = [f"hot/{number}.jpg" for number in range(4)]
READ = [f"read/{number}.jpg" for number in range(10)]


def production_names(workers: int, rounds: int) -> list[str]:
    """What production holds before the fleet starts."""
    mine = [
        f"{kind}/w{worker}-{round_}.jpg"
        for kind in ("del", "res")
        for worker in range(workers)
        for round_ in range(rounds)
    ]
    return [*HOT, *READ, *mine]


def start_django(cache: dict[str, Any]) -> None:
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            USE_TZ=True,
            INSTALLED_APPS=[],
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "shared": cache},
        )
        django.setup()


def hybrid_for(config: dict[str, Any]) -> Any:
    from hybridmedia.storage import HybridStorage

    return HybridStorage(
        layers=[
            {"name": "staging", "storage": config["staging"]},
            {"name": "production", "storage": config["production"]},
        ],
        cache="shared",
    )


def work(config: dict[str, Any], worker: int, barrier: Any) -> None:
    """Run ``config["rounds"]`` rounds, then (after every worker has) report what this worker sees."""
    from django.core.files.base import ContentFile

    start_django(config["cache"])
    hybrid = hybrid_for(config)
    rng = random.Random(worker)
    record: dict[str, Any] = {"uploads": {}, "hot_uploads": [], "deleted": [], "restored": [], "operations": 0}
    started = time.perf_counter()
    for round_ in range(config["rounds"]):
        content = f"worker {worker} round {round_}"
        record["uploads"][hybrid.save("uploads/same.jpg", ContentFile(content.encode()))] = content
        hybrid.delete(f"del/w{worker}-{round_}.jpg")
        record["deleted"].append(f"del/w{worker}-{round_}.jpg")
        hybrid.delete(f"res/w{worker}-{round_}.jpg")
        hybrid.restore(f"res/w{worker}-{round_}.jpg")
        record["restored"].append(f"res/w{worker}-{round_}.jpg")
        hot = rng.choice(HOT)
        action = rng.choice(["save", "delete", "restore"])
        if action == "save":
            record["hot_uploads"].append(hybrid.save(hot, ContentFile(content.encode())))
        elif action == "delete":
            hybrid.delete(hot)
        else:
            hybrid.restore(hot)
        for name in rng.sample(READ, 3):
            assert hybrid.exists(name) and hybrid.size(name) == len(config["read_bytes"])
            with hybrid.open(name) as opened:
                assert opened.read() == config["read_bytes"].encode()
        record["operations"] += 7 + 3 * 3
    record["seconds"] = time.perf_counter() - started
    out = Path(config["out"])
    (out / f"worker-{worker}.json").write_text(json.dumps(record))
    barrier.wait(timeout=300)
    # Every worker has finished: report what this one sees of everyone's work.
    everyone = [json.loads(path.read_text()) for path in sorted(out.glob("worker-*.json"))]
    seen = {
        "uploads": {
            name: hybrid.open(name).read().decode() if hybrid.exists(name) else None
            for each in everyone
            for name in each["uploads"]
        },
        "deleted": {name: hybrid.exists(name) for each in everyone for name in each["deleted"]},
        "restored": {name: hybrid.exists(name) for each in everyone for name in each["restored"]},
        "hot": {name: hybrid.exists(name) for name in HOT},
    }
    (out / f"seen-{worker}.json").write_text(json.dumps(seen))


def run(config: dict[str, Any], workers: int) -> list[int | None]:
    """Run ``workers`` spawned worker processes to the end; return their exit codes."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    processes = [context.Process(target=work, args=(config, number, barrier)) for number in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=600)
    return [process.exitcode for process in processes]


def records(config: dict[str, Any], workers: int) -> list[dict[str, Any]]:
    """What each worker did, as it wrote it."""
    return [json.loads((Path(config["out"]) / f"worker-{number}.json").read_text()) for number in range(workers)]
