"""The media browser: ``MediaFileAdmin`` lists the hybrid's merged tree and acts on single files."""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from hybridmedia import get_hybrid_storage
from hybridmedia._compat import ADMIN_BREADCRUMBS_AS_LIST, ADMIN_FILTERS_IN_FORM_CONTAINER
from hybridmedia.admin.badges import STYLESHEET, layer_badge, pulled_badge, serving_badge, status_badge
from hybridmedia.admin.inspection import COMPARE_MAX_BYTES, FileReport, inspect_file
from hybridmedia.admin.listing import Entry, LayerError, Stat, read_directory, read_page, with_stats
from hybridmedia.admin.query import BrowserQuery
from hybridmedia.pull import PulledCount, count_pulled
from hybridmedia.redaction import redact_text
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.listing import unlisted_layers
from hybridmedia.storage.names import validate_name

logger = logging.getLogger("hybridmedia.admin")

#: Extensions browsers render in an <img>. SVG is left out on purpose: it can carry scripts.
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/bmp"})


@dataclass
class Row:
    """One line of the browser's table, ready for the template."""

    entry: Entry
    link: str
    badges: SafeString
    thumbnail: str | None
    stat: Stat


class MediaFileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Browse a hybrid storage's files, see which layer serves each, and undo local changes."""

    #: The ``STORAGES`` alias of the hybrid to browse.
    storage_alias: str | None = None  # None: settings.HYBRIDMEDIA_STORAGE_ALIAS ("default")
    list_per_page = 100
    #: Seconds a lower layer's whole-directory listing (filters, search, counting) is reused (0: never).
    #: The top layer is always listed fresh; "Refresh" in the browser bypasses the cache.
    listing_max_age = 60
    #: How many earlier pages' markers an unfiltered page's URL carries for its "Previous" link.
    marker_trail = 10
    compare_max_bytes = COMPARE_MAX_BYTES
    #: ``"admin"``: thumbnails stream through the admin (works with private buckets and without
    #: presigned URLs); ``"url"``: the serving layer's own URL (public buckets, CDNs).
    thumbnail_source = "admin"
    browser_template = "admin/hybridmedia/mediafile/browser.html"
    detail_template = "admin/hybridmedia/mediafile/detail.html"
    delete_local_confirmation_template = "admin/hybridmedia/mediafile/delete_local_confirmation.html"

    # The model is only a permission holder: nothing is added or changed through forms.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @property
    def media(self) -> forms.Media:
        return forms.Media(css={"all": ["admin/css/changelists.css", STYLESHEET]})

    # URLs -----------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        # Names travel in the query string, not the path: any file name, however odd, round-trips.
        return [
            path("", wrap(self.browser_view), name=f"{prefix}_changelist"),
            path("file/", wrap(self.detail_view), name=f"{prefix}_detail"),
            path("file/delete-local/", wrap(self.delete_local_view), name=f"{prefix}_delete_local"),
            path("file/restore/", wrap(self.restore_view), name=f"{prefix}_restore"),
            path("file/preview/", wrap(self.preview_view), name=f"{prefix}_preview"),
        ]

    def _url(self, view: str, **params: str) -> str:
        url = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}")
        query = {key: value for key, value in params.items() if value}
        return f"{url}?{urlencode(query)}" if query else url

    def browse_url(self, directory: str = "") -> str:
        return BrowserQuery(self._url("changelist"), directory).url()

    def detail_url(self, name: str) -> str:
        return self._url("detail", name=name)

    # Shared context -------------------------------------------------------------------------

    def get_storage(self) -> HybridStorage:
        storage = get_hybrid_storage(self.storage_alias)
        # Build the layers now: a layer's bad configuration becomes the page's banner, not a 500.
        storage.layers  # noqa: B018
        return storage

    def base_context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "media": self.media,
            "has_view_permission": self.has_view_permission(request),
            "has_delete_permission": self.has_delete_permission(request),
            "breadcrumbs_as_list": ADMIN_BREADCRUMBS_AS_LIST,
            "filters_in_form_container": ADMIN_FILTERS_IN_FORM_CONTAINER,
            # Called by the template only under a banner about a layer that could not be read.
            "pulled_copies": self.pulled_copies,
        }

    def pulled_copies(self) -> PulledCount | None:
        """How many names the cache layers serve from pulled copies (``None`` without a cache layer)."""
        try:
            return count_pulled(self.get_storage())
        except Exception:  # noqa: BLE001 - a banner must never break the page
            return None

    def breadcrumbs(self, directory: str) -> list[tuple[str, str]]:
        """``(label, url)`` for every directory from the root down to ``directory``."""
        crumbs = []
        parts = [part for part in directory.split("/") if part]
        for depth, part in enumerate(parts, start=1):
            crumbs.append((part, self.browse_url("/".join(parts[:depth]))))
        return crumbs

    def _require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied

    def _config_error(self, request: HttpRequest, exc: ImproperlyConfigured) -> TemplateResponse:
        context = self.base_context(request, _("Media files"))
        # A backend's own configuration error may quote its options; ours never do, but may quote a URL.
        context["config_error"] = redact_text(str(exc))
        return TemplateResponse(request, self.browser_template, context)

    # The browser ----------------------------------------------------------------------------

    def browser_view(self, request: HttpRequest) -> HttpResponse:
        self._require(self.has_view_permission(request))
        try:
            storage = self.get_storage()
        except ImproperlyConfigured as exc:
            return self._config_error(request, exc)
        query = BrowserQuery.from_request(request)
        directory = query.directory
        context = self.base_context(request, _("Media files"))
        context.update(
            {
                "subtitle": directory or None,
                "directory": directory,
                # The search is for the current directory; the filters follow the user up and down.
                "parent_url": query.url(directory=posixpath.dirname(directory), search="") if directory else None,
                "crumbs": self.breadcrumbs(directory),
                "filtered": query.filtered,
                "query": query.search,
                "filters": query.filters,
                "layer_choices": self.layer_choices(storage, query),
                "toggle_choices": self.toggle_choices(query),
                "clear_filters_url": self.browse_url(directory),
                "layers": [(layer, layer_badge(storage, layer)) for layer in storage.layers],
                "unlisted_layers": unlisted_layers(storage),
            }
        )
        if query.filtered or query.counting:
            context.update(self.whole_directory_context(storage, query))
        else:
            context.update(self.page_context(storage, query))
        return TemplateResponse(request, self.browser_template, context)

    def whole_directory_context(self, storage: HybridStorage, query: BrowserQuery) -> dict[str, Any]:
        """List every layer's whole directory: filters, the search and counting need every name."""
        listing = read_directory(storage, query.directory, self.listing_max_age, query.refresh)
        if not listing.exists:
            raise Http404(_("There is no directory “%(dir)s” in any layer.") % {"dir": query.directory})
        entries = self.filter_entries(listing.entries, query)
        page = Paginator(entries, self.list_per_page).get_page(query.page)
        shown, stat_errors = with_stats(list(page.object_list), storage)
        errors = listing.errors + stat_errors
        return {
            "whole_listing": True,
            "rows": [self.make_row(storage, entry, query) for entry in shown],
            "page": page,
            "page_links": self.page_links(page, query),
            "result_count": len(entries),
            "total_count": len(listing.entries),
            "uncounted_url": query.url() if query.counting and not query.filtered else None,
            "refresh_url": query.url(counting=query.counting, refresh=True),
            "layer_errors": _unique_errors(errors),
        }

    def page_context(self, storage: HybridStorage, query: BrowserQuery) -> dict[str, Any]:
        """Read one page after the ``after`` marker: its cost does not grow with the directory."""
        after, trail = query.after, query.trail[-self.marker_trail :]
        # A page after a marker is never the first, whatever its URL says.
        number = max(query.page or 2, 2) if after else 1
        listing = read_page(storage, query.directory, after, self.list_per_page)
        if not listing.exists:
            raise Http404(_("There is no directory “%(dir)s” in any layer.") % {"dir": query.directory})
        shown, stat_errors = with_stats(listing.entries, storage)
        errors = listing.errors + stat_errors
        if not after:
            previous_url = None
        elif trail:
            previous_url = query.url(after=trail[-1], trail=trail[:-1], page=number - 1)
        else:
            # The first page, unless the trail was cut short: then only "First" goes back.
            previous_url = query.url() if number <= 2 else None
        next_url = None
        if listing.next_after is not None:
            next_trail = (*trail, after) if after else ()
            next_url = query.url(after=listing.next_after, trail=next_trail[-self.marker_trail :], page=number + 1)
        return {
            "whole_listing": False,
            "rows": [self.make_row(storage, entry, query) for entry in shown],
            "page_number": number,
            "first_url": query.url() if after else None,
            "previous_url": previous_url,
            "next_url": next_url,
            "count_url": query.url(counting=True),
            "layer_errors": _unique_errors(errors),
        }

    def filter_entries(self, entries: list[Entry], query: BrowserQuery) -> list[Entry]:
        """Apply the search and the filters; whited-out names show only under their own filter."""
        if query.search:
            needle = query.search.casefold()
            entries = [entry for entry in entries if needle in entry.name.casefold()]
        if query.whiteouts:
            return [entry for entry in entries if entry.whited_out]
        entries = [entry for entry in entries if not entry.whited_out]
        if query.shadowed:
            entries = [entry for entry in entries if entry.shadowed]
        if layer := query.layer:
            # A directory has no serving layer; filtering by layer shows files only.
            entries = [entry for entry in entries if not entry.is_dir and entry.serving and entry.serving.name == layer]
        return entries

    def make_row(self, storage: HybridStorage, entry: Entry, query: BrowserQuery) -> Row:
        link = query.url(directory=entry.path, search="") if entry.is_dir else self.detail_url(entry.path)
        stat = Stat.of(entry.size, entry.modified)
        return Row(entry, link, self.entry_badges(storage, entry), self.thumbnail_url(entry), stat)

    def entry_badges(self, storage: HybridStorage, entry: Entry) -> SafeString:
        holders = ", ".join(layer.name for layer in entry.holders)
        if entry.is_dir:
            return format_html_join(
                " ",
                "{}",
                (
                    (layer_badge(storage, layer, _("In layers: %(layers)s") % {"layers": holders}),)
                    for layer in entry.holders
                ),
            )
        if entry.whited_out:
            return status_badge(
                "whiteout",
                _("whited out"),
                _("Deleted here; still in %(layers)s. Restore it on its detail page.") % {"layers": holders},
            )
        serving = entry.serving
        assert serving is not None
        title = _("Served by %(layer)s; held by %(layers)s") % {"layer": serving.name, "layers": holders}
        badge = serving_badge(storage, serving, entry.path, title)
        if entry.shadowed:
            hidden = ", ".join(layer.name for layer in entry.hidden)
            badge = format_html(
                "{} {}",
                badge,
                status_badge("shadow", _("shadows %(layers)s") % {"layers": hidden}, title),
            )
        return badge

    def thumbnail_url(self, entry: Entry) -> str | None:
        if entry.is_dir or entry.serving is None or not is_thumbnail_type(entry.name):
            return None
        if self.thumbnail_source == "admin":
            return self._url("preview", name=entry.path)
        try:
            # The serving layer builds the URL itself; for S3 that is local work, not a request.
            return entry.serving.storage.url(entry.path)
        except Exception:  # noqa: BLE001 - no thumbnail is better than no page.
            return None

    def layer_choices(self, storage: HybridStorage, query: BrowserQuery) -> list[dict[str, Any]]:
        choices = [{"label": _("All"), "url": query.url(layer=""), "selected": not query.layer}]
        for layer in storage.layers:
            choices.append(
                {
                    "label": layer.name,
                    # A whited-out name has no serving layer: the two filters exclude each other.
                    "url": query.url(layer=layer.name, whiteouts=False),
                    "selected": query.layer == layer.name,
                }
            )
        return choices

    def toggle_choices(self, query: BrowserQuery) -> list[dict[str, Any]]:
        """The "shadowed only" and "whited out" filters, each an All/Yes choice."""
        toggles = []
        for field, title in (("shadowed", gettext_lazy("shadowed only")), ("whiteouts", gettext_lazy("whited out"))):
            selected = getattr(query, field)
            toggles.append(
                {
                    "title": title,
                    "choices": [
                        {"label": _("All"), "url": query.url(**{field: False}), "selected": not selected},
                        {"label": _("Yes"), "url": query.url(**{field: True}), "selected": selected},
                    ],
                }
            )
        return toggles

    def page_links(self, page: Any, query: BrowserQuery) -> list[dict[str, Any]]:
        if page.paginator.num_pages < 2:
            return []
        links = []
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
            if number == page.paginator.ELLIPSIS:
                links.append({"label": number, "url": None, "current": False})
            else:
                url = query.url(counting=query.counting, page=number if number > 1 else None)
                links.append({"label": number, "url": url, "current": number == page.number})
        return links

    # The detail page and its actions ----------------------------------------------------------

    def _name_from(self, data: Any) -> str:
        name = data.get("name", "")
        if not name:
            raise Http404(_("No file name given."))
        return validate_name(name)

    @staticmethod
    def serving_badge(storage: HybridStorage, report: FileReport) -> SafeString | None:
        where = report.whereabouts
        if report.serving is None or where is None:
            return None
        if where.pulled_copy is not None:
            return pulled_badge(storage, report.serving.layer, where.pulled_from, where.stale)
        return layer_badge(storage, report.serving.layer)

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self._require(self.has_view_permission(request))
        try:
            storage = self.get_storage()
        except ImproperlyConfigured as exc:
            return self._config_error(request, exc)
        name = self._name_from(request.GET)
        report = inspect_file(storage, name, self.compare_max_bytes)
        if not report.known:
            raise Http404(_("No layer holds “%(name)s”.") % {"name": name})
        directory = posixpath.dirname(name)
        context = self.base_context(request, posixpath.basename(name))
        context.update(
            {
                "subtitle": name,
                "name": name,
                "report": report,
                "crumbs": self.breadcrumbs(directory),
                "directory_url": self.browse_url(directory),
                "copies": [(copy, layer_badge(storage, copy.layer)) for copy in report.copies],
                "serving_badge": self.serving_badge(storage, report),
                "warning": self.shadowing_warning(report),
                "layer_errors": _unique_errors(report.errors),
                "can_delete_local": report.top_copy is not None and self.has_delete_permission(request),
                "can_restore": report.whited_out and self.has_delete_permission(request),
                "delete_local_url": self._url("delete_local", name=name),
                "restore_url": self._url("restore"),
                "thumbnail": self._detail_thumbnail(report),
            }
        )
        return TemplateResponse(request, self.detail_template, context)

    def _detail_thumbnail(self, report: FileReport) -> str | None:
        serving = report.serving
        if serving is None or not is_thumbnail_type(report.name):
            return None
        return self._url("preview", name=report.name) if self.thumbnail_source == "admin" else serving.url

    def preview_view(self, request: HttpRequest) -> HttpResponseBase:
        """Stream an image as the hybrid serves it, for thumbnails; only raster image types."""
        self._require(self.has_view_permission(request))
        name = self._name_from(request.GET)
        content_type, _encoding = mimetypes.guess_type(name)
        if content_type not in THUMBNAIL_TYPES:
            # Anything else (HTML, SVG...) served from the admin's origin could run scripts there.
            raise Http404(_("Only images have a preview."))
        try:
            file = self.get_storage().open(name, "rb")
        except Exception as exc:  # noqa: BLE001 - a missing or unreachable file is a broken thumbnail.
            raise Http404(_("“%(name)s” cannot be previewed.") % {"name": name}) from exc
        response = FileResponse(file, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=60"
        return response

    def shadowing_warning(self, report: FileReport) -> str | None:
        """Say in plain words what a shadowing local copy means, and whether it differs."""
        top, hidden = report.serving, report.hidden_copy
        if top is None or hidden is None:
            return None
        words = {"top": top.layer.name, "lower": hidden.layer.name}
        text = (
            _(
                "The “%(top)s” copy of this file hides the “%(lower)s” copy. This site shows the "
                "“%(top)s” copy; the “%(lower)s” file is still there, untouched."
            )
            % words
        )
        if report.contents_differ is True:
            text += " " + _("The two copies have different contents.")
        elif report.contents_differ is False:
            text += " " + _("The two copies have identical contents.")
        else:
            text += " " + _("The copies were not compared (too large or unreadable).")
        if top.layer.writable:
            text += " " + _("Delete the local copy to show the “%(lower)s” file again.") % words
        return text

    def _start_action(self, request: HttpRequest, data: Any) -> tuple[HybridStorage, str] | HttpResponse:
        """Check the delete permission; return the storage and the name in ``data``, or a response."""
        self._require(self.has_delete_permission(request))
        try:
            storage = self.get_storage()
        except ImproperlyConfigured as exc:
            return self._config_error(request, exc)
        return storage, self._name_from(data)

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def delete_local_view(self, request: HttpRequest) -> HttpResponse:
        """Ask first, then delete: GET shows the confirmation page, POST deletes (as Django's ``delete_view``)."""
        if request.method == "POST":
            return self.delete_local(request)
        return self.delete_local_confirmation(request)

    def delete_local_confirmation(self, request: HttpRequest) -> HttpResponse:
        """Name the copy that will be deleted and the copy that will show again."""
        started = self._start_action(request, request.GET)
        if isinstance(started, HttpResponse):
            return started
        storage, name = started
        report = inspect_file(storage, name, compare_max_bytes=0)  # the detail page compared them
        if not report.known:
            raise Http404(_("No layer holds “%(name)s”.") % {"name": name})
        top = report.top_copy
        if top is None:
            self.message_user(request, _("“%(name)s” has no local copy to delete.") % {"name": name}, messages.WARNING)
            return HttpResponseRedirect(self.detail_url(name))
        directory, shows_again = posixpath.dirname(name), report.hidden_copy
        context = self.base_context(request, _("Delete local copy"))
        context.update(
            {
                "subtitle": name,
                "name": name,
                "report": report,
                "crumbs": [*self.breadcrumbs(directory), (posixpath.basename(name), self.detail_url(name))],
                "deleted_copy": top,
                "deleted_badge": layer_badge(storage, top.layer),
                "shows_again": shows_again,
                "shows_again_badge": layer_badge(storage, shows_again.layer) if shows_again else None,
                "layer_errors": _unique_errors(report.errors),
                "detail_url": self.detail_url(name),
            }
        )
        return TemplateResponse(request, self.delete_local_confirmation_template, context)

    @method_decorator(require_POST)
    def delete_local(self, request: HttpRequest) -> HttpResponse:
        """Delete the top layer's copy only: no whiteout, so a lower copy shows again."""
        started = self._start_action(request, request.POST)
        if isinstance(started, HttpResponse):
            return started
        storage, name = started
        top = storage.top
        if not top.adapter.probe(name).exists:  # a file: a local directory is not "a copy" to delete
            self.message_user(request, _("“%(name)s” has no local copy to delete.") % {"name": name}, messages.WARNING)
            return HttpResponseRedirect(self.detail_url(name))
        storage.delete_top_copy(name)
        logger.info("%s deleted the %r copy of %r in the admin.", request.user, top.name, name)
        report = inspect_file(storage, name, compare_max_bytes=0)
        serving = report.serving
        if serving is not None:
            self.message_user(
                request,
                _("Deleted the “%(top)s” copy of “%(name)s”; the “%(layer)s” file shows again.")
                % {"top": top.name, "name": name, "layer": serving.layer.name},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self.detail_url(name))
        if report.errors:
            self.message_user(
                request,
                _(
                    "Deleted the “%(top)s” copy of “%(name)s”. Whether another layer still holds it "
                    "is unknown: %(error)s"
                )
                % {"top": top.name, "name": name, "error": report.errors[0].message},
                messages.WARNING,
            )
            return HttpResponseRedirect(self.browse_url(posixpath.dirname(name)))
        self.message_user(
            request,
            _("Deleted the “%(top)s” copy of “%(name)s”; no other layer holds it.") % {"top": top.name, "name": name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self.browse_url(posixpath.dirname(name)))

    @method_decorator(require_POST)
    def restore_view(self, request: HttpRequest) -> HttpResponse:
        """Drop a whiteout so the lower layers' copy shows again."""
        started = self._start_action(request, request.POST)
        if isinstance(started, HttpResponse):
            return started
        storage, name = started
        if storage.restore(name):
            logger.info("%s restored %r (dropped its whiteout) in the admin.", request.user, name)
            self.message_user(request, _("Restored “%(name)s”: it shows again.") % {"name": name}, messages.SUCCESS)
        else:
            self.message_user(request, _("“%(name)s” was not whited out.") % {"name": name}, messages.WARNING)
        return HttpResponseRedirect(self.detail_url(name))


def is_thumbnail_type(name: str) -> bool:
    content_type, _encoding = mimetypes.guess_type(name)
    return content_type in THUMBNAIL_TYPES


def _unique_errors(errors: list[LayerError]) -> list[LayerError]:
    # One banner per layer: the first failure says enough.
    seen: set[str] = set()
    unique = []
    for error in errors:
        if error.layer.name not in seen:
            seen.add(error.layer.name)
            unique.append(error)
    return unique


__all__ = ["MediaFileAdmin"]
