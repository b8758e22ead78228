"""A new user's first hour, end to end: ``startproject``, the README's settings pasted in, production on S3.

The settings are taken from the README itself, so the README cannot drift from what works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests import s3

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()

MODELS = """from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=50)
    photo = models.ImageField(upload_to="products/")
"""
ADMIN = """from django.contrib import admin

from hybridmedia.admin import HybridMediaAdminMixin, origin_badge
from shop.models import Product


@admin.register(Product)
class ProductAdmin(HybridMediaAdminMixin, admin.ModelAdmin):
    list_display = ("name", origin_badge("photo"))
"""
VISIT = """
from django.contrib.auth.models import User
from django.test import Client
from shop.models import Product

User.objects.create_superuser("admin", "admin@example.com", "admin")
product = Product.objects.create(name="Lamp", photo="products/p01.jpg")
client = Client()
client.force_login(User.objects.get())
for url in ("/admin/shop/product/", f"/admin/shop/product/{product.pk}/change/"):
    response = client.get(url, HTTP_HOST="localhost")
    print(url, response.status_code, 'data-layer="production"' in response.content.decode())
"""


def readme_block(marker: str) -> str:
    """Return the README's python block that contains ``marker``."""
    (block,) = [body for body in re.findall(r"```python\n(.*?)```", README, re.DOTALL) if marker in body]
    return block


def test_the_readme_gets_a_fresh_project_to_production_media(tmp_path: Path, production: s3.Bucket) -> None:
    production.put("products/p01.jpg", b"a production photo")
    project = tmp_path / "mysite"
    run = _runner(project, production)
    project.mkdir()
    subprocess.run([sys.executable, "-m", "django", "startproject", "mysite", str(project)], check=True)
    (project / "shop").mkdir()
    (project / "shop/__init__.py").write_text("")
    (project / "shop/models.py").write_text(MODELS)
    (project / "shop/admin.py").write_text(ADMIN)
    settings = project / "mysite/settings.py"
    settings.write_text(
        settings.read_text() + "\nINSTALLED_APPS += ['shop']\n" + readme_block("django-admin startproject")
    )
    urls = project / "mysite/urls.py"
    urls.write_text(urls.read_text() + "\n" + readme_block("urlpatterns += media_urlpatterns"))

    assert "System check identified no issues" in run("check")
    run("makemigrations", "shop")
    run("migrate")
    assert re.search(r"production\s+serves it", run("media_origin", "products/p01.jpg", "--verbosity", "2"))
    doctor = run("media_doctor")
    assert "ok   bucket exists and listing allowed" in doctor and "Every layer can be used." in doctor
    pages = [line for line in run("shell", "-c", VISIT).splitlines() if line.startswith("/admin/")]
    assert pages == ["/admin/shop/product/ 200 True", "/admin/shop/product/1/change/ 200 True"]


def _runner(project: Path, production: s3.Bucket):  # type: ignore[no-untyped-def]
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))} | {
        "PYTHONPATH": str(ROOT),
        "PROD_MEDIA_BUCKET": production.name,
        "PROD_MEDIA_REGION": s3.REGION,
        "PROD_MEDIA_ENDPOINT": production.endpoint_url,
        "PROD_AWS_ACCESS_KEY_ID": production.access_key,
        "PROD_AWS_SECRET_ACCESS_KEY": production.secret_key,
    }

    def run(*arguments: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"manage.py {' '.join(arguments)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout + result.stderr

    return run
