"""Production unreachable or slow: what keeps working, the errors, bounded waiting and recovery."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from django.core.files.base import ContentFile
from moto.server import ThreadedMotoServer

from hybridmedia.exceptions import LayerConfigurationError, LayerUnavailable
from hybridmedia.storage import HybridStorage
from tests import s3

Requests = list[tuple[str, str]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hybrid_over(
    local_config: dict[str, Any], endpoint_url: str, bucket: str = "production", **options: Any
) -> HybridStorage:
    production = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "access_key": s3.ACCESS_KEY,
            "secret_key": s3.SECRET_KEY,
            "region_name": s3.REGION,
            "querystring_auth": False,
            **options.pop("s3_options", {}),
        },
    }
    return HybridStorage(
        layers=[{"name": "local", "storage": local_config}, {"name": "production", "storage": production}], **options
    )


@pytest.fixture
def closed_port_hybrid(local_config: dict[str, Any]) -> HybridStorage:
    return hybrid_over(local_config, f"http://127.0.0.1:{free_port()}")


class TestClosedPort:
    def test_local_files_keep_working(self, closed_port_hybrid: HybridStorage) -> None:
        hybrid = closed_port_hybrid
        hybrid.top.storage.save("mine.jpg", ContentFile(b"local"))
        assert hybrid.exists("mine.jpg")
        assert hybrid.open("mine.jpg").read() == b"local"
        assert hybrid.size("mine.jpg") == 5
        assert hybrid.url("mine.jpg") == "/media/mine.jpg"

    def test_production_urls_need_no_request(self, closed_port_hybrid: HybridStorage) -> None:
        assert closed_port_hybrid.url("homes/1.jpg").endswith("/production/homes/1.jpg")

    @pytest.mark.parametrize("call", ["exists", "open", "size", "get_modified_time", "listdir"])
    def test_production_names_raise_layer_unavailable(self, closed_port_hybrid: HybridStorage, call: str) -> None:
        with pytest.raises(LayerUnavailable) as caught:
            getattr(closed_port_hybrid, call)("homes/1.jpg")
        error = caught.value
        assert isinstance(error, OSError)
        assert error.layer_name == "production"
        assert "'production'" in str(error) and "127.0.0.1" in str(error) and "bucket 'production'" in str(error)
        assert s3.SECRET_KEY not in str(error)

    def test_miss_mode_counts_unreachable_files_as_missing(self, local_config: dict[str, Any]) -> None:
        hybrid = hybrid_over(local_config, f"http://127.0.0.1:{free_port()}", unavailable="miss")
        hybrid.top.storage.save("d/mine.jpg", ContentFile(b"x"))
        assert not hybrid.exists("d/prod.jpg")
        with pytest.raises(FileNotFoundError):
            hybrid.open("d/prod.jpg")
        assert hybrid.listdir("d") == ([], ["mine.jpg"])

    def test_save_picks_a_name_that_cannot_collide(
        self, closed_port_hybrid: HybridStorage, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="hybridmedia"):
            name = closed_port_hybrid.save("homes/upload.jpg", ContentFile(b"new"))
        assert (
            name.startswith("homes/upload_") and name.endswith(".jpg") and len(name) == len("homes/upload_XXXXXXX.jpg")
        )
        assert closed_port_hybrid.top.storage.open(name).read() == b"new"
        assert "Saving 'homes/upload.jpg' under another name" in caplog.text

    def test_save_never_overwrites_while_production_is_down(self, closed_port_hybrid: HybridStorage) -> None:
        names = {closed_port_hybrid.save("same.jpg", ContentFile(str(i).encode())) for i in range(5)}
        assert len(names) == 5
        assert sorted(closed_port_hybrid.top.storage.open(n).read() for n in names) == [b"0", b"1", b"2", b"3", b"4"]

    def test_delete_hides_the_name_in_case_production_holds_it(self, closed_port_hybrid: HybridStorage) -> None:
        closed_port_hybrid.top.storage.save("x.jpg", ContentFile(b"x"))
        closed_port_hybrid.delete("x.jpg")
        assert not closed_port_hybrid.top.storage.exists("x.jpg")
        assert list(closed_port_hybrid.whiteouts()) == ["x.jpg"]

    def test_lower_delete_error_raises_while_down(self, local_config: dict[str, Any]) -> None:
        hybrid = hybrid_over(local_config, f"http://127.0.0.1:{free_port()}", lower_delete="error")
        with pytest.raises(LayerUnavailable):
            hybrid.delete("x.jpg")

    def test_copy_up_refuses_rather_than_hiding_production(self, closed_port_hybrid: HybridStorage) -> None:
        with pytest.raises(LayerUnavailable):
            closed_port_hybrid.open("log.txt", "ab")
        assert not closed_port_hybrid.top.storage.exists("log.txt")


class BlackHole:
    """A TCP server that accepts connections and never answers: a production that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    server = BlackHole()
    yield server
    server.close()


class TestSlowProduction:
    def test_a_hanging_layer_is_asked_once_per_retry_period(
        self, local_config: dict[str, Any], black_hole: BlackHole
    ) -> None:
        config = Config(connect_timeout=0.5, read_timeout=0.3, retries={"total_max_attempts": 1})
        hybrid = hybrid_over(local_config, f"http://127.0.0.1:{black_hole.port}", s3_options={"client_config": config})
        for i in range(100):  # a page of 100 production images
            with pytest.raises(LayerUnavailable, match="ReadTimeoutError"):
                hybrid.size(f"homes/{i}.jpg")
        assert len(black_hole.connections) == 1
        assert list(hybrid.unavailable_layers()) == ["production"]

    def test_default_timeouts_are_short_and_overridable(self, local_config: dict[str, Any]) -> None:
        hybrid = hybrid_over(local_config, "http://127.0.0.1:1")
        config = hybrid.layers[1].storage.client_config
        assert (config.connect_timeout, config.read_timeout) == (2, 5)
        assert config.retries == {"mode": "standard", "total_max_attempts": 2}
        assert config.s3 == {"addressing_style": None}  # django-storages' own settings are kept
        own = Config(connect_timeout=9)
        hybrid = hybrid_over(local_config, "http://127.0.0.1:1", s3_options={"client_config": own})
        assert hybrid.layers[1].storage.client_config is own


class TestRecovery:
    def test_everything_recovers_without_a_restart(self, local_config: dict[str, Any], s3_requests: Requests) -> None:
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        endpoint = f"http://127.0.0.1:{port}"
        bucket = s3.Bucket(client=s3.admin_client(endpoint), endpoint_url=endpoint, name="recovery-bucket").create()
        bucket.put("homes/1.jpg", b"prod")
        hybrid = hybrid_over(local_config, endpoint, bucket=bucket.name, unavailable_retry=0, cache_timeout=0)
        assert hybrid.open("homes/1.jpg").read() == b"prod"
        server.stop()
        try:
            with pytest.raises(LayerUnavailable):
                hybrid.exists("homes/1.jpg")
        finally:
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
        try:
            assert hybrid.exists("homes/1.jpg")
            assert hybrid.open("homes/1.jpg").read() == b"prod"
            assert hybrid.unavailable_layers() == {}
        finally:
            bucket.destroy()
            server.stop()


@pytest.mark.parametrize(
    ("options", "fragment"),
    [({"unavailable": "ignore"}, "unavailable='ignore'"), ({"unavailable_retry": -1}, "unavailable_retry=-1")],
)
def test_bad_unavailable_options(options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(LayerConfigurationError, match=fragment) as caught:
        HybridStorage(layers=["local"], **options)
    assert caught.value.check_id == "hybridmedia.E010"
