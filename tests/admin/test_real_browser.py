"""A real browser (Debian's chromium, driven by Playwright) using the media browser of a live server.

Screenshots land in ``test-artifacts/admin/``; ``docs/admin-browser.png`` and ``docs/admin-detail.png``
are copies of two of them.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.servers.basehttp import WSGIServer
from django.http import FileResponse, Http404, HttpRequest
from django.test.testcases import LiveServerThread
from django.urls import path
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests import s3


# The live server shares the test's in-memory SQLite connection with its threads; a browser loads a
# page's thumbnails in parallel, and concurrent use of one SQLite connection fails ("bad parameter or
# other API misuse"). One request at a time, as a single-threaded server serves them, is safe.
class SerialWSGIServer(WSGIServer):
    # LiveServerThread.run() already hands the shared connections to its own (only) thread.
    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = SerialWSGIServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def serve_local_media(request: HttpRequest, name: str) -> FileResponse:
    """Serve the local layer's files, as a project's MEDIA_URL would, so local thumbnails load."""
    top = get_hybrid_storage().top.storage
    if not top.exists(name):
        raise Http404(name)
    return FileResponse(top.open(name, "rb"))


urlpatterns = [path("admin/", admin.site.urls), path("media/<path:name>", serve_local_media)]
pytestmark = pytest.mark.urls(__name__)


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "The browser test needs Debian's chromium at /usr/bin/chromium, and it is missing. "
            "Install it with scripts/system-deps (or: apt-get install -y chromium).",
            pytrace=False,
        )
    return found


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
    # synchronous, so Django's async-safety guard must stand aside.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def photo(colour: tuple[int, int, int], label_band: tuple[int, int, int] = (255, 255, 255)) -> bytes:
    """A small JPEG: a coloured picture with a band, distinct per file."""
    image = Image.new("RGB", (160, 120), colour)
    for x in range(160):
        for y in range(80, 100):
            image.putpixel((x, y), label_band)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def site_media(media: HybridStorage, production: s3.Bucket) -> HybridStorage:
    production.put("homes/1.jpg", photo((52, 120, 190)))
    production.put("homes/2.jpg", photo((200, 150, 60)))
    production.put("homes/3.jpg", photo((90, 160, 90)))
    production.put("homes/floorplan.pdf", b"%PDF-1.4 production floor plan")
    production.put("homes/interiors/kitchen.jpg", photo((150, 90, 160)))
    production.put("logo.png", b"not really a png")
    media.save("homes/new-listing.jpg", ContentFile(photo((220, 80, 80))))
    # A local edit of a production photo: it shadows production's copy.
    media.top.storage.save("homes/2.jpg", ContentFile(photo((240, 200, 40), (30, 30, 30))))
    return media


def wait_for_images(page: Page) -> None:
    # Thumbnails load lazily, after the page: wait until every one has arrived (or failed).
    page.wait_for_function("Array.from(document.images).every(img => img.complete)")


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wait_for_images(page)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def row(page: Page, name: str) -> Any:
    return page.locator("tr.hm-row", has=page.get_by_role("link", name=name, exact=True))


def log_in(browser: Browser, live_server: Any) -> Page:
    User.objects.create_superuser("admin", "admin@example.com", "correct horse")
    page = browser.new_page(viewport={"width": 1280, "height": 760})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "correct horse")
    page.click("input[type=submit]")
    expect(page.get_by_text("Hybrid media")).to_be_visible()
    return page


def test_browse_inspect_and_delete_a_local_copy(browser: Browser, live_server: Any, site_media: HybridStorage) -> None:
    page = log_in(browser, live_server)

    page.get_by_role("link", name="Media files").first.click()
    page.get_by_role("link", name="homes/").click()
    expect(page.locator(".breadcrumbs")).to_contain_text("homes")
    expect(row(page, "1.jpg").locator(".hm-badge")).to_have_text("production")
    expect(row(page, "new-listing.jpg").locator(".hm-badge")).to_have_text("local")
    expect(row(page, "2.jpg").locator(".hm-badge")).to_have_text(["local", "shadows production"])
    expect(page.locator("tr.hm-shadowed")).to_have_count(1)
    assert page.locator("img.hm-thumb").count() == 4  # the .jpg files, not the pdf
    wait_for_images(page)
    assert page.evaluate("Array.from(document.images).every(img => img.naturalWidth > 0)"), "a broken thumbnail"
    # The admin's change-list layout (it differs between Django 5.2 and 6.x): the filter sits beside the table.
    table, filters = page.locator("#result_list").bounding_box(), page.locator("#changelist-filter").bounding_box()
    assert table and filters and filters["x"] >= table["x"] + table["width"], (table, filters)
    assert filters["y"] < table["y"] + table["height"] and table["width"] > 500, (table, filters)
    screenshot(page, "browser")

    page.emulate_media(color_scheme="dark")
    screenshot(page, "browser-dark")
    page.emulate_media(color_scheme="light")

    # A production file: served by production, no warning, nothing to delete.
    page.get_by_role("link", name="1.jpg", exact=True).click()
    expect(page.locator(".hm-summary")).to_contain_text("Served by production")
    expect(page.locator(".hm-shadow-warning")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete local copy")).to_have_count(0)
    screenshot(page, "detail-production")

    # A local file that shadows production's: the plain-language warning.
    page.go_back()
    page.get_by_role("link", name="2.jpg", exact=True).click()
    expect(page.locator(".hm-summary")).to_contain_text("Served by local")
    warning = page.locator(".hm-shadow-warning")
    expect(warning).to_contain_text("The “local” copy of this file hides the “production” copy")
    expect(warning).to_contain_text("different contents")
    screenshot(page, "detail")

    # "Delete local copy" asks first, as Django's delete does; "No, take me back" changes nothing.
    page.get_by_role("link", name="Delete local copy").click()
    expect(page.locator("h1")).to_have_text("Delete local copy")
    expect(page.locator("#content-main")).to_contain_text("delete the “local” copy of “homes/2.jpg”?")
    expect(page.locator(".hm-shows-again")).to_contain_text("The “production” copy will show again")
    screenshot(page, "delete-local-confirmation")
    page.get_by_role("link", name="No, take me back").click()
    expect(page.locator(".hm-summary")).to_contain_text("Served by local")
    assert site_media.origin("homes/2.jpg").name == "local"

    page.get_by_role("link", name="Delete local copy").click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist .success")).to_contain_text("the “production” file shows again")
    expect(page.locator(".hm-summary")).to_contain_text("Served by production")
    expect(page.locator(".hm-shadow-warning")).to_have_count(0)
    screenshot(page, "detail-after-delete")
    assert site_media.origin("homes/2.jpg").name == "production"
    assert list(site_media.whiteouts()) == []

    # A local-only file: its detail page says deleting it removes it from this environment.
    page.get_by_role("link", name="Back to the directory").click()
    expect(row(page, "2.jpg").locator(".hm-badge")).to_have_text("production")
    page.get_by_role("link", name="new-listing.jpg", exact=True).click()
    expect(page.locator(".hm-summary")).to_contain_text("Served by local")
    expect(page.locator(".hm-actions")).to_contain_text("No other layer holds this file")
    screenshot(page, "detail-local")


def test_page_through_a_large_production_directory(
    browser: Browser, live_server: Any, media: HybridStorage, production: s3.Bucket
) -> None:
    production.put_many([f"archive/{number:04d}.pdf" for number in range(250)], b"%PDF-1.4")
    page = log_in(browser, live_server)
    page.goto(f"{live_server.url}/admin/hybridmedia/mediafile/?dir=archive")
    names = page.locator("tr.hm-row th a")
    expect(names).to_have_count(100)
    expect(names.first).to_have_text("0000.pdf")
    expect(page.locator(".hm-pages")).to_contain_text("100 entries on this page")
    expect(page.get_by_role("link", name="‹ Previous")).to_have_count(0)

    page.get_by_role("link", name="Next ›").click()
    expect(names.first).to_have_text("0100.pdf")
    page.get_by_role("link", name="Next ›").click()
    expect(names).to_have_count(50)
    expect(names.last).to_have_text("0249.pdf")
    expect(page.get_by_role("link", name="Next ›")).to_have_count(0)
    screenshot(page, "browser-last-page")

    page.get_by_role("link", name="‹ Previous").click()
    expect(names.first).to_have_text("0100.pdf")
    page.get_by_role("link", name="Count all").click()
    expect(page.locator("p.paginator")).to_contain_text("250 entries")
    expect(page.locator("#toolbar")).to_contain_text("Counting lists the whole directory.")
