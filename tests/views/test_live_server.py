"""The media view behind a real HTTP server (pytest-django's ``live_server``), fetched with urllib3."""

from __future__ import annotations

from typing import Any

import pytest
import urllib3
from django.urls import include, path

from hybridmedia.storage import HybridStorage
from tests import s3
from tests.views.conftest import save_local, three_layer_site

DATA = bytes(range(256)) * 64

# Not under MEDIA_URL: the live server serves MEDIA_URL from MEDIA_ROOT itself, in front of the URLconf.
urlpatterns = [path("files/", include("hybridmedia.urls"))]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def http() -> urllib3.PoolManager:
    return urllib3.PoolManager(retries=False, timeout=10)


@pytest.fixture
def site(
    settings: Any, live_server: Any, local_config: dict[str, Any], production: s3.Bucket, make_bucket: Any
) -> tuple[str, HybridStorage]:
    """local over a proxied ``staging`` bucket over a public, redirected ``production`` bucket."""
    staging = make_bucket()
    staging.put("staged.bin", DATA)
    production.put("public.bin", DATA)
    media = three_layer_site(settings, local_config, staging, production)
    save_local(media, "local.bin", DATA)
    return f"{live_server.url}/files/", media


@pytest.mark.parametrize("name", ["local.bin", "staged.bin"])
def test_range_304_and_head_over_http(site: tuple[str, HybridStorage], http: urllib3.PoolManager, name: str) -> None:
    base, _ = site
    whole = http.request("GET", base + name)
    assert whole.status == 200 and whole.data == DATA
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["X-Content-Type-Options"] == "nosniff"
    ranged = http.request("GET", base + name, headers={"Range": "bytes=100-199"})
    assert ranged.status == 206 and ranged.data == DATA[100:200]
    assert ranged.headers["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    suffix = http.request("GET", base + name, headers={"Range": "bytes=-10"})
    assert suffix.status == 206 and suffix.data == DATA[-10:]
    refused = http.request("GET", base + name, headers={"Range": f"bytes={len(DATA)}-"})
    assert refused.status == 416 and refused.headers["Content-Range"] == f"bytes */{len(DATA)}"
    not_modified = http.request("GET", base + name, headers={"If-None-Match": whole.headers["ETag"]})
    assert not_modified.status == 304 and not_modified.data == b""
    since = http.request("GET", base + name, headers={"If-Modified-Since": whole.headers["Last-Modified"]})
    assert since.status == 304
    head = http.request("HEAD", base + name)
    assert head.status == 200 and head.headers["Content-Length"] == str(len(DATA)) and head.data == b""


def test_a_public_production_file_redirects_and_the_redirect_leads_to_it(
    site: tuple[str, HybridStorage], http: urllib3.PoolManager
) -> None:
    base, media = site
    response = http.request("GET", base + "public.bin", redirect=False)
    assert response.status == 302 and response.headers["Location"] == media.url("public.bin")
    followed = http.request(
        "GET", base + "public.bin", headers={"Range": "bytes=0-9"}, retries=urllib3.Retry(redirect=1)
    )
    assert followed.status == 206 and followed.data == DATA[:10]  # S3 itself answers the range


def test_missing_bad_and_refused_over_http(site: tuple[str, HybridStorage], http: urllib3.PoolManager) -> None:
    base, _ = site
    assert http.request("GET", base + "missing.bin").status == 404
    assert http.request("GET", base + "..%2F..%2Fetc%2Fpasswd").status == 404
    assert http.request("GET", base + ".hybridmedia-whiteouts/.wh.x").status == 404
    assert http.request("POST", base + "local.bin").status == 405
