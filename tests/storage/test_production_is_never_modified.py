"""Random sequences of every public operation never change a lower layer (a Hypothesis state machine).

After every step an invariant re-reads the lower layer behind the hybrid's back and compares it
byte for byte with its seed: once with the real S3 endpoint as production, once with a directory.

The default run is bounded to seconds. For a long run, choose the profile ``tests/conftest.py``
registers::

    pytest --hypothesis-profile=hybridmedia-long tests/storage/test_production_is_never_modified.py
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models.fields.files import FieldFile
from django.test import Client
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from storages.backends.s3 import S3File

from hybridmedia import get_hybrid_storage
from hybridmedia.exceptions import ReadOnlyLayerError
from hybridmedia.purge import purger_for
from hybridmedia.storage import WHITEOUT_DIR, HybridStorage
from hybridmedia.storage.backends.base import is_write_mode
from hybridmedia.storage.readonly import ReadOnlyFile
from tests import s3

#: What the default run does when the active profile leaves these at Hypothesis's defaults.
BOUNDED = {"max_examples": 20, "stateful_step_count": 20}


def machine_settings() -> settings:
    """Return the active profile's settings, with the default run's examples and steps bounded.

    The active profile is the parent, so ``--hypothesis-profile=hybridmedia-long`` (or a CI's
    profile) decides how many examples run; only a value the profile leaves at the "default"
    profile's is bounded, so ``--hypothesis-verbosity`` alone keeps the short run.
    """
    active = settings.get_profile(settings.get_current_profile_name())
    default = settings.get_profile("default")
    bounded = {key: value for key, value in BOUNDED.items() if getattr(active, key) == getattr(default, key)}
    # An example makes dozens of real S3 requests: its time says nothing about a bug.
    return settings(active, deadline=None, **bounded)


SEED = {"a.jpg": b"production a", "dir/b.jpg": b"production b", "dir/sub/c.txt": b"production c\n"}
NAMES = [
    *SEED,
    "new.jpg",
    "dir/new.txt",
    "dir",  # a lower directory, used as a file name
    "dir/sub",
    "a.jpg/x",  # under a lower file
    "",
    "../x",
    "../../lower/a.jpg",  # the filesystem variant's production, from a top layer in tops/
    "/etc/passwd",
    "a\x00b",
    f"{WHITEOUT_DIR}/a.jpg",
]
DIRECTORIES = ["", "dir", "dir/sub", "new", "a.jpg", "../", "../../lower", "/etc", WHITEOUT_DIR]
OPEN_MODES = ["rb", "r", "wb", "ab", "r+b", "w+b", "xb", "a+b"]
WRITE_MODES = [mode for mode in OPEN_MODES if is_write_mode(mode)]
QUERIES = [
    "exists",
    "size",
    "get_modified_time",
    "get_accessed_time",
    "get_created_time",
    "origin",
    "locate",
    "is_shadowed",
    "url_with_layer",
    "get_available_name",
]
DIRECTORY_QUERIES = ["listdir", "listdir_page", "shadowed", "whiteouts"]

names = st.sampled_from(NAMES)
named = st.sampled_from([name for name in NAMES if name])
contents = st.sampled_from([b"", b"local bytes", b"x" * 100, b"line\n" * 3])

#: What a hybrid call may raise for a name it refuses or cannot serve. Not ``ReadOnlyLayerError``:
#: the hybrid itself must never try to write a lower layer, even if the guard would stop it.
FILE_ERRORS = (SuspiciousFileOperation, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError)

DELETE_LOCAL = "/admin/hybridmedia/mediafile/file/delete-local/"
RESTORE = "/admin/hybridmedia/mediafile/file/restore/"
FILESYSTEM = "django.core.files.storage.FileSystemStorage"
STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def hybrid_storages(top: Path, lower_config: dict[str, Any]) -> dict[str, Any]:
    """``STORAGES`` whose default (the admin's) is a hybrid of the directory ``top`` over ``lower_config``."""
    return {
        "default": {"BACKEND": "hybridmedia.storage.HybridStorage", "OPTIONS": {"layers": ["local", "production"]}},
        "local": {"BACKEND": FILESYSTEM, "OPTIONS": {"location": str(top), "base_url": "/media/"}},
        "production": lower_config,
        "staticfiles": STATICFILES,
    }


def tree(root: Path) -> dict[str, bytes | str]:
    """Return every entry under ``root``: a file's bytes, ``"dir"``, or a link's target."""
    entries: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries[relative] = f"link to {os.readlink(path)}"
        elif path.is_dir():
            entries[relative] = "dir"
        else:
            entries[relative] = path.read_bytes()
    return entries


def is_inside(path: str, directory: Path) -> bool:
    return os.path.realpath(path).startswith(os.path.realpath(directory) + os.sep)


def refused(*attempts: Callable[[], object]) -> None:
    """Assert that each attempt raises ``ReadOnlyLayerError``."""
    for attempt in attempts:
        with pytest.raises(ReadOnlyLayerError):
            attempt()


@dataclass
class Environment:
    """What the machines share across examples: the fixtures, the lower layer and its seed."""

    settings: Any
    client: Client
    root: Path
    lower_config: dict[str, Any]
    #: Put ``SEED`` into the lower layer, and remove anything else from it.
    seed_lower: Callable[[], None]
    #: What the lower layer holds, read after every step.
    read_lower: Callable[[], object]
    #: Its bytes, read at the end of each example if ``read_lower`` does not read them.
    read_lower_bytes: Callable[[], dict[str, bytes]] | None = None

    def __post_init__(self) -> None:
        self.tops = self.root / "tops"
        self.tops.mkdir()
        self.seed_lower()
        self.seed = self.read_lower()
        self.outside = tree(self.root)  # the lower directory (if any) and the empty "tops"

    def reset(self) -> None:
        """Undo what an earlier, failing example changed, so that each example starts from the seed.

        Otherwise every later example would fail at once, and Hypothesis would report the shortest
        of them (no step at all) or a flaky test instead of the steps that changed production.
        """
        if self.read_lower() != self.seed:
            self.seed_lower()
        for relative in set(tree(self.root)) - set(self.outside):
            path = self.root / relative
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


class NeverModifiesLowerLayers(RuleBasedStateMachine):
    """Every public operation of a hybrid, its guarded lower storage, the purge and the admin."""

    env: Environment

    def __init__(self) -> None:
        super().__init__()
        # A fresh top layer and hybrid per example over the lower layer, seeded once per test.
        self.env.reset()
        self.top = Path(tempfile.mkdtemp(prefix="top-", dir=self.env.tops))
        self.env.settings.STORAGES = hybrid_storages(self.top, self.env.lower_config)
        self.hybrid: HybridStorage = get_hybrid_storage()  # the instance the admin uses too
        self.lower = self.hybrid.layer("production")
        self.kept: list[File] = []  # files left open between steps

    def teardown(self) -> None:
        for file in self.kept:
            file.close()
        shutil.rmtree(self.top)
        if self.env.read_lower_bytes is not None:
            assert self.env.read_lower_bytes() == SEED, "a lower layer (production) was modified"

    @invariant()
    def lower_layer_is_byte_identical_to_its_seed(self) -> None:
        assert self.env.read_lower() == self.env.seed, "a lower layer (production) was modified"
        top = self.top.relative_to(self.env.root).as_posix()
        outside = {
            path: entry for path, entry in tree(self.env.root).items() if path != top and not path.startswith(f"{top}/")
        }
        assert outside == self.env.outside, "something was written outside the top layer"

    # Helpers ----------------------------------------------------------------------------------

    def assert_top_file(self, file: File) -> None:
        """Assert that ``file`` is the top layer's: a plain file in the top directory."""
        assert not isinstance(file, ReadOnlyFile)
        assert is_inside(str(file.name), self.top), f"{file.name!r} is not in the top layer"

    def assert_refuses_writes(self, file: File, data: bytes) -> None:
        """Assert that a lower layer's open or closed file refuses every way of writing it."""
        refused(
            lambda: file.write(data),
            lambda: file.writelines([data]),
            lambda: file.truncate(0),
            lambda: file.open("r+b"),
        )
        if not file.closed:
            refused(lambda: file.file.write(data), lambda: file.file.truncate(0))
            try:
                os.write(file.fileno(), data)  # S3's descriptor is a local temporary copy: harmless
            except OSError as exc:
                assert exc.errno == errno.EBADF, exc  # a lower file's descriptor is opened for reading

    def lower_url(self, name: str, method: str) -> str:
        return (
            self.lower.storage.url(name)
            if method in ("GET", "HEAD")
            else self.lower.storage.url(name, http_method=method)
        )

    # The hybrid's Storage API -----------------------------------------------------------------

    @rule(name=names, data=contents)
    def save(self, name: str, data: bytes) -> None:
        try:
            saved = self.hybrid.save(name, ContentFile(data))
        except FILE_ERRORS:
            return
        assert self.hybrid.origin(saved) is self.hybrid.top

    @rule(source=named, name=names)
    def save_a_copy_of_a_served_file(self, source: str, name: str) -> None:
        with contextlib.suppress(FILE_ERRORS), self.hybrid.open(source, "rb") as file:
            self.hybrid.save(name, file)

    @rule(name=names)
    def delete(self, name: str) -> None:
        try:
            self.hybrid.delete(name)
        except ValueError:
            assert name == "", name  # delete("") says the name is missing, as Django's storages do
        except FILE_ERRORS:
            pass
        except OSError as exc:
            # FileSystemStorage.delete() of a directory that holds files, as Django's own does.
            if exc.errno != errno.ENOTEMPTY or not (self.top / name).is_dir():
                raise

    @rule(name=names)
    def restore(self, name: str) -> None:
        with contextlib.suppress(FILE_ERRORS):
            self.hybrid.restore(name)

    @rule(name=names, mode=st.sampled_from(OPEN_MODES), data=contents)
    def open_in_every_mode(self, name: str, mode: str, data: bytes) -> None:
        try:
            file = self.hybrid.open(name, mode)
        except FILE_ERRORS:
            return
        with file:
            if is_write_mode(mode):
                self.assert_top_file(file)  # copied up first if a lower layer held it
                file.write(data)
            elif isinstance(file, ReadOnlyFile):
                assert file.name == name  # never production's own path
                file.read()
                self.assert_refuses_writes(file, data)
            else:
                self.assert_top_file(file)
                file.read()

    @rule(name=named, mode=st.sampled_from(WRITE_MODES), data=contents)
    def reopen_a_closed_file_for_writing(self, name: str, mode: str, data: bytes) -> None:
        try:
            file = self.hybrid.open(name, "rb")
        except FILE_ERRORS:
            return
        file.close()
        if isinstance(file, ReadOnlyFile):
            refused(lambda: file.open(mode))
            self.assert_refuses_writes(file, data)
            with file.open("rb"):
                assert file.read() == SEED[name]
        else:
            self.assert_top_file(file)
            try:
                file.open(mode)
            except FileExistsError:
                return
            with file:
                file.write(data)

    @rule(name=named)
    def keep_a_file_open(self, name: str) -> None:
        with contextlib.suppress(FILE_ERRORS):
            self.kept.append(self.hybrid.open(name, "rb"))

    @precondition(lambda self: self.kept)
    @rule(index=st.integers(min_value=0), data=contents)
    def write_to_a_file_kept_open(self, index: int, data: bytes) -> None:
        file = self.kept[index % len(self.kept)]
        if isinstance(file, ReadOnlyFile):
            self.assert_refuses_writes(file, data)
        else:
            with pytest.raises(io.UnsupportedOperation):
                file.write(data)  # the top layer's file, opened for reading

    @rule(name=named, mode=st.sampled_from(WRITE_MODES), data=contents)
    def write_through_a_field_file(self, name: str, mode: str, data: bytes) -> None:
        # FieldFile.open() reopens the file it holds; after `del field.file` it asks the storage.
        field = FieldFile(None, SimpleNamespace(storage=self.hybrid, name="file"), name)
        try:
            field.open("rb")
        except FILE_ERRORS:
            return
        field.read()
        field.close()
        if isinstance(field.file, ReadOnlyFile):
            refused(lambda: field.open(mode), lambda: field.write(data))
            del field.file
        try:
            field.open(mode)
        except FILE_ERRORS:
            return
        with field:
            self.assert_top_file(field.file)
            field.write(data)

    @rule(name=names, mode=st.sampled_from(["r+b", "ab"]), data=contents)
    def write_to_a_path(self, name: str, mode: str, data: bytes) -> None:
        try:
            path = self.hybrid.path(name)
        except NotImplementedError:
            assert self.hybrid.origin(name) is self.lower  # only a lower layer's file has no path
            return
        except FILE_ERRORS:
            return
        assert is_inside(path, self.top), f"path({name!r}) = {path!r} is not in the top layer"
        try:
            with open(path, mode) as file:
                file.write(data)
        except FILE_ERRORS:
            pass

    @rule(name=names, method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "POST"]))
    def urls(self, name: str, method: str) -> None:
        self.hybrid.url(name)
        if not name:
            return  # S3Storage.url("") of the lower storage itself is a boto3 ParamValidationError
        try:
            url = self.lower_url(name, method)
        except ReadOnlyLayerError:
            assert method not in ("GET", "HEAD"), method
            return
        except FILE_ERRORS:
            return
        if method not in ("GET", "HEAD"):
            self.send(url, method)  # then the invariant shows what the URL could do
            self.lower_layer_is_byte_identical_to_its_seed()
            pytest.fail(f"the lower layer gave a {method} URL for {name!r}: {url}")

    @staticmethod
    def send(url: str, method: str) -> None:
        if not url.startswith("http"):
            return
        request = urllib.request.Request(url, data=b"x" if method != "DELETE" else None, method=method)
        with contextlib.suppress(urllib.error.URLError):
            urllib.request.urlopen(request, timeout=5).close()

    @rule(name=names, query=st.sampled_from(QUERIES))
    def ask_about_a_name(self, name: str, query: str) -> None:
        try:
            getattr(self.hybrid, query)(name)
        except NotImplementedError:
            assert query in ("get_accessed_time", "get_created_time"), query  # S3 has neither
        except FILE_ERRORS:
            pass

    @rule(path=st.sampled_from(DIRECTORIES), query=st.sampled_from(DIRECTORY_QUERIES))
    def ask_about_a_directory(self, path: str, query: str) -> None:
        with contextlib.suppress(FILE_ERRORS):
            answer = getattr(self.hybrid, query)(path)
            if query in ("shadowed", "whiteouts"):
                list(answer)  # generators: nothing happens until they are consumed

    # The lower layer's own storage ------------------------------------------------------------

    @rule(name=names, mode=st.sampled_from(WRITE_MODES), data=contents)
    def write_through_the_lower_storage(self, name: str, mode: str, data: bytes) -> None:
        storage = self.lower.storage
        refused(
            lambda: storage.save(name, ContentFile(data)),
            lambda: storage._save(name, ContentFile(data)),
            lambda: storage.delete(name),
            lambda: storage.open(name, mode),
        )
        with pytest.raises(NotImplementedError):
            storage.path(name)

    # The purge and the admin ------------------------------------------------------------------

    @rule(prefix=st.sampled_from(DIRECTORIES), survey=st.booleans())
    def purge(self, prefix: str, survey: bool) -> None:
        try:
            purger = purger_for(self.hybrid, [prefix])
        except SuspiciousFileOperation:
            return
        if survey:
            purger.survey()
        purger.purge()

    @rule(
        prefix=st.sampled_from(DIRECTORIES),
        options=st.sampled_from([[], ["--dry-run"], ["--shadowed-only"], ["--whiteouts-only"], ["--older-than=1d"]]),
    )
    def purge_local_media(self, prefix: str, options: list[str]) -> None:
        try:
            call_command("purge_local_media", "--noinput", *options, prefix, verbosity=0, stdout=io.StringIO())
        except CommandError:
            assert prefix not in ("", "dir", "dir/sub", "new", "a.jpg"), prefix  # only a hostile prefix is refused

    @rule(action=st.sampled_from([DELETE_LOCAL, RESTORE]), name=names)
    def admin_action(self, action: str, name: str) -> None:
        response = self.env.client.post(action, {"name": name})  # the test client raises what would be a 500
        assert response.status_code in (302, 400, 404), (action, name, response.status_code)


class NeverModifiesS3(NeverModifiesLowerLayers):
    """The S3 variant: also the guarded boto3 client, its resources and presigning."""

    def lower_url(self, name: str, method: str) -> str:
        return self.lower.storage.url(name, http_method=method)

    @rule(key=named, data=contents)
    def write_through_the_boto3_client(self, key: str, data: bytes) -> None:
        storage = self.lower.storage
        client = storage.connection.meta.client
        bucket = storage.bucket_name
        source = {"Bucket": bucket, "Key": "a.jpg"}
        refused(
            lambda: storage.bucket.Object(key).put(Body=data),
            lambda: storage.bucket.objects.all().delete(),
            lambda: client.put_object(Bucket=bucket, Key=key, Body=data),
            lambda: client.delete_object(Bucket=bucket, Key=key),
            lambda: client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key}]}),
            lambda: client.copy_object(Bucket=bucket, Key=key, CopySource=source),
            lambda: client.create_bucket(Bucket="another-bucket"),
            lambda: client.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}),
            lambda: client.generate_presigned_url("delete_object", Params={"Bucket": bucket, "Key": key}),
            lambda: client.generate_presigned_post(bucket, key),
            lambda: storage.unsigned_connection.meta.client.put_object(Bucket=bucket, Key=key, Body=data),
            lambda: self.write_an_s3_file(key, data),
        )

    def write_an_s3_file(self, key: str, data: bytes) -> None:
        """Write through django-storages' S3File built by hand on the lower storage: it uploads on close."""
        file = S3File(key, "wb", self.lower.storage)
        file.write(data)
        file.close()

    @rule(name=st.sampled_from(list(SEED)), data=contents)
    def write_through_an_open_files_s3_object(self, name: str, data: bytes) -> None:
        try:
            file = self.hybrid.open(name, "rb")
        except FILE_ERRORS:
            return
        with file:
            obj = getattr(file, "obj", None)
            if obj is None:
                return  # a top-layer copy
            refused(
                lambda: obj.put(Body=data),
                lambda: obj.delete(),
                lambda: obj.copy_from(CopySource={"Bucket": obj.bucket_name, "Key": "dir/b.jpg"}),
                lambda: obj.Acl().put(ACL="public-read"),
            )


@pytest.mark.django_db
def test_s3_production_is_never_modified(
    settings: Any, tmp_path: Path, admin_client: Client, s3_admin: Any, production: s3.Bucket
) -> None:
    buckets = set(s3.snapshot(s3_admin))

    def seed_production() -> None:
        for name in set(s3.snapshot(s3_admin)) - buckets:
            s3.Bucket(s3_admin, production.endpoint_url, name).destroy()
        for key in set(s3.s3_keys(s3_admin, production.name)) - set(SEED):
            s3_admin.delete_object(Bucket=production.name, Key=key)
        for name, data in SEED.items():
            production.put(name, data)

    def read_production_bytes() -> dict[str, bytes]:
        return {key: production.get(key) for key in s3.s3_keys(s3_admin, production.name)}

    class Machine(NeverModifiesS3):
        # After every step, every bucket's keys and ETags (the MD5 of a single-part upload's bytes, as
        # every seed is); the bytes themselves after every example. Signed URLs, so the guard's refusal
        # to sign a write is exercised too.
        env = Environment(
            settings,
            admin_client,
            tmp_path,
            production.config(querystring_auth=True),
            seed_production,
            lambda: s3.snapshot(s3_admin),
            read_production_bytes,
        )

    run_state_machine_as_test(Machine, settings=machine_settings())


@pytest.mark.django_db
def test_filesystem_production_is_never_modified(settings: Any, tmp_path: Path, admin_client: Client) -> None:
    lower = tmp_path / "lower"

    def seed_production() -> None:
        shutil.rmtree(lower, ignore_errors=True)
        for name, data in SEED.items():
            (lower / name).parent.mkdir(parents=True, exist_ok=True)
            (lower / name).write_bytes(data)

    config = {
        "BACKEND": FILESYSTEM,
        "OPTIONS": {"location": str(lower), "base_url": "/production/"},
    }

    class Machine(NeverModifiesLowerLayers):
        env = Environment(settings, admin_client, tmp_path, config, seed_production, lambda: tree(lower))

    run_state_machine_as_test(Machine, settings=machine_settings())


# Regression tests: what the machines found ------------------------------------------------------------
# Whiteout markers used to live at the name's own path under WHITEOUT_DIR, so S3's "photos" and
# "photos/1.jpg" (a key and a prefix at once) needed a file and a directory at the same path.


def seed_a_name_and_a_file_under_it(production: s3.Bucket) -> None:
    production.put("photos", b"a file called photos")
    production.put("photos/1.jpg", b"a file in photos/")


def test_deleting_a_file_under_a_name_keeps_that_name_visible(hybrid: HybridStorage, production: s3.Bucket) -> None:
    seed_a_name_and_a_file_under_it(production)
    hybrid.delete("photos/1.jpg")
    assert not hybrid.exists("photos/1.jpg")
    assert hybrid.exists("photos")


def test_deleting_a_file_under_a_deleted_name_hides_it(hybrid: HybridStorage, production: s3.Bucket) -> None:
    seed_a_name_and_a_file_under_it(production)
    hybrid.delete("photos")
    hybrid.delete("photos/1.jpg")
    assert not hybrid.exists("photos/1.jpg")


@pytest.mark.parametrize(
    "call",
    [
        lambda hybrid: hybrid.restore("photos"),  # and the admin's "Restore" of photos: was a 500
        lambda hybrid: hybrid.save("photos", ContentFile(b"a new photos")),
        lambda hybrid: hybrid.open("photos", "wb").close(),
    ],
    ids=["restore", "save", "open for writing"],
)
def test_a_name_with_whiteouts_under_it(
    hybrid: HybridStorage, production: s3.Bucket, call: Callable[[HybridStorage], object]
) -> None:
    seed_a_name_and_a_file_under_it(production)
    hybrid.delete("photos/1.jpg")
    call(hybrid)  # was OSError: [Errno 39] Directory not empty: '.../.hybridmedia-whiteouts/photos'
    assert not hybrid.exists("photos/1.jpg")


@pytest.mark.django_db
def test_deleting_the_local_copy_of_a_directory_in_the_admin(
    settings: Any, tmp_path: Path, admin_client: Client
) -> None:
    lower = {"BACKEND": FILESYSTEM, "OPTIONS": {"location": str(tmp_path / "lower")}}
    settings.STORAGES = hybrid_storages(tmp_path / "top", lower)
    media = get_hybrid_storage()
    media.save("homes/new.jpg", ContentFile(b"a local upload"))
    response = admin_client.post(DELETE_LOCAL, {"name": "homes"})  # was a 500 (ENOTEMPTY)
    assert response.status_code in (302, 400, 404)
    assert media.exists("homes/new.jpg")


@pytest.mark.parametrize("link", [os.symlink, os.link], ids=["symlink", "hard link"])
def test_path_never_leads_into_a_lower_layer(tmp_path: Path, link: Callable[[Path, Path], None]) -> None:
    # open(name, "r+b") refuses both links; path() gave the link's path, and a write to it changed production.
    lower, top = tmp_path / "lower", tmp_path / "top"
    lower.mkdir()
    top.mkdir()
    (lower / "a.jpg").write_bytes(b"production")
    link(lower / "a.jpg", top / "a.jpg")  # `ln -s` or `cp -al` of production into local media
    hybrid = HybridStorage(
        layers=[
            {"name": "local", "storage": {"BACKEND": FILESYSTEM, "OPTIONS": {"location": str(top)}}},
            {"name": "production", "storage": {"BACKEND": FILESYSTEM, "OPTIONS": {"location": str(lower)}}},
        ]
    )
    with pytest.raises(SuspiciousFileOperation):
        hybrid.open("a.jpg", "r+b")
    with pytest.raises((SuspiciousFileOperation, NotImplementedError)):
        hybrid.path("a.jpg")
