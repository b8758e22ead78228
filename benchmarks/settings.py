"""Django settings of a benchmark run: the test suite's settings with the demo's app, page and templates."""

from pathlib import Path

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, TEMPLATES

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "benchmarks-only"
DEBUG = False  # templates are cached, as on a real site
if "demo_project.homes" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "demo_project.homes"]
ROOT_URLCONF = "demo_project.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [BASE_DIR / "templates"]}]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MEDIA_ROOT = BASE_DIR / "media"
# A benchmark run is not production: the hybrid runs with DEBUG off so templates are cached.
SILENCED_SYSTEM_CHECKS = ["hybridmedia.W001"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The outage scenario makes hybridmedia warn on purpose; the table says what happened.
    "loggers": {"hybridmedia": {"level": "ERROR"}, "django.request": {"level": "CRITICAL"}},
}
