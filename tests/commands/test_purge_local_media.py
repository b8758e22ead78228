"""``purge_local_media``: empty the write layer, never a lower one; against moto S3."""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management.base import CommandError

from hybridmedia import get_hybrid_storage
from hybridmedia.purge import purger_for
from hybridmedia.storage import WHITEOUT_DIR, HybridStorage
from hybridmedia.storage.names import whiteout_marker
from tests.commands.helpers import hybrid_storages, run
from tests.s3 import Bucket

DAY = 86400


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative name -> contents), plus every directory (name -> b"/")."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        found[path.relative_to(root).as_posix()] = b"/" if path.is_dir() and not path.is_symlink() else b""
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def seed(storage: HybridStorage, production: Bucket) -> None:
    """Production holds four files; locally one is edited, one is deleted and two are new."""
    for name in ("homes/1.jpg", "homes/2.jpg", "homes/3.jpg", "docs/readme.txt"):
        production.put(name, b"production " + name.encode())
    storage.top.storage.save("homes/1.jpg", ContentFile(b"edited locally"))  # shadows production
    storage.delete("homes/2.jpg")  # a whiteout
    storage.save("homes/new/4.jpg", ContentFile(b"new"))
    storage.save("uploads/5.jpg", ContentFile(b"uploaded"))


@pytest.fixture
def yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answer ``yes`` to the confirmation prompt; the prompts shown are collected."""
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt="": prompts.append(prompt) or "yes")
    return prompts


def test_purge_deletes_local_files_and_whiteouts_so_production_shows_again(
    storage: HybridStorage, production: Bucket, local: Path
) -> None:
    seed(storage, production)
    out, err = run("purge_local_media", "--noinput")
    assert out == (
        "Deleted 3 files from layer 'local', freed 25 bytes, removed 1 whiteout, removed 5 empty directories.\n"
    )
    assert err == ""
    assert tree(local) == {}  # empty directories too, but the location itself stays
    assert local.is_dir()
    assert storage.open("homes/1.jpg").read() == b"production homes/1.jpg"
    assert storage.exists("homes/2.jpg")
    assert not storage.exists("uploads/5.jpg")
    assert storage.listdir("homes") == ([], ["1.jpg", "2.jpg", "3.jpg"])


def test_verbosity_2_lists_each_file_and_0_prints_nothing(
    storage: HybridStorage, production: Bucket, local: Path
) -> None:
    seed(storage, production)
    out, _ = run("purge_local_media", "--noinput", verbosity=2)
    assert out.splitlines()[:4] == [
        "Deleting 'homes/1.jpg'",
        "Deleting 'homes/new/4.jpg'",
        "Deleting 'uploads/5.jpg'",
        "Removing the whiteout of 'homes/2.jpg'",
    ]
    seed_again = storage.save("again.jpg", ContentFile(b"x"))
    assert run("purge_local_media", "--noinput", verbosity=0) == ("", "")
    assert not (local / seed_again).exists()


def test_dry_run_changes_nothing(storage: HybridStorage, production: Bucket, local: Path) -> None:
    seed(storage, production)
    before = tree(local)
    out, _ = run("purge_local_media", "--dry-run", verbosity=2)
    assert tree(local) == before
    assert out.splitlines() == [
        "You have activated the --dry-run option so no files will be deleted.",
        "Pretending to delete 'homes/1.jpg'",
        "Pretending to delete 'homes/new/4.jpg'",
        "Pretending to delete 'uploads/5.jpg'",
        "Pretending to remove the whiteout of 'homes/2.jpg'",
        "Pretended to delete 3 files, 25 bytes, and remove 1 whiteout from layer 'local'.",
    ]
    out, _ = run("purge_local_media", "-n")
    assert tree(local) == before
    assert out.endswith("from layer 'local'. Use -v 2 to list them.\n")


def test_confirmation_states_layer_location_counts_and_bytes(
    storage: HybridStorage, production: Bucket, local: Path, yes: list[str]
) -> None:
    seed(storage, production)
    run("purge_local_media")
    (prompt,) = yes
    assert "purge the write layer 'local' of STORAGES['default'], at:" in prompt
    assert f"\n    {os.path.realpath(local)}\n" in prompt
    assert "This will DELETE 3 files, 25 bytes, and remove 1 whiteout" in prompt
    assert "The lower layers ('production') are not touched." in prompt
    assert prompt.endswith("Type 'yes' to continue, or 'no' to cancel: ")
    assert tree(local) == {}


@pytest.mark.parametrize("answer", ["no", "y", "YES", "", "yes please"])
def test_anything_but_yes_cancels(
    storage: HybridStorage, production: Bucket, local: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    seed(storage, production)
    before = tree(local)
    monkeypatch.setattr("builtins.input", lambda prompt="": answer)
    with pytest.raises(CommandError, match=r"^Purge cancelled\.$"):
        run("purge_local_media")
    assert tree(local) == before


def test_the_prompt_names_prefixes_and_filters(storage: HybridStorage, production: Bucket, yes: list[str]) -> None:
    seed(storage, production)
    run("purge_local_media", "homes", "uploads", "--shadowed-only", "--older-than", "0s")
    (prompt,) = yes
    assert "STORAGES['default'] under 'homes', 'uploads', at:" in prompt
    assert (
        "Filters: only files that shadow a lower layer's file; only what was last modified more than 0s ago." in prompt
    )


def test_nothing_to_purge_asks_nothing(storage: HybridStorage, local: Path, yes: list[str]) -> None:
    out, _ = run("purge_local_media")
    assert out == f"Nothing to purge in layer 'local' ({os.path.realpath(local)}).\n"
    assert yes == []


def test_prefixes_limit_the_purge(storage: HybridStorage, production: Bucket, local: Path) -> None:
    seed(storage, production)
    storage.save("homesick/6.jpg", ContentFile(b"not under homes"))
    run("purge_local_media", "--noinput", "homes")
    assert set(tree(local)) == {"uploads", "uploads/5.jpg", "homesick", "homesick/6.jpg"}
    assert storage.exists("homes/2.jpg")  # its whiteout was under homes too


def test_a_prefix_may_name_one_file(storage: HybridStorage, production: Bucket, local: Path) -> None:
    seed(storage, production)
    out, _ = run("purge_local_media", "--noinput", "uploads/5.jpg", "homes/2.jpg")
    assert out.startswith("Deleted 1 file from layer 'local', freed 8 bytes, removed 1 whiteout")
    assert not (local / "uploads").exists()
    assert (local / "homes/1.jpg").exists()


def test_shadowed_only_deletes_only_files_that_hide_a_lower_copy(
    storage: HybridStorage, production: Bucket, local: Path
) -> None:
    seed(storage, production)
    run("purge_local_media", "--noinput", "--shadowed-only")
    assert not (local / "homes/1.jpg").exists()
    assert (local / "homes/new/4.jpg").exists() and (local / "uploads/5.jpg").exists()
    assert not storage.exists("homes/2.jpg")  # the whiteout stays


def test_whiteouts_only_restores_deleted_production_files(
    storage: HybridStorage, production: Bucket, local: Path
) -> None:
    seed(storage, production)
    out, _ = run("purge_local_media", "--noinput", "--whiteouts-only")
    assert out.startswith("Deleted 0 files from layer 'local', freed 0 bytes, removed 1 whiteout")
    assert storage.exists("homes/2.jpg")
    assert not (local / WHITEOUT_DIR).exists()
    assert {"homes/1.jpg", "homes/new/4.jpg", "uploads/5.jpg"} <= set(tree(local))


def test_older_than_keeps_recent_files_and_whiteouts(storage: HybridStorage, production: Bucket, local: Path) -> None:
    seed(storage, production)
    production.put("old-gone.jpg")
    storage.delete("old-gone.jpg")
    ten_days_ago = time.time() - 10 * DAY
    for name in ("uploads/5.jpg", whiteout_marker("old-gone.jpg")):
        os.utime(local / name, (ten_days_ago, ten_days_ago))
    run("purge_local_media", "--noinput", "--older-than", "7d")
    assert not (local / "uploads").exists()
    assert storage.exists("old-gone.jpg")
    assert (local / "homes/1.jpg").exists() and not storage.exists("homes/2.jpg")
    run("purge_local_media", "--noinput", "--older-than", "1d12h")
    assert (local / "homes/1.jpg").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "7x"], r"'7x' is not a duration\. Write a whole number followed by a unit"),
        (["--older-than", "7"], r"'7' is not a duration"),
        (["--shadowed-only", "--whiteouts-only"], r"not allowed with argument"),
        (["../outside"], r"Refusing the prefix: Detected path traversal"),
        (["/etc"], r"Refusing the prefix"),
        ([f"{WHITEOUT_DIR}/x"], r"reserves for whiteout markers"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_deleted(
    storage: HybridStorage, production: Bucket, local: Path, args: list[str], message: str
) -> None:
    seed(storage, production)
    before = tree(local)
    with pytest.raises(CommandError, match=message):
        run("purge_local_media", "--noinput", *args)
    assert tree(local) == before


def test_symbolic_links_are_deleted_never_followed(storage: HybridStorage, local: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_bytes(b"outside the layer")
    (local / "linked-dir").symlink_to(outside, target_is_directory=True)
    (local / "linked-file.txt").symlink_to(outside / "keep.txt")
    with pytest.raises(CommandError, match="leads outside the location of layer 'local'"):
        run("purge_local_media", "--noinput", "linked-dir/keep.txt")
    run("purge_local_media", "--noinput")
    assert tree(local) == {}
    assert (outside / "keep.txt").read_bytes() == b"outside the layer"


def test_storage_must_be_a_hybrid(storage: HybridStorage) -> None:
    with pytest.raises(CommandError, match=r"not a HybridStorage"):
        run("purge_local_media", "--noinput", "--storage", "production")


# The progress bar ----------------------------------------------------------------------------


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def thousand_files(local: Path) -> None:
    for number in range(1000):
        (local / f"{number % 10}").mkdir(exist_ok=True)
        (local / f"{number % 10}/{number}.txt").write_bytes(b"x")


def test_a_confirmed_purge_draws_a_progress_bar_on_a_terminal(
    storage: HybridStorage, local: Path, yes: list[str]
) -> None:
    thousand_files(local)
    terminal = Terminal()
    out, _ = run("purge_local_media", stderr=terminal)
    assert out.startswith("Deleted 1,000 files")
    drawn = terminal.getvalue()
    assert drawn.startswith("\rPurging [")  # the confirmation counted the items: a percentage
    assert drawn.endswith(f"\rPurging [{'#' * 30}] 100%  1,000/1,000\n")
    assert tree(local) == {}


def test_a_long_purge_without_input_draws_a_running_count(storage: HybridStorage, local: Path) -> None:
    thousand_files(local)
    (local / "one-more.txt").write_bytes(b"x")
    terminal = Terminal()
    out, _ = run("purge_local_media", "--noinput", stderr=terminal)
    assert out.startswith("Deleted 1,001 files")
    # Nothing counted the items beforehand, so the count appears once the purge passes 1,000.
    assert terminal.getvalue() == "\rPurging  1,000 done\rPurging  1,001 done\n"
    assert tree(local) == {}


def test_no_progress_bar_off_a_terminal_or_for_a_short_purge(storage: HybridStorage, local: Path) -> None:
    for number in range(1000):
        (local / f"{number}.txt").write_bytes(b"x")
    assert run("purge_local_media", "--noinput")[1] == ""
    (local / "one.txt").write_bytes(b"x")
    terminal = Terminal()
    run("purge_local_media", "--noinput", stderr=terminal)
    assert terminal.getvalue() == ""


# Refusing to purge a store a lower layer shares ---------------------------------------------


def fs(location: Path) -> dict[str, Any]:
    return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}


@pytest.mark.parametrize(
    ("top", "lower"),
    [("shared", "shared"), ("shared/local", "shared"), ("shared", "shared/production"), ("alias-of-shared", "shared")],
)
def test_refuses_when_the_write_layer_shares_a_directory_with_a_lower_layer(
    settings: Any, tmp_path: Path, top: str, lower: str
) -> None:
    (tmp_path / "shared/production").mkdir(parents=True)
    (tmp_path / "shared/local").mkdir(parents=True)
    (tmp_path / "alias-of-shared").symlink_to(tmp_path / "shared")
    (tmp_path / "shared/production/photo.jpg").write_bytes(b"production")
    settings.STORAGES = hybrid_storages(fs(tmp_path / top), fs(tmp_path / lower))
    with pytest.raises(CommandError, match="Cannot use --storage 'default': The write layer 'local' .* share files"):
        run("purge_local_media", "--noinput")
    assert (tmp_path / "shared/production/photo.jpg").read_bytes() == b"production"


def test_refuses_when_the_write_layer_is_the_production_bucket(
    settings: Any, production: Bucket, s3_requests: list[Any]
) -> None:
    production.put("photo.jpg")
    s3_requests.clear()
    settings.STORAGES = hybrid_storages(production.config(), production.config())
    match = r"and the lower layer 'production' \(s3://prod-\w+/ at http://127.0.0.1:\d+\) share files"
    with pytest.raises(CommandError, match=match):
        run("purge_local_media", "--noinput")
    assert s3_requests == []  # and the autouse guard proves the bucket is unchanged


def test_refuses_a_write_prefix_inside_the_production_bucket(settings: Any, production: Bucket) -> None:
    production.put("dev/photo.jpg")
    settings.STORAGES = hybrid_storages(production.config(location="dev"), production.config())
    match = r"'local' \(s3://prod-\w+/dev/ at http://127.0.0.1:\d+\) and the lower layer"
    with pytest.raises(CommandError, match=match):
        run("purge_local_media", "--noinput")


# A write layer on S3 (the portable storage-API purger) -----------------------------------------


def keys(bucket: Bucket) -> set[str]:
    return {entry["Key"] for entry in bucket.client.list_objects_v2(Bucket=bucket.name).get("Contents", [])}


def test_purges_an_s3_write_layer_through_the_storage_api(
    settings: Any, production: Bucket, staging_bucket: Bucket
) -> None:
    settings.STORAGES = hybrid_storages(staging_bucket.config(), production.config())
    storage = get_hybrid_storage()
    seed(storage, production)
    assert keys(staging_bucket) == {
        "homes/1.jpg",
        whiteout_marker("homes/2.jpg"),
        "homes/new/4.jpg",
        "uploads/5.jpg",
    }
    out, _ = run("purge_local_media", "--noinput", "--dry-run")
    assert len(keys(staging_bucket)) == 4
    out, _ = run("purge_local_media", "--noinput", "uploads/5.jpg", "homes/new")
    assert out == "Deleted 2 files from layer 'local', freed 11 bytes, removed 0 whiteouts.\n"
    out, _ = run("purge_local_media", "--noinput", "--older-than", "1d")
    assert out.startswith("Nothing to purge in layer 'local' (s3://dev-")
    run("purge_local_media", "--noinput")
    assert keys(staging_bucket) == set()
    assert storage.exists("homes/2.jpg")


def test_disjoint_prefixes_of_one_bucket_may_be_purged(settings: Any, staging_bucket: Bucket) -> None:
    staging_bucket.client.put_object(Bucket=staging_bucket.name, Key="production/photo.jpg", Body=b"p")
    settings.STORAGES = hybrid_storages(
        staging_bucket.config(location="development"), staging_bucket.config(location="production")
    )
    get_hybrid_storage().top.storage.save("photo.jpg", ContentFile(b"d"))
    run("purge_local_media", "--noinput")
    assert keys(staging_bucket) == {"production/photo.jpg"}


def test_a_directory_swapped_for_a_link_after_the_survey_is_not_followed(
    storage: HybridStorage, local: Path, tmp_path: Path
) -> None:
    (local / "homes").mkdir()
    (local / "homes/1.jpg").write_bytes(b"local")
    purger = purger_for(storage)
    assert purger.survey().files == 1  # what a confirmation shows
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "1.jpg").write_bytes(b"outside the layer")
    (local / "homes/1.jpg").unlink()
    (local / "homes").rmdir()
    (local / "homes").symlink_to(outside, target_is_directory=True)
    result = purger.purge()
    assert (result.files, result.bytes) == (0, 0)  # the link is newer than the purge: someone's to keep
    assert (outside / "1.jpg").read_bytes() == b"outside the layer"


def test_a_directory_swapped_for_a_link_mid_purge_is_not_followed(
    storage: HybridStorage, local: Path, tmp_path: Path
) -> None:
    for name in ("a/1.jpg", "b/sub/2.jpg"):
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_bytes(b"local")
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub/2.jpg").write_bytes(b"outside the layer")
    purged: list[str] = []

    def swap(item: Any) -> None:
        if not purged:  # before the first deletion, "b" (listed, not yet opened) becomes a link
            (local / "b").rename(tmp_path / "b-moved")
            (local / "b").symlink_to(outside, target_is_directory=True)
        purged.append(item.name)

    result = purger_for(storage).purge(swap)
    assert purged == ["a/1.jpg"] and result.files == 1
    assert (outside / "sub/2.jpg").read_bytes() == b"outside the layer"
    assert (local / "b").is_symlink()


# Memory: one directory's names at a time ---------------------------------------------------


def names_size(names: list[str]) -> int:
    return sys.getsizeof(names) + sum(map(sys.getsizeof, names))


def purge_peak(storage: HybridStorage) -> tuple[int, int]:
    """Return the tracemalloc peak of a purge (its own allocations only) and how many files went."""
    purger = purger_for(storage)
    gc.collect()
    tracemalloc.start()
    try:
        files = purger.purge().files
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, files


def test_a_purge_holds_one_copy_of_a_big_directory_s_names(storage: HybridStorage, local: Path) -> None:
    (local / "flat").mkdir()
    for number in range(20_000):
        os.close(os.open(local / f"flat/photo-{number:06d}.jpg", os.O_CREAT | os.O_WRONLY, 0o644))
    one_list = names_size([f"flat/photo-{number:06d}.jpg" for number in range(20_000)])
    peak, files = purge_peak(storage)
    assert files == 20_000
    # A plan of every item was 4× this; the listing of the directory (sorted in place) is 1.0×.
    assert peak < 1.2 * one_list, f"the purge peaked at {peak / one_list:.2f}× one list of the names"


def test_a_purge_of_a_tree_holds_one_directory_at_a_time(storage: HybridStorage, local: Path) -> None:
    names = [f"{directory:03d}/photo-{number:03d}.jpg" for directory in range(100) for number in range(200)]
    for name in names:
        (local / name).parent.mkdir(exist_ok=True)
        os.close(os.open(local / name, os.O_CREAT | os.O_WRONLY, 0o644))
    peak, files = purge_peak(storage)
    assert files == len(names)
    assert peak < 0.1 * names_size(names), f"the purge peaked at {peak / names_size(names):.2f}× the names"


# The layer changing under a purge ------------------------------------------------------------


def test_files_someone_else_deletes_mid_purge_are_skipped_not_counted(storage: HybridStorage, local: Path) -> None:
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (local / name).write_bytes(b"12345")
    seen: list[str] = []

    def meanwhile(item: Any) -> None:
        seen.append(item.name)
        if item.name == "a.jpg":  # another process deletes this one and the next first
            (local / "a.jpg").unlink()
            (local / "b.jpg").unlink()

    result = purger_for(storage).purge(meanwhile)
    assert seen == ["a.jpg", "c.jpg"]
    assert (result.files, result.bytes) == (1, 5)
    assert tree(local) == {}


def test_prefixes_that_cannot_be_directories_purge_nothing(storage: HybridStorage, local: Path) -> None:
    (local / "photo.jpg").write_bytes(b"keep")
    for prefix in ("photo.jpg/inside", "x" * 300, "missing/photo.jpg"):
        out, _ = run("purge_local_media", "--noinput", prefix)
        assert out.startswith("Nothing to purge in layer 'local'"), prefix
    assert tree(local) == {"photo.jpg": b"keep"}


def test_a_file_prefix_reached_through_a_link_inside_the_layer(storage: HybridStorage, local: Path) -> None:
    (local / "real").mkdir()
    (local / "real/photo.jpg").write_bytes(b"old")
    (local / "real/other.jpg").write_bytes(b"keep")
    (local / "alias").symlink_to(local / "real", target_is_directory=True)
    out, _ = run("purge_local_media", "--noinput", "alias/photo.jpg")
    assert out.startswith("Deleted 1 file from layer 'local', freed 3 bytes")
    assert tree(local) == {"alias": b"", "real": b"/", "real/other.jpg": b"keep"}


def test_an_s3_write_layer_purges_what_the_confirmation_counted(
    settings: Any, production: Bucket, staging_bucket: Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.STORAGES = hybrid_storages(staging_bucket.config(), production.config())
    storage = get_hybrid_storage()
    storage.save("old.jpg", ContentFile(b"old"))

    def answer(prompt: str = "") -> str:
        storage.save("uploaded-while-asking.jpg", ContentFile(b"new"))  # an upload during the prompt
        return "yes"

    monkeypatch.setattr("builtins.input", answer)
    out, _ = run("purge_local_media")
    assert out.startswith("Deleted 1 file from layer 'local', freed 3 bytes")
    assert keys(staging_bucket) == {"uploaded-while-asking.jpg"}


def test_shadowed_only_asks_production_once_a_file_even_with_a_confirmation(
    storage: HybridStorage, production: Bucket, local: Path, yes: list[str], s3_requests: list[Any]
) -> None:
    for number in range(3):
        production.put(f"homes/{number}.jpg", b"production")
        (local / "homes").mkdir(exist_ok=True)
        (local / f"homes/{number}.jpg").write_bytes(b"local")
    (local / "homes/local-only.jpg").write_bytes(b"local")
    s3_requests.clear()
    out, _ = run("purge_local_media", "--shadowed-only")
    assert out.startswith("Deleted 3 files")
    heads = [request for request in s3_requests if request[0] == "HEAD"]
    assert len(heads) == 4  # one per local file, in the survey; the purge reuses its answers
    assert tree(local) == {"homes": b"/", "homes/local-only.jpg": b"local"}


def test_shadowed_only_keeps_a_local_name_the_hybrid_refuses(
    storage: HybridStorage, production: Bucket, local: Path
) -> None:
    production.put("a.jpg", b"production")
    production.put("c.jpg", b"production")
    for name in ("a.jpg", "b\x01.jpg", "c.jpg"):
        (local / name).write_bytes(b"local")
    out, _ = run("purge_local_media", "--noinput", "--shadowed-only")
    assert out.startswith("Deleted 2 files")
    assert tree(local) == {"b\x01.jpg": b"local"}
