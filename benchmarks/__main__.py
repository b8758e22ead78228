"""Run every benchmark scenario side by side and print one table: ``python -m benchmarks [--quick]``."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

SCENARIO_NAMES = (
    "url",
    "exists",
    "size",
    "listdir",
    "page",
    "save",
    "purge",
    "memory",
    "paging",
    "url-cost",
    "outage",
    "badges",
    "media-view",
    "http-page",
    "fleet-cache",
    "fleet",
)


def isolate_from_aws() -> None:
    # No real AWS configuration may leak into a run (the same precaution as tests/conftest.py).
    os.environ["AWS_CONFIG_FILE"] = "/dev/null"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(variable, None)


def machine() -> str:
    import boto3
    import django
    import moto
    import storages

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"Django {django.__version__}, django-storages {storages.__version__}, boto3 {boto3.__version__}, "
        f"moto {moto.__version__} (server in a child process on 127.0.0.1)"
    )


def load() -> str:
    """The machine's load average: other processes' work slows every contender, see docs/benchmarks.md."""
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller sizes and fewer rounds, for a smoke run.")
    parser.add_argument(
        "--only",
        action="append",
        choices=SCENARIO_NAMES,
        metavar="SCENARIO",
        help=f"Run only this scenario (repeatable): {', '.join(SCENARIO_NAMES)}.",
    )
    options = parser.parse_args(argv)

    isolate_from_aws()
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from benchmarks import targets
    from benchmarks.lab import FULL, QUICK, Lab
    from benchmarks.measure import RequestCounter, Scenario, table
    from benchmarks.scenarios import SCENARIOS
    from benchmarks.servers import MotoProcess
    from tests.s3 import Bucket, admin_client

    setup_test_environment()  # The test client's template signals, as under a test runner.
    call_command("migrate", verbosity=0)
    sizes = QUICK if options.quick else FULL
    started = time.perf_counter()
    server = MotoProcess()
    url = server.start()
    admin = admin_client(url)
    counter = RequestCounter()
    results: dict[str, Scenario] = {}
    failed: list[str] = []
    load_at_start = load()
    print(f"Machine: {machine()}; load average {load_at_start}", file=sys.stderr)
    try:
        with tempfile.TemporaryDirectory(prefix="hybridmedia-bench-") as scratch, counter.installed():

            def fast_seed(bucket: Any, keys: list[str], data: bytes) -> bool:
                return server.seed(bucket.name, keys, data)

            lab = Lab(
                endpoint_url=url,
                scratch=Path(scratch),
                counter=counter,
                sizes=sizes,
                new_bucket=lambda: Bucket(client=admin, endpoint_url=url).create(),
                fast_seed=fast_seed,
            )
            for name in options.only or SCENARIO_NAMES:
                began = time.perf_counter()
                print(f"  {name} ...", end="", flush=True, file=sys.stderr)
                try:
                    for scenario in SCENARIOS[name](lab):
                        results[scenario.name] = scenario
                except Exception:  # Report the other scenarios all the same.
                    failed.append(name)
                    traceback.print_exc()
                print(f" {time.perf_counter() - began:.1f} s", file=sys.stderr)
    finally:
        server.stop()

    print(f"\nMachine: {machine()}")
    print(f"Load average (1, 5, 15 min) at the start: {load_at_start}, at the end: {load()}")
    print(f"Sizes: {'--quick' if options.quick else 'full'} run, {sizes}\n")
    for scenario in results.values():
        print(f"- **{scenario.name}**: {scenario.title}")
    print()
    print(table(list(results.values())))
    print(targets.report(results))
    print(f"Total run time: {time.perf_counter() - started:.0f} s")
    if failed:
        print(f"Failed scenarios: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
