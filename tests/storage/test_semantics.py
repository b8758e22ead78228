"""Every row of the semantics table, with moto's S3 as the production (lower) layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.storage import WHITEOUT_DIR, HybridStorage
from tests.s3 import Bucket

pytestmark = pytest.mark.every_s3_server


def local_path(hybrid: HybridStorage, name: str) -> Any:
    from pathlib import Path

    return Path(hybrid.top.storage.path(name))


class TestOpenForReading:
    def test_reads_the_production_copy(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/1.jpg", b"prod photo")
        with hybrid.open("homes/1.jpg") as f:
            assert f.read() == b"prod photo"

    def test_top_layer_copy_wins(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/1.jpg", b"prod photo")
        hybrid.top.storage.save("homes/1.jpg", ContentFile(b"local photo"))
        assert hybrid.open("homes/1.jpg").read() == b"local photo"

    def test_missing_everywhere_raises_file_not_found(self, hybrid: HybridStorage) -> None:
        with pytest.raises(FileNotFoundError, match="local, production"):
            hybrid.open("homes/none.jpg")

    def test_whited_out_name_is_not_found(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/1.jpg")
        hybrid.delete("homes/1.jpg")
        with pytest.raises(FileNotFoundError):
            hybrid.open("homes/1.jpg")

    def test_text_mode(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("notes.txt", b"hello")
        with hybrid.open("notes.txt", "r") as f:
            assert f.read() in ("hello", b"hello")


class TestOpenForWriting:
    def test_append_copies_a_production_file_up_first(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("log.txt", b"line 1\n")
        with hybrid.open("log.txt", "ab") as f:
            f.write(b"line 2\n")
        assert local_path(hybrid, "log.txt").read_bytes() == b"line 1\nline 2\n"
        assert production.get("log.txt") == b"line 1\n"
        assert hybrid.origin("log.txt") is hybrid.top

    def test_read_plus_copies_up_and_edits_in_place(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("data.bin", b"abcdef")
        with hybrid.open("data.bin", "r+b") as f:
            f.seek(2)
            f.write(b"XY")
        assert hybrid.open("data.bin").read() == b"abXYef"
        assert production.get("data.bin") == b"abcdef"

    def test_write_truncates_into_the_top_layer(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/cover.jpg", b"production")
        with hybrid.open("homes/cover.jpg", "wb") as f:
            f.write(b"new")
        assert local_path(hybrid, "homes/cover.jpg").read_bytes() == b"new"
        assert production.get("homes/cover.jpg") == b"production"

    def test_write_creates_missing_directories(self, hybrid: HybridStorage) -> None:
        with hybrid.open("deep/er/new.txt", "wb") as f:
            f.write(b"x")
        assert local_path(hybrid, "deep/er/new.txt").read_bytes() == b"x"

    def test_writing_a_whited_out_name_brings_it_back_locally(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("a.txt", b"prod")
        hybrid.delete("a.txt")
        with hybrid.open("a.txt", "wb") as f:
            f.write(b"local")
        assert hybrid.open("a.txt").read() == b"local"
        assert list(hybrid.whiteouts()) == []

    def test_exclusive_create_refuses_a_production_name(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("x.txt")
        with pytest.raises(FileExistsError, match="production"):
            hybrid.open("x.txt", "xb")


class TestSave:
    def test_save_goes_to_the_top_layer_only(self, hybrid: HybridStorage, production: Bucket) -> None:
        name = hybrid.save("uploads/new.jpg", ContentFile(b"upload"))
        assert local_path(hybrid, name).read_bytes() == b"upload"
        assert production.seeded == {}

    def test_a_failing_top_layer_never_falls_through(self, hybrid: HybridStorage, production: Bucket) -> None:
        top_root = local_path(hybrid, "")
        top_root.chmod(0o500)
        try:
            # root ignores permission bits, so make the directory unusable another way.
            (top_root / "blocked").write_bytes(b"a file where a directory is needed")
            with pytest.raises(OSError):
                hybrid.save("blocked/photo.jpg", ContentFile(b"x"))
        finally:
            top_root.chmod(0o700)
        assert production.seeded == {}  # and the autouse guard proves the bucket is unchanged

    def test_save_returns_a_name_free_in_every_layer(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/42.jpg", b"prod")
        name = hybrid.save("homes/42.jpg", ContentFile(b"upload"))
        assert name != "homes/42.jpg" and name.startswith("homes/42_")
        assert hybrid.open("homes/42.jpg").read() == b"prod"
        assert not hybrid.is_shadowed(name)


class TestNameAvailability:
    def test_a_production_name_is_taken(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("p.jpg")
        assert not hybrid.is_name_available("p.jpg")
        assert hybrid.get_available_name("p.jpg") != "p.jpg"

    def test_a_deleted_name_is_free_again_and_comes_back_under_the_same_name(
        self, hybrid: HybridStorage, production: Bucket
    ) -> None:
        # Thumbnailers regenerate a derived file under the name they computed: a delete followed by a
        # save must give that name back, or every request makes a new orphan and serves a 404.
        production.put("p.jpg")
        hybrid.delete("p.jpg")
        assert not hybrid.exists("p.jpg")
        assert hybrid.is_name_available("p.jpg")
        assert hybrid.save("p.jpg", ContentFile(b"new")) == "p.jpg"
        assert hybrid.open("p.jpg").read() == b"new"
        assert list(hybrid.whiteouts()) == []
        assert hybrid.is_shadowed("p.jpg")  # the new local file hides production's, and says so
        assert production.get("p.jpg") == b"production bytes"

    def test_a_free_name_is_available(self, hybrid: HybridStorage) -> None:
        assert hybrid.is_name_available("free.jpg")
        assert hybrid.get_available_name("free.jpg") == "free.jpg"


class TestExists:
    def test_each_layer_and_none(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("prod.jpg")
        hybrid.save("local.jpg", ContentFile(b"x"))
        assert hybrid.exists("prod.jpg")
        assert hybrid.exists("local.jpg")
        assert not hybrid.exists("nowhere.jpg")

    def test_whiteout_hides(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("prod.jpg")
        hybrid.delete("prod.jpg")
        assert not hybrid.exists("prod.jpg")

    def test_a_dangling_local_link_is_a_local_file(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("prod.jpg")
        Path(hybrid.top.storage.path("prod.jpg")).parent.mkdir(parents=True, exist_ok=True)
        Path(hybrid.top.storage.path("prod.jpg")).symlink_to("/nonexistent/target")
        assert hybrid.origin("prod.jpg") is hybrid.top  # the link shadows, as FileSystemStorage.exists() says

    @pytest.mark.parametrize("access_works", [True, False])
    def test_the_same_answers_with_or_without_os_access(
        self, hybrid: HybridStorage, production: Bucket, monkeypatch: pytest.MonkeyPatch, access_works: bool
    ) -> None:
        # Some container seccomp profiles refuse faccessat2(); the top layer is then stat()ed instead.
        monkeypatch.setattr("hybridmedia.storage.hybrid._ACCESS_NOFOLLOW", access_works)
        production.put("prod.jpg")
        production.put("gone.jpg")
        hybrid.save("local.jpg", ContentFile(b"x"))
        hybrid.delete("gone.jpg")
        assert [hybrid.exists(name) for name in ("prod.jpg", "local.jpg", "gone.jpg", "nowhere.jpg")] == [
            True,
            True,
            False,
            False,
        ]
        assert hybrid.url_layer("local.jpg") is hybrid.top and hybrid.url_layer("gone.jpg") is hybrid.top
        assert hybrid.url_layer("prod.jpg").name == "production"


class TestDelete:
    def test_deletes_the_local_copy(self, hybrid: HybridStorage) -> None:
        hybrid.save("local.jpg", ContentFile(b"x"))
        hybrid.delete("local.jpg")
        assert not hybrid.exists("local.jpg")
        assert list(hybrid.whiteouts()) == []

    def test_production_file_gets_a_whiteout(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/1.jpg", b"prod")
        hybrid.delete("homes/1.jpg")
        assert not hybrid.exists("homes/1.jpg")
        assert list(hybrid.whiteouts()) == ["homes/1.jpg"]
        assert production.get("homes/1.jpg") == b"prod"

    def test_deleting_a_shadowing_copy_also_hides_production(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("a.jpg", b"prod")
        hybrid.top.storage.save("a.jpg", ContentFile(b"local"))
        hybrid.delete("a.jpg")
        assert not hybrid.exists("a.jpg")
        assert not local_path(hybrid, "a.jpg").exists()
        assert list(hybrid.whiteouts()) == ["a.jpg"]

    def test_missing_name_is_a_noop(self, hybrid: HybridStorage) -> None:
        hybrid.delete("nothing.jpg")
        assert list(hybrid.whiteouts()) == []

    def test_restore_drops_the_whiteout(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("b.jpg", b"prod")
        hybrid.delete("b.jpg")
        assert hybrid.restore("b.jpg") is True
        assert hybrid.open("b.jpg").read() == b"prod"
        assert hybrid.restore("b.jpg") is False

    def test_lower_delete_ignore(self, local_config: dict[str, Any], production: Bucket) -> None:
        production.put("c.jpg")
        hybrid = HybridStorage(
            layers=[{"name": "local", "storage": local_config}, {"name": "production", "storage": production.config()}],
            lower_delete="ignore",
        )
        hybrid.delete("c.jpg")
        assert hybrid.exists("c.jpg")
        assert list(hybrid.whiteouts()) == []

    def test_lower_delete_error(self, local_config: dict[str, Any], production: Bucket) -> None:
        production.put("c.jpg")
        hybrid = HybridStorage(
            layers=[{"name": "local", "storage": local_config}, {"name": "production", "storage": production.config()}],
            lower_delete="error",
        )
        with pytest.raises(ReadOnlyLayerError, match="'production' is read-only"):
            hybrid.delete("c.jpg")
        assert hybrid.exists("c.jpg")
        hybrid.top.storage.save("c.jpg", ContentFile(b"local"))
        hybrid.delete("c.jpg")  # The local copy may go; production shows again.
        assert hybrid.origin("c.jpg").name == "production"


class TestListdir:
    def test_union_sorted_without_duplicates(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/b.jpg")
        production.put("homes/shared.jpg")
        production.put("homes/garden/1.jpg")
        hybrid.save("homes/a.jpg", ContentFile(b"x"))
        hybrid.top.storage.save("homes/shared.jpg", ContentFile(b"x"))
        hybrid.save("homes/attic/1.jpg", ContentFile(b"x"))
        assert hybrid.listdir("homes") == (["attic", "garden"], ["a.jpg", "b.jpg", "shared.jpg"])

    def test_hides_whited_out_names_and_markers(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/b.jpg")
        production.put("homes/c.jpg")
        production.put("top.jpg")
        hybrid.delete("homes/b.jpg")
        hybrid.delete("top.jpg")
        assert hybrid.listdir("homes") == ([], ["c.jpg"])
        assert hybrid.listdir("") == (["homes"], [])
        assert WHITEOUT_DIR not in hybrid.listdir("")[0]

    def test_root(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("p.jpg")
        hybrid.save("l.jpg", ContentFile(b"x"))
        assert hybrid.listdir("") == ([], ["l.jpg", "p.jpg"])

    def test_listdir_past_one_listing_page(self, hybrid: HybridStorage, production: Bucket) -> None:
        # S3 returns at most 1,000 keys per ListObjects page; the union must hold every one, once.
        names = [f"big/{i:04d}.jpg" for i in range(1010)] + ["big/sub/a.jpg", "big/zz/b.jpg"]
        production.put_many(names)
        hybrid.save("big/0005.jpg", ContentFile(b"x"))  # taken, so saved under another name
        directories, files = hybrid.listdir("big")
        assert directories == ["sub", "zz"]
        assert len(files) == 1011 and len(set(files)) == 1011
        assert files[:2] == ["0000.jpg", "0001.jpg"]

    def test_missing_directory(self, hybrid: HybridStorage) -> None:
        assert hybrid.listdir("nowhere") == ([], [])  # S3 has no directories to miss.


class TestMetadata:
    def test_size_from_the_serving_layer(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("p.bin", b"12345678")
        hybrid.save("l.bin", ContentFile(b"123"))
        assert hybrid.size("p.bin") == 8
        assert hybrid.size("l.bin") == 3
        hybrid.top.storage.save("p.bin", ContentFile(b"1"))
        assert hybrid.size("p.bin") == 1

    def test_missing_names_raise_file_not_found(self, hybrid: HybridStorage, production: Bucket) -> None:
        for method in (hybrid.size, hybrid.get_modified_time, hybrid.get_created_time, hybrid.get_accessed_time):
            with pytest.raises(FileNotFoundError):
                method("missing.jpg")

    def test_modified_time_of_a_production_file(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("p.jpg")
        assert hybrid.get_modified_time("p.jpg").tzinfo is not None

    def test_not_implemented_stays_where_the_serving_layer_lacks_it(
        self, hybrid: HybridStorage, production: Bucket
    ) -> None:
        production.put("p.jpg")
        with pytest.raises(NotImplementedError):
            hybrid.get_created_time("p.jpg")  # S3Storage has no created time.
        with pytest.raises(NotImplementedError):
            hybrid.path("p.jpg")  # nor local paths

    def test_path_of_local_and_new_names(self, hybrid: HybridStorage) -> None:
        hybrid.save("l.jpg", ContentFile(b"x"))
        assert hybrid.path("l.jpg") == str(local_path(hybrid, "l.jpg"))
        assert hybrid.path("new.jpg") == str(local_path(hybrid, "new.jpg"))

    def test_whited_out_name_has_no_metadata(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("p.jpg")
        hybrid.delete("p.jpg")
        with pytest.raises(FileNotFoundError):
            hybrid.size("p.jpg")


class TestUrl:
    def test_production_url_needs_no_request(
        self, hybrid: HybridStorage, production: Bucket, s3_requests: list[tuple[str, str]]
    ) -> None:
        url = hybrid.url("homes/1.jpg")
        assert url == f"{production.endpoint_url}/{production.name}/homes/1.jpg"
        assert s3_requests == []

    def test_local_url(self, hybrid: HybridStorage, s3_requests: list[tuple[str, str]]) -> None:
        hybrid.top.storage.save("homes/mine.jpg", ContentFile(b"x"))
        assert hybrid.url("homes/mine.jpg") == "/media/homes/mine.jpg"
        assert s3_requests == []

    def test_signed_production_url_resolves_to_the_object(
        self, local_config: dict[str, Any], production: Bucket, s3_requests: list[tuple[str, str]]
    ) -> None:
        import urllib.request

        hybrid = HybridStorage(
            layers=[
                {"name": "local", "storage": local_config},
                {"name": "production", "storage": production.config(querystring_auth=True)},
            ]
        )
        production.put("homes/1.jpg", b"prod bytes")
        s3_requests.clear()
        url = hybrid.url("homes/1.jpg")
        assert "Signature=" in url and s3_requests == []
        with urllib.request.urlopen(url) as response:  # noqa: S310 - local test server
            assert response.read() == b"prod bytes"


class TestNames:
    @pytest.mark.parametrize(
        "name",
        [
            "../x.jpg",
            "a/../../x.jpg",
            "..\\x.jpg",
            "/etc/passwd",
            "nul\x00byte.jpg",
            "tab\tin.jpg",
            "x" * 1025,
            f"{WHITEOUT_DIR}/homes/1.jpg",
            "",
        ],
    )
    def test_bad_names_are_refused_everywhere(self, hybrid: HybridStorage, name: str) -> None:
        for call in (
            lambda: hybrid.save(name, ContentFile(b"x")),
            lambda: hybrid.open(name),
            lambda: hybrid.open(name, "wb"),
            lambda: hybrid.exists(name),
            lambda: hybrid.size(name),
            lambda: hybrid.origin(name),
        ):
            with pytest.raises(SuspiciousFileOperation):
                call()
        # delete() says what Django's storages say of an empty name.
        with pytest.raises(ValueError if name == "" else SuspiciousFileOperation):
            hybrid.delete(name)
        assert list(local_path(hybrid, "").iterdir()) == []

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("tab\tin.jpg", "/media/tab%09in.jpg"),
            ("nul\x00byte.jpg", "/media/nul%00byte.jpg"),
            (f"{WHITEOUT_DIR}/homes/1.jpg", f"/media/{WHITEOUT_DIR}/homes/1.jpg"),
        ],
    )
    def test_url_quotes_odd_names_like_filesystem_storage_and_asks_no_layer(
        self, hybrid: HybridStorage, s3_requests: list[tuple[str, str]], name: str, expected: str
    ) -> None:
        assert hybrid.url(name) == expected == FileSystemStorage(base_url="/media/").url(name)
        assert s3_requests == []

    def test_url_percent_encodes_reserved_characters_in_every_layer(
        self, hybrid: HybridStorage, production: Bucket
    ) -> None:
        production.put("a b#c?.jpg")
        hybrid.save("l o#c?.jpg", ContentFile(b"x"))
        assert hybrid.url("a b#c?.jpg").endswith(f"/{production.name}/a%20b%23c%3F.jpg")
        assert hybrid.url("l o#c?.jpg") == "/media/l%20o%23c%3F.jpg"

    def test_listdir_refuses_traversal_and_the_whiteout_directory(self, hybrid: HybridStorage) -> None:
        for path in ("..", "a/../..", WHITEOUT_DIR, "/abs"):
            with pytest.raises(SuspiciousFileOperation):
                hybrid.listdir(path)

    def test_unicode_names_work(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("häuser/café.jpg", b"prod")
        assert hybrid.open("häuser/café.jpg").read() == b"prod"
        assert hybrid.listdir("häuser") == ([], ["café.jpg"])


class TestShadowing:
    def test_origin_locate_and_is_shadowed(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("s.jpg")
        production.put("p.jpg")
        hybrid.top.storage.save("s.jpg", ContentFile(b"local"))
        hybrid.save("l.jpg", ContentFile(b"local"))
        assert hybrid.origin("s.jpg").name == "local"
        assert [layer.name for layer in hybrid.locate("s.jpg")] == ["local", "production"]
        assert hybrid.is_shadowed("s.jpg")
        assert not hybrid.is_shadowed("p.jpg")
        assert not hybrid.is_shadowed("l.jpg")
        assert hybrid.origin("p.jpg").name == "production"
        assert hybrid.origin("none.jpg") is None
        assert hybrid.locate("none.jpg") == []

    def test_shadowed_lists_every_shadowing_name_under_a_prefix(
        self, hybrid: HybridStorage, production: Bucket
    ) -> None:
        for name in ("homes/a.jpg", "homes/sub/b.jpg", "other/c.jpg"):
            production.put(name)
            hybrid.top.storage.save(name, ContentFile(b"local"))
        hybrid.save("homes/own.jpg", ContentFile(b"x"))
        assert sorted(hybrid.shadowed()) == ["homes/a.jpg", "homes/sub/b.jpg", "other/c.jpg"]
        assert sorted(hybrid.shadowed("homes")) == ["homes/a.jpg", "homes/sub/b.jpg"]

    def test_whited_out_name_is_located_but_has_no_origin(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("w.jpg")
        hybrid.delete("w.jpg")
        assert hybrid.origin("w.jpg") is None
        assert [layer.name for layer in hybrid.locate("w.jpg")] == ["production"]
        assert list(hybrid.whiteouts("")) == ["w.jpg"]
