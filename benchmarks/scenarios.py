"""The scenarios of issue 6 (and the hanging production of issue 7), each returning its table rows.

Every scenario compares the same work done by: the naive 2013 design (``benchmarks/naive.py``),
the storage a layer would be on its own (``S3Storage``, ``FileSystemStorage``: the floor), and
``HybridStorage`` with a cold cache (a fresh instance per round) and a warm one. Requests are those
botocore sends; times are the best of several rounds where a round sends no request, else of one.
S3 clients are built before the clock starts: "cold" means an empty origin cache, not a cold boto3.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.test import Client, override_settings
from storages.backends.s3 import S3Storage

from benchmarks.fleet import fleet_throughput_scenario, shared_cache_scenarios
from benchmarks.http_layer import http_page_scenario
from benchmarks.lab import PAYLOAD, Lab, hybrid_layers, local_config, warm_up
from benchmarks.measure import Contender, Scenario, compare, list_size, measure, peak_memory, sweep
from benchmarks.media_view import media_view_scenarios
from benchmarks.naive import NaiveHybridStorage
from hybridmedia.storage import HybridStorage, Layer

NAIVE = "naive 2013 design"
PLAIN_S3 = "S3Storage alone"
LOCAL = "FileSystemStorage alone"
COLD = "HybridStorage, cold cache"
WARM = "HybridStorage, warm cache"
STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def fresh_sweep(operation: str, names: Sequence[str]) -> Callable[[Any], list[Any]]:
    """Like ``sweep()`` on the storage ``setup()`` built for the round."""
    return lambda storage: [getattr(storage, operation)(name) for name in names]


# url(), exists(), size() ---------------------------------------------------------------------


def per_name(
    lab: Lab,
    key: str,
    title: str,
    operation: str,
    names: Sequence[str],
    *,
    local_names: Sequence[str],
    request_free: bool = False,
    with_plain: bool = True,
) -> Scenario:
    """Time ``operation`` over ``names`` for every implementation."""
    photos, rounds = lab.photos, lab.sizes.rounds
    scenario = Scenario(key, title)
    cheap = rounds if request_free else 1
    # The warm contender reuses the instance the cold one just filled: no extra pass of requests.
    hybrids: list[HybridStorage] = []

    def fresh_hybrid() -> HybridStorage:
        hybrids.append(photos.hybrid())
        return hybrids[-1]

    contenders = [
        Contender(NAIVE, "naive", sweep(photos.naive(), operation, names), len(names)),
        Contender(COLD, "cold", fresh_sweep(operation, names), len(names), cheap, setup=fresh_hybrid),
        Contender(WARM, "warm", lambda _: fresh_sweep(operation, names)(hybrids[-1]), len(names), rounds),
        Contender(
            LOCAL,
            "local",
            sweep(photos.filesystem(), operation, local_names),
            len(local_names),
            rounds,
            note="the local layer's own names",
        ),
    ]
    if with_plain:
        plain = Contender(PLAIN_S3, "floor", sweep(photos.plain(), operation, names), len(names), cheap)
        contenders.insert(1, plain)
    if with_plain and request_free:
        # The cold hybrid's S3 client is new each round too, and botocore warms caches per client.
        fresh_plain = Contender(
            f"{PLAIN_S3}, a fresh instance per round",
            "floor-cold",
            fresh_sweep(operation, names),
            len(names),
            cheap,
            setup=photos.plain,
        )
        contenders.insert(2, fresh_plain)
    compare(lab.counter, scenario, contenders)
    before = lab.counter()
    answers = fresh_sweep(operation, names)(hybrids[-1])
    assert lab.counter() == before, "the warm cache sent requests"
    if operation == "exists":
        missing = set(photos.missing)
        assert answers == [name not in missing for name in names], "wrong exists() answers"
    elif operation == "size":
        assert answers == [len(PAYLOAD)] * len(names), "wrong size() answers"
    return scenario


def url_scenario(lab: Lab) -> list[Scenario]:
    n = lab.sizes.names
    names = lab.photos.production[:n]
    return [
        per_name(
            lab,
            "url",
            f"url() ×{n:,} of production files",
            "url",
            names,
            local_names=lab.photos.local[:n],
            request_free=True,
        )
    ]


def exists_scenarios(lab: Lab) -> list[Scenario]:
    n = lab.sizes.names
    photos = lab.photos
    mix = [name for trio in zip(photos.local, photos.production, photos.missing, strict=True) for name in trio][:n]
    return [
        per_name(
            lab,
            "exists-production",
            f"exists() ×{n:,} of production files",
            "exists",
            photos.production[:n],
            local_names=photos.local[:n],
        ),
        per_name(
            lab,
            "exists-mix",
            f"exists() ×{n:,}: local, production and missing names in turn",
            "exists",
            mix,
            local_names=mix,
            with_plain=False,  # S3Storage alone cannot answer for local names.
        ),
    ]


def size_scenario(lab: Lab) -> list[Scenario]:
    n = lab.sizes.names
    return [
        per_name(
            lab,
            "size",
            f"size() ×{n:,} of production files",
            "size",
            lab.photos.production[:n],
            local_names=lab.photos.local[:n],
        )
    ]


# listdir() -----------------------------------------------------------------------------------


def listdir_scenario(lab: Lab) -> list[Scenario]:
    total = lab.sizes.listdir_objects
    local_names = [f"gallery/l{i:06d}.jpg" for i in range(total // 2)]
    production_names = [f"gallery/p{i:06d}.jpg" for i in range(total - total // 2)]
    bucket = lab.bucket(production_names)
    root = lab.directory("listdir", local_names, data=b"")
    filesystem = FileSystemStorage(location=str(root))
    plain = warm_up(S3Storage(**bucket.options()))
    rounds = min(2, lab.sizes.rounds)
    scenario = Scenario("listdir", f"listdir() of a directory of {total:,} objects, half local, half production")

    def both_layers(_: Any) -> None:
        filesystem.listdir("gallery")
        plain.listdir("gallery")

    def fresh() -> HybridStorage:
        return warm_up(HybridStorage(layers=hybrid_layers(root, bucket.config())))  # type: ignore[return-value]

    naive = NaiveHybridStorage([filesystem, plain])
    hybrid = fresh()
    directories, files = hybrid.listdir("gallery")
    assert len(files) == total and not directories, (len(files), len(directories))
    compare(
        lab.counter,
        scenario,
        [
            Contender("the layers' own listdir(), added", "floor", both_layers, 1, rounds),
            Contender(NAIVE, "naive", lambda _: naive.listdir("gallery"), 1, rounds),
            Contender(COLD, "cold", lambda fresh_hybrid: fresh_hybrid.listdir("gallery"), 1, rounds, setup=fresh),
            Contender(WARM, "warm", lambda _: hybrid.listdir("gallery"), 1, rounds, note="listings are not cached"),
        ],
    )
    return [scenario]


# The demo's page -----------------------------------------------------------------------------


@contextmanager
def default_storage_is(config: dict[str, Any]) -> Iterator[Storage]:
    """Make ``config`` the default storage (a fresh instance), as the demo's ``Home.photo`` uses."""
    with override_settings(STORAGES={"default": config, "staticfiles": STATICFILES}):
        yield default_storage


@contextmanager
def homes_with_photos(names: Iterable[str]) -> Iterator[int]:
    """Create one demo ``Home`` per photo name; remove them afterwards."""
    from demo_project.homes.models import Home

    homes = Home.objects.bulk_create(
        Home(name=f"Benchmark home {i}", city="Benchmark", photo=name) for i, name in enumerate(names)
    )
    try:
        yield len(homes)
    finally:
        Home.objects.filter(city="Benchmark").delete()


def render_page(client: Client, photos: int) -> None:
    response = client.get("/")
    assert response.status_code == 200, response.status_code
    assert response.content.count(b"<img ") == photos, "the page does not show every photo"


def page_scenario(lab: Lab) -> list[Scenario]:
    """Render the demo's page (``demo_project.homes``) of production photos through the test client."""
    photos, rounds = lab.photos, lab.sizes.rounds
    n = lab.sizes.photos
    scenario = Scenario("page", f"the demo's page of {n} production photos (Django test client)")
    client = Client()
    plain_config = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": photos.bucket.options()}
    with homes_with_photos(photos.production[:n]):
        with default_storage_is(plain_config) as storage:
            warm_up(storage)
            render_page(client, n)  # Templates compiled off the clock.
            requests, seconds = measure(lab.counter, lambda _: render_page(client, n), rounds=rounds)
        scenario.add("page with S3Storage as default storage", 1, requests, seconds, role="floor")
        fresh_requests, fresh_seconds = 0, float("inf")
        for _ in range(rounds):
            with default_storage_is(plain_config) as storage:
                warm_up(storage)
                requests, seconds = measure(lab.counter, lambda _: render_page(client, n))
            fresh_requests, fresh_seconds = requests, min(fresh_seconds, seconds)
        scenario.add(
            "page with S3Storage, a fresh instance per render", 1, fresh_requests, fresh_seconds, role="floor-cold"
        )
        with default_storage_is(photos.naive_config()) as storage:
            warm_up(storage)
            requests, seconds = measure(lab.counter, lambda _: render_page(client, n))
        scenario.add(NAIVE, 1, requests, seconds, role="naive")

        cold_requests, cold_seconds = 0, float("inf")
        for _ in range(rounds):
            with default_storage_is(photos.hybrid_config()) as storage:
                warm_up(storage)
                requests, seconds = measure(lab.counter, lambda _: render_page(client, n))
            cold_requests, cold_seconds = requests, min(cold_seconds, seconds)
        scenario.add(COLD, 1, cold_requests, cold_seconds, role="cold", note="a fresh HybridStorage per render")
        with default_storage_is(photos.hybrid_config()) as storage:
            warm_up(storage)
            render_page(client, n)
            requests, seconds = measure(lab.counter, lambda _: render_page(client, n), rounds=rounds)
        scenario.add(WARM, 1, requests, seconds, role="warm")
    return [scenario]


# save() --------------------------------------------------------------------------------------


def save_scenario(lab: Lab) -> list[Scenario]:
    photos, n = lab.photos, lab.sizes.uploads
    scenario = Scenario("save", f"{n} uploads through save() (new names, 1 KiB each)")
    names = [f"new/upload-{i:04d}.jpg" for i in range(n)]

    def uploads(storage: Storage) -> None:
        for name in names:
            saved = storage.save(name, ContentFile(PAYLOAD))
            assert saved == name, (saved, name)

    def fresh_directory() -> str:
        return str(lab.directory("save"))

    requests, seconds = measure(
        lab.counter, uploads, rounds=lab.sizes.rounds, setup=lambda: FileSystemStorage(location=fresh_directory())
    )
    scenario.add(LOCAL, n, requests, seconds, role="floor", note="the local layer alone")
    requests, seconds = measure(
        lab.counter,
        uploads,
        setup=lambda: warm_up(NaiveHybridStorage([local_config(lab.directory("save")), photos.bucket.config()])),
    )
    scenario.add(NAIVE, n, requests, seconds, role="naive")
    uploads_bucket = lab.bucket()
    requests, seconds = measure(lab.counter, uploads, setup=lambda: warm_up(S3Storage(**uploads_bucket.options())))
    scenario.add(PLAIN_S3, n, requests, seconds, note="uploads to S3 itself (PUT)")

    def fresh_hybrid() -> HybridStorage:
        return warm_up(HybridStorage(layers=hybrid_layers(lab.directory("save"), photos.bucket.config())))  # type: ignore[return-value]

    requests, seconds = measure(lab.counter, uploads, setup=fresh_hybrid)
    scenario.add(COLD, n, requests, seconds, role="cold")

    def hybrid_that_knows_the_names() -> HybridStorage:
        hybrid = fresh_hybrid()
        for name in names:
            assert not hybrid.exists(name)  # The cache now says "missing" for every name.
        return hybrid

    requests, seconds = measure(lab.counter, uploads, setup=hybrid_that_knows_the_names)
    scenario.add(WARM, n, requests, seconds, role="warm", note="a cached miss is never trusted for a new name")
    return [scenario]


# purge_local_media ---------------------------------------------------------------------------


def purge_scenario(lab: Lab) -> list[Scenario]:
    """``purge_local_media`` against ``shutil.rmtree``, with ``benchmarks/purge.py``'s tree and race."""
    from django.core.management import call_command

    from benchmarks.purge import build_tree, race
    from hybridmedia import get_hybrid_storage
    from hybridmedia.purge import LayerPurger

    n = lab.sizes.purge_files
    root = lab.directory("purge") / "local"
    bucket = lab.bucket()
    scenario = Scenario("purge", f"purge of {n:,} local files (110 directories)")
    hybrid_config = {
        "BACKEND": "hybridmedia.storage.HybridStorage",
        "OPTIONS": {"layers": hybrid_layers(root, bucket.config())},
    }
    requests: dict[str, int] = {}

    def counted(name: str, run: Callable[[], object]) -> Callable[[], None]:
        def contender() -> None:
            before = lab.counter()
            run()
            requests[name] = lab.counter() - before
            assert not any(root.rglob("*.jpg")), f"{name} left files behind"

        return contender

    def portable() -> None:
        LayerPurger(get_hybrid_storage()).purge()

    with default_storage_is(hybrid_config):
        call_command("check", stdout=io.StringIO())  # Imports off the clock, as benchmarks/purge.py does.
        timings = race(
            lab.sizes.purge_rounds,
            lambda: build_tree(root, n),
            {
                "rmtree": counted("rmtree", lambda: shutil.rmtree(root)),
                "command": counted("command", lambda: call_command("purge_local_media", "--noinput", verbosity=0)),
                "portable": counted("portable", portable),
            },
        )
    labels = {
        "rmtree": ("shutil.rmtree", "floor", ""),
        "command": ("purge_local_media --noinput", "hybrid", "filesystem purger"),
        "portable": ("storage-API purger", "portable", "any top-layer backend; keeps empty directories"),
    }
    for key, (label, role, note) in labels.items():
        # race() reports each run as wall seconds, or as (wall, cpu) seconds.
        walls = [timing[0] if isinstance(timing, tuple) else timing for timing in timings[key]]
        scenario.add(label, n, requests[key], min(walls), role=role, note=note)
    return [scenario]


# Memory --------------------------------------------------------------------------------------


def memory_scenario(lab: Lab) -> list[Scenario]:
    """Peak memory of listing and purging a directory of many local files, against one name list."""
    from django.core.management import call_command

    n = lab.sizes.memory_files
    root = lab.directory("memory")
    flat = root / "flat"
    flat.mkdir()
    for i in range(n):
        os.close(os.open(flat / f"photo-{i:06d}.jpg", os.O_CREAT | os.O_WRONLY, 0o644))
    one_list = list_size(os.listdir(flat))
    bucket = lab.bucket()
    scenario = Scenario("memory", f"peak memory of listdir() and purge of {n:,} local files in one directory")
    filesystem = FileSystemStorage(location=str(root))
    implementations: list[tuple[str, Storage, str]] = [
        ("FileSystemStorage.listdir()", filesystem, "floor"),
        (f"{NAIVE}: listdir()", warm_up(NaiveHybridStorage([filesystem, S3Storage(**bucket.options())])), "naive"),
        ("HybridStorage.listdir()", warm_up(HybridStorage(layers=hybrid_layers(root, bucket.config()))), "hybrid"),
    ]
    for label, storage, role in implementations:
        requests, seconds = measure(
            lab.counter, lambda _, storage=storage: storage.listdir("flat"), rounds=min(3, lab.sizes.rounds)
        )
        peak, listing = peak_memory(lambda storage=storage: storage.listdir("flat"))
        assert len(listing[1]) == n
        del listing
        scenario.add(
            label, 1, requests, seconds, role=role, peak_bytes=peak, note=f"{peak / one_list:.2f}× one name list"
        )

    hybrid_config = {
        "BACKEND": "hybridmedia.storage.HybridStorage",
        "OPTIONS": {"layers": hybrid_layers(root, bucket.config())},
    }
    with default_storage_is(hybrid_config):
        call_command("check", stdout=io.StringIO())
        before = lab.counter()
        started = time.perf_counter()
        peak, _ = peak_memory(lambda: call_command("purge_local_media", "--noinput", verbosity=0))
        seconds = time.perf_counter() - started
        assert not os.listdir(root), "the purge left files behind"
    scenario.add(
        "purge_local_media --noinput",
        1,
        lab.counter() - before,
        seconds,
        role="purge",
        peak_bytes=peak,
        note=f"{peak / one_list:.2f}× one name list; timed under tracemalloc",
    )
    scenario.add(
        "one list of the names (reference)",
        1,
        0,
        0.0,
        role="reference",
        peak_bytes=one_list,
        note=f"{one_list / n:.0f} bytes a name",
    )
    return [scenario]


# listdir_page() ------------------------------------------------------------------------------


def paging_scenario(lab: Lab) -> list[Scenario]:
    """The admin browser's first page of a big production directory, against the full listing."""
    from hybridmedia.admin.listing import read_directory, read_page, with_stats

    def browser_page(storage: HybridStorage, path: str) -> object:
        page = read_page(storage, path, "", limit)
        with_stats(page.entries, storage)
        return page

    big, small, limit = lab.sizes.page_directory, lab.sizes.small_directory, lab.sizes.page_limit
    bucket = lab.bucket([f"archive/{i:06d}.jpg" for i in range(big)] + [f"small/{i:06d}.jpg" for i in range(small)])
    local = [f"archive/local-{i:02d}.jpg" for i in range(10)] + [f"small/local-{i:02d}.jpg" for i in range(10)]
    root = lab.directory("paging", local, data=b"")
    hybrid = warm_up(HybridStorage(layers=hybrid_layers(root, bucket.config())))
    assert isinstance(hybrid, HybridStorage)
    rounds = min(3, lab.sizes.rounds)
    scenario = Scenario("paging", f"listdir_page(limit={limit}) of a {big:,}-object production directory")
    middle = f"{big // 2:06d}.jpg"
    # Full listings send one request per 1,000 keys, each slow on moto: they run once, traced.
    rows: list[tuple[str, Callable[[], object], str, str, int]] = [
        (f"first page, {big:,} objects", lambda: hybrid.listdir_page("archive", limit=limit), "page", "", rounds),
        (f"first page, {small:,} objects", lambda: hybrid.listdir_page("small", limit=limit), "small-page", "", rounds),
        (
            f"a page from the middle, {big:,} objects",
            lambda: hybrid.listdir_page("archive", after=middle, limit=limit),
            "deep-page",
            f"after={middle!r}",
            rounds,
        ),
        (
            f"HybridStorage.listdir(), {big:,} objects",
            lambda: hybrid.listdir("archive"),
            "full",
            "the whole directory",
            1,
        ),
        (
            f"the admin browser's first page, {big:,} objects",
            lambda: browser_page(hybrid, "archive"),
            "admin",
            "read_page() + with_stats(), as the browser's unfiltered page",
            rounds,
        ),
        (
            f"the admin browser, filtered or counted, {big:,} objects",
            lambda: read_directory(hybrid, "archive"),
            "admin-whole",
            "read_directory(): filters, search and counting list everything",
            1,
        ),
    ]
    for label, run, role, note, row_rounds in rows:
        if row_rounds > 1:
            requests, seconds = measure(lab.counter, lambda _, run=run: run(), rounds=row_rounds)
            peak, result = peak_memory(run)
        else:  # One traced run gives both figures; moto's side of the time is not traced.
            before, started = lab.counter(), time.perf_counter()
            peak, result = peak_memory(run)
            requests, seconds = lab.counter() - before, time.perf_counter() - started
            note += "; timed under tracemalloc"
        del result
        scenario.add(label, 1, requests, seconds, role=role, peak_bytes=peak, note=note)
    page = hybrid.listdir_page("archive", limit=limit)
    assert len(page.entries) == limit and page.next_after is not None
    return [scenario]


# S3Storage.url() and memoisation -------------------------------------------------------------


def url_cost_scenario(lab: Lab) -> list[Scenario]:
    photos = lab.photos
    distinct = photos.production[: min(1_000, len(photos.production))]
    names = [distinct[i % len(distinct)] for i in range(lab.sizes.url_calls)]
    rounds = min(3, lab.sizes.rounds)
    scenario = Scenario("url-cost", f"cost of one url() call ({len(names):,} calls over {len(distinct):,} names)")
    memoised = photos.hybrid()
    sweep(memoised, "url", distinct)(None)
    unmemoised = photos.hybrid()
    unmemoised.__dict__["_url_memos"] = {}  # The same hybrid with URL memoisation switched off.
    bottom = memoised.layers[-1]
    compare(
        lab.counter,
        scenario,
        [
            Contender(
                "S3Storage.url(), unsigned",
                "floor",
                sweep(photos.plain(), "url", names),
                len(names),
                rounds,
                note="querystring_auth=False",
            ),
            Contender(
                "S3Storage.url(), signed",
                "signed",
                sweep(photos.plain(querystring_auth=True), "url", names),
                len(names),
                rounds,
                note="never memoised",
            ),
            Contender("FileSystemStorage.url()", "local", sweep(photos.filesystem(), "url", names), len(names), rounds),
            Contender(
                "HybridStorage.url(), memoised",
                "warm",
                sweep(memoised, "url", names),
                len(names),
                rounds,
                note="2 local stats + a memo lookup",
            ),
            Contender(
                "HybridStorage.url(), memo off",
                "unmemoised",
                sweep(unmemoised, "url", names),
                len(names),
                rounds,
                note="2 local stats + S3Storage.url()",
            ),
            Contender(
                "the memo lookup alone",
                "memo",
                lambda _: [memoised._url(bottom, name) for name in names],
                len(names),
                rounds,
                note="HybridStorage._url()",
            ),
        ],
    )
    return [scenario]


# A production that hangs (issue 7) -----------------------------------------------------------

#: The same short timeouts for every contender, so a page of hanging requests ends in seconds.
OUTAGE_READ_TIMEOUT = 0.1


def outage_scenarios(lab: Lab) -> list[Scenario]:
    from botocore.config import Config

    from benchmarks.servers import HangingServer

    n = lab.sizes.outage_images
    server = HangingServer()
    timeouts = Config(
        connect_timeout=1, read_timeout=OUTAGE_READ_TIMEOUT, retries={"mode": "standard", "total_max_attempts": 1}
    )
    production = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "production",
            "endpoint_url": server.url,
            "access_key": "benchmark",
            "secret_key": "benchmark",
            "region_name": "us-east-1",
            "querystring_auth": False,
            "client_config": timeouts,
        },
    }
    root = lab.directory("outage")
    names = [f"homes/{i:05d}.jpg" for i in range(n)]
    page = Scenario(
        "outage-page", f"page of {n} production photos while production hangs (read timeout {OUTAGE_READ_TIMEOUT} s)"
    )
    sizes = Scenario("outage-size", f"size() ×{n} of production files while production hangs")

    def hybrid_config(**options: Any) -> dict[str, Any]:
        return {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {
                "layers": [
                    {"name": "local", "storage": local_config(root)},
                    {"name": "production", "storage": production},
                ],
                **options,
            },
        }

    def naive_config(tolerate_errors: bool) -> dict[str, Any]:
        return {
            "BACKEND": "benchmarks.naive.NaiveHybridStorage",
            "OPTIONS": {"layers": [local_config(root), production], "tolerate_errors": tolerate_errors},
        }

    def connect(storage: Any) -> Any:
        """Build the S3 clients off the clock without sending anything to the hanging server."""
        s3 = storage.layers[-1]
        s3 = s3.storage if isinstance(s3, Layer) else s3
        s3.connection.meta.client  # noqa: B018
        s3.unsigned_connection.meta.client  # noqa: B018
        return storage

    client = Client()
    try:
        with homes_with_photos(names):
            contenders = [
                ("HybridStorage", hybrid_config(), "hybrid"),
                (f"{NAIVE}, errors propagate", naive_config(False), "naive-strict"),
                (f"{NAIVE}, errors count as misses", naive_config(True), "naive"),
            ]
            for label, config, role in contenders:
                failure: list[str] = []

                def render(_: Any, failure: list[str] = failure) -> None:
                    try:
                        render_page(client, n)
                    except Exception as exc:  # The 2013 design lets the timeout through: a 500.
                        failure.append(type(exc).__name__)

                with default_storage_is(config) as storage:
                    connect(storage)
                    requests, seconds = measure(lab.counter, render)
                outcome = f"the page fails: {failure[0]}" if failure else "the page renders"
                page.add(label, 1, requests, seconds, role=role, note=outcome)

        def sizes_of(storage: Storage) -> Callable[[Any], None]:
            def run(_: Any) -> None:
                for name in names:
                    # LayerUnavailable or FileNotFoundError: what a page would show.
                    with contextlib.suppress(OSError):
                        storage.size(name)

            return run

        size_contenders: list[tuple[str, Storage, str, str]] = [
            (
                "HybridStorage, unavailable='error'",
                HybridStorage(**hybrid_config()["OPTIONS"]),
                "hybrid",
                "raises LayerUnavailable",
            ),
            (
                "HybridStorage, unavailable='miss'",
                HybridStorage(**hybrid_config(unavailable="miss")["OPTIONS"]),
                "hybrid-miss",
                "raises FileNotFoundError",
            ),
            (
                f"{NAIVE}, errors count as misses",
                NaiveHybridStorage(**naive_config(True)["OPTIONS"]),
                "naive",
                "raises FileNotFoundError",
            ),
        ]
        for label, storage, role, note in size_contenders:
            requests, seconds = measure(lab.counter, sizes_of(connect(storage)))
            sizes.add(label, n, requests, seconds, role=role, note=note)
    finally:
        server.close()
    return [page, sizes]


# Batched lookups: a change list's origin badges ------------------------------------------------


def badges_scenario(lab: Lab) -> list[Scenario]:
    """Where 100 production photos live, as a change list's badges ask: name by name, or as one batch."""
    photos = lab.photos
    names = photos.production[: min(100, len(photos.production))]
    scenario = Scenario("badges", f"origins of {len(names)} production photos in one directory, cold cache")

    def per_name(storage: HybridStorage) -> list[Any]:
        return [storage.origin(name) for name in names]

    def batched(storage: HybridStorage) -> list[Any]:
        storage.whereabouts_many(names)  # what HybridMediaAdminMixin does before rendering the rows
        return [storage.origin(name) for name in names]

    compare(
        lab.counter,
        scenario,
        [
            Contender("HybridStorage.origin() per name", "floor", per_name, len(names), setup=photos.hybrid),
            Contender("whereabouts_many(), then origin()", "batch", batched, len(names), setup=photos.hybrid),
        ],
    )
    storage = photos.hybrid()
    assert [layer.name for layer in batched(storage)] == ["production"] * len(names), "wrong origins"
    return [scenario]


SCENARIOS: dict[str, Callable[[Lab], list[Scenario]]] = {
    "url": url_scenario,
    "exists": exists_scenarios,
    "size": size_scenario,
    "listdir": listdir_scenario,
    "page": page_scenario,
    "save": save_scenario,
    "purge": purge_scenario,
    "memory": memory_scenario,
    "paging": paging_scenario,
    "url-cost": url_cost_scenario,
    "outage": outage_scenarios,
    "badges": badges_scenario,
    "media-view": media_view_scenarios,
    "http-page": http_page_scenario,
    "fleet-cache": shared_cache_scenarios,
    "fleet": fleet_throughput_scenario,
}
