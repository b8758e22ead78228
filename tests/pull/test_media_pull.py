"""``manage.py media_pull``: copies production's files into the cache layer, and only there."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from demo_project.homes.models import Home
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.pulled import read_record
from tests.commands.helpers import hybrid_storages, run
from tests.pull.helpers import object_gets, pulled_files
from tests.s3 import Bucket

pytestmark = pytest.mark.every_s3_server


def test_pulls_the_files_under_a_prefix_and_nothing_else(
    storage: HybridStorage, production: Bucket, pulled: Path, local: Path
) -> None:
    production.put("homes/1.jpg", b"one")
    production.put("homes/2019/2.jpg", b"two")
    production.put("other/3.jpg", b"three")
    out, _err = run("media_pull", "homes")
    assert re.fullmatch(r"Pulled 2 files \(6 bytes\) into 'pulled' in \d+\.\d s\.\n", out)
    assert pulled_files(pulled) == {"homes/1.jpg": b"one", "homes/2019/2.jpg": b"two"}
    assert list(local.iterdir()) == []  # the write layer stays the developer's own
    record = read_record(storage.layer("pulled"), "homes/1.jpg")
    assert record is not None and (record.layer, record.size) == ("production", 3)


def test_a_second_pull_fetches_nothing_and_says_so(
    storage: HybridStorage, production: Bucket, s3_requests: list[tuple[str, str]]
) -> None:
    production.put("homes/1.jpg", b"one")
    run("media_pull")
    s3_requests.clear()
    out, _err = run("media_pull", "--json")
    document = json.loads(out)
    assert (document["pulled"], document["up_to_date"]) == (0, 1)
    assert object_gets(s3_requests, production.name) == []


def test_the_json_summary(storage: HybridStorage, production: Bucket) -> None:
    production.put("a.jpg", b"12345")
    production.put("b.mp4", b"video")
    out, _err = run("media_pull", "--json", "--exclude", "*.mp4")
    document = json.loads(out)
    assert document == {
        "version": 1,
        "cache_layer": "pulled",
        "sources": ["production"],
        "dry_run": False,
        "pulled": 1,
        "pulled_bytes": 5,
        "up_to_date": 0,
        "excluded": 1,
        "too_large": 0,
        "missing": 0,
        "failed": [],
        "seconds": document["seconds"],
    }


def test_dry_run_counts_files_and_bytes_and_copies_nothing(
    storage: HybridStorage, production: Bucket, pulled: Path
) -> None:
    production.put("homes/1.jpg", b"one")
    production.put("homes/2.jpg", b"four")
    out, _err = run("media_pull", "--dry-run")
    assert out == "Would pull 2 files (7 bytes) into 'pulled'.\n"
    assert pulled_files(pulled) == {}
    assert list(pulled.iterdir()) == []


def test_max_size_and_exclude_skip_files(storage: HybridStorage, production: Bucket, pulled: Path) -> None:
    production.put("small.jpg", b"x" * 10)
    production.put("large.jpg", b"x" * 2000)
    production.put("clip.mp4", b"x" * 10)
    out, _err = run("media_pull", "--max-size", "1k", "--exclude", "*.mp4")
    assert pulled_files(pulled) == {"small.jpg": b"x" * 10}
    assert out.endswith("; 1 excluded, 1 larger than --max-size.\n")


def test_refresh_fetches_exactly_the_object_that_changed(
    storage: HybridStorage, production: Bucket, pulled: Path, s3_requests: list[tuple[str, str]]
) -> None:
    for number in range(5):
        production.put(f"homes/{number}.jpg", b"before")
    run("media_pull", "--jobs", "3")
    production.put("homes/3.jpg", b"after, and longer")
    production.put("homes/4.jpg", b"BEFORE")  # same size, another ETag
    s3_requests.clear()
    out, _err = run("media_pull", "--refresh", "--json")
    assert sorted(object_gets(s3_requests, production.name)) == ["homes/3.jpg", "homes/4.jpg"]
    listings = [url for method, url in s3_requests if "?" in url]
    assert len(s3_requests) == 2 + len(listings) and len(listings) <= 2  # the root and homes/
    assert json.loads(out)["pulled"] == 2
    assert pulled_files(pulled)["homes/3.jpg"] == b"after, and longer"
    assert pulled_files(pulled)["homes/4.jpg"] == b"BEFORE"
    assert storage.whereabouts("homes/3.jpg").stale is False


def test_without_refresh_a_changed_object_stays_as_pulled_and_is_reported_stale(
    storage: HybridStorage, production: Bucket, pulled: Path
) -> None:
    production.put("homes/1.jpg", b"before")
    run("media_pull")
    production.put("homes/1.jpg", b"after")
    run("media_pull")
    assert pulled_files(pulled) == {"homes/1.jpg": b"before"}
    where = storage.whereabouts("homes/1.jpg")
    assert (where.origin.name if where.origin else None, where.pulled_from, where.stale) == (
        "pulled",
        "production",
        True,
    )


@pytest.mark.django_db
def test_pulls_the_files_a_models_rows_use(
    storage: HybridStorage, production: Bucket, pulled: Path, s3_requests: list[tuple[str, str]]
) -> None:
    for number in range(6):
        production.put(f"homes/{number}.jpg", f"photo {number}".encode())
    for number, city in enumerate(["Amsterdam", "Utrecht", "Amsterdam", "Amsterdam", "Utrecht"]):
        Home.objects.create(name=f"Home {number}", city=city, photo=f"homes/{number}.jpg")
    Home.objects.create(name="Gone", city="Amsterdam", photo="homes/missing.jpg")
    out, _err = run("media_pull", "--model", "homes.Home.photo", "--filter", "city=Amsterdam", "--json")
    document = json.loads(out)
    assert (document["pulled"], document["missing"]) == (3, 1)
    assert pulled_files(pulled) == {f"homes/{n}.jpg": f"photo {n}".encode() for n in (0, 2, 3)}

    # The most recent rows only; the ones already pulled cost no request at all.
    s3_requests.clear()
    out, _err = run("media_pull", "--model", "homes.Home", "--latest", "3", "--json")
    assert (json.loads(out)["pulled"], json.loads(out)["up_to_date"], json.loads(out)["missing"]) == (1, 1, 1)
    assert object_gets(s3_requests, production.name) == ["homes/4.jpg"]


@pytest.mark.django_db
def test_latest_follows_the_model_s_get_latest_by(
    storage: HybridStorage, production: Bucket, pulled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    # Created in one order, dated in the other: "most recent" is the newest date, not the highest id.
    for number in range(3):
        production.put(f"homes/{number}.jpg", f"photo {number}".encode())
        Home.objects.create(
            name=f"Home {number}",
            city="X",
            photo=f"homes/{number}.jpg",
            created=timezone.now() - timedelta(days=number),
        )
    monkeypatch.setattr(Home._meta, "get_latest_by", "created")
    run("media_pull", "--model", "homes.Home", "--latest", "1")
    assert pulled_files(pulled) == {"homes/0.jpg": b"photo 0"}
    monkeypatch.setattr(Home._meta, "get_latest_by", ["-created"])  # the oldest is the "latest" now
    run("media_pull", "--model", "homes.Home", "--latest", "1")
    assert set(pulled_files(pulled)) == {"homes/0.jpg", "homes/2.jpg"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "homes"], "app_label.Model"),
        (["--model", "homes.Nope"], "Nope"),
        (["--model", "homes.Home.name"], "not a FileField"),
        (["--model", "homes.Home", "--filter", "nope"], "LOOKUP=VALUE"),
        (["--model", "homes.Home", "--filter", "nope=1"], "nope"),
        (["--filter", "city=A"], "give --model too"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["homes", "--model", "homes.Home"], "not both"),
        (["../x"], "Refusing the prefix"),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_a_command_error(storage: HybridStorage, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("media_pull", *args)


def test_a_hybrid_without_a_cache_layer_is_a_command_error(
    settings: Any, local_config: Any, production: Bucket
) -> None:
    settings.STORAGES = hybrid_storages(local_config, production.config())
    with pytest.raises(CommandError, match="no cache layer"):
        run("media_pull")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_line_then_the_summary(storage: HybridStorage, production: Bucket) -> None:
    production.put("homes/1.jpg", b"one")
    out = Terminal()
    call_command("media_pull", stdout=out)
    assert out.getvalue().startswith("\rPulled 1 file, 3 bytes at ")
    assert re.search(r"\nPulled 1 file \(3 bytes\) into 'pulled' in \d+\.\d s\.\n$", out.getvalue())


def test_verbosity_2_lists_every_file_and_0_prints_nothing(storage: HybridStorage, production: Bucket) -> None:
    production.put("homes/1.jpg", b"one")
    out, _err = run("media_pull", "--dry-run", verbosity=2)
    assert "Would pull 'homes/1.jpg' from 'production'." in out
    out, _err = run("media_pull", verbosity=0)
    assert out == ""
