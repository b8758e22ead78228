"""Settings of the hybridmedia demo project, read from the environment (and an optional ``.env``).

Every value has a safe default, so ``python -m demo_project`` needs no configuration. The runner
(``demo_project/__main__.py``) starts an embedded S3 server and passes its address in
``DEMO_S3_ENDPOINT_URL`` before these settings are read.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlencode

import environ
from django.core.exceptions import ImproperlyConfigured

from hybridmedia.conf import storages_from_urls

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV_FILE = Path(os.environ.get("ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    # Variables already in the environment win over the file (django-environ's default).
    env.read_env(ENV_FILE)

SECRET_KEY = env.str("SECRET_KEY", default="demo-only-not-secret")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hybridmedia",
    "demo_project.homes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
STATIC_URL = "static/"

# Media: a local folder over the embedded "production" bucket -------------------------------

MEDIA_URL = "/media/"
# A relative MEDIA_ROOT (e.g. from .env) is relative to the repository, not the working directory.
MEDIA_ROOT = (BASE_DIR / env.str("MEDIA_ROOT", default="media")).resolve()

DEMO_S3_ENDPOINT_URL = env.str("DEMO_S3_ENDPOINT_URL", default="http://127.0.0.1:9000")
DEMO_BUCKET = env.str("DEMO_BUCKET", default="demo-production")
# The embedded server accepts any key; real keys never belong in the demo (nor in a URL).
DEMO_CREDENTIALS = {"DEMO_AWS_ACCESS_KEY_ID": "demo", "DEMO_AWS_SECRET_ACCESS_KEY": "demo"}

_production_query = urlencode(
    {
        "endpoint_url": DEMO_S3_ENDPOINT_URL,
        "region": "us-east-1",
        "addressing_style": "path",
        # Public, unsigned URLs: the browser loads production photos straight from the endpoint.
        "querystring_auth": "false",
        "credentials_env": "DEMO",
    }
)
# How the demo reaches production: "s3" (with the embedded server's keys) or "http" (its public URL:
# no S3 credentials at all, as a contractor's or a CI job's machine would; docs/demo.md).
DEMO_PRODUCTION = env.str("DEMO_PRODUCTION", default="s3")
if DEMO_PRODUCTION not in ("s3", "http"):
    raise ImproperlyConfigured(f'DEMO_PRODUCTION must be "s3" or "http", not {DEMO_PRODUCTION!r}.')
_production_layer = (
    # Streamed through the media view (serve=proxy): the browser talks to Django only, as it must where
    # production sits behind a VPN or a login; a missing photo shows a placeholder.
    f"{DEMO_S3_ENDPOINT_URL}/{DEMO_BUCKET}/?serve=proxy#production"
    if DEMO_PRODUCTION == "http"
    else f"s3://{DEMO_BUCKET}?{_production_query}#production"
)
MEDIA_LAYERS = env.list(
    "MEDIA_LAYERS",
    default=[f"file://{quote(str(MEDIA_ROOT))}?base_url={MEDIA_URL}#local", _production_layer],
)
# A missing or unreachable photo answers with a generated placeholder image rather than a broken one.
HYBRIDMEDIA_PLACEHOLDERS = env.bool("HYBRIDMEDIA_PLACEHOLDERS", default=True)
STORAGES = storages_from_urls(
    MEDIA_LAYERS,
    base_dir=BASE_DIR,
    environ={**(DEMO_CREDENTIALS if DEMO_PRODUCTION == "s3" else {}), **os.environ},
)
