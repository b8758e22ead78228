"""The admin file widget that shows an origin badge next to the current file."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.admin.widgets import AdminFileWidget
from django.utils.translation import gettext_lazy as _

from hybridmedia.admin.badges import STYLESHEET, origin_badge_for_file


class HybridFileWidget(AdminFileWidget):
    """``AdminFileWidget`` plus the badge of the layer that serves the current file."""

    template_name = "admin/hybridmedia/widgets/clearable_file_input.html"
    origin_label = _("Served by")

    class Media:
        css: ClassVar[dict[str, list[str]]] = {"all": [STYLESHEET]}

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.is_initial(value):
            context["widget"]["origin_label"] = self.origin_label
            context["widget"]["origin_badge"] = origin_badge_for_file(
                getattr(value, "storage", None), getattr(value, "name", None)
            )
        return context
