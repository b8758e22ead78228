"""Hostile names (property-based), corrupt state and concurrency against the real S3 harness."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridmedia.storage import WHITEOUT_DIR, HybridStorage
from hybridmedia.storage.names import whiteout_marker
from tests.s3 import Bucket

HOSTILE_PIECES = [
    "..",
    ".",
    "",
    "/",
    "\\",
    "../",
    "..\\",
    "%2e%2e/",
    "%2e%2e%2f",
    "..%2f",
    "....//",
    "\x00",
    "\n",
    "\r",
    "\x1b[31m",
    "\x7f",
    "~",
    "$HOME",
    "C:\\",
    "//",
    " ",
    "\u202e",
    "\ufeff",
    WHITEOUT_DIR,
    f"./{WHITEOUT_DIR}",
    ".wh.",
    "café",
    unicodedata.normalize("NFD", "café"),
    "Å",
    "\u212b",
    "x" * 300,
    "ß",
    "😀",
]

names = st.one_of(
    st.lists(st.sampled_from(HOSTILE_PIECES) | st.text(min_size=1, max_size=12), min_size=1, max_size=6).map("/".join),
    st.text(max_size=40),
    st.integers(min_value=1000, max_value=1300).map(lambda n: "a/" * (n // 2)),
    st.sampled_from(["/etc/passwd", "../../outside.txt", "a/../../b", "\\\\server\\share", f"{WHITEOUT_DIR}/x.jpg"]),
)

# What a call may raise on a bad name: clear, specific errors. Anything else is a bug.
CLEAR_ERRORS = (SuspiciousFileOperation, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError)


def tree(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def call_everything(hybrid: HybridStorage, name: str) -> None:
    for call in (
        lambda: hybrid.save(name, ContentFile(b"hostile")),
        lambda: hybrid.open(name).close(),
        lambda: hybrid.exists(name),
        lambda: hybrid.delete(name) if name else None,  # delete("") is a ValueError, as Django's
        lambda: hybrid.listdir(name),
        lambda: hybrid.url(name),
        lambda: hybrid.origin(name),
    ):
        try:
            call()
        except CLEAR_ERRORS:
            pass
        except OSError as exc:
            # The filesystem's own refusal of a name it cannot store, e.g. a component over 255 bytes.
            assert exc.errno is not None and exc.strerror, f"unclear error for {name!r}: {exc!r}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
def test_hostile_names_stay_inside_the_top_layer(
    hybrid: HybridStorage, production: Bucket, tmp_path: Path, name: str
) -> None:
    root = Path(hybrid.top.storage.location)
    outside_before = tree(tmp_path) - {p for p in tree(tmp_path) if p.startswith("local")}
    call_everything(hybrid, name)
    outside_after = tree(tmp_path) - {p for p in tree(tmp_path) if p.startswith("local")}
    assert outside_after == outside_before, f"{name!r} created files outside the top layer"
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        assert not relative.startswith(f"{WHITEOUT_DIR}/") or path.stat().st_size == 0, f"{name!r} wrote into a marker"
    # The autouse guard then proves every bucket is byte-identical to what the test seeded.


class TestCorruptState:
    def test_a_whiteout_marker_with_content_still_hides(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("a.jpg")
        hybrid.delete("a.jpg")
        marker = Path(hybrid.top.storage.path(whiteout_marker("a.jpg")))
        marker.write_bytes(b"garbage")
        assert not hybrid.exists("a.jpg")
        assert hybrid.restore("a.jpg") and hybrid.exists("a.jpg")

    def test_an_unreadable_whiteout_marker_still_hides(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("a.jpg")
        hybrid.delete("a.jpg")
        Path(hybrid.top.storage.path(whiteout_marker("a.jpg"))).chmod(0)
        assert not hybrid.exists("a.jpg") and list(hybrid.whiteouts()) == ["a.jpg"]

    def test_a_directory_where_a_marker_was_expected(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("a.jpg")
        Path(hybrid.top.storage.path(whiteout_marker("a.jpg"))).mkdir(parents=True)
        assert not hybrid.exists("a.jpg")  # any entry there hides the name
        hybrid.delete("a.jpg")  # and deleting again is a no-op, not a crash

    def test_a_local_directory_where_a_file_was_expected(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes", b"a production file called homes")
        Path(hybrid.top.storage.path("homes")).mkdir()
        with pytest.raises(IsADirectoryError):
            hybrid.open("homes")

    def test_a_file_deleted_between_listdir_and_open(self, hybrid: HybridStorage) -> None:
        hybrid.save("d/a.jpg", ContentFile(b"x"))
        _, files = hybrid.listdir("d")
        os.remove(hybrid.top.storage.path("d/a.jpg"))
        with pytest.raises(FileNotFoundError):
            hybrid.open(f"d/{files[0]}")


class TestConcurrency:
    def test_fifty_threads_saving_the_same_name(self, hybrid: HybridStorage, production: Bucket) -> None:
        production.put("homes/photo.jpg", b"production")
        barrier = threading.Barrier(50)
        saved: dict[int, str] = {}

        def upload(i: int) -> None:
            barrier.wait()
            saved[i] = hybrid.save("homes/photo.jpg", ContentFile(f"upload {i}".encode() * 100))

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(saved.values())) == 50
        assert "homes/photo.jpg" not in saved.values()  # production's name was never taken
        for i, name in saved.items():
            assert hybrid.open(name).read() == f"upload {i}".encode() * 100
        assert production.get("homes/photo.jpg") == b"production"


def test_unicode_normalisation_variants_are_distinct_names(hybrid: HybridStorage, production: Bucket) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "café.jpg"), unicodedata.normalize("NFD", "café.jpg")
    production.put(nfc, b"nfc")
    assert hybrid.open(nfc).read() == b"nfc"
    assert not hybrid.exists(nfd)
    assert hybrid.save(nfd, ContentFile(b"nfd")) == nfd


def test_every_control_character_and_only_those_is_refused() -> None:
    from hybridmedia.storage.names import validate_name

    controls = [chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) == "Cc"]
    assert len(controls) == 65  # C0, DEL and C1
    for char in controls:
        with pytest.raises(SuspiciousFileOperation, match="NUL or control character"):
            validate_name(f"homes/a{char}b.jpg")
    for char in ("\xa0", "\u200b", "\u2028", "\ufeff", "é", "\U0001f600"):  # spaces, format, letters, emoji
        assert validate_name(f"homes/a{char}b.jpg") == f"homes/a{char}b.jpg"


def test_dot_slash_cannot_reach_the_whiteout_directory(hybrid: HybridStorage) -> None:
    for name in (f"./{WHITEOUT_DIR}/x.jpg", f".//{WHITEOUT_DIR}/x.jpg", f"{WHITEOUT_DIR}\\x.jpg"):
        with pytest.raises(SuspiciousFileOperation, match="reserves for whiteout markers"):
            hybrid.save(name, ContentFile(b"x"))


def test_long_components_are_misses_for_reads(hybrid: HybridStorage, production: Bucket, local_config: Any) -> None:
    name = "a" * 300 + ".jpg"  # fine for S3, too long for a filesystem component
    production.put(name, b"prod")
    assert hybrid.open(name).read() == b"prod"
    assert hybrid.size(name) == 4


def test_a_purge_while_uploads_continue_loses_no_new_upload(
    settings: Any, hybrid: HybridStorage, production: Bucket, local_config: dict[str, Any], monkeypatch: Any
) -> None:
    from django.core.files.storage import storages
    from django.core.management import call_command

    import hybridmedia.purge

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "hybridmedia.storage.HybridStorage", "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": production.config(),
    }
    storage = storages["default"]
    root = Path(local_config["OPTIONS"]["location"])
    for i in range(3000):  # an environment's old local files, for the purge to work through
        (root / "old" / f"{i // 100:02d}").mkdir(parents=True, exist_ok=True)
        (root / "old" / f"{i // 100:02d}" / f"{i}.jpg").write_bytes(b"old")
    starts: list[float] = []
    original_init = hybridmedia.purge.LayerPurger.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        starts.append(self.started)  # when the purge began looking, as the purge itself sees it

    monkeypatch.setattr(hybridmedia.purge.LayerPurger, "__init__", init)
    uploads: list[tuple[float, str, bytes]] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def upload() -> None:
        i = 0
        while not stop.is_set():
            began, content = time.time(), f"upload {i}".encode()
            try:
                uploads.append((began, storage.save(f"uploads/{i % 7}/photo.jpg", ContentFile(content)), content))
            except BaseException as exc:  # noqa: BLE001 - any failure is the test's finding
                errors.append(exc)
                return
            i += 1

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        time.sleep(0.2)
        call_command("purge_local_media", "--noinput", verbosity=0)
        ended = time.time()
        time.sleep(0.1)
    finally:
        stop.set()
        uploader.join()
    assert not errors and starts
    during = [(name, content) for began, name, content in uploads if starts[0] <= began <= ended]
    after_start = [(name, content) for began, name, content in uploads if began >= starts[0]]
    assert during, "no upload ran while the purge did; the test proved nothing"
    for name, content in after_start:
        assert storage.open(name).read() == content, f"{name} was lost"
    assert not (root / "old").exists()  # the environment's old files are gone


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
def test_hostile_names_through_the_commands(
    settings: Any, local_config: dict[str, Any], production: Bucket, tmp_path: Path, name: str
) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "hybridmedia.storage.HybridStorage", "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": production.config(),
    }
    sentinel = tmp_path / "outside" / "keep.txt"
    sentinel.parent.mkdir(exist_ok=True)
    sentinel.write_bytes(b"outside the top layer")
    outside_before = {p for p in tree(tmp_path) if not p.startswith("local")}
    for arguments in (["media_origin", name], ["media_shadows", name], ["purge_local_media", "--noinput", name]):
        # A clear refusal (or "not found", status 1) is fine; anything else fails the test.
        with contextlib.suppress(CommandError, SystemExit):
            call_command(*arguments, verbosity=0, stdout=StringIO(), stderr=StringIO())
    assert {p for p in tree(tmp_path) if not p.startswith("local")} == outside_before
    assert sentinel.read_bytes() == b"outside the top layer"
    # The autouse guard proves the production bucket is unchanged.
