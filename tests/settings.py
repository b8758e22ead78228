"""Settings for the test suite; S3 endpoints are filled in by fixtures at run time."""

SECRET_KEY = "tests-only"
DEBUG = True
USE_TZ = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hybridmedia",
    "demo_project.homes",  # the demo app, for tests/demo/
    # The libraries of tests/integrations/ and its models. django-cleanup only cleans the models it is
    # told to (@cleanup.select), so the rest of the suite keeps Django's own behaviour.
    "tests.integrations.apps.SorlThumbnailConfig",  # sorl-thumbnail; why not "sorl.thumbnail": see there
    "easy_thumbnails",
    "imagekit",
    "versatileimagefield",
    "django_cleanup.apps.CleanupSelectedConfig",
    "filer",
    "wagtail",
    "wagtail.images",
    "wagtail.documents",
    "wagtail.admin",  # wagtail.images' migrations depend on it, and it on wagtail.users
    "wagtail.users",
    "taggit",
    "tests.integrations",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# sorl-thumbnail's own migrations for its app, installed under another name (tests/integrations/apps.py).
MIGRATION_MODULES = {"thumbnail": "sorl.thumbnail.migrations"}
# django-filer builds its storages when it is imported: a hybrid over the "local" and "production"
# aliases, which tests/integrations/ fill in (a hybrid resolves its layers when it is first used).
FILER_STORAGES = {
    "public": {
        "main": {"ENGINE": "hybridmedia.storage.HybridStorage", "OPTIONS": {"layers": ["local", "production"]}},
        "thumbnails": {
            "ENGINE": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", "production"]},
        },
    }
}
WAGTAIL_SITE_NAME = "hybridmedia tests"
WAGTAILADMIN_BASE_URL = "http://testserver"
