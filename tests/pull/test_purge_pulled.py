"""``purge_local_media --pulled`` empties the cache layer; the ordinary purge never touches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError

from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.pull.helpers import pulled_files
from tests.s3 import Bucket


@pytest.fixture
def both(storage: HybridStorage, production: Bucket, local: Path) -> HybridStorage:
    """Two pulled copies, and a local upload in the write layer."""
    production.put("homes/1.jpg", b"one")
    production.put("other/2.jpg", b"two!")
    run("media_pull")
    storage.save("uploads/mine.jpg", ContentFile(b"mine"))
    return storage


def test_the_ordinary_purge_leaves_the_cache_layer_alone(both: HybridStorage, pulled: Path, local: Path) -> None:
    run("purge_local_media", "--noinput")
    assert list(local.iterdir()) == []
    assert pulled_files(pulled) == {"homes/1.jpg": b"one", "other/2.jpg": b"two!"}


def test_pulled_empties_the_cache_layer_only(both: HybridStorage, pulled: Path, local: Path) -> None:
    out, _err = run("purge_local_media", "--pulled", "--noinput")
    assert out == "Deleted 2 pulled copies from the cache layer 'pulled', freed 7 bytes.\n"
    assert pulled_files(pulled) == {}
    assert [path.name for path in pulled.iterdir() if any(path.rglob("*.json"))] == []  # no records left
    assert (local / "uploads" / "mine.jpg").read_bytes() == b"mine"
    assert both.open("homes/1.jpg").read() == b"one"  # from production again
    assert both.origin("homes/1.jpg") == both.layer("production")


def test_pulled_with_a_prefix_dry_run_and_confirmation(
    both: HybridStorage, pulled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _err = run("purge_local_media", "--pulled", "--dry-run", "homes")
    assert out == "Pretended to delete 1 pulled copy, 3 bytes, from the cache layer 'pulled'.\n"
    assert len(pulled_files(pulled)) == 2
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Purge cancelled"):
        run("purge_local_media", "--pulled", "homes")
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    run("purge_local_media", "--pulled", "homes")
    assert pulled_files(pulled) == {"other/2.jpg": b"two!"}
    assert both.whereabouts("other/2.jpg").pulled_from == "production"


def test_pulled_refuses_the_write_layer_filters(both: HybridStorage) -> None:
    with pytest.raises(CommandError, match="takes no --shadowed-only"):
        run("purge_local_media", "--pulled", "--shadowed-only", "--noinput")
