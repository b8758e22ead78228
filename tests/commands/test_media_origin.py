"""``media_origin``: which layer serves a name, against a filesystem layer over moto S3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management.base import CommandError

from hybridmedia.storage import HybridStorage
from tests.commands.helpers import hybrid_storages, run, run_with_status
from tests.s3 import Bucket


def test_a_production_only_name_is_served_by_production(storage: HybridStorage, production: Bucket) -> None:
    production.put("homes/1.jpg")
    out, err = run("media_origin", "homes/1.jpg")
    assert out.splitlines() == ["Found 'homes/1.jpg' here:", "  production  serves it"]
    assert err == ""


def test_verbosity_0_prints_bare_layer_names_top_first(storage: HybridStorage, production: Bucket) -> None:
    production.put("homes/1.jpg")
    storage.top.storage.save("homes/1.jpg", ContentFile(b"local edit"))
    assert run("media_origin", "homes/1.jpg", verbosity=0) == ("local\nproduction\n", "")
    assert run("media_origin", "homes/1.jpg", "--first", verbosity=0) == ("local\n", "")


def test_a_shadowed_name_is_marked(storage: HybridStorage, production: Bucket) -> None:
    production.put("homes/1.jpg")
    storage.top.storage.save("homes/1.jpg", ContentFile(b"local edit"))
    out, _ = run("media_origin", "homes/1.jpg")
    assert out.splitlines() == [
        "Found 'homes/1.jpg' here:",
        "  local       serves it; SHADOWED: it hides the copies below",
        "  production  hidden by the copy in 'local'",
    ]
    out, _ = run("media_origin", "homes/1.jpg", "--first")
    assert out.splitlines() == [
        "Found 'homes/1.jpg' here:",
        "  local  serves it; SHADOWED: it hides the copies below",
    ]


def test_a_whited_out_name_is_marked(storage: HybridStorage, production: Bucket) -> None:
    production.put("homes/gone.jpg")
    storage.delete("homes/gone.jpg")
    out, err = run("media_origin", "homes/gone.jpg")
    assert out.splitlines() == [
        "Found 'homes/gone.jpg' here:",
        "  production  WHITED OUT: deleted in 'local', hidden from the hybrid",
    ]
    assert err == ""
    out, _ = run("media_origin", "homes/gone.jpg", "--first")
    assert "WHITED OUT" in out and "No layer serves 'homes/gone.jpg'" in out
    assert run("media_origin", "homes/gone.jpg", "--first", verbosity=0) == ("", "")


def test_verbosity_2_shows_size_time_url_and_the_layers_searched(storage: HybridStorage, production: Bucket) -> None:
    production.put("homes/1.jpg", b"12345")
    storage.top.storage.save("homes/1.jpg", ContentFile(b"123"))
    out, _ = run("media_origin", "homes/1.jpg", verbosity=2)
    lines = out.splitlines()
    assert lines[1].startswith("  local ")
    assert "3 bytes, modified 20" in lines[2] and "url /media/homes/1.jpg" in lines[2]
    assert lines[3].startswith("  production ")
    assert "5 bytes, modified 20" in lines[4]
    assert f"url {production.endpoint_url}/{production.name}/homes/1.jpg" in lines[4]
    assert lines[5:] == ["Looking in the following layers:", "  local (writable)", "  production (read-only)"]


def test_json_describes_every_name_with_stable_keys(storage: HybridStorage, production: Bucket) -> None:
    production.put("a.jpg", b"12345")
    production.put("b.jpg")
    storage.top.storage.save("a.jpg", ContentFile(b"123"))
    storage.delete("b.jpg")
    status, out, err = run_with_status("media_origin", "a.jpg", "b.jpg", "nowhere.jpg", "--json")
    assert status == 1
    assert err == "No layer holds 'nowhere.jpg'.\n"
    document = json.loads(out)
    assert set(document) == {"version", "storage", "layers", "names"}
    assert (document["version"], document["storage"], document["layers"]) == (
        1,
        "default",
        ["local", "production"],
    )
    a, b, nowhere = document["names"]
    assert set(a) == {"name", "query", "found", "origin", "shadowed", "whited_out", "layers"}
    assert (a["name"], a["found"], a["origin"], a["shadowed"], a["whited_out"]) == (
        "a.jpg",
        True,
        "local",
        True,
        False,
    )
    assert [copy["layer"] for copy in a["layers"]] == ["local", "production"]
    assert set(a["layers"][0]) == {"layer", "writable", "serves", "size", "modified", "url"}
    assert [(c["size"], c["serves"], c["writable"]) for c in a["layers"]] == [
        (3, True, True),
        (5, False, False),
    ]
    assert a["layers"][1]["url"] == f"{production.endpoint_url}/{production.name}/a.jpg"
    assert a["layers"][0]["modified"].endswith("+00:00")
    assert (b["origin"], b["shadowed"], b["whited_out"]) == (None, False, True)
    assert [copy["layer"] for copy in b["layers"]] == ["production"]
    assert nowhere == {
        "name": "nowhere.jpg",
        "query": "nowhere.jpg",
        "found": False,
        "origin": None,
        "shadowed": False,
        "whited_out": False,
        "layers": [],
    }


def test_json_with_first_lists_only_the_serving_layer(storage: HybridStorage, production: Bucket) -> None:
    production.put("a.jpg")
    storage.top.storage.save("a.jpg", ContentFile(b"local"))
    (name,) = json.loads(run("media_origin", "a.jpg", "--json", "--first")[0])["names"]
    assert [copy["layer"] for copy in name["layers"]] == ["local"]
    assert name["shadowed"] is True


@pytest.mark.parametrize(
    "url",
    [
        "{endpoint}/{bucket}/homes/a%20b.jpg",
        "{endpoint}/{bucket}/homes/a%20b.jpg?X-Amz-Signature=abc#top",
        "/media/homes/a%20b.jpg",
        "http://localhost:8000/media/homes/a%20b.jpg",
    ],
)
def test_a_url_of_any_layer_maps_back_to_its_name(storage: HybridStorage, production: Bucket, url: str) -> None:
    production.put("homes/a b.jpg")
    query = url.format(endpoint=production.endpoint_url, bucket=production.name)
    (name,) = json.loads(run("media_origin", query, "--json")[0])["names"]
    assert (name["name"], name["query"], name["origin"]) == ("homes/a b.jpg", query, "production")
    out, _ = run("media_origin", query)
    assert out.startswith(f"Found 'homes/a b.jpg' (from the URL {query!r}) here:")


def test_a_url_no_layer_produces_is_refused(storage: HybridStorage, s3_requests: list[Any]) -> None:
    with pytest.raises(CommandError, match=r"not a URL any layer of the hybrid produces.*'/media/'"):
        run("media_origin", "https://elsewhere.example/a.jpg")
    assert s3_requests == []


def test_a_missing_name_exits_1_after_reporting_the_others(storage: HybridStorage, production: Bucket) -> None:
    production.put("here.jpg")
    status, out, err = run_with_status("media_origin", "missing.jpg", "here.jpg")
    assert status == 1
    assert out.splitlines() == ["Found 'here.jpg' here:", "  production  serves it"]
    assert err == "No layer holds 'missing.jpg'.\n"
    status, out, err = run_with_status("media_origin", "missing.jpg", verbosity=2)
    assert status == 1 and "Looking in the following layers:" in err
    assert run_with_status("media_origin", "missing.jpg", verbosity=0) == (1, "", "")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../etc/passwd", "path traversal"),
        ("/etc/passwd", "It is an absolute path"),
        ("homes/\x00.jpg", "NUL or control character"),
        (".hybridmedia-whiteouts/a.jpg", "reserves for whiteout markers"),
    ],
)
def test_bad_names_are_refused_before_any_layer_is_asked(
    storage: HybridStorage, production: Bucket, s3_requests: list[Any], name: str, reason: str
) -> None:
    production.put("fine.jpg")
    s3_requests.clear()
    with pytest.raises(CommandError, match=f"Refusing the name .*{reason}"):
        run("media_origin", "fine.jpg", name)
    assert s3_requests == []


def test_storage_must_be_a_hybrid(storage: HybridStorage) -> None:
    with pytest.raises(CommandError, match=r"--storage 'local'.*not a HybridStorage"):
        run("media_origin", "a.jpg", "--storage", "local")
    with pytest.raises(CommandError, match=r"--storage 'nope'.*no storage 'nope'"):
        run("media_origin", "a.jpg", "--storage", "nope")


def test_a_middle_layer_shadowing_the_bottom_is_shadowed(
    settings: Any, local_config: dict[str, Any], production: Bucket, make_bucket: Any
) -> None:
    staging = make_bucket()
    staging.put("a.jpg", b"staging")
    production.put("a.jpg")
    settings.STORAGES = hybrid_storages(
        local_config,
        production.config(),
        staging=staging.config(),
        three={
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "staging", "production"]},
        },
    )
    out, _ = run("media_origin", "a.jpg", "--storage", "three")
    assert out.splitlines() == [
        "Found 'a.jpg' here:",
        "  staging     serves it; SHADOWED: it hides the copies below",
        "  production  hidden by the copy in 'staging'",
    ]


def test_answers_come_from_the_layers_not_a_stale_origin_cache(storage: HybridStorage, production: Bucket) -> None:
    assert storage.origin("late.jpg") is None  # the origin cache now remembers "production lacks it"
    production.put("late.jpg")
    assert storage.origin("late.jpg") is None
    assert run("media_origin", "late.jpg", verbosity=0) == ("production\n", "")


def test_verbosity_3_says_how_a_url_was_mapped(storage: HybridStorage, production: Bucket) -> None:
    production.put("a.jpg")
    url = f"{production.endpoint_url}/{production.name}/a.jpg"
    out, _ = run("media_origin", url, verbosity=3)
    assert out.splitlines()[0] == f"Mapped the URL {url!r} of layer 'production' to the name 'a.jpg'."
    assert run("media_origin", url, verbosity=2)[0].startswith("Found 'a.jpg'")


def test_a_query_that_is_no_url_at_all_is_refused_as_a_name(storage: HybridStorage) -> None:
    # Found by the hostile-names property test: urlsplit() raises on an unbalanced "[" in a host.
    with pytest.raises(CommandError, match="Refusing the name '//\\\\x1b\\[31m'"):
        run("media_origin", "//\x1b[31m")
