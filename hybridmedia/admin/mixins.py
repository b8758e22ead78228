"""``HybridMediaAdminMixin`` and the ``origin_badge`` column for your own ModelAdmins."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hybridmedia.admin.badges import STYLESHEET, as_hybrid, origin_badge_for_file
from hybridmedia.admin.widgets import HybridFileWidget
from hybridmedia.redaction import describe_error


def file_fields(obj: models.Model) -> Iterator[tuple[models.FileField, FieldFile]]:
    """Yield ``(field, value)`` for every non-empty ``FileField``/``ImageField`` of ``obj``."""
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.FileField):
            value = getattr(obj, field.attname)
            if value:
                yield field, value


def origin_badge(field_name: str, description: str | None = None) -> Callable[[models.Model], SafeString]:
    """Return a ``list_display`` column showing which layer serves the file in ``field_name``.

    On a ``HybridMediaAdminMixin`` change list the page's files are asked about together first
    (``HybridStorage.whereabouts_many()``: one listing per directory and lower layer), so each row's
    badge costs no request; elsewhere each row asks for its own file.
    """

    def column(obj: models.Model) -> SafeString:
        value = getattr(obj, field_name)
        if not value:
            return SafeString("")
        return format_html("{} {}", origin_badge_for_file(value.storage, value.name), value.name)

    # Lazy: list_display columns are built at import time, before any language is active.
    column.short_description = description or format_lazy(  # type: ignore[attr-defined]
        gettext_lazy("{field} origin"), field=field_name.replace("_", " ")
    )
    column.__name__ = f"{field_name}_origin"
    return column


class HybridMediaAdminMixin:
    """Show origin badges on file fields and warn on the change form when a local file shadows a lower one.

    Put it before ``admin.ModelAdmin``: ``class PhotoAdmin(HybridMediaAdminMixin, admin.ModelAdmin)``.
    """

    hybridmedia_file_widget: type[AdminFileWidget] = HybridFileWidget

    @property
    def media(self) -> forms.Media:
        # The change list needs the badge styles too, and it renders no widget media.
        return super().media + forms.Media(css={"all": [STYLESHEET]})  # type: ignore[misc,no-any-return]

    def formfield_for_dbfield(self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any) -> Any:
        if (
            isinstance(db_field, models.FileField)
            and "widget" not in kwargs
            and self._uses_default_file_widget(db_field)
        ):
            kwargs["widget"] = self.hybridmedia_file_widget
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

    def _uses_default_file_widget(self, db_field: models.Field[Any, Any]) -> bool:
        # Respect a widget the project chose in formfield_overrides; replace only the admin default.
        for klass in type(db_field).__mro__:
            override = self.formfield_overrides.get(klass)  # type: ignore[attr-defined]
            if override is not None:
                widget = override.get("widget")
                return widget is None or widget is AdminFileWidget
        return True

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]
        self.prefetch_origins(changelist.result_list)
        return changelist

    def prefetch_origins(self, objects: Any) -> None:
        """Ask each hybrid about the files of ``objects`` at once, so their badges need no request each."""
        names: dict[int, tuple[Any, list[str]]] = {}
        for obj in objects:
            for _field, value in file_fields(obj):
                hybrid = as_hybrid(value.storage)
                if hybrid is not None:
                    names.setdefault(id(hybrid), (hybrid, []))[1].append(str(value.name))
        for hybrid, batch in names.values():
            # A failure here only costs the speed-up: each badge then asks, and says what failed.
            with contextlib.suppress(Exception):
                hybrid.whereabouts_many(batch, skip_unavailable=True)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Only on GET: after a POST the admin redirects, and the warning would show twice.
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if obj is not None:
                self.warn_about_shadowed_files(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc,no-any-return]

    def warn_about_shadowed_files(self, request: HttpRequest, obj: models.Model) -> None:
        """Add an admin warning for each file of ``obj`` whose local copy hides a lower layer's copy."""
        for field, value in file_fields(obj):
            hybrid = as_hybrid(value.storage)
            if hybrid is None or len(hybrid.layers) < 2 or not value.name:
                continue
            try:
                where = hybrid.whereabouts(value.name)
            except Exception as exc:  # noqa: BLE001 - say so instead of failing the change form.
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    _("Could not check whether “%(name)s” (%(field)s) is shadowed: %(error)s")
                    % {
                        "name": value.name,
                        "field": field.verbose_name,
                        "error": describe_error(exc, [layer.storage for layer in hybrid.layers]),
                    },
                    messages.WARNING,
                )
                continue
            if where.shadowed and where.origin is not None:
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    _(
                        "The file “%(name)s” (%(field)s) is shadowed: a copy in the “%(top)s” layer hides "
                        "the one in %(lower)s. This site shows the “%(top)s” copy; delete it in the media "
                        "browser to see the other one again."
                    )
                    % {
                        "name": value.name,
                        "field": field.verbose_name,
                        "top": where.origin.name,
                        "lower": ", ".join(f"“{copy.layer.name}”" for copy in where.hidden),
                    },
                    messages.WARNING,
                )
