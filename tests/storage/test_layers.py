"""The read-only guard on lower layers and a three-layer (local / staging / production) stack."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.storage import HybridStorage, Layer
from tests.s3 import Bucket

pytestmark = pytest.mark.every_s3_server


class TestReadOnlyGuard:
    def test_layers_are_typed_and_only_the_top_is_writable(self, hybrid: HybridStorage) -> None:
        assert [(layer.name, layer.writable) for layer in hybrid.layers] == [("local", True), ("production", False)]
        assert all(isinstance(layer, Layer) for layer in hybrid.layers)
        assert isinstance(hybrid.layers[1].storage, S3Storage)

    def test_direct_writes_to_a_lower_layer_are_refused(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("p.jpg", b"prod")
        lower = hybrid.layers[1].storage
        for call, operation in (
            (lambda: lower.save("new.jpg", ContentFile(b"x")), "save"),
            (lambda: lower._save("new.jpg", ContentFile(b"x")), "save"),
            (lambda: lower.delete("p.jpg"), "delete"),
            (lambda: lower.open("p.jpg", "wb"), "open for writing"),
            (lambda: lower.open("p.jpg", "r+b"), "open for writing"),
            (lambda: lower._open("p.jpg", "ab"), "open for writing"),
        ):
            with pytest.raises(ReadOnlyLayerError, match=f"Layer 'production' is read-only: refused to {operation}"):
                call()
        assert lower.open("p.jpg").read() == b"prod"  # Reading still works.

    def test_read_only_error_is_a_permission_error(self) -> None:
        error = ReadOnlyLayerError("production", "delete", "a.jpg")
        assert isinstance(error, PermissionError)
        assert error.layer_name == "production"

    def test_the_guard_deconstructs_as_the_original_backend(self, hybrid: HybridStorage) -> None:
        path, _, kwargs = hybrid.layers[1].storage.deconstruct()
        assert path == "storages.backends.s3.S3Storage"
        assert kwargs["bucket_name"] == hybrid.layers[1].storage.bucket_name


@pytest.fixture
def staging(make_bucket: Any) -> Bucket:
    return make_bucket()


@pytest.fixture
def three_layers(local_config: dict[str, Any], staging: Bucket, production: Bucket) -> HybridStorage:
    return HybridStorage(
        layers=[
            {"name": "local", "storage": local_config},
            {"name": "staging", "storage": staging.config()},
            {"name": "production", "storage": production.config()},
        ]
    )


class TestThreeLayers:
    def test_each_name_is_served_by_the_topmost_layer(
        self, three_layers: HybridStorage, staging: Bucket, production: Bucket
    ) -> None:
        production.put("only-prod.jpg", b"p")
        production.put("both.jpg", b"p")
        staging.put("both.jpg", b"s")
        staging.put("only-staging.jpg", b"s")
        three_layers.save("only-local.jpg", ContentFile(b"l"))
        assert three_layers.open("only-prod.jpg").read() == b"p"
        assert three_layers.open("both.jpg").read() == b"s"
        assert three_layers.open("only-staging.jpg").read() == b"s"
        assert three_layers.origin("both.jpg").name == "staging"
        assert [layer.name for layer in three_layers.locate("both.jpg")] == ["staging", "production"]
        assert three_layers.is_shadowed("both.jpg")  # staging's copy hides production's

    def test_middle_layer_url_and_bottom_url_without_request(
        self,
        three_layers: HybridStorage,
        staging: Bucket,
        production: Bucket,
        s3_requests: list[tuple[str, str]],
    ) -> None:
        staging.put("s.jpg")
        s3_requests.clear()
        assert three_layers.url("s.jpg").endswith(f"/{staging.name}/s.jpg")
        assert [method for method, _ in s3_requests] == ["HEAD"]  # asks staging only
        s3_requests.clear()
        assert three_layers.url("p.jpg").endswith(f"/{production.name}/p.jpg")
        assert all(staging.name in url for _, url in s3_requests)  # never asks production

    def test_listdir_merges_three_layers(
        self, three_layers: HybridStorage, staging: Bucket, production: Bucket
    ) -> None:
        production.put("d/p.jpg")
        staging.put("d/s.jpg")
        three_layers.save("d/l.jpg", ContentFile(b"x"))
        assert three_layers.listdir("d") == ([], ["l.jpg", "p.jpg", "s.jpg"])

    def test_delete_whites_out_across_both_lower_layers(
        self, three_layers: HybridStorage, staging: Bucket, production: Bucket
    ) -> None:
        staging.put("x.jpg")
        production.put("x.jpg")
        three_layers.delete("x.jpg")
        assert not three_layers.exists("x.jpg")
        assert three_layers.is_name_available("x.jpg")  # deleted: free for a new file under that name

    def test_shadowing_a_middle_layer(self, three_layers: HybridStorage, staging: Bucket) -> None:
        staging.put("s.jpg", b"staging")
        three_layers.top.storage.save("s.jpg", ContentFile(b"local"))
        assert three_layers.is_shadowed("s.jpg")
        assert list(three_layers.shadowed()) == ["s.jpg"]
