"""The app of the library tests' models, and sorl-thumbnail's app under another name."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default = True
    name = "tests.integrations"
    label = "integrations"
    default_auto_field = "django.db.models.AutoField"


class SorlThumbnailConfig(AppConfig):
    """sorl-thumbnail's app, under its label, without its "thumbnail" template library.

    Installed as "sorl.thumbnail", its template library would clash with easy-thumbnails' (templates.W003)
    in every test that runs the system checks; a project uses one of the two. Django finds an app's
    template libraries and commands from its ``name``, its models from the modules they are in:
    ``tests.integrations.models`` imports ``sorl.thumbnail.models``, so the key-value store's model is
    this app's, and ``MIGRATION_MODULES`` gives it sorl's own migrations.
    """

    name = "sorl"
    label = "thumbnail"
