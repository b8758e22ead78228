"""A real browser (Debian's chromium, driven by Playwright) loading a page of ``<img>`` tags through the view.

Every kind of answer must end as a picture: local files from disk, a proxied staging bucket, a
redirect to the public production bucket, and, with placeholders on, a generated image for a
missing name, never the broken-image icon.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.html import escape
from playwright.sync_api import Browser, sync_playwright

from tests import s3
from tests.admin.test_real_browser import CHROMIUM_ARGS, chromium_path
from tests.views.conftest import image, save_local, three_layer_site

IMAGES = ["local.png", "staged.jpg", "public.png", "missing.jpg", "missing_120x90.jpg"]


def gallery(request: HttpRequest) -> HttpResponse:
    tags = "".join(f'<img id="img{i}" src="/files/{escape(name)}" alt="">' for i, name in enumerate(IMAGES))
    return HttpResponse(f"<!doctype html><title>gallery</title>{tags}")


# Not under MEDIA_URL: the live server serves MEDIA_URL from MEDIA_ROOT itself, in front of the URLconf.
urlpatterns = [path("gallery/", gallery), path("files/", include("hybridmedia.urls"))]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(settings: Any, local_config: dict[str, Any], production: s3.Bucket, make_bucket: Any) -> None:
    staging = make_bucket()
    staging.put("staged.jpg", image((50, 40), (200, 150, 60), "JPEG"))
    production.put("public.png", image((60, 45), (90, 160, 90)))
    media = three_layer_site(settings, local_config, staging, production)
    save_local(media, "local.png", image((40, 30), (52, 120, 190)))


def natural_widths(browser: Browser, live_server: Any) -> dict[str, int]:
    page = browser.new_page()
    page.goto(f"{live_server.url}/gallery/")
    page.wait_for_function("Array.from(document.images).every(img => img.complete)")
    widths = page.evaluate("Array.from(document.images).map(img => img.naturalWidth)")
    page.close()
    return dict(zip(IMAGES, widths, strict=True))


def test_every_layer_loads_and_a_missing_image_is_broken_without_placeholders(
    browser: Browser, live_server: Any, site: None
) -> None:
    widths = natural_widths(browser, live_server)
    assert widths == {"local.png": 40, "staged.jpg": 50, "public.png": 60, "missing.jpg": 0, "missing_120x90.jpg": 0}


def test_with_placeholders_a_missing_image_shows_a_placeholder(
    settings: Any, browser: Browser, live_server: Any, site: None
) -> None:
    settings.HYBRIDMEDIA_PLACEHOLDERS = True
    widths = natural_widths(browser, live_server)
    assert widths == {
        "local.png": 40,
        "staged.jpg": 50,
        "public.png": 60,
        "missing.jpg": 320,  # the SVG's default size
        "missing_120x90.jpg": 120,  # a PNG of the size the name asks for
    }
