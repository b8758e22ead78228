"""Django's storage contract, run against each backend the way Django's own file_storage tests do."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage

from hybridmedia.storage import HybridStorage


class StorageContract:
    """Behaviour every storage must keep; each subclass provides its backend as the ``storage`` fixture."""

    @pytest.fixture
    def storage(self) -> Storage:
        raise NotImplementedError

    def test_save_then_open_roundtrip(self, storage: Storage) -> None:
        name = storage.save("docs/report.txt", ContentFile(b"quarterly numbers"))
        assert name == "docs/report.txt"
        with storage.open(name) as f:
            assert f.read() == b"quarterly numbers"

    def test_exists_and_delete(self, storage: Storage) -> None:
        assert not storage.exists("a.txt")
        storage.save("a.txt", ContentFile(b"x"))
        assert storage.exists("a.txt")
        storage.delete("a.txt")
        assert not storage.exists("a.txt")

    def test_delete_missing_is_a_noop(self, storage: Storage) -> None:
        storage.delete("never-existed.txt")
        assert not storage.exists("never-existed.txt")

    def test_open_missing_raises_file_not_found(self, storage: Storage) -> None:
        with pytest.raises(FileNotFoundError):
            storage.open("missing.txt")

    def test_same_name_twice_gets_an_alternative_name(self, storage: Storage) -> None:
        first = storage.save("dup.txt", ContentFile(b"one"))
        second = storage.save("dup.txt", ContentFile(b"two"))
        assert first == "dup.txt"
        assert second != first and second.startswith("dup_") and second.endswith(".txt")
        assert storage.open(first).read() == b"one"
        assert storage.open(second).read() == b"two"

    def test_get_available_name_respects_max_length(self, storage: Storage) -> None:
        storage.save("long-name.txt", ContentFile(b"x"))
        name = storage.get_available_name("long-name.txt", max_length=16)
        assert len(name) <= 16 and name != "long-name.txt"

    def test_size(self, storage: Storage) -> None:
        storage.save("sized.bin", ContentFile(b"12345"))
        assert storage.size("sized.bin") == 5

    def test_times_are_aware_datetimes(self, storage: Storage) -> None:
        storage.save("timed.txt", ContentFile(b"x"))
        before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
        for method in (storage.get_modified_time, storage.get_created_time, storage.get_accessed_time):
            value = method("timed.txt")
            assert value.tzinfo is not None and value > before

    def test_listdir(self, storage: Storage) -> None:
        storage.save("gallery/one.jpg", ContentFile(b"1"))
        storage.save("gallery/two.jpg", ContentFile(b"2"))
        storage.save("gallery/thumbs/one.jpg", ContentFile(b"t"))
        assert storage.listdir("gallery") == (["thumbs"], ["one.jpg", "two.jpg"])

    def test_url(self, storage: Storage) -> None:
        storage.save("photos/a b.jpg", ContentFile(b"x"))
        assert storage.url("photos/a b.jpg") == "/media/photos/a%20b.jpg"

    def test_open_for_writing_creates_the_file(self, storage: Storage) -> None:
        with storage.open("new.txt", "wb") as f:
            f.write(b"written")
        assert storage.open("new.txt").read() == b"written"

    def test_path_traversal_is_refused(self, storage: Storage) -> None:
        for name in ("../escape.txt", "a/../../escape.txt"):
            with pytest.raises(SuspiciousFileOperation):
                storage.save(name, ContentFile(b"x"))
            with pytest.raises(SuspiciousFileOperation):
                storage.exists(name)

    def test_absolute_path_is_refused(self, storage: Storage) -> None:
        with pytest.raises(SuspiciousFileOperation):
            storage.save("/etc/passwd", ContentFile(b"x"))

    def test_generate_filename_cleans_the_name(self, storage: Storage) -> None:
        assert storage.generate_filename("dir/some file?.txt") == "dir/some_file.txt"

    def test_save_file_like_object(self, storage: Storage, tmp_path: Any) -> None:
        source = tmp_path / "source.txt"
        source.write_bytes(b"from disk")
        with source.open("rb") as f:
            name = storage.save("copied.txt", f)
        assert storage.open(name).read() == b"from disk"


class TestFileSystemStorage(StorageContract):
    @pytest.fixture
    def storage(self, local_config: dict[str, Any]) -> Storage:
        return FileSystemStorage(**local_config["OPTIONS"])


class TestOneLayerHybrid(StorageContract):
    @pytest.fixture
    def storage(self, local_config: dict[str, Any]) -> Storage:
        return HybridStorage(layers=[{"name": "local", "storage": local_config}])


@pytest.mark.every_s3_server
class TestFilesystemOverS3Hybrid(StorageContract):
    @pytest.fixture
    def storage(self, local_config: dict[str, Any], production: Any) -> Storage:
        production.put("unrelated/existing.jpg")
        return HybridStorage(
            layers=[
                {"name": "local", "storage": local_config},
                {"name": "production", "storage": production.config()},
            ]
        )
