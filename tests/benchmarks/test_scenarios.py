"""The benchmark scenarios in a tiny configuration, asserting the request counts issue 6 promises.

Only requests are asserted, never times: the counts are what must not silently regress.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.lab import Lab, Sizes
from benchmarks.measure import Row, Scenario
from benchmarks.scenarios import (
    exists_scenarios,
    listdir_scenario,
    memory_scenario,
    outage_scenarios,
    page_scenario,
    paging_scenario,
    purge_scenario,
    size_scenario,
    url_scenario,
)

ROOT = Path(__file__).resolve().parents[2]
TINY = Sizes(
    names=9,
    listdir_objects=20,
    photos=5,
    uploads=3,
    purge_files=30,
    memory_files=50,
    page_directory=40,
    small_directory=4,
    page_limit=10,
    url_calls=20,
    outage_images=3,
    rounds=1,
    purge_rounds=1,
    view_file_mib=2,
    fleet_rounds=2,
)


@pytest.fixture
def lab(
    tmp_path: Path, s3_endpoint: str, make_bucket: Any, s3_requests: list[tuple[str, str]], make_staging_bucket: Any
) -> Lab:
    # Buckets come from make_bucket, so production_is_untouched proves no scenario writes to them.
    return Lab(
        endpoint_url=s3_endpoint,
        scratch=tmp_path / "lab",
        counter=lambda: len(s3_requests),
        sizes=TINY,
        new_bucket=make_bucket,
        writable_bucket=make_staging_bucket,
    )


@pytest.fixture
def demo_settings(settings: Any) -> None:
    settings.ROOT_URLCONF = "demo_project.urls"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [ROOT / "templates"]}]


def rows(scenario: Scenario) -> dict[str, Row]:
    return {row.role: row for row in scenario.rows}


def per_op(row: Row) -> float:
    return row.requests / row.ops


@pytest.mark.django_db
def test_the_page_of_production_photos_sends_no_request(lab: Lab, demo_settings: None) -> None:
    (page,) = page_scenario(lab)
    by_role = rows(page)
    assert by_role["cold"].requests == 0
    assert by_role["warm"].requests == 0
    assert by_role["floor"].requests == 0  # S3Storage builds its URLs without a request too
    assert by_role["naive"].requests == TINY.photos  # one HEAD per photo


def test_exists_of_a_production_file_costs_one_request_cold_and_none_warm(lab: Lab) -> None:
    production, mix = exists_scenarios(lab)
    by_role = rows(production)
    assert per_op(by_role["cold"]) == 1
    assert by_role["warm"].requests == 0
    assert per_op(by_role["naive"]) == 1  # two layers: the 2013 design also sends one HEAD ...
    by_role = rows(mix)
    assert by_role["warm"].requests == 0
    # ... local names cost no request in either; production and missing names one each, once.
    assert by_role["cold"].requests == by_role["naive"].requests == 2 * TINY.names // 3


def test_size_and_url_send_fewer_requests_than_the_naive_design(lab: Lab) -> None:
    (size,) = size_scenario(lab)
    by_role = rows(size)
    assert per_op(by_role["cold"]) == 1 and by_role["warm"].requests == 0
    assert per_op(by_role["naive"]) == 2  # exists() then S3Storage.size(): two HEADs per name
    (url,) = url_scenario(lab)
    by_role = rows(url)
    assert by_role["cold"].requests == by_role["warm"].requests == by_role["floor"].requests == 0
    assert per_op(by_role["naive"]) == 1


def test_listdir_sends_what_the_layers_own_listings_send(lab: Lab) -> None:
    (listdir,) = listdir_scenario(lab)
    by_role = rows(listdir)
    assert by_role["cold"].requests == by_role["warm"].requests == by_role["floor"].requests == 1


def test_a_page_of_a_big_directory_costs_one_request(lab: Lab) -> None:
    (paging,) = paging_scenario(lab)
    by_role = rows(paging)
    assert by_role["page"].requests == by_role["small-page"].requests == by_role["deep-page"].requests == 1
    assert by_role["full"].requests == 1  # listdir(): one request per 1,000 keys
    assert by_role["admin"].requests == 1  # the browser's unfiltered page: listdir_page()
    assert by_role["admin-whole"].requests == 1  # filters list the whole (tiny) directory


def test_local_listing_and_purges_send_nothing_to_production(lab: Lab) -> None:
    (memory,) = memory_scenario(lab)
    by_role = rows(memory)
    assert by_role["hybrid"].requests == 1  # the lower layer's (empty) listing
    assert by_role["purge"].requests == 0
    (purge,) = purge_scenario(lab)
    assert all(row.requests == 0 for row in purge.rows)


@pytest.mark.django_db
def test_a_hanging_production_is_asked_once(lab: Lab, demo_settings: None) -> None:
    page, sizes = outage_scenarios(lab)
    by_role = rows(page)
    assert by_role["hybrid"].requests == 0
    assert by_role["naive"].requests == TINY.outage_images
    assert by_role["naive-strict"].requests == 1 and "fails" in by_role["naive-strict"].note
    by_role = rows(sizes)
    assert by_role["hybrid"].requests == by_role["hybrid-miss"].requests == 1
    assert by_role["naive"].requests == TINY.outage_images


def test_the_media_view_streams_a_range_without_fetching_the_rest(lab: Lab, settings: Any) -> None:
    from benchmarks.media_view import media_view_scenarios

    stream, over_http, ranged = media_view_scenarios(lab)
    by_role = rows(stream)
    assert by_role["floor"].requests == 0  # the direct GET is not botocore's
    assert by_role["proxy"].requests == 1  # one GET per stream: the origin cache knows the rest
    assert by_role["nginx"].requests == 0 and by_role["nginx"].seconds > 0  # the reference relay ran
    assert {row.role for row in over_http.rows} == {"floor", "proxy"}
    assert rows(over_http)["proxy"].requests == 0  # the HTTP layer reads the public URL: no S3 API call
    (row,) = ranged.rows
    assert row.requests == 1
    assert getattr(row, "received_bytes", None) == 1 << 20  # the S3 server sent the range, nothing more


def test_a_warm_shared_cache_sends_no_request(lab: Lab) -> None:
    from benchmarks.fleet import shared_cache_scenarios

    for scenario in shared_cache_scenarios(lab):
        by_role = rows(scenario)
        assert by_role["floor"].requests == TINY.names  # a HEAD per name
        assert by_role["in-process"].requests == by_role["redis"].requests == by_role["memcached"].requests == 0


def test_the_fleet_scenario_runs_one_two_and_four_workers(lab: Lab) -> None:
    from benchmarks.fleet import fleet_throughput_scenario

    (scenario,) = fleet_throughput_scenario(lab)
    assert [row.implementation for row in scenario.rows] == ["1 worker", "2 workers", "4 workers"]
    assert [row.ops for row in scenario.rows] == [16 * TINY.fleet_rounds * workers for workers in (1, 2, 4)]


@pytest.mark.django_db
def test_a_page_over_the_http_layer_sends_no_request(lab: Lab, demo_settings: None) -> None:
    from benchmarks.http_layer import http_page_scenario

    (scenario,) = http_page_scenario(lab)
    by_role = rows(scenario)
    assert by_role["floor"].requests == by_role["cold"].requests == by_role["warm"].requests == 0
