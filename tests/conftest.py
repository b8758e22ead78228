from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import botocore.httpsession
import pytest
from django.core.cache import caches
from hypothesis import settings as hypothesis_settings

from hybridmedia.storage import HybridStorage
from tests import s3, services

# A long run of the property tests to shake out bugs: pytest --hypothesis-profile=hybridmedia-long.
# Registered here, before Hypothesis's plugin reads the option (at configure time).
hypothesis_settings.register_profile("hybridmedia-long", max_examples=500, stateful_step_count=50)

# No real AWS configuration may leak into the tests.
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
    os.environ.pop(variable, None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "every_s3_server: run against each S3 implementation (moto and s3rver), not only moto"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "s3_server" in metafunc.fixturenames and metafunc.definition.get_closest_marker("every_s3_server"):
        metafunc.parametrize("s3_server", list(s3.SERVERS), indirect=True, scope="session")


@pytest.fixture(scope="session")
def s3_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A real S3 HTTP endpoint on 127.0.0.1: moto's, or s3rver's in the ``every_s3_server`` group."""
    server = s3.SERVERS[getattr(request, "param", "moto")]()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[services.LocalServer]:
    """A real ``redis-server`` on a free port of 127.0.0.1 (a missing binary fails, never skips)."""
    server = services.redis_server().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def memcached_server() -> Iterator[services.LocalServer]:
    """A real ``memcached`` on a free port of 127.0.0.1."""
    server = services.memcached_server().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nginx_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.NginxServer]:
    """Debian's nginx on a free port of 127.0.0.1, serving a temporary root (a missing binary fails, never skips)."""
    server = services.nginx_server(tmp_path_factory.mktemp("nginx")).start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture
def web_production(nginx_server: services.NginxServer) -> Iterator[services.Site]:
    """A directory of nginx's root for one test; afterwards the whole root must be byte-identical to its seed."""
    before = nginx_server.snapshot()
    site = services.Site(nginx_server)
    yield site
    assert nginx_server.snapshot() == {**before, **site.seeded}, "the HTTP layer's files (nginx's root) changed"
    site.destroy()


@pytest.fixture(scope="session")
def s3_endpoint(s3_server: Any) -> str:
    return s3_server.url  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def s3_admin(s3_server: Any) -> Any:
    return s3.admin_client(s3_server.url, s3_server.access_key, s3_server.secret_key)


@pytest.fixture(autouse=True)
def production_is_untouched(request: pytest.FixtureRequest) -> Iterator[list[s3.Bucket]]:
    """Prove after each test that every bucket holds exactly what the test seeded, byte for byte."""
    buckets: list[s3.Bucket] = []
    if "s3_admin" not in request.fixturenames:
        yield buckets
        return
    admin = request.getfixturevalue("s3_admin")
    before = s3.snapshot(admin)
    yield buckets
    expected = {**before, **{bucket.name: dict(bucket.seeded) for bucket in buckets}}
    assert s3.snapshot(admin) == expected, "a lower layer (production) was modified"
    for bucket in buckets:  # Keep the endpoint small so the next snapshot stays cheap.
        bucket.destroy()


@pytest.fixture
def make_bucket(s3_server: Any, s3_admin: Any, production_is_untouched: list[s3.Bucket]) -> Callable[..., s3.Bucket]:
    def make(location: str = "") -> s3.Bucket:
        bucket = s3.Bucket(
            client=s3_admin,
            endpoint_url=s3_server.url,
            location=location,
            access_key=s3_server.access_key,
            secret_key=s3_server.secret_key,
        ).create()
        production_is_untouched.append(bucket)
        return bucket

    return make


@pytest.fixture
def production(make_bucket: Callable[..., s3.Bucket]) -> s3.Bucket:
    return make_bucket()


@pytest.fixture
def make_staging_bucket(s3_server: Any, s3_admin: Any) -> Iterator[Callable[[], s3.Bucket]]:
    """Make writable buckets for S3 write layers; removed again before the production guard looks."""
    made: list[s3.Bucket] = []

    def make() -> s3.Bucket:
        bucket = s3.Bucket(
            client=s3_admin,
            endpoint_url=s3_server.url,
            name=f"dev-{uuid.uuid4().hex[:12]}",
            access_key=s3_server.access_key,
            secret_key=s3_server.secret_key,
        ).create()
        made.append(bucket)
        return bucket

    yield make
    for bucket in made:
        bucket.destroy()


@pytest.fixture
def staging_bucket(make_staging_bucket: Callable[[], s3.Bucket]) -> s3.Bucket:
    return make_staging_bucket()


@pytest.fixture
def shared_cache(request: pytest.FixtureRequest, settings: Any) -> str:
    """A ``CACHES`` alias ("shared") on a real Redis or Memcached, as ``request.param`` says (else Redis)."""
    engine = getattr(request, "param", "redis")
    port = None if engine == "locmem" else request.getfixturevalue(f"{engine}_server").port
    settings.CACHES = {**settings.CACHES, "shared": services.cache_config(engine, port)}
    caches["shared"].clear()
    return "shared"


@pytest.fixture
def local_config(tmp_path: Any) -> dict[str, Any]:
    location = tmp_path / "local"
    location.mkdir()
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "base_url": "/media/"},
    }


@pytest.fixture
def hybrid(local_config: dict[str, Any], production: s3.Bucket) -> HybridStorage:
    """A filesystem top layer over the S3 production bucket."""
    return HybridStorage(
        layers=[
            {"name": "local", "storage": local_config},
            {"name": "production", "storage": production.config()},
        ]
    )


@pytest.fixture
def s3_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record every HTTP request botocore sends, as ``(method, url)``."""
    sent: list[tuple[str, str]] = []
    original = botocore.httpsession.URLLib3Session.send

    def send(self: Any, request: Any) -> Any:
        sent.append((request.method, request.url))
        return original(self, request)

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", send)
    return sent
