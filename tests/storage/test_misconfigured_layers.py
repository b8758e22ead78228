"""A layer that cannot be used is an error that says how to fix it, never an empty layer or a 500."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from demo_project.homes.models import Home
from hybridmedia import get_hybrid_storage
from hybridmedia.exceptions import LayerMisconfigured, LayerUnavailable
from hybridmedia.storage import HybridStorage
from tests import s3

ROOT = Path(__file__).resolve().parent.parent.parent
HYBRID = "hybridmedia.storage.HybridStorage"
STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def configure(settings: Any, local_config: dict[str, Any], production: dict[str, Any]) -> HybridStorage:
    settings.STORAGES = {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", "production"]}},
        "local": local_config,
        "production": production,
        "staticfiles": STATICFILES,
    }
    return get_hybrid_storage()


@pytest.fixture
def wrong_bucket(settings: Any, local_config: dict[str, Any], production: s3.Bucket) -> HybridStorage:
    """A bucket name with a typo: a HEAD of any key answers 404, as for a missing key."""
    production.put("products/p01.jpg", b"a product")
    return configure(settings, local_config, production.config(bucket_name=f"{production.name}-typo"))


@pytest.fixture
def no_credentials(settings: Any, local_config: dict[str, Any], production: s3.Bucket) -> HybridStorage:
    production.put("products/p01.jpg", b"a product")
    # tests/conftest.py removes AWS_* variables and points boto3's config files at /dev/null.
    return configure(settings, local_config, production.config(access_key=None, secret_key=None))


MISSING_BUCKET = r"Layer 'production' \(bucket 'prod-\w+-typo' at http://127.0.0.1:\d+\) cannot be used: its bucket does not exist\. Check the bucket name"  # noqa: E501
NO_CREDENTIALS = r"Layer 'production' \(bucket 'prod-\w+' at http://127.0.0.1:\d+\) cannot be used: no credentials were found for it\. Give the layer credentials"  # noqa: E501


class TestAWrongBucketName:
    def test_the_api_says_so_instead_of_missing(self, wrong_bucket: HybridStorage) -> None:
        with pytest.raises(LayerMisconfigured, match=MISSING_BUCKET) as caught:
            wrong_bucket.exists("products/p01.jpg")
        assert isinstance(caught.value, LayerUnavailable)  # everything that copes with an outage copes
        for call in (wrong_bucket.open, wrong_bucket.size, wrong_bucket.whereabouts):
            with pytest.raises(LayerMisconfigured, match="its bucket does not exist"):
                call("products/p01.jpg")
        with pytest.raises(LayerMisconfigured, match="its bucket does not exist"):
            wrong_bucket.listdir("products")
        assert "production" in wrong_bucket.unavailable_layers()

    def test_local_files_keep_working(self, wrong_bucket: HybridStorage) -> None:
        # As while production is down: the name cannot be proven free there, so another is used.
        saved = wrong_bucket.save("mine.jpg", ContentFile(b"local"))
        assert wrong_bucket.open(saved).read() == b"local"

    def test_every_command_says_it_in_one_line(self, wrong_bucket: HybridStorage) -> None:
        for command in (("media_origin", "products/p01.jpg"), ("media_shadows",), ("purge_local_media", "--dry-run")):
            out = StringIO()
            try:
                call_command(*command, stdout=out, stderr=StringIO())
            except CommandError as exc:
                assert "its bucket does not exist" in str(exc) and "\n" not in str(exc).strip(), command
            else:
                # The purge only needs the write layer, and media_shadows finds nothing local to compare.
                assert command[0] in ("purge_local_media", "media_shadows"), command

    def test_media_doctor_finds_it_and_exits_1(self, wrong_bucket: HybridStorage) -> None:
        out = StringIO()
        with pytest.raises(SystemExit) as exit:
            call_command("media_doctor", stdout=out)
        assert exit.value.code == 1
        text = out.getvalue()
        assert "local (write layer" in text and "ok   listing allowed" in text
        assert "FAIL bucket exists and listing allowed: its bucket does not exist" in text
        assert "Some layer cannot be used" in text


@pytest.mark.django_db
@pytest.mark.parametrize("layer", ["wrong_bucket", "no_credentials"])
def test_no_admin_page_answers_500(request: pytest.FixtureRequest, layer: str, admin_client: Client) -> None:
    storage: HybridStorage = request.getfixturevalue(layer)
    message = "its bucket does not exist" if layer == "wrong_bucket" else "no credentials were found"
    home = Home.objects.create(name="P", city="X", photo="products/p01.jpg")
    pages = {
        "changelist": "/admin/homes/home/",
        "change form": f"/admin/homes/home/{home.pk}/change/",
        "browser": "/admin/hybridmedia/mediafile/?dir=products",
        "detail": "/admin/hybridmedia/mediafile/file/?name=products/p01.jpg",
    }
    for page, url in pages.items():
        storage.availability._down.clear()  # each page meets the problem afresh
        response = admin_client.get(url, follow=True)
        assert response.status_code in (200, 404), (page, response.status_code)
        html = response.content.decode()
        assert message in html, page


class TestNoCredentials:
    def test_the_api_says_so(self, no_credentials: HybridStorage) -> None:
        with pytest.raises(LayerMisconfigured, match=NO_CREDENTIALS):
            no_credentials.exists("products/p01.jpg")

    def test_a_signed_url_says_so_too(self, settings: Any, local_config: dict[str, Any], production: s3.Bucket) -> None:
        storage = configure(
            settings, local_config, production.config(access_key=None, secret_key=None, querystring_auth=True)
        )
        with pytest.raises(LayerMisconfigured, match="no credentials were found"):
            storage.url("products/p01.jpg")

    def test_media_origin_prints_one_line_not_a_traceback(self, no_credentials: HybridStorage) -> None:
        with pytest.raises(CommandError, match="no credentials were found for it") as caught:
            call_command("media_origin", "products/p01.jpg", stdout=StringIO())
        assert "Traceback" not in str(caught.value)


@pytest.mark.parametrize("s3_server", ["s3rver"], indirect=True)
def test_credentials_the_server_refuses(settings: Any, local_config: dict[str, Any], make_bucket: Any) -> None:
    # s3rver checks signatures: a wrong key is refused, as on AWS.
    bucket = make_bucket()
    bucket.put("p.jpg", b"x")
    storage = configure(settings, local_config, bucket.config(access_key="WRONG", secret_key="WRONG-SECRET"))
    with pytest.raises(LayerMisconfigured, match=r"cannot be used: (its credentials are not valid|access is denied)"):
        storage.exists("p.jpg")
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("media_doctor", stdout=out)
    assert "FAIL bucket exists and listing allowed" in out.getvalue()
    assert "WRONG-SECRET" not in out.getvalue()


def test_a_healthy_hybrid_gets_a_clean_bill(settings: Any, local_config: dict[str, Any], production: s3.Bucket) -> None:
    production.put("p.jpg", b"x")
    configure(settings, local_config, production.config())
    out = StringIO()
    call_command("media_doctor", stdout=out)
    text = out.getvalue()
    assert "ok   reachable" in text and "ok   a sample file readable: 'p.jpg'" in text
    assert "ok   URLs: the same for everyone" in text and text.rstrip().endswith("Every layer can be used.")


def test_forgetting_the_app_in_installed_apps_says_what_to_add(tmp_path: Path) -> None:
    settings_module = tmp_path / "forgetful_settings.py"
    settings_module.write_text(
        "from tests.settings import *\n"
        "INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in ('hybridmedia', 'demo_project.homes')]\n"
    )
    script = (
        "import django; django.setup()\n"
        "try:\n"
        "    import hybridmedia.admin\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "DJANGO_SETTINGS_MODULE": "forgetful_settings", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    assert result.stdout.startswith('ImproperlyConfigured hybridmedia.admin needs "hybridmedia" in INSTALLED_APPS.')
