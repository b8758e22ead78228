from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class HybridMediaConfig(AppConfig):
    name = "hybridmedia"
    verbose_name = _("Hybrid media")
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from hybridmedia.checks import (
            check_hybrid_storages,
            check_media_view_not_in_production,
            check_not_in_production,
        )

        checks.register(check_hybrid_storages, checks.Tags.files)
        checks.register(check_not_in_production, checks.Tags.files)
        checks.register(check_media_view_not_in_production, checks.Tags.urls)
